"""Incremental collection: a warm run on an unchanged tenant asks for no device's Hub again.

The per-device reads of the Hub (the app search per device, for the devices the Hub's
app-centric lists do not cover) are cached under the device's UUID, id and ``LastSeen``;
the enrollment tokens' details under the token (their tags and type cannot change, see
``audit/collect_details.py``). The lists (the app-centric ones included) and the few app,
smart-group and profile details are read again on every run (the API gives them no
modification stamp, see ``docs/collection.md``). Request counts come from the simulator's
log; nothing is timed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from bench.minimum import LIST_ENDPOINTS, PER_DEVICE, by_route, minimum_requests
from sim_helpers import tenant_config

from audit import pipeline
from audit.cache import CACHE_VERSION, ResponseCache
from audit.simulator import generate_tenant
from audit.simulator.tenant import device_uuid

RECOLLECTED = ("smart_group", "app_detail", "profile_detail")
CACHED = (*PER_DEVICE, "registration_detail")


@pytest.fixture(scope="module")
def tenant() -> dict[str, Any]:
    """The Hub is not a catalogue app here: every device's Hub is read per device."""
    return generate_tenant(
        300, windows_share=0.3, seed=11, outdated_hub_share=0.05, hub_in_catalog=0.0
    )


def by_endpoint(server: Any) -> Counter[str]:
    return Counter(e.endpoint for e in server.log)


def verdicts(results: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (c["id"], c["status"], c["summary"], c["evidence"]["rows"], c["evidence"]["total_rows"])
        for c in results["checks"]
    ]


def audit(server: Any, tenant: dict[str, Any], tmp_path: Path, cache: Path) -> Any:
    config, _ = tenant_config(
        server.url, tenant, tmp_path, overrides={"collect": {"cache_dir": str(cache)}}
    )
    snapshot = pipeline.collect(config)
    return snapshot, pipeline.evaluate(snapshot, config)


def tokens_at_the_og(tenant: dict[str, Any]) -> int:
    customer = next(o["uuid"] for o in tenant["org_groups"] if o["id"] == 570)
    return sum(1 for r in tenant["registrations"] if r.get("og_uuid") == customer)


@pytest.mark.parametrize("in_catalog", [0.0, 0.6], ids=["per-device", "partly-in-lists"])
def test_a_warm_run_makes_only_the_list_calls_and_the_few_details(
    tenant: dict[str, Any], simulator: Any, tmp_path: Path, in_catalog: float
) -> None:
    if in_catalog:
        tenant = generate_tenant(300, windows_share=0.3, seed=11, hub_in_catalog=in_catalog)
    server = simulator(tenant)
    cache = tmp_path / "cache"
    cold_snapshot, cold = audit(server, tenant, tmp_path, cache)
    cold_counts = by_endpoint(server)
    minimum = minimum_requests(tenant)
    assert cold_counts == by_route(minimum["by_endpoint"])

    server.reset_log()
    warm_snapshot, warm = audit(server, tenant, tmp_path, cache)
    warm_counts = by_endpoint(server)
    assert not set(warm_counts) & set(CACHED)
    warm_minimum = by_route({k: v for k, v in minimum["by_endpoint"].items() if k not in CACHED})
    assert warm_counts == warm_minimum and set(warm_minimum) >= set(LIST_ENDPOINTS)
    assert {k: warm_counts[k] for k in RECOLLECTED} == {
        k: minimum["by_endpoint"][k] for k in RECOLLECTED
    }
    assert sum(warm_counts.values()) == minimum["warm_total"]

    assert verdicts(warm) == verdicts(cold)
    per_device = minimum["hub_read_per_device"]
    assert per_device == (minimum["windows_in_scope"] if not in_catalog else per_device) > 10
    assert warm_snapshot.stats["cache_hits"] == per_device + tokens_at_the_og(tenant)
    cached = [r for r in warm_snapshot.requests if r.get("cached")]
    assert {r["purpose"].split(":")[0] for r in cached} == {
        "device_app_search",
        "registration_detail",
    }
    assert warm_snapshot.request_count == sum(warm_counts.values())
    assert warm["snapshot"]["requests"] == sum(warm_counts.values())
    assert cold_snapshot.request_count == sum(cold_counts.values())


