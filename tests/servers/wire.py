"""The HTTP wire details the local platform servers share: reading a request body (with or
without chunked transfer encoding) and reading a multipart/form-data upload."""

from __future__ import annotations

import re
from http.server import BaseHTTPRequestHandler


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    if "chunked" in handler.headers.get("Transfer-Encoding", "").lower():
        chunks: list[bytes] = []
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(handler.rfile.read(size))
            handler.rfile.readline()
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length else b""


def multipart(
    body: bytes, content_type: str
) -> tuple[dict[str, list[str]], dict[str, tuple[str, str, bytes]]]:
    match = re.search(r'boundary="?([^";]+)"?', content_type)
    if not match:
        return {}, {}
    form: dict[str, list[str]] = {}
    files: dict[str, tuple[str, str, bytes]] = {}
    for part in body.split(b"--" + match.group(1).encode())[1:]:
        if part.startswith(b"--"):
            break
        head, _, data = part.lstrip(b"\r\n").partition(b"\r\n\r\n")
        data = data.removesuffix(b"\r\n")
        headers = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        name_match = re.search(r'\bname="([^"]*)"', disposition)
        file_match = re.search(r'filename="([^"]*)"', disposition)
        if not name_match:
            continue
        if file_match:
            mime = headers.get("content-type", "application/octet-stream")
            files[name_match.group(1)] = (file_match.group(1), mime, data)
        else:
            form.setdefault(name_match.group(1), []).append(data.decode("utf-8"))
    return form, files
