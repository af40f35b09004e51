"""Rendering tenant rows into the UEM API's JSON shapes: the vendor's models.

One function per row shape, each following one model of the vendor's OpenAPI
(``../shared/uem-openapi/``, its ``components.schemas`` name in the docstring): only the
keys the model documents, with the documented types (``tests/test_vendor_contract.py``
validates every answer strictly). v1 rows carry ``"Id": {"Value": n}``; v2 rows
``"Id": n``; newer models ``id``/``uuid`` in snake case. Values follow public captures
(the JupiterOne HAR, the vendor's Go SDK fixtures, ``../shared/real_captures/``) where
they exist; the rest is plausible filler so that clients meet the noise a real tenant
sends. Missing optional tenant fields are defaulted here, the same way every time, so
renders are deterministic.
"""

from __future__ import annotations

import datetime as dt
import uuid as uuidlib
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from audit.simulator.tenant import PLATFORM_IDS, TenantIndex, device_uuid

__all__ = [
    "app_bundle_id",
    "app_detail",
    "app_row",
    "device_app_item",
    "device_app_row",
    "device_row",
    "discovery_body",
    "dropship_settings",
    "hub_device_row",
    "oem_sync",
    "og_child_row",
    "og_detail",
    "og_row_v1",
    "og_row_v2",
    "profile_detail",
    "profile_row",
    "registration_detail",
    "registration_row",
    "registration_uuid",
    "smart_group_detail",
    "smart_group_row",
    "tag_row",
]

Row = Mapping[str, Any]
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


def _v1_id(value: int) -> dict[str, int]:
    return {"Value": value}


def _created_on(ident: int) -> str:
    """A stable console-style timestamp ("10/27/2023 3:05:53 PM") derived from an id."""
    month, day, hour = 1 + ident % 12, 1 + ident % 28, 1 + ident % 11
    return f"{month}/{day}/2023 {hour}:{ident % 60:02d}:{(ident * 7) % 60:02d} PM"


@lru_cache(maxsize=4096)
def _identifier(name: str) -> str:
    """A stable MSI-style product code for an app name."""
    return "{" + str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, name)).upper() + "}"


def app_bundle_id(app: Row) -> str:
    """The bundle id of a catalogue app (``bundle_id``) or of a device's app row
    (``identifier``); by default one derived from the name, the same for both."""
    given = app.get("bundle_id") or app.get("identifier")
    return str(given) if given else _identifier(str(app.get("name", "")))


def _platform_id(platform: str) -> int:
    return PLATFORM_IDS.get(platform, 0)


def _og_common(index: TenantIndex, og: Row) -> dict[str, Any]:
    return {
        "Name": og["name"],
        "GroupId": og["group_id"],
        "LocationGroupType": og["type"],
        "Country": og.get("country", "United States"),
        "Locale": og.get("locale", "English (United States)"),
        "CreatedOn": og.get("created_on", _created_on(og["id"])),
        "LgLevel": len(index.ancestors(og["id"])),
        "Users": str(og.get("users", 0)),
        "Admins": str(og.get("admins", 2)),
        "Devices": str(index.device_count(og["id"])),
    }


def _customer_above(index: TenantIndex, og_id: int) -> bool:
    return any(index.ogs[a]["type"] == "Customer" for a in index.ancestors(og_id))


def og_row_v1(index: TenantIndex, og: Row) -> dict[str, Any]:
    """A v1 OG search row (``LocationGroup``): ``Id{Value}``, no ``Uuid`` (as captured)."""
    row: dict[str, Any] = {"Id": _v1_id(og["id"]), **_og_common(index, og)}
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
    return {"Id": _v1_id(parent_id), "Uuid": parent["uuid"]}


def og_child_row(index: TenantIndex, og: Row) -> dict[str, Any]:
    """A row of ``/system/groups/{id}/children`` (``LocationGroup``, HAR field order)."""
    common = _og_common(index, og)
    row = {k: common[k] for k in ("Name", "GroupId", "LocationGroupType", "Country", "Locale")}
    parent = _parent_ref(index, og)
    if parent is not None:  # the root has none (the model's EntityReference is not nullable)
        row["ParentLocationGroup"] = parent
    row.update({k: common[k] for k in ("CreatedOn", "LgLevel", "Users", "Admins", "Devices")})
    row["Id"] = _v1_id(og["id"])
    row["Uuid"] = og["uuid"]
    return row


def og_detail(index: TenantIndex, og: Row) -> dict[str, Any]:
    """``GET /system/groups/{id}`` (v1 ``LocationGroup``): the group with ``Uuid`` and its parent."""
    row: dict[str, Any] = {"Id": _v1_id(og["id"]), **_og_common(index, og)}
    parent = _parent_ref(index, og)
    if parent is not None:
        row["ParentLocationGroup"] = parent
    row["IsCustomerTypeExistInParentHierarchy"] = _customer_above(index, og["id"])
    row["Uuid"] = og["uuid"]
    return row


