"""LinkedIn: organisation pages and personal profiles through the Posts API.

``client.py`` the HTTP calls, ``models.py`` the answers and the "little" text format,
``connector.py`` the Kaiku connector, ``fixtures/`` the response shapes the test server answers
with (sources in ``fixtures/README.md``).
"""
