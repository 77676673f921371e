"""Behind a reverse proxy: which of its headers waitress believes, and from whom.

waitress drops ``X-Forwarded-*`` headers unless told which proxy to trust; then Django never
learns that the person used HTTPS (no HSTS, ``http://`` password-reset links) and every person
seems to come from the proxy's address (one sign-in throttle for all). With
``KAIKU_BEHIND_PROXY=true`` the proxy at ``KAIKU_TRUSTED_PROXY`` is trusted for
``X-Forwarded-For`` (the client address becomes ``REMOTE_ADDR``) and ``X-Forwarded-Proto``
(the scheme); the same headers from anyone else are removed before Kaiku sees them.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings


def waitress_proxy_options() -> dict[str, Any]:
    if not settings.KAIKU_BEHIND_PROXY:
        return {}
    return {
        "trusted_proxy": settings.KAIKU_TRUSTED_PROXY,
        # One proxy in front: the last X-Forwarded-For entry is the address it saw.
        "trusted_proxy_count": 1,
        "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
        "clear_untrusted_proxy_headers": True,
    }
