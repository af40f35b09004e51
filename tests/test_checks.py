"""Unit tests of the sixteen built-in checks on small inventories built from rows.

Each check has a pass, a fail and every ``otherwise`` case of issue 3's table; the
meta-tests pin registration, ids, metadata and numbered remediation.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from typing import Any

import pytest
from checks_helpers import (
    OTHER_SG,
    SG,
    assignment,
    att,
    context,
    device,
    profile,
    ready_inventory,
    registration,
    replace_frame,
    run,
    with_gap,
)

import checks
from audit.checkapi import Check, Outcome
from audit.inventory import Inventory, frame_from_rows
from audit.plugins import load_plugins


def check(check_id: str) -> Check:
    return importlib.import_module(f"checks.{check_id}").CHECK


def status(check_id: str, inv: Inventory | None = None, **kw: Any) -> Outcome:
    return run(check(check_id), context(inv, **kw))


# -- meta ---------------------------------------------------------------------------------

DESIGN_ORDER = (
    "uem_version",
    "saas_tenant",
    "hub_version",
    "hub_auto_update",
    "software_distribution",
    "auto_enrollment_disabled",
    "autodiscovery_domain",
    "dropship_customer_og",
    "dropship_enabled",
    "dropship_tag",
    "smart_group_tag_criteria",
    "app_assignments_device_auto",
    "login_experience",
    "payloads_assigned",
    "devices_registered",
    "device_staging",
)
HIGH_OR_CRITICAL = {
    "uem_version",
    "hub_version",
    "saas_tenant",
    "dropship_customer_og",
    "autodiscovery_domain",
    "app_assignments_device_auto",
    "auto_enrollment_disabled",
}


def test_every_module_is_registered_in_design_order() -> None:
    modules = sorted(
        m.name for m in pkgutil.iter_modules(checks.__path__) if not m.name.startswith("_")
    )
    assert sorted(checks.BUILTIN_CHECKS) == modules
    assert checks.BUILTIN_CHECKS == DESIGN_ORDER
    registry = load_plugins()
    assert not registry.problems
    assert tuple(registry.checks) == DESIGN_ORDER
    assert all(registry.check_plugins[c] == "checks" for c in DESIGN_ORDER)


@pytest.mark.parametrize("check_id", DESIGN_ORDER)
def test_metadata(check_id: str) -> None:
    module = importlib.import_module(f"checks.{check_id}")
    meta = module.META
    meta.validate()
    assert module.CHECK.meta is meta and meta.id == check_id
    assert module.__doc__ and module.__doc__.startswith(f"{check_id}:")
    for i, step in enumerate(meta.remediation, start=1):
        assert re.match(rf"^{i}\. \S", step), step
    assert meta.references and all(r.startswith("https://") for r in meta.references)
    if check_id in HIGH_OR_CRITICAL:
        assert meta.severity in ("high", "critical")
    elif check_id == "devices_registered":
        assert meta.severity in ("medium", "low")
    else:
        assert (
            meta.severity in ("medium", "low")
            if check_id == "payloads_assigned"
            else meta.severity == "medium"
        )
    assert meta.severity in meta.rationale.lower() or meta.severity.capitalize() in meta.rationale
    assert not meta.title.lower().startswith(("no ", "not "))


def test_console_paths_are_the_seeds_verbatim() -> None:
    text = " ".join(
        " ".join(importlib.import_module(f"checks.{c}").META.remediation) for c in DESIGN_ORDER
    )
    windows = "Groups & Settings > All Settings > Devices & Users > Windows > Windows Desktop > "
    for path in (
        windows + "Staging & Provisioning",
        windows + "Intelligent Hub Application",
        "Groups & Settings > All Settings > Device & Users > Windows > Windows Desktop > "
        "Auto Enrollment",
        "Groups & Settings > All Settings > Devices & Users > General > Enrollment > "
        "Authentication",
        "Groups & Settings > All Settings > Devices & Users > Advanced > Tags",
        "Groups & Settings > Groups > Assignment Groups",
        "Devices > Lifecycle > Enrollment Status",
    ):
        assert path in text, path


def test_a_module_that_fails_to_import_becomes_an_error_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = importlib.import_module

    def broken(name: str, *a: Any) -> Any:
        if name == "checks.dropship_tag":
            raise ImportError("boom")
        return real(name, *a)

    monkeypatch.setattr(checks.importlib, "import_module", broken)
    got: list[Check] = []
    checks.ws1_audit_register_checks(got.append)
    assert [c.id for c in got] == list(DESIGN_ORDER)
    stand_in = got[DESIGN_ORDER.index("dropship_tag")]
    stand_in.meta.validate()
    out = run(stand_in, context())
    assert out.status == "error" and "boom" in out.evidence.rows[0][1]


def test_ready_inventory_passes_every_check_with_api_evidence() -> None:
    attested = ("hub_auto_update", "auto_enrollment_disabled", "device_staging")
    for check_id in DESIGN_ORDER:
        out = status(check_id)
        assert out.status == ("manual" if check_id in attested else "pass"), (check_id, out.summary)


# -- unexpected shapes --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check_id", "mutate"),
    [
        ("hub_version", lambda inv: replace_frame(inv, "devices", [device(1, version={"v": 1})])),
        ("hub_version", lambda inv: setattr(inv, "devices", None)),
        ("hub_version", lambda inv: setattr(inv, "devices_listed", "many")),
        (
            "smart_group_tag_criteria",
            lambda inv: inv.smart_groups.__setitem__("tag_ids", [{"a": 1}, {"b": 2}]),
        ),
        (
            "login_experience",
            lambda inv: inv.profiles.__setitem__("local_account", ["maybe", "maybe"]),
        ),
        ("app_assignments_device_auto", lambda inv: setattr(inv, "app_assignments", [])),
        ("dropship_customer_og", lambda inv: setattr(inv, "dropship_og", ["contoso"])),
        ("autodiscovery_domain", lambda inv: setattr(inv, "discovery", "200 OK")),
        ("saas_tenant", lambda inv: setattr(inv, "api_host", None)),
        ("uem_version", lambda inv: setattr(inv, "uem_version", {"ProductVersion": "21.5"})),
        (
            "payloads_assigned",
            lambda inv: setattr(
                inv, "profile_assignments", inv.profile_assignments.drop(columns=["smart_group_id"])
            ),
        ),
        ("dropship_tag", lambda inv: setattr(inv, "gaps", None)),
        (
            "devices_registered",
            lambda inv: inv.registrations.__setitem__("tags", [{"n": 1}, {"n": 2}]),
        ),
    ],
)
def test_unexpected_shapes_give_error_not_exceptions(check_id: str, mutate: Any) -> None:
    inv = ready_inventory()
    mutate(inv)
    out = status(check_id, inv)
    assert out.status == "error", out.summary
    assert out.evidence.rows and out.evidence.rows[0][0], out.evidence


# -- uem_version ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seen", "minimum", "expected"),
    [
        ("21.5.0.3", "2105", "pass"),
        ("21.05.0.0", "2105", "pass"),
        ("23.10.0.5", "2105", "pass"),
        ("21.4.9.9", "2105", "fail"),
        ("20.10.0.1", "2105", "fail"),
        ("21.5.0.0", "21.10", "fail"),
        ("21.10.0.0", "2105", "pass"),
        ("2105", "21.5", "pass"),
    ],
)
def test_uem_version_compares_numerically(seen: str, minimum: str, expected: str) -> None:
    inv = ready_inventory()
    inv.uem_version = seen
    out = status("uem_version", inv, requirements={"min_uem_version": minimum})
    assert out.status == expected
    assert out.evidence.rows[0][1] == seen and out.evidence.source == "GET /api/system/info"


@pytest.mark.parametrize("seen", [None, "", "banana", 21.5j])
def test_uem_version_missing_or_unparsable_is_error(seen: Any) -> None:
    inv = ready_inventory()
    inv.uem_version = seen
    assert status("uem_version", inv).status == "error"


def test_uem_version_gap_is_error_naming_the_endpoint() -> None:
    inv = with_gap(ready_inventory(), "system_info", "GET /api/system/info", 503, "unavailable")
    inv.uem_version = None
    out = status("uem_version", inv)
    assert out.status == "error" and out.evidence.rows == [
        ["system_info", "GET /api/system/info", 503, "unavailable"]
    ]


def test_uem_version_bad_threshold_is_error() -> None:
    assert status("uem_version", requirements={"min_uem_version": "soon"}).status == "error"


# -- saas_tenant ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("as1234.awmdm.com", "pass"),
        ("https://AS1985.AWMDM.COM:443/", "pass"),
        ("cn500.airwatchportals.com", "pass"),
        ("awmdm.com.evil.example", "manual"),
        ("notawmdm.com", "manual"),
        ("127.0.0.1:8443", "manual"),
        ("uem.contoso.com", "manual"),
        ("", "manual"),
    ],
)
def test_saas_tenant_by_host(host: str, expected: str) -> None:
    inv = ready_inventory()
    inv.api_host = host
    assert status("saas_tenant", inv).status == expected


@pytest.mark.parametrize("name", ["saas_tenant", "saas"])
def test_saas_tenant_attestation_settles(name: str) -> None:
    inv = ready_inventory()
    inv.api_host = "127.0.0.1"
    out = status("saas_tenant", inv, attestations=(att(name, True),))
    assert out.status == "pass" and out.evidence.source == "attestation" and out.attestation
    assert status("saas_tenant", inv, attestations=(att(name, False),)).status == "fail"
    assert (
        status("saas_tenant", inv, attestations=(att(name, True, age_days=200),)).status == "warn"
    )


def test_saas_tenant_attested_false_on_saas_host_says_so() -> None:
    out = status("saas_tenant", attestations=(att("saas_tenant", False),))
    assert out.status == "fail" and "awmdm.com" in out.summary


# -- hub_version ----------------------------------------------------------------------------


def test_hub_version_pass() -> None:
    out = status("hub_version")
    assert out.status == "pass" and len(out.evidence.rows) == 2


def test_hub_version_fail_lists_devices_below() -> None:
    inv = replace_frame(
        ready_inventory(),
        "devices",
        [device(1, "20.9.0.0"), device(2, "20.10.0.0"), device(3, "19.12")],
    )
    inv.devices_listed = inv.devices_inventoried = 3
    out = status("hub_version", inv)
    assert out.status == "fail"
    assert [[*r[:2], r[3]] for r in out.evidence.rows] == [
        ["RND-001", "5CG001", "20.9.0.0"],
        ["RND-003", "5CG003", "19.12"],
    ]
    assert out.evidence.columns[:4] == ["Device", "Serial", "Hub app", "Hub version"]


def test_hub_version_threshold_is_configurable() -> None:
    out = status("hub_version", requirements={"min_hub_version": "23.10"})
    assert out.status == "fail" and out.evidence.rows[0][3] == "20.10.0.1"


def test_hub_version_no_devices_is_manual_or_attested() -> None:
    inv = replace_frame(ready_inventory(), "devices", [])
    inv.devices_listed = inv.devices_inventoried = 0
    assert status("hub_version", inv).status == "manual"
    assert status("hub_version", inv, attestations=(att("hub_version"),)).status == "pass"
    assert (
        status("hub_version", inv, attestations=(att("intelligent_hub_version", False),)).status
        == "fail"
    )


def test_hub_version_devices_without_hub_warn_listing_them() -> None:
    inv = replace_frame(ready_inventory(), "devices", [device(1), device(2, None)])
    out = status("hub_version", inv)
    assert out.status == "warn" and [r[0] for r in out.evidence.rows] == ["RND-002"]


def test_hub_version_cut_short_by_budget_warns_with_counts() -> None:
    inv = replace_frame(
        ready_inventory(), "devices", [device(1), device(2, None, inventory_read=False)]
    )
    inv.devices_listed, inv.devices_inventoried = 2, 1
    with_gap(inv, "device_apps:2", "GET /api/mdm/devices/2/apps", None, "request budget exhausted")
    out = status("hub_version", inv)
    assert out.status == "warn" and "1 of 2" in out.summary
    assert "request budget exhausted" in out.evidence.rows[0][-1]


def test_hub_version_below_beats_a_partial_read() -> None:
    inv = replace_frame(
        ready_inventory(), "devices", [device(1, "20.9"), device(2, None, inventory_read=False)]
    )
    inv.devices_listed, inv.devices_inventoried = 2, 1
    out = status("hub_version", inv)
    assert out.status == "fail" and "1 of 2" in out.summary


def test_hub_version_device_list_gap_is_error() -> None:
    inv = with_gap(ready_inventory(), "devices", "GET /api/mdm/devices/search", 500)
    assert status("hub_version", inv).status == "error"


# -- attestation-only checks -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("check_id", "alias"),
    [
        ("hub_auto_update", "intelligent_hub_automatic_updates"),
        ("auto_enrollment_disabled", None),
        ("device_staging", "generic_ppkg_staging"),
        ("software_distribution", "software_distribution_enabled"),
        ("dropship_enabled", "drop_ship_provisioning"),
        ("autodiscovery_domain", "autodiscovery_enrollment"),
    ],
)
def test_attestations(check_id: str, alias: str | None) -> None:
    inv = ready_inventory()
    inv.dropship_settings = None  # a console without the Drop Ship settings endpoint
    with_gap(inv, "dropship_settings", "GET /api/system/groups/u/dropship-provisioning", 404)
    for name in filter(None, (check_id, alias)):
        out = status(check_id, inv, attestations=(att(name, True),))
        assert (
            out.status == "pass"
            and out.evidence.source == "attestation"
            and "Attested" in out.summary
        )
        assert out.attestation and out.attestation["by"] == "Ann Admin"
        assert status(check_id, inv, attestations=(att(name, False),)).status == "fail"
        assert status(check_id, inv, attestations=(att(name, True, age_days=91),)).status == "warn"
        assert status(check_id, inv, attestations=(att(name, False, age_days=91),)).status == "fail"


@pytest.mark.parametrize(
    "check_id", ["hub_auto_update", "auto_enrollment_disabled", "device_staging"]
)
def test_no_attestation_is_manual(check_id: str) -> None:
    out = status(check_id)
    assert out.status == "manual" and out.evidence.rows[0][1].startswith("1. ")


def test_auto_enrollment_setting_alias_is_the_settings_own_value() -> None:
    assert (
        status("auto_enrollment_disabled", attestations=(att("auto_enrollment", False),)).status
        == "pass"
    )
    out = status("auto_enrollment_disabled", attestations=(att("auto_enrollment", True),))
    assert out.status == "fail" and out.attestation and out.attestation["value"] is True
    stale = status(
        "auto_enrollment_disabled", attestations=(att("auto_enrollment", False, age_days=120),)
    )
    assert stale.status == "warn"
    newest = (
        att("auto_enrollment", True, age_days=10),
        att("auto_enrollment_disabled", True, age_days=2),
    )
    assert status("auto_enrollment_disabled", attestations=newest).status == "pass"
    newest = (
        att("auto_enrollment", True, age_days=1),
        att("auto_enrollment_disabled", True, age_days=2),
    )
    assert status("auto_enrollment_disabled", attestations=newest).status == "fail"


# -- software_distribution ---------------------------------------------------------------------


def test_software_distribution_inferred_from_win32_apps() -> None:
    out = status("software_distribution")
    assert (
        out.status == "pass"
        and out.summary.startswith("Inferred")
        and out.evidence.rows[0][0] == "7-Zip"
    )


def test_software_distribution_app_at_parent_counts_child_does_not() -> None:
    inv = ready_inventory()
    inv.apps["og_id"] = [7]
    assert status("software_distribution", inv).status == "pass"
    inv.apps["og_id"] = [999]
    assert status("software_distribution", inv).status == "manual"


def test_software_distribution_manual_without_win32_apps() -> None:
    inv = ready_inventory()
    inv.apps["has_install_options"] = [False]
    assert status("software_distribution", inv).status == "manual"


def test_software_distribution_apps_gap_is_error() -> None:
    inv = replace_frame(with_gap(ready_inventory(), "apps", "GET /api/mam/apps/search"), "apps", [])
    assert status("software_distribution", inv).status == "error"


# -- autodiscovery_domain ----------------------------------------------------------------------


def test_autodiscovery_pass_is_case_insensitive_and_has_the_caveat() -> None:
    out = status("autodiscovery_domain")
    assert out.status == "pass" and "attestation settles" in out.summary
    assert out.evidence.rows == [["contoso.com", 200, "Contoso", "contoso"]]
    assert out.evidence.source.startswith("GET https://discovery.awmdm.com/")


def test_autodiscovery_other_group_fails_showing_the_answer() -> None:
    inv = ready_inventory()
    assert inv.discovery is not None
    inv.discovery["group_id"] = "fabrikam"
    out = status("autodiscovery_domain", inv)
    assert (
        out.status == "fail" and "fabrikam" in out.summary and out.evidence.rows[0][2] == "fabrikam"
    )


def test_autodiscovery_not_registered_fails() -> None:
    inv = ready_inventory()
    inv.discovery = {
        "domain": "contoso.com",
        "url": "https://d/x",
        "status": 404,
        "group_id": None,
        "body": None,
        "error": None,
    }
    out = status("autodiscovery_domain", inv)
    assert out.status == "fail" and "404" in out.summary


def test_autodiscovery_without_domain_is_manual_and_unreachable_is_error() -> None:
    inv = ready_inventory()
    inv.discovery = None
    assert status("autodiscovery_domain", inv, email_domain=None).status == "manual"
    inv.discovery = {
        "domain": "contoso.com",
        "url": "https://d/x",
        "status": None,
        "group_id": None,
        "body": None,
        "error": "connection refused",
    }
    out = status("autodiscovery_domain", inv)
    assert out.status == "error" and "connection refused" in out.summary


def test_autodiscovery_attestation_overrides_the_lookup() -> None:
    inv = ready_inventory()
    assert inv.discovery is not None
    inv.discovery["group_id"] = "fabrikam"
    assert (
        status("autodiscovery_domain", inv, attestations=(att("autodiscovery_domain"),)).status
        == "pass"
    )
    assert (
        status("autodiscovery_domain", attestations=(att("autodiscovery_domain", False),)).status
        == "fail"
    )


def test_autodiscovery_200_without_group_is_error() -> None:
    inv = ready_inventory()
    assert inv.discovery is not None
    inv.discovery["group_id"] = None
    assert status("autodiscovery_domain", inv).status == "error"


# -- dropship_customer_og ----------------------------------------------------------------------


def test_customer_og() -> None:
    out = status("dropship_customer_og")
    assert out.status == "pass" and out.evidence.rows[0][3] == "Customer"
    inv = ready_inventory()
    inv.dropship_og = {**(inv.dropship_og or {}), "type": "Container"}
    out = status("dropship_customer_og", inv)
    assert out.status == "fail" and "Container" in out.summary


def test_customer_og_not_found_fails_listing_candidates() -> None:
    inv = ready_inventory()
    inv.dropship_og = None
    inv.og_search_candidates = [
        {"group_id": "contoso-eu", "name": "Contoso EU", "type": "Customer"}
    ]
    out = status("dropship_customer_og", inv)
    assert (
        out.status == "fail"
        and "'contoso'" in out.summary
        and out.evidence.rows[0][0] == "contoso-eu"
    )


def test_customer_og_search_gap_and_missing_type_are_errors() -> None:
    inv = with_gap(
        ready_inventory(), "og_search", "GET /api/system/groups/search", 401, "unauthorised"
    )
    assert status("dropship_customer_og", inv).status == "error"
    inv = ready_inventory()
    inv.dropship_og = {**(inv.dropship_og or {}), "type": None}
    assert status("dropship_customer_og", inv).status == "error"


# -- dropship_enabled --------------------------------------------------------------------------


def without_settings(inv: Inventory | None = None) -> Inventory:
    """An inventory of a console that predates the Drop Ship settings endpoint (404)."""
    inv = inv or ready_inventory()
    inv.dropship_settings = None
    return with_gap(inv, "dropship_settings", "GET /api/system/groups/u/dropship-provisioning", 404)


def test_dropship_enabled_inferred_manual_and_gap() -> None:
    out = status("dropship_enabled", without_settings())
    assert out.status == "pass" and "Inferred, not attested" in out.summary
    assert out.summary.startswith("The console does not offer")
    inv = without_settings(replace_frame(ready_inventory(), "registrations", []))
    assert status("dropship_enabled", inv).status == "manual"
    inv = with_gap(inv, "registrations", "GET /api/mdm/groups/og-uuid-570/enrollment-tokens", 404)
    assert status("dropship_enabled", inv).status == "error"


def test_dropship_enabled_ignores_registrations_of_another_og() -> None:
    inv = without_settings()
    inv.registrations["og_uuid"] = ["other", "other"]
    assert status("dropship_enabled", inv).status == "manual"


# -- dropship_tag ------------------------------------------------------------------------------


def test_dropship_tag_pass_and_case_note() -> None:
    assert status("dropship_tag").status == "pass"
    out = status("dropship_tag", tags=["rnd"])
    assert out.status == "pass" and "case differs" in out.evidence.rows[0][3]


def test_dropship_tag_missing_lists_existing_tags() -> None:
    out = status("dropship_tag", tags=["RnD", "Finance"])
    assert out.status == "fail" and "Finance" in out.summary
    assert ["Finance", False, None, "missing"] in out.evidence.rows
    assert any(r[0] == "Sales" and r[3] == "exists, not configured" for r in out.evidence.rows)


def test_dropship_tag_none_configured_fails_and_gap_errors() -> None:
    inv = ready_inventory()
    inv.dropship_config = {}
    assert status("dropship_tag", inv, tags=[]).status == "fail"
    inv = with_gap(ready_inventory(), "tags", "GET /api/mdm/tags/search", 500)
    assert status("dropship_tag", inv).status == "error"


# -- smart_group_tag_criteria ------------------------------------------------------------------


def test_smart_group_by_tag_id_and_by_name() -> None:
    out = status("smart_group_tag_criteria")
    assert out.status == "pass" and out.evidence.rows[0][:2] == ["Drop Ship RnD", "12"]
    assert out.evidence.rows[0][3] == "RnD (5)"
    inv = ready_inventory()
    inv.smart_groups["tag_ids"] = [[], []]
    inv.smart_groups["tag_names"] = [["rnd"], []]
    assert status("smart_group_tag_criteria", inv).status == "pass"


def test_smart_group_none_selects_the_tag() -> None:
    out = status("smart_group_tag_criteria", tags=["Finance"])
    assert out.status == "fail" and len(out.evidence.rows) == 2
    inv = ready_inventory()
    inv.dropship_config = {}
    assert status("smart_group_tag_criteria", inv, tags=[]).status == "fail"


def test_smart_group_configured_groups_restrict_the_search() -> None:
    inv = ready_inventory()
    inv.smart_groups["is_dropship"] = [False, True]  # the configured group is "Other" (tag Sales)
    assert status("smart_group_tag_criteria", inv, smart_groups=["Other"]).status == "fail"
    assert status("smart_group_tag_criteria", inv).status == "pass"


def test_smart_group_unread_criteria_is_error() -> None:
    inv = ready_inventory()
    inv.smart_groups["criteria_read"] = [False, True]
    inv.smart_groups["tag_ids"] = [[], ["6"]]
    assert status("smart_group_tag_criteria", inv).status == "error"
    inv = with_gap(ready_inventory(), "smart_group:12", "GET /api/mdm/smartgroups/12", 500)
    inv.smart_groups["tag_ids"] = [[], ["6"]]
    assert status("smart_group_tag_criteria", inv).status == "error"


# -- app_assignments_device_auto ---------------------------------------------------------------


def apps(*rows: dict[str, Any]) -> Inventory:
    return replace_frame(ready_inventory(), "app_assignments", list(rows))


def test_app_assignments_pass_with_exact_columns() -> None:
    out = status(
        "app_assignments_device_auto",
        apps(assignment("7-Zip"), assignment("Edge", "automatic", "device")),
    )
    assert out.status == "pass"
    assert out.evidence.columns == [
        "App",
        "Version",
        "Smart group",
        "Push mode",
        "Install context",
        "Endpoint",
    ]
    assert out.evidence.rows[0][2] == "Drop Ship RnD (12)"


@pytest.mark.parametrize(
    ("push", "context"),
    [
        ("OnDemand", "Device"),
        ("On Demand", "Device"),
        ("ON_DEMAND", "Device"),
        ("Auto", "User"),
        ("ondemand", "user"),
    ],
)
def test_app_assignments_on_demand_or_user_fail(push: str, context: str) -> None:
    out = status(
        "app_assignments_device_auto", apps(assignment("7-Zip"), assignment("Teams", push, context))
    )
    assert out.status == "fail"
    assert out.evidence.rows[0][:5] == ["Teams", "1.0", "Drop Ship RnD (12)", push, context]


def test_app_assignments_other_groups_are_ignored() -> None:
    inv = apps(assignment("7-Zip"), assignment("Teams", "OnDemand", "User", sg=OTHER_SG))
    assert status("app_assignments_device_auto", inv).status == "pass"


def test_app_assignments_match_by_name_when_id_missing() -> None:
    inv = apps(assignment("Teams", "OnDemand", sg=None, smart_group_name="drop ship rnd"))
    assert status("app_assignments_device_auto", inv).status == "fail"


def test_app_assignments_none_assigned_warns() -> None:
    assert status("app_assignments_device_auto", apps()).status == "warn"
    inv = apps(assignment("Teams", sg=OTHER_SG))
    inv.smart_groups["is_dropship"] = [False, False]
    out = status("app_assignments_device_auto", inv)
    assert out.status == "warn" and "no Drop Ship smart group" in out.summary


@pytest.mark.parametrize(
    ("push", "context"), [(None, "Device"), (2, "Device"), ("Auto", None), ("Auto", "System")]
)
def test_app_assignments_unknown_values_are_error(push: Any, context: Any) -> None:
    out = status(
        "app_assignments_device_auto", apps(assignment("7-Zip"), assignment("Teams", push, context))
    )
    assert out.status == "error" and out.evidence.rows[0][0] == "Teams"


def test_app_assignments_detail_gap_is_error_unless_a_violation_is_seen() -> None:
    inv = with_gap(
        apps(assignment("7-Zip")), "app_detail:102", "GET /api/mam/apps/internal/102", 500
    )
    assert status("app_assignments_device_auto", inv).status == "error"
    inv = with_gap(
        apps(assignment("Teams", "OnDemand")), "app_detail:102", "GET /api/mam/apps/internal/102"
    )
    out = status("app_assignments_device_auto", inv)
    assert out.status == "fail" and "could not be read" in out.summary


# -- login_experience --------------------------------------------------------------------------


def logins(*profiles: dict[str, Any], sg: int = SG) -> Inventory:
    inv = replace_frame(ready_inventory(), "profiles", list(profiles))
    return replace_frame(
        inv,
        "profile_assignments",
        [
            {
                "profile_id": p["id"],
                "profile_name": p["name"],
                "smart_group_id": sg,
                "smart_group_name": "x",
            }
            for p in profiles
        ],
    )


def test_login_experience_local_account_or_domain_join_pass() -> None:
    assert status("login_experience", logins(profile(1, local=True))).status == "pass"
    out = status("login_experience", logins(profile(1), profile(2, join=True)))
    assert out.status == "pass" and out.evidence.rows[0][0] == "Profile 2"


def test_login_experience_fails_without_or_when_inactive_or_unassigned() -> None:
    assert status("login_experience", logins(profile(1))).status == "fail"
    assert (
        status("login_experience", logins(profile(1, local=True, status="Inactive"))).status
        == "fail"
    )
    assert status("login_experience", logins(profile(1, local=True), sg=OTHER_SG)).status == "fail"


def test_login_experience_unread_payloads_and_gaps_are_errors() -> None:
    inv = logins(profile(1, detail_read=False))
    assert status("login_experience", inv).status == "error"
    inv = with_gap(logins(profile(1)), "profile_detail:1", "GET /api/mdm/profiles/1", 500)
    assert status("login_experience", inv).status == "error"


# -- payloads_assigned -------------------------------------------------------------------------


def test_payloads_assigned_outcomes() -> None:
    out = status("payloads_assigned")
    assert out.status == "pass" and {r[0] for r in out.evidence.rows} == {"Profile", "App"}
    only_profiles = replace_frame(ready_inventory(), "app_assignments", [])
    assert status("payloads_assigned", only_profiles).status == "warn"
    only_apps = replace_frame(ready_inventory(), "profile_assignments", [])
    out = status("payloads_assigned", only_apps)
    assert out.status == "warn" and "no profile" in out.summary
    neither = replace_frame(only_apps, "app_assignments", [assignment("x", sg=OTHER_SG)])
    assert status("payloads_assigned", neither).status == "fail"
    assert (
        status(
            "payloads_assigned", with_gap(neither, "profiles", "GET /api/mdm/profiles/search")
        ).status
        == "error"
    )


# -- devices_registered ------------------------------------------------------------------------


def test_devices_registered_pass_shows_counts() -> None:
    out = status("devices_registered")
    assert out.status == "pass" and "2 registered, 1 enrolled, 1 pending" in out.summary
    assert out.evidence.rows[0] == ["all", 2, 1, 1]


def test_devices_registered_outcomes() -> None:
    none = replace_frame(ready_inventory(), "registrations", [])
    assert status("devices_registered", none).status == "fail"
    untagged = replace_frame(
        ready_inventory(), "registrations", [registration("A", tags=["Sales"])]
    )
    assert status("devices_registered", untagged).status == "fail"
    some = replace_frame(
        ready_inventory(), "registrations", [registration("A"), registration("B", tags=[])]
    )
    out = status("devices_registered", some)
    assert out.status == "warn" and out.evidence.rows[0][0] == "B"
    inv = ready_inventory()
    inv.dropship_config = {}
    assert status("devices_registered", inv, tags=[]).status == "warn"
    gap = with_gap(
        ready_inventory(), "registrations", "GET /api/mdm/groups/og-uuid-570/enrollment-tokens"
    )
    assert status("devices_registered", gap).status == "error"


def test_devices_registered_unenrolled_is_pending() -> None:
    inv = replace_frame(
        ready_inventory(), "registrations", [registration("A", status="Unenrolled")]
    )
    assert "0 enrolled, 1 pending" in status("devices_registered", inv).summary


# -- frames built from rows keep the contract --------------------------------------------------


def test_frame_values_may_be_numpy_or_nan() -> None:
    inv = ready_inventory()
    inv.devices = frame_from_rows("devices", [device(1), device(2)]).astype({"id": "int64"})
    inv.devices["hub_version"] = ["23.1", float("nan")]
    out = status("hub_version", inv)
    assert out.status == "warn" and out.evidence.rows[0][0] == "RND-002"


def test_dropship_settings_fall_back_to_the_snapshots_copy() -> None:
    from audit.checkapi import CheckContext

    inv = ready_inventory()
    inv.dropship_config = {"organization_group": "contoso", "tags": ["Finance"]}
    ctx = CheckContext(inv, {"min_uem_version": "2105"}, {}, today=context().today)
    out = run(check("dropship_tag"), ctx)
    assert out.status == "fail" and "Finance" in out.summary
    assert status("dropship_tag", inv).status == "pass"  # the run's config wins when given
