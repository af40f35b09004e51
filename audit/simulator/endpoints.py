"""The simulated UEM REST endpoints: routing, version negotiation, filters and paging.

Transport-free: :class:`UemApi` maps (path, query, asked version) to a
:class:`~audit.simulator.calls.Reply`. The HTTP server (``server.py``) adds authentication,
faults, latency and headers. The handlers live in :mod:`audit.simulator.routes`, a module
per kind of thing served; this module holds the route table, the paging and the lookups
they share.

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
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from audit.simulator.calls import ApiError, Call, Reply, Row, int_param, platform_match
from audit.simulator.routes import (
    apps,
    devices,
    groups,
    profiles,
    registrations,
    smart_groups,
    system,
)
from audit.simulator.tenant import TenantIndex

__all__ = ["DEFAULT_PAGE_SIZE", "ROUTES", "Route", "UemApi", "accept_version", "negotiate"]

DEFAULT_PAGE_SIZE = 500
_VERSION_ACCEPT = re.compile(r"version\s*=\s*\"?([^;,\s\"]*)", re.IGNORECASE)


@dataclass(frozen=True)
class Route:
    """One endpoint: its name, path pattern (lower-case path), versions and handler."""

    name: str
    pattern: re.Pattern[str]
    versions: tuple[int, ...]
    handler: Callable[[UemApi, Call], Reply]


def negotiate(versions: tuple[int, ...], asked: int) -> int:
    """The version served for ``asked``: the highest supported not above it, else the lowest."""
    below = [v for v in versions if v <= asked]
    return max(below) if below else min(versions)


def accept_version(accept: str | None) -> int:
    """The version asked for in ``Accept: application/json;version=N`` (default 1)."""
    match = _VERSION_ACCEPT.search(accept or "")
    if match is None:
        return 1
    text = match.group(1)
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        raise ApiError(400, "Invalid API version in the Accept header.", 1002)
    return int(text)


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

    def window(self, call: Call, *, snake: bool = False) -> tuple[int, int]:
        """The page and page size asked (``snake``: ``page_size`` first), capped."""
        names = ("page_size", "pagesize") if snake else ("pagesize", "page_size")
        page = int_param(call, "page")
        size = int_param(call, *names)
        page = 0 if page is None else page
        size = DEFAULT_PAGE_SIZE if size is None else size
        if page < 0:
            raise ApiError(400, "The page must be zero or greater.", 1002)
        if size < 1:
            raise ApiError(400, "The page size must be greater than zero.", 1002)
        if self.page_size_cap is not None:
            size = min(size, self.page_size_cap)
        return page, size

    def page(
        self, call: Call, rows: list[Row], *, snake: bool = False
    ) -> tuple[list[Row], int, int]:
        """The rows of the page asked, the page and its size."""
        page, size = self.window(call, snake=snake)
        start = page * size
        return rows[start : start + size], page, size

    def v1_list(
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
        chunk, page, size = self.page(call, rows)
        if not chunk and empty == 204:
            return Reply(204)
        body = {key: [fn(r) for r in chunk], "Page": page, "PageSize": size, "Total": len(rows)}
        return Reply(200, body)

    def v2_list(
        self,
        call: Call,
        key: str,
        path: str,
        rows: list[Row],
        fn: Callable[[Row], Any],
        *,
        empty: int = 200,
    ) -> Reply:
        """A v2 list page (``TotalResults``, a self link to ``path``); ``empty=204`` as for
        :meth:`v1_list`."""
        chunk, page, size = self.page(call, rows)
        if not chunk and empty == 204:
            return Reply(204)
        href = f"{call.base_url}{path}?page={page}&pagesize={size}"
        body = {
            key: [fn(r) for r in chunk],
            "AdditionalInfo": {"Links": [{"Rel": "self", "Href": href}]},
            "TotalResults": len(rows),
        }
        return Reply(200, body)

    # -- lookups -------------------------------------------------------------------

    def og(self, og_id: int | None) -> Row:
        """The organization group ``og_id`` (404 when there is none)."""
        og = self.index.ogs.get(og_id) if og_id is not None else None
        if og is None:
            raise ApiError(404, "Organization group not found.", 1005)
        return og

    def scope(self, call: Call, *names: str) -> frozenset[int] | None:
        """The OGs a search scoped by the first of ``names`` sees (None: not scoped)."""
        og_id = int_param(call, *names)
        if og_id is None:
            return None
        return self.index.in_scope(self.og(og_id)["id"])

    @staticmethod
    def in_scope(rows: Iterable[Row], scope: frozenset[int] | None) -> list[Row]:
        """The rows owned by an OG of ``scope`` (every row when None), by id."""
        return sorted(
            (r for r in rows if scope is None or r["og_id"] in scope), key=lambda r: r["id"]
        )

    def devices_in(self, og_id: int | None, platform: str | None) -> list[Row]:
        """The devices of ``og_id``'s subtree (every device when None) of ``platform``,
        by id; kept for the next page."""
        key = (og_id, (platform or "").strip().lower())
        cached = self._device_scopes.get(key)
        if cached is not None:
            return cached
        if og_id is None:
            pool: Iterable[Row] = sorted(self.index.devices.values(), key=lambda d: d["id"])
        else:
            subtree = self.index.subtree(self.og(og_id)["id"])
            pool = sorted(
                (d for o in subtree for d in self.index.devices_by_og.get(o, ())),
                key=lambda d: d["id"],
            )
        rows = [d for d in pool if platform_match(d["platform"], platform)]
        with self._lock:
            if len(self._device_scopes) > 64:
                self._device_scopes.clear()
            self._device_scopes[key] = rows
        return rows

    def token_index(
        self, og_uuid: str, build: Callable[[], dict[str, tuple[Row, int]]]
    ) -> dict[str, tuple[Row, int]]:
        """An OG's enrollment tokens by token UUID: ``build()`` once, then kept."""
        with self._lock:
            by_uuid = self._token_index.get(og_uuid)
        if by_uuid is None:
            by_uuid = build()
            with self._lock:
                self._token_index[og_uuid] = by_uuid
        return by_uuid


