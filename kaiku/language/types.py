"""Public value types: findings and media attachments."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["stigma", "privacy", "length", "accessibility", "readability", "spelling", "grammar"]
Severity = Literal["block", "warn", "info"]

SEVERITY_ORDER: dict[str, int] = {"block": 0, "warn": 1, "info": 2}


@dataclass(frozen=True, slots=True)
class Replacement:
    """A one-click change that fits the sentence: ``text`` goes in place of
    ``original[start:end]`` (``str`` indices, which may reach past the finding: "hullu mies"
    -> "mies"). ``alternative`` is the lexicon suggestion it was built from, ``label`` what the
    button says."""

    start: int
    end: int
    text: str
    alternative: str = ""
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "alternative": self.alternative,
            "label": self.label or self.text,
        }


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
    # One-click replacements built to fit the sentence. A suggestion with none is advice.
    replacements: list[Replacement] = field(default_factory=list)

    @property
    def advice(self) -> list[str]:
        """Suggestions Kaiku could not turn into a replacement that fits the sentence."""
        built = {r.alternative for r in self.replacements}
        return [s for s in self.suggestions if s not in built]

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
            "replacements": [r.to_dict() for r in self.replacements],
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
