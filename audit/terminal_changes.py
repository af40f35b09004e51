"""What ``diff`` and ``history`` print on stdout: changes between two runs, and the trend.

``diff``: one row per check (its change, severity, status before and after), most urgent
change first, then the evidence rows added and removed (at most :data:`DIFF_ROWS` per check
and direction) and the counts. ``history``: one line per series of a history folder, its
latest run. The callers print every line through :func:`audit.console.echo`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

DIFF_ROWS = 10  # evidence rows listed per check and direction by `diff`
#: The order of ``diff``'s rows: what got worse first.
CHANGE_ORDER = {"regressed": 0, "new": 1, "fixed": 2, "changed": 3, "unchanged": 4}


def _row_text(row: Sequence[Any], limit: int = 160) -> str:
    text = " | ".join("" if v is None else str(v) for v in row)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def diff_rows(old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, Any]]:
    """``diff --json``'s per-check changes of ``new`` (its baseline applied) since ``old``."""
    old_status = {c["id"]: c["status"] for c in old["checks"]}
    return [
        {
            "id": c["id"],
            "severity": c["severity"],
            "before": old_status.get(c["id"]),
            "after": c["status"],
            "change": c["change"],
        }
        for c in new["checks"]
    ]


def diff_lines(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """``diff``'s table of ``new`` (its baseline applied) against ``old``, evidence drift,
    and the counts of each change."""
    block = new["baseline"]
    old_status = {c["id"]: c["status"] for c in old["checks"]}
    lines = [f"{old['tenant']['name']}: {old['run']['started_at']} -> {new['run']['started_at']}"]
    width = max((len(c["id"]) for c in new["checks"]), default=10)
    lines.append(f"  {'CHANGE':10} {'CHECK':{width}}  {'SEVERITY':8}  {'BEFORE':>7} -> AFTER")
    for check in sorted(new["checks"], key=lambda c: CHANGE_ORDER[c["change"]]):
        before = old_status.get(check["id"], "-")
        flag = " [waived]" if (check.get("waiver") or {}).get("active") else ""
        lines.append(
            f"  {check['change']:10} {check['id']:{width}}  {check['severity']:8}  {before:>7} -> {check['status']}{flag}"
        )
    for cid in block.get("removed") or []:
        lines.append(f"  {'gone':10} {cid:{width}}  {'':8}  {old_status.get(cid, '-'):>7} -> -")
    for cid, drift in block["evidence_drift"].items():
        lines.append(
            f"evidence of {cid}: {len(drift['added'])} row(s) added, {len(drift['removed'])} removed"
        )
        for sign, rows in (("+", drift["added"]), ("-", drift["removed"])):
            lines += [f"  {sign} {_row_text(row)}" for row in rows[:DIFF_ROWS]]
            if len(rows) > DIFF_ROWS:
                lines.append(f"  {sign} ... and {len(rows) - DIFF_ROWS} more")
    counts = ", ".join(f"{len(block['changes'][k])} {k}" for k in CHANGE_ORDER)
    lines.append(f"({counts})")
    return lines


def history_lines(found: Any) -> list[str]:
    """One line per series of a :func:`audit.history.trend`: its runs and the latest verdict."""
    frame = found.frame
    lines = []
    for series in found.series:
        part = frame[frame["series"] == series]
        last = part.iloc[-1]
        label = f"{series}: " if series else ""
        lines.append(
            f"{label}{last['tenant']}: {len(part)} run(s), latest {last['started_at']} "
            f"{'READY' if last['ready'] else 'NOT READY'} (score {last['score']}, "
            f"fail {last['fail']}, error {last['error']}, manual {last['manual']}, pass {last['pass']})"
        )
    return lines
