"""X (api.x.com v2): OAuth 2.0 with PKCE on the organisation's own developer app, threads, images
with alt text, reconciliation, and a cost estimate under X's pay-per-use pricing.

``client.py`` holds the HTTP calls, ``models.py`` the response models, ``text.py`` how a post's
text is compared with what X shows back (t.co links), ``connector.py`` the Connector, and
``fixtures/`` the response shapes from docs.x.com that the local test server answers with.
"""
