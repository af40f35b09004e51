"""Making tenant strings safe for each output: display, CSV, Markdown, XML, JSON in HTML.

Tenant data (names, tags, evidence cells) is untrusted: it may carry markup, spreadsheet
formulas, bidi overrides that reorder what a reader sees, control characters that XML
forbids, or be 10,000 characters long. Every renderer passes it through one of these.
HTML escaping itself is Jinja's autoescape; nothing here builds markup.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

ELLIPSIS = "…"

#: Explicit bidi embeddings, overrides and isolates: they can reorder the displayed text
#: (a "Trojan Source" trick). Shown as a visible marker instead; natural RTL text needs none.
_BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
#: C0 (except tab and newline), DEL and C1 controls, plus the bidi controls above.
_INVISIBLE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_CONTROLS}]")
#: Characters XML 1.0 cannot carry at all (plus the surrogates and U+FFFE/FFFF).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
#: First characters that make a spreadsheet treat a cell as a formula (OWASP CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
#: Markdown (GFM) punctuation that changes meaning anywhere in a line or table cell.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
#: ... and what only means something at the start of a line (headings, lists, quotes).
_MARKDOWN_LINE_START = re.compile(r"^([#+\-=]|\d+(?=[.)]))")


def as_text(value: Any) -> str:
    """A cell or field as text: ``None`` is empty, booleans are ``true``/``false``."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def visible(value: Any) -> str:
    """Text with control and bidi-override characters made visible as ``[U+XXXX]``."""
    return _INVISIBLE.sub(lambda m: f"[U+{ord(m.group()):04X}]", as_text(value))


def shorten(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters, at a word, ending with an ellipsis.

    The cut is at the last space of the allowed length when that keeps at least 60% of it;
    a string without such a space (a serial number, a run of one character) is cut where
    the limit falls. Text within the limit is returned as is.
    """
    if limit <= 0 or len(text) <= limit:
        return text
    head = text[: max(limit - 1, 0)]
    space = max(head.rfind(" "), head.rfind("\n"), head.rfind("\t"))
    if space >= 0.6 * limit:
        head = head[:space]
    return head.rstrip(" \t\n,;:") + ELLIPSIS


def clip(value: Any, limit: int) -> str:
    """:func:`visible` text cut at a word to ``limit`` characters, ending with an ellipsis
    when cut (:func:`shorten`)."""
    return shorten(visible(value), limit)


def safe_href(url: Any) -> str | None:
    """``url`` when it is an absolute http(s) link, else ``None`` (render it as text)."""
    if not isinstance(url, str):
        return None
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() in ("http", "https") and parts.netloc and not _INVISIBLE.search(text):
        return text
    return None


def csv_cell(value: Any) -> Any:
    """A CSV cell that no spreadsheet will evaluate: a formula-like string gets a ``'``.

    Numbers and booleans stay as they are; strings starting with ``= + - @``, tab or
    carriage return are prefixed with a single quote (OWASP's recommendation).
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def markdown_text(value: Any, limit: int = 0) -> str:
    """Tenant text for a Markdown line or table cell: one line, escaped, optionally clipped.

    Markdown punctuation is backslash-escaped, and ``< > &`` become entities so that no
    HTML (GitHub renders some) comes through; newlines become spaces.
    """
    text = " ".join(visible(value).split())
    if limit:
        text = clip(text, limit)
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", text)
    text = _MARKDOWN_LINE_START.sub(
        lambda m: m.group() + "\\" if m.group().isdigit() else "\\" + m.group(), text
    )
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def xml_text(value: Any) -> str:
    """Text that XML 1.0 can carry: illegal characters become ``[U+XXXX]``."""
    return _XML_ILLEGAL.sub(lambda m: f"[U+{ord(m.group()):04X}]", as_text(value))


def json_for_script(data: Any) -> str:
    """JSON safe inside ``<script type="application/json">``: no ``<``, ``>`` or ``&``.

    Escaping them as ``\\u003c`` etc. keeps ``</script>`` and ``<!--`` in tenant data from
    ending the element; ``JSON.parse`` reads the escapes back unchanged.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), default=str)
    return (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


@dataclass(frozen=True)
class Limits:
    """How much of each tenant string a medium shows before an ellipsis."""

    title: int = 300
    text: int = 2000
    cell: int = 500
    short: int = 160
    rows: int = 50


PDF_LIMITS = Limits(cell=200)
HTML_LIMITS = Limits()
