"""Tests of the UEM simulator over real HTTP on loopback (audit/simulator)."""

from __future__ import annotations

import copy
import io
import json
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from audit.simulator import (
    FaultPlan,
    FaultSpecError,
    SimulatorServer,
    TenantError,
    generate_tenant,
    load_scenario,
    scenario_names,
    serve,
    validate_tenant,
)
from audit.simulator.tenant import TenantIndex

ACCEPT_V1 = "application/json;version=1"
ACCEPT_V2 = "application/json;version=2"


@pytest.fixture(scope="module")
def ready() -> dict[str, Any]:
    return load_scenario("ready")


@pytest.fixture(scope="module")
def server(ready: dict[str, Any]) -> Iterator[SimulatorServer]:
    with SimulatorServer(ready) as running:
        yield running


def client(server: SimulatorServer, **headers: str) -> httpx.Client:
    """A client with Basic auth and the tenant code of the served tenant."""
    creds = server.tenant["credentials"]
    base = {"aw-tenant-code": creds["tenant_code"], "Accept": ACCEPT_V1}
    base.update({k.replace("_", "-"): v for k, v in headers.items()})
    return httpx.Client(
        base_url=server.url, auth=(creds["username"], creds["password"]), headers=base, timeout=10
    )


@pytest.fixture
def api(server: SimulatorServer) -> Iterator[httpx.Client]:
    with client(server) as c:
        yield c


def og(tenant: dict[str, Any], group_id: str) -> dict[str, Any]:
    return next(o for o in tenant["org_groups"] if o["group_id"] == group_id)


# -- tenant data ---------------------------------------------------------------------


def test_bundled_scenarios_load_and_validate() -> None:
    assert {"ready", "not-ready"} <= set(scenario_names())
    for name in scenario_names():
        tenant = load_scenario(name)
        assert tenant["description"]
        assert {"username", "password", "tenant_code", "client_id", "client_secret"} <= set(
            tenant["credentials"]
        )
        TenantIndex(tenant)


def test_scenario_contents_match_their_story() -> None:
    ready, not_ready = load_scenario("ready"), load_scenario("not-ready")
    assert ready["system"]["ProductVersion"] == "23.10.0.5"
    assert og(ready, "contoso")["type"] == "Customer"
    assert og(not_ready, "contoso")["type"] == "Container"
    assert not_ready["system"]["ProductVersion"] == "21.2.0.1"
    assert ready["discovery"]["contoso.com"]["group_id"] == "contoso"
    assert not_ready["discovery"]["contoso.com"]["group_id"] != "contoso"
    contoso = og(not_ready, "contoso")["uuid"]
    assert not [r for r in not_ready["registrations"] if r["og_uuid"] == contoso]


def test_unknown_scenario_and_broken_tenant_are_clear_errors(ready: dict[str, Any]) -> None:
    with pytest.raises(TenantError, match="unknown scenario 'nope'"):
        load_scenario("nope")
    broken = json.loads(json.dumps(ready))
    broken["devices"][0]["og_id"] = 999
    with pytest.raises(TenantError, match=r"devices\[0\]\.og_id: unknown organization group"):
        validate_tenant(broken)
    cyclic = json.loads(json.dumps(ready))
    cyclic["org_groups"][0]["parent_id"] = 570
    with pytest.raises(TenantError, match="cycle"):
        validate_tenant(cyclic)
    with pytest.raises(TenantError):
        validate_tenant([])


# -- endpoint shapes -----------------------------------------------------------------


def test_system_info(api: httpx.Client) -> None:
    response = api.get("/api/system/info")
    assert response.status_code == 200
    assert response.json()["ProductVersion"] == "23.10.0.5"
    assert response.headers["x-api-version"] == "v1"


