"""Every check passes on the ready tenant and fails when its requirement is broken in the
tenant's data: simulated tenants served over loopback and audited through the real client.

Each case changes one fact of the ``ready`` scenario (the data the simulator serves, or an
attestation), runs the live pipeline, and asserts the targeted check's status, and that
the checks the change should not touch keep passing.
"""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sim_helpers import tenant_config

from audit import pipeline
from audit.demo import ATTESTED_IN_DEMO
from audit.simulator import load_scenario

TODAY = dt.datetime.now(dt.UTC).date()
ATTESTED = ATTESTED_IN_DEMO


def attest(value: bool = True, age_days: int = 3, **only: bool) -> list[dict[str, Any]]:
    return [
        {
            "check": c,
            "value": only.get(c, value),
            "by": "Dana",
            "date": TODAY - dt.timedelta(days=age_days),
        }
        for c in ATTESTED
    ]


def _app(tenant: dict[str, Any], app_id: int) -> dict[str, Any]:
    return next(a for a in tenant["apps"] if a["id"] == app_id)


def _profile(tenant: dict[str, Any], profile_id: int) -> dict[str, Any]:
    return next(p for p in tenant["profiles"] if p["id"] == profile_id)


def old_console(t: dict[str, Any]) -> None:
    t["system"]["ProductVersion"] = "21.2.0.1"


def old_hub(t: dict[str, Any]) -> None:
    device = next(d for d in t["devices"] if d["og_id"] == 570 and d["platform"] == "WinRT")
    for app in device["apps"]:
        if "Intelligent Hub" in app["name"]:
            app["version"] = "20.9.0.1"


def discovery_elsewhere(t: dict[str, Any]) -> None:
    t["discovery"]["contoso.com"]["group_id"] = "contoso-lab"


def container_og(t: dict[str, Any]) -> None:
    next(o for o in t["org_groups"] if o["group_id"] == "contoso")["type"] = "Container"


def renamed_tag(t: dict[str, Any]) -> None:
    next(tag for tag in t["tags"] if tag["id"] == 5)["name"] = "R&D"


def criteria_without_tag(t: dict[str, Any]) -> None:
    next(sg for sg in t["smart_groups"] if sg["id"] == 12)["tag_ids"] = []


def on_demand_app(t: dict[str, Any]) -> None:
    _app(t, 102)["assignments"] = [{"smart_group_id": 12, "push_mode": "OnDemand"}]


def user_context_app(t: dict[str, Any]) -> None:
    _app(t, 103)["install_context"] = "User"


def no_login_profile(t: dict[str, Any]) -> None:
    _profile(t, 201)["smart_group_ids"] = []


def nothing_assigned(t: dict[str, Any]) -> None:
    for app in t["apps"]:
        app["assignments"] = [a for a in app["assignments"] if a["smart_group_id"] != 12]
    for profile in t["profiles"]:
        profile["smart_group_ids"] = [i for i in profile["smart_group_ids"] if i != 12]


def no_registrations(t: dict[str, Any]) -> None:
    t["registrations"] = []


def unchanged(t: dict[str, Any]) -> None:
    return None


def _og(t: dict[str, Any], og_id: int) -> dict[str, Any]:
    return next(o for o in t["org_groups"] if o["id"] == og_id)


def dropship_disabled(t: dict[str, Any]) -> None:
    _og(t, 570)["dropship"]["enabled"] = False


def dropship_also_at_a_child(t: dict[str, Any]) -> None:
    _og(t, 571)["dropship"] = {"enabled": True, "username": "rnd-staging", "password": "Pw-571x"}


def console_without_dropship_settings(t: dict[str, Any]) -> None:
    t["absent_endpoints"] = ["dropship_settings", "oem_sync"]


def stale_oem_sync(t: dict[str, Any]) -> None:
    _og(t, 570)["oem_sync_hours_ago"] = 24 * 12


def never_synced(t: dict[str, Any]) -> None:
    _og(t, 570).pop("oem_sync_hours_ago")


def old_hub_on_a_device_the_lists_miss(t: dict[str, Any]) -> None:
    device = next(d for d in t["devices"] if d["id"] == 1010)  # Hub installed by enrolment
    device["apps"][0]["version"] = "20.8.0.2"


