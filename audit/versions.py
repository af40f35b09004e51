"""Numeric version comparison for UEM console and Intelligent Hub versions.

UEM drops leading zeros ("24.09.00.0" is served as "24.9.0.0") and marketing releases are
written "2105" for 21.5; versions are therefore compared part by part as integers, never
as strings ("20.9" < "20.10" < "21.5" < "21.10").
"""

from __future__ import annotations

import re

_MARKETING = re.compile(r"^\s*(\d{2})(\d{2})\s*$")
_DOTTED = re.compile(r"^\s*v?(\d+(?:\.\d+)*)")


def parse_version(text: object) -> tuple[int, ...] | None:
    """Return the version as a tuple of ints, or None when it cannot be read.

    "2105" (a marketing release) becomes (21, 5); "21.05.0.3" becomes (21, 5, 0, 3);
    trailing text after the dotted numbers ("20.10.0.5 (build 12)") is ignored.
    """
    if text is None or isinstance(text, bool):
        return None
    if isinstance(text, int):
        text = str(text)
    if isinstance(text, float):
        text = repr(text)
    if not isinstance(text, str):
        return None
    marketing = _MARKETING.match(text)
    if marketing:
        return (int(marketing.group(1)), int(marketing.group(2)))
    dotted = _DOTTED.match(text[:200])
    if not dotted:
        return None
    parts = dotted.group(1).split(".")
    if any(len(part) > 9 for part in parts):
        return None  # no release number has ten digits; a 5,000-digit one is hostile
    return tuple(int(part) for part in parts)


def _padded(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[tuple[int, ...], tuple[int, ...]]:
    width = max(len(a), len(b))
    return a + (0,) * (width - len(a)), b + (0,) * (width - len(b))


def version_at_least(seen: object, minimum: object) -> bool | None:
    """True when ``seen >= minimum``, False when below, None when either cannot be parsed."""
    a, b = parse_version(seen), parse_version(minimum)
    if a is None or b is None:
        return None
    pa, pb = _padded(a, b)
    return pa >= pb


def format_version(parts: tuple[int, ...]) -> str:
    """Dotted text of a parsed version."""
    return ".".join(str(p) for p in parts)
