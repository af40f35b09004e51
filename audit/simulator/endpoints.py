"""The simulated UEM REST endpoints: routing, version negotiation, filters and paging.

Transport-free: :class:`UemApi` maps (path, query, asked version) to a :class:`Reply`.
The HTTP server (``server.py``) adds authentication, faults, latency and headers.

Each route has a *purpose-ish* name (the collector's purpose in ``docs/collection.md``)
and its supported API versions; an unsupported version is silently served as the highest
supported one below it (the lowest when none is below). Paging is 0-based ``page`` with
``pagesize`` (v1) or ``page_size`` (snake_case endpoints), default 500, optionally
capped lower than asked (``page_size_cap``). Searches scoped by an organization group see
that group's ancestors and subtree, never a sibling's items; the device search sees the
subtree only and answers 204 with no body when the page is empty.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from audit.simulator.render import apps as app_shapes
from audit.simulator.render import devices as device_shapes
from audit.simulator.render import groups as group_shapes
from audit.simulator.render import profiles as profile_shapes
from audit.simulator.render import registrations as registration_shapes
from audit.simulator.render import smart_groups as smart_group_shapes
from audit.simulator.tenant import PLATFORM_IDS, TenantIndex

__all__ = ["DEFAULT_PAGE_SIZE", "ApiError", "Reply", "Route", "UemApi"]

DEFAULT_PAGE_SIZE = 500
_WORKSPACES = (
    ("Mobile Device Management", "mdm"),
    ("Mobile Application Management", "mam"),
    ("System Administration", "system"),
)
_PLATFORM_NAMES = {str(v): k.lower() for k, v in PLATFORM_IDS.items()}
Row = Mapping[str, Any]


@dataclass
class Reply:
    """A response before transport: status, JSON-able body (None: no body), extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """An error answer with the UEM error body (``errorCode``, ``message``)."""

    def __init__(self, status: int, message: str, error_code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code


@dataclass(frozen=True)
class Route:
    """One endpoint: its name, path pattern (lower-case path), versions and handler."""

    name: str
    pattern: re.Pattern[str]
    versions: tuple[int, ...]
    handler: Callable[[UemApi, Call], Reply]


@dataclass
class Call:
    """One request as a handler sees it."""

    params: dict[str, str]
    groups: tuple[str, ...]
    version: int
    base_url: str


def negotiate(versions: tuple[int, ...], asked: int) -> int:
    """The version served for ``asked``: the highest supported not above it, else the lowest."""
    below = [v for v in versions if v <= asked]
    return max(below) if below else min(versions)


def _int_param(call: Call, *names: str) -> int | None:
    for name in names:
        raw = call.params.get(name)
        if raw is None or raw == "":
            continue
        text = raw.strip()
        if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 12:
            raise ApiError(400, f"Invalid value for parameter '{name}'.", 1002)
        return int(text)
    return None


def _contains(value: Any, needle: str | None) -> bool:
    return needle is None or needle.casefold() in str(value).casefold()


def _platform_match(platform: str, wanted: str | None) -> bool:
    if not wanted:
        return True
    wanted = wanted.strip().lower()
    return platform.lower() == _PLATFORM_NAMES.get(wanted, wanted)


class UemApi:
    """Routes and answers API requests for one tenant index (thread-safe, read-only)."""

    def __init__(
        self,
        index: TenantIndex,
        *,
        page_size_cap: int | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if page_size_cap is not None and page_size_cap < 1:
            raise ValueError("page_size_cap must be at least 1")
        self.index = index
        #: Times given in hours ago are rendered before the start of the UTC day the
        #: simulator started (not before each request): the same answer all day long.
        now = clock()
        self.day_start = now - now % 86_400
        self.page_size_cap = page_size_cap
        self._device_scopes: dict[tuple[int | None, str], list[Row]] = {}
        self._token_index: dict[str, dict[str, tuple[Row, int]]] = {}
        self._lock = threading.Lock()

    # -- dispatch ------------------------------------------------------------------

    @staticmethod
    def resolve(path: str) -> tuple[Route, tuple[str, ...]] | None:
        """The route for a normalised (lower-case, ``/api/...``) path and its groups."""
        for route in ROUTES:
            match = route.pattern.fullmatch(path)
            if match:
                return route, match.groups()
        return None

    def answer(
        self,
        route: Route,
        groups: tuple[str, ...],
        params: dict[str, str],
        version: int,
        base_url: str,
    ) -> Reply:
        """Run ``route`` for an already negotiated ``version`` (raises ApiError for errors)."""
        call = Call(params, groups, version, base_url)
        return route.handler(self, call)

    # -- paging --------------------------------------------------------------------

    def _window(self, call: Call, *, snake: bool = False) -> tuple[int, int]:
        names = ("page_size", "pagesize") if snake else ("pagesize", "page_size")
        page = _int_param(call, "page")
        size = _int_param(call, *names)
        page = 0 if page is None else page
        size = DEFAULT_PAGE_SIZE if size is None else size
        if page < 0:
            raise ApiError(400, "The page must be zero or greater.", 1002)
        if size < 1:
            raise ApiError(400, "The page size must be greater than zero.", 1002)
        if self.page_size_cap is not None:
            size = min(size, self.page_size_cap)
        return page, size

    def _page(
        self, call: Call, rows: list[Row], *, snake: bool = False
    ) -> tuple[list[Row], int, int]:
        page, size = self._window(call, snake=snake)
        start = page * size
        return rows[start : start + size], page, size

    def _v1_list(
        self,
        call: Call,
        key: str,
        rows: list[Row],
        fn: Callable[[Row], Any],
        *,
        empty: int = 200,
    ) -> Reply:
        """A v1 list page; ``empty=204`` for the searches documented to answer 204 (no
        body) when the page holds nothing."""
        chunk, page, size = self._page(call, rows)
        if not chunk and empty == 204:
            return Reply(204)
        body = {key: [fn(r) for r in chunk], "Page": page, "PageSize": size, "Total": len(rows)}
        return Reply(200, body)

    # -- lookups -------------------------------------------------------------------

    def _og(self, og_id: int | None) -> Row:
        og = self.index.ogs.get(og_id) if og_id is not None else None
        if og is None:
            raise ApiError(404, "Organization group not found.", 1005)
        return og

    def _scope(self, call: Call, *names: str) -> frozenset[int] | None:
        og_id = _int_param(call, *names)
        if og_id is None:
            return None
        return self.index.in_scope(self._og(og_id)["id"])

    @staticmethod
    def _in(rows: Iterable[Row], scope: frozenset[int] | None) -> list[Row]:
        return sorted(
            (r for r in rows if scope is None or r["og_id"] in scope), key=lambda r: r["id"]
        )

    def _devices(self, og_id: int | None, platform: str | None) -> list[Row]:
        key = (og_id, (platform or "").strip().lower())
        cached = self._device_scopes.get(key)
        if cached is not None:
            return cached
        if og_id is None:
            pool: Iterable[Row] = sorted(self.index.devices.values(), key=lambda d: d["id"])
        else:
            subtree = self.index.subtree(self._og(og_id)["id"])
            pool = sorted(
                (d for o in subtree for d in self.index.devices_by_og.get(o, ())),
                key=lambda d: d["id"],
            )
        rows = [d for d in pool if _platform_match(d["platform"], platform)]
        with self._lock:
            if len(self._device_scopes) > 64:
                self._device_scopes.clear()
            self._device_scopes[key] = rows
        return rows

    # -- handlers ------------------------------------------------------------------

    def system_info(self, call: Call) -> Reply:
        """``ServiceDocument``: ``ProductVersion`` is the console, ``Version`` the API (1)."""
        system = self.index.tenant["system"]
        body = {
            "ProductName": system.get("ProductName", "AirWatch Platform Service"),
            "ProductVersion": system["ProductVersion"],
            "ProductCopyright": system.get("ProductCopyright", "Copyright (c) Omnissa"),
            "Version": 1,
            "Resources": {
                "Collections": [],
                "Workspaces": [
                    {"Name": name, "Location": f"{call.base_url}/API/{module}"}
                    for name, module in _WORKSPACES
                ],
            },
        }
        return Reply(200, body)

    def og_search(self, call: Call) -> Reply:
        params = call.params
        wanted_type = params.get("type")
        rows = [
            og
            for og in sorted(self.index.ogs.values(), key=lambda o: o["id"])
            if _contains(og["group_id"], params.get("groupid"))
            and _contains(og["name"], params.get("name"))
            and (not wanted_type or og["type"].lower() == wanted_type.strip().lower())
        ]
        if call.version >= 2:
            chunk, page, size = self._page(call, rows)
            href = f"{call.base_url}/API/system/groups/search?page={page}&pagesize={size}"
            body = {
                "OrganizationGroups": [group_shapes.og_row_v2(self.index, og) for og in chunk],
                "AdditionalInfo": {"Links": [{"Rel": "self", "Href": href}]},
                "TotalResults": len(rows),
            }
            return Reply(200, body)
        return self._v1_list(
            call, "LocationGroups", rows, lambda og: group_shapes.og_row_v1(self.index, og)
        )

    def og_detail(self, call: Call) -> Reply:
        return Reply(200, group_shapes.og_detail(self.index, self._og(int(call.groups[0]))))

    def og_children(self, call: Call) -> Reply:
        og = self._og(int(call.groups[0]))
        rows = [
            group_shapes.og_child_row(self.index, self.index.ogs[o])
            for o in self.index.subtree(og["id"])
        ]
        return Reply(200, rows)

    def tags(self, call: Call) -> Reply:
        scope = self._scope(call, "organizationgroupid", "locationgroupid")
        rows = [
            t
            for t in self._in(self.index.tags.values(), scope)
            if _contains(t["name"], call.params.get("name"))
        ]
        return self._v1_list(
            call, "Tags", rows, lambda t: smart_group_shapes.tag_row(self.index, t)
        )

    def smart_groups(self, call: Call) -> Reply:
        scope = self._scope(call, "organizationgroupid", "managedbyorganizationgroupid")
        rows = [
            s
            for s in self._in(self.index.smart_groups.values(), scope)
            if _contains(s["name"], call.params.get("name"))
        ]
        return self._v1_list(
            call,
            "SmartGroups",
            rows,
            lambda s: smart_group_shapes.smart_group_row(self.index, s),
            empty=204,
        )

    def smart_group(self, call: Call) -> Reply:
        sg = self.index.smart_groups.get(int(call.groups[0]))
        if sg is None:
            raise ApiError(404, "Smart group not found.", 1005)
        return Reply(200, smart_group_shapes.smart_group_detail(self.index, sg))

    def apps(self, call: Call) -> Reply:
        scope = self._scope(call, "locationgroupid", "organizationgroupid")
        params = call.params
        rows = [
            a
            for a in self._in(self.index.apps.values(), scope)
            if _platform_match(a.get("platform", "WinRT"), params.get("platform"))
            and _contains(a["name"], params.get("applicationname"))
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
        return self._v1_list(call, "Application", rows, lambda a: app_shapes.app_row(self.index, a))

    def app_detail(self, call: Call) -> Reply:
        app = self.index.apps.get(int(call.groups[0]))
        if app is None or app.get("app_type", "Internal") != "Internal":
            raise ApiError(404, "Application not found.", 1005)
        return Reply(200, app_shapes.app_detail(self.index, app))

    def profiles(self, call: Call) -> Reply:
        scope = self._scope(call, "organizationgroupid", "organizationgroupuuid")
        params = call.params
        rows = [
            p
            for p in self._in(self.index.profiles.values(), scope)
            if _platform_match(p.get("platform", "WinRT"), params.get("platform"))
            and _contains(p["name"], params.get("searchtext"))
        ]
        chunk, page, size = self._page(call, rows)
        if not chunk:
            return Reply(204)
        if call.version >= 2:  # ProfileSearchResultV2Entity
            href = f"{call.base_url}/API/mdm/profiles/search?page={page}&pagesize={size}"
            body = {
                "ProfileList": [profile_shapes.profile_row(self.index, p) for p in chunk],
                "AdditionalInfo": {"Links": [{"Rel": "self", "Href": href}]},
                "TotalResults": len(rows),
            }
            return Reply(200, body)
        # v1: the vendor documents no response; the envelope of UEM_API.md section 10.
        body = {
            "Profiles": [profile_shapes.profile_row(self.index, p) for p in chunk],
            "Page": page,
            "PageSize": size,
            "Total": len(rows),
        }
        return Reply(200, body)

    def profile_detail(self, call: Call) -> Reply:
        profile = self.index.profiles.get(int(call.groups[0]))
        if profile is None:
            raise ApiError(404, "Profile not found.", 1005)
        return Reply(200, profile_shapes.profile_detail(self.index, profile))

    def devices(self, call: Call) -> Reply:
        og_id = _int_param(call, "lgid", "organizationgroupid", "locationgroupid")
        rows = self._devices(og_id, call.params.get("platform"))
        chunk, page, size = self._page(call, rows)
        if not chunk:
            return Reply(204)
        body = {
            "Devices": [device_shapes.device_row(self.index, d) for d in chunk],
            "Page": page,
            "PageSize": size,
            "Total": len(rows),
        }
        return Reply(200, body)

    def device_apps(self, call: Call) -> Reply:
        device = self.index.devices.get(int(call.groups[0]))
        if device is None:
            raise ApiError(404, "Device not found.", 1005)
        return self._v1_list(
            call, "DeviceApps", list(device.get("apps", ())), device_shapes.device_app_row
        )

    def device_app_search(self, call: Call) -> Reply:
        """``AppV1PagedSearchResultsModel``: the device's apps whose name or versions
        contain ``searchtext`` (all of them without one), 500 a page."""
        device = self.index.device_by_uuid.get(call.groups[0])
        if device is None:
            raise ApiError(404, "Device not found.", 1005)
        text = call.params.get("searchtext") or None
        rows = [
            a
            for a in device.get("apps", ())
            if _contains(a.get("name", ""), text) or _contains(a.get("version", ""), text)
        ]
        chunk, _page, _size = self._page(call, rows)
        return Reply(
            200,
            {
                "app_items": [device_shapes.device_app_item(a) for a in chunk],
                "TotalResults": len(rows),
            },
        )

    def _device_pool(self, call: Call) -> list[Row]:
        """The devices an app-centric list sees: the subtree of ``organizationgroupuuid``
        (every device without one), of platform ``devicetype`` when given."""
        og_uuid = (call.params.get("organizationgroupuuid") or "").lower()
        if og_uuid:
            og = self.index.og_by_uuid.get(og_uuid)
            if og is None:
                raise ApiError(404, "Organization group not found.", 6008)
            og_id: int | None = og["id"]
        else:
            og_id = None
        return self._devices(og_id, call.params.get("devicetype"))

    def _app_devices(
        self, call: Call, apps: list[Row], *, same_version: bool, default_installed: bool
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
        for device in self._device_pool(call) if wanted else ():
            for installed in device.get("apps", ()):
                app = bundles.get(app_shapes.app_bundle_id(installed))
                if app is None or not installed.get("in_catalog", True):
                    continue
                if same_version and str(installed.get("version")) != str(app.get("version")):
                    continue
                rows.append(
                    device_shapes.hub_device_row(self.index, device, installed, app, assigned)
                )
                break
        chunk, _page, _size = self._page(call, rows)
        return Reply(200, {"devices": chunk, "TotalResults": len(rows)})

    def hub_devices(self, call: Call) -> Reply:
        """The devices of an internal app at the application level (every version)."""
        bundle = call.params.get("bundleid") or ""
        app_og = (call.params.get("apporganizationgroupuuid") or "").lower()
        if not bundle or not app_og:
            raise ApiError(422, "bundleid and apporganizationgroupuuid are required.", 1012)
        apps = [
            a
            for a in self.index.apps.values()
            if a.get("app_type", "Internal") == "Internal"
            and app_shapes.app_bundle_id(a).casefold() == bundle.casefold()
            and self.index.ogs[a["og_id"]]["uuid"].lower() == app_og
        ]
        if not apps:
            raise ApiError(404, "Application not found.", 1005)
        return self._app_devices(call, apps, same_version=False, default_installed=False)

    def hub_app_devices(self, call: Call) -> Reply:
        """The devices of one app at the version level (a public app: any version)."""
        app = self.index.app_by_uuid.get(call.groups[0])
        if app is None:
            raise ApiError(404, "Application not found.", 1005)
        internal = app.get("app_type", "Internal") == "Internal"
        return self._app_devices(call, [app], same_version=internal, default_installed=False)

    def dropship_settings(self, call: Call) -> Reply:
        og = self.index.og_by_uuid.get(call.groups[0])
        if og is None:
            raise ApiError(404, "Organization group not found.", 6008)
        return Reply(200, group_shapes.dropship_settings(self.index, og))

    def oem_sync(self, call: Call) -> Reply:
        og = self.index.og_by_uuid.get(call.groups[0])
        if og is None:
            raise ApiError(404, "Organization group not found.", 6008)
        return Reply(200, group_shapes.oem_sync(og, self.day_start))

    def _tokens(self, og_uuid: str) -> list[tuple[Row, int]]:
        """The registrations an OG's token list holds (the OG's subtree), in list order."""
        og = self.index.og_by_uuid.get(og_uuid)
        if og is None:
            raise ApiError(404, "Organization group not found.", 6008)
        return [
            (reg, og_id)
            for og_id in self.index.subtree(og["id"])
            for reg in self.index.registrations_by_og.get(og_id, ())
        ]

    def registrations(self, call: Call) -> Reply:
        """``EnrollmentTokenGetByCriteriaResponseModel``; 204 when the page holds nothing."""
        params = call.params
        rows = [
            (reg, og_id)
            for reg, og_id in self._tokens(call.groups[0])
            if _contains(reg["serial_number"], params.get("serial_number"))
            and (
                not params.get("enrollment_status")
                or str(reg.get("enrollment_status", "Registered")).lower()
                == params["enrollment_status"].lower()
            )
        ]
        page, size = self._window(call, snake=True)
        chunk = rows[page * size : (page + 1) * size]
        if not chunk:
            return Reply(204)
        body = {
            "tokens": [
                registration_shapes.registration_row(self.index, reg, og_id) for reg, og_id in chunk
            ],
            "page": page,
            "page_size": size,
            "total": len(rows),
        }
        return Reply(200, body)

    def registration_detail(self, call: Call) -> Reply:
        """``EnrollmentTokenResponseV1Model`` of one token of the OG's list."""
        og_uuid = call.groups[0]
        with self._lock:
            by_uuid = self._token_index.get(og_uuid)
        if by_uuid is None:
            by_uuid = {
                registration_shapes.registration_uuid(reg, self.index.ogs[og_id]["uuid"]): (
                    reg,
                    og_id,
                )
                for reg, og_id in self._tokens(og_uuid)
            }
            with self._lock:
                self._token_index[og_uuid] = by_uuid
        found = by_uuid.get(call.groups[1])
        if found is None:
            raise ApiError(404, "Enrollment Token not found.", 5220)
        return Reply(200, registration_shapes.registration_detail(self.index, *found))


def _route(
    name: str, pattern: str, versions: tuple[int, ...], handler: Callable[[UemApi, Call], Reply]
) -> Route:
    return Route(name, re.compile(pattern), versions, handler)


_ID = r"(\d{1,12})"
_UUID = r"([0-9a-f-]{36})"
ROUTES: tuple[Route, ...] = (
    _route("system_info", r"/api/system/info", (1,), UemApi.system_info),
    _route("og_search", r"/api/system/groups/search", (1, 2), UemApi.og_search),
    _route("og_children", rf"/api/system/groups/{_ID}/children", (1,), UemApi.og_children),
    _route("og_detail", rf"/api/system/groups/{_ID}", (1,), UemApi.og_detail),
    _route("tags", r"/api/mdm/tags/search", (1,), UemApi.tags),
    _route("smart_groups", r"/api/mdm/smartgroups/search", (1,), UemApi.smart_groups),
    _route("smart_group", rf"/api/mdm/smartgroups/{_ID}", (1,), UemApi.smart_group),
    _route("apps", r"/api/mam/apps/search", (1,), UemApi.apps),
    _route("app_detail", rf"/api/mam/apps/internal/{_ID}", (1,), UemApi.app_detail),
    _route("profiles", r"/api/mdm/profiles/search", (1, 2), UemApi.profiles),
    _route("profile_detail", rf"/api/mdm/profiles/{_ID}", (2,), UemApi.profile_detail),
    _route("devices", r"/api/mdm/devices/search", (1,), UemApi.devices),
    _route("device_apps", rf"/api/mdm/devices/{_ID}/apps", (1,), UemApi.device_apps),
    _route(
        "device_app_search",
        rf"/api/mdm/devices/{_UUID}/apps/search",
        (1,),
        UemApi.device_app_search,
    ),
    _route("hub_devices", r"/api/mam/apps/internal/devices", (1,), UemApi.hub_devices),
    _route("hub_app_devices", rf"/api/mam/apps/{_UUID}/devices", (1,), UemApi.hub_app_devices),
    _route(
        "dropship_settings",
        rf"/api/system/groups/{_UUID}/dropship-provisioning",
        (1,),
        UemApi.dropship_settings,
    ),
    _route("oem_sync", rf"/api/mdm/groups/{_UUID}/last-sync", (1,), UemApi.oem_sync),
    _route(
        "registrations", rf"/api/mdm/groups/{_UUID}/enrollment-tokens", (1,), UemApi.registrations
    ),
    _route(
        "registration_detail",
        rf"/api/mdm/groups/{_UUID}/enrollment-tokens/{_UUID}",
        (1,),
        UemApi.registration_detail,
    ),
)
