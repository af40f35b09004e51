"""The checks that read what the API now tells: the Drop Ship settings, the last OEM sync,
and where each device's Hub version came from (unit tests on small inventories)."""

from __future__ import annotations

import importlib
from typing import Any

from checks_helpers import (
    SETTINGS_ENDPOINT,
    att,
    context,
    device,
    dropship_settings,
    og,
    ready_inventory,
    registration,
    replace_frame,
    run,
    with_gap,
)

from audit.checkapi import Outcome
from audit.inventory import Inventory


def status(check_id: str, inv: Inventory | None = None, **kw: Any) -> Outcome:
    return run(importlib.import_module(f"checks.{check_id}").CHECK, context(inv, **kw))


def with_settings(**kw: Any) -> Inventory:
    inv = ready_inventory()
    inv.dropship_settings = dropship_settings(**kw)
    return inv


# -- dropship_enabled from the API ----------------------------------------------------------------


def test_enabled_at_the_customer_og_and_nowhere_below_passes_from_the_api() -> None:
    out = status("dropship_enabled")
    assert out.status == "pass" and out.attestation is None
    assert out.evidence.source == SETTINGS_ENDPOINT
    assert out.evidence.rows == [["Contoso", "Customer", "yes", "dropship-contoso", ""]]
    assert "Attested" not in out.summary and "Inferred" not in out.summary


def test_disabled_at_the_og_fails() -> None:
    out = status("dropship_enabled", with_settings(enabled=False))
    assert out.status == "fail" and "disabled at the Drop Ship OG Contoso" in out.summary
    assert out.evidence.rows[0][2] == "no"


def test_enabled_at_a_child_og_too_is_a_finding_naming_it() -> None:
    subs = [{"uuid": "og-uuid-571", "name": "Contoso R&D", "enabled": True}]
    out = status("dropship_enabled", with_settings(sub_ogs=subs))
    assert out.status == "fail"
    assert "Contoso R&D below the Drop Ship OG" in out.summary and "only be enabled" in out.summary
    assert ["Contoso R&D", "below the Drop Ship OG", "yes", "", "enabled"] in out.evidence.rows
    off = status("dropship_enabled", with_settings(enabled=False, sub_ogs=subs))
    assert off.status == "fail" and "enabled at Contoso R&D instead" in off.summary


def test_enabled_at_an_og_that_is_not_the_customer_og_fails() -> None:
    inv = with_settings()
    inv.dropship_og = og(type="Container")
    out = status("dropship_enabled", inv)
    assert out.status == "fail" and "Contoso (a Container OG, not the customer OG)" in out.summary


def test_an_agreeing_attestation_is_shown_beside_the_api() -> None:
    out = status("dropship_enabled", attestations=(att("dropship_enabled", True),))
    assert out.status == "pass" and out.attestation and out.attestation["by"] == "Ann Admin"
    assert out.evidence.rows[-1][2:] == ["yes", "", "agrees with the API"]


def test_an_attestation_contradicting_the_api_is_a_finding_with_both_values() -> None:
    out = status("dropship_enabled", attestations=(att("drop_ship_provisioning", False),))
    assert out.status == "warn"
    assert "says not enabled, but the API says enabled at the Drop Ship OG" in out.summary
    assert [r[2] for r in out.evidence.rows] == ["yes", "no"]
    assert out.evidence.rows[-1][-1] == "contradicts the API"
    off = status(
        "dropship_enabled", with_settings(enabled=False), attestations=(att("dropship_enabled"),)
    )
    assert off.status == "fail" and "the API says not enabled there" in off.summary


def test_a_console_without_the_endpoint_falls_back_to_the_attestation_and_says_so() -> None:
    inv = ready_inventory()
    inv.dropship_settings = None
    with_gap(inv, "dropship_settings", SETTINGS_ENDPOINT, 404, "answered 404")
    out = status("dropship_enabled", inv, attestations=(att("dropship_enabled"),))
    assert out.status == "pass" and out.evidence.source == "attestation"
    assert out.summary.startswith("The console does not offer")
    assert "decided on the attestation" in out.summary


