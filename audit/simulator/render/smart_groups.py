"""Smart groups in the API's shapes (search rows, details with their criteria), the
references other rows make to them, and the tags their criteria select devices by.
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from audit.simulator.render.values import Row, v1_id
from audit.simulator.tenant import TenantIndex

__all__ = ["smart_group_detail", "smart_group_refs", "smart_group_row", "tag_row"]


def tag_row(index: TenantIndex, tag: Row) -> dict[str, Any]:
    """A tags search row (``Tag1``): no owning OG, no tag type (the model has neither)."""
    return {
        "Id": v1_id(tag["id"]),
        "TagName": tag["name"],
        "TagAvatar": tag["name"][:2].upper(),
        "Uuid": tag.get("uuid") or str(uuidlib.uuid5(uuidlib.NAMESPACE_OID, f"tag:{tag['id']}")),
        "DateTagged": tag.get("created", "2024-03-04T09:12:44.137"),
    }


def _sg_owner(index: TenantIndex, sg: Row) -> dict[str, Any]:
    og = index.ogs[sg["og_id"]]
    return {
        "ManagedByOrganizationGroupId": str(og["id"]),
        "ManagedByOrganizationGroupUuid": og["uuid"],
        "ManagedByOrganizationGroupName": og["name"],
    }


def _sg_device_count(index: TenantIndex, sg: Row) -> int:
    return sum(index.device_count(o) for og in _sg_ogs(sg) for o in index.subtree(og))


def _sg_ogs(sg: Row) -> list[int]:
    return list(sg.get("og_ids") or [sg["og_id"]])


def smart_group_row(index: TenantIndex, sg: Row) -> dict[str, Any]:
    """A smart group search row (``SmartGroupSearchModel``, Go SDK capture): no criteria."""
    return {
        "Name": sg["name"],
        "SmartGroupID": sg["id"],
        "SmartGroupUuid": sg["uuid"],
        **_sg_owner(index, sg),
        "Devices": _sg_device_count(index, sg),
        "Assignments": index.smart_group_assignments(sg["id"]),
        "Exclusions": 0,
    }


def smart_group_detail(index: TenantIndex, sg: Row) -> dict[str, Any]:
    """``GET /mdm/smartgroups/{id}`` (``SmartGroup``): the criteria; tag ids are strings."""
    tags = []
    for tag_id in sg.get("tag_ids", ()):
        ref: dict[str, Any] = {"Id": str(tag_id)}
        if sg.get("tag_names_in_criteria"):
            ref["Name"] = index.tags[tag_id]["name"]
        tags.append(ref)
    ogs = [
        {"Id": str(og_id), "Name": index.ogs[og_id]["name"], "Uuid": index.ogs[og_id]["uuid"]}
        for og_id in _sg_ogs(sg)
    ]
    return {
        "Name": sg["name"],
        "SmartGroupID": sg["id"],
        "SmartGroupUuid": sg["uuid"],
        "CriteriaType": sg.get("criteria_type", "All"),
        **_sg_owner(index, sg),
        "OrganizationGroups": ogs,
        "UserGroups": [],
        "Tags": tags,
        "Ownerships": list(sg.get("ownerships", ())),
        "Platforms": list(sg.get("platforms", ())),
        "Models": [],
        "OperatingSystems": [],
        "UserAdditions": [],
        "DeviceAdditions": [],
        "UserExclusions": [],
        "DeviceExclusions": [],
        "UserGroupExclusions": [],
        "Devices": _sg_device_count(index, sg),
        "Assignments": index.smart_group_assignments(sg["id"]),
        "Exclusions": 0,
    }


def smart_group_refs(index: TenantIndex, sg_ids: Any) -> list[dict[str, Any]]:
    return [{"Id": sg_id, "Name": index.smart_groups[sg_id]["name"]} for sg_id in sg_ids]
