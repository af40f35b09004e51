"""``findings.ocsf.json``: one OCSF Compliance Finding (class 2003) per check, for SIEMs.

Built with py-ocsf-models (the models Prowler writes its OCSF output with), so every
finding is validated against the OCSF schema as it is made. The file is a JSON array with
one finding per line (``jq -c '.[]'`` turns it into NDJSON).

Mapping of a check:

- ``finding_info.uid``: ``ws1-audit:<api host>:<organization group>:<check id>``, stable from
  run to run, so a SIEM updates one finding per tenant and check; ``metadata.uid`` is unique
  per run (``<run id>:<check id>``) and ``metadata.correlation_uid`` is the run id.
- ``severity_id``: critical 5, high 4, medium 3, low 2, info 1 (Informational).
- ``compliance.status_id``: pass 1 (Pass); fail 3 (Fail); warn and manual 2 (Warning: OCSF
  defines it as "did not yield a result due to missing information", which is what a
  manual check and most warnings are); error 0 (Unknown); skipped 99 (Other). The check's
  own status is ``status_code`` and ``compliance.checks[0].status``.
- ``status_id`` (the finding's workflow state): 3 (Suppressed) when an active waiver covers
  it, else 1 (New), as Prowler does for muted findings.
- ``compliance.requirements``: the requirement; ``remediation``: the numbered steps and the
  references; ``resources``: the tenant (API host and organization group);
  ``evidences``: references to the evidence, not the rows (the API endpoint read, the row
  count and where every row is: ``evidence.csv`` and ``results.json``), and the attestation
  with its evidence file's SHA-256.
- ``unmapped``: readiness facts OCSF has no field for (blocking, waiver, change since the
  baseline, fail-on).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from audit.evidence_kind import source_parts
from audit.fileio import write_atomic
from reports.base import RenderOptions
from reports.context import STATUS_LABEL

FILENAME = "findings.ocsf.json"
STANDARD = "Workspace ONE UEM Drop Ship Provisioning (Online)"
SEVERITY_ID = {"critical": 5, "high": 4, "medium": 3, "low": 2, "info": 1}
COMPLIANCE_STATUS_ID = {"pass": 1, "warn": 2, "manual": 2, "fail": 3, "error": 0, "skipped": 99}


def _stamp(value: Any) -> dt.datetime:
    try:
        stamp = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        stamp = dt.datetime.now(dt.UTC)
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)


def _evidences(check: dict[str, Any], index: int, results: dict[str, Any]) -> list[Any]:
    from py_ocsf_models.objects.evidence_artifacts import EvidenceArtifacts
    from py_ocsf_models.objects.url import URL

    evidence = check.get("evidence") or {}
    host = (results.get("tenant") or {}).get("api_host") or None
    items = []
    where = {
        "rows": int(evidence.get("total_rows") or 0),
        "columns": list(evidence.get("columns") or []),
        "files": ["evidence.csv", f"results.json#/checks/{index}/evidence"],
        "snapshot_sha256": (results.get("snapshot") or {}).get("sha256"),
    }
    attestation = check.get("attestation")
    for kind, source in dict.fromkeys(source_parts(evidence.get("source"))):
        if kind == "none" or (kind == "attestation" and attestation):
            continue  # nothing to point at; the attestation has its own item below
        url = None
        if source.startswith("/"):
            url = URL(
                scheme="https", hostname=host, path=source, url_string=f"https://{host}{source}"
            )
        elif "://" in source:
            parts = urlsplit(source)
            url = URL(
                scheme=parts.scheme, hostname=parts.hostname, path=parts.path, url_string=source
            )
        items.append(EvidenceArtifacts(name=source, url=url, data=where))
    if attestation:
        keys = ("by", "date", "value", "evidence", "sha256", "stale", "note")
        data = {k: attestation.get(k) for k in keys if attestation.get(k) is not None}
        items.append(EvidenceArtifacts(name="attestation", data={**data, **where}))
    return items


def _resource(results: dict[str, Any]) -> Any:
    from py_ocsf_models.objects.group import Group
    from py_ocsf_models.objects.resource_details import ResourceDetails

    tenant = results.get("tenant") or {}
    og = tenant.get("organization_group") or {}
    dropship = results.get("dropship") or {}
    group_id = og.get("group_id") or dropship.get("organization_group") or ""
    return ResourceDetails(
        uid=f"{tenant.get('api_host') or ''}/{group_id}",
        name=str(tenant.get("name") or ""),
        type="Workspace ONE UEM organization group",
        group=Group(name=og.get("name") or group_id or None, uid=og.get("uuid") or None),
        labels=[str(t) for t in dropship.get("tags") or []] or None,
        version=tenant.get("uem_version") or None,
        data={
            "api_host": tenant.get("api_host"),
            "organization_group": group_id,
            "organization_group_type": og.get("type"),
            "smart_groups": list(dropship.get("smart_groups") or []),
        },
    )


def _compliance(
    check: dict[str, Any], results: dict[str, Any], label: str, severity_id: int
) -> Any:
    from py_ocsf_models.objects.check import Check
    from py_ocsf_models.objects.compliance import Compliance

    status = COMPLIANCE_STATUS_ID.get(str(check.get("status")), 0)
    return Compliance(
        control=str(check.get("id")),
        desc=check.get("rationale") or None,
        requirements=[str(check.get("requirement") or "")],
        standards=[STANDARD],
        status_id=status,
        checks=[
            Check(
                uid=str(check.get("id")),
                name=str(check.get("title") or ""),
                desc=check.get("rationale") or None,
                severity=str(check.get("severity") or "info"),
                severity_id=severity_id,
                standards=[STANDARD],
                status=label,
                status_id=status,
                version=(results.get("tool") or {}).get("catalogue_version"),
            )
        ],
    )


def _metadata(check: dict[str, Any], results: dict[str, Any], common: Any) -> Any:
    """The finding's metadata: ``uid`` unique per run, ``correlation_uid`` the run id."""
    from py_ocsf_models.objects.metadata import Metadata

    run, tenant = results.get("run") or {}, results.get("tenant") or {}
    return Metadata(
        product=common["product"],
        uid=f"{run.get('id')}:{check.get('id')}",
        correlation_uid=str(run.get("id") or ""),
        event_code=str(check.get("id") or ""),
        tenant_uid=tenant.get("api_host") or None,
        labels=["workspace-one-uem", "drop-ship-provisioning"],
    )


