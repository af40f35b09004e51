"""``junit.xml``: one testsuite ``ws1-audit``, one testcase per check, for CI test views.

Mapping: ``fail`` is a ``<failure>`` (``type`` the severity), ``error`` an ``<error>``; a
``manual`` check that blocks readiness is a ``<failure type="manual">`` whose text says what a
person must confirm (a CI gate must not show it as a harmless skip); a ``manual`` check that
does not block, and ``skipped``, are ``<skipped>`` with the reason; ``pass`` and ``warn``
pass (a warning says so in ``<system-out>``). A waived failure stays a failure, its message
starting ``[waived until ...]``, because a waiver is a flag on a finding, never a status;
whether the run is ready is the exit code's business and is recorded in the suite's
properties. Each testcase carries properties too: ``severity``, ``status``, ``blocking``,
``waived``, ``evidence_kind`` (:mod:`audit.evidence_kind`) and ``evidence_source``.
The testcase's classname is ``ws1_audit.<severity>`` and its name the check id.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from audit.evidence_kind import kind_of, label_of
from audit.fileio import write_atomic
from reports.base import RenderOptions
from reports.text import clip, xml_text

FILENAME = "junit.xml"
SUITE = "ws1-audit"


def _details(check: dict[str, Any]) -> str:
    """The text body of a failure/error: summary, requirement, remediation, evidence."""
    ev = check.get("evidence") or {}
    source = ev.get("source") or ""
    detail = f": {source}" if source not in ("", "none", "attestation") else ""
    lines = [
        f"{check.get('title', '')}",
        f"Severity: {check.get('severity')}  Status: {check.get('status')}",
        f"Summary: {check.get('summary', '')}",
        f"Requirement: {check.get('requirement', '')}",
    ]
    if check.get("status") == "manual":
        lines.append("A person must confirm:")
        columns = [str(c) for c in ev.get("columns") or []]
        for row in (ev.get("rows") or [])[:5]:
            cells = dict(zip(columns, row, strict=False))
            what, where = cells.get("Setting"), cells.get("Where to confirm")
            if what or where:
                lines.append(f"  {what or check.get('requirement', '')}: {where or ''}".rstrip())
    lines += [
        "Remediation:",
        *[f"  {step}" for step in check.get("remediation") or []],
        f"Evidence: {label_of(check)}{detail} ({ev.get('total_rows', 0)} rows; see evidence.csv)",
    ]
    return xml_text("\n".join(lines))


def _blocks(check: dict[str, Any], blocking: set[Any]) -> bool:
    """Whether the check blocks readiness (older results list it in the summary only)."""
    flag = check.get("blocking")
    return bool(flag) if isinstance(flag, bool) else check.get("id") in blocking


def _case_properties(case: ET.Element, check: dict[str, Any], blocks: bool) -> None:
    props = ET.SubElement(case, "properties")
    waiver = check.get("waiver") or {}
    for name, value in (
        ("severity", check.get("severity")),
        ("status", check.get("status")),
        ("blocking", "true" if blocks else "false"),
        ("waived", "true" if waiver.get("active") else "false"),
        ("evidence_kind", kind_of(check)),
        ("evidence_source", (check.get("evidence") or {}).get("source") or ""),
    ):
        ET.SubElement(props, "property", name=name, value=xml_text(value))


def _message(check: dict[str, Any]) -> str:
    summary = clip(check.get("summary") or check.get("status") or "", 1000)
    waiver = check.get("waiver") or {}
    if waiver.get("active"):
        summary = f"[waived until {waiver.get('expires', '?')}] {summary}"
    elif waiver.get("expired"):
        summary = f"[waiver expired {waiver.get('expires', '?')}] {summary}"
    return xml_text(summary)


def _testcase(suite: ET.Element, check: dict[str, Any], blocks: bool) -> None:
    """One check as a testcase of ``suite``: its properties, result and system-out."""
    status = check.get("status")
    case = ET.SubElement(
        suite,
        "testcase",
        name=xml_text(check.get("id") or ""),
        classname=f"ws1_audit.{xml_text(check.get('severity') or 'info')}",
        time="0",
    )
    _case_properties(case, check, blocks)
    if status == "fail":
        failure = ET.SubElement(
            case, "failure", message=_message(check), type=xml_text(check.get("severity") or "")
        )
        failure.text = _details(check)
    elif status == "error":
        error = ET.SubElement(case, "error", message=_message(check), type="check_error")
        error.text = _details(check)
    elif status == "manual" and blocks:
        message = "manual: a person must confirm, and until then readiness is blocked. "
        failure = ET.SubElement(case, "failure", message=message + _message(check), type="manual")
        failure.text = _details(check)
    elif status in ("manual", "skipped"):
        prefix = "manual: a person must confirm. " if status == "manual" else ""
        ET.SubElement(case, "skipped", message=prefix + _message(check))
    out = ET.SubElement(case, "system-out")
    label = "WARNING: " if status == "warn" else ""
    out.text = xml_text(f"{label}{check.get('title', '')}: {check.get('summary', '')}")


def junit_tree(results: dict[str, Any]) -> ET.ElementTree[ET.Element]:
    """The JUnit document as an ElementTree."""
    checks = results.get("checks") or []
    summary = results.get("summary") or {}
    run = results.get("run") or {}
    blocking = set(summary.get("blocking") or ())
    manual_failures = sum(c.get("status") == "manual" and _blocks(c, blocking) for c in checks)
    counts = {
        s: sum(c.get("status") == s for c in checks) for s in ("fail", "error", "manual", "skipped")
    }
    failures = str(counts["fail"] + manual_failures)
    skipped = str(counts["manual"] - manual_failures + counts["skipped"])
    suites = ET.Element(
        "testsuites",
        name=SUITE,
        tests=str(len(checks)),
        failures=failures,
        errors=str(counts["error"]),
        skipped=skipped,
        time="0",
    )
    suite = ET.SubElement(
        suites,
        "testsuite",
        name=SUITE,
        tests=str(len(checks)),
        failures=failures,
        errors=str(counts["error"]),
        skipped=skipped,
        time="0",
        timestamp=xml_text(str(run.get("started_at") or "")).removesuffix("Z"),
        hostname=xml_text((results.get("tenant") or {}).get("api_host") or ""),
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("ready", "true" if summary.get("ready") else "false"),
        ("fail_on", summary.get("fail_on")),
        ("score", summary.get("score")),
        ("tenant", clip((results.get("tenant") or {}).get("name") or "", 200)),
        ("run_id", run.get("id")),
        ("tool_version", (results.get("tool") or {}).get("version")),
    ):
        ET.SubElement(props, "property", name=name, value=xml_text(value))
    for check in checks:
        _testcase(suite, check, _blocks(check, blocking))
    ET.indent(suites)
    return ET.ElementTree(suites)


def junit_bytes(results: dict[str, Any]) -> bytes:
    """``junit.xml`` as UTF-8 bytes with an XML declaration."""
    root = junit_tree(results).getroot()
    assert root is not None
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body + b"\n"


def render(results: dict[str, Any], out_dir: Path, options: RenderOptions) -> list[Path]:
    """Write ``junit.xml`` into ``out_dir``."""
    return [write_atomic(out_dir / FILENAME, junit_bytes(results))]
