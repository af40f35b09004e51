"""Trimming what the snapshot keeps of large or personal answers.

Only the Intelligent Hub's row of a device's app inventory is evidence for any check, and
only a dozen device-search fields are read; everything else is dropped before a record is
stored (snapshot and cache), and each trimmed record says what was dropped. This keeps a
100,000-device snapshot small and keeps personal data (user names, e-mail, MAC, IMEI,
phone numbers) that nothing reads out of the evidence. See ``docs/collection.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from audit.scope import is_hub_row
from audit.uem import catalogue

_DEVICES = catalogue.entry("devices")
_HUB_DEVICES = catalogue.entry("hub_devices")
#: Where a device's app inventory (or its app search) keeps its rows.
INVENTORY_KEYS = catalogue.entry("device_app_search").items + catalogue.entry("device_apps").items
#: What trimming keeps of a device inventory (and says so in the record).
INVENTORY_RULE = "only the rows naming Intelligent Hub / AirWatch Agent"
#: The fields of an app-centric device row the audit reads (the user's name is dropped).
HUB_DEVICE_FIELDS = frozenset(
    k.lower()
    for k in (
        *_HUB_DEVICES.ids,
        *(key for keys in _HUB_DEVICES.refs.values() for key in keys),
        "friendly_name",
        "application_uuid",
        "installed_status",
        "installed_version",
        "assigned_version",
        "assignment_status",
    )
)
HUB_DEVICE_RULE = "only the device fields the audit reads: " + ", ".join(sorted(HUB_DEVICE_FIELDS))
#: The device search row fields the audit reads (matched case-insensitively): its ids and
#: references (catalogue), the fields the inventory reads, and a few that make the evidence
#: readable; everything else (user names, e-mail addresses, MAC, IMEI, phone numbers, ...)
#: is dropped from the snapshot: read by nothing, and personal.
DEVICE_FIELDS = frozenset(
    k.lower()
    for k in (
        *_DEVICES.ids,
        *(key for keys in _DEVICES.refs.values() for key in keys),
        "SerialNumber",
        "DeviceFriendlyName",
        "LocationGroupName",
        "Platform",
        "Model",
        "OperatingSystem",
        "LastSeen",
        "EnrollmentStatus",
    )
)
DEVICE_RULE = "only the device fields the audit reads: " + ", ".join(sorted(DEVICE_FIELDS))


def trim_inventory(body: Any) -> tuple[Any, dict[str, Any] | None]:
    """A device inventory page reduced to its Hub rows, and what was dropped.

    Only the Hub's row of a device's app inventory is evidence for any check
    (``hub_version``); the other rows are dropped from the snapshot (and the cache) so that
    a 100,000-device tenant's snapshot stays small. The envelope (paging, totals) is kept
    and the record says how many rows were received and kept. A body with no recognisable
    list is kept as it is (it becomes a shape gap downstream). Returns ``(body, None)``
    when nothing was dropped.
    """
    found = _page_rows(body, INVENTORY_KEYS)
    if found is None:
        return body, None
    key, rows = found
    kept = [r for r in rows if is_hub_row(r)]
    if len(kept) == len(rows):
        return body, None
    info = {"rows_received": len(rows), "rows_kept": len(kept), "kept": INVENTORY_RULE}
    return (kept if key is None else {**body, key: kept}), info


def trim_device_page(
    body: Any, trimmed: dict[int, dict[str, Any]] | None = None
) -> tuple[Any, dict[str, Any] | None]:
    """A device search page with each row reduced to :data:`DEVICE_FIELDS`.

    ``trimmed`` (optional) maps ``id(original row)`` to its trimmed row, so the caller can
    swap the rows it holds for the same trimmed objects the record keeps.
    """
    return _trim_fields(body, _DEVICES.items, DEVICE_FIELDS, DEVICE_RULE, trimmed)


def trim_hub_device_page(
    body: Any, trimmed: dict[int, dict[str, Any]] | None = None
) -> tuple[Any, dict[str, Any] | None]:
    """An app-centric device list page with each row reduced to :data:`HUB_DEVICE_FIELDS`."""
    return _trim_fields(body, _HUB_DEVICES.items, HUB_DEVICE_FIELDS, HUB_DEVICE_RULE, trimmed)


def _trim_fields(
    body: Any,
    keys: tuple[str, ...],
    fields: frozenset[str],
    rule: str,
    trimmed: dict[int, dict[str, Any]] | None,
) -> tuple[Any, dict[str, Any] | None]:
    found = _page_rows(body, keys)
    if found is None:
        return body, None
    key, rows = found
    dropped: set[str] = set()
    out = []
    for row in rows:
        if not isinstance(row, dict):
            out.append(row)
            continue
        small = {k: v for k, v in row.items() if str(k).lower() in fields}
        if len(small) != len(row):
            dropped.update(str(k) for k in row if str(k).lower() not in fields)
        if trimmed is not None:
            trimmed[id(row)] = small
        out.append(small)
    if not dropped:
        return body, None
    info = {"fields_dropped": sorted(dropped), "kept": rule}
    return (out if key is None else {**body, key: out}), info


def _page_rows(body: Any, keys: tuple[str, ...]) -> tuple[str | None, list[Any]] | None:
    """``(key, rows)`` of a list page (key None for a bare list), or None (no list)."""
    if isinstance(body, list):
        return None, body
    if not isinstance(body, dict):
        return None
    for key in keys:
        if isinstance(body.get(key), list):
            return key, body[key]
    lowered = {str(k).lower(): k for k in body}
    for key in keys:
        real = lowered.get(key.lower())
        if real is not None and isinstance(body[real], list):
            return str(real), body[real]
    for key, value in body.items():  # as items_of: the first list that is not metadata
        if isinstance(value, list) and key not in ("Links", "links", "AdditionalInfo"):
            return str(key), value
    return None


#: A trim hook: ``(body, swap) -> (body, what was dropped or None)``; ``swap`` (optional)
#: maps ``id(original row)`` to its trimmed row (see :func:`trim_device_page`).
Hook = Callable[[Any, "dict[int, dict[str, Any]] | None"], tuple[Any, "dict[str, Any] | None"]]


def _hub_rows(body: Any, swap: dict[int, dict[str, Any]] | None = None) -> Any:
    return trim_inventory(body)


#: The hooks the catalogue's entries name in their ``trim`` slot; the collector applies an
#: entry's hook to each successful record of it as the record is made (``audit/collect_reads.py``).
HOOKS: dict[str, Hook] = {
    "hub_rows": _hub_rows,
    "device_fields": trim_device_page,
    "hub_device_fields": trim_hub_device_page,
}