def test_og_search_v2_shape_and_substring_match(api: httpx.Client) -> None:
    response = api.get(
        "/api/system/groups/search", params={"groupid": "CONTOSO"}, headers={"Accept": ACCEPT_V2}
    )
    assert response.headers["x-api-version"] == "v2"
    assert response.headers["api-supported-versions"] == "1, 2"
    body = response.json()
    groups = {row["GroupId"]: row for row in body["OrganizationGroups"]}
    assert {"contoso", "contoso-lab", "contoso-rnd"} <= set(groups)
    assert "fabrikam" not in groups
    assert body["TotalResults"] == len(groups)
    assert isinstance(groups["contoso"]["Id"], int)
    assert groups["contoso"]["Uuid"] and groups["contoso"]["LocationGroupType"] == "Customer"


def test_og_search_v1_has_no_uuid(api: httpx.Client) -> None:
    body = api.get("/api/system/groups/search", params={"groupid": "contoso"}).json()
    row = next(r for r in body["LocationGroups"] if r["GroupId"] == "contoso")
    assert row["Id"] == {"Value": 570}
    assert "Uuid" not in json.dumps(body)
    assert body["Total"] == len(body["LocationGroups"]) and body["Page"] == 0


def test_version_fallback_is_silent(api: httpx.Client) -> None:
    response = api.get(
        "/api/system/groups/search", headers={"Accept": "application/json;version=4"}
    )
    assert response.headers["x-api-version"] == "v2" and "OrganizationGroups" in response.json()
    response = api.get("/api/system/groups/570/children", headers={"Accept": ACCEPT_V2})
    assert response.status_code == 200
    assert response.headers["x-api-version"] == "v1"
    assert response.headers["api-supported-versions"] == "1"
    response = api.get("/api/v2/system/groups/search", params={"groupid": "fabrikam"})
    assert response.headers["x-api-version"] == "v2"
    assert response.json()["OrganizationGroups"][0]["GroupId"] == "fabrikam"


def test_og_detail_and_children(api: httpx.Client, ready: dict[str, Any]) -> None:
    detail = api.get("/api/system/groups/570").json()
    assert detail["Uuid"] == og(ready, "contoso")["uuid"]
    assert detail["ParentLocationGroup"]["Id"] == {"Value": 7}
    children = api.get("/api/system/groups/570/children").json()
    assert isinstance(children, list)
    ids = [row["Id"]["Value"] for row in children]
    assert ids[0] == 570 and set(ids) == {570, 571, 572, 573}
    emea = next(row for row in children if row["Id"]["Value"] == 573)
    assert emea["ParentLocationGroup"] == {
        "Id": {"Value": 571},
        "Uuid": og(ready, "contoso-rnd")["uuid"],
    }
    assert api.get("/api/system/groups/4242").status_code == 404


def test_tags_and_smart_groups_are_scoped(api: httpx.Client) -> None:
    tags = api.get("/api/mdm/tags/search", params={"organizationgroupid": 570}).json()
    # Tag1 rows carry no owning OG: the sibling customer's "RnD" (id 9) is simply not listed
    assert {(t["TagName"], t["Id"]["Value"]) for t in tags["Tags"]} == {
        ("RnD", 5),
        ("Kiosk", 6),
        ("Loaner", 7),
    }
    assert set(tags["Tags"][0]) == {"Id", "TagName", "TagAvatar", "Uuid", "DateTagged"}
    assert tags["Total"] == 3
    groups = api.get("/api/mdm/smartgroups/search", params={"organizationgroupid": 570}).json()
    names = {g["Name"] for g in groups["SmartGroups"]}
    assert "Drop Ship RnD" in names and "Fabrikam Drop Ship" not in names
    row = next(g for g in groups["SmartGroups"] if g["Name"] == "Drop Ship RnD")
    assert row["SmartGroupID"] == 12 and row["ManagedByOrganizationGroupId"] == "570"
    detail = api.get("/api/mdm/smartgroups/12").json()
    assert detail["Tags"] == [{"Id": "5"}]
    assert detail["OrganizationGroups"][0]["Id"] == "570"
    named = api.get("/api/mdm/smartgroups/20").json()  # tag_names_in_criteria
    assert named["Tags"] == [{"Id": "9", "Name": "RnD"}]


