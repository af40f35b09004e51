"""Collection: read what the checks need from the tenant, through one client, into a snapshot.

The requests and their purposes are listed in ``docs/collection.md``. Collection only
decides *what to ask for* (scope: the Drop Ship OG's subtree; details only for items that
touch a Drop Ship smart group; inventories only for Windows devices in scope); the
inventory builder re-derives every fact from the recorded answers alone.

A failing endpoint becomes a gap (its checks report ``error``); bad credentials and an
unreachable tenant stop the collection (exit 4).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from audit import TOOL_NAME, __version__
from audit.cache import ResponseCache
from audit.config import Config
from audit.errors import AuthenticationError, BudgetExhausted, CollectionError, TransportError
from audit.scope import (
    WINDOWS_PLATFORMS,
    device_platform,
    dropship_smart_group_ids,
    og_rows_in_scope,
    pick_exact_og,
    refs_smart_groups,
)
from audit.snapshot import Snapshot
from audit.uem import shapes
from audit.uem.client import UEMClient

Progress = Callable[[str, int, int], None]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class CollectContext:
    """What a ``ws1_audit_collect`` plugin hook receives."""

    client: UEMClient
    config: Config
    dropship_og: dict[str, Any] | None
    scope_og_ids: set[int] = field(default_factory=set)


@dataclass
class _State:
    gaps: list[dict[str, Any]] = field(default_factory=list)
    cache_hits: int = 0
    cached_records: list[dict[str, Any]] = field(default_factory=list)

    def gap(
        self, purpose: str, endpoint: str, reason: str, status: int | None = None, kind: str = "api"
    ) -> None:
        self.gaps.append(
            {"purpose": purpose, "endpoint": endpoint, "reason": reason, "status": status, "kind": kind}
        )


class Collector:
    """One collection run against one tenant."""

    def __init__(
        self,
        config: Config,
        client: UEMClient,
        *,
        cache: ResponseCache | None = None,
        progress: Progress | None = None,
        plugin_hook: Any = None,
    ) -> None:
        self.config = config
        self.client = client
        self.cache = cache
        self.progress = progress or (lambda stage, done, total: None)
        self.plugin_hook = plugin_hook
        self.state = _State()
        self.ds = config.dropship

    async def _guard(self, purpose: str, endpoint: str, call: Awaitable[Any]) -> Any:
        """Await ``call``; turn a per-endpoint failure into a gap. Auth failures propagate."""
        try:
            return await call
        except AuthenticationError:
            raise
        except BudgetExhausted as exc:
            self.state.gap(purpose, endpoint, f"not read: {exc}", kind="budget")
        except CollectionError as exc:
            self.state.gap(purpose, endpoint, str(exc), exc.status)
        return None

    async def _list(
        self, purpose: str, path: str, params: dict[str, Any], version: int, items: tuple[str, ...],
        paging: str = "v1",
    ) -> list[dict[str, Any]] | None:
        result = await self._guard(
            purpose,
            f"GET {path}",
            self.client.get_all(path, params=params, version=version, purpose=purpose, items=items, paging=paging),  # type: ignore[arg-type]
        )
        if result is None:
            return None
        if not result.complete:
            note = getattr(result, "note", None) or "read incompletely"
            self.state.gap(purpose, f"GET {path}", f"list {note} ({len(result.items)} rows read)", kind="shape")
        return list(result.items)

    async def _get(self, purpose: str, path: str, version: int = 1) -> Any:
        response = await self._guard(purpose, f"GET {path}", self.client.get(path, version=version, purpose=purpose))
        if response is None:
            return None
        if getattr(response, "json_error", None):
            self.state.gap(
                purpose, f"GET {path}", f"malformed JSON: {response.json_error}", response.status, kind="shape"
            )
            return None
        return response.body

    # -- stages -------------------------------------------------------------------------

    async def _system_info(self) -> None:
        path = "/api/system/info"
        try:
            response = await self.client.get(path, version=1, purpose="system_info")
        except TransportError:
            raise  # the tenant is unreachable: nothing else will work either
        except AuthenticationError:
            raise
        except CollectionError as exc:
            self.state.gap("system_info", f"GET {path}", str(exc), exc.status)
            return
        if getattr(response, "json_error", None):
            self.state.gap("system_info", f"GET {path}", f"malformed JSON: {response.json_error}", response.status)

    async def _discovery(self) -> None:
        domain = self.ds.get("email_domain")
        if not domain:
            return
        base = str(self.ds.get("autodiscovery_url") or "").rstrip("/")
        url = f"{base}/autodiscovery/awcredentials.aws/v2/domainlookup/domain/{quote(domain, safe='')}"
        try:
            await self.client.get_external(url, purpose="discovery")
        except AuthenticationError as exc:
            self.state.gap("discovery", f"GET {url}", str(exc), exc.status)
        except CollectionError as exc:
            self.state.gap("discovery", f"GET {url}", str(exc), exc.status)

    async def _find_og(self) -> dict[str, Any] | None:
        group_id = str(self.ds["organization_group"])
        rows = await self._list(
            "og_search", "/api/system/groups/search", {"groupid": group_id}, 2,
            ("OrganizationGroups", "LocationGroups"),
        )
        if rows is None:
            return None
        row = pick_exact_og(rows, group_id)
        if row is None:
            return None  # a finding (dropship_customer_og fails), not a gap in the data
        og_id = shapes.row_id(row)
        if og_id is None:
            self.state.gap("og_search", "GET /api/system/groups/search", "organization group row without an id")
            return None
        if not shapes.get(row, "Uuid", "uuid"):
            await self._get("og_detail", f"/api/system/groups/{og_id}", 1)
        return {"id": og_id, "row": row}

    async def _smart_group_details(self, rows: list[dict[str, Any]], scope: set[int]) -> None:
        configured = self.ds.get("smart_groups") or []
        wanted = []
        for row in rows:
            sg_id = shapes.id_of(shapes.get(row, "SmartGroupID", "SmartGroupId", "Id", "id"))
            if sg_id is None:
                continue
            owner = shapes.id_of(shapes.get(row, "ManagedByOrganizationGroupId", "OrganizationGroupId"))
            if configured:
                name = str(shapes.get(row, "Name", "name", default=""))
                if not any(str(c) == str(sg_id) or str(c).casefold() == name.casefold() for c in configured):
                    continue
            elif owner is not None and scope and owner not in scope:
                continue
            wanted.append(sg_id)
        await asyncio.gather(*(self._get(f"smart_group:{i}", f"/api/mdm/smartgroups/{i}", 1) for i in sorted(set(wanted))))

    async def _app_details(self, apps: list[dict[str, Any]], dropship_sgs: set[int], names: set[str]) -> None:
        wanted = []
        for row in apps:
            app_type = str(shapes.get(row, "AppType", "app_type", default="Internal"))
            if app_type.casefold() != "internal":
                continue
            refs = shapes.get(row, "SmartGroups", "AssignedSmartGroups", "smart_groups")
            if refs is not None and not refs_smart_groups(refs, dropship_sgs, names):
                continue
            app_id = shapes.row_id(row)
            if app_id is not None:
                wanted.append(app_id)
        await asyncio.gather(*(self._get(f"app_detail:{i}", f"/api/mam/apps/internal/{i}", 1) for i in sorted(set(wanted))))

    async def _profile_details(self, profiles: list[dict[str, Any]], dropship_sgs: set[int], names: set[str]) -> None:
        wanted = []
        for row in profiles:
            general = row.get("General") if isinstance(row.get("General"), dict) else row
            refs = shapes.get(general, "AssignedSmartGroups", "assigned_smart_groups", "SmartGroups")
            if refs is not None and not refs_smart_groups(refs, dropship_sgs, names):
                continue
            pid = shapes.id_of(shapes.get(general, "ProfileId", "Id", "id", "uuid"))
            if pid is not None:
                wanted.append(pid)
        await asyncio.gather(*(self._get(f"profile_detail:{i}", f"/api/mdm/profiles/{i}", 2) for i in sorted(set(wanted))))

    async def _device_inventories(self, devices: list[dict[str, Any]], scope: set[int]) -> None:
        in_scope = []
        for row in devices:
            og = shapes.id_of(shapes.get(row, "LocationGroupId", "location_group_id"))
            if device_platform(row) not in WINDOWS_PLATFORMS or (og is not None and og not in scope):
                continue
            dev_id = shapes.row_id(row)
            if dev_id is not None:
                in_scope.append((dev_id, row))
        total, done = len(in_scope), 0
        self.progress("device inventories", 0, total)

        async def one(dev_id: int, row: dict[str, Any]) -> None:
            nonlocal done
            purpose = f"device_apps:{dev_id}"
            key = self._device_cache_key(dev_id, row)
            cached = self.cache.get(key) if (self.cache and key) else None
            if cached is not None:
                self.state.cache_hits += 1
                self.state.cached_records.extend({**rec, "cached": True} for rec in cached)
            else:
                path = f"/api/mdm/devices/{dev_id}/apps"
                before = len(self.client.recorder.records)
                got = await self._list(purpose, path, {}, 1, ("DeviceApps", "app_items", "Apps"))
                if got is not None and self.cache and key:
                    records = [
                        r.to_dict() for r in self.client.recorder.records[before:]
                        if r.purpose == purpose and 200 <= (r.status or 0) < 300
                    ]
                    if records:
                        self.cache.put(key, records)
            done += 1
            self.progress("device inventories", done, total)

        await asyncio.gather(*(one(dev_id, row) for dev_id, row in in_scope))

    @staticmethod
    def _device_cache_key(dev_id: int, row: dict[str, Any]) -> str | None:
        last_seen = shapes.get(row, "LastSeen", "last_seen")
        if not last_seen:
            return None
        uuid = shapes.get(row, "Uuid", "uuid", default=str(dev_id))
        return f"device_apps|{uuid}|{dev_id}|{last_seen}"

    async def run(self) -> Snapshot:
        started = _now()
        await asyncio.gather(self._system_info(), self._discovery(), self._collect_og())
        snapshot = self._snapshot(started)
        if self.cache:
            self.cache.save()
        return snapshot

    async def _collect_og(self) -> None:
        found = await self._find_og()
        if found is None:
            return
        og_id, og_row = found["id"], found["row"]
        children = await self._get("og_children", f"/api/system/groups/{og_id}/children", 1)
        scope = og_rows_in_scope(og_id, shapes.items_of(children) or [])
        og_uuid = shapes.get(og_row, "Uuid", "uuid") or self._og_uuid_from_records(og_id)
        params = {"organizationgroupid": og_id}
        tags_t = self._list("tags", "/api/mdm/tags/search", params, 1, ("Tags",))
        sgs_t = self._list("smart_groups", "/api/mdm/smartgroups/search", params, 1, ("SmartGroups",))
        apps_t = self._list(
            "apps", "/api/mam/apps/search", {"platform": "WinRT", "locationgroupid": og_id}, 1,
            ("Application", "Applications", "applications"),
        )
        profiles_t = self._list(
            "profiles", "/api/mdm/profiles/search", {**params, "platform": "WinRT"}, 2,
            ("ProfileList", "Profiles", "profiles"),
        )
        devices_t = self._list(
            "devices", "/api/mdm/devices/search", {"lgid": og_id, "platform": "WinRT"}, 1, ("Devices",)
        )
        regs_t = self._registrations(og_uuid)
        tags, sgs, apps, profiles, devices, _ = await asyncio.gather(
            tags_t, sgs_t, apps_t, profiles_t, devices_t, regs_t
        )
        device_task = asyncio.ensure_future(self._device_inventories(devices or [], scope))
        await self._smart_group_details(sgs or [], scope)
        sg_ids, sg_names = dropship_smart_group_ids(
            sgs or [], self._sg_detail_bodies(), tags or [], self.ds.get("tags") or [], self.ds.get("smart_groups") or []
        )
        await asyncio.gather(
            self._app_details(apps or [], sg_ids, sg_names),
            self._profile_details(profiles or [], sg_ids, sg_names),
            device_task,
        )
        await self._plugins(og_row, og_id, scope)

    async def _registrations(self, og_uuid: str | None) -> None:
        if not og_uuid:
            self.state.gap("registrations", "GET /api/mdm/groups/{uuid}/enrollment-tokens", "organization group UUID unknown")
            return
        await self._list(
            "registrations", f"/api/mdm/groups/{og_uuid}/enrollment-tokens", {}, 1,
            ("tokens", "enrollment_tokens", "EnrollmentTokens", "items", "results"), paging="snake",
        )

    def _og_uuid_from_records(self, og_id: int) -> str | None:
        for rec in self.client.recorder.records:
            if rec.purpose == "og_detail" and isinstance(rec.body, dict):
                uuid = shapes.get(rec.body, "Uuid", "uuid")
                if uuid:
                    return str(uuid)
        return None

    def _sg_detail_bodies(self) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for rec in self.client.recorder.records:
            if rec.purpose.startswith("smart_group:") and isinstance(rec.body, dict) and rec.status == 200:
                out[int(rec.purpose.split(":", 1)[1])] = rec.body
        return out

    async def _plugins(self, og_row: dict[str, Any], og_id: int, scope: set[int]) -> None:
        if self.plugin_hook is None:
            return
        context = CollectContext(
            client=self.client,
            config=self.config,
            dropship_og={"id": og_id, "group_id": shapes.get(og_row, "GroupId"), "uuid": shapes.get(og_row, "Uuid")},
            scope_og_ids=scope,
        )
        try:
            results = self.plugin_hook.ws1_audit_collect(context=context)
        except AuthenticationError:
            raise
        except Exception as exc:  # a plugin's collection must not stop the run
            self.state.gap("plugin", "ws1_audit_collect", f"plugin collection failed: {exc}")
            return
        for result in results:
            if inspect.isawaitable(result):
                try:
                    await result
                except AuthenticationError:
                    raise
                except Exception as exc:
                    self.state.gap("plugin", "ws1_audit_collect", f"plugin collection failed: {exc}")

    def _snapshot(self, started: str) -> Snapshot:
        api_url = str(self.config.tenant["api_url"])
        records = self.client.recorder.to_list() + self.state.cached_records
        return Snapshot(
            tool={"name": TOOL_NAME, "version": __version__},
            tenant={"name": self.config.tenant["name"], "api_url": api_url, "api_host": urlsplit(api_url).hostname or api_url},
            dropship=_public_dropship(self.ds),
            requests=records,
            gaps=self.state.gaps,
            stats={
                "requests_sent": self.client.requests_sent,
                "retries": self.client.retries,
                "cache_hits": self.state.cache_hits,
                "token_fetches": getattr(self.client.auth, "token_fetches", 0),
                "verify_tls": self.config.tenant.get("verify_tls", True),
            },
            started_at=started,
            finished_at=_now(),
        )


def _public_dropship(ds: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ds.items() if k != "password"}


def records_with_purpose(records: Iterable[dict[str, Any]], purpose: str) -> list[dict[str, Any]]:
    """Recorded requests of one purpose, in order."""
    return [r for r in records if r.get("purpose") == purpose]
