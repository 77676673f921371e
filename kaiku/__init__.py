"""Kaiku: a social-media workbench for small social- and health-sector organisations."""

__version__ = "0.1.0"
