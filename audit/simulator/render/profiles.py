"""Device profiles in the API's shapes: search rows and details with one section per payload."""

from __future__ import annotations

from typing import Any

from audit.simulator.render.values import Row
from audit.simulator.tenant import TenantIndex

__all__ = ["profile_detail", "profile_row"]


def _profile_status(profile: Row) -> str:
    return "Active" if profile.get("status", "Active") == "Active" else "Inactive"


def profile_row(index: TenantIndex, profile: Row) -> dict[str, Any]:
    """A profiles search row (v2 ``ProfileDetailsV2Entity``); the v1 search, which the
    vendor documents no response for, is served the same rows."""
    og = index.ogs[profile["og_id"]]
    refs = [
        {"Id": sg_id, "Name": index.smart_groups[sg_id]["name"]}
        for sg_id in profile.get("smart_group_ids", ())
    ]
    return {
        "ProfileId": profile["id"],
        "ProfileUuid": profile["uuid"],
        "ProfileName": profile["name"],
        "ProfileStatus": _profile_status(profile),
        "ProfileType": profile.get("context", "Device"),
        "Platform": profile.get("platform", "WinRT"),
        "Context": profile.get("context", "Device"),
        "AssignmentType": profile.get("assignment_type", "Auto"),
        "ManagedBy": og["name"],
        "OrganizationGroupId": profile["og_id"],
        "OrganizationGroupUuid": og["uuid"],
        "AssignmentSmartGroups": refs,
        "ExcludedSmartGroups": [],
    }


def _payload_section(payload: Row) -> dict[str, Any]:
    """A payload's section: Custom Settings as ``installSettings``/``removeSettings``
    (``WindowsDesktopCustomSettingsPayloadEntity``), any other its documented fields."""
    if payload["type"] == "CustomSettings":
        return {
            "Target": 1,
            "includeAtomic": "false",
            "installSettings": payload.get("syncml", ""),
            "removeSettings": payload.get("remove_syncml", ""),
        }
    return {k: v for k, v in payload.items() if k not in {"type", "name"}}


def profile_detail(index: TenantIndex, profile: Row) -> dict[str, Any]:
    """``GET /mdm/profiles/{id}`` (v2): ``General`` (``GeneralPayloadV2Entity``) plus one
    section per payload, keyed as the platform's profile model keys them (Windows Desktop:
    ``WindowsDesktopDeviceProfileEntity``)."""
    general: dict[str, Any] = {
        "ProfileId": profile["id"],
        "ProfileUuid": profile["uuid"],
        "Name": profile["name"],
        "Description": profile.get("description", ""),
        "Version": profile.get("version", 1),
        "ProfileScope": "Production",
        "ProfileContext": profile.get("context", "Device"),
        "AssignmentType": profile.get("assignment_type", "Auto"),
        "ManagedLocationGroupID": profile["og_id"],
        "AssignedSmartGroups": [
            {"SmartGroupId": sg_id, "Name": index.smart_groups[sg_id]["name"]}
            for sg_id in profile.get("smart_group_ids", ())
        ],
        "ExcludedSmartGroups": [],
        "AssignedGeofenceArea": [],
        "AssignedSchedule": [],
        "IsActive": _profile_status(profile) == "Active",
        "IsManaged": True,
        "EnableProvisioning": False,
        "AllowRemoval": "Always",
    }
    body: dict[str, Any] = {"General": general}
    for payload in profile.get("payloads", ()):
        body[payload["type"]] = _payload_section(payload)
    return body
