"""findings.ocsf.json read back and validated against py-ocsf-models' Compliance Finding."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from py_ocsf_models.events.findings.compliance_finding import ComplianceFinding
from reports_fixtures import load
from test_cli import write_config, ws1

from audit.simulator import load_scenario
from reports import ocsf
from reports.base import RenderOptions


def _read(results: dict[str, Any], tmp_path: Path) -> list[dict[str, Any]]:
    [path] = ocsf.render(results, tmp_path, RenderOptions())
    assert path.name == "findings.ocsf.json"
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == "[" and lines[-1] == "]" and len(lines) == len(results["checks"]) + 2
    findings = json.loads(text)
    assert isinstance(findings, list)
    return findings


@pytest.mark.parametrize(
    "name", ["results_not_ready.json", "results_ready.json", "results_scripts.json"]
)
def test_every_check_is_a_valid_compliance_finding(name: str, tmp_path: Path) -> None:
    results = load(name)
    findings = _read(results, tmp_path)
    assert len(findings) == len(results["checks"])
    for finding, check in zip(findings, results["checks"], strict=True):
        model = ComplianceFinding.model_validate(finding)  # raises on any schema violation
        assert model.class_uid == 2003 and model.category_uid == 2 and model.type_uid == 200301
        assert finding["class_name"] == "Compliance Finding"
        assert finding["finding_info"]["title"] == check["title"]
        assert finding["status_code"] == check["status"]
        assert finding["compliance"]["requirements"] == [check["requirement"]]
        assert finding["compliance"]["control"] == check["id"]
        assert finding["metadata"]["correlation_uid"] == results["run"]["id"]
        assert finding["metadata"]["product"]["name"] == "ws1-audit"


def test_severity_status_waiver_and_remediation_map(tmp_path: Path) -> None:
    results = load("results_not_ready.json")
    by_id = {f["compliance"]["control"]: f for f in _read(results, tmp_path)}
    assert (
        by_id["uem_version"]["severity_id"] == 5 and by_id["uem_version"]["severity"] == "Critical"
    )
    assert by_id["uem_version"]["compliance"]["status_id"] == 1  # pass
    hub = by_id["hub_version"]  # fail, waived
    assert hub["severity_id"] == 4 and hub["compliance"]["status_id"] == 3
    assert hub["status_id"] == 3 and hub["status"] == "Suppressed"
    assert hub["unmapped"]["waiver"]["active"] is True
    assert by_id["software_distribution"]["compliance"]["status_id"] == 2  # manual: Warning
    assert by_id["software_distribution"]["status_id"] == 1  # New
    assert by_id["login_experience"]["compliance"]["status_id"] == 0  # error: Unknown
    assert by_id["device_staging"]["compliance"]["status_id"] == 99  # skipped: Other
    check = next(c for c in results["checks"] if c["id"] == "app_assignments_device_auto")
    app = by_id["app_assignments_device_auto"]
    assert app["remediation"]["desc"].splitlines() == check["remediation"]
    assert app["remediation"]["references"] == check["references"]
    assert app["unmapped"]["blocking"] is True


def test_evidence_references_and_the_tenant_resource(tmp_path: Path) -> None:
    results = load("results_not_ready.json")
    findings = _read(results, tmp_path)
    by_id = {f["compliance"]["control"]: f for f in findings}
    [evidence] = by_id["devices_registered"]["evidences"]
    assert evidence["name"] == "/api/mdm/groups/{uuid}/enrollment-tokens"
    assert evidence["url"]["hostname"] == "as1985.awmdm.com"
    assert evidence["data"]["rows"] == 60
    index = [c["id"] for c in results["checks"]].index("devices_registered")
    assert evidence["data"]["files"] == ["evidence.csv", f"results.json#/checks/{index}/evidence"]
    [attested] = [e for e in by_id["hub_auto_update"]["evidences"] if e["name"] == "attestation"]
    assert attested["data"]["by"] == "J. Doe" and attested["data"]["sha256"] == "ab" * 32
    assert "evidences" not in by_id["software_distribution"]  # manual: nothing to point at
    for finding in findings:
        [resource] = finding["resources"]
        assert resource["uid"] == "as1985.awmdm.com/contoso" and resource["name"] == "Contoso Ltd"
        assert resource["group"]["uid"] == results["tenant"]["organization_group"]["uuid"]


def test_finding_uids_are_stable_across_runs_and_tenants_differ(tmp_path: Path) -> None:
    first = load("results_not_ready.json")
    second = copy.deepcopy(first)
    second["run"]["id"] = "another-run"
    other = copy.deepcopy(first)
    other["tenant"]["api_host"] = "as2000.awmdm.com"
    uids = [
        [f["finding_info"]["uid"] for f in _read(r, tmp_path / str(i))]
        for i, r in enumerate((first, second, other))
    ]
    assert uids[0] == uids[1] and len(set(uids[0])) == len(uids[0])
    assert not set(uids[0]) & set(uids[2])
    assert uids[0][0] == "ws1-audit:as1985.awmdm.com:contoso:uem_version"


def test_hostile_strings_stay_data(tmp_path: Path) -> None:
    results = load("results_scripts.json")
    text = (ocsf.render(results, tmp_path, RenderOptions())[0]).read_text(encoding="utf-8")
    names = {json.dumps(c["title"], ensure_ascii=False) for c in results["checks"]}
    assert all(n in text for n in names)  # whole, JSON-escaped, never altered


def test_run_writes_ocsf_only_when_asked(simulator: Any, tmp_path: Path) -> None:
    tenant = load_scenario("ready")
    server = simulator(tenant)
    env = {
        "SIM_PASSWORD": tenant["credentials"]["password"],
        "SIM_TENANT_CODE": tenant["credentials"]["tenant_code"],
    }
    config = write_config(tmp_path, server.url, '\n[report]\nformats = ["json", "ocsf"]\n')
    proc = ws1("run", "--config", str(config), "--out", str(tmp_path / "a"), env=env)
    assert proc.returncode == 1, proc.stderr
    assert sorted(p.name for p in (tmp_path / "a").iterdir() if not p.name.startswith(".")) == [
        "findings.ocsf.json",
        "results.json",
        "snapshot.json",
    ]
    default = ws1(
        "render",
        str(tmp_path / "a" / "results.json"),
        "--format",
        "md",
        "--out",
        str(tmp_path / "b"),
    )
    assert default.returncode == 0 and not (tmp_path / "b" / "findings.ocsf.json").exists()
    again = ws1(
        "render",
        str(tmp_path / "a" / "results.json"),
        "--format",
        "ocsf",
        "--out",
        str(tmp_path / "c"),
    )
    assert again.returncode == 0
    assert (tmp_path / "c" / "findings.ocsf.json").read_bytes() == (
        tmp_path / "a" / "findings.ocsf.json"
    ).read_bytes()
