"""What a correct auditor concludes from real answers of real tenants.

The replay (``tests/replay.py``) serves ``../shared/real_captures/fixtures/`` over
loopback: one coherent tenant (customer OG 8366, GroupId M6052651, tag DropShip 10061,
smart group 12347 selecting it, two Win32 apps, one Windows profile with an Accounts CSP
payload, two Windows devices, two enrollment tokens) and the captured error answers. The
full pipeline runs against it through the real client, and the tests assert the
verdicts and the inventory a careful auditor would reach from those answers.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from replay import GROUP_ID, OG_UUID, TAG, Replay, ReplayServer, token_uuids
from vendor import fixture

from audit import pipeline
from audit.config import Config, parse_config
from audit.errors import AuthenticationError
from audit.inventory import Inventory
from audit.inventory_build import build_inventory

ENV = {"RC_PASSWORD": "rc-Passw0rd-93c1", "RC_TENANT_CODE": "rc-TenantC0de-5d2e"}


def config_for(url: str, base: Path, **sections: dict[str, Any]) -> Config:
    data: dict[str, Any] = {
        "tenant": {
            "name": "Captured tenant (replay)",
            "api_url": url,
            "allow_insecure_http": True,  # the replay is plain HTTP on loopback
            "username": "auditor",
            "password_env": "RC_PASSWORD",
            "tenant_code_env": "RC_TENANT_CODE",
        },
        "dropship": {
            "organization_group": GROUP_ID,
            "tags": [TAG],
            "email_domain": "example.com",
            "autodiscovery_url": url,
        },
        "collect": {"retries": 1},
    }
    for name, values in sections.items():
        data[name].update(values)
    return parse_config(data, file="<replay>", base_dir=base, env=ENV)


def audit(
    replay: Replay, tmp_path: Path, **sections: dict[str, Any]
) -> tuple[ReplayServer, Inventory, dict[str, Any]]:
    with ReplayServer(replay) as server:
        config = config_for(server.url, tmp_path, **sections)
        snapshot = pipeline.collect(config)
    results = pipeline.evaluate(snapshot, config)
    return server, build_inventory(snapshot), results


def check(results: dict[str, Any], check_id: str) -> dict[str, Any]:
    return next(c for c in results["checks"] if c["id"] == check_id)


def second_token_detail() -> dict[str, dict[str, Any]]:
    """Both tokens' details: the captured schema body for the first, and for the second
    the same body with the second list row's serial (no capture has a second detail)."""
    body = fixture("registration_detail_schema")["body"]
    rows = fixture("registrations")["body"]["tokens"]
    second = {**copy.deepcopy(body), "serial_number": rows[1]["serial_number"]}
    return {token_uuids()[0]: body, token_uuids()[1]: second}


