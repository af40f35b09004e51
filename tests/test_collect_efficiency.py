"""Collection makes the fewest requests, within its budget, and backs off under 429s.

Request counts come from the simulator's own log and are compared with the minimum
computed from the tenant data (``tests/bench/minimum.py``); concurrency is asserted on the
limiter's state. Nothing here is timed.
"""

from __future__ import annotations

import asyncio
import copy
import datetime as dt
import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from bench.minimum import DETAIL_ENDPOINTS, by_route, minimum_requests
from sim_helpers import tenant_config

from audit import pipeline
from audit.simulator import generate_tenant, load_scenario
from audit.simulator.generator import HUB_APP
from audit.simulator.render.apps import app_bundle_id
from audit.simulator.tenant import device_uuid
from audit.trim import trim_device_page, trim_inventory

FIVE_DAYS_AGO = dt.date.today() - dt.timedelta(days=5)


@pytest.fixture(scope="module")
def generated() -> dict[str, Any]:
    """A small generated tenant: about 75 Windows devices in scope, no outdated Hub, and the
    Hub not in the app catalogue (every device's Hub is read per device)."""
    return generate_tenant(
        400, windows_share=0.25, seed=7, outdated_hub_share=0.0, hub_in_catalog=0.0
    )


#: The Hub in the app catalogue for every device, for about half, for none.
HUB_KINDS = {"hub-in-lists": 1.0, "hub-partly-in-lists": 0.5, "hub-not-in-catalogue": 0.0}


def by_endpoint(server: Any) -> dict[str, int]:
    return dict(Counter(e.endpoint for e in server.log))


class InstantSleeps(list[float]):
    """A client sleep (backoff, Retry-After) that returns at once, for
    ``pipeline.collect(config, sleep=...)``; the list holds the sleeps asked for."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        await asyncio.sleep(0)


def verdicts(results: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [
        (c["id"], c["status"], c["summary"], c["evidence"]["rows"], c["evidence"]["total_rows"])
        for c in results["checks"]
    ]


# -- no wasted requests -------------------------------------------------------------------------


@pytest.mark.parametrize("hub", list(HUB_KINDS))
@pytest.mark.parametrize(
    ("knobs", "page_size"),
    [
        pytest.param({}, 500, id="plain"),
        pytest.param({"page_size_cap": 20}, 20, id="server-caps-pages-at-20"),
        pytest.param({"faults": "v1only"}, 500, id="v1-only-server"),
    ],
)
def test_a_cold_run_makes_exactly_the_minimum(
    simulator: Any,
    tmp_path: Path,
    knobs: dict[str, Any],
    page_size: int,
    hub: str,
) -> None:
    tenant = generate_tenant(
        400, windows_share=0.25, seed=7, outdated_hub_share=0.05, hub_in_catalog=HUB_KINDS[hub]
    )
    server = simulator(tenant, **knobs)
    config, _ = tenant_config(server.url, tenant, tmp_path)
    snapshot = pipeline.collect(config)
    minimum = minimum_requests(tenant, page_size=page_size)
    assert by_endpoint(server) == by_route(minimum["by_endpoint"])
    assert len(server.log) == minimum["total"] == snapshot.stats["requests_sent"]
    assert minimum["windows_in_scope"] > 50
    per_device = minimum["by_endpoint"]["device_app_search"]
    if hub == "hub-in-lists":
        assert per_device == 0 and minimum["by_endpoint"]["hub_devices"] >= 1
    else:
        assert per_device >= minimum["hub_read_per_device"] > 10
    assert snapshot.stats["hub_versions_from_lists"] == minimum["hub_from_lists"]
    assert not snapshot.gaps


def test_both_hub_routes_give_the_same_results(simulator: Any, tmp_path: Path) -> None:
    """The same tenant with its Hub in the catalogue and without: the same verdicts and
    versions; only the evidence's "Read from" column says which path each came from."""
    results = {}
    for name, share in HUB_KINDS.items():
        tenant = generate_tenant(
            400, windows_share=0.25, seed=7, outdated_hub_share=0.1, hub_in_catalog=share
        )
        server = simulator(tenant)
        config, _ = tenant_config(server.url, tenant, tmp_path)
        results[name] = pipeline.evaluate(pipeline.collect(config), config)
    hub = {name: _check(r, "hub_version") for name, r in results.items()}
    assert hub["hub-in-lists"]["status"] == "fail"
    read_from = {name: {row[4] for row in h["evidence"]["rows"]} for name, h in hub.items()}
    assert read_from["hub-in-lists"] == {"GET /api/mam/apps/internal/devices"}
    assert read_from["hub-not-in-catalogue"] == {"GET /api/mdm/devices/{deviceUuid}/apps/search"}
    assert len(read_from["hub-partly-in-lists"]) == 2
    comparable = {name: _without_read_from(r) for name, r in results.items()}
    assert comparable["hub-in-lists"] == comparable["hub-partly-in-lists"]
    assert comparable["hub-in-lists"] == comparable["hub-not-in-catalogue"]


