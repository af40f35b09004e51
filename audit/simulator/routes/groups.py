"""Organization group routes: the search (v1, v2), a group, its children, and what hangs
off a group by UUID: its Drop Ship Provisioning settings and its last OEM sync.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.simulator.calls import ApiError, Call, Reply, contains
from audit.simulator.render import groups as group_shapes

if TYPE_CHECKING:
    from audit.simulator.endpoints import UemApi


def og_search(api: UemApi, call: Call) -> Reply:
    params = call.params
    wanted_type = params.get("type")
    rows = [
        og
        for og in sorted(api.index.ogs.values(), key=lambda o: o["id"])
        if contains(og["group_id"], params.get("groupid"))
        and contains(og["name"], params.get("name"))
        and (not wanted_type or og["type"].lower() == wanted_type.strip().lower())
    ]
    if call.version >= 2:
        return api.v2_list(
            call,
            "OrganizationGroups",
            "/API/system/groups/search",
            rows,
            lambda og: group_shapes.og_row_v2(api.index, og),
        )
    return api.v1_list(
        call, "LocationGroups", rows, lambda og: group_shapes.og_row_v1(api.index, og)
    )


def og_detail(api: UemApi, call: Call) -> Reply:
    return Reply(200, group_shapes.og_detail(api.index, api.og(int(call.groups[0]))))


def og_children(api: UemApi, call: Call) -> Reply:
    og = api.og(int(call.groups[0]))
    rows = [
        group_shapes.og_child_row(api.index, api.index.ogs[o]) for o in api.index.subtree(og["id"])
    ]
    return Reply(200, rows)


def dropship_settings(api: UemApi, call: Call) -> Reply:
    og = api.index.og_by_uuid.get(call.groups[0])
    if og is None:
        raise ApiError(404, "Organization group not found.", 6008)
    return Reply(200, group_shapes.dropship_settings(api.index, og))


def oem_sync(api: UemApi, call: Call) -> Reply:
    og = api.index.og_by_uuid.get(call.groups[0])
    if og is None:
        raise ApiError(404, "Organization group not found.", 6008)
    return Reply(200, group_shapes.oem_sync(og, api.day_start))
