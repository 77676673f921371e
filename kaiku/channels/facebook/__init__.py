"""Facebook Pages through the Graph API."""
