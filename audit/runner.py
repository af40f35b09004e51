"""Run the registered checks against an inventory; apply waivers; decide readiness.

Each check runs inside its own try/except: a check that raises becomes ``error`` with the
exception in its evidence, and a plugin that failed to load appears as an ``error`` result,
so one bad check never stops the run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import traceback
from collections.abc import Iterable, Sequence
from typing import Any

from audit.checkapi import Check, CheckContext, Evidence, Outcome
from audit.config import Attestation, Waiver
from audit.evidence_kind import kind_of
from audit.inventory import Inventory
from audit.plugins import LoadProblem
from audit.selection import CheckSelection
from audit.vocabulary import DEFAULT_FAIL_ON, STATUSES, is_blocking

SEVERITY_WEIGHT = {"info": 0, "low": 1, "medium": 3, "high": 5, "critical": 8}
#: What the score is, in the words every report shows beside it.
SCORE_SHORT = "the severity-weighted share of the checks that are met"
SCORE_MEANING = (
    f"The score is {SCORE_SHORT}: each check weighs "
    + ", ".join(f"{s} {w}" for s, w in sorted(SEVERITY_WEIGHT.items(), key=lambda x: -x[1]))
    + "; a pass or a waived finding counts fully, a warning half, a skipped check not at all. "
    "It measures progress; readiness is decided by the blocking findings alone."
)


def _cell(value: Any) -> Any:
    """A JSON scalar for an evidence cell (lists joined, NaN/None to None, others as text)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return None if value != value else value  # NaN -> None
    if isinstance(value, list | tuple | set):
        return ", ".join(str(_cell(v)) for v in value)
    return str(value)


def _run_one(check: Check, ctx: CheckContext) -> Outcome:
    try:
        outcome = check.evaluate(ctx)
        if not isinstance(outcome, Outcome):
            raise TypeError(f"evaluate returned {type(outcome).__name__}, not an Outcome")
        return outcome
    except Exception as exc:
        frame = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        where = f"{frame.filename.rsplit('/', 1)[-1]}:{frame.lineno}" if frame else ""
        return Outcome(
            "error",
            f"The check could not decide: it raised {type(exc).__name__}: {exc}"[:500],
            Evidence(
                ["Exception", "Message", "Where"],
                [[type(exc).__name__, str(exc)[:1000], where]],
                "check code",
            ),
        )


def _waiver_state(waiver: Waiver, rows: list[list[Any]], today: dt.date) -> dict[str, Any]:
    expired = today > waiver.expires
    covered = True
    note = None
    if waiver.rows:
        wanted = {r.casefold() for r in waiver.rows}
        firsts = [str(r[0]).casefold() for r in rows if r]
        uncovered = [v for v in firsts if v not in wanted]
        covered = not uncovered
        if uncovered:
            note = f"covers {len(firsts) - len(uncovered)} of {len(firsts)} evidence rows of the finding"
    state = {
        "justification": waiver.justification,
        "owner": waiver.owner,
        "expires": waiver.expires.isoformat(),
        "expired": expired,
        "active": (not expired) and covered,
        "rows": list(waiver.rows),
    }
    if expired:
        state["note"] = f"expired on {waiver.expires.isoformat()}; no longer counts"
    elif note:
        state["note"] = note + "; does not cover the finding"
    return state


def _problem_entry(problem: LoadProblem) -> dict[str, Any]:
    """The ``error`` result that stands for a plugin that failed to load."""
    return {
        "id": problem.id
        if problem.id.replace("_", "").isalnum() and problem.id[:1].isalpha()
        else "plugin_error",
        "title": f"Plugin {problem.plugin} loads and registers its checks",
        "severity": "high",
        "requirement": "Every configured check runs",
        "rationale": "A check that cannot load cannot verify its requirement.",
        "remediation": ["1. Fix or remove the plugin named in the evidence, then re-run."],
        "references": [],
        "status": "error",
        "summary": problem.message[:500],
        "evidence": Evidence(
            ["Plugin", "Problem"], [[problem.plugin, problem.message]], "plugin loader"
        ).as_dict(),
        "attestation": None,
        "waiver": None,
        "change": None,
    }


