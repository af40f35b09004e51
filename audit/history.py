"""Run history: each run's results.json kept under a dated name, the latest one used as the
next run's baseline, and the trend across runs.

A history folder holds one file per run::

    history/
      results-20250301T021500Z-1a2b3c4d.json    UTC start of the run, then the first 8
      results-20250302T021500Z-9f8e7d6c.json    characters of its run id
      trend.html, trend.csv                      written by ``ws1-audit history history/``

``ws1-audit run --history DIR`` compares the new run with the latest file in ``DIR`` (unless
``--baseline`` names another) and then adds the new run's results to ``DIR``. A fleet run
keeps one such folder per tenant (``DIR/<tenant-slug>/``), and ``ws1-audit history`` reads
either a folder of runs or a folder of such folders (one series per tenant).

The trend is one row per run: status counts, readiness, score, waived and blocking counts,
and how many checks were fixed, regressed or new since the run before it in the same series.
It is written as ``trend.csv`` (pandas) and ``trend.html`` (self-contained, an inline SVG
chart of the status counts per run and the table), by :mod:`reports.trend`.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd

from audit.errors import InputFileError
from audit.fileio import read_json_file, write_json_atomic
from audit.results import change_of, load_results, results_schema, sealed
from audit.vocabulary import STATUSES

#: How a run's results file is named in a history folder.
NAME_RE = re.compile(r"^results-(\d{8}T\d{6}Z)-([0-9A-Za-z]{1,8})\.json$")
TREND_COLUMNS = [
    "series",
    "tenant",
    "api_host",
    "started_at",
    "run_id",
    "mode",
    "fail_on",
    "ready",
    "score",
    *STATUSES,
    "waived",
    "blocking",
    "fixed",
    "regressed",
    "new",
    "file",
]


def _stamp(started_at: Any) -> str:
    """``2025-03-01T02:15:00Z`` as ``20250301T021500Z`` (UTC); now when unreadable."""
    moment: dt.datetime | None = None
    if isinstance(started_at, str):
        try:
            moment = dt.datetime.fromisoformat(started_at.replace("Z", "+00:00"))
        except ValueError:
            moment = None
    if moment is None:
        moment = dt.datetime.now(dt.UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def history_name(results: dict[str, Any]) -> str:
    """The file name of ``results`` in a history folder."""
    run = results.get("run") or {}
    run_id = re.sub(r"[^0-9A-Za-z]", "", str(run.get("id") or ""))[:8] or "run"
    return f"results-{_stamp(run.get('started_at'))}-{run_id}.json"


def record(results: dict[str, Any], directory: str | Path) -> Path:
    """Add ``results`` to the history folder ``directory`` (created when missing), sealed
    with its ``content_sha256`` like every results.json, so it can be a baseline."""
    return write_json_atomic(Path(directory) / history_name(results), sealed(results))


def runs_in(directory: str | Path) -> list[Path]:
    """The run files of one history folder, oldest first: by the UTC time in their names
    (whole seconds), then by when they were written (two runs in the same second)."""
    folder = Path(directory)
    if not folder.is_dir():
        return []
    found: list[tuple[str, int, str, Path]] = []
    for path in folder.iterdir():
        match = NAME_RE.match(path.name)
        if match and path.is_file():
            found.append((match.group(1), path.stat().st_mtime_ns, path.name, path))
    return [item[-1] for item in sorted(found)]


def latest(directory: str | Path) -> Path | None:
    """The newest run file in ``directory``, or None when it holds none."""
    runs = runs_in(directory)
    return runs[-1] if runs else None


def baseline_from(directory: str | Path) -> tuple[dict[str, Any], Path] | None:
    """The latest run in ``directory``, loaded and validated, with its path; None when empty.

    A latest file that is not a valid results.json is an :class:`InputFileError` (exit 3)
    rather than being skipped silently: a scheduled job would otherwise compare with an older
    run without saying so.
    """
    path = latest(directory)
    if path is None:
        return None
    return load_results(path), path


# -- the trend -------------------------------------------------------------------------------


@dataclass
class Trend:
    """The trend of one or more series of runs, plus the files that could not be read."""

    frame: pd.DataFrame
    problems: list[str] = field(default_factory=list)

    @property
    def series(self) -> list[str]:
        return list(dict.fromkeys(self.frame["series"].tolist()))


def series_folders(directory: str | Path) -> list[tuple[str, Path]]:
    """The history folders under ``directory``: itself when it holds runs, and each
    subfolder that holds runs (a fleet's ``DIR/<tenant-slug>/``), named by the subfolder."""
    root = Path(directory)
    out: list[tuple[str, Path]] = []
    if runs_in(root):
        out.append(("", root))
    if root.is_dir():
        for sub in sorted(p for p in root.iterdir() if p.is_dir()):
            if runs_in(sub):
                out.append((sub.name, sub))
    return out


def _read(path: Path) -> dict[str, Any]:
    """A run file's data, checked only for what the trend needs (full schema validation of
    every run would cost seconds per large tenant): its summary, run and tenant blocks, and
    each check's id and status, against the results schema."""
    data = read_json_file(path, "a results.json")
    ok = isinstance(data, dict) and isinstance(data.get("checks"), list)
    if ok:
        trimmed = {
            "summary": data.get("summary"),
            "run": data.get("run") or {},
            "tenant": data.get("tenant") or {},
            "checks": [
                {k: c.get(k) for k in ("id", "status")} if isinstance(c, dict) else c
                for c in data["checks"]
            ],
        }
        ok = not any(jsonschema.Draft202012Validator(_trend_schema()).iter_errors(trimmed))
    if not ok:
        raise InputFileError(str(path), "not a ws1-audit results.json (no summary or checks)")
    return data


@functools.cache
def _trend_schema() -> dict[str, Any]:
    full = results_schema()["properties"]
    check = full["checks"]["items"]["properties"]
    return {
        "type": "object",
        "required": ["summary", "checks"],
        "properties": {
            "summary": full["summary"],
            "run": {"type": "object", "properties": full["run"]["properties"]},
            "tenant": {"type": "object", "properties": full["tenant"]["properties"]},
            "checks": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "status"],
                    "properties": {"id": check["id"], "status": check["status"]},
                },
            },
        },
    }


