"""Why a source could not be read, as a code plus parameters and as words for people.

The code and parameters are stored on the source, so the interface can say it again in each
reader's language; ``render_error`` turns them into a sentence (English msgids, Finnish first).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from kaiku.channels.reading import ReadError, ReadRefused


class WatchError(ReadError):
    """A source could not be read or added. ``code`` picks the message; ``params`` fill it."""

    @property
    def message(self) -> str:
        return render_error(self.code, self.params)


class SourceRefused(WatchError, ReadRefused):
    """The source cannot be added at all (a plan that does not allow it, a bad address)."""


def as_watch_error(exc: ReadError) -> WatchError:
    """A platform reader's error as the watch stores and shows it (the same code)."""
    if isinstance(exc, WatchError):
        return exc
    kind = SourceRefused if isinstance(exc, ReadRefused) else WatchError
    return kind(exc.code, retry_after=exc.retry_after, permanent=exc.permanent, **exc.params)


@contextmanager
def watch_errors() -> Iterator[None]:
    """Raise a platform reader's ``ReadError`` as the watch's own error."""
    try:
        yield
    except ReadError as exc:
        converted = as_watch_error(exc)
        if converted is exc:
            raise
        raise converted from None


def _messages() -> dict[str, str]:
    # Imported here: a parse worker process raises these errors but never words them, and
    # Django's translation machinery would add about 10 MB to each worker.
    from django.utils.translation import gettext as _

    return {
        "blocked_address": _(
            "The address %(host)s points to a private or local network (%(address)s), which "
            "the watch may not reach."
        ),
        "bad_url": _("The address %(url)s is not a web address that can be followed."),
        "dns_failed": _("The server name %(host)s could not be found."),
        "connect_failed": _("Could not connect to %(host)s."),
        "tls_failed": _("The secure connection to %(host)s failed (certificate or TLS error)."),
        "deadline": _(
            "The server did not send the whole feed within %(seconds)s seconds, so reading "
            "was stopped."
        ),
        "too_large": _("The feed is larger than %(limit_mb)s MB, so it was not read."),
        "too_large_partial": _(
            "The feed is larger than %(limit_mb)s MB: the %(count)s items before that size were "
            "read, the rest of the feed was not."
        ),
        "bad_compression": _(
            "The server at %(host)s sent a compressed (gzip or deflate) feed that is broken and "
            "cannot be unpacked: %(detail)s"
        ),
        "protocol_error": _(
            "The server at %(host)s sent an answer that breaks the HTTP protocol: %(detail)s"
        ),
        "too_many_redirects": _("The address redirected more than %(limit)s times."),
        "redirect_loop": _("The address redirects in a loop (back to %(url)s)."),
        "not_found": _("The feed is no longer at this address (HTTP %(status)s)."),
        "forbidden": _("The server refused access to the feed (HTTP %(status)s)."),
        "rate_limited": _(
            "The server asked us to wait (HTTP 429); the next try is in %(minutes)s minutes."
        ),
        "server_error": _("The server had an error (HTTP %(status)s); we will try again later."),
        "http_status": _("The server answered with HTTP %(status)s."),
        "xml_entities": _(
            "The feed declares XML entities or a document type, which is refused for safety "
            "(a possible entity-expansion attack)."
        ),
        "malformed": _("The feed is not valid %(format)s and could not be read: %(detail)s"),
        "partial": _(
            "The feed was broken after %(count)s items (%(detail)s); the items before the "
            "break were read."
        ),
        "dropped_characters": _(
            "The feed contained %(count)s characters that XML does not allow (%(characters)s); "
            "they were left out and the rest of the feed was read."
        ),
        "skipped": _(
            "%(count)s entries of the feed were skipped: they had no id, link, title or text."
        ),
        "not_a_feed": _("No RSS, Atom or JSON Feed was found at this address."),
        "no_feed_found": _("The page does not link to any RSS, Atom or JSON Feed."),
        "unknown_account": _("The account %(account)s was not found."),
        "api_error": _("The service answered with an error: %(detail)s"),
        "auth_required": _("The service requires signing in for this (HTTP %(status)s)."),
        "unsupported": _("This kind of source is not supported: %(kind)s"),
        "internal": _("An unexpected error occurred while reading the source (%(detail)s)."),
    }


def render_error(code: str, params: dict[str, Any]) -> str:
    # Imported here, as in _messages: the registry loads every platform's package.
    from django.utils.translation import gettext as _

    from kaiku.channels import registry

    template = _messages().get(code)
    if template is None and code in registry.read_error_texts():
        template = _(registry.read_error_texts()[code])  # a platform package's own error
    if template is None:
        return str(params.get("detail") or code)
    try:
        return template % params
    except (KeyError, TypeError, ValueError):
        return template