Case = tuple[str, Callable[[dict[str, Any]], None], list[dict[str, Any]], str]
CASES: list[Case] = [
    ("uem_version", old_console, attest(), "fail"),
    ("saas_tenant", unchanged, attest(saas_tenant=False), "fail"),
    ("saas_tenant", unchanged, [a for a in attest() if a["check"] != "saas_tenant"], "manual"),
    ("hub_version", old_hub, attest(), "fail"),
    ("hub_auto_update", unchanged, attest(hub_auto_update=False), "fail"),
    ("hub_auto_update", unchanged, attest(age_days=200), "warn"),
    ("software_distribution", unchanged, attest(software_distribution=False), "fail"),
    ("auto_enrollment_disabled", unchanged, attest(auto_enrollment_disabled=False), "fail"),
    (
        "auto_enrollment_disabled",
        unchanged,
        [a for a in attest() if a["check"] != "auto_enrollment_disabled"],
        "manual",
    ),
    ("autodiscovery_domain", discovery_elsewhere, attest(), "fail"),
    ("dropship_customer_og", container_og, attest(), "fail"),
    ("dropship_enabled", dropship_disabled, attest(), "fail"),
    ("dropship_enabled", dropship_also_at_a_child, attest(), "fail"),
    ("dropship_enabled", unchanged, attest(dropship_enabled=False), "warn"),
    ("dropship_enabled", console_without_dropship_settings, attest(dropship_enabled=False), "fail"),
    ("devices_registered", stale_oem_sync, attest(), "warn"),
    ("devices_registered", never_synced, attest(), "warn"),
    ("hub_version", old_hub_on_a_device_the_lists_miss, attest(), "fail"),
    ("dropship_tag", renamed_tag, attest(), "fail"),
    ("smart_group_tag_criteria", criteria_without_tag, attest(), "fail"),
    ("app_assignments_device_auto", on_demand_app, attest(), "fail"),
    ("app_assignments_device_auto", user_context_app, attest(), "fail"),
    ("login_experience", no_login_profile, attest(), "fail"),
    ("payloads_assigned", nothing_assigned, attest(), "fail"),
    ("devices_registered", no_registrations, attest(), "fail"),
    ("device_staging", unchanged, attest(device_staging=False), "fail"),
]


def run_case(
    simulator: Any,
    tmp_path: Path,
    mutate: Callable[[dict[str, Any]], None],
    attestations: list[dict[str, Any]],
    **overrides: Any,
) -> dict[str, dict[str, Any]]:
    tenant = copy.deepcopy(load_scenario("ready"))
    mutate(tenant)
    server = simulator(tenant)
    config, _ = tenant_config(server.url, tenant, tmp_path, attestations=attestations, **overrides)
    results = pipeline.evaluate(pipeline.collect(config), config)
    return {c["id"]: c for c in results["checks"]}


def test_ready_tenant_passes_all_sixteen(simulator: Any, tmp_path: Path) -> None:
    checks = run_case(simulator, tmp_path, unchanged, attest())
    assert len(checks) == 16
    assert {cid: c["status"] for cid, c in checks.items() if c["status"] != "pass"} == {}


@pytest.mark.parametrize(
    ("check_id", "mutate", "attestations", "expected"),
    CASES,
    ids=[f"{c[0]}-{c[1].__name__}-{c[3]}" for c in CASES],
)
def test_breaking_a_requirement_is_found(
    simulator: Any,
    tmp_path: Path,
    check_id: str,
    mutate: Callable[[dict[str, Any]], None],
    attestations: list[dict[str, Any]],
    expected: str,
) -> None:
    checks = run_case(simulator, tmp_path, mutate, attestations)
    target = checks[check_id]
    assert target["status"] == expected, target["summary"]
    assert target["summary"] and target["evidence"]["source"]
    if expected == "fail":
        assert target["evidence"]["rows"], "a failing check shows what it saw"
    # A single broken fact must not be reported as something else entirely.
    unrelated_errors = [cid for cid, c in checks.items() if c["status"] == "error"]
    assert unrelated_errors == []


def test_app_evidence_names_the_offending_assignment(simulator: Any, tmp_path: Path) -> None:
    checks = run_case(simulator, tmp_path, on_demand_app, attest())
    evidence = checks["app_assignments_device_auto"]["evidence"]
    rows = [dict(zip(evidence["columns"], row, strict=True)) for row in evidence["rows"]]
    offending = [r for r in rows if r["Push mode"] == "OnDemand"]
    assert [r["App"] for r in offending] == ["Google Chrome"]
    assert offending[0]["Endpoint"] == "GET /api/mam/apps/internal/102"


def test_hub_evidence_lists_device_serial_and_version(simulator: Any, tmp_path: Path) -> None:
    checks = run_case(simulator, tmp_path, old_hub, attest())
    evidence = checks["hub_version"]["evidence"]
    flat = [str(cell) for row in evidence["rows"] for cell in row]
    assert "20.9.0.1" in flat and "5CG3241F7Q" in flat


def test_smart_groups_found_from_tag_criteria_when_not_configured(
    simulator: Any, tmp_path: Path
) -> None:
    checks = run_case(simulator, tmp_path, unchanged, attest())
    assert checks["smart_group_tag_criteria"]["status"] == "pass"
    assert any(
        "Drop Ship RnD" in str(row)
        for row in checks["smart_group_tag_criteria"]["evidence"]["rows"]
    )
