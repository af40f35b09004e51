"""The endpoint catalogue: every endpoint ws1-audit calls, said once.

One :class:`Endpoint` per request kind: its purpose (how the snapshot records it and the
inventory finds it again), method, path template (the parameter names of the vendor's
OpenAPI, ``../shared/uem-openapi/``), the API versions asked, the list envelope keys, the
id keys of a row and the keys its rows refer to other things by, the paging style, the
inventory frames it feeds, the entries it depends on, the vendor response model it
follows, and a hook slot (``trim``) naming how its records are trimmed (``audit.trim``).

The collector reads every path, version, envelope and id key from here; the inventory
builder, the scope rules and the checks (evidence ``source``, gap dependencies) look
entries up by purpose; ``docs/collection.md`` carries the table :func:`markdown_table`
renders (a test keeps them equal); the contract test (``tests/test_vendor_contract.py``)
checks every entry against the vendor's documents and the simulator's routes against
the entries. No endpoint string, envelope key or id alias is spelt anywhere else in the
product.

Adding an endpoint is adding an entry: an entry whose path needs only the Drop Ship OG's
id (``scope="og_id"``) or UUID (``scope="og_uuid"``) is read by the collector's generic
loop; a per-item entry (``per_item``) needs the selection of the items it is read for.

Permission names (``permission``) are those of the admin role editor (Accounts >
Administrators > Roles, category API > REST). "REST API Groups Read", "Smart Groups Read",
"Apps Read" and "Devices Read" are documented in a vendor integration guide (Check Point
Harmony Mobile, Appendix B); the others follow the same naming and are unconfirmed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Any

from audit.uem import endpoint
from audit.uem.endpoint import Endpoint, Scope

#: The OAuth 2.0 token URL of each SaaS region (UEM_API.md, Authentication).
REGION_TOKEN_URLS: Mapping[str, str] = MappingProxyType(
    {
        "na": "https://na.uemauth.workspaceone.com/connect/token",
        "emea": "https://emea.uemauth.workspaceone.com/connect/token",
        "apac": "https://apac.uemauth.workspaceone.com/connect/token",
        "uat": "https://uat.uemauth.workspaceone.com/connect/token",
    }
)
#: The public discovery service (UEM_API.md section 5).
DEFAULT_AUTODISCOVERY_URL = "https://discovery.awmdm.com"
#: The root of every UEM API path (the API version may follow it: ``/api/v2/...``).
API_ROOT = "/api"
#: Where the admin role permissions are granted, for remediation texts.
ROLE_EDITOR = "Accounts > Administrators > Roles"


def _refs(**keys: tuple[str, ...]) -> Mapping[str, tuple[str, ...]]:
    return MappingProxyType(dict(keys))


def _models(**by_version: str) -> Mapping[int, str]:
    return MappingProxyType({int(k.lstrip("v")): v for k, v in by_version.items()})


_REST = "REST API {} Read"
#: What the two app-centric device lists of the Hub share (``DevicesPagedSearchResultsModel``).
_HUB_DEVICE_LIST: Mapping[str, Any] = MappingProxyType(
    {
        "items": ("devices",),
        "ids": ("device_id",),
        "refs": _refs(uuid=("device_uuid",)),
        "paging": "v1",
        "frames": ("devices",),
        "depends": ("apps",),
        "scope": "item",
        "per_item": True,
        "models": _models(v1="DevicesPagedSearchResultsModel"),
        "permission": _REST.format("Apps"),
        "trim": "hub_device_fields",
    }
)

ENTRIES: tuple[Endpoint, ...] = (
    Endpoint(
        "system_info",
        "/api/system/info",
        "the console version",
        models=_models(v1="ServiceDocument"),
        permission=_REST.format("System"),
        notes="`ProductVersion` is the console release; `Version` is the API version, never read",
    ),
    Endpoint(
        "discovery",
        "{autodiscovery_url}/autodiscovery/awcredentials.aws/v2/domainlookup/domain/{domain}",
        "the autodiscovery registration of the e-mail domain",
        versions=(),
        not_uem="the public discovery service (no authentication), not the tenant's API",
        notes="`GroupId`, `EnrollmentUrl`; any non-200 means not registered",
    ),
    Endpoint(
        "oauth_token",
        "{token_url}",
        "an OAuth access token",
        versions=(),
        method="POST",
        not_uem="the region's OAuth 2.0 token service (client credentials), not the tenant's API",
        notes="form `grant_type=client_credentials`; recorded without its body",
    ),
    Endpoint(
        "og_search",
        "/api/system/groups/search",
        "the organization groups matching the GroupId",
        versions=(2, 1),
        query={"groupid": "{group_id}"},
        items=("OrganizationGroups", "LocationGroups"),
        ids=("Id",),
        refs=_refs(uuid=("Uuid",)),
        paging="v1",
        frames=("org_groups",),
        models=_models(
            v2="OrganizationGroupPagedSearchResultModel", v1="LocationGroupSearchResult"
        ),
        permission=_REST.format("Groups"),
        notes="substring match: the exact GroupId is picked; v1 rows have no `Uuid`",
    ),
    Endpoint(
        "og_list",
        "/api/system/groups/search",
        "the organization groups the API account sees",
        versions=(2, 1),
        query={},
        items=("OrganizationGroups", "LocationGroups"),
        ids=("Id",),
        paging="v1",
        models=_models(
            v2="OrganizationGroupPagedSearchResultModel", v1="LocationGroupSearchResult"
        ),
        permission=_REST.format("Groups"),
        collected=False,
        notes="only when no OG has the configured GroupId: its first page names what the account sees",
    ),
    Endpoint(
        "og_children",
        "/api/system/groups/{id}/children",
        "the organization group's subtree",
        query={},
        items=("",),
        ids=("Id",),
        refs=_refs(uuid=("Uuid",), parent=("ParentLocationGroup",)),
        frames=("org_groups",),
        depends=("og_search",),
        scope="og_id",
        models=_models(v1="LocationGroup"),
        permission=_REST.format("Groups"),
        notes="a bare array: the group itself and every descendant with its parent",
    ),
    Endpoint(
        "og_detail",
        "/api/system/groups/{id}",
        "the organization group's details",
        ids=("Id",),
        refs=_refs(uuid=("Uuid",), parent=("ParentLocationGroup",)),
        frames=("org_groups",),
        depends=("og_search",),
        models=_models(v1="LocationGroup"),
        permission=_REST.format("Groups"),
        notes="only when neither the search row nor the children answer has the `Uuid`",
    ),
    Endpoint(
        "og_ancestor",
        "/api/system/groups/{id}",
        "the parent chain of the organization group",
        ids=("Id",),
        refs=_refs(parent=("ParentLocationGroup",)),
        frames=("org_groups",),
        depends=("og_children",),
        scope="item",
        per_item=True,
        models=_models(v1="LocationGroup"),
        permission=_REST.format("Groups"),
        notes="one per level above the parent, only while a smart group's owner is unplaced",
    ),
    Endpoint(
        "tags",
        "/api/mdm/tags/search",
        "the tags visible at the organization group",
        query={"organizationgroupid": "{og_id}"},
        items=("Tags",),
        ids=("Id",),
        paging="v1",
        frames=("tags",),
        depends=("og_search",),
        scope="og_id",
        models=_models(v1="TagsSearchResult"),
        permission=_REST.format("Tags"),
        notes="`TagName`; rows carry no owning OG",
    ),
    Endpoint(
        "smart_groups",
        "/api/mdm/smartgroups/search",
        "the smart groups visible at the organization group",
        query={"organizationgroupid": "{og_id}"},
        items=("SmartGroups",),
        ids=("SmartGroupID",),
        refs=_refs(uuid=("SmartGroupUuid",), owner=("ManagedByOrganizationGroupId",)),
        paging="v1",
        frames=("smart_groups",),
        depends=("og_search",),
        scope="og_id",
        models=_models(v1="SmartGroupSearchResult"),
        permission=_REST.format("Smart Groups"),
        notes="`ManagedByOrganizationGroupId` is a string",
    ),
    Endpoint(
        "smart_group",
        "/api/mdm/smartgroups/{id}",
        "the smart groups' criteria",
        ids=("SmartGroupID",),
        refs=_refs(tags=("Tags",), tag_id=("Id",)),
        frames=("smart_groups",),
        depends=("smart_groups", "og_children", "og_ancestor"),
        scope="item",
        per_item=True,
        models=_models(v1="SmartGroup"),
        permission=_REST.format("Smart Groups"),
        notes="criteria `Tags[{Id (a string), Name}]`; for the configured smart groups, else "
        "every one managed in the subtree or by an ancestor",
    ),
    Endpoint(
        "apps",
        "/api/mam/apps/search",
        "the Windows apps of the organization group",
        query={"platform": "WinRT", "locationgroupid": "{og_id}"},
        items=("Application",),
        ids=("Id",),
        refs=_refs(
            uuid=("Uuid",),
            og=("LocationGroupId",),
            og_uuid=("OrganizationGroupUuid",),
            bundle=("BundleId",),
            smart_groups=("SmartGroups",),
            smart_group_id=("Id",),
        ),
        paging="v1",
        frames=("apps",),
        depends=("og_search",),
        scope="og_id",
        models=_models(v1="ApplicationSearchResult"),
        permission=_REST.format("Apps"),
        notes="`Platform` an integer (12: Windows desktop); `SmartGroups[{Id, Name}]`",
    ),
    Endpoint(
        "app_detail",
        "/api/mam/apps/internal/{applicationId}",
        "the internal apps' assignments and install options",
        ids=("id",),
        refs=_refs(
            assignments=("Assignments",),
            smart_group_id=("SmartGroupId",),
            smart_group_uuid=("SmartGroupUuid",),
        ),
        frames=("apps", "app_assignments"),
        depends=("apps", "smart_group", "tags"),
        scope="item",
        per_item=True,
        models=_models(v1="InternalAppModel"),
        permission=_REST.format("Apps"),
        notes="`Assignments[].PushMode`, `DeploymentOptions.HowToInstall.InstallContext`; for "
        "internal apps assigned to a Drop Ship smart group",
    ),
    Endpoint(
        "profiles",
        "/api/mdm/profiles/search",
        "the Windows profiles of the organization group",
        versions=(2, 1),
        query={"organizationgroupid": "{og_id}", "platform": "WinRT"},
        items=("ProfileList", "Profiles"),
        ids=("ProfileId",),
        refs=_refs(
            uuid=("ProfileUuid",),
            og=("OrganizationGroupId",),
            smart_groups=("AssignmentSmartGroups",),
            smart_group_id=("Id",),
        ),
        paging="v1",
        frames=("profiles", "profile_assignments"),
        depends=("og_search",),
        scope="og_id",
        models=_models(v2="ProfileSearchResultV2Entity"),
        undocumented=MappingProxyType(
            {1: "mdmv1 ProfilesV1_Search declares no response body; parsed like v2"}
        ),
        permission=_REST.format("Profiles"),
        notes="`ProfileStatus` (Active / Inactive), `AssignmentSmartGroups[{Id, Name}]`",
    ),
    Endpoint(
        "profile_detail",
        "/api/mdm/profiles/{profileId}",
        "the profiles' payloads",
        versions=(2,),
        ids=("ProfileId",),
        refs=_refs(
            general=("General",),
            smart_groups=("AssignedSmartGroups",),
            smart_group_id=("SmartGroupId",),
        ),
        frames=("profiles", "profile_assignments"),
        depends=("profiles", "smart_group", "tags"),
        scope="item",
        per_item=True,
        models=_models(v2="DeviceProfileV2Entity"),
        permission=_REST.format("Profiles"),
        notes="`General{IsActive, AssignedSmartGroups}` plus one key per payload (`CustomSettings"
        "{installSettings}`); for active profiles assigned to a Drop Ship smart group",
    ),
    Endpoint(
        "devices",
        "/api/mdm/devices/search",
        "the Windows devices of the organization group",
        query={"lgid": "{og_id}", "platform": "WinRT"},
        items=("Devices",),
        ids=("Id",),
        refs=_refs(uuid=("Uuid",), og=("LocationGroupId",), platform_id=("PlatformId",)),
        paging="v1",
        frames=("devices",),
        depends=("og_search", "og_children"),
        scope="og_id",
        models=_models(v1="DeviceSearchResultExtended"),
        permission=_REST.format("Devices"),
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
        refs=_refs(uuid=("Uuid",), bundle=("BundleId",), og_uuid=("OrganizationGroupUuid",)),
        paging="v1",
        frames=("devices",),
        depends=("apps", "device_app_search"),
        models=_models(v1="ApplicationSearchResult"),
        permission=_REST.format("Apps"),
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
        refs=_refs(bundle=("bundle_id",)),
        frames=("devices",),
        depends=("devices",),
        scope="item",
        per_item=True,
        paging="v1",
        models=_models(v1="AppV1PagedSearchResultsModel"),
        permission=_REST.format("Devices"),
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
        refs=_refs(bundle=("ApplicationIdentifier",)),
        frames=("devices",),
        depends=("devices",),
        scope="item",
        per_item=True,
        paging="v1",
        models=_models(v1="DeviceAppsResult"),
        permission=_REST.format("Devices"),
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
        models=_models(v1="EnrollmentTokenGetByCriteriaResponseModel"),
        permission=_REST.format("Enrollment Tokens"),
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
        models=_models(v1="EnrollmentTokenResponseV1Model"),
        permission=_REST.format("Enrollment Tokens"),
        notes="`tags` (strings), `type` (DropshipProvisioning), `friendly_name`, `model_name`; "
        "read in list order until the tag verdict is decided",
    ),
    Endpoint(
        "dropship_settings",
        "/api/system/groups/{uuid}/dropship-provisioning",
        "the Drop Ship Provisioning settings of the organization group",
        refs=_refs(
            enabled=("enable_dropship_provisioning",),
            username=("username",),
            og_uuid=("organization_group_uuid",),
            sub_ogs=("sub_organization_groups",),
            sub_og_uuid=("uuid",),
        ),
        frames=(),
        depends=("og_search", "og_detail"),
        scope="og_uuid",
        models=_models(v1="DropshipProvisioningSettingsDetailsResponseV1Model"),
        permission=_REST.format("Groups"),
        notes="`enable_dropship_provisioning`, `username`, `sub_organization_groups[]`; "
        "`password` (the staging password) is redacted when recorded; 404 on consoles "
        "before about 22.12",
    ),
    Endpoint(
        "oem_sync",
        "/api/mdm/groups/{ogUuid}/last-sync",
        "the last sync with the OEM Provisioning Service",
        refs=_refs(last_sync=("last_sync",)),
        frames=(),
        depends=("og_search", "og_detail"),
        scope="og_uuid",
        models=_models(v1="OPSDeviceLastSyncDetailsV1Model"),
        permission=_REST.format("Enrollment Tokens"),
        notes="`last_sync` (UTC date-time); absent when the OG never synced",
    ),
    Endpoint(
        "profiles_v3",
        "/api/mdm/profiles/search",
        "profiles (a search by POST)",
        versions=(3,),
        method="POST",
        models=_models(v3="ProfilesSearchResultV3Model"),
        permission=_REST.format("Profiles"),
        collected=False,
        notes="a read by POST, allowed to plugins; the collector does not call it",
    ),
)

BY_PURPOSE: Mapping[str, Endpoint] = MappingProxyType({e.purpose: e for e in ENTRIES})


def entry(purpose: str) -> Endpoint:
    """The entry of a purpose, or of a per-item purpose (``"smart_group:12"``)."""
    return BY_PURPOSE[purpose.split(":", 1)[0]]


def find(purpose: str) -> Endpoint | None:
    """Like :func:`entry`, None for a purpose the catalogue does not know (a plugin's)."""
    return BY_PURPOSE.get(purpose.split(":", 1)[0])


def label(purpose: str) -> str:
    """``"GET /api/..."`` of a purpose."""
    return entry(purpose).label


#: The placeholder names the generic loops fill with the Drop Ship OG's id or UUID (the
#: OpenAPI names the same value differently on different paths).
SCOPE_NAMES: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "og_id": ("og_id", "id", "organizationGroupId"),
        "og_uuid": ("og_uuid", "ogUuid", "uuid", "organizationGroupUuid"),
    }
)