def run_checks(
    checks: Iterable[Check],
    inventory: Inventory,
    *,
    requirements: dict[str, Any],
    dropship: dict[str, Any],
    attestations: Sequence[Attestation] = (),
    waivers: Sequence[Waiver] = (),
    problems: Sequence[LoadProblem] = (),
    fail_on: str = DEFAULT_FAIL_ON,
    today: dt.date | None = None,
    selection: CheckSelection | None = None,
) -> list[dict[str, Any]]:
    """Evaluate every check; return results.json check entries in catalogue order.

    A check that ``selection`` leaves out is not evaluated: it is ``skipped``, its summary
    naming the option that left it out.
    """
    today = today or dt.datetime.now(dt.UTC).date()
    ctx = CheckContext(inventory, requirements, dropship, attestations, today)
    out: list[dict[str, Any]] = []
    for check in checks:
        left_out = selection.reason(check.id, check.meta.severity) if selection else None
        outcome = (
            Outcome("skipped", left_out, Evidence([], [], "none"))
            if left_out
            else _run_one(check, ctx)
        )
        rows = [[_cell(c) for c in row] for row in outcome.evidence.rows]
        entry = {
            **check.meta.as_dict(),
            "status": outcome.status,
            "summary": outcome.summary,
            "evidence": {
                **Evidence(list(outcome.evidence.columns), rows, outcome.evidence.source).as_dict()
            },
            "attestation": outcome.attestation,
            "waiver": None,
            "change": None,
        }
        if outcome.remediation:
            entry["remediation"] = list(outcome.remediation)
        waiver = next((w for w in reversed(waivers) if w.check == check.id), None)
        if waiver is not None and not left_out:
            picks = outcome.evidence.findings
            finding_rows = rows if picks is None else [rows[i] for i in picks if 0 <= i < len(rows)]
            entry["waiver"] = _waiver_state(waiver, finding_rows, today)
        out.append(entry)
    out.extend(_problem_entry(problem) for problem in problems)
    for entry in out:
        entry["blocking"] = _blocks(entry, fail_on)
        entry["evidence"]["kind"] = kind_of(entry)
    return out


def _blocks(entry: dict[str, Any], fail_on: str) -> bool:
    """:func:`audit.vocabulary.is_blocking` of a results.json check entry."""
    waived = bool((entry.get("waiver") or {}).get("active", False))
    return is_blocking(entry["severity"], entry["status"], waived=waived, fail_on=fail_on)


def summarise(checks: list[dict[str, Any]], fail_on: str) -> dict[str, Any]:
    """The summary block: readiness, score, counts, blocking and waived check ids."""
    counts = {s: 0 for s in STATUSES}
    earned = possible = 0.0
    for entry in checks:
        counts[entry["status"]] += 1
        weight = SEVERITY_WEIGHT[entry["severity"]]
        if entry["status"] == "skipped":
            continue
        possible += weight
        active_waiver = (entry.get("waiver") or {}).get("active", False)
        if entry["status"] == "pass" or active_waiver:
            earned += weight
        elif entry["status"] == "warn":
            earned += weight / 2
    blocking = [c["id"] for c in checks if _blocks(c, fail_on)]
    return {
        "ready": not blocking,
        "fail_on": fail_on,
        "score": round(100 * earned / possible) if possible else 100,
        "counts": counts,
        "blocking": blocking,
        "waived": [c["id"] for c in checks if (c.get("waiver") or {}).get("active")],
    }


def catalogue_version(checks: Iterable[Check]) -> str:
    """A short hash of the check catalogue's metadata: changes whenever any check's prose does."""
    data = json.dumps([c.meta.as_dict() for c in checks], sort_keys=True)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()[:12]