def test_a_hub_catalogued_under_another_name_is_found_by_its_bundle_id(
    simulator: Any, tmp_path: Path
) -> None:
    """No app is named like the Hub: the first device's Hub row gives the bundle id, which
    finds the catalogue app in the apps list; the rest come from its app-centric list."""
    tenant = generate_tenant(400, windows_share=0.25, seed=7, outdated_hub_share=0.0)
    hub_app = next(a for a in tenant["apps"] if a["id"] == HUB_APP["id"])
    hub_app.update(name="Windows agent (MSI)", bundle_id=app_bundle_id(HUB_APP))
    server = simulator(tenant)
    config, _ = tenant_config(server.url, tenant, tmp_path)
    snapshot = pipeline.collect(config)
    made = by_endpoint(server)
    assert made["device_app_search"] == 1 and made["hub_devices"] == 1 and made["apps"] == 1
    windows = minimum_requests(tenant)["windows_in_scope"]
    assert snapshot.stats["hub_versions_from_lists"] == windows - 1
    assert _check(pipeline.evaluate(snapshot, config), "hub_version")["status"] == "pass"


def _check(results: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in results["checks"] if c["id"] == check_id)


def _without_read_from(results: dict[str, Any]) -> list[tuple[Any, ...]]:
    out = []
    for c in results["checks"]:
        cols = c["evidence"]["columns"]
        keep = [i for i, col in enumerate(cols) if col != "Read from"]
        rows = sorted(tuple(row[i] for i in keep) for row in c["evidence"]["rows"])
        out.append((c["id"], c["status"], c["summary"], rows))
    return out


def test_the_ready_scenario_costs_the_minimum_and_no_og_detail(
    simulator: Any, tmp_path: Path
) -> None:
    tenant = load_scenario("ready")
    server = simulator(tenant)
    config, _ = tenant_config(server.url, tenant, tmp_path)
    pipeline.collect(config)
    made = by_endpoint(server)
    assert "og_detail" not in made  # the v2 search row (or the children answer) has the Uuid
    assert sum(made.values()) == minimum_requests(tenant)["total"]
    # details only for what touches the Drop Ship smart group: 4 apps, 2 profiles, and the
    # criteria of the 3 smart groups managed in the subtree (not the sibling customer's)
    assert (made["app_detail"], made["profile_detail"], made["smart_group"]) == (4, 2, 3)