def scope_values(scope: Scope, value: object) -> dict[str, object]:
    """The placeholder values of a scope (``{"og_id": 570, "id": 570, ...}``)."""
    return dict.fromkeys(SCOPE_NAMES[scope], value)


def scoped(scope: Scope) -> tuple[Endpoint, ...]:
    """The collected entries whose path and query need only ``scope`` (catalogue order)."""
    return tuple(e for e in ENTRIES if e.scope == scope and e.collected)


def upstream(*purposes: str) -> set[str]:
    """``purposes`` and every purpose they depend on, transitively."""
    seen: set[str] = set()
    todo = [p.split(":", 1)[0] for p in purposes]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        known = BY_PURPOSE.get(name)
        if known is not None:
            todo.extend(known.depends)
    return seen


def sources(*purposes: str) -> str:
    """Evidence ``source`` text for ``purposes``: ``"GET /a, /b"`` (one method named once)."""
    out: list[str] = []
    method = ""
    for p in purposes:
        e = entry(p)
        out.append(e.path if e.method == method else e.label)
        method = e.method
    return ", ".join(dict.fromkeys(out))


def frame_sources() -> dict[str, str]:
    """Evidence ``source`` of each inventory frame: the entries that feed it."""
    frames: dict[str, list[str]] = {}
    for e in ENTRIES:
        for name in e.frames:
            frames.setdefault(name, []).append(e.purpose)
    return {name: sources(*purposes) for name, purposes in frames.items()}


def read_only_posts() -> tuple[Endpoint, ...]:
    """The POST entries: searches that only read."""
    return tuple(e for e in ENTRIES if e.method == "POST" and e.not_uem is None)


def markdown_table(entries: Iterable[Endpoint] = ()) -> str:
    """The catalogue as the table of ``docs/collection.md``."""
    return endpoint.markdown_table(entries or ENTRIES)


if __name__ == "__main__":  # the table of docs/collection.md
    print(markdown_table())