def test_apps_search_and_internal_detail(api: httpx.Client) -> None:
    body = api.get(
        "/api/mam/apps/search", params={"platform": "WinRT", "locationgroupid": 570}
    ).json()
    apps = {a["ApplicationName"]: a for a in body["Application"]}
    assert "Microsoft Outlook" not in apps  # Apple
    assert "Fabrikam CAD Suite" not in apps  # sibling customer
    assert apps["Google Chrome"]["SmartGroups"] == [{"Id": 12, "Name": "Drop Ship RnD"}]
    assert (
        apps["Google Chrome"]["Platform"] == 12 and apps["Google Chrome"]["AppType"] == "Internal"
    )
    assert apps["Company Portal"]["AppType"] == "Public"
    detail = api.get("/api/mam/apps/internal/102").json()
    assert detail["Assignments"][0]["PushMode"] == "Auto"
    assert detail["Assignments"][0]["SmartGroupId"] == 12
    assert detail["DeploymentOptions"]["HowToInstall"]["InstallContext"] == "Device"
    assert (
        api.get("/api/mam/apps/internal/105").json()["DeploymentOptions"]["HowToInstall"][
            "InstallContext"
        ]
        == "User"
    )
    assert api.get("/api/mam/apps/internal/106").status_code == 404  # public app


def test_profiles_v1_v2_and_details(api: httpx.Client) -> None:
    params = {"organizationgroupid": 570, "platform": "WinRT"}
    v2 = api.get("/api/mdm/profiles/search", params=params, headers={"Accept": ACCEPT_V2}).json()
    # v2: ProfileSearchResultV2Entity (ProfileList, TotalResults)
    assert v2["TotalResults"] == 3 and {p["ProfileId"] for p in v2["ProfileList"]} == {
        201,
        202,
        203,
    }
    first = next(p for p in v2["ProfileList"] if p["ProfileId"] == 201)
    assert first["AssignmentSmartGroups"] == [{"Id": 12, "Name": "Drop Ship RnD"}]
    assert first["ProfileStatus"] == "Active" and first["ProfileUuid"]
    # v1: no documented response; the Profiles envelope of UEM_API.md section 10
    v1 = api.get("/api/mdm/profiles/search", params=params).json()
    assert v1["Total"] == 3 and {p["ProfileId"] for p in v1["Profiles"]} == {201, 202, 203}
    detail = api.get("/api/mdm/profiles/201", headers={"Accept": ACCEPT_V2})
    assert detail.headers["x-api-version"] == "v2"
    body = detail.json()
    assert body["General"]["AssignedSmartGroups"] == [{"SmartGroupId": 12, "Name": "Drop Ship RnD"}]
    assert body["General"]["IsActive"] is True and body["General"]["ProfileUuid"]
    assert "./Device/Vendor/MSFT/Accounts/Users/" in body["CustomSettings"]["installSettings"]
    asked_v1 = api.get("/api/mdm/profiles/201")  # no v1 detail: served as v2
    assert asked_v1.headers["x-api-version"] == "v2"
    assert api.get("/api/mdm/profiles/9999").status_code == 404


def test_an_inactive_profile_says_so_in_search_and_details(ready: dict[str, Any]) -> None:
    tenant = copy.deepcopy(ready)
    next(p for p in tenant["profiles"] if p["id"] == 201)["status"] = "Inactive"
    with SimulatorServer(tenant) as sim, client(sim, Accept=ACCEPT_V2) as c:
        rows = c.get("/api/mdm/profiles/search", params={"organizationgroupid": 570}).json()
        row = next(p for p in rows["ProfileList"] if p["ProfileId"] == 201)
        assert row["ProfileStatus"] == "Inactive"
        assert c.get("/api/mdm/profiles/201").json()["General"]["IsActive"] is False


def test_device_search_scope_platform_and_204(api: httpx.Client, ready: dict[str, Any]) -> None:
    body = api.get("/api/mdm/devices/search", params={"lgid": 570, "platform": "WinRT"}).json()
    seen = {d["LocationGroupId"]["Id"]["Value"] for d in body["Devices"]}
    assert seen == {570, 571, 572, 573}  # children included, fabrikam/contoso-lab not
    assert body["Total"] == 12 and all(d["Platform"] == "WinRT" for d in body["Devices"])
    row = body["Devices"][0]
    assert row["PlatformId"]["Id"]["Value"] == 12 and row["Id"]["Value"] and row["Uuid"]
    assert row["LocationGroupId"]["Uuid"]
    empty = api.get("/api/mdm/devices/search", params={"lgid": 573, "platform": "Android"})
    assert empty.status_code == 204 and empty.content == b""
    assert "x-api-version" in empty.headers
    assert api.get("/api/mdm/devices/search", params={"lgid": 12345}).status_code == 404


