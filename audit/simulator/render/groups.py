"""Organization groups in the API's shapes: search rows (v1, v2), children, details, and what
hangs off a group: its Drop Ship Provisioning settings and its last OEM sync.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from audit.simulator.render.values import Row, created_on, v1_id
from audit.simulator.tenant import TenantIndex

__all__ = ["dropship_settings", "oem_sync", "og_child_row", "og_detail", "og_row_v1", "og_row_v2"]


def _og_common(index: TenantIndex, og: Row) -> dict[str, Any]:
    return {
        "Name": og["name"],
        "GroupId": og["group_id"],
        "LocationGroupType": og["type"],
        "Country": og.get("country", "United States"),
        "Locale": og.get("locale", "English (United States)"),
        "CreatedOn": og.get("created_on", created_on(og["id"])),
        "LgLevel": len(index.ancestors(og["id"])),
        "Users": str(og.get("users", 0)),
        "Admins": str(og.get("admins", 2)),
        "Devices": str(index.device_count(og["id"])),
    }


def _customer_above(index: TenantIndex, og_id: int) -> bool:
    return any(index.ogs[a]["type"] == "Customer" for a in index.ancestors(og_id))


def og_row_v1(index: TenantIndex, og: Row) -> dict[str, Any]:
    """A v1 OG search row (``LocationGroup``): ``Id{Value}``, no ``Uuid`` (as captured)."""
    row: dict[str, Any] = {"Id": v1_id(og["id"]), **_og_common(index, og)}
    row["IsCustomerTypeExistInParentHierarchy"] = _customer_above(index, og["id"])
    return row


def og_row_v2(index: TenantIndex, og: Row) -> dict[str, Any]:
    """A v2 OG search row (``OrganizationGroupModel``): integer ``Id`` and ``Uuid`` (HAR)."""
    return {"Id": og["id"], "Uuid": og["uuid"], **_og_common(index, og)}


def _parent_ref(index: TenantIndex, og: Row) -> dict[str, Any] | None:
    parent_id = og.get("parent_id")
    if parent_id is None:
        return None
    parent = index.ogs[parent_id]
    return {"Id": v1_id(parent_id), "Uuid": parent["uuid"]}


def og_child_row(index: TenantIndex, og: Row) -> dict[str, Any]:
    """A row of ``/system/groups/{id}/children`` (``LocationGroup``, HAR field order)."""
    common = _og_common(index, og)
    row = {k: common[k] for k in ("Name", "GroupId", "LocationGroupType", "Country", "Locale")}
    parent = _parent_ref(index, og)
    if parent is not None:  # the root has none (the model's EntityReference is not nullable)
        row["ParentLocationGroup"] = parent
    row.update({k: common[k] for k in ("CreatedOn", "LgLevel", "Users", "Admins", "Devices")})
    row["Id"] = v1_id(og["id"])
    row["Uuid"] = og["uuid"]
    return row


def og_detail(index: TenantIndex, og: Row) -> dict[str, Any]:
    """``GET /system/groups/{id}`` (v1 ``LocationGroup``): the group with ``Uuid`` and its parent."""
    row: dict[str, Any] = {"Id": v1_id(og["id"]), **_og_common(index, og)}
    parent = _parent_ref(index, og)
    if parent is not None:
        row["ParentLocationGroup"] = parent
    row["IsCustomerTypeExistInParentHierarchy"] = _customer_above(index, og["id"])
    row["Uuid"] = og["uuid"]
    return row


def dropship_settings(index: TenantIndex, og: Row) -> dict[str, Any]:
    """``GET /system/groups/{uuid}/dropship-provisioning``
    (``DropshipProvisioningSettingsDetailsResponseV1Model``): the OG's settings, the staging
    account (its password in clear text, as the vendor documents it) and every descendant's
    enabled flag."""
    settings = og.get("dropship") or {}
    body: dict[str, Any] = {
        "enable_dropship_provisioning": bool(settings.get("enabled", False)),
        "organization_group_uuid": og["uuid"],
    }
    if "username" in settings:
        body["username"] = settings["username"]
    if "password" in settings:
        body["password"] = settings["password"]
    body["sub_organization_groups"] = [
        {
            "uuid": index.ogs[o]["uuid"],
            "name": index.ogs[o]["name"],
            "enable_dropship_provisioning": bool(
                (index.ogs[o].get("dropship") or {}).get("enabled", False)
            ),
        }
        for o in index.subtree(og["id"])[1:]
    ]
    return body


def oem_sync(og: Row, now: float) -> dict[str, Any]:
    """``GET /mdm/groups/{ogUuid}/last-sync`` (``OPSDeviceLastSyncDetailsV1Model``): the last
    sync with the OEM Provisioning Service (``oem_sync_hours_ago``: before ``now``); no
    ``last_sync`` when the OG never synced."""
    if "oem_last_sync" in og:
        return {"last_sync": og["oem_last_sync"]}
    hours = og.get("oem_sync_hours_ago")
    if hours is None:
        return {}
    when = dt.datetime.fromtimestamp(now - float(hours) * 3600, dt.UTC)
    return {"last_sync": when.isoformat(timespec="seconds").replace("+00:00", "Z")}