def test_a_device_that_checked_in_again_is_read_again(
    tenant: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server = simulator(tenant)
    cache = tmp_path / "cache"
    audit(server, tenant, tmp_path, cache)
    windows = [
        d for d in server.tenant["devices"] if d["platform"] == "WinRT" and d["og_id"] != 580
    ]
    moved = windows[3]
    moved["last_seen"] = "2026-12-01T08:00:00"  # it checked in: its inventory may differ
    moved["apps"] = ({"name": "Workspace ONE Intelligent Hub", "version": "19.1.0.0"},)
    server.reset_log()
    _, warm = audit(server, tenant, tmp_path, cache)
    asked = [e.path for e in server.log if e.endpoint == "device_app_search"]
    assert asked == [f"/api/mdm/devices/{device_uuid(moved)}/apps/search"]
    hub = next(c for c in warm["checks"] if c["id"] == "hub_version")
    assert hub["status"] == "fail" and any("19.1.0.0" in row for row in hub["evidence"]["rows"])


def test_a_new_registration_is_the_only_token_detail_read_again(
    tenant: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server = simulator(tenant)
    cache = tmp_path / "cache"
    audit(server, tenant, tmp_path, cache)
    customer = next(o["uuid"] for o in tenant["org_groups"] if o["id"] == 570)
    new = {"serial_number": "5CGNEW0001", "og_uuid": customer, "tags": [], "friendly_name": "NEW"}
    server.tenant["registrations"].append(new)
    server.index.registrations_by_og[570].append(new)
    server.api._token_index.clear()
    server.reset_log()
    _, warm = audit(server, tenant, tmp_path, cache)
    assert by_endpoint(server)["registration_detail"] == 1
    verdict = next(c for c in warm["checks"] if c["id"] == "devices_registered")
    assert verdict["status"] == "warn" and "5CGNEW0001" in json.dumps(verdict["evidence"])


def test_the_cache_keeps_only_current_devices_and_no_secret(
    tenant: dict[str, Any], simulator: Any, tmp_path: Path, secret_env: dict[str, str]
) -> None:
    server = simulator(tenant)
    cache = tmp_path / "cache"
    audit(server, tenant, tmp_path, cache)
    files = list(cache.glob("ws1-audit-cache-*.json"))
    assert len(files) == 1
    first = json.loads(files[0].read_text())
    assert first["version"] == CACHE_VERSION
    windows = minimum_requests(tenant)["windows_in_scope"]
    tokens = [k for k in first["entries"] if k.startswith("registration_detail|")]
    assert len(tokens) == tokens_at_the_og(tenant)
    assert len(first["entries"]) == windows + len(tokens)
    text = files[0].read_text()
    for secret in (tenant["credentials"]["password"], tenant["credentials"]["tenant_code"]):
        assert secret not in text
    # every cached inventory is trimmed to the Hub rows, as in the snapshot
    records = [r for entry in first["entries"].values() for r in entry]
    assert all(r["trimmed"]["kept"] for r in records if r.get("trimmed"))

    gone = next(
        d for d in server.tenant["devices"] if d["platform"] == "WinRT" and d["og_id"] == 570
    )
    server.tenant["devices"].remove(gone)
    server.index.devices.pop(gone["id"])
    server.index.devices_by_og[570].remove(gone)
    server.api._device_scopes.clear()
    audit(server, tenant, tmp_path, cache)
    second = json.loads(files[0].read_text())
    assert len(second["entries"]) == windows - 1 + len(tokens)
    assert not any(f"|{gone['id']}|" in key for key in second["entries"])


@pytest.mark.parametrize("content", ["not json", '{"version": 1, "entries": {"a": []}}', "[]"])
def test_an_unreadable_or_old_cache_means_a_cold_run(
    tenant: dict[str, Any], simulator: Any, tmp_path: Path, content: str
) -> None:
    server = simulator(tenant)
    cache = tmp_path / "cache"
    cache.mkdir()
    config, _ = tenant_config(
        server.url, tenant, tmp_path, overrides={"collect": {"cache_dir": str(cache)}}
    )
    scope = f"{config.tenant['api_url']}|{config.dropship['organization_group']}"
    ResponseCache(cache, scope).path.write_text(content)
    pipeline.collect(config)
    assert by_endpoint(server) == by_route(minimum_requests(tenant)["by_endpoint"])


def test_without_cache_dir_nothing_is_cached(
    tenant: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server = simulator(tenant)
    config, _ = tenant_config(server.url, tenant, tmp_path)
    pipeline.collect(config)
    server.reset_log()
    pipeline.collect(config)
    assert by_endpoint(server) == by_route(minimum_requests(tenant)["by_endpoint"])
    assert not list(tmp_path.rglob("ws1-audit-cache-*.json"))


def test_cache_get_put_save_roundtrip(tmp_path: Path) -> None:
    cache = ResponseCache(tmp_path, "https://as1.example|contoso")
    assert cache.get("k1") is None and cache.misses == 1
    cache.put("k1", [{"purpose": "device_apps:1", "body": {"DeviceApps": []}}])
    cache.put("k2", [{"purpose": "device_apps:2", "body": None}])
    cache.save()
    again = ResponseCache(tmp_path, "https://as1.example|contoso")
    assert again.get("k1") == [{"purpose": "device_apps:1", "body": {"DeviceApps": []}}]
    again.save()  # k2 was not used by this run: dropped
    third = ResponseCache(tmp_path, "https://as1.example|contoso")
    assert third.get("k2") is None and third.get("k1") is not None
    other = ResponseCache(tmp_path, "https://as1.example|fabrikam")
    assert other.path != cache.path and other.get("k1") is None
