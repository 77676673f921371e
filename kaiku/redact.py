"""No secret in a log line: query parameters named like secrets, and Authorization values,
are replaced by ``[redacted]`` in every log record, whichever library wrote it.

httpx logs each request's full URL at INFO ("HTTP Request: GET https://…?access_token=…"), and
a connector's error message may quote a URL too. A ``logging.Filter`` on a logger sees only the
records logged at that very logger, not at its children (``httpcore.http11``, say), and a test's
or an operator's own handler would skip the filters of Kaiku's handler; so ``install()`` also
wraps the log-record factory, which every record of every logger passes through.
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"

# A parameter name is secret when it contains one of these words (access_token, client_secret,
# fb_exchange_token, input_token, code, code_verifier, refresh_token, api_key, signature, …).
SECRET_WORDS = (
    "token",
    "secret",
    "code",
    "password",
    "passwd",
    "key",
    "signature",
    "sig",
    "verifier",
    "credential",
    "auth",
    "session",
)
_PARAM = re.compile(r"(?P<lead>[?&;]|\b)(?P<name>[A-Za-z0-9_.\-\[\]]+)=(?P<value>[^&\s;#\"'<>]*)")
_JSON = re.compile(r'"(?P<name>[A-Za-z0-9_.\-]+)"(?P<colon>\s*:\s*)"(?P<value>[^"\\]*)"')
_SCHEME = re.compile(r"(?i)\b(?P<scheme>bearer|oauth|basic)\s+(?P<value>[A-Za-z0-9._~+/=|\-]{6,})")


def secret_name(name: str) -> bool:
    lowered = name.lower()
    return any(word in lowered for word in SECRET_WORDS)


def redact(text: str) -> str:
    """``text`` with the values of secret-named parameters and Authorization schemes hidden."""
    if "=" not in text and " " not in text:
        return text

    def param(match: re.Match[str]) -> str:
        if not match.group("value") or not secret_name(match.group("name")):
            return match.group(0)
        return f"{match.group('lead')}{match.group('name')}={REDACTED}"

    def json_member(match: re.Match[str]) -> str:
        if not match.group("value") or not secret_name(match.group("name")):
            return match.group(0)
        return f'"{match.group("name")}"{match.group("colon")}"{REDACTED}"'

    text = _PARAM.sub(param, text)
    text = _JSON.sub(json_member, text)
    return _SCHEME.sub(lambda m: f"{m.group('scheme')} {REDACTED}", text)


def redact_record(record: logging.LogRecord) -> None:
    try:
        message = record.getMessage()
    except (TypeError, ValueError):  # a record whose arguments do not fit its format
        return
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, ()
    if record.exc_info and not record.exc_text:
        # Formatters reuse exc_text: fill it now, redacted (an exception may quote a URL).
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))


class RedactingFilter(logging.Filter):
    """For handlers and loggers configured by name (settings.LOGGING)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


_LOGGERS = ("httpx", "httpcore", "kaiku", "django", "gunicorn", "waitress")


def install() -> None:
    """Redact every record from now on (idempotent)."""
    factory = logging.getLogRecordFactory()
    if getattr(factory, "kaiku_redacting", False):
        return

    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = factory(*args, **kwargs)
        redact_record(record)
        return record

    make.kaiku_redacting = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(make)
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
