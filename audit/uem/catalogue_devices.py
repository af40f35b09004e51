"""The endpoint catalogue's entries for the devices: the list, their Hub, their registrations.

The Windows devices of the Drop Ship OG, the Intelligent Hub version of each (app-centric
lists, or per device), the enrollment tokens of the devices registered for Drop Ship, and
the OG's Drop Ship Provisioning settings and last OEM sync. The fields' use:
``audit/uem/catalogue.py``, which assembles every area's entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from audit.uem.endpoint import Endpoint, models, refs, rest_read

#: What the two app-centric device lists of the Hub share (``DevicesPagedSearchResultsModel``).
_HUB_DEVICE_LIST: Mapping[str, Any] = MappingProxyType(
    {
        "items": ("devices",),
        "ids": ("device_id",),
        "refs": refs(uuid=("device_uuid",)),
        "paging": "v1",
        "frames": ("devices",),
        "depends": ("apps",),
        "scope": "item",
        "per_item": True,
        "models": models(v1="DevicesPagedSearchResultsModel"),
        "permission": rest_read("Apps"),
        "trim": "hub_device_fields",
    }
)

ENTRIES: tuple[Endpoint, ...] = (
    Endpoint(
        "devices",
        "/api/mdm/devices/search",
        "the Windows devices of the organization group",
        query={"lgid": "{og_id}", "platform": "WinRT"},
        items=("Devices",),
        ids=("Id",),
        refs=refs(uuid=("Uuid",), og=("LocationGroupId",), platform_id=("PlatformId",)),
        paging="v1",
        frames=("devices",),
        depends=("og_search", "og_children"),
        scope="og_id",
        models=models(v1="DeviceSearchResultExtended"),
        permission=rest_read("Devices"),
        trim="device_fields",
        notes="**204, no body** when nothing matches; recorded trimmed to the fields read",
    ),
    Endpoint(
        "hub_app_search",
        "/api/mam/apps/search",
        "the Intelligent Hub in the app catalogue",
        query={
            "platform": "WinRT",
            "bundleid": "{bundleid}",
            "locationgroupid": "{og_id}",
            "IncludeAppsFromParentOgs": "true",
        },
        items=("Application",),
        ids=("Id",),
        refs=refs(uuid=("Uuid",), bundle=("BundleId",), og_uuid=("OrganizationGroupUuid",)),
        paging="v1",
        frames=("devices",),
        depends=("apps", "device_app_search"),
        models=models(v1="ApplicationSearchResult"),
        permission=rest_read("Apps"),
        notes="only when no app of the `apps` list is the Hub: by the bundle id of one "
        "device's Hub row, parent OGs included",
    ),
    Endpoint(
        "hub_devices",
        "/api/mam/apps/internal/devices",
        "the Intelligent Hub versions installed (app-centric device list)",
        query={
            "bundleid": "{bundleid}",
            "devicetype": "WinRT",
            "apporganizationgroupuuid": "{app_og_uuid}",
            "organizationgroupuuid": "{og_uuid}",
            "isassigned": "true",
            "isnotassigned": "true",
        },
        **_HUB_DEVICE_LIST,
        notes="every version of an internal Hub app at once, assigned or not; "
        "`installed_status`, `installed_version`; recorded trimmed to the fields read",
    ),
    Endpoint(
        "hub_app_devices",
        "/api/mam/apps/{uuid}/devices",
        "the Intelligent Hub versions installed (app-centric device list)",
        query={"isinstalled": "true", "organizationgroupuuid": "{og_uuid}"},
        **_HUB_DEVICE_LIST,
        notes="for a Hub app of another type than internal (a public store app), per app",
    ),
    Endpoint(
        "device_app_search",
        "/api/mdm/devices/{deviceUuid}/apps/search",
        "the devices' Intelligent Hub (app search per device)",
        query={"searchtext": "{searchtext}"},
        items=("app_items",),
        refs=refs(bundle=("bundle_id",)),
        frames=("devices",),
        depends=("devices",),
        scope="item",
        per_item=True,
        paging="v1",
        models=models(v1="AppV1PagedSearchResultsModel"),
        permission=rest_read("Devices"),
        trim="hub_rows",
        notes="one page per Windows device in scope the app-centric lists do not cover (none "
        "for a device cached since its last check-in); a second one only for a device with "
        "no Hub, by its older name",
    ),
    Endpoint(
        "device_apps",
        "/api/mdm/devices/{id}/apps",
        "the devices' app inventories",
        items=("DeviceApps",),
        refs=refs(bundle=("ApplicationIdentifier",)),
        frames=("devices",),
        depends=("devices",),
        scope="item",
        per_item=True,
        paging="v1",
        models=models(v1="DeviceAppsResult"),
        permission=rest_read("Devices"),
        trim="hub_rows",
        notes="only on a console that does not route the app search per device (HTML 404), "
        "or for a device listed without a `Uuid`; recorded trimmed to the Hub rows",
    ),
    Endpoint(
        "registrations",
        "/api/mdm/groups/{ogUuid}/enrollment-tokens",
        "the devices registered for Drop Ship (enrollment tokens)",
        items=("tokens",),
        ids=("uuid",),
        paging="snake",
        frames=("registrations",),
        depends=("og_search", "og_detail"),
        scope="og_uuid",
        models=models(v1="EnrollmentTokenGetByCriteriaResponseModel"),
        permission=rest_read("Enrollment Tokens"),
        notes="rows: `uuid, serial_number, imei, enrollment_status, compliance_status, "
        "platform`, no tags; 204 when empty",
    ),
    Endpoint(
        "registration_detail",
        "/api/mdm/groups/{ogUuid}/enrollment-tokens/{tokenUuid}",
        "the registered devices' tags and token type",
        frames=("registrations",),
        depends=("registrations",),
        scope="item",
        per_item=True,
        models=models(v1="EnrollmentTokenResponseV1Model"),
        permission=rest_read("Enrollment Tokens"),
        notes="`tags` (strings), `type` (DropshipProvisioning), `friendly_name`, `model_name`; "
        "read in list order until the tag verdict is decided",
    ),
    Endpoint(
        "dropship_settings",
        "/api/system/groups/{uuid}/dropship-provisioning",
        "the Drop Ship Provisioning settings of the organization group",
        refs=refs(
            enabled=("enable_dropship_provisioning",),
            username=("username",),
            og_uuid=("organization_group_uuid",),
            sub_ogs=("sub_organization_groups",),
            sub_og_uuid=("uuid",),
        ),
        frames=(),
        depends=("og_search", "og_detail"),
        scope="og_uuid",
        models=models(v1="DropshipProvisioningSettingsDetailsResponseV1Model"),
        permission=rest_read("Groups"),
        notes="`enable_dropship_provisioning`, `username`, `sub_organization_groups[]`; "
        "`password` (the staging password) is redacted when recorded; 404 on consoles "
        "before about 22.12",
    ),
    Endpoint(
        "oem_sync",
        "/api/mdm/groups/{ogUuid}/last-sync",
        "the last sync with the OEM Provisioning Service",
        refs=refs(last_sync=("last_sync",)),
        frames=(),
        depends=("og_search", "og_detail"),
        scope="og_uuid",
        models=models(v1="OPSDeviceLastSyncDetailsV1Model"),
        permission=rest_read("Enrollment Tokens"),
        notes="`last_sync` (UTC date-time); absent when the OG never synced",
    ),
)
