"""The endpoint catalogue's entries for the tenant and its organization groups.

The console version, the autodiscovery lookup, the OAuth token, and the organization
group: found by its GroupId, its subtree, its details and its parent chain. The fields'
use: ``audit/uem/catalogue.py``, which assembles every area's entries.
"""

from __future__ import annotations

from audit.uem.endpoint import Endpoint, models, refs, rest_read

ENTRIES: tuple[Endpoint, ...] = (
    Endpoint(
        "system_info",
        "/api/system/info",
        "the console version",
        models=models(v1="ServiceDocument"),
        permission=rest_read("System"),
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
        refs=refs(uuid=("Uuid",)),
        paging="v1",
        frames=("org_groups",),
        models=models(v2="OrganizationGroupPagedSearchResultModel", v1="LocationGroupSearchResult"),
        permission=rest_read("Groups"),
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
        models=models(v2="OrganizationGroupPagedSearchResultModel", v1="LocationGroupSearchResult"),
        permission=rest_read("Groups"),
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
        refs=refs(uuid=("Uuid",), parent=("ParentLocationGroup",)),
        frames=("org_groups",),
        depends=("og_search",),
        scope="og_id",
        models=models(v1="LocationGroup"),
        permission=rest_read("Groups"),
        notes="a bare array: the group itself and every descendant with its parent",
    ),
    Endpoint(
        "og_detail",
        "/api/system/groups/{id}",
        "the organization group's details",
        ids=("Id",),
        refs=refs(uuid=("Uuid",), parent=("ParentLocationGroup",)),
        frames=("org_groups",),
        depends=("og_search",),
        models=models(v1="LocationGroup"),
        permission=rest_read("Groups"),
        notes="only when neither the search row nor the children answer has the `Uuid`",
    ),
    Endpoint(
        "og_ancestor",
        "/api/system/groups/{id}",
        "the parent chain of the organization group",
        ids=("Id",),
        refs=refs(parent=("ParentLocationGroup",)),
        frames=("org_groups",),
        depends=("og_children",),
        scope="item",
        per_item=True,
        models=models(v1="LocationGroup"),
        permission=rest_read("Groups"),
        notes="one per level above the parent, only while a smart group's owner is unplaced",
    ),
)
