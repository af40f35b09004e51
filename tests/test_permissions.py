"""A 403 on one endpoint is a least-privilege role, not an authentication failure.

A 401, or a 403 on the first call, stops the collection with exit 4
(``tests/test_faults.py``). A 403 on a later endpoint is a gap: the checks that need the
data are ``error`` with "the API account lacks permission to read X (HTTP 403, errorCode
N)" and a remediation naming the admin role permission; everything else is decided, every
report is written, and the run exits 2 when such an error blocks readiness. That entry's
further per-item requests are not sent. (The same on the real captures:
``tests/test_real_captures.py``.)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from robust_helpers import FastSleeps, cli_in_process, per_device_fault, sim_env, write_config
from sim_helpers import tenant_config

from audit import pipeline
from audit.simulator import generate_tenant, load_scenario

FORMATS = "json,csv,md,junit,html,pdf"


@pytest.fixture(scope="module")
def ready() -> dict[str, Any]:
    return load_scenario("ready")


def test_a_403_on_the_tags_search_is_exit_2_with_every_report_written(
    ready: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = simulator(ready, faults="403/api/mdm/tags:1.0")
    config = write_config(tmp_path / "t.toml", server.url)
    out = tmp_path / "out"
    args = ["run", "--config", str(config), "--out", str(out), "--format", FORMATS]
    code, _stdout, stderr = cli_in_process(args, sim_env(ready), monkeypatch, capsys)
    assert code == 2, stderr
    for name in ("results.json", "report.html", "report.pdf", "findings.csv", "junit.xml"):
        assert (out / name).stat().st_size > 0, name
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    checks = {c["id"]: c for c in results["checks"]}
    tag = checks["dropship_tag"]
    assert tag["status"] == "error"
    assert tag["summary"].startswith(
        "The API account lacks permission to read the tags visible at the organization group "
        "(HTTP 403, errorCode "
    )
    assert tag["remediation"][0].startswith("1. Open Accounts > Administrators > Roles")
    assert "REST API Tags Read" in tag["remediation"][0]
    # what does not need the tags is decided as on a fully readable tenant
    assert checks["uem_version"]["status"] == "pass"
    assert checks["hub_version"]["status"] == "pass"
    assert checks["dropship_customer_og"]["status"] == "pass"
    assert checks["devices_registered"]["status"] == "pass"
    assert [e.status for e in server.log if e.endpoint == "tags"] == [403]


def test_a_403_on_the_inventories_stops_asking_for_them(
    simulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tenant = generate_tenant(
        400, windows_share=0.25, seed=7, outdated_hub_share=0.0, hub_in_catalog=0.0
    )
    server = simulator(tenant, faults=per_device_fault(403))  # /devices/{uuid}/apps/search
    config, _ = tenant_config(
        server.url, tenant, tmp_path, overrides={"collect": {"concurrency": 2}}
    )
    snapshot = pipeline.collect(config, sleep=FastSleeps())
    results = pipeline.evaluate(snapshot, config)
    asked = [e for e in server.log if e.endpoint == "device_app_search"]
    windows = sum(1 for d in tenant["devices"] if d["platform"] == "WinRT" and d["og_id"] != 580)
    # only the requests already queued when the first 403 came back were sent
    assert 1 <= len(asked) <= 4 < windows and all(e.status == 403 for e in asked)
    skipped = next(g for g in snapshot.gaps if g["purpose"] == "device_app_search")
    assert skipped["kind"] == "permission"
    assert f"{windows - len(asked)} more request(s) not sent" in skipped["reason"]
    hub = next(c for c in results["checks"] if c["id"] == "hub_version")
    assert hub["status"] == "error" and "lacks permission" in hub["summary"]
    assert "REST API Devices Read" in hub["remediation"][0]
    assert pipeline.exit_code_for(results) == 2
