"""Mastodon (any instance): OAuth connect, threads, images with alt text, reconciliation.

``client.py`` holds the HTTP calls and response models, ``connector.py`` the Connector, and
``fixtures/`` the response shapes from docs.joinmastodon.org that the test server answers with.
"""
