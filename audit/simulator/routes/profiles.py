"""Profile routes: the search (v1, v2) and one profile's details (v2)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from audit.simulator.calls import ApiError, Call, Reply, Row, contains, platform_match
from audit.simulator.render import profiles as profile_shapes

if TYPE_CHECKING:
    from audit.simulator.endpoints import UemApi


def profiles(api: UemApi, call: Call) -> Reply:
    scope = api.scope(call, "organizationgroupid", "organizationgroupuuid")
    params = call.params
    rows = [
        p
        for p in api.in_scope(api.index.profiles.values(), scope)
        if platform_match(p.get("platform", "WinRT"), params.get("platform"))
        and contains(p["name"], params.get("searchtext"))
    ]

    def row(profile: Row) -> dict[str, Any]:
        return profile_shapes.profile_row(api.index, profile)

    if call.version >= 2:  # ProfileSearchResultV2Entity
        path = "/API/mdm/profiles/search"
        return api.v2_list(call, "ProfileList", path, rows, row, empty=204)
    # v1: the vendor documents no response; the envelope of UEM_API.md section 10.
    return api.v1_list(call, "Profiles", rows, row, empty=204)


def profile_detail(api: UemApi, call: Call) -> Reply:
    profile = api.index.profiles.get(int(call.groups[0]))
    if profile is None:
        raise ApiError(404, "Profile not found.", 1005)
    return Reply(200, profile_shapes.profile_detail(api.index, profile))
