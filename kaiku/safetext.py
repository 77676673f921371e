"""Characters that XML, HTML and the platforms cannot carry, found and removed.

XML 1.0 forbids the C0 controls other than tab, newline and carriage return, the lone
surrogates and U+FFFE/U+FFFF; a feed that contains one is not XML at all, and every reader
(and Django's own feed writer) refuses it. DEL and the C1 controls are allowed by XML but
"discouraged", render as nothing or as garbage, and no platform keeps them: they go too.
Pure Python, no Django, so the language library and the feed writer can share it.
"""

from __future__ import annotations

import re

_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def unsafe_characters(text: str) -> list[str]:
    """The distinct unsafe characters of ``text`` as ``U+001B`` names, in order of appearance."""
    return list(dict.fromkeys(f"U+{ord(c):04X}" for c in _UNSAFE.findall(text)))


def strip_unsafe(text: str) -> str:
    """``text`` without the characters XML or the platforms cannot carry."""
    return _UNSAFE.sub("", text)
