"""What the command line shows a person on stdout after a run: the status table.

After ``run``, ``demo`` and ``evaluate``: the verdict with the score explained, then one row
per check, sorted so that what needs doing comes first (blocking findings, then the other
checks that did not pass, most severe first, then the passes), with each non-passing
check's one-line summary under its row, shortened at a word to the terminal's width, then
the counts, the changes since the baseline, and where to look next (the reports written).

Every tenant string (tenant name, summaries, ids of plugin checks) goes through
:func:`reports.text.visible` first, so that control characters and bidi overrides in tenant
data cannot rewrite the terminal: they are shown as ``[U+XXXX]``; every line printed goes
through :func:`audit.redact.printable` (secrets redacted, the same rule). When stdout is not a
terminal (CI logs, a pipe) nothing is shortened; file paths never are (they are there to be
copied).
"""

from __future__ import annotations

import json
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import click

from audit.redact import printable, printable_json, scrub
from audit.runner import SCORE_SHORT
from audit.vocabulary import SEVERITY_RANK, exit_meaning
from reports.text import shorten, visible

#: Indent of a check's summary line, under its id.
SUMMARY_INDENT = 4
#: The reports a person opens next, in the order they are named, with what each is for.
NEXT_STEPS = (
    ("report.html", "open it in a browser: every finding, its evidence and remediation"),
    ("report.pdf", "for auditors"),
    ("summary.md", "for a CI job summary"),
    ("handover.pdf", "the manufacturer's checklist"),
)


def terminal_width() -> int | None:
    """Columns of the terminal stdout is, or ``None`` when stdout is not a terminal."""
    try:
        if not sys.stdout.isatty():
            return None
    except (AttributeError, ValueError):  # a closed or replaced stream
        return None
    return shutil.get_terminal_size().columns


def one_line(text: Any, width: int | None) -> str:
    """Tenant text on one line, control characters visible, shortened to ``width``."""
    line = " ".join(visible(text).split())
    return shorten(line, width) if width else line


def sort_key(check: dict[str, Any], index: int) -> tuple[int, int, int]:
    """Blocking first, then the other checks that did not pass, then passes; within each,
    most severe first, then in catalogue order."""
    group = 0 if check.get("blocking") else (2 if check.get("status") == "pass" else 1)
    return (group, -SEVERITY_RANK.get(str(check.get("severity")), -1), index)


def _flags(check: dict[str, Any]) -> str:
    waiver = check.get("waiver") or {}
    flag = (
        " [waived]"
        if waiver.get("active")
        else (" [waiver expired]" if waiver.get("expired") else "")
    )
    block = " *" if check.get("blocking") else ""
    change = f" [{check['change']}]" if check.get("change") not in (None, "unchanged") else ""
    return f"{block}{flag}{change}"


def table_lines(results: dict[str, Any], width: int | None = None) -> list[str]:
    """The status table as lines (without the report paths)."""
    summary = results["summary"]
    verdict = "READY" if summary["ready"] else "NOT READY"
    lines = [
        one_line(
            f"{visible(results['tenant']['name'])}: {verdict} (fail-on {summary['fail_on']})", width
        ),
        "  " + one_line(f"score {summary['score']}/100: {SCORE_SHORT}", width and width - 2),
    ]
    checks = list(results["checks"])
    id_width = max((len(visible(c["id"])) for c in checks), default=10)
    room = (width - SUMMARY_INDENT) if width else None
    order = sorted(range(len(checks)), key=lambda i: sort_key(checks[i], i))
    for i in order:
        check = checks[i]
        row = (
            f"  {check['status'].upper():7} {check['severity']:8} "
            f"{visible(check['id']):{id_width}}{_flags(check)}"
        ).rstrip()
        lines.append(shorten(row, width) if width else row)
        if check["status"] != "pass" and check.get("summary"):
            text = one_line(check["summary"], max(room, 20) if room else None)
            lines.append(" " * SUMMARY_INDENT + text)
    counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items() if v)
    lines.append(f"  ({counts}; * blocks readiness)")
    baseline = results.get("baseline")
    if baseline:
        changes = baseline["changes"]
        moved = ", ".join(
            f"{len(changes.get(k) or [])} {k}"
            for k in ("regressed", "new", "fixed", "changed", "unchanged")
            if k in changes
        )
        drift = len(baseline.get("evidence_drift") or {})
        lines.append(
            f"  since {baseline.get('started_at') or 'the baseline'}: {moved}; "
            f"evidence changed in {drift} check(s)"
        )
    return lines


