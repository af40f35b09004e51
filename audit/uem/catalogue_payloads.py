"""The endpoint catalogue's entries for what is assigned: tags, smart groups, apps, profiles.

The lists scoped by the Drop Ship OG, and the details read for the items that touch a
Drop Ship smart group. The fields' use: ``audit/uem/catalogue.py``, which assembles every
area's entries.
"""

from __future__ import annotations

from types import MappingProxyType

from audit.uem.endpoint import Endpoint, models, refs, rest_read

ENTRIES: tuple[Endpoint, ...] = (
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
        models=models(v1="TagsSearchResult"),
        permission=rest_read("Tags"),
        notes="`TagName`; rows carry no owning OG",
    ),
    Endpoint(
        "smart_groups",
        "/api/mdm/smartgroups/search",
        "the smart groups visible at the organization group",
        query={"organizationgroupid": "{og_id}"},
        items=("SmartGroups",),
        ids=("SmartGroupID",),
        refs=refs(uuid=("SmartGroupUuid",), owner=("ManagedByOrganizationGroupId",)),
        paging="v1",
        frames=("smart_groups",),
        depends=("og_search",),
        scope="og_id",
        models=models(v1="SmartGroupSearchResult"),
        permission=rest_read("Smart Groups"),
        notes="`ManagedByOrganizationGroupId` is a string",
    ),
    Endpoint(
        "smart_group",
        "/api/mdm/smartgroups/{id}",
        "the smart groups' criteria",
        ids=("SmartGroupID",),
        refs=refs(tags=("Tags",), tag_id=("Id",)),
        frames=("smart_groups",),
        depends=("smart_groups", "og_children", "og_ancestor"),
        scope="item",
        per_item=True,
        models=models(v1="SmartGroup"),
        permission=rest_read("Smart Groups"),
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
        refs=refs(
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
        models=models(v1="ApplicationSearchResult"),
        permission=rest_read("Apps"),
        notes="`Platform` an integer (12: Windows desktop); `SmartGroups[{Id, Name}]`",
    ),
    Endpoint(
        "app_detail",
        "/api/mam/apps/internal/{applicationId}",
        "the internal apps' assignments and install options",
        ids=("id",),
        refs=refs(
            assignments=("Assignments",),
            smart_group_id=("SmartGroupId",),
            smart_group_uuid=("SmartGroupUuid",),
        ),
        frames=("apps", "app_assignments"),
        depends=("apps", "smart_group", "tags"),
        scope="item",
        per_item=True,
        models=models(v1="InternalAppModel"),
        permission=rest_read("Apps"),
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
        refs=refs(
            uuid=("ProfileUuid",),
            og=("OrganizationGroupId",),
            smart_groups=("AssignmentSmartGroups",),
            smart_group_id=("Id",),
        ),
        paging="v1",
        frames=("profiles", "profile_assignments"),
        depends=("og_search",),
        scope="og_id",
        models=models(v2="ProfileSearchResultV2Entity"),
        undocumented=MappingProxyType(
            {1: "mdmv1 ProfilesV1_Search declares no response body; parsed like v2"}
        ),
        permission=rest_read("Profiles"),
        notes="`ProfileStatus` (Active / Inactive), `AssignmentSmartGroups[{Id, Name}]`",
    ),
    Endpoint(
        "profile_detail",
        "/api/mdm/profiles/{profileId}",
        "the profiles' payloads",
        versions=(2,),
        ids=("ProfileId",),
        refs=refs(
            general=("General",),
            smart_groups=("AssignedSmartGroups",),
            smart_group_id=("SmartGroupId",),
        ),
        frames=("profiles", "profile_assignments"),
        depends=("profiles", "smart_group", "tags"),
        scope="item",
        per_item=True,
        models=models(v2="DeviceProfileV2Entity"),
        permission=rest_read("Profiles"),
        notes="`General{IsActive, AssignedSmartGroups}` plus one key per payload (`CustomSettings"
        "{installSettings}`); for active profiles assigned to a Drop Ship smart group",
    ),
    Endpoint(
        "profiles_v3",
        "/api/mdm/profiles/search",
        "profiles (a search by POST)",
        versions=(3,),
        method="POST",
        models=models(v3="ProfilesSearchResultV3Model"),
        permission=rest_read("Profiles"),
        collected=False,
        notes="a read by POST, allowed to plugins; the collector does not call it",
    ),
)
