"""The snapshot's answers as the inventory builder reads them, and small reading helpers.

:class:`Records` groups the successful answers by purpose (the catalogue's, see
``audit/uem/catalogue.py``) in page order; the helpers turn cells into text, de-duplicate
rows by their catalogue id keys, and report rows lacking a field as shape gaps.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from audit.inventory import Gap, Inventory
from audit.uem import shapes
from audit.uem.catalogue import Endpoint


def ok(record: Mapping[str, Any]) -> bool:
    status = record.get("status")
    return isinstance(status, int) and 200 <= status < 300 and not record.get("json_error")


class Records:
    """The snapshot's successful answers grouped by purpose (last attempt per page wins)."""

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        pages: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
        self.versions: dict[str, str] = {}
        for rec in records:
            purpose = str(rec.get("purpose") or "")
            if not ok(rec):
                continue
            query = rec.get("query") or {}
            page_key = _query_key(query)
            pages[purpose][page_key] = rec
            if rec.get("served_version"):
                self.versions[purpose.split(":", 1)[0]] = str(rec["served_version"])
        self._pages = pages

    def purposes(self) -> list[str]:
        return list(self._pages)

    def bodies(self, purpose: str) -> list[Any]:
        """The purpose's answers in page order (pages arrive in any order when read
        concurrently or retried; rows, and so evidence, must not depend on it)."""
        pages = self._pages.get(purpose, {})
        return [pages[k].get("body") for k in sorted(pages, key=lambda k: _page_order(pages[k], k))]

    def body(self, purpose: str) -> Any:
        bodies = self.bodies(purpose)
        return bodies[0] if bodies else None

    def has(self, purpose: str) -> bool:
        return purpose in self._pages

    def rows(self, ep: Endpoint) -> tuple[list[dict[str, Any]], bool]:
        """All rows of a catalogue entry's (paged) list, in its envelope keys."""
        return self.items(ep.purpose, ep.items)

    def items(self, purpose: str, keys: tuple[str, ...]) -> tuple[list[dict[str, Any]], bool]:
        """All rows of a (paged) list purpose, de-duplicated by id; False when a body had no list."""
        rows: list[dict[str, Any]] = []
        ok = True
        for body in self.bodies(purpose):
            found = shapes.items_of(body, keys)
            if found is None:
                ok = False
                continue
            rows.extend(found)
        return rows, ok


def _query_key(query: Any) -> str:
    """A canonical text of a recorded query (cheap for the usual flat one: 20,000
    inventories are keyed per evaluation)."""
    if isinstance(query, dict) and all(
        type(k) is str and type(v) in (str, int) for k, v in query.items()
    ):
        return repr(sorted(query.items()))
    return json.dumps(query, sort_keys=True, default=str)


def _page_order(record: Mapping[str, Any], page_key: str) -> tuple[int, str]:
    """Sort key of a recorded page: its ``page`` number (0 when absent), then its query."""
    query = record.get("query")
    raw = query.get("page") if isinstance(query, Mapping) else None
    try:
        number = int(str(raw)) if raw is not None else 0
    except ValueError:
        number = 0
    return number, page_key


def text_of(value: Any) -> str | None:
    """A cell as text: a name for a reference object (``{"Name": ...}``), None for None."""
    if value is None:
        return None
    if isinstance(value, dict):
        return text_of(shapes.get(value, "Name", "Value"))
    return str(value)


def fields_gap(
    inv: Inventory, ep: Endpoint, rows: list[dict[str, Any]], what: str, *keys: str
) -> None:
    """A shape gap when rows lack every one of ``keys``: the checks cannot match such rows
    (a tag without a name, a device without a platform) and must not report "none found"."""
    lacking = sum(1 for row in rows if shapes.get(row, *keys) is None)
    if lacking:
        inv.gaps.append(
            Gap(
                ep.purpose,
                ep.label,
                f"unexpected response shape: {lacking} of {len(rows)} row(s) have no {what} "
                f"({' / '.join(keys)})",
                kind="shape",
            )
        )


def shape_gap(inv: Inventory, ep: Endpoint) -> None:
    """A shape gap: an answer of ``ep`` held no list of items."""
    inv.gaps.append(
        Gap(ep.purpose, ep.label, "unexpected response shape: no list of items found", kind="shape")
    )


def dedupe(rows: list[dict[str, Any]], id_keys: tuple[str, ...]) -> list[dict[str, Any]]:
    """``rows`` without repeats of the same id (rows without an id: of the same content)."""
    seen: set[Any] = set()
    out = []
    for row in rows:
        rid = shapes.id_of(shapes.get(row, *id_keys))
        key = rid if rid is not None else json.dumps(row, sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        out.append(row)
    return out
