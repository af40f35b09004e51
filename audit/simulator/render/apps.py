"""Catalogue apps in the API's shapes: search rows and internal app details (assignments,
Win32 install options), and the bundle id that ties a device's app to its catalogue app.
"""

from __future__ import annotations

import uuid as uuidlib
from functools import lru_cache
from typing import Any

from audit.simulator.render.smart_groups import smart_group_refs
from audit.simulator.render.values import Row, platform_id, v1_id
from audit.simulator.tenant import TenantIndex

__all__ = ["app_bundle_id", "app_detail", "app_row"]


@lru_cache(maxsize=4096)
def _identifier(name: str) -> str:
    """A stable MSI-style product code for an app name."""
    return "{" + str(uuidlib.uuid5(uuidlib.NAMESPACE_URL, name)).upper() + "}"


def app_bundle_id(app: Row) -> str:
    """The bundle id of a catalogue app (``bundle_id``) or of a device's app row
    (``identifier``); by default one derived from the name, the same for both."""
    given = app.get("bundle_id") or app.get("identifier")
    return str(given) if given else _identifier(str(app.get("name", "")))


def app_row(index: TenantIndex, app: Row) -> dict[str, Any]:
    """A v1 app search row (``ApplicationEntity``); ``Platform`` is the integer platform id."""
    og = index.ogs[app["og_id"]]
    sg_ids = [a["smart_group_id"] for a in app.get("assignments", ())]
    return {
        "Id": v1_id(app["id"]),
        "Uuid": app["uuid"],
        "ApplicationName": app["name"],
        "BundleId": app_bundle_id(app),
        "AppVersion": app.get("version", "1.0.0.0"),
        "ActualFileVersion": app.get("version", "1.0.0.0"),
        "AppType": app.get("app_type", "Internal"),
        "Status": app.get("status", "Active"),
        "Platform": platform_id(app.get("platform", "WinRT")),
        "SupportedModels": {"Model": [{"ModelId": 83, "ModelName": "Desktop"}]},
        "AssignmentStatus": "Assigned" if sg_ids else "Not Assigned",
        "ApplicationSize": str(app.get("size_kb", 52_418)),
        "CategoryList": {"Category": []},
        "SmartGroups": smart_group_refs(index, sg_ids),
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
