"""The simulator's newer endpoints: the Drop Ship settings, the last OEM sync, the Hub's
app-centric device lists, the app search per device, an older console without them, and a
quota window of any size (their shapes: ``tests/test_vendor_contract.py``)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from audit.simulator import SimulatorServer, generate_tenant, load_scenario
from audit.simulator.render.apps import app_bundle_id
from audit.simulator.tenant import TenantError, device_uuid, validate_tenant

CONTOSO = "cc156ddf-a5cb-5dfb-8352-2accb448b7ea"
HUB = "Workspace ONE Intelligent Hub Installer"


def client(server: SimulatorServer) -> httpx.Client:
    creds = server.tenant["credentials"]
    return httpx.Client(
        base_url=server.url,
        auth=(creds["username"], creds["password"]),
        headers={"aw-tenant-code": creds["tenant_code"], "Accept": "application/json;version=1"},
        timeout=10,
    )


@pytest.fixture(scope="module")
def ready() -> dict[str, Any]:
    return load_scenario("ready")


@pytest.fixture(scope="module")
def api(ready: dict[str, Any]) -> Iterator[httpx.Client]:
    with SimulatorServer(ready) as server, client(server) as c:
        yield c


def test_the_drop_ship_settings_of_an_og_and_every_og_below_it(api: httpx.Client) -> None:
    body = api.get(f"/api/system/groups/{CONTOSO}/dropship-provisioning").json()
    assert body["enable_dropship_provisioning"] is True
    assert body["username"] == "dropship-contoso" and body["password"]  # in clear, as served
    below = {s["name"]: s["enable_dropship_provisioning"] for s in body["sub_organization_groups"]}
    assert below == {"Contoso R&D": False, "Contoso Kiosks": False, "Contoso R&D EMEA": False}
    unknown = api.get(
        "/api/system/groups/00000000-0000-4000-8000-000000000000/dropship-provisioning"
    )
    assert unknown.status_code == 404 and unknown.json()["errorCode"] == 6008


def test_the_last_sync_is_hours_before_the_day_the_simulator_started(api: httpx.Client) -> None:
    body = api.get(f"/api/mdm/groups/{CONTOSO}/last-sync").json()
    when = dt.datetime.fromisoformat(body["last_sync"].replace("Z", "+00:00"))
    today = dt.datetime.now(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    assert when == today - dt.timedelta(hours=3)
    never = api.get("/api/mdm/groups/0471a98a-c5c2-5c6d-8246-07ea8de18f80/last-sync")
    assert never.status_code == 200 and never.json() == {}  # contoso-lab never synced


def test_the_hubs_app_centric_list_shows_the_devices_it_tracks(
    api: httpx.Client, ready: dict[str, Any]
) -> None:
    hub_app = next(a for a in ready["apps"] if a["id"] == 130)
    params = {
        "bundleid": app_bundle_id(hub_app),
        "devicetype": "WinRT",
        "apporganizationgroupuuid": CONTOSO,
        "organizationgroupuuid": CONTOSO,
    }
    # the Hub app is assigned to no smart group: by default (assigned devices) nothing
    assert api.get("/api/mam/apps/internal/devices", params=params).json() == {
        "devices": [],
        "TotalResults": 0,
    }
    body = api.get(
        "/api/mam/apps/internal/devices", params={**params, "isnotassigned": "true"}
    ).json()
    listed = {row["device_id"]: row["installed_version"] for row in body["devices"]}
    windows = [
        d
        for d in ready["devices"]
        if d["platform"] == "WinRT" and d["og_id"] in (570, 571, 572, 573)
    ]
    enrolled = {d["id"] for d in windows if any(a.get("in_catalog") is False for a in d["apps"])}
    assert enrolled == {1010, 1011}  # their Hub came with enrolment: the list misses them
    assert set(listed) == {d["id"] for d in windows} - enrolled
    assert listed[1001] == "24.10.2.0" and body["TotalResults"] == len(listed)
    assert all(row["installed_status"] == "Installed" for row in body["devices"])
    by_version = api.get(
        f"/api/mam/apps/{hub_app['uuid']}/devices",
        params={
            "isinstalled": "true",
            "organizationgroupuuid": CONTOSO,
            "page": 0,
            "pagesize": 500,
        },
    ).json()
    assert {r["installed_version"] for r in by_version["devices"]} == {"24.10.2.0"}
    wrong = api.get("/api/mam/apps/internal/devices", params={**params, "bundleid": "{X}"})
    assert wrong.status_code == 404


def test_the_app_search_per_device_filters_by_name(
    api: httpx.Client, ready: dict[str, Any]
) -> None:
    device = next(d for d in ready["devices"] if d["id"] == 1010)
    path = f"/api/mdm/devices/{device_uuid(device)}/apps/search"
    hub = api.get(path, params={"searchtext": "Intelligent Hub"}).json()
    assert [i["name"] for i in hub["app_items"]] == [HUB] and hub["TotalResults"] == 1
    assert hub["app_items"][0]["installed_version"] == "24.10.2.0"
    everything = api.get(path).json()
    assert everything["TotalResults"] == len(device["apps"]) > 1
    nothing = api.get(path, params={"searchtext": "AirWatch Agent"}).json()
    assert nothing == {"app_items": [], "TotalResults": 0}


def test_an_older_console_answers_its_missing_endpoints_with_iis_html(
    ready: dict[str, Any],
) -> None:
    tenant = copy.deepcopy(ready)
    tenant["absent_endpoints"] = ["dropship_settings", "device_app_search"]
    with SimulatorServer(tenant) as server, client(server) as api:
        gone = api.get(f"/api/system/groups/{CONTOSO}/dropship-provisioning")
        assert gone.status_code == 404 and gone.headers["content-type"].startswith("text/html")
        assert api.get(f"/api/mdm/groups/{CONTOSO}/last-sync").status_code == 200
    with pytest.raises(TenantError, match="absent_endpoints"):
        validate_tenant({**copy.deepcopy(ready), "absent_endpoints": "all"})


def test_a_per_minute_quota_window_resets_on_the_simulators_clock(ready: dict[str, Any]) -> None:
    now = [1_900_000_000.0]
    with (
        SimulatorServer(
            ready, ratelimit_limit=3, ratelimit_window_s=60, clock=lambda: now[0]
        ) as server,
        client(server) as api,
    ):
        seen = [api.get("/api/system/info") for _ in range(4)]
        assert [r.status_code for r in seen] == [200, 200, 200, 429]
        assert [r.headers["x-ratelimit-remaining"] for r in seen] == ["2", "1", "0", "0"]
        assert {r.headers["x-ratelimit-limit"] for r in seen} == {"3"}
        reset = int(seen[0].headers["x-ratelimit-reset"])
        assert reset == 1_900_000_060 and seen[3].headers["retry-after"] == "60"
        now[0] = reset + 1  # the window passes
        again = api.get("/api/system/info")
        assert again.status_code == 200 and again.headers["x-ratelimit-remaining"] == "2"
        assert int(again.headers["x-ratelimit-reset"]) == reset + 60


def test_the_generator_puts_the_hub_in_the_catalogue_as_asked() -> None:
    full, half, none = (generate_tenant(300, seed=4, hub_in_catalog=s) for s in (1.0, 0.5, 0.0))
    assert any(a["id"] == 130 for a in full["apps"]) and not any(
        a["id"] == 130 for a in none["apps"]
    )

    def enrolled(tenant: dict[str, Any]) -> int:
        return sum(1 for d in tenant["devices"] for a in d["apps"] if a.get("in_catalog") is False)

    assert enrolled(full) == 0 < enrolled(half) < enrolled(none)
    # the same devices whatever the share: only where their Hub came from differs
    assert [d["id"] for d in full["devices"]] == [d["id"] for d in none["devices"]]
    assert [d["apps"][0].get("version") for d in full["devices"]] == [
        d["apps"][0].get("version") for d in none["devices"]
    ]
