"""App routes: the app search, an internal app's details, and the app-centric device lists
(the devices with an app installed, at the application and at the version level).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.simulator.calls import ApiError, Call, Reply, Row, contains, platform_match
from audit.simulator.render import apps as app_shapes
from audit.simulator.render import devices as device_shapes

if TYPE_CHECKING:
    from audit.simulator.endpoints import UemApi


def apps(api: UemApi, call: Call) -> Reply:
    scope = api.scope(call, "locationgroupid", "organizationgroupid")
    params = call.params
    rows = [
        a
        for a in api.in_scope(api.index.apps.values(), scope)
        if platform_match(a.get("platform", "WinRT"), params.get("platform"))
        and contains(a["name"], params.get("applicationname"))
        and (
            not params.get("bundleid")
            or app_shapes.app_bundle_id(a).casefold() == params["bundleid"].casefold()
        )
        and (
            not params.get("type")
            or a.get("app_type", "Internal").lower() == params["type"].lower()
        )
        and (
            not params.get("status")
            or a.get("status", "Active").lower() == params["status"].lower()
        )
    ]
    return api.v1_list(call, "Application", rows, lambda a: app_shapes.app_row(api.index, a))


def app_detail(api: UemApi, call: Call) -> Reply:
    app = api.index.apps.get(int(call.groups[0]))
    if app is None or app.get("app_type", "Internal") != "Internal":
        raise ApiError(404, "Application not found.", 1005)
    return Reply(200, app_shapes.app_detail(api.index, app))


def _device_pool(api: UemApi, call: Call) -> list[Row]:
    """The devices an app-centric list sees: the subtree of ``organizationgroupuuid``
    (every device without one), of platform ``devicetype`` when given."""
    og_uuid = (call.params.get("organizationgroupuuid") or "").lower()
    if og_uuid:
        og = api.index.og_by_uuid.get(og_uuid)
        if og is None:
            raise ApiError(404, "Organization group not found.", 6008)
        og_id: int | None = og["id"]
    else:
        og_id = None
    return api.devices_in(og_id, call.params.get("devicetype"))


def _app_devices(
    api: UemApi, call: Call, apps: list[Row], *, same_version: bool, default_installed: bool
) -> Reply:
    """``DevicesPagedSearchResultsModel``: the devices of the pool with one of ``apps``
    installed (a device's app row of the same bundle id, tracked by the catalogue:
    ``in_catalog``), filtered by the documented flags; by default assigned ones only."""
    flags = {
        k: call.params.get(k, "").strip().lower() == "true"
        for k in ("isassigned", "isnotassigned", "isinstalled")
    }
    none_given = not any(flags.values())
    assigned = any(a.get("assignments") for a in apps)
    wanted = (
        (flags["isinstalled"] or (none_given and default_installed))
        or (assigned and (flags["isassigned"] or none_given))
        or (not assigned and flags["isnotassigned"])
    )
    bundles = {app_shapes.app_bundle_id(a): a for a in apps}
    rows: list[Row] = []
    for device in _device_pool(api, call) if wanted else ():
        for installed in device.get("apps", ()):
            app = bundles.get(app_shapes.app_bundle_id(installed))
            if app is None or not installed.get("in_catalog", True):
                continue
            if same_version and str(installed.get("version")) != str(app.get("version")):
                continue
            rows.append(device_shapes.hub_device_row(api.index, device, installed, app, assigned))
            break
    chunk, _page, _size = api.page(call, rows)
    return Reply(200, {"devices": chunk, "TotalResults": len(rows)})


def hub_devices(api: UemApi, call: Call) -> Reply:
    """The devices of an internal app at the application level (every version)."""
    bundle = call.params.get("bundleid") or ""
    app_og = (call.params.get("apporganizationgroupuuid") or "").lower()
    if not bundle or not app_og:
        raise ApiError(422, "bundleid and apporganizationgroupuuid are required.", 1012)
    apps = [
        a
        for a in api.index.apps.values()
        if a.get("app_type", "Internal") == "Internal"
        and app_shapes.app_bundle_id(a).casefold() == bundle.casefold()
        and api.index.ogs[a["og_id"]]["uuid"].lower() == app_og
    ]
    if not apps:
        raise ApiError(404, "Application not found.", 1005)
    return _app_devices(api, call, apps, same_version=False, default_installed=False)


def hub_app_devices(api: UemApi, call: Call) -> Reply:
    """The devices of one app at the version level (a public app: any version)."""
    app = api.index.app_by_uuid.get(call.groups[0])
    if app is None:
        raise ApiError(404, "Application not found.", 1005)
    internal = app.get("app_type", "Internal") == "Internal"
    return _app_devices(api, call, [app], same_version=internal, default_installed=False)
