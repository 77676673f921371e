"""A link's OpenGraph title and description, for the preview card some platforms need."""

from __future__ import annotations

import html
import time
from dataclasses import dataclass
from html.parser import HTMLParser

import httpx

from kaiku import http

MAX_BYTES = 1_000_000
TIMEOUT = 10.0


class LinkCardError(Exception):
    """The page could not be read as HTML (the message is for the log, not for people)."""


@dataclass(frozen=True)
class Card:
    title: str
    description: str

    def as_dict(self) -> dict[str, str]:
        return {"title": self.title, "description": self.description}


class _MetaParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title = ""
        self._in_title = False
        self.done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.done:
            return
        values = {k.lower(): (v or "") for k, v in attrs}
        if tag == "meta":
            key = (values.get("property") or values.get("name") or "").lower()
            if key and key not in self.meta and values.get("content"):
                self.meta[key] = values["content"]
        elif tag == "title":
            self._in_title = True
        elif tag == "body":
            self.done = True  # everything a card needs is in <head>

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._in_title and len(self.title) < 500:
            self.title += data


def _clean(text: str, limit: int) -> str:
    return " ".join(html.unescape(text).split())[:limit]


def parse(document: str) -> Card:
    parser = _MetaParser()
    parser.feed(document)
    meta = parser.meta
    title = meta.get("og:title") or meta.get("twitter:title") or parser.title
    description = (
        meta.get("og:description") or meta.get("twitter:description") or meta.get("description")
    )
    return Card(title=_clean(title, 300), description=_clean(description or "", 1000))


def fetch(url: str) -> Card:
    """Fetch at most 1 MB of an HTML page in at most 10 seconds and read its card."""
    deadline = time.monotonic() + TIMEOUT
    try:
        with (
            http.client(timeout=TIMEOUT, follow_redirects=True) as client,
            client.stream("GET", url, headers={"Accept": "text/html"}) as response,
        ):
            response.raise_for_status()
            kind = response.headers.get("content-type", "").split(";")[0].strip().lower()
            if kind not in {"text/html", "application/xhtml+xml"}:
                raise LinkCardError(f"not HTML: {kind or 'no content type'}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) >= MAX_BYTES:
                    del body[MAX_BYTES:]
                    break
                if time.monotonic() > deadline:  # a slow drip must not hold the request
                    raise LinkCardError("too slow")
            encoding = response.charset_encoding or "utf-8"
    except httpx.HTTPError as exc:
        raise LinkCardError(str(exc)) from exc
    try:
        document = body.decode(encoding, errors="replace")
    except LookupError:
        document = body.decode("utf-8", errors="replace")
    return parse(document)