def test_paging_respects_cap(ready: dict[str, Any]) -> None:
    with SimulatorServer(ready, page_size_cap=5) as capped, client(capped) as c:
        rows: list[dict[str, Any]] = []
        page = 0
        while True:
            response = c.get(
                "/api/mdm/devices/search",
                params={"lgid": 570, "platform": "WinRT", "page": page, "pagesize": 500},
            )
            if response.status_code == 204:
                break
            body = response.json()
            assert body["PageSize"] == 5 and body["Total"] == 12 and len(body["Devices"]) <= 5
            rows += body["Devices"]
            page += 1
        assert len({r["Id"]["Value"] for r in rows}) == 12 and page == 3
        uuid = og(ready, "contoso")["uuid"]
        regs = c.get(
            f"/api/mdm/groups/{uuid}/enrollment-tokens", params={"page": 1, "page_size": 500}
        ).json()
        assert regs["page_size"] == 5 and regs["total"] == 6 and len(regs["tokens"]) == 1


def test_device_apps(api: httpx.Client) -> None:
    body = api.get("/api/mdm/devices/1001/apps").json()
    names = [a["ApplicationName"] for a in body["DeviceApps"]]
    assert "Workspace ONE Intelligent Hub Installer" in names
    assert body["Total"] == len(names)
    assert {"Version", "Status", "ApplicationIdentifier"} <= set(body["DeviceApps"][0])
    small = api.get("/api/mdm/devices/1001/apps", params={"pagesize": 1}).json()
    assert len(small["DeviceApps"]) == 1 and small["Total"] == len(names)
    assert api.get("/api/mdm/devices/99999/apps").status_code == 404


def test_registrations(api: httpx.Client, ready: dict[str, Any]) -> None:
    uuid = og(ready, "contoso")["uuid"]
    body = api.get(
        f"/api/mdm/groups/{uuid}/enrollment-tokens", params={"page": 0, "page_size": 500}
    ).json()
    assert body["total"] == 6 and body["page"] == 0
    assert {t["enrollment_status"] for t in body["tokens"]} == {"Registered", "Enrolled"}
    # list rows: EnrollmentTokenGetByCriteriaDetailModel, no tags, name or type
    fields = {"uuid", "serial_number", "imei", "enrollment_status", "compliance_status", "platform"}
    assert all(set(t) == fields for t in body["tokens"])
    detail = api.get(f"/api/mdm/groups/{uuid}/enrollment-tokens/{body['tokens'][0]['uuid']}")
    token = detail.json()
    assert token["tags"] == ["RnD"] and token["type"] == "DropshipProvisioning"
    assert token["serial_number"] == body["tokens"][0]["serial_number"] and token["model_name"]
    unknown = f"/api/mdm/groups/{uuid}/enrollment-tokens/00000000-0000-0000-0000-000000000000"
    assert api.get(unknown).json()["errorCode"] == 5220
    bad = api.get("/api/mdm/groups/00000000-0000-0000-0000-000000000000/enrollment-tokens")
    assert bad.status_code == 404
    empty = og(ready, "contoso-kiosk")["uuid"]
    assert api.get(f"/api/mdm/groups/{empty}/enrollment-tokens").status_code == 204


def test_discovery(server: SimulatorServer) -> None:
    path = "/autodiscovery/awcredentials.aws/v2/domainlookup/domain/"
    with httpx.Client(base_url=server.discovery_url) as anonymous:
        hit = anonymous.get(path + "Contoso.com")
        assert hit.status_code == 200
        body = hit.json()
        assert body["GroupId"] == "contoso" and body["mdm"]["organizationGroupId"] == "contoso"
        assert {"EnrollmentUrl", "TenantGroup", "GreenboxUrl"} <= set(body)
        assert anonymous.get(path + "example.org").status_code == 404


