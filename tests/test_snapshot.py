"""Snapshots round-trip, and an edited, truncated or foreign file is refused in one line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from audit.errors import InputFileError
from audit.snapshot import Snapshot, load_snapshot, save_snapshot


def sample() -> Snapshot:
    return Snapshot(
        tool={"name": "ws1-audit", "version": "0"},
        tenant={"name": "T", "api_url": "https://as1.awmdm.com", "api_host": "as1.awmdm.com"},
        dropship={"organization_group": "contoso", "tags": ["RnD"]},
        requests=[
            {
                "purpose": "system_info",
                "method": "GET",
                "path": "/api/system/info",
                "status": 200,
                "body": {"ProductVersion": "23.10.0.5"},
            }
        ],
    )


def test_round_trip_keeps_the_hash(tmp_path: Path) -> None:
    snap = sample()
    path = save_snapshot(snap, tmp_path / "snapshot.json")
    loaded = load_snapshot(path)
    assert loaded.sha256 == snap.sha256 and loaded.requests == snap.requests


def test_edited_snapshot_is_refused(tmp_path: Path) -> None:
    path = save_snapshot(sample(), tmp_path / "snapshot.json")
    data = json.loads(path.read_text())
    data["requests"][0]["body"]["ProductVersion"] = "99.0"
    path.write_text(json.dumps(data))
    with pytest.raises(InputFileError, match="integrity check failed"):
        load_snapshot(path)


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ('{"snapshot_version": 1, ', "invalid JSON"),
        ("[]", "expected a JSON object"),
        ('{"snapshot_version": 7}', "unsupported snapshot_version 7"),
        ('{"snapshot_version": 1}', "missing"),
    ],
)
def test_bad_snapshot_files(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "snapshot.json"
    path.write_text(content)
    with pytest.raises(InputFileError, match=words) as info:
        load_snapshot(path)
    assert "\n" not in str(info.value) and str(path) in str(info.value)
