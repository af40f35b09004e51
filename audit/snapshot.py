"""snapshot.json: the raw, redacted evidence of one collection, and its integrity hash.

A snapshot holds every recorded request (purpose, method, path, query, status, served API
version, elapsed ms, body; never auth headers or secrets), the configured Drop Ship
settings, the collection gaps and counters. ``content_sha256`` is the SHA-256 of the
canonical JSON of everything else; :func:`load_snapshot` recomputes it, so a snapshot edited
after collection is refused. results.json carries the same hash.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.errors import InputFileError
from audit.fileio import read_json_file, write_atomic

SNAPSHOT_VERSION = 1
_REQUIRED = ("snapshot_version", "tool", "tenant", "dropship", "requests", "gaps", "stats")


@dataclass
class Snapshot:
    """One collection's evidence. ``requests`` are RequestRecord dicts in request order."""

    tool: dict[str, Any]
    tenant: dict[str, Any]
    dropship: dict[str, Any]
    requests: list[dict[str, Any]]
    gaps: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, Any] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""
    mode: str = "live"
    snapshot_version: int = SNAPSHOT_VERSION

    def body_dict(self) -> dict[str, Any]:
        """The snapshot as JSON-able data, without its hash."""
        return {
            "snapshot_version": self.snapshot_version,
            "tool": self.tool,
            "mode": self.mode,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "tenant": self.tenant,
            "dropship": self.dropship,
            "stats": self.stats,
            "gaps": self.gaps,
            "requests": self.requests,
        }

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON of the snapshot's content."""
        return content_hash(self.body_dict())

    @property
    def request_count(self) -> int:
        """Requests actually sent (cached answers re-used from an earlier run excluded)."""
        return sum(1 for r in self.requests if not r.get("cached"))

    def to_dict(self) -> dict[str, Any]:
        body = self.body_dict()
        return {**body, "content_sha256": content_hash(body)}


def content_hash(body: dict[str, Any]) -> str:
    """SHA-256 of ``body`` as canonical JSON (sorted keys, no whitespace, UTF-8)."""
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def save_snapshot(snapshot: Snapshot, path: str | Path) -> Path:
    """Write the snapshot atomically (compact JSON: snapshots of large tenants are big)."""
    text = json.dumps(snapshot.to_dict(), ensure_ascii=False, separators=(",", ":"), default=str)
    return write_atomic(path, text + "\n")


def load_snapshot(path: str | Path) -> Snapshot:
    """Read and verify a snapshot; any problem is a one-line InputFileError."""
    data = read_json_file(path, "a snapshot")
    return snapshot_from_dict(data, str(path))


def snapshot_from_dict(data: Any, file: str = "<snapshot>") -> Snapshot:
    """Validate parsed snapshot data (version, required keys, integrity hash)."""
    if not isinstance(data, dict):
        raise InputFileError(file, "not a snapshot: expected a JSON object")
    version = data.get("snapshot_version")
    if version != SNAPSHOT_VERSION:
        raise InputFileError(
            file,
            f"unsupported snapshot_version {version!r} (this ws1-audit reads {SNAPSHOT_VERSION})",
        )
    missing = [k for k in _REQUIRED if k not in data]
    if missing:
        raise InputFileError(file, f"not a snapshot: missing {', '.join(missing)}")
    if not isinstance(data["requests"], list) or not all(
        isinstance(r, dict) for r in data["requests"]
    ):
        raise InputFileError(file, "not a snapshot: requests must be a list of objects")
    snapshot = Snapshot(
        tool=data["tool"],
        tenant=data["tenant"],
        dropship=data["dropship"],
        requests=data["requests"],
        gaps=data.get("gaps") or [],
        stats=data.get("stats") or {},
        started_at=str(data.get("started_at") or ""),
        finished_at=str(data.get("finished_at") or ""),
        mode=str(data.get("mode") or "live"),
    )
    recorded = data.get("content_sha256")
    if recorded != snapshot.sha256:
        raise InputFileError(
            file,
            "integrity check failed: content_sha256 does not match the content (edited or truncated)",
        )
    return snapshot
