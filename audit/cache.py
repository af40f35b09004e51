"""A small on-disk cache for incremental collection.

Per-device app inventories are the expensive part of a collection. They are cached under
a key made of the device's UUID, id and ``LastSeen``: when a device has not checked in
since the last run its inventory cannot have changed, so a scheduled re-run re-uses the
recorded answer (marked ``cached`` in the snapshot) instead of asking the tenant again.

One JSON file per tenant and Drop Ship OG; entries not used by a run are dropped when it
saves, so the file never grows beyond the tenant's current devices. The cache holds the
same redacted records as the snapshot: no secrets.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

from audit.fileio import write_atomic

CACHE_VERSION = 1


class ResponseCache:
    """Recorded answers by key, loaded from and saved to one file."""

    def __init__(self, directory: str | Path, scope: str) -> None:
        digest = hashlib.sha256(scope.encode("utf-8")).hexdigest()[:16]
        self.path = Path(directory) / f"ws1-audit-cache-{digest}.json"
        self._old: dict[str, list[dict[str, Any]]] = {}
        self._new: dict[str, list[dict[str, Any]]] = {}
        self.hits = 0
        self.misses = 0
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            if isinstance(data, dict) and data.get("version") == CACHE_VERSION:
                entries = data.get("entries")
                if isinstance(entries, dict):
                    self._old = entries
        except (OSError, ValueError):
            self._old = {}  # no cache yet, or an unreadable one: start afresh

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
        write_atomic(self.path, json.dumps(payload, ensure_ascii=False, separators=(",", ":")))
