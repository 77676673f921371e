"""Public value types: findings and media attachments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["stigma", "privacy", "length", "accessibility", "readability", "spelling"]
Severity = Literal["block", "warn", "info"]

SEVERITY_ORDER: dict[str, int] = {"block": 0, "warn": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the editor should look at, with its span as ``str`` indices into the text."""

    kind: Kind
    code: str
    start: int
    end: int
    text: str
    severity: Severity
    message: str
    suggestions: list[str] = field(default_factory=list)
    source: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "code": self.code,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "severity": self.severity,
            "message": self.message,
            "suggestions": list(self.suggestions),
            "source": self.source,
        }


@dataclass(frozen=True, slots=True)
class Media:
    """An attachment of a draft. ``alt_text`` None or blank means it has none."""

    kind: Literal["image", "video", "gif", "audio"] = "image"
    alt_text: str | None = None
    mime: str = ""
    size_bytes: int = 0
    width: int = 0
    height: int = 0
