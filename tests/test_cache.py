"""Incremental collection: a warm run on an unchanged tenant asks for no device inventory.

Device app inventories are cached under the device's UUID, id and ``LastSeen``; the few
app, smart-group and profile details are read again on every run (the API gives them no
modification stamp, see ``docs/collection.md``). Request counts come from the simulator's
log; nothing is timed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from bench.minimum import LIST_ENDPOINTS, minimum_requests
from sim_helpers import tenant_config

from audit import pipeline
from audit.cache import CACHE_VERSION, ResponseCache
from audit.simulator import generate_tenant

RECOLLECTED = ("smart_group", "app_detail", "profile_detail", "registration_detail")


@pytest.fixture(scope="module")
def tenant() -> dict[str, Any]:
    return generate_tenant(300, windows_share=0.3, seed=11, outdated_hub_share=0.05)


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


def test_a_warm_run_makes_only_the_list_calls_and_the_few_details(
    tenant: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server = simulator(tenant)
    cache = tmp_path / "cache"
    cold_snapshot, cold = audit(server, tenant, tmp_path, cache)
    cold_counts = by_endpoint(server)
    minimum = minimum_requests(tenant)
    assert sum(cold_counts.values()) == minimum["total"]

    server.reset_log()
    warm_snapshot, warm = audit(server, tenant, tmp_path, cache)
    warm_counts = by_endpoint(server)
    assert "device_apps" not in warm_counts
    lists = {k: v for k, v in minimum["by_endpoint"].items() if k not in RECOLLECTED and v}
    lists.pop("device_apps")
    assert {k: v for k, v in warm_counts.items() if k not in RECOLLECTED} == lists
    assert set(lists) >= set(LIST_ENDPOINTS)
    assert {k: warm_counts[k] for k in RECOLLECTED} == {
        k: minimum["by_endpoint"][k] for k in RECOLLECTED
    }
    assert sum(warm_counts.values()) == minimum["total"] - minimum["windows_in_scope"]

    assert verdicts(warm) == verdicts(cold)
    windows = minimum["windows_in_scope"]
    assert warm_snapshot.stats["cache_hits"] == windows
    cached = [r for r in warm_snapshot.requests if r.get("cached")]
    assert len(cached) == windows and all(r["purpose"].startswith("device_apps:") for r in cached)
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
    asked = [e.path for e in server.log if e.endpoint == "device_apps"]
    assert asked == [f"/api/mdm/devices/{moved['id']}/apps"]
    hub = next(c for c in warm["checks"] if c["id"] == "hub_version")
    assert hub["status"] == "fail" and any("19.1.0.0" in row for row in hub["evidence"]["rows"])


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
    assert len(first["entries"]) == windows
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
    assert len(second["entries"]) == windows - 1
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
    assert by_endpoint(server)["device_apps"] == minimum_requests(tenant)["windows_in_scope"]


def test_without_cache_dir_nothing_is_cached(
    tenant: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server = simulator(tenant)
    config, _ = tenant_config(server.url, tenant, tmp_path)
    pipeline.collect(config)
    server.reset_log()
    pipeline.collect(config)
    assert by_endpoint(server)["device_apps"] == minimum_requests(tenant)["windows_in_scope"]
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