def test_a_403_errors_with_the_permission_unless_an_attestation_decides() -> None:
    inv = ready_inventory()
    inv.dropship_settings = None
    with_gap(
        inv,
        "dropship_settings",
        SETTINGS_ENDPOINT,
        403,
        "the API account lacks permission to read the Drop Ship Provisioning settings of the "
        "organization group (HTTP 403, errorCode 6019); grant its admin role REST API Groups Read",
    )
    inv.gaps[-1].kind = "permission"
    out = status("dropship_enabled", inv)
    assert out.status == "error" and "lacks permission" in out.summary
    assert out.remediation and "REST API Groups Read" in out.remediation[0]
    decided = status("dropship_enabled", inv, attestations=(att("dropship_enabled"),))
    assert decided.status == "pass"
    assert decided.summary.startswith("The Drop Ship settings could not be read")
    assert "; grant" not in decided.summary


def test_the_staging_username_is_compared_with_the_configured_one() -> None:
    same = status("dropship_enabled", with_settings(username="  DropShip-Contoso "))
    assert same.status == "pass" and "staging username" not in same.summary
    other = status("dropship_enabled", with_settings(username="staging-contoso"))
    assert other.status == "pass"
    assert "staging username 'staging-contoso', not the configured 'dropship-contoso'" in (
        other.summary
    )
    assert other.evidence.rows[0][3] == "staging-contoso"


# -- devices_registered and the last OEM sync -----------------------------------------------------


def test_a_recent_sync_is_stated_with_its_age() -> None:
    out = status("devices_registered")
    assert out.status == "pass"
    assert out.summary.endswith("last OEM sync 2026-05-31 06:00 UTC (1 day before the collection).")


def test_a_sync_older_than_the_limit_or_none_at_all_warns() -> None:
    inv = ready_inventory()
    inv.oem_sync = {"last_sync": "2026-05-20T06:00:00Z", "endpoint": "x"}
    out = status("devices_registered", inv)
    assert out.status == "warn" and "12 days before the collection" in out.summary
    assert out.evidence.columns == ["Last OEM sync", "Age (days)", "Limit (days)"]
    assert out.evidence.rows == [["2026-05-20 06:00 UTC", 12.1, 7]]
    assert status("devices_registered", inv, requirements={"max_sync_age_days": 30}).status == (
        "pass"
    )
    inv.oem_sync = {"last_sync": None, "endpoint": "x"}
    never = status("devices_registered", inv)
    assert never.status == "warn" and "never synced" in never.summary
    assert never.evidence.rows == [["never", "", 7]]


def test_an_unread_sync_leaves_the_verdict_and_says_so() -> None:
    inv = ready_inventory()
    inv.oem_sync = None
    with_gap(inv, "oem_sync", "GET /api/mdm/groups/u/last-sync", 404)
    out = status("devices_registered", inv)
    assert out.status == "pass" and out.summary.endswith("last OEM sync not read (HTTP 404).")


def test_other_findings_keep_their_status_and_state_the_sync() -> None:
    inv = replace_frame(
        ready_inventory(), "registrations", [registration("A"), registration("B", tags=[])]
    )
    inv.oem_sync = {"last_sync": None, "endpoint": "x"}
    out = status("devices_registered", inv)
    assert out.status == "warn" and out.evidence.rows[0][0] == "B"
    assert "never synced" in out.summary
    none = replace_frame(ready_inventory(), "registrations", [])
    failed = status("devices_registered", none)
    assert failed.status == "fail" and "last OEM sync 2026-05-31" in failed.summary


# -- hub_version: where each version came from ---------------------------------------------------


def test_the_evidence_says_where_each_devices_hub_version_came_from() -> None:
    search = "GET /api/mdm/devices/{deviceUuid}/apps/search"
    inv = replace_frame(
        ready_inventory(), "devices", [device(1), device(2, "20.9.1.0", hub_source=search)]
    )
    out = status("hub_version", inv)
    assert out.status == "fail"
    assert out.evidence.columns == [
        "Device",
        "Serial",
        "Hub app",
        "Hub version",
        "Read from",
        "Finding",
    ]
    assert out.evidence.rows == [
        [
            "RND-002",
            "5CG002",
            "Workspace ONE Intelligent Hub Installer",
            "20.9.1.0",
            search,
            "below 20.10",
        ]
    ]