def test_headers_and_error_body(api: httpx.Client, server: SimulatorServer) -> None:
    first = api.get("/api/system/info")
    second = api.get("/api/system/info")
    assert first.headers["x-ratelimit-limit"] == "250000"
    assert (
        int(second.headers["x-ratelimit-remaining"])
        == int(first.headers["x-ratelimit-remaining"]) - 1
    )
    assert int(first.headers["x-ratelimit-reset"]) > time.time()
    assert first.headers["x-correlation-id"] != second.headers["x-correlation-id"]
    missing = api.get("/api/mdm/nothing/here")  # not routed: IIS's HTML page
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert "The resource cannot be found." in missing.text
    unknown = api.get("/api/system/groups/4242")  # routed, unknown id: the UEM error body
    assert set(unknown.json()) == {"errorCode", "message", "activityId"}
    assert "x-api-version" in unknown.headers


def test_only_get_is_allowed(api: httpx.Client, server: SimulatorServer) -> None:
    before = server.count(method="PUT")
    response = api.put("/api/system/info", json={"x": 1})
    assert response.status_code == 405 and response.headers["allow"] == "GET"
    assert api.delete("/api/mdm/smartgroups/12").status_code == 405
    assert api.request("PATCH", "/api/system/info").status_code == 405
    assert api.head("/api/system/info").status_code == 405
    assert api.request("BREW", "/api/system/info").status_code == 405
    assert api.get("/connect/token").status_code == 405
    assert server.count(method="PUT") == before + 1
    assert api.get("/api/system/info").status_code == 200  # the connection is still usable


# -- authentication ------------------------------------------------------------------


def test_basic_auth_failures(server: SimulatorServer) -> None:
    creds = server.tenant["credentials"]
    with httpx.Client(base_url=server.url) as anonymous:
        assert anonymous.get("/api/system/info").status_code == 401
        wrong = anonymous.get(
            "/api/system/info",
            auth=(creds["username"], "nope"),
            headers={"aw-tenant-code": creds["tenant_code"]},
        )
        assert wrong.status_code == 401 and wrong.json()["errorCode"]
        bad_code = anonymous.get(
            "/api/system/info",
            auth=(creds["username"], creds["password"]),
            headers={"aw-tenant-code": "wrong"},
        )
        assert bad_code.status_code == 403
        no_code = anonymous.get("/api/system/info", auth=(creds["username"], creds["password"]))
        assert no_code.status_code == 403
        garbage = anonymous.get("/api/system/info", headers={"Authorization": "Basic !!!"})
        assert garbage.status_code == 401


def _token(c: httpx.Client, server: SimulatorServer, secret: str | None = None) -> httpx.Response:
    creds = server.tenant["credentials"]
    form = {
        "grant_type": "client_credentials",
        "client_id": creds["client_id"],
        "client_secret": secret or creds["client_secret"],
    }
    return c.post(server.token_url, data=form)


def test_oauth_token_flow_and_expiry(ready: dict[str, Any]) -> None:
    with SimulatorServer(ready, token_lifetime_s=0.5) as sim, httpx.Client(base_url=sim.url) as c:
        assert _token(c, sim, "wrong").status_code == 400
        assert _token(c, sim, "wrong").json() == {"error": "invalid_client"}
        bad_grant = c.post(sim.token_url, data={"grant_type": "password"})
        assert bad_grant.json()["error"] == "unsupported_grant_type"
        answer = _token(c, sim).json()
        assert answer["token_type"] == "Bearer" and answer["expires_in"] == 1
        bearer = {"Authorization": f"Bearer {answer['access_token']}"}
        assert c.get("/api/system/info", headers=bearer).status_code == 200
        assert (
            c.get("/api/system/info", headers={"Authorization": "Bearer forged"}).status_code == 401
        )
        time.sleep(0.6)
        assert c.get("/api/system/info", headers=bearer).status_code == 401
        fresh = {"Authorization": f"Bearer {_token(c, sim).json()['access_token']}"}
        assert c.get("/api/system/info", headers=fresh).status_code == 200
        sim.expire_tokens()
        assert c.get("/api/system/info", headers=fresh).status_code == 401
        assert sim.tokens_issued == 2
        creds = ready["credentials"]
        basic = c.post(
            sim.token_url,
            data={"grant_type": "client_credentials"},
            auth=(creds["client_id"], creds["client_secret"]),
        )
        assert basic.status_code == 200 and sim.tokens_issued == 3