def _finding_info(check: dict[str, Any], results: dict[str, Any], common: Any) -> Any:
    """The finding's identity: ``uid`` stable from run to run (host, OG, check id)."""
    from py_ocsf_models.objects.finding_info import FindingInformation

    tenant = results.get("tenant") or {}
    og = (tenant.get("organization_group") or {}).get("group_id") or ""
    return FindingInformation(
        uid=f"ws1-audit:{tenant.get('api_host') or ''}:{og}:{check.get('id')}",
        title=str(check.get("title") or check.get("id")),
        desc=str(check.get("summary") or ""),
        types=["Drop Ship Provisioning (Online) readiness"],
        created_time=common["created"],
        created_time_dt=common["created_dt"],
        data_sources=[str((check.get("evidence") or {}).get("source") or "none")],
    )


def _finding(check: dict[str, Any], index: int, results: dict[str, Any], common: Any) -> Any:
    from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
    from py_ocsf_models.objects.remediation import Remediation

    status = str(check.get("status") or "error")
    label = STATUS_LABEL.get(status, status)
    severity = str(check.get("severity") or "info")
    severity_id = SEVERITY_ID.get(severity, 0)
    waiver = check.get("waiver") or {}
    steps = [str(s) for s in check.get("remediation") or []]
    references = [str(r) for r in check.get("references") or []] or None
    summary = str(check.get("summary") or "")
    return ComplianceFinding(
        class_name="Compliance Finding",  # the OCSF caption (the model's default is its enum name)
        activity_id=1,
        activity_name="Create",
        type_uid=200301,
        type_name="Compliance Finding: Create",
        time=common["time"],
        time_dt=common["time_dt"],
        severity_id=severity_id,
        severity="Informational" if severity == "info" else severity.capitalize(),
        status_id=3 if waiver.get("active") else 1,
        status="Suppressed" if waiver.get("active") else "New",
        status_code=status,
        status_detail=summary,
        message=f"{check.get('title')}: {label}. {summary}".strip(),
        metadata=_metadata(check, results, common),
        finding_info=_finding_info(check, results, common),
        compliance=_compliance(check, results, label, severity_id),
        remediation=Remediation(
            desc="\n".join(steps) if steps else "No remediation needed.", references=references
        ),
        resources=[common["resource"]],
        evidences=_evidences(check, index, results) or None,
        unmapped={
            "blocking": bool(check.get("blocking")),
            "ready": bool((results.get("summary") or {}).get("ready")),
            "fail_on": (results.get("summary") or {}).get("fail_on"),
            "change": check.get("change"),
            "waiver": waiver or None,
        },
    )


def findings(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Every check of ``results`` as an OCSF Compliance Finding (plain JSON data)."""
    from py_ocsf_models.objects.product import Product

    tool = results.get("tool") or {}
    run = results.get("run") or {}
    finished, started = _stamp(run.get("finished_at")), _stamp(run.get("started_at"))
    common = {
        "time": int(finished.timestamp() * 1000),
        "time_dt": finished,
        "created": int(started.timestamp() * 1000),
        "created_dt": started,
        "product": Product(
            name="ws1-audit", vendor_name="ws1-audit", version=str(tool.get("version") or "")
        ),
        "resource": _resource(results),
    }
    return [
        _finding(check, i, results, common).model_dump(mode="json", exclude_none=True)
        for i, check in enumerate(results.get("checks") or [])
    ]


def ocsf_bytes(results: dict[str, Any]) -> bytes:
    """The JSON array, one finding per line."""
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in findings(results)]
    return ("[\n" + ",\n".join(lines) + "\n]\n").encode("utf-8")


def render(results: dict[str, Any], out_dir: Path, options: RenderOptions) -> list[Path]:
    """Write ``findings.ocsf.json`` into ``out_dir``."""
    return [write_atomic(out_dir / FILENAME, ocsf_bytes(results))]
