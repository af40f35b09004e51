"""A small on-disk cache for incremental collection (``[collect] cache_dir``).

The per-device reads of the Intelligent Hub (the app search, or the inventory, of each
Windows device the Hub's app-centric lists do not cover) are the expensive part of a
collection. They are cached under a key made of the device's UUID, id and ``LastSeen``
(``device_apps|<uuid>|<id>|<LastSeen>``): a device reports its app inventory when it
checks in, and every check-in moves ``LastSeen``, so while ``LastSeen`` is unchanged the
inventory cannot have changed. A scheduled re-run re-uses the recorded answer (marked
``cached: true`` in the snapshot, and not counted in its requests) instead of asking the
tenant again; a device that checked in since is read again.

The enrollment tokens' details are cached too, under the token's OG, UUID and serial
number (``registration_detail|<og>|<token>|<serial>``): a registration's tags and type are
set when it is registered and cannot be changed (see ``audit/collect_details.py``), while
the token list, read every run, shows which tokens exist now.

What is *not* cached, on purpose: the app, smart-group and profile details. The API gives
them no modification stamp (an app's push mode or a smart group's criteria can change
without anything in the list rows changing), a stale one would turn a compliance finding
into a false pass, and they are few (bounded by what is assigned to the Drop Ship smart
group, not by the tenant's size), so every run reads them again. Nor the lists, the Hub's
app-centric ones included: they are how a change is noticed.

One JSON file per tenant API URL and Drop Ship OG; entries not used by a run are dropped
when it saves, so the file never grows beyond the tenant's current devices and tokens. The
cache holds the same redacted (and trimmed, see ``audit.trim.trim_inventory``) records as
the snapshot: no secrets (the Drop Ship settings, whose answer reveals the staging password,
are read before any per-device answer is recorded, so it is known by then). An unreadable
or malformed file is ignored with a warning (the run is cold) and rewritten; one of another
:data:`CACHE_VERSION` is replaced without one.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from audit.errors import InputFileError, OutputError
from audit.fileio import MAX_JSON_INPUT_BYTES, loads_strict, read_regular, write_atomic

#: 2: records hold inventories trimmed to the Hub rows (version 1 held whole inventories).
CACHE_VERSION = 2


class ResponseCache:
    """Recorded answers by key, loaded from and saved to one file."""

    def __init__(self, directory: str | Path, scope: str) -> None:
        digest = hashlib.sha256(scope.encode("utf-8")).hexdigest()[:16]
        self.path = Path(directory) / f"ws1-audit-cache-{digest}.json"
        self._old: dict[str, list[dict[str, Any]]] = {}
        self._new: dict[str, list[dict[str, Any]]] = {}
        self.hits = 0
        self.misses = 0
        #: Why the cache file could not be used (it is ignored and rewritten), or None.
        self.problem: str | None = None
        if self.path.exists() or self.path.is_symlink():
            self._old, self.problem = _read_entries(self.path)

    def get(self, key: str) -> list[dict[str, Any]] | None:
        """The records stored under ``key`` by an earlier run, or None."""
        found = self._old.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._new[key] = found
        return found

    def put(self, key: str, records: list[dict[str, Any]]) -> None:
        """Store this run's records under ``key``."""
        self._new[key] = records

    def save(self) -> None:
        """Write the entries this run used or stored (atomically)."""
        payload = {"version": CACHE_VERSION, "entries": self._new}
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
        try:
            write_atomic(self.path, text)
        except OutputError as exc:  # the audit stands; the next run is cold
            self.problem = f"cache not saved: {exc}"


def _read_entries(path: Path) -> tuple[dict[str, list[dict[str, Any]]], str | None]:
    """The entries of a cache file, or ``({}, why)`` when it cannot be used: unreadable,
    not JSON, another :data:`CACHE_VERSION`, or entries of the wrong shape."""
    try:
        data = loads_strict(read_regular(path, MAX_JSON_INPUT_BYTES))
    except InputFileError as exc:
        return {}, f"cache {path} ignored and rewritten: {exc.problem}"
    except ValueError as exc:
        return {}, f"cache {path} ignored and rewritten: not valid JSON ({exc})"[:300]
    if not isinstance(data, dict) or data.get("version") != CACHE_VERSION:
        return {}, None  # another version's cache: a cold run replaces it, nothing is wrong
    entries = data.get("entries")
    if not isinstance(entries, dict) or not all(
        isinstance(records, list)
        and all(isinstance(r, dict) and isinstance(r.get("purpose"), str) for r in records)
        for records in entries.values()
    ):
        return {}, f"cache {path} ignored and rewritten: its entries are not lists of records"
    return entries, None