@pytest.fixture(scope="module")
def captured(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The captured tenant audited once, as captured."""
    return audit(Replay(), tmp_path_factory.mktemp("captured"))


# -- versions, OG, tag, smart group criteria --------------------------------------------------


def test_the_console_version_is_product_version_never_the_api_version(captured: Any) -> None:
    _server, inv, results = captured
    assert inv.uem_version == "19.7.0.0"  # system/info "Version": 1 is the API version
    uem = check(results, "uem_version")
    assert uem["status"] == "fail" and "19.7.0.0" in uem["summary"]


def test_release_2105_passes(tmp_path: Path) -> None:
    _server, inv, results = audit(Replay(system_info="system_info_2105"), tmp_path)
    assert inv.uem_version == "21.5.0.3"
    assert check(results, "uem_version")["status"] == "pass"


def test_the_og_its_subtree_and_the_served_versions(captured: Any) -> None:
    server, inv, results = captured
    assert inv.dropship_og == {
        "id": 8366,
        "group_id": GROUP_ID,
        "uuid": OG_UUID,
        "name": "M605431073",
        "type": "Customer",
    }
    # the v2 search was served as v2, the children (asked v1) as v1
    assert inv.served_versions["og_search"] == "v2" and inv.served_versions["og_children"] == "v1"
    groups = {r["id"]: r for r in inv.org_groups.to_dict("records")}
    assert {i for i, r in groups.items() if r["in_scope"]} == {8366, 8497, 8498, 8499, 8500}
    assert groups[573]["in_scope"] is False  # the parent, from the group's own children row
    assert groups[8500]["parent_id"] == 8499
    assert not server.requests("og_detail") or all(
        r[1] != "/api/system/groups/8366" for r in server.log
    )
    assert check(results, "dropship_customer_og")["status"] == "pass"


def test_the_v1_og_search_has_no_uuid_and_the_children_row_gives_it(tmp_path: Path) -> None:
    server, inv, _results = audit(Replay(og_search_v1=True), tmp_path)
    assert inv.dropship_og is not None and inv.dropship_og["uuid"] == OG_UUID
    assert inv.served_versions["og_search"] == "v1"
    assert "/api/system/groups/8366" not in [r[1] for r in server.log]  # no og_detail asked
    assert server.requests("registrations")


def test_tag_and_smart_group_criteria(captured: Any) -> None:
    server, inv, results = captured
    tags = {r["name"]: r["id"] for r in inv.tags.to_dict("records")}
    assert tags[TAG] == 10061
    groups = {r["id"]: r for r in inv.smart_groups.to_dict("records")}
    assert groups[12347]["is_dropship"] and groups[12347]["tag_ids"] == ["10061"]
    assert groups[12347]["criteria_read"] and groups[12347]["og_id"] == 8366
    # the other groups are managed outside the subtree and its known ancestors: not read
    assert [r[1] for r in server.requests("smart_group")] == ["/api/mdm/smartgroups/12347"]
    assert not any(g["criteria_read"] for i, g in groups.items() if i != 12347)
    assert check(results, "dropship_tag")["status"] == "pass"
    assert check(results, "smart_group_tag_criteria")["status"] == "pass"


def test_placing_the_foreign_owners_reads_the_parent_chain_once(captured: Any) -> None:
    """Owners 12348.. are not in the subtree: the parent (573, known) is walked one level,
    which the captures do not hold (a JSON 404): a gap, not a crash or a guess."""
    server, inv, _results = captured
    assert [r[1] for r in server.requests("og_detail")] == ["/api/system/groups/573"]
    gap = next(g for g in inv.gaps if g.purpose == "og_ancestor:573")
    assert gap.status == 404


# -- apps: push mode and context -----------------------------------------------------------------


def test_app_push_mode_and_install_context(captured: Any) -> None:
    _server, inv, results = captured
    rows = {
        r["app_id"]: (r["push_mode"], r["install_context"], r["smart_group_id"])
        for r in inv.app_assignments.to_dict("records")
    }
    assert rows == {12352: ("OnDemand", "Device", 12347), 12360: ("Auto", "User", 12347)}
    apps = {r["id"]: r for r in inv.apps.to_dict("records")}
    assert apps[12352]["platform"] == "WinRT" and apps[12352]["has_install_options"]
    verdict = check(results, "app_assignments_device_auto")
    assert verdict["status"] == "fail" and verdict["summary"].startswith("2 assignment(s)")


# -- profiles: an inactive profile assigns nothing -----------------------------------------------


def test_the_active_profile_with_the_accounts_csp_passes(captured: Any) -> None:
    server, inv, results = captured
    profile = inv.profiles.to_dict("records")[0]
    assert profile["active"] is True and profile["local_account"] and profile["detail_read"]
    assert profile["payload_names"] == ["CustomSettings"]
    assert check(results, "login_experience")["status"] == "pass"
    assert check(results, "payloads_assigned")["status"] == "pass"
    assert len(server.requests("profile_detail")) == 1


#: Naming the Drop Ship smart group: its criteria are read, no parent chain is walked (the
#: captures do not hold the parent OG, so the walk would leave the assignments undecided).
NAMED = {"dropship": {"smart_groups": ["Test Manateewill"]}}


def test_an_undecided_parent_chain_leaves_no_profile_verdict_on_a_guess(tmp_path: Path) -> None:
    _server, _inv, results = audit(Replay(profiles="profiles_v2_inactive"), tmp_path)
    login = check(results, "login_experience")
    assert login["status"] == "error" and "og_ancestor:573" in str(login["evidence"]["rows"])


def test_an_inactive_profile_in_the_search_is_not_read_and_does_not_count(tmp_path: Path) -> None:
    server, inv, results = audit(Replay(profiles="profiles_v2_inactive"), tmp_path, **NAMED)
    assert not server.requests("profile_detail")  # its details cannot change anything
    profile = inv.profiles.to_dict("records")[0]
    assert profile["status"] == "Inactive" and profile["active"] is False
    assert check(results, "login_experience")["status"] == "fail"
    assert check(results, "payloads_assigned")["status"] == "warn"  # the apps only


def test_an_inactive_profile_in_the_details_does_not_count(tmp_path: Path) -> None:
    _server, inv, results = audit(Replay(profile="profile_68750_inactive"), tmp_path, **NAMED)
    profile = inv.profiles.to_dict("records")[0]
    assert profile["active"] is False and profile["local_account"]
    login = check(results, "login_experience")
    assert login["status"] == "fail" and "No active profile" in login["summary"]


# -- devices and their Hub -------------------------------------------------------------------------


def test_the_hub_versions_of_the_two_windows_devices(captured: Any) -> None:
    _server, inv, results = captured
    hubs = {r["id"]: r["hub_version"] for r in inv.devices.to_dict("records")}
    assert hubs == {5614: "20.10.0.5", 5615: "23.9.0.12"}
    assert check(results, "hub_version")["status"] == "pass"
    assert check(results, "autodiscovery_domain")["status"] == "pass"


def test_a_console_without_the_app_search_has_the_inventories_read_instead(
    captured: Any,
) -> None:
    """No capture has the app search per device, the Hub's app-centric lists, the Drop Ship
    settings or the last OEM sync: the replay answers them as a console without them does
    (IIS's HTML 404). The first device's search tells, the inventories are read instead,
    and nothing of it is a gap in the Hub verdict."""
    server, inv, results = captured
    searches = [r for r in server.log if r[1].endswith("/apps/search") and "/mdm/" in r[1]]
    assert [r[3] for r in searches] == [404]  # the first device only, then the inventories
    assert len(server.requests("device_apps")) == 2
    assert set(inv.devices["hub_source"]) == {"GET /api/mdm/devices/{id}/apps"}
    assert not [g for g in inv.gaps if g.purpose.startswith("device_app_search")]
    assert check(results, "hub_version")["status"] == "pass"
    # no app of the captured catalogue is the Hub, nor has the bundle id of its row
    assert [r for r in server.log if "bundleid" in r[2]] and not [
        r for r in server.log if "/apps/internal/devices" in r[1]
    ]


def test_an_older_console_without_the_drop_ship_endpoints_falls_back_and_says_so(
    tmp_path: Path,
) -> None:
    server, inv, results = audit(Replay(token_details=second_token_detail()), tmp_path)
    assert inv.dropship_settings is None and inv.oem_sync is None
    assert {
        r[3] for r in server.log if r[1].endswith(("/dropship-provisioning", "/last-sync"))
    } == {404}
    enabled = check(results, "dropship_enabled")
    assert enabled["summary"].startswith("The console does not offer")
    assert "dropship" not in results or "from_api" not in results["dropship"]
    assert "last OEM sync not read (HTTP 404)" in check(results, "devices_registered")["summary"]


# -- enrollment tokens: list, then details -------------------------------------------------------


def test_the_token_list_has_no_tags_and_an_unreadable_detail_is_an_error(captured: Any) -> None:
    server, inv, results = captured
    regs = inv.registrations.to_dict("records")
    assert [r["enrollment_status"] for r in regs] == [
        "Discovered",
        "Discovered",
    ]  # 1, declared order
    assert regs[0]["tags"] == [TAG] and regs[0]["model"] == "HP EliteBook 840"
    assert regs[1]["tags"] is None and not regs[1]["detail_read"]  # the replay has no second detail
    assert len(server.requests("registration_detail")) == 2
    verdict = check(results, "devices_registered")
    assert verdict["status"] == "error" and "404" in verdict["summary"]


def test_both_token_details_read_decide_the_tag_requirement(tmp_path: Path) -> None:
    server, inv, results = audit(Replay(token_details=second_token_detail()), tmp_path)
    assert len(server.requests("registration_detail")) == 2
    assert [r["tags"] for r in inv.registrations.to_dict("records")] == [[TAG], [TAG]]
    verdict = check(results, "devices_registered")
    assert verdict["status"] == "pass", verdict["summary"]
    assert "2 registered, 0 enrolled, 2 pending; 2 carry a Drop Ship tag" in verdict["summary"]
    assert check(results, "dropship_enabled")["status"] == "pass"  # inferred from the tokens


def test_a_tagged_and_an_untagged_token_decide_without_reading_further(tmp_path: Path) -> None:
    details = second_token_detail()
    details[token_uuids()[1]] = {**details[token_uuids()[1]], "tags": []}
    _server, _inv, results = audit(Replay(token_details=details), tmp_path)
    verdict = check(results, "devices_registered")
    assert (
        verdict["status"] == "warn"
        and "1 registered device(s) carry no Drop Ship tag" in verdict["summary"]
    )


# -- errors: 401, 403, the HTML 404 ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("refuse", "words"),
    [("401", "credentials were refused"), ("403", "API key (tenant code) was refused")],
)
def test_refused_credentials_stop_the_collection(refuse: str, words: str, tmp_path: Path) -> None:
    with (
        ReplayServer(Replay(refuse=refuse)) as server,
        pytest.raises(AuthenticationError) as raised,
    ):
        pipeline.collect(config_for(server.url, tmp_path))
    message = str(raised.value)
    code = fixture(f"error_{refuse}")["body"]["errorCode"]
    assert f"answered {refuse}" in message and words in message and f"errorCode {code}" in message
    assert raised.value.exit_code == 4
    assert all(value not in message for value in ENV.values())
    assert len(server.log) <= 6  # the first call's failure stops the others


def test_a_403_on_one_endpoint_is_a_gap_with_the_permission_to_grant(tmp_path: Path) -> None:
    server, _inv, results = audit(Replay(forbid={"tags"}), tmp_path)
    tag = check(results, "dropship_tag")
    assert tag["status"] == "error"
    assert tag["summary"].startswith(
        "The API account lacks permission to read the tags visible at the organization group "
        "(HTTP 403, errorCode 1013)"
    )
    assert any("REST API Tags Read" in step for step in tag["remediation"])
    # everything that does not need the tags is still decided
    assert check(results, "uem_version")["status"] == "fail"
    assert check(results, "hub_version")["status"] == "pass"
    assert check(results, "dropship_customer_og")["status"] == "pass"
    assert pipeline.exit_code_for(results) == 2
    assert len(server.requests("tags")) == 1


def test_a_403_on_the_device_inventories_names_the_permission(tmp_path: Path) -> None:
    # (that no more inventories are asked after the first 403: tests/test_permissions.py)
    server, _inv, results = audit(Replay(forbid={"device_apps"}), tmp_path)
    assert {r[3] for r in server.requests("device_apps")} == {403}
    hub = check(results, "hub_version")
    assert hub["status"] == "error" and "lacks permission" in hub["summary"]
    assert any("REST API Devices Read" in step for step in hub["remediation"])


def test_an_html_404_is_a_gap_without_the_page_in_it(tmp_path: Path) -> None:
    server, inv, results = audit(Replay(missing={"device_apps"}), tmp_path)
    assert {r[3] for r in server.requests("device_apps")} == {404}
    gaps = [g for g in inv.gaps if g.purpose.startswith("device_apps:")]
    assert len(gaps) == 2 and all("answered 404" in g.reason and "<" not in g.reason for g in gaps)
    hub = check(results, "hub_version")
    assert hub["status"] in ("error", "warn") and "<" not in hub["summary"]