def tag_row(index: TenantIndex, tag: Row) -> dict[str, Any]:
    """A tags search row (``Tag1``): no owning OG, no tag type (the model has neither)."""
    return {
        "Id": _v1_id(tag["id"]),
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


def _sg_refs(index: TenantIndex, sg_ids: Any) -> list[dict[str, Any]]:
    return [{"Id": sg_id, "Name": index.smart_groups[sg_id]["name"]} for sg_id in sg_ids]


def app_row(index: TenantIndex, app: Row) -> dict[str, Any]:
    """A v1 app search row (``ApplicationEntity``); ``Platform`` is the integer platform id."""
    og = index.ogs[app["og_id"]]
    sg_ids = [a["smart_group_id"] for a in app.get("assignments", ())]
    return {
        "Id": _v1_id(app["id"]),
        "Uuid": app["uuid"],
        "ApplicationName": app["name"],
        "BundleId": app_bundle_id(app),
        "AppVersion": app.get("version", "1.0.0.0"),
        "ActualFileVersion": app.get("version", "1.0.0.0"),
        "AppType": app.get("app_type", "Internal"),
        "Status": app.get("status", "Active"),
        "Platform": _platform_id(app.get("platform", "WinRT")),
        "SupportedModels": {"Model": [{"ModelId": 83, "ModelName": "Desktop"}]},
        "AssignmentStatus": "Assigned" if sg_ids else "Not Assigned",
        "ApplicationSize": str(app.get("size_kb", 52_418)),
        "CategoryList": {"Category": []},
        "SmartGroups": _sg_refs(index, sg_ids),
        "IsReimbursable": False,
        "ApplicationSource": 0,
        "LocationGroupId": app["og_id"],
        "RootLocationGroupName": og["name"],
        "OrganizationGroupUuid": og["uuid"],
        "AppRank": 0,
        "AssignedDeviceCount": 0,
        "InstalledDeviceCount": 0,
        "NotInstalledDeviceCount": 0,
    }


def _assignment(index: TenantIndex, rank: int, assignment: Row) -> dict[str, Any]:
    """One ``ApplicationAssignmentModel`` (flags are "Enabled"/"Disabled" strings, as captured)."""
    sg = index.smart_groups[assignment["smart_group_id"]]
    push_mode = assignment.get("push_mode", "Auto")
    return {
        "SmartGroupId": sg["id"],
        "SmartGroupName": sg["name"],
        "SmartGroupUuid": sg["uuid"],
        "PushMode": push_mode,
        "Rank": rank,
        "EffectiveDate": "2024-03-04T00:00:00Z",
        "AutoUpdateDevicesWithPreviousVersion": "Enabled",
        "AllowManagement": "Disabled",
        "RemoveOnUnEnroll": "Disabled",
        "VisibleInAppCatalog": push_mode == "OnDemand",
        "AppAttributes": [],
        "AppConfigs": [],
        "ApplicationTransformIds": [],
    }


def _deployment_options(app: Row, file_name: str) -> dict[str, Any]:
    """``AppDeploymentOptionsModel`` of a Win32 app: when, how, and when it is installed."""
    return {
        "WhenToInstall": {
            "DiskSpaceRequiredInKb": 0,
            "DevicePowerRequired": 0,
            "RamRequiredInMb": 0,
            "DataContingencies": [],
        },
        "HowToInstall": {
            "InstallContext": app.get("install_context", "Device"),
            "InstallCommand": app.get("install_command", f'msiexec /i "{file_name}" /qn'),
            "AdminPrivileges": True,
            "DeviceRestart": "DoNotRestart",
            "RetryCount": 3,
            "RetryIntervalInMinutes": 5,
            "InstallTimeoutInMinutes": 60,
            "InstallerRebootExitCode": "1641",
            "InstallerSuccessExitCode": "0",
            "RestartDeadlineInDays": 0,
        },
        "WhenToCallInstallComplete": {
            "UseAdditionalCriteria": False,
            "IdentifyApplicationBy": "DefiningCriteria",
            "CriteriaList": [
                {
                    "CriteriaType": "AppExists",
                    "LogicalCondition": "End",
                    "AppCriteria": {
                        "ApplicationIdentifier": _identifier(app["name"]),
                        "VersionCondition": "Any",
                    },
                }
            ],
        },
    }


def app_detail(index: TenantIndex, app: Row) -> dict[str, Any]:
    """``GET /mam/apps/internal/{id}`` (``InternalAppModel``): assignments and, for Win32
    apps, install options; ids in snake case (``id``, ``uuid``), as the model has them."""
    og = index.ogs[app["og_id"]]
    body: dict[str, Any] = {
        "id": app["id"],
        "uuid": app["uuid"],
        "ApplicationName": app["name"],
        "AppId": app_bundle_id(app),
        "ActualFileVersion": app.get("version", "1.0.0.0"),
        "AirwatchAppVersion": "0.0.0.0",
        "BuildVersion": app.get("version", "1.0.0.0"),
        "AppSizeInKB": int(app.get("size_kb", 52_418)),
        "Status": app.get("status", "Active"),
        "Platform": app.get("platform", "WinRT"),
        "ManagedBy": og["name"],
        "ManagedByUuid": og["uuid"],
        "Assignments": [
            _assignment(index, rank, a) for rank, a in enumerate(app.get("assignments", ()), 1)
        ],
        "ExcludedSmartGroupIds": [],
        "CategoryList": [],
        "SupportedModels": [],
        "ChangeLog": "",
        "Comments": "",
    }
    if app.get("install_options", False):
        file_name = app.get("file_name", f"{app['name'].split()[0]}.msi")
        body["DeploymentOptions"] = _deployment_options(app, file_name)
    return body


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
        "Id": _v1_id(ident),
        "Udid": uuid.replace("-", "").upper(),
        "SerialNumber": device.get("serial", f"SIM{ident:08d}"),
        "MacAddress": f"{(ident * 2654435761) & 0xFFFFFFFFFFFF:012X}",
        "Imei": "",
        "EasId": "",
        "AssetNumber": uuid.replace("-", "").upper(),
        "DeviceFriendlyName": device.get("name", f"DEVICE-{ident}"),
        "DeviceReportedName": device.get("name", f"DEVICE-{ident}"),
        "LocationGroupId": {"Id": _v1_id(og["id"]), "Name": og["name"], "Uuid": og["uuid"]},
        "LocationGroupName": og["name"],
        "UserId": {"Id": _v1_id(100_000 + ident), "Name": user},
        "UserName": user,
        "UserEmailAddress": device.get("email", f"{user}@{og['group_id']}.example"),
        "Ownership": device.get("ownership", "C"),
        "PlatformId": {"Id": _v1_id(_platform_id(platform)), "Name": platform},
        "Platform": platform,
        "ModelId": {"Id": _v1_id(83 if platform == "WinRT" else 1), "Name": model},
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


def registration_uuid(reg: Row, og_uuid: str) -> str:
    """A registration's token UUID: its own, else a stable one from its OG and serial."""
    return str(
        reg.get("uuid") or uuidlib.uuid5(uuidlib.NAMESPACE_OID, f"{og_uuid}/{reg['serial_number']}")
    )


def registration_row(index: TenantIndex, reg: Row, og_id: int) -> dict[str, Any]:
    """An enrollment-token list row (``EnrollmentTokenGetByCriteriaDetailModel``): no tags,
    no name, no type (those are in the token's details)."""
    return {
        "uuid": registration_uuid(reg, index.ogs[og_id]["uuid"]),
        "serial_number": reg["serial_number"],
        "imei": reg.get("imei", ""),
        "enrollment_status": reg.get("enrollment_status", "Registered"),
        "compliance_status": reg.get("compliance_status", "Compliant"),
        "platform": reg.get("platform", "WinRT"),
    }


def registration_detail(index: TenantIndex, reg: Row, og_id: int) -> dict[str, Any]:
    """An enrollment token's details (``EnrollmentTokenResponseV1Model``): tags (strings),
    type (``DropshipProvisioning`` for a Drop Ship registration), name and model."""
    og = index.ogs[og_id]
    return {
        "organization_group_name": og["name"],
        "friendly_name": reg.get("friendly_name", reg["serial_number"]),
        "udid": "",
        "serial_number": reg["serial_number"],
        "imei": reg.get("imei", ""),
        "asset_number": "",
        "operating_system": "",
        "platform": reg.get("platform", "WinRT"),
        "model_name": reg.get("model_number", ""),
        "enrollment_status": reg.get("enrollment_status", "Registered"),
        "status": "RegistrationActive",
        "source": reg.get("source", "API"),
        "type": reg.get("type", "DropshipProvisioning"),
        "registration_date": reg.get("created_on", "2025-10-01T09:00:00Z"),
        "user_name": reg.get("user_name", ""),
        "ownership_type": reg.get("ownership_type", "CorporateDedicated"),
        "tags": [str(name) for name in reg.get("tags", ())],
        "message_type": "None",
        "send_to": "",
        "profile_name": "",
    }


def discovery_body(entry: Row, base_url: str) -> dict[str, Any]:
    """The discovery service's answer for a registered email domain."""
    group_id = entry["group_id"]
    return {
        "EnrollmentUrl": entry.get("enrollment_url", f"{base_url}/DeviceServices/Enrollment"),
        "GroupId": group_id,
        "TenantGroup": entry.get("tenant_group", group_id),
        "GreenboxUrl": entry.get("greenbox_url", ""),
        "mdm": {
            "deviceServicesUrl": entry.get("device_services_url", f"{base_url}/DeviceServices"),
            "apiServerUrl": entry.get("api_server_url", base_url),
            "organizationGroupId": group_id,
        },
    }
