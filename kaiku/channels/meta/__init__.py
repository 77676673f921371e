"""What Facebook Pages, Instagram and Threads share: the Graph API transport, its error object
and usage headers (graph.py), the JSON models (models.py) and the OAuth steps (oauth.py)."""
