"""``findings.csv`` (one row per check) and ``evidence.csv`` (one row per evidence row).

Both are UTF-8 with a byte-order mark, so that Excel opens tenant names in any script
correctly (pandas and Python's ``csv`` with ``encoding="utf-8-sig"`` read it back as is).
Every string cell, header included, that a spreadsheet would evaluate as a formula
(starting with ``= + - @``, tab or CR) is prefixed with ``'`` (:func:`reports.text.csv_cell`).

``evidence.csv`` is *wide*: ``check_id``, ``row`` (1-based within the check), then the union
of every check's evidence columns in first-seen order; a check leaves the columns it does
not have empty. Filtering on ``check_id`` in a spreadsheet gives that check's table with its
own headers; columns with the same name (e.g. ``Endpoint``) share one column. A column name
used twice within one check gets `` (2)``, `` (3)``...
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from audit.evidence_kind import label_of
from audit.fileio import write_atomic
from reports.base import RenderOptions
from reports.text import csv_cell

FINDINGS = "findings.csv"
EVIDENCE = "evidence.csv"
FINDINGS_COLUMNS = [
    "id",
    "title",
    "severity",
    "status",
    "waived",
    "summary",
    "evidence_source",
    "evidence_kind",
    "remediation_first_step",
]
ENCODING = "utf-8-sig"


def _unique(columns: list[Any]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for col in columns:
        name = str(col)
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name} ({seen[name]})")
    return out


def findings_frame(results: dict[str, Any]) -> pd.DataFrame:
    """One row per check, in the order of results.json."""
    rows = []
    for check in results.get("checks") or []:
        waiver = check.get("waiver") or {}
        ev = check.get("evidence") or {}
        steps = check.get("remediation") or [""]
        rows.append(
            [
                csv_cell(v)
                for v in (
                    check.get("id"),
                    check.get("title"),
                    check.get("severity"),
                    check.get("status"),
                    bool(waiver.get("active")),
                    check.get("summary"),
                    ev.get("source") or "",
                    label_of(check),
                    steps[0],
                )
            ]
        )
    return pd.DataFrame(rows, columns=FINDINGS_COLUMNS, dtype=object)


def evidence_frame(results: dict[str, Any]) -> pd.DataFrame:
    """Every evidence row of every check, in the wide layout described above."""
    union: dict[str, None] = {}
    per_check = []
    for check in results.get("checks") or []:
        ev = check.get("evidence") or {}
        columns = _unique(ev.get("columns") or [])
        union.update(dict.fromkeys(columns))
        per_check.append((check.get("id"), columns, ev.get("rows") or []))
    header = ["check_id", "row", *union]
    records: list[dict[str, Any]] = []
    for cid, columns, rows in per_check:
        for n, row in enumerate(rows, 1):
            record: dict[str, Any] = {"check_id": csv_cell(cid), "row": n}
            record.update(zip(columns, map(csv_cell, row), strict=False))
            records.append(record)
    return pd.DataFrame.from_records(records, columns=header)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame (cells already neutralised by the builders) as CSV bytes, headers neutralised."""
    header = [csv_cell(str(c)) for c in frame.columns]
    text: str = frame.to_csv(index=False, header=header, lineterminator="\r\n")
    return text.encode(ENCODING)


def evidence_csv_bytes(results: dict[str, Any]) -> bytes:
    """``evidence.csv`` as bytes (also attached to the PDF)."""
    return csv_bytes(evidence_frame(results))


def render(results: dict[str, Any], out_dir: Path, options: RenderOptions) -> list[Path]:
    """Write ``findings.csv`` and ``evidence.csv`` into ``out_dir``."""
    return [
        write_atomic(out_dir / FINDINGS, csv_bytes(findings_frame(results))),
        write_atomic(out_dir / EVIDENCE, evidence_csv_bytes(results)),
    ]