def test_no_inventory_for_devices_outside_scope_or_not_windows(
    generated: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server = simulator(generated)
    config, _ = tenant_config(server.url, generated, tmp_path)
    pipeline.collect(config)
    searched = [e.path for e in server.log if e.endpoint == "device_app_search"]
    asked = {path.split("/")[4] for path in searched}
    subtree = {570, 571, 572, 573}
    expected = {
        device_uuid(d)
        for d in generated["devices"]
        if d["platform"] == "WinRT" and d["og_id"] in subtree
    }
    assert asked == expected and len(searched) == len(asked)


# -- trimming keeps what the checks read ----------------------------------------------------


def test_inventory_trimming_keeps_the_hub_rows_and_says_what_was_dropped() -> None:
    page = {
        "DeviceApps": [
            {"ApplicationName": "7-Zip", "Version": "23.1"},
            {"ApplicationName": "Workspace ONE Intelligent Hub Installer", "Version": "24.10"},
            {"ApplicationName": "AirWatch Agent", "Version": "9.2"},
        ],
        "Page": 0,
        "PageSize": 500,
        "Total": 3,
    }
    body, info = trim_inventory(page)
    assert [r["ApplicationName"] for r in body["DeviceApps"]] == [
        "Workspace ONE Intelligent Hub Installer",
        "AirWatch Agent",
    ]
    assert body["Total"] == 3 and info == {
        "rows_received": 3,
        "rows_kept": 2,
        "kept": info and info["kept"],
    }
    assert trim_inventory({"DeviceApps": page["DeviceApps"][1:2]}) == (
        {"DeviceApps": page["DeviceApps"][1:2]},
        None,
    )
    assert trim_inventory({"unexpected": 1}) == ({"unexpected": 1}, None)
    bare, bare_info = trim_inventory(page["DeviceApps"])
    assert len(bare) == 2 and bare_info is not None


def test_device_trimming_drops_personal_fields_and_keeps_what_the_audit_reads() -> None:
    row = {
        "Id": {"Value": 1},
        "Uuid": "u-1",
        "SerialNumber": "5CG1",
        "DeviceFriendlyName": "RND-1",
        "LocationGroupId": {"Id": {"Value": 570}},
        "Platform": "WinRT",
        "LastSeen": "2026-01-01T00:00:00",
        "EnrollmentStatus": "Enrolled",
        "UserEmailAddress": "someone@contoso.com",
        "MacAddress": "AA",
    }
    swap: dict[int, dict[str, Any]] = {}
    body, info = trim_device_page({"Devices": [row], "Total": 1}, swap)
    kept = body["Devices"][0]
    assert "UserEmailAddress" not in kept and "MacAddress" not in kept
    assert {k: row[k] for k in kept} == kept and len(kept) == 8
    assert info is not None and info["fields_dropped"] == ["MacAddress", "UserEmailAddress"]
    assert swap[id(row)] is kept


def test_trimmed_snapshot_gives_the_same_results_as_an_untrimmed_reading(
    generated: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    """The records say what was trimmed, and the Hub verdict is read from what was kept:
    the app search per device answers only the Hub's rows (nothing to trim), the
    app-centric lists lose their user names, the device search its personal fields."""
    tenant = generate_tenant(400, windows_share=0.25, seed=7, hub_in_catalog=0.5)
    server = simulator(tenant)
    config, _ = tenant_config(server.url, tenant, tmp_path)
    snapshot = pipeline.collect(config)
    searches = [r for r in snapshot.requests if r["purpose"].startswith("device_app_search:")]
    assert searches and not any(r.get("trimmed") for r in searches)
    assert all(len(r["body"]["app_items"]) == 1 for r in searches)
    lists = [r for r in snapshot.requests if r["purpose"].startswith("hub_devices:")]
    assert lists and all("enrollment_user_name" in r["trimmed"]["fields_dropped"] for r in lists)
    assert "enrollment_user_name" not in json.dumps([r["body"] for r in lists])
    pages = [r for r in snapshot.requests if r["purpose"] == "devices"]
    assert all("UserEmailAddress" in r["trimmed"]["fields_dropped"] for r in pages)
    results = pipeline.evaluate(snapshot, config)
    hub = next(c for c in results["checks"] if c["id"] == "hub_version")
    assert hub["status"] == "fail", hub["summary"]  # 2% of the devices run an old Hub
    per_device = {r["purpose"] for r in searches}
    windows = minimum_requests(tenant)["windows_in_scope"]
    assert snapshot.stats["hub_versions_from_lists"] + len(per_device) == windows


# -- the budget ---------------------------------------------------------------------------------


def test_the_budget_is_never_exceeded_and_hub_version_warns_with_counts(
    generated: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    minimum = minimum_requests(generated)
    budget = minimum["total"] - 40  # 40 inventories short
    server = simulator(generated)
    config, _ = tenant_config(
        server.url, generated, tmp_path, overrides={"collect": {"request_budget": budget}}
    )
    snapshot = pipeline.collect(config)
    assert len(server.log) <= budget
    assert snapshot.stats["requests_sent"] <= budget
    made = by_endpoint(server)
    # the budget went to the detail calls first: every one was made
    for endpoint in ("smart_group", "app_detail", "profile_detail"):
        assert made[endpoint] == minimum["by_endpoint"][endpoint]
    read = made["device_app_search"]
    listed = minimum["windows_in_scope"]
    assert read == budget - (minimum["total"] - listed) and read < listed
    assert snapshot.stats["inventories_cut_by_budget"] == listed - read
    budget_gaps = [g for g in snapshot.gaps if g["kind"] == "budget"]
    assert len(budget_gaps) == 1 and f"{listed - read} of {listed}" in budget_gaps[0]["reason"]

    results = pipeline.evaluate(snapshot, config)
    checks = {c["id"]: c for c in results["checks"]}
    hub = checks["hub_version"]
    assert hub["status"] == "warn"
    assert f"read for {read} of {listed} Windows devices" in hub["summary"]
    assert hub["evidence"]["total_rows"] == listed - read
    assert checks["app_assignments_device_auto"]["status"] == "pass"


@pytest.mark.parametrize("budget", [1, 5, 12])
def test_a_tiny_budget_is_never_exceeded(
    generated: dict[str, Any], simulator: Any, tmp_path: Path, budget: int
) -> None:
    server = simulator(generated)
    config, _ = tenant_config(
        server.url, generated, tmp_path, overrides={"collect": {"request_budget": budget}}
    )
    snapshot = pipeline.collect(config)
    assert len([e for e in server.log if e.path.startswith("/api/")]) <= budget
    assert snapshot.stats["requests_sent"] <= budget
    assert any(g["kind"] == "budget" for g in snapshot.gaps)


def test_the_budget_holds_under_429s_retries_included(
    generated: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    budget = 60
    server = simulator(generated, faults="429:0.2", seed=3)
    config, _ = tenant_config(
        server.url, generated, tmp_path, overrides={"collect": {"request_budget": budget}}
    )
    snapshot = pipeline.collect(config, sleep=InstantSleeps())
    assert any(e.status == 429 for e in server.log)
    assert len(server.log) <= budget and snapshot.stats["requests_sent"] <= budget


# -- adaptive concurrency -------------------------------------------------------------------


def test_a_clean_run_uses_the_configured_concurrency_and_never_more(
    generated: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server = simulator(generated, latency_ms=5)
    config, _ = tenant_config(
        server.url, generated, tmp_path, overrides={"collect": {"concurrency": 6}}
    )
    snapshot = pipeline.collect(config)
    used = snapshot.stats["concurrency"]
    assert used["max_in_flight"] == 6
    assert used == {**used, "max": 6, "min_seen": 6, "decreases": 0, "final": 6}


def test_concurrency_shrinks_under_429s_and_results_stay_the_same(
    generated: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    clean_server = simulator(generated)
    config, _ = tenant_config(clean_server.url, generated, tmp_path)
    clean = pipeline.evaluate(pipeline.collect(config), config)
    clean_requests = len(clean_server.log)

    asked = InstantSleeps()
    server = simulator(generated, faults="429:0.1", seed=5)
    config, _ = tenant_config(server.url, generated, tmp_path)
    snapshot = pipeline.collect(config, sleep=asked)
    throttled = sum(1 for e in server.log if e.status == 429)
    assert throttled >= 5
    used = snapshot.stats["concurrency"]
    assert used["decreases"] >= 1
    assert used["min_seen"] <= 4 < used["max"] == 8  # halved at least once
    assert used["max_in_flight"] <= 8
    assert asked.count(1.0) == throttled  # each 429 waited its Retry-After, once
    assert snapshot.stats["retries"] == throttled
    assert len(server.log) <= 1.2 * clean_requests
    assert verdicts(pipeline.evaluate(snapshot, config)) == verdicts(clean)


def test_details_are_fetched_once_each(
    generated: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server = simulator(generated)
    config, _ = tenant_config(server.url, generated, tmp_path)
    pipeline.collect(config)
    paths = Counter(e.path for e in server.log if e.endpoint in DETAIL_ENDPOINTS)
    assert paths and max(paths.values()) == 1


def test_oauth_fetches_one_token_per_lifetime_for_the_whole_collection(
    generated: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server = simulator(generated)
    config, _ = tenant_config(
        server.url,
        generated,
        tmp_path,
        overrides={
            "tenant": {
                "auth": "oauth",
                "client_id": generated["credentials"]["client_id"],
                "client_secret_env": "SIM_CLIENT_SECRET",
                "token_url": server.token_url,
            }
        },
    )
    snapshot = pipeline.collect(config)
    assert server.tokens_issued == 1 and snapshot.stats["token_fetches"] == 1
    api = [e for e in server.log if e.path.startswith("/api/")]
    assert len(api) == minimum_requests(generated)["total"] - 1  # discovery is not /api
    assert all(e.status == 200 for e in api)


# -- the limiter under a long queue -----------------------------------------------------------


def test_the_limiter_serves_a_long_queue_in_order_and_within_the_limit() -> None:
    from audit.uem.limiter import AdaptiveLimiter

    limiter = AdaptiveLimiter(4)
    order: list[int] = []
    peak = 0

    async def one(n: int) -> None:
        nonlocal peak
        async with limiter.slot() as held:
            order.append(n)
            peak = max(peak, limiter.in_flight)
            await asyncio.sleep(0)
            if n == 100:
                limiter.on_congestion(held)  # 4 -> 2 for the rest of the queue

    async def scenario() -> None:
        await asyncio.gather(*(one(n) for n in range(3000)))

    asyncio.run(scenario())
    assert order == list(range(3000))
    assert peak == 4 and limiter.max_in_flight_seen == 4
    assert limiter.in_flight == 0 and limiter.decreases == 1 and limiter.min_limit_seen == 2


def test_a_waiter_granted_then_cancelled_gives_its_slot_back() -> None:
    from audit.uem.limiter import AdaptiveLimiter

    limiter = AdaptiveLimiter(1)

    async def scenario() -> None:
        gate = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []

        async def hold() -> None:
            async with limiter.slot():
                await gate.wait()

        async def hold_then_cancel_the_waiter() -> None:
            async with limiter.slot():
                await gate.wait()
            # the release handed the slot to the waiter, which has not run yet
            assert limiter.in_flight == 1
            tasks[0].cancel()

        holder = asyncio.create_task(hold_then_cancel_the_waiter())
        await asyncio.sleep(0)
        tasks.append(asyncio.create_task(hold()))
        await asyncio.sleep(0)
        gate.set()
        await holder
        with pytest.raises(asyncio.CancelledError):
            await tasks[0]
        assert limiter.in_flight == 0
        async with limiter.slot():
            assert limiter.in_flight == 1

    asyncio.run(scenario())


# -- details only as far as they can change a verdict ---------------------------------------------


def _run(tenant: dict[str, Any], simulator: Any, tmp_path: Path, **collect: Any) -> Any:
    server = simulator(tenant)
    config, _ = tenant_config(server.url, tenant, tmp_path, overrides={"collect": collect})
    snapshot = pipeline.collect(config)
    return server, pipeline.evaluate(snapshot, config)


def _status(results: dict[str, Any], check_id: str) -> str:
    return str(next(c for c in results["checks"] if c["id"] == check_id)["status"])


def test_a_smart_group_managed_by_an_ancestor_counts(simulator: Any, tmp_path: Path) -> None:
    """The Drop Ship smart group is managed by the grandparent (Global): the parent (a new
    partner OG between Global and contoso) is known from the children answer, one level
    above it is read to place the owner, and the group's criteria are then read."""
    tenant = load_scenario("ready")
    tenant["org_groups"].append(
        {
            "id": 565,
            "uuid": "5b0f9a1e-0c1d-4e7a-9a55-3f1f2d9b6565",
            "group_id": "partner",
            "name": "Partner",
            "type": "Partner",
            "parent_id": 7,
        }
    )
    next(o for o in tenant["org_groups"] if o["id"] == 570)["parent_id"] = 565
    next(s for s in tenant["smart_groups"] if s["id"] == 12)["og_id"] = 7
    server, results = _run(tenant, simulator, tmp_path)
    made = by_endpoint(server)
    minimum = minimum_requests(tenant)
    assert made["og_detail"] == 1  # the simulator's route that answers og_ancestor
    assert minimum["by_endpoint"]["og_ancestor"] == 1 and len(server.log) == minimum["total"]
    for check_id in ("smart_group_tag_criteria", "login_experience", "payloads_assigned"):
        assert _status(results, check_id) == "pass", check_id


def test_an_inactive_profile_is_not_read_and_does_not_count(simulator: Any, tmp_path: Path) -> None:
    tenant = load_scenario("ready")
    next(p for p in tenant["profiles"] if p["id"] == 201)["status"] = "Inactive"
    server, results = _run(tenant, simulator, tmp_path)
    assert by_endpoint(server)["profile_detail"] == 1  # 202 only: 201 assigns nothing
    assert len(server.log) == minimum_requests(tenant)["total"]
    assert _status(results, "login_experience") == "fail"
    assert _status(results, "payloads_assigned") == "pass"  # 202 and the apps remain


def test_token_details_stop_once_the_tag_verdict_is_decided(
    generated: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    tenant = copy.deepcopy(generated)
    customer = next(o["uuid"] for o in tenant["org_groups"] if o["id"] == 570)
    regs = [r for r in tenant["registrations"] if r.get("og_uuid") == customer]
    regs[1]["tags"] = []  # the second token of the list carries no Drop Ship tag
    needed = minimum_requests(tenant)["by_endpoint"]["registration_detail"]
    assert needed == 2 < len(regs)
    # One worker: the stop rule alone, exactly the minimum.
    server, results = _run(tenant, simulator, tmp_path / "one", concurrency=1)
    assert by_endpoint(server)["registration_detail"] == needed
    # Two workers: at most one request is in flight when the verdict is decided, but a
    # loaded machine may answer the third and fourth tokens before the second (CI once
    # read 4), so only "stops early" is independent of timing here.
    server, results = _run(tenant, simulator, tmp_path / "two", concurrency=2)
    assert needed <= by_endpoint(server)["registration_detail"] < len(regs)
    verdict = next(c for c in results["checks"] if c["id"] == "devices_registered")
    assert verdict["status"] == "warn" and "At least 1 registered device(s)" in verdict["summary"]
    assert "the verdict was decided" in verdict["summary"]


def test_every_token_detail_is_read_when_every_token_is_tagged(
    generated: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server, results = _run(generated, simulator, tmp_path)
    minimum = minimum_requests(generated)["by_endpoint"]
    assert by_endpoint(server)["registration_detail"] == minimum["registration_detail"]
    assert minimum["registration_detail"] == minimum_regs(generated)
    assert _status(results, "devices_registered") == "pass"


def minimum_regs(tenant: dict[str, Any]) -> int:
    customer = next(o["uuid"] for o in tenant["org_groups"] if o["id"] == 570)
    return sum(1 for r in tenant["registrations"] if r.get("og_uuid") == customer)
