"""The view model: what the HTML, PDF and handover templates show, built from results.json.

Templates never reach into the raw results dict: :func:`build_report` turns it into plain
dataclasses with labels, symbols, clipped text and counts worked out once, so the HTML and
the PDF say the same things. Text here is plain (HTML-escaping is Jinja's autoescape);
tenant strings are already passed through :func:`reports.text.clip`.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from audit.runner import SCORE_MEANING, SCORE_SHORT
from audit.vocabulary import DEFAULT_FAIL_ON, SEVERITIES, STATUSES, is_blocking
from reports import text as t
from reports.evidence_view import EvidenceView, evidence_view
from reports.logo import logo_data_uri
from reports.text import HTML_LIMITS, Limits

T = TypeVar("T")

STATUS_LABEL = {
    "pass": "Pass",
    "fail": "Fail",
    "warn": "Warning",
    "manual": "Manual",
    "error": "Error",
    "skipped": "Skipped",
}
#: Status is never shown by colour alone: every badge carries a symbol and a label.
STATUS_SYMBOL = {"pass": "✓", "fail": "✗", "warn": "!", "manual": "?", "error": "⊘", "skipped": "–"}
STATUS_MEANING = {
    "pass": "the requirement is met",
    "fail": "the requirement is not met",
    "warn": "met, but something needs attention (e.g. a stale attestation)",
    "manual": "no automated evidence and no attestation: a person must confirm",
    "error": "the check could not decide (bad data, crash, missing inventory)",
    "skipped": "not applicable, with the reason in the summary",
}
CHANGE_LABEL = {
    "new": "New check",
    "fixed": "Fixed",
    "regressed": "Regressed",
    "changed": "Changed",
    "unchanged": "Unchanged",
}
_STEP_NUMBER = re.compile(r"^\s*\d+[.)]\s+")


@dataclass
class Link:
    """A reference: ``href`` is set only for http(s) URLs; anything else is shown as text."""

    text: str
    href: str | None


@dataclass
class CheckView:
    """One check, ready for a template."""

    id: str
    anchor: str
    number: int
    title: str
    severity: str
    status: str
    summary: str
    requirement: str
    rationale: str
    remediation: list[str]
    remediation_copy: str
    references: list[Link]
    blocking: bool
    waived: bool
    change: str | None
    evidence: EvidenceView
    attestation: dict[str, Any] | None
    waiver: dict[str, Any] | None
    drift: dict[str, int] | None

    @property
    def status_label(self) -> str:
        return STATUS_LABEL.get(self.status, self.status)

    @property
    def symbol(self) -> str:
        return STATUS_SYMBOL.get(self.status, "•")

    @property
    def change_label(self) -> str:
        return CHANGE_LABEL.get(self.change or "", "")


@dataclass
class ReportView:
    """Everything the report templates show."""

    title: str
    organisation: str
    logo: str | None
    tenant: dict[str, str]
    run: dict[str, str]
    dropship: dict[str, Any]
    ready: bool
    fail_on: str
    score: int
    counts: list[tuple[str, str, str, int]]
    checks: list[CheckView]
    blocking: list[CheckView]
    waived: list[CheckView]
    baseline: dict[str, Any] | None
    command: str
    snapshot: dict[str, Any]
    warnings: list[str]
    running_head: str
    keywords: list[str] = field(default_factory=list)

    @property
    def verdict(self) -> str:
        return "Ready" if self.ready else "Not ready"

    @property
    def score_short(self) -> str:
        return SCORE_SHORT

    @property
    def score_meaning(self) -> str:
        return SCORE_MEANING


def by_severity(items: list[T], severity: Callable[[T], Any]) -> list[T]:
    """``items`` most severe first (critical ... info, then unknown), otherwise in order."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(items, key=lambda item: rank.get(severity(item), len(rank)))


def utc_text(value: Any) -> str:
    """An ISO 8601 timestamp as ``YYYY-MM-DD HH:MM UTC`` (unparseable input shown as is)."""
    if not isinstance(value, str) or not value:
        return "—"
    try:
        stamp = dt.datetime.fromisoformat(value)
    except ValueError:
        return t.clip(value, 40)
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(dt.UTC)
    return stamp.strftime("%Y-%m-%d %H:%M UTC")


def _clip_record(record: Any, limit: int) -> dict[str, Any] | None:
    if not isinstance(record, dict):
        return None
    return {k: (t.clip(v, limit) if isinstance(v, str) else v) for k, v in record.items()}


