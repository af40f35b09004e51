"""Devices in the API's shapes: search rows, their apps (the v1 list and the search), and
the rows of the app-centric device lists (a device with a catalogue app installed).
"""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from audit.simulator.render.apps import app_bundle_id
from audit.simulator.render.values import Row, platform_id, v1_id
from audit.simulator.tenant import TenantIndex, device_uuid

__all__ = ["device_app_item", "device_app_row", "device_row", "hub_device_row"]


_MODELS = {
    "WinRT": (
        "HP EliteBook 840 G10",
        "Dell Latitude 7440",
        "Lenovo ThinkPad T14 Gen 4",
        "Microsoft Surface Laptop 5",
    ),
    "Apple": ("iPhone 15", "iPad Air (5th generation)"),
    "Android": ("Samsung Galaxy S23", "Google Pixel 8"),
}


_OS = {"WinRT": "10.0.22631.3447", "Apple": "17.4.1", "Android": "14.0.0"}


def device_row(index: TenantIndex, device: Row) -> dict[str, Any]:
    """A v1 device search row (fields as listed in UEM_API.md section 2)."""
    ident = device["id"]
    uuid = device_uuid(device)
    platform = device["platform"]
    og = index.ogs[device["og_id"]]
    models = _MODELS.get(platform, ("Unknown",))
    model = device.get("model", models[ident % len(models)])
    user = device.get("user", f"user{ident:05d}")
    return {
        "Id": v1_id(ident),
        "Udid": uuid.replace("-", "").upper(),
        "SerialNumber": device.get("serial", f"SIM{ident:08d}"),
        "MacAddress": f"{(ident * 2654435761) & 0xFFFFFFFFFFFF:012X}",
        "Imei": "",
        "EasId": "",
        "AssetNumber": uuid.replace("-", "").upper(),
        "DeviceFriendlyName": device.get("name", f"DEVICE-{ident}"),
        "DeviceReportedName": device.get("name", f"DEVICE-{ident}"),
        "LocationGroupId": {"Id": v1_id(og["id"]), "Name": og["name"], "Uuid": og["uuid"]},
        "LocationGroupName": og["name"],
        "UserId": {"Id": v1_id(100_000 + ident), "Name": user},
        "UserName": user,
        "UserEmailAddress": device.get("email", f"{user}@{og['group_id']}.example"),
        "Ownership": device.get("ownership", "C"),
        "PlatformId": {"Id": v1_id(platform_id(platform)), "Name": platform},
        "Platform": platform,
        "ModelId": {"Id": v1_id(83 if platform == "WinRT" else 1), "Name": model},
        "Model": model,
        "OperatingSystem": device.get("os_version", _OS.get(platform, "")),
        "PhoneNumber": "",
        "LastSeen": device.get("last_seen", "2025-11-20T10:00:00"),
        "EnrollmentStatus": device.get("enrollment_status", "Enrolled"),
        "ComplianceStatus": device.get("compliance_status", "Compliant"),
        "CompromisedStatus": False,
        "LastEnrolledOn": device.get("enrolled_on", "2025-06-02T08:30:00"),
        "IsSupervised": False,
        "IsRemoteManagementEnabled": "false",
        "DataEncryptionYN": "Y" if platform == "WinRT" else "N",
        "VirtualMemory": 0,
        "Uuid": uuid,
    }


#: ``DeviceApplicationInfo.Status``'s declared names, by the tenant's status text.
_APP_STATUS = {
    "installed": "installed",
    "pendinginstall": "pendinginstall",
    "pendingremoval": "pendingremoval",
    "removed": "removed",
}


def device_app_row(app: Row) -> dict[str, Any]:
    """A row of ``/mdm/devices/{id}/apps`` (v1 ``DeviceAppsResult.DeviceApps[]``)."""
    version = app.get("version", "")
    status = str(app.get("status", "Installed")).replace(" ", "").lower()
    return {
        "ApplicationName": app.get("name", ""),
        "Version": version,
        "BuildVersion": app.get("build_version", version),
        "Status": _APP_STATUS.get(status, "unknown"),
        "Size": str(app.get("size_kb", 0)),
        "ApplicationIdentifier": app_bundle_id(app),
        "Type": app.get("type", "Internal"),
        "IsManaged": app.get("managed", True),
    }


def device_app_item(app: Row) -> dict[str, Any]:
    """A row of ``/mdm/devices/{uuid}/apps/search`` (``AppItemV1Model``)."""
    name = str(app.get("name", ""))
    status = str(app.get("status", "Installed")).replace(" ", "").lower()
    installed = status == "installed"
    return {
        "name": name,
        "display_name": name,
        "bundle_id": app_bundle_id(app),
        "application_uuid": str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, f"app:{name}")),
        "installed_version": str(app.get("version", "")) if installed else "",
        "installed_status": "Installed" if installed else "NotInstalled",
        "assigned_version": str(app.get("version", "")),
        "assignment_status": "Assigned" if app.get("managed", True) else "NotAssigned",
        "size": str(app.get("size_kb", 0) * 1024),
    }


def hub_device_row(
    index: TenantIndex, device: Row, installed: Row, app: Row, assigned: bool
) -> dict[str, Any]:
    """A row of the app-centric device lists (``DevicesPagedSearchResultsModel.devices[]``,
    ``DeviceInfoModel``): one device with catalogue app ``app`` installed (``installed`` is
    the device's app row)."""
    version = str(installed.get("version", ""))
    return {
        "device_id": device["id"],
        "device_uuid": device_uuid(device),
        "friendly_name": device.get("name", f"DEVICE-{device['id']}"),
        "application_uuid": app["uuid"],
        "installed_status": "Installed",
        "installed_version": version,
        "assigned_version": str(app.get("version", version)),
        "assignment_status": "Assigned" if assigned else "NotAssigned",
        "assignment_type": "Default",
        "enrollment_user_id": 100_000 + device["id"],
        "enrollment_user_name": device.get("user", f"user{device['id']:05d}"),
        "ownership_type": "CorporateDedicated",
        "management_type": "MDM",
        "is_device_up": True,
        "latest_app_reason": "Installed",
        "last_action_taken": "InstallCommandDispatched",
        "requires_approval": False,
        "approval_received": False,
        "app_sample_last_seen_date": device.get("last_seen", "2025-11-20T10:00:00") + "Z",
    }
