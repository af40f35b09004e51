"""The whole pipeline against the simulator over loopback, through the real client."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sim_helpers import tenant_config

from audit import pipeline
from audit.demo import ATTESTED_IN_DEMO
from audit.inventory_build import build_inventory
from audit.results import validate_results
from audit.simulator import load_scenario
from audit.snapshot import load_snapshot, save_snapshot

READY_ATTESTATIONS = [
    {"check": c, "value": True, "by": "Dana", "date": dt.date.today() - dt.timedelta(days=3)}
    for c in ATTESTED_IN_DEMO
]


def audit(
    simulator: Any, tmp_path: Path, scenario: str = "ready", **kwargs: Any
) -> tuple[dict[str, Any], Any, Any]:
    tenant = load_scenario(scenario)
    server = simulator(tenant)
    config, _ = tenant_config(server.url, tenant, tmp_path, **kwargs)
    snapshot = pipeline.collect(config)
    results = pipeline.evaluate(snapshot, config)
    return results, snapshot, server


def statuses(results: dict[str, Any]) -> dict[str, str]:
    return {c["id"]: c["status"] for c in results["checks"]}


def test_ready_scenario_with_attestations_passes_everything(simulator: Any, tmp_path: Path) -> None:
    results, snapshot, _ = audit(simulator, tmp_path, attestations=READY_ATTESTATIONS)
    validate_results(results)
    assert statuses(results) == {cid: "pass" for cid in statuses(results)}, [
        (c["id"], c["summary"]) for c in results["checks"] if c["status"] != "pass"
    ]
    assert len(results["checks"]) == 16
    assert results["summary"]["ready"] is True and pipeline.exit_code_for(results) == 0
    assert results["tenant"]["organization_group"]["type"] == "Customer"
    assert results["snapshot"]["sha256"] == snapshot.sha256


def test_not_ready_scenario_finds_most_problems(simulator: Any, tmp_path: Path) -> None:
    results, _, _ = audit(simulator, tmp_path, scenario="not-ready")
    validate_results(results)
    found = [cid for cid, s in statuses(results).items() if s in ("fail", "manual")]
    assert len(found) >= 12, statuses(results)
    assert results["summary"]["ready"] is False and pipeline.exit_code_for(results) in (1, 2)


def test_evaluate_from_saved_snapshot_matches_live(simulator: Any, tmp_path: Path) -> None:
    results, snapshot, server = audit(simulator, tmp_path, scenario="not-ready")
    path = save_snapshot(snapshot, tmp_path / "snapshot.json")
    server.stop()  # no network from here on
    offline = pipeline.evaluate(load_snapshot(path), None)
    strip = lambda r: [(c["id"], c["status"], c["summary"], c["evidence"]) for c in r["checks"]]  # noqa: E731
    live_without_config = pipeline.evaluate(snapshot, None)
    assert strip(offline) == strip(live_without_config)
    assert offline["snapshot"]["sha256"] == results["snapshot"]["sha256"]


def test_inventory_scope_excludes_sibling_customer(simulator: Any, tmp_path: Path) -> None:
    _, snapshot, _ = audit(simulator, tmp_path)
    inv = build_inventory(snapshot)
    assert inv.dropship_og is not None and inv.dropship_og["group_id"] == "contoso"
    assert inv.devices_listed == inv.devices_inventoried > 0
    in_scope = set(inv.org_groups[inv.org_groups["in_scope"].astype(bool)]["id"])
    assert set(inv.devices["og_id"]) <= in_scope
    assert inv.dropship_smart_groups()["name"].tolist()


def test_device_inventory_only_for_windows_devices_in_scope(simulator: Any, tmp_path: Path) -> None:
    _, snapshot, _server = audit(simulator, tmp_path)
    inv = build_inventory(snapshot)
    per_device = ("device_app_search:", "device_apps:")
    device_calls = [r for r in snapshot.requests if str(r["purpose"]).startswith(per_device)]
    from_lists = snapshot.stats["hub_versions_from_lists"]
    assert from_lists > 0 and len({r["purpose"] for r in device_calls}) + from_lists == len(
        inv.devices
    )
    assert set(inv.devices["inventory_read"]) == {True}
    assert all(r["method"] == "GET" for r in snapshot.requests if r["purpose"] != "oauth_token")


def test_no_secret_in_snapshot(simulator: Any, tmp_path: Path) -> None:
    tenant = load_scenario("ready")
    _, snapshot, _ = audit(simulator, tmp_path)
    path = save_snapshot(snapshot, tmp_path / "snapshot.json")
    text = path.read_text()
    for secret in (tenant["credentials"]["password"], tenant["credentials"]["tenant_code"]):
        assert secret not in text


@pytest.mark.parametrize("scenario", ["ready", "not-ready"])
def test_results_render_in_every_format(simulator: Any, tmp_path: Path, scenario: str) -> None:
    results, _, _ = audit(simulator, tmp_path, scenario=scenario)
    files = pipeline.render(
        results, tmp_path / "out", ["html", "pdf", "csv", "junit", "md", "handover", "json"]
    )
    names = {p.name for p in files}
    assert {
        "report.html",
        "report.pdf",
        "findings.csv",
        "evidence.csv",
        "junit.xml",
        "summary.md",
        "handover.pdf",
        "results.json",
    } <= names
    assert all(p.stat().st_size > 0 for p in files)


def test_run_tenant_runs_one_tenant_end_to_end_through_the_transport_it_is_given(
    simulator: Any, tmp_path: Path
) -> None:
    """``run_tenant`` (what ``run`` and ``demo`` do) collects through the given transport,
    saves the snapshot and results.json into the output set, records the history, and the
    next run takes the latest history entry as its baseline."""
    import httpx

    sent: list[str] = []

    class Recording(httpx.AsyncHTTPTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            sent.append(request.url.path)
            return await super().handle_async_request(request)

    tenant = load_scenario("ready")
    server = simulator(tenant)
    config, _ = tenant_config(server.url, tenant, tmp_path)
    out, history = tmp_path / "out", tmp_path / "history"
    notes: list[str] = []
    kwargs: dict[str, Any] = dict(
        out=out, formats=["json"], fail_on=None, baseline=None, history=history, note=notes.append
    )
    results, written = pipeline.run_tenant(config, transport=Recording(), **kwargs)
    assert {p.name for p in written} == {"snapshot.json", "results.json"}
    assert all(p.parent == out for p in written)
    assert len(sent) == server.count("/") > 20  # every request went through the transport
    assert not results.get("baseline") and len(list(history.iterdir())) == 1
    again, _ = pipeline.run_tenant(config, transport=Recording(), **kwargs)
    assert again["baseline"]["changes"]["unchanged"] and any("Baseline: " in n for n in notes)