# -- faults --------------------------------------------------------------------------


def _statuses(sim: SimulatorServer, n: int, path: str = "/api/system/info") -> list[int]:
    with client(sim) as c:
        return [c.get(path).status_code for _ in range(n)]


def test_fault_429_and_numbered_5xx(ready: dict[str, Any]) -> None:
    with SimulatorServer(ready, faults="429:1.0") as sim, client(sim) as c:
        response = c.get("/api/system/info")
        assert response.status_code == 429 and response.headers["retry-after"] == "1"
        assert set(response.json()) == {"errorCode", "message", "activityId"}
        assert sim.log[-1].fault == "429:1.0"
    with SimulatorServer(ready, faults="502@2,3") as sim:
        assert _statuses(sim, 4) == [200, 502, 502, 200]
    with SimulatorServer(ready, faults="401@1,403@2,503@3") as sim:
        assert _statuses(sim, 4) == [401, 403, 503, 200]


def test_fault_rates_are_seeded(ready: dict[str, Any]) -> None:
    runs = []
    for _ in range(2):
        with SimulatorServer(ready, faults="503:0.3", seed=7) as sim:
            runs.append(_statuses(sim, 30))
    assert runs[0] == runs[1] and 503 in runs[0] and 200 in runs[0]
    with SimulatorServer(ready, faults="503:0.3", seed=8) as sim:
        assert _statuses(sim, 30) != runs[0]


def test_fault_drop_slow_malformed_html(ready: dict[str, Any]) -> None:
    with SimulatorServer(ready, faults="drop@1") as sim, client(sim) as c:
        with pytest.raises(httpx.RemoteProtocolError):
            c.get("/api/system/info")
        assert c.get("/api/system/info").status_code == 200
        assert sim.log[0].status == 0 and sim.log[0].fault == "drop@1"
    with SimulatorServer(ready, faults="slow@1", slow_s=0.2) as sim, client(sim) as c:
        assert c.get("/api/system/info").status_code == 200
        assert sim.log[0].duration_ms >= 200
    with SimulatorServer(ready, faults="malformed@1") as sim, client(sim) as c:
        response = c.get("/api/system/groups/search")
        assert response.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(response.text)
    with SimulatorServer(ready, faults="html503:1.0") as sim, client(sim) as c:
        response = c.get("/api/system/info")
        assert response.status_code == 503
        assert response.headers["content-type"].startswith("text/html")
        assert response.text.lstrip().startswith("<!DOCTYPE html>")


def test_fault_v1only_and_path_scope(ready: dict[str, Any]) -> None:
    with SimulatorServer(ready, faults="v1only") as sim, client(sim, Accept=ACCEPT_V2) as c:
        response = c.get("/api/system/groups/search")
        assert response.headers["x-api-version"] == "v1" and "LocationGroups" in response.json()
        assert response.headers["api-supported-versions"] == "1"
    with SimulatorServer(ready, faults="503/api/mam/apps/internal:1.0") as sim, client(sim) as c:
        assert c.get("/api/mam/apps/internal/101").status_code == 503
        assert c.get("/api/mam/apps/search").status_code == 200
    discovery = "/autodiscovery/awcredentials.aws/v2/domainlookup/domain/contoso.com"
    with SimulatorServer(ready, faults="503/autodiscovery:1.0") as sim, httpx.Client() as c:
        assert c.get(sim.discovery_url + discovery).status_code == 503
    with SimulatorServer(ready, faults="503:1.0") as sim, httpx.Client() as c:
        assert c.get(sim.discovery_url + discovery).status_code == 200  # unscoped: API only