def _rows(series: str, paths: Iterable[Path], problems: list[str]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    previous: dict[str, str] | None = None
    for path in paths:
        try:
            data = _read(path)
        except InputFileError as exc:
            problems.append(str(exc))
            continue
        summary, run, tenant = data["summary"], data.get("run") or {}, data.get("tenant") or {}
        statuses = {str(c["id"]): str(c["status"]) for c in data["checks"]}
        changes = {"fixed": 0, "regressed": 0, "new": 0}
        if previous is not None:
            for cid, status in statuses.items():
                change = change_of(previous.get(cid), status)
                if change in changes:
                    changes[change] += 1
        counts = summary.get("counts") or {}
        rows.append(
            {
                "series": series,
                "tenant": str(tenant.get("name") or ""),
                "api_host": str(tenant.get("api_host") or ""),
                "started_at": str(run.get("started_at") or ""),
                "run_id": str(run.get("id") or ""),
                "mode": str(run.get("mode") or ""),
                "fail_on": str(summary.get("fail_on") or ""),
                "ready": bool(summary.get("ready")),
                "score": int(summary.get("score") or 0),
                **{s: int(counts.get(s) or 0) for s in STATUSES},
                "waived": len(summary.get("waived") or []),
                "blocking": len(summary.get("blocking") or []),
                **changes,
                "file": path.name if not series else f"{series}/{path.name}",
            }
        )
        previous = statuses
    return rows


def trend(directory: str | Path) -> Trend:
    """The trend of the history folder ``directory`` (or of its per-tenant subfolders).

    Files that cannot be read are left out and named in :attr:`Trend.problems`; a folder
    without any run is an :class:`InputFileError`.
    """
    folders = series_folders(directory)
    if not folders:
        raise InputFileError(
            str(directory), "no runs found (expected results-<UTC time>-<run id>.json files)"
        )
    problems: list[str] = []
    rows: list[dict[str, Any]] = []
    for series, folder in folders:
        rows.extend(_rows(series, runs_in(folder), problems))
    if not rows:
        raise InputFileError(str(directory), f"no readable runs ({problems[0]})")
    frame = pd.DataFrame.from_records(rows, columns=TREND_COLUMNS)
    return Trend(frame, problems)
