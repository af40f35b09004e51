"""Tag and smart group routes: the tags search, the smart group search and one smart group."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.simulator.calls import ApiError, Call, Reply, contains
from audit.simulator.render import smart_groups as smart_group_shapes

if TYPE_CHECKING:
    from audit.simulator.endpoints import UemApi


def tags(api: UemApi, call: Call) -> Reply:
    scope = api.scope(call, "organizationgroupid", "locationgroupid")
    rows = [
        t
        for t in api.in_scope(api.index.tags.values(), scope)
        if contains(t["name"], call.params.get("name"))
    ]
    return api.v1_list(call, "Tags", rows, lambda t: smart_group_shapes.tag_row(api.index, t))


def smart_groups(api: UemApi, call: Call) -> Reply:
    scope = api.scope(call, "organizationgroupid", "managedbyorganizationgroupid")
    rows = [
        s
        for s in api.in_scope(api.index.smart_groups.values(), scope)
        if contains(s["name"], call.params.get("name"))
    ]
    return api.v1_list(
        call,
        "SmartGroups",
        rows,
        lambda s: smart_group_shapes.smart_group_row(api.index, s),
        empty=204,
    )


def smart_group(api: UemApi, call: Call) -> Reply:
    sg = api.index.smart_groups.get(int(call.groups[0]))
    if sg is None:
        raise ApiError(404, "Smart group not found.", 1005)
    return Reply(200, smart_group_shapes.smart_group_detail(api.index, sg))