def test_token_faults_only_when_asked(ready: dict[str, Any]) -> None:
    with SimulatorServer(ready, faults="503:1.0") as sim, httpx.Client() as c:
        assert _token(c, sim).status_code == 200
    with SimulatorServer(ready, faults="token500:1.0") as sim, httpx.Client() as c:
        assert _token(c, sim).status_code == 500
        assert _statuses(sim, 1) == [200]
    with SimulatorServer(ready, faults="token400@1") as sim, httpx.Client() as c:
        assert [_token(c, sim).status_code for _ in range(2)] == [400, 200]


@pytest.mark.parametrize(
    "spec", ["42:0.1", "429:2", "drop", "502@0", "slow@x", "bogus:0.1", "429:0.1,,"]
)
def test_bad_fault_specs(spec: str) -> None:
    with pytest.raises(FaultSpecError):
        FaultPlan.parse(spec)


def test_fault_spec_parses_combos() -> None:
    plan = FaultPlan.parse("429:0.1, 502@3,7,v1only,html503:0.05,503/api/mam:1.0,token500:1")
    assert plan.v1_only
    kinds = [(r.kind, r.status, r.rate, sorted(r.requests), r.path_prefix) for r in plan.rules]
    assert kinds == [
        ("status", 429, 0.1, [], None),
        ("status", 502, None, [3, 7], None),
        ("html", 503, 0.05, [], None),
        ("status", 503, 1.0, [], "/api/mam"),
        ("token", 500, 1.0, [], None),
    ]


def test_ratelimit_quota_runs_out(ready: dict[str, Any]) -> None:
    with SimulatorServer(ready, ratelimit_remaining=2) as sim, client(sim) as c:
        assert [c.get("/api/system/info").status_code for _ in range(3)] == [200, 200, 429]
        assert sim.ratelimit_remaining == 0


# -- robustness ----------------------------------------------------------------------


def test_hostile_input_gets_400_not_a_crash(api: httpx.Client, server: SimulatorServer) -> None:
    assert api.get("/api/mdm/devices/search", params={"pagesize": "abc"}).status_code == 400
    assert api.get("/api/mdm/devices/search", params={"page": "-1"}).status_code == 400
    assert api.get("/api/mdm/devices/search", params={"pagesize": "0"}).status_code == 400
    assert (
        api.get("/api/mdm/tags/search", params={"organizationgroupid": "1 OR 1=1"}).status_code
        == 400
    )
    bad_version = api.get("/api/system/info", headers={"Accept": "application/json;version=two"})
    assert bad_version.status_code == 400
    assert api.get("/api/mdm/devices/%00%ff/apps").status_code == 404
    huge = api.post("/api/system/info", content=b"x" * (128 * 1024))
    assert huge.status_code == 413
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as raw:
        raw.sendall(b"\x16\x03\x01garbage that is not http\r\n\r\n")
        raw.recv(1024)
    assert server.handler_errors == 0
    assert api.get("/api/system/info").status_code == 200


def test_log_count_and_reset(ready: dict[str, Any]) -> None:
    with SimulatorServer(ready) as sim, client(sim) as c:
        c.get("/api/system/info")
        c.get("/api/mdm/devices/search", params={"lgid": 570})
        c.get("/api/mdm/devices/1001/apps")
        assert sim.count() == 3
        assert sim.count("/api/mdm/devices") == 2
        assert sim.count(endpoint="device_apps") == 1
        entry = sim.log[1]
        assert entry.query == {"lgid": "570"} and entry.api_version == "v1" and entry.status == 200
        sim.reset_log()
        assert sim.count() == 0 and sim.log == []


def test_tls(ready: dict[str, Any]) -> None:
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    client_context = ssl.create_default_context()
    ca.configure_trust(client_context)
    with SimulatorServer(ready, ssl_context=context) as sim:
        assert sim.url.startswith("https://")
        creds = ready["credentials"]
        with httpx.Client(verify=client_context) as c:
            response = c.get(
                f"{sim.url}/api/system/info",
                auth=(creds["username"], creds["password"]),
                headers={"aw-tenant-code": creds["tenant_code"]},
            )
        assert response.status_code == 200
        assert "strict-transport-security" in response.headers


