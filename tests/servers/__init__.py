"""Local stand-ins for the platforms Kaiku talks to, for tests and crash tests."""
