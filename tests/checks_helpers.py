"""Builders for unit tests of the built-in checks: small inventories from plain rows.

``ready_inventory()`` is a tenant that passes every check that has API evidence; tests
change one piece of it (``replace_frame``, ``with_gap``) to reach the other outcomes.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from audit.checkapi import Check, CheckContext, Outcome
from audit.config import Attestation
from audit.inventory import Gap, Inventory, frame_from_rows
from audit.runner import _run_one

TODAY = dt.date(2026, 6, 1)
DROPSHIP: dict[str, Any] = {
    "organization_group": "contoso",
    "tags": ["RnD"],
    "smart_groups": [],
    "email_domain": "contoso.com",
    "username": "dropship-contoso",
}
REQUIREMENTS: dict[str, Any] = {
    "min_uem_version": "2105",
    "min_hub_version": "20.10",
    "attestation_max_age_days": 90,
    "max_sync_age_days": 7,
}
SETTINGS_ENDPOINT = "GET /api/system/groups/{uuid}/dropship-provisioning"
LIST_ENDPOINT = "GET /api/mam/apps/internal/devices"
SG = 12  # the Drop Ship smart group
OTHER_SG = 13


def og(**kw: Any) -> dict[str, Any]:
    return {
        "id": 570,
        "group_id": "contoso",
        "uuid": "og-uuid-570",
        "name": "Contoso",
        "type": "Customer",
        **kw,
    }


def device(i: int, version: str | None = "23.10.0.5", **kw: Any) -> dict[str, Any]:
    return {
        "id": i,
        "uuid": f"d{i}",
        "serial": f"5CG{i:03d}",
        "name": f"RND-{i:03d}",
        "platform": "WinRT",
        "og_id": 570,
        "enrollment_status": "Enrolled",
        "hub_app_name": None if version is None else "Workspace ONE Intelligent Hub Installer",
        "hub_version": version,
        "hub_source": LIST_ENDPOINT,
        "inventory_read": True,
        **kw,
    }


def dropship_settings(enabled: bool = True, **kw: Any) -> dict[str, Any]:
    """The Drop Ship settings as the inventory holds them (one child OG, not enabled)."""
    return {
        "enabled": enabled,
        "username": "dropship-contoso",
        "og_uuid": "og-uuid-570",
        "sub_ogs": [{"uuid": "og-uuid-571", "name": "Contoso R&D", "enabled": False}],
        "endpoint": SETTINGS_ENDPOINT,
        **kw,
    }


def assignment(
    app: str, push: Any = "Auto", context: Any = "Device", sg: Any = SG, **kw: Any
) -> dict[str, Any]:
    return {
        "app_id": abs(hash(app)) % 1000,
        "app_name": app,
        "app_version": "1.0",
        "smart_group_id": sg,
        "smart_group_name": "Drop Ship RnD" if sg == SG else "Other",
        "push_mode": push,
        "install_context": context,
        "endpoint": "GET /api/mam/apps/internal/101",
        **kw,
    }


def profile(pid: int, local: bool = False, join: bool = False, **kw: Any) -> dict[str, Any]:
    return {
        "id": pid,
        "uuid": f"p{pid}",
        "name": f"Profile {pid}",
        "status": "Active",
        "platform": "WinRT",
        "context": "Device",
        "assignment_type": "Auto",
        "payload_names": ["CustomSettingsList"]
        if local
        else ["DomainJoin"]
        if join
        else ["Restrictions"],
        "local_account": local,
        "domain_join": join,
        "detail_read": True,
        "endpoint": f"GET /api/mdm/profiles/{pid}",
        **kw,
    }


def registration(serial: str, tags: Any = ("RnD",), status: str = "Registered") -> dict[str, Any]:
    return {
        "serial": serial,
        "name": f"N-{serial}",
        "model": "EliteBook 840",
        "tags": list(tags),
        "enrollment_status": status,
        "og_uuid": "og-uuid-570",
    }


def ready_inventory() -> Inventory:
    """A tenant meeting every requirement that has API evidence."""
    return Inventory(
        tenant_name="Contoso",
        api_host="as1234.awmdm.com",
        uem_version="23.10.0.5",
        dropship_og=og(),
        dropship_config=dict(DROPSHIP),
        discovery={
            "domain": "contoso.com",
            "url": "https://discovery.awmdm.com/autodiscovery/x/contoso.com",
            "status": 200,
            "group_id": "Contoso",
            "body": {"GroupId": "Contoso"},
            "error": None,
        },
        devices_listed=2,
        devices_inventoried=2,
        org_groups=frame_from_rows(
            "org_groups",
            [
                {**og(), "parent_id": 7, "in_scope": True},
                {
                    "id": 7,
                    "group_id": "global",
                    "name": "Global",
                    "type": "Global",
                    "in_scope": False,
                },
            ],
        ),
        tags=frame_from_rows(
            "tags",
            [{"id": 5, "name": "RnD", "og_id": 570}, {"id": 6, "name": "Sales", "og_id": 570}],
        ),
        smart_groups=frame_from_rows(
            "smart_groups",
            [
                {
                    "id": SG,
                    "uuid": "sg12",
                    "name": "Drop Ship RnD",
                    "og_id": 570,
                    "criteria_type": "All",
                    "tag_ids": ["5"],
                    "tag_names": [],
                    "criteria_read": True,
                    "is_dropship": True,
                },
                {
                    "id": OTHER_SG,
                    "uuid": "sg13",
                    "name": "Other",
                    "og_id": 570,
                    "criteria_type": "All",
                    "tag_ids": ["6"],
                    "tag_names": [],
                    "criteria_read": True,
                    "is_dropship": False,
                },
            ],
        ),
        apps=frame_from_rows(
            "apps",
            [
                {
                    "id": 101,
                    "name": "7-Zip",
                    "version": "23.1.0.0",
                    "app_type": "Internal",
                    "platform": "WinRT",
                    "status": "Active",
                    "og_id": 570,
                    "has_install_options": True,
                    "detail_read": True,
                },
            ],
        ),
        app_assignments=frame_from_rows("app_assignments", [assignment("7-Zip")]),
        profiles=frame_from_rows("profiles", [profile(201, local=True), profile(202)]),
        profile_assignments=frame_from_rows(
            "profile_assignments",
            [
                {
                    "profile_id": 201,
                    "profile_name": "Local admin",
                    "smart_group_id": SG,
                    "smart_group_name": "Drop Ship RnD",
                },
                {
                    "profile_id": 202,
                    "profile_name": "Restrictions",
                    "smart_group_id": SG,
                    "smart_group_name": "Drop Ship RnD",
                },
            ],
        ),
        devices=frame_from_rows("devices", [device(1), device(2, "20.10.0.1")]),
        registrations=frame_from_rows(
            "registrations", [registration("5CG900", status="Enrolled"), registration("5CG901")]
        ),
        dropship_settings=dropship_settings(),
        oem_sync={"last_sync": "2026-05-31T06:00:00Z", "endpoint": "GET /api/x/last-sync"},
        collected_at="2026-06-01T08:00:00Z",
    )


def replace_frame(inv: Inventory, name: str, rows: list[dict[str, Any]]) -> Inventory:
    setattr(inv, name, frame_from_rows(name, rows))
    return inv


def with_gap(
    inv: Inventory,
    purpose: str,
    endpoint: str = "GET /api/x",
    status: int | None = 500,
    reason: str = "server error",
) -> Inventory:
    inv.gaps.append(Gap(purpose, endpoint, reason, status))
    return inv


def att(check: str, value: bool = True, age_days: int = 3, by: str = "Ann Admin") -> Attestation:
    return Attestation(
        check=check,
        value=value,
        by=by,
        date=TODAY - dt.timedelta(days=age_days),
        evidence="https://tickets.example/CHG-1",
    )


def context(
    inv: Inventory | None = None,
    *,
    attestations: tuple[Attestation, ...] = (),
    requirements: dict[str, Any] | None = None,
    **dropship: Any,
) -> CheckContext:
    return CheckContext(
        inventory=ready_inventory() if inv is None else inv,
        requirements={**REQUIREMENTS, **(requirements or {})},
        dropship={**DROPSHIP, **dropship},
        attestations=attestations,
        today=TODAY,
    )


def run(check: Check, ctx: CheckContext) -> Outcome:
    """Evaluate inside the runner's guard (a check that raises is ``error``), and assert what
    every outcome must hold: a source, JSON cells, one sentence."""
    out = _run_one(check, ctx)
    assert isinstance(out, Outcome)
    assert out.summary.strip() and out.summary.rstrip().endswith((".", ")")), out.summary
    assert out.evidence.source, f"{check.id}: evidence without a source ({out.summary})"
    for row in out.evidence.rows:
        assert len(row) == len(out.evidence.columns), (out.evidence.columns, row)
    json.dumps(out.evidence.as_dict(), allow_nan=False)
    return out
