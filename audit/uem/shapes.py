"""Reading UEM response shapes defensively: list envelopes, totals, ids, versions.

The same endpoint answers differently by API version (and silently falls back to an older
version), so parse by the shape received, never by the version asked for:

- v1 lists: ``{"Page":0,"PageSize":500,"Total":N,"<Items>":[...]}``
- v2 lists: ``{"OrganizationGroups":[...],"TotalResults":N}`` or snake_case
  ``{"page":0,"page_size":500,"total_count":N,"<items>":[...]}``
- some endpoints (OG children) answer a bare JSON array; a 204 answers nothing.
- ids: v1 ``{"Id":{"Value":123}}``, v2 ``{"Id":123}``, string ids ``"123"`` in criteria.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

TOTAL_KEYS = ("Total", "TotalResults", "total", "total_count", "totalResults", "TotalCount")
#: Envelope keys that are paging metadata, never the item list.
_META_KEYS = {
    "Page",
    "PageSize",
    "page",
    "page_size",
    "pagesize",
    "AdditionalInfo",
    "additional_info",
    "Links",
    "links",
    *TOTAL_KEYS,
}


def items_of(body: Any, preferred: Iterable[str] = ()) -> list[dict[str, Any]] | None:
    """The item list of a list response, or None when ``body`` has no recognisable list.

    ``preferred`` names the item keys to try first (e.g. ``("Devices", "devices")``); else
    the first list-valued key that is not paging metadata is taken. A bare list is itself
    the items; an empty body (204) is an empty list. Non-dict items are dropped.
    """
    if body is None or body == "":
        return []
    if isinstance(body, list):
        return [item for item in body if isinstance(item, dict)]
    if not isinstance(body, dict):
        return None
    for key in preferred:
        value = body.get(key)
        if isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
    lowered = {k.lower(): k for k in body}
    for key in preferred:
        real = lowered.get(key.lower())
        if real is not None and isinstance(body[real], list):
            return [item for item in body[real] if isinstance(item, dict)]
    for key, value in body.items():
        if key not in _META_KEYS and isinstance(value, list):
            return [item for item in value if isinstance(item, dict)]
    return None


def total_of(body: Any) -> int | None:
    """The envelope's total item count under any of its known names, or None."""
    if not isinstance(body, dict):
        return None
    for key in TOTAL_KEYS:
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.isascii() and value.isdigit():
            return int(value)
    return None


def id_of(value: Any) -> int | None:
    """An integer id from ``123``, ``"123"``, ``{"Value":123}`` or ``{"Id":{"Value":123}}``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.isascii() and text.isdigit() else None
    if isinstance(value, Mapping):
        for key in ("Value", "value", "Id", "id"):
            if key in value:
                return id_of(value[key])
    return None


def get(row: Any, *keys: str, default: Any = None) -> Any:
    """The first present, non-None value of ``keys`` (exact, then case-insensitive).

    ``row`` may be anything: a non-mapping (None, a list, a string) yields ``default``.
    """
    if not isinstance(row, Mapping):
        return default
    for key in keys:
        if key in row and row[key] is not None:
            return row[key]
    lowered = {k.lower(): k for k in row}
    for key in keys:
        real = lowered.get(key.lower())
        if real is not None and row[real] is not None:
            return row[real]
    return default


def row_id(row: Mapping[str, Any], *keys: str) -> int | None:
    """A row's integer id from ``Id`` (v1 or v2 form) or any of ``keys``."""
    return id_of(get(row, *(keys or ("Id", "id"))))


def served_version(headers: Mapping[str, str]) -> str | None:
    """``x-api-version`` as served ("v1", "v2", ...), normalised to lower case with a 'v'."""
    raw = headers.get("x-api-version") or headers.get("X-Api-Version")
    if not raw:
        return None
    text = raw.strip().lower()
    return text if text.startswith("v") else f"v{text}"


def as_list(value: Any) -> list[Any]:
    """``value`` as a list: None -> [], a scalar or dict -> [value]."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]