def _route(
    name: str, pattern: str, versions: tuple[int, ...], handler: Callable[[UemApi, Call], Reply]
) -> Route:
    return Route(name, re.compile(pattern), versions, handler)


_ID = r"(\d{1,12})"
_UUID = r"([0-9a-f-]{36})"
ROUTES: tuple[Route, ...] = (
    _route("system_info", r"/api/system/info", (1,), system.system_info),
    _route("og_search", r"/api/system/groups/search", (1, 2), groups.og_search),
    _route("og_children", rf"/api/system/groups/{_ID}/children", (1,), groups.og_children),
    _route("og_detail", rf"/api/system/groups/{_ID}", (1,), groups.og_detail),
    _route("tags", r"/api/mdm/tags/search", (1,), smart_groups.tags),
    _route("smart_groups", r"/api/mdm/smartgroups/search", (1,), smart_groups.smart_groups),
    _route("smart_group", rf"/api/mdm/smartgroups/{_ID}", (1,), smart_groups.smart_group),
    _route("apps", r"/api/mam/apps/search", (1,), apps.apps),
    _route("app_detail", rf"/api/mam/apps/internal/{_ID}", (1,), apps.app_detail),
    _route("profiles", r"/api/mdm/profiles/search", (1, 2), profiles.profiles),
    _route("profile_detail", rf"/api/mdm/profiles/{_ID}", (2,), profiles.profile_detail),
    _route("devices", r"/api/mdm/devices/search", (1,), devices.devices),
    _route("device_apps", rf"/api/mdm/devices/{_ID}/apps", (1,), devices.device_apps),
    _route(
        "device_app_search",
        rf"/api/mdm/devices/{_UUID}/apps/search",
        (1,),
        devices.device_app_search,
    ),
    _route("hub_devices", r"/api/mam/apps/internal/devices", (1,), apps.hub_devices),
    _route("hub_app_devices", rf"/api/mam/apps/{_UUID}/devices", (1,), apps.hub_app_devices),
    _route(
        "dropship_settings",
        rf"/api/system/groups/{_UUID}/dropship-provisioning",
        (1,),
        groups.dropship_settings,
    ),
    _route("oem_sync", rf"/api/mdm/groups/{_UUID}/last-sync", (1,), groups.oem_sync),
    _route(
        "registrations",
        rf"/api/mdm/groups/{_UUID}/enrollment-tokens",
        (1,),
        registrations.registrations,
    ),
    _route(
        "registration_detail",
        rf"/api/mdm/groups/{_UUID}/enrollment-tokens/{_UUID}",
        (1,),
        registrations.registration_detail,
    ),
)