def next_steps(paths: Sequence[Path]) -> list[str]:
    """Where to look next: the reports among ``paths``, each with what it is for."""
    by_name = {p.name: p for p in paths}
    found = [(by_name[name], why) for name, why in NEXT_STEPS if name in by_name]
    if not found:
        return []
    return ["Look next:", *(f"  {path}  ({why})" for path, why in found)]


def print_table(
    results: dict[str, Any],
    paths: Sequence[Path],
    *,
    warn: Callable[[str], None] | None = None,
    width: int | None = None,
) -> None:
    """Print the status table, the files written and where to look next, on stdout.

    ``width`` defaults to the terminal's (no shortening when stdout is not a terminal);
    the baseline's warnings go to ``warn`` (stderr).
    """
    width = width if width is not None else terminal_width()
    for line in table_lines(results, width):
        click.echo(printable(line))
    for warning in (results.get("baseline") or {}).get("warnings") or []:
        if warn is not None:
            warn(f"warning: {visible(warning)}")
    for path in paths:
        click.echo(printable(f"  wrote {path}"))
    for line in next_steps(paths):
        click.echo(printable(line))


def json_summary(results: dict[str, Any], paths: Sequence[Path], exit_code: int) -> dict[str, Any]:
    """What ``run --json`` prints: the verdict, the summary, one line per check, the files."""
    from audit.evidence_kind import kind_of

    return {
        "tenant": {k: results["tenant"].get(k) for k in ("name", "api_host", "uem_version")},
        "run": {k: results["run"].get(k) for k in ("id", "started_at", "finished_at", "mode")},
        "exit_code": exit_code,
        "summary": results["summary"],
        "checks": [
            {
                "id": c["id"],
                "title": c["title"],
                "severity": c["severity"],
                "status": c["status"],
                "blocking": bool(c.get("blocking")),
                "waived": bool((c.get("waiver") or {}).get("active")),
                "change": c.get("change"),
                "evidence_kind": kind_of(c),
                "summary": c["summary"],
            }
            for c in results["checks"]
        ],
        "outputs": [str(p) for p in paths],
    }


def print_json_summary(results: dict[str, Any], paths: Sequence[Path], exit_code: int) -> None:
    """Print :func:`json_summary` on stdout (one JSON document, nothing else)."""
    click.echo(
        printable_json(
            json.dumps(json_summary(results, paths, exit_code), indent=2, ensure_ascii=False)
        )
    )


def print_fleet_json(result: Any) -> None:
    """``run --json`` of a fleet: its exit code, one summary per tenant, the files written."""
    from audit.pipeline import exit_code_for

    tenants = []
    for run in result.tenants:
        entry: dict[str, Any] = {
            "slug": run.slug,
            "name": run.name,
            "config": str(run.config_path),
            "exit_code": run.exit_code,
            "problem": run.problem,
        }
        if run.results is not None:
            entry.update(json_summary(run.results, run.written, exit_code_for(run.results)))
        tenants.append(entry)
    document = {
        "exit_code": result.exit_code,
        "tenants": tenants,
        "outputs": [str(p) for p in result.written],
    }
    click.echo(printable_json(json.dumps(document, indent=2, ensure_ascii=False)))


def fleet_lines(result: Any) -> list[str]:
    """One line per tenant of a :class:`audit.fleet.FleetResult`, then the files written."""
    width = max((len(r.slug) for r in result.tenants), default=10)
    lines = [
        f"Fleet of {len(result.tenants)} tenants: exit {result.exit_code} ({exit_meaning(result.exit_code)}, the worst tenant's)"
    ]
    for run_ in result.tenants:
        if run_.results is None:
            lines.append(
                f"  FAILED    {run_.slug:{width}}  exit {run_.exit_code}: {scrub(run_.problem or '')}"
            )
            continue
        summary = run_.results["summary"]
        verdict = "READY" if summary["ready"] else "NOT READY"
        counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items() if v)
        change = run_.results.get("baseline")
        regressed = f"; {len(change['changes']['regressed'])} regressed" if change else ""
        lines.append(
            f"  {verdict:9} {run_.slug:{width}}  exit {run_.exit_code}, score {summary['score']}/100 ({counts}{regressed})"
        )
    return lines + [f"  wrote {path}" for path in result.written]


def print_fleet(result: Any) -> None:
    """Print :func:`fleet_lines` on stdout."""
    for line in fleet_lines(result):
        click.echo(printable(line))
