"""OAuth 2.0 pieces shared by every connect flow (X, LinkedIn, Facebook, Instagram, Threads,
Mastodon): the ``state`` that ties a callback to its attempt, PKCE (RFC 7636, S256) and the
checks on the callback's query.

A callback is checked in one order everywhere: an ``error`` from the platform first (the person
said no, or the app lacks a permission: RFC 6749 section 4.1.2.1), then ``state`` (compared in
constant time: a forged callback must not learn it byte by byte), then that a ``code`` came.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kaiku.channels.base import ChannelError, Failure

# The connect flow's server-side state keeps the value under this key.
STATE_KEY = "oauth_state"


def new_state() -> str:
    """A fresh ``state`` value: 24 random bytes, URL-safe (32 characters)."""
    return secrets.token_urlsafe(24)


def state_matches(expected: str, returned: str) -> bool:
    """True when the callback echoed the attempt's state; never for an empty expectation."""
    return bool(expected) and secrets.compare_digest(
        expected.encode("utf-8"), returned.encode("utf-8")
    )


def pkce_challenge(verifier: str) -> str:
    """The S256 ``code_challenge`` of ``verifier``: BASE64URL(SHA256(verifier)), unpadded."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier (64 characters of the unreserved set, within RFC 7636's 43 to 128)
    and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    return verifier, pkce_challenge(verifier)


@dataclass(frozen=True)
class Refusal:
    """The platform's ``error`` on the callback: ``error`` is its code ("" when the platform
    sent only another key, as Facebook's ``error_reason``), ``detail`` its words."""

    error: str
    detail: str


def refusal(query: Mapping[str, str], keys: tuple[str, ...] = ("error",)) -> Refusal | None:
    """The platform's refusal in a callback's query, if there is one. ``keys``: the parameters
    that signal one, in the order their value is preferred after ``error_description``."""
    if not any(query.get(key) for key in keys):
        return None
    detail = query.get("error_description") or next(query[k] for k in keys if query.get(k))
    return Refusal(error=query.get("error", ""), detail=detail)


def denied(refused: Refusal) -> ChannelError:
    return ChannelError(Failure.PERMANENT, "authorization_denied", refused.detail)


def checked_code(
    state: Mapping[str, Any],
    query: Mapping[str, str],
    *,
    error_keys: tuple[str, ...] = ("error",),
    on_refusal: Callable[[Refusal], ChannelError] = denied,
) -> str:
    """The authorization code of a callback, after the checks in the module's docstring.

    Raises ChannelError(PERMANENT): ``on_refusal``'s answer to a platform's error (by default
    ``authorization_denied``), ``state_mismatch``, or ``authorization_denied`` without a code.
    """
    refused = refusal(query, error_keys)
    if refused is not None:
        raise on_refusal(refused)
    if not state_matches(str(state.get(STATE_KEY) or ""), query.get("state", "")):
        raise ChannelError(Failure.PERMANENT, "state_mismatch", "OAuth state differs")
    code = query.get("code", "")
    if not code:
        raise ChannelError(Failure.PERMANENT, "authorization_denied", "no code")
    return code
