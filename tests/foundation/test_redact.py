"""kaiku.redact: a secret-named parameter's value never survives into a log line."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

import httpx
from hypothesis import given
from hypothesis import strategies as st

from kaiku import redact

SECRET_NAMES = [
    "access_token",
    "client_secret",
    "code",
    "token",
    "refresh_token",
    "fb_exchange_token",
    "input_token",
    "password",
    "api_key",
    "key",
    "signature",
    "code_verifier",
]
# Values as tokens look (long enough not to occur by chance in the rest of the line).
secret_values = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~|", min_size=12
)
# Other parameters: short, so that they cannot contain a secret by chance.
plain = st.dictionaries(
    st.sampled_from(["fields", "limit", "after", "grant_type", "client_id", "q"]),
    st.text(alphabet="abc ,", max_size=8),
    max_size=3,
)


@given(
    name=st.sampled_from(SECRET_NAMES),
    value=secret_values,
    others=plain,
    first=st.booleans(),
)
def test_a_secret_query_value_never_survives_in_an_httpx_request_line(
    name: str, value: str, others: dict[str, str], first: bool
) -> None:
    params = {name: value, **others} if first else {**others, name: value}
    url = httpx.URL("https://graph.example/v26.0/oauth/access_token?" + urlencode(params))
    line = f'HTTP Request: GET {url} "HTTP/1.1 400 Bad Request"'
    encoded = urlencode({name: value}).split("=", 1)[1]
    clean = redact.redact(line)
    assert value not in clean
    assert encoded not in clean
    assert f"{name}={redact.REDACTED}" in clean


def test_records_of_any_logger_and_their_tracebacks_are_redacted() -> None:
    redact.install()
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(self.format(record))

    handler = Keep()
    handler.setFormatter(logging.Formatter("%(message)s"))
    child = logging.getLogger("httpcore.http11.somewhere")
    child.addHandler(handler)
    child.setLevel(logging.DEBUG)
    try:
        child.debug("GET %s", "https://x.example/a?access_token=EAAGcanary123456&fields=id")
        try:
            raise RuntimeError("failed https://x.example/?client_secret=canary-secret-42")
        except RuntimeError:
            child.exception("Authorization: Bearer EAAGcanary123456 refused")
    finally:
        child.removeHandler(handler)
    text = "\n".join(seen)
    assert "EAAGcanary123456" not in text
    assert "canary-secret-42" not in text
    assert "fields=id" in text  # what is not secret stays readable