def build_check(
    check: dict[str, Any], number: int, limits: Limits, drift: dict[str, Any] | None = None
) -> CheckView:
    """A :class:`CheckView` of one results.json check."""
    cid = str(check.get("id") or f"check_{number}")
    steps = [str(s) for s in check.get("remediation") or []]
    waiver = _clip_record(check.get("waiver"), limits.text)
    refs = [Link(t.clip(r, limits.short), t.safe_href(r)) for r in check.get("references") or []]
    drift_counts = None
    if isinstance(drift, dict):
        drift_counts = {
            "added": len(drift.get("added") or []),
            "removed": len(drift.get("removed") or []),
        }
    return CheckView(
        id=t.clip(cid, 80),
        anchor=f"check-{re.sub(r'[^a-z0-9_]', '-', cid.lower())[:80]}",
        number=number,
        title=t.clip(check.get("title") or cid, limits.title),
        severity=str(check.get("severity") or "info"),
        status=str(check.get("status") or "error"),
        summary=t.clip(check.get("summary") or "", limits.text),
        requirement=t.clip(check.get("requirement") or "", limits.text),
        rationale=t.clip(check.get("rationale") or "", limits.text),
        remediation=[t.clip(_STEP_NUMBER.sub("", s), limits.text) for s in steps],
        remediation_copy="\n".join(t.clip(s, limits.text) for s in steps),
        references=refs,
        blocking=bool(check.get("blocking")),
        waived=bool(waiver and waiver.get("active")),
        change=check.get("change"),
        evidence=evidence_view(check, limits),
        attestation=_clip_record(check.get("attestation"), limits.short),
        waiver=waiver,
        drift=drift_counts,
    )


def _baseline(results: dict[str, Any], by_id: dict[str, CheckView]) -> dict[str, Any] | None:
    base = results.get("baseline")
    if not isinstance(base, dict):
        return None
    changes = base.get("changes") or {}
    groups = []
    for key in ("regressed", "new", "fixed", "changed"):
        ids = changes.get(key) or []
        if key == "changed" and not ids:
            continue  # older results have no such group
        groups.append((CHANGE_LABEL[key], key, [by_id.get(i) or t.clip(i, 80) for i in ids]))
    drift = base.get("evidence_drift") or {}
    return {
        "run_id": t.clip(base.get("run_id") or "", 80),
        "started_at": utc_text(base.get("started_at")),
        "path": t.clip(base.get("path") or "", 160),
        "groups": groups,
        "unchanged": len(changes.get("unchanged") or []),
        "warnings": [t.clip(str(w), 300) for w in base.get("warnings") or []],
        "removed": [t.clip(str(r), 80) for r in base.get("removed") or []],
        "drift": [
            (
                by_id.get(cid) or t.clip(cid, 80),
                len(d.get("added") or []),
                len(d.get("removed") or []),
            )
            for cid, d in drift.items()
            if isinstance(d, dict)
        ],
    }


def _og_text(og: Any) -> str:
    if not isinstance(og, dict):
        return "—"
    name, gid, kind = og.get("name"), og.get("group_id"), og.get("type")
    detail = ", ".join(t.clip(x, 80) for x in (gid, kind) if x)
    return f"{t.clip(name or gid or '—', 120)}" + (f" ({detail})" if detail else "")


