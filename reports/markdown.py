"""``summary.md``: the verdict, counts, blocking findings and changes, for a CI step summary.

GitHub-flavoured Markdown, small whatever the tenant size (no evidence rows: a line per
check at most). Tenant strings go through :func:`reports.text.markdown_text`, which
escapes Markdown punctuation and pipes and turns ``< > &`` into entities, so that no
link, image or HTML can come from tenant data.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.evidence_kind import label_of
from audit.fileio import write_atomic
from audit.runner import SCORE_MEANING
from audit.vocabulary import STATUSES
from reports.base import RenderOptions
from reports.context import (
    CHANGE_LABEL,
    STATUS_LABEL,
    STATUS_SYMBOL,
    by_severity,
    utc_text,
)
from reports.text import markdown_text as md

FILENAME = "summary.md"


def _status(status: Any) -> str:
    return f"{STATUS_SYMBOL.get(status, '•')} {STATUS_LABEL.get(status, md(status))}"


def _check_rows(checks: list[dict[str, Any]]) -> list[str]:
    lines = [
        "| Check | Severity | Status | Summary | Evidence |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in checks:
        flags = []
        if (c.get("waiver") or {}).get("active"):
            flags.append("waived")
        elif (c.get("waiver") or {}).get("expired"):
            flags.append("waiver expired")
        if c.get("change") in ("new", "regressed"):
            flags.append(CHANGE_LABEL[c["change"]].lower())
        note = f" ({', '.join(flags)})" if flags else ""
        lines.append(
            f"| {md(c.get('title'), 120)}<br>{md(c.get('id'), 80)} "
            f"| {md(c.get('severity'))} | {_status(c.get('status'))}{note} "
            f"| {md(c.get('summary'), 600)} | {md(label_of(c))} |"
        )
    return lines


def _changes(baseline: dict[str, Any], by_id: dict[Any, dict[str, Any]]) -> list[str]:
    """What changed since the baseline: it leads the summary of a scheduled run."""
    changes = baseline.get("changes") or {}
    lines = ["### Changes since the baseline", ""]
    lines.append(f"Compared with the run of {utc_text(baseline.get('started_at'))}.")
    lines.append("")
    for warning in baseline.get("warnings") or []:
        lines.append(f"> ⚠ {md(warning, 300)}")
        lines.append("")
    for key in ("regressed", "new", "fixed", "changed"):
        ids = changes.get(key) or []
        if key == "changed" and not ids:
            continue
        names = ", ".join(md((by_id.get(i) or {}).get("title") or i, 120) for i in ids)
        lines.append(f"- **{CHANGE_LABEL[key]} ({len(ids)}):** {names or 'none'}")
    removed = baseline.get("removed") or []
    if removed:
        lines.append(
            f"- **No longer checked ({len(removed)}):** " + ", ".join(md(r, 80) for r in removed)
        )
    lines.append(f"- **Unchanged:** {len(changes.get('unchanged') or [])}")
    for cid, drift in (baseline.get("evidence_drift") or {}).items():
        title = md((by_id.get(cid) or {}).get("title") or cid, 120)
        added, gone = drift.get("added") or [], drift.get("removed") or []
        lines.append(f"- Evidence of {title}: +{len(added)} / −{len(gone)} rows")
        for row in added[:3]:
            lines.append(f"  - added: {md(' · '.join(str(c) for c in row), 200)}")
        for row in gone[:3]:
            lines.append(f"  - gone: {md(' · '.join(str(c) for c in row), 200)}")
    lines.append("")
    return lines


def _waived(checks: list[dict[str, Any]]) -> list[str]:
    waived = [c for c in checks if (c.get("waiver") or {}).get("active")]
    if not waived:
        return []
    names = ", ".join(
        f"{md(c.get('title'), 120)} (until {md((c.get('waiver') or {}).get('expires'))})"
        for c in waived
    )
    return [f"**Waived:** {names}", ""]


def summary_markdown(results: dict[str, Any]) -> str:
    """The Markdown text of ``summary.md``."""
    summary = results.get("summary") or {}
    tenant = results.get("tenant") or {}
    run = results.get("run") or {}
    checks = results.get("checks") or []
    by_id = {c.get("id"): c for c in checks}
    ready = bool(summary.get("ready"))
    fail_on = md(summary.get("fail_on") or "medium")
    counts = summary.get("counts") or {}
    lines = [
        f"## {'✅ Ready' if ready else '❌ Not ready'}: Drop Ship Provisioning (Online)",
        "",
        f"**Tenant:** {md(tenant.get('name'), 120)} ({md(tenant.get('api_host'), 120)})  ",
        f"**UEM version:** {md(tenant.get('uem_version') or 'unknown', 40)} · "
        f"**Run:** {utc_text(run.get('started_at'))} · **Fail-on:** {fail_on} · "
        f"**Score:** {md(summary.get('score'))}/100",
        "",
        f"<sub>{md(SCORE_MEANING)}</sub>",
        "",
        "| " + " | ".join(f"{STATUS_SYMBOL[s]} {STATUS_LABEL[s]}" for s in STATUSES) + " |",
        "|" + " ---: |" * len(STATUSES),
        "| " + " | ".join(str(int(counts.get(s) or 0)) for s in STATUSES) + " |",
        "",
    ]
    baseline = results.get("baseline")
    if isinstance(baseline, dict):
        lines += _changes(baseline, by_id)
    blocking = by_severity(
        [by_id[i] for i in summary.get("blocking") or [] if i in by_id],
        lambda c: c.get("severity"),
    )
    lines.append(f"### Blocking findings ({len(blocking)}, by severity)")
    lines.append("")
    if blocking:
        lines += _check_rows(blocking)
    else:
        lines.append(f"None: no check of severity {fail_on} or higher blocks readiness.")
    lines.append("")
    lines += _waived(checks)
    others = [c for c in checks if c not in blocking]
    if others:
        lines.append("<details><summary>All other checks</summary>")
        lines.append("")
        lines += _check_rows(others)
        lines.append("")
        lines.append("</details>")
        lines.append("")
    lines.append(
        f"<sub>ws1-audit {md((results.get('tool') or {}).get('version'))} · "
        f"run {md(run.get('id'), 80)} · full report in report.html / report.pdf</sub>"
    )
    return "\n".join(lines) + "\n"


def render(results: dict[str, Any], out_dir: Path, options: RenderOptions) -> list[Path]:
    """Write ``summary.md`` into ``out_dir``."""
    return [write_atomic(out_dir / FILENAME, summary_markdown(results))]