def test_stop_with_open_and_sleeping_connections(ready: dict[str, Any]) -> None:
    sim = SimulatorServer(ready, faults="slow@2", slow_s=30).start()
    c = client(sim)
    try:
        assert c.get("/api/system/info").status_code == 200  # leaves a keep-alive connection
        outcome: list[object] = []

        def slow_request() -> None:
            try:
                outcome.append(c.get("/api/system/info").status_code)
            except httpx.HTTPError as exc:  # the server went away: also fine
                outcome.append(exc)

        worker = threading.Thread(target=slow_request)
        worker.start()
        time.sleep(0.1)
        started = time.monotonic()
        sim.stop()
        worker.join(5)
        assert time.monotonic() - started < 5 and not sim.running
        assert len(outcome) == 1  # the sleeping handler was woken, not left behind
    finally:
        c.close()
    sim.stop()  # idempotent


def test_serve_prints_how_to_connect(ready: dict[str, Any]) -> None:
    out, stop = io.StringIO(), threading.Event()
    thread = threading.Thread(target=serve, args=(ready,), kwargs={"out": out, "stop": stop})
    thread.start()
    for _ in range(100):
        if "Ctrl+C" in out.getvalue():
            break
        time.sleep(0.02)
    stop.set()
    thread.join(5)
    text = out.getvalue()
    assert "http://127.0.0.1:" in text and "/connect/token" in text and "auditor" in text


# -- generator -----------------------------------------------------------------------


def test_generator_is_deterministic() -> None:
    assert generate_tenant(200, seed=1) == generate_tenant(200, seed=1)
    assert generate_tenant(200, seed=1) != generate_tenant(200, seed=2)
    tenant = generate_tenant(200, windows_share=0.5, seed=3)
    validate_tenant(json.loads(json.dumps(tenant)))
    with pytest.raises(ValueError):
        generate_tenant(10, windows_share=1.5)


def test_generator_at_scale_is_served() -> None:
    started = time.perf_counter()
    tenant = generate_tenant(100_000, windows_share=0.25, seed=0)
    elapsed = time.perf_counter() - started
    devices = tenant["devices"]
    assert len(devices) == 100_000
    assert len({d["id"] for d in devices}) == 100_000
    assert len({d["serial"] for d in devices}) == 100_000
    windows = [d for d in devices if d["platform"] == "WinRT"]
    assert 0.22 < len(windows) / len(devices) < 0.28
    assert {d["og_id"] for d in devices} == {570, 571, 580}
    in_scope = [d for d in windows if d["og_id"] != 580]
    hubs = [a["version"] for d in in_scope for a in d["apps"] if "Intelligent Hub" in a["name"]]
    assert len(hubs) == len(in_scope)
    old = [v for v in hubs if tuple(map(int, v.split(".")[:2])) < (20, 10)]
    assert 0 < len(old) < 0.05 * len(hubs)
    print(f"generated 100k devices in {elapsed:.2f}s")
    with SimulatorServer(tenant) as sim, client(sim) as c:
        body = c.get(
            "/api/mdm/devices/search", params={"lgid": 570, "platform": "WinRT", "page": 3}
        ).json()
        assert body["Total"] == len(in_scope) and len(body["Devices"]) == 500
        apps = c.get(f"/api/mdm/devices/{in_scope[0]['id']}/apps").json()["DeviceApps"]
        assert 2 <= len(apps) <= 6
        uuid = og(tenant, "contoso")["uuid"]
        regs = c.get(f"/api/mdm/groups/{uuid}/enrollment-tokens").json()
        assert regs["total"] == len(in_scope) // 10


def test_generated_ready_tenant_has_no_outdated_hub() -> None:
    tenant = generate_tenant(500, seed=4, outdated_hub_share=0, missing_hub_share=0)
    for device in tenant["devices"]:
        if device["platform"] == "WinRT" and device["og_id"] != 580:
            hub = next(a for a in device["apps"] if "Intelligent Hub" in a["name"])
            assert tuple(map(int, hub["version"].split(".")[:2])) >= (20, 10)