def build_report(results: dict[str, Any], limits: Limits = HTML_LIMITS) -> ReportView:
    """The :class:`ReportView` of a results dict."""
    tenant = results.get("tenant") or {}
    run = results.get("run") or {}
    summary = results.get("summary") or {}
    report = results.get("report") or {}
    drift = (results.get("baseline") or {}).get("evidence_drift") or {}
    checks = [
        build_check(c, i, limits, drift.get(c.get("id")))
        for i, c in enumerate(results.get("checks") or [], 1)
    ]
    by_id = {c.id: c for c in checks}
    fail_on = str(summary.get("fail_on") or report.get("fail_on") or DEFAULT_FAIL_ON)
    blocking_ids = summary.get("blocking")
    if blocking_ids is None:
        blocking_ids = [
            c.id
            for c in checks
            if c.blocking or is_blocking(c.severity, c.status, waived=c.waived, fail_on=fail_on)
        ]
    counts = summary.get("counts") or {}
    run_view = _run_view(results)
    return ReportView(
        title="Drop Ship Provisioning (Online) readiness report",
        organisation=t.clip(report.get("organisation") or "", limits.short),
        logo=logo_data_uri(report.get("logo")),
        tenant=_tenant_view(tenant, limits),
        run=run_view,
        dropship=dropship_view(results),
        ready=bool(summary.get("ready")),
        fail_on=fail_on,
        score=int(summary.get("score") or 0),
        counts=[(s, STATUS_LABEL[s], STATUS_SYMBOL[s], int(counts.get(s) or 0)) for s in STATUSES],
        checks=checks,
        blocking=by_severity([by_id[i] for i in blocking_ids if i in by_id], lambda c: c.severity),
        waived=[c for c in checks if c.waived],
        baseline=_baseline(results, by_id),
        command=t.clip(shlex.join(str(a) for a in run.get("command") or []), limits.text) or "—",
        snapshot=_snapshot_view(results.get("snapshot") or {}, limits),
        warnings=[t.clip(w, limits.text) for w in run.get("warnings") or []],
        running_head=f"{t.clip(tenant.get('name') or '—', 60)} · {run_view['date']}",
        keywords=[
            "Workspace ONE UEM",
            "Drop Ship Provisioning",
            "readiness",
            "audit",
            t.clip(tenant.get("name") or "", 60),
        ],
    )


def _tenant_view(tenant: dict[str, Any], limits: Limits) -> dict[str, str]:
    """The audited tenant: its name, API host, console version and organization group."""
    og = tenant.get("organization_group")
    return {
        "name": t.clip(tenant.get("name") or "—", limits.short),
        "api_host": t.clip(tenant.get("api_host") or "—", limits.short),
        "uem_version": t.clip(tenant.get("uem_version") or "unknown", 40),
        "og": _og_text(og),
        "og_uuid": t.clip((og or {}).get("uuid") or "—", 80) if isinstance(og, dict) else "—",
    }


def _run_view(results: dict[str, Any]) -> dict[str, str]:
    """The run's metadata: id, times, mode, TLS, and the versions of the tool and its data."""
    run = results.get("run") or {}
    tool = results.get("tool") or {}
    return {
        "id": t.clip(run.get("id") or "—", 80),
        "date": utc_text(run.get("started_at")),
        "started": utc_text(run.get("started_at")),
        "finished": utc_text(run.get("finished_at")),
        "started_iso": str(run.get("started_at") or ""),
        "mode": t.clip(run.get("mode") or "—", 20),
        "verify_tls": "no (plain HTTP: allow_insecure_http = true)"
        if run.get("insecure_http")
        else ("yes" if run.get("verify_tls", True) else "no (TLS verification was off)"),
        "tool_version": t.clip(tool.get("version") or "—", 40),
        "catalogue_version": t.clip(tool.get("catalogue_version") or "—", 80),
        "schema_version": t.as_text(results.get("schema_version")),
    }


def _snapshot_view(snapshot: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """The snapshot the results came from: its hash, request count and collection gaps."""
    return {
        "sha256": t.clip(snapshot.get("sha256") or "—", 64),
        "requests": snapshot.get("requests", "—"),
        "gaps": [
            {k: t.clip(g.get(k), limits.short) for k in ("purpose", "endpoint", "reason", "status")}
            for g in snapshot.get("gaps") or []
            if isinstance(g, dict)
        ],
    }


def dropship_view(results: dict[str, Any]) -> dict[str, Any]:
    """The Drop Ship facts handed to the manufacturer (never a password)."""
    dropship = results.get("dropship") or {}
    tenant = results.get("tenant") or {}
    found = tenant.get("organization_group")
    og: dict[str, Any] = found if isinstance(found, dict) else {}

    def value(v: Any) -> str | None:
        return t.clip(v, 300) if v not in (None, "") else None

    return {
        "upn": value(dropship.get("upn")),
        "username": value(dropship.get("username")),
        "og_uuid": value(og.get("uuid")),
        "group_id": value(og.get("group_id") or dropship.get("organization_group")),
        "og_name": value(og.get("name")),
        "og_type": value(og.get("type")),
        "tags": [t.clip(x, 300) for x in dropship.get("tags") or []],
        "smart_groups": [t.clip(x, 300) for x in dropship.get("smart_groups") or []],
        "email_domain": value(dropship.get("email_domain")),
        "tenant_name": value(tenant.get("name")),
        "api_host": value(tenant.get("api_host")),
        "uem_version": value(tenant.get("uem_version")),
    }
