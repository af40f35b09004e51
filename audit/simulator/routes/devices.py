"""Device routes: the device search (204 on an empty page), a device's apps and their search."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.simulator.calls import ApiError, Call, Reply, contains, int_param
from audit.simulator.render import devices as device_shapes

if TYPE_CHECKING:
    from audit.simulator.endpoints import UemApi


def devices(api: UemApi, call: Call) -> Reply:
    og_id = int_param(call, "lgid", "organizationgroupid", "locationgroupid")
    rows = api.devices_in(og_id, call.params.get("platform"))
    return api.v1_list(
        call, "Devices", rows, lambda d: device_shapes.device_row(api.index, d), empty=204
    )


def device_apps(api: UemApi, call: Call) -> Reply:
    device = api.index.devices.get(int(call.groups[0]))
    if device is None:
        raise ApiError(404, "Device not found.", 1005)
    return api.v1_list(
        call, "DeviceApps", list(device.get("apps", ())), device_shapes.device_app_row
    )


def device_app_search(api: UemApi, call: Call) -> Reply:
    """``AppV1PagedSearchResultsModel``: the device's apps whose name or versions
    contain ``searchtext`` (all of them without one), 500 a page."""
    device = api.index.device_by_uuid.get(call.groups[0])
    if device is None:
        raise ApiError(404, "Device not found.", 1005)
    text = call.params.get("searchtext") or None
    rows = [
        a
        for a in device.get("apps", ())
        if contains(a.get("name", ""), text) or contains(a.get("version", ""), text)
    ]
    chunk, _page, _size = api.page(call, rows)
    return Reply(
        200,
        {
            "app_items": [device_shapes.device_app_item(a) for a in chunk],
            "TotalResults": len(rows),
        },
    )
