"""Collection: read what the checks need from the tenant, through one client, into a snapshot.

The requests and their purposes are listed in ``docs/collection.md``. Collection only
decides *what to ask for* (scope: the Drop Ship OG's subtree; details only for items that
touch a Drop Ship smart group; inventories only for Windows devices in scope); the
inventory builder re-derives every fact from the recorded answers alone.

Cost: exactly one request per list page and per needed detail, one inventory per Windows
device in scope (none for a device cached since its last check-in, ``audit/cache.py``),
at most ``[collect] concurrency`` in flight (adaptive, ``audit/uem/limiter.py``) and never
more than the request budget, which keeps back what the detail calls still need while the
inventories run. Inventory and device-search records are trimmed to what the audit reads
(:func:`trim_inventory`, :func:`trim_device_page`) and say so in a ``trimmed`` field.

A failing endpoint becomes a gap (its checks report ``error``); bad credentials and an
unreachable tenant stop the collection (exit 4).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any, Literal
from urllib.parse import quote, urlsplit

from audit import TOOL_NAME, __version__, og_lookup
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
from audit.trim import INVENTORY_KEYS, trim_device_page, trim_inventory
from audit.uem import shapes
from audit.uem.client import UEMClient
from audit.uem.recorder import RequestRecord

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
    #: Record seq -> what trimming kept of a device inventory (see trim_inventory).
    trimmed: dict[int, dict[str, Any]] = field(default_factory=dict)
    inventories_cut: int = 0

    def gap(
        self, purpose: str, endpoint: str, reason: str, status: int | None = None, kind: str = "api"
    ) -> None:
        self.gaps.append(
            {
                "purpose": purpose,
                "endpoint": endpoint,
                "reason": reason,
                "status": status,
                "kind": kind,
            }
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
        self._detail_reserve = 0
        self._details_done = asyncio.Event()

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
        self,
        purpose: str,
        path: str,
        params: dict[str, Any],
        version: int,
        items: tuple[str, ...],
        paging: Literal["v1", "snake"] = "v1",
    ) -> list[dict[str, Any]] | None:
        result = await self._guard(
            purpose,
            f"GET {path}",
            self.client.get_all(
                path, params=params, version=version, purpose=purpose, items=items, paging=paging
            ),
        )
        if result is None:
            return None
        if not result.complete:
            note = getattr(result, "note", None) or "read incompletely"
            self.state.gap(
                purpose, f"GET {path}", f"list {note} ({len(result.items)} rows read)", kind="shape"
            )
        return list(result.items)

    async def _get(self, purpose: str, path: str, version: int = 1) -> Any:
        response = await self._guard(
            purpose, f"GET {path}", self.client.get(path, version=version, purpose=purpose)
        )
        if response is None:
            return None
        if getattr(response, "json_error", None):
            self.state.gap(
                purpose,
                f"GET {path}",
                f"malformed JSON: {response.json_error}",
                response.status,
                kind="shape",
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
            self.state.gap(
                "system_info",
                f"GET {path}",
                f"malformed JSON: {response.json_error}",
                response.status,
            )

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
        try:
            rows = await self._list(
                "og_search",
                "/api/system/groups/search",
                {"groupid": group_id},
                2,
                ("OrganizationGroups", "LocationGroups"),
            )
        except AuthenticationError as exc:
            raise og_lookup.no_access(exc, group_id) or exc from exc
        if rows is None or any(g["purpose"] == "og_search" for g in self.state.gaps):
            return None  # not read (in full): a gap, not a wrong GroupId
        row = pick_exact_og(rows, group_id)
        if row is None:  # a wrong GroupId: exit 3 naming what the account sees
            raise await og_lookup.not_found(self.client, self.config.source, group_id, rows)
        og_id = shapes.row_id(row)
        if og_id is None:
            self.state.gap(
                "og_search", "GET /api/system/groups/search", "organization group row without an id"
            )
            return None
        return {"id": og_id, "row": row}

    async def _smart_group_details(self, rows: list[dict[str, Any]], scope: set[int]) -> None:
        configured = self.ds.get("smart_groups") or []
        wanted = []
        for row in rows:
            sg_id = shapes.id_of(shapes.get(row, "SmartGroupID", "SmartGroupId", "Id", "id"))
            if sg_id is None:
                continue
            owner = shapes.id_of(
                shapes.get(row, "ManagedByOrganizationGroupId", "OrganizationGroupId")
            )
            if configured:
                name = str(shapes.get(row, "Name", "name", default=""))
                if not any(
                    str(c) == str(sg_id) or str(c).casefold() == name.casefold() for c in configured
                ):
                    continue
            elif owner is not None and scope and owner not in scope:
                continue
            wanted.append(sg_id)
        await _gather_or_cancel(
            *(
                self._get(f"smart_group:{i}", f"/api/mdm/smartgroups/{i}", 1)
                for i in sorted(set(wanted))
            )
        )

    async def _app_details(
        self, apps: list[dict[str, Any]], dropship_sgs: set[int], names: set[str]
    ) -> None:
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
        await _gather_or_cancel(
            *(
                self._get(f"app_detail:{i}", f"/api/mam/apps/internal/{i}", 1)
                for i in sorted(set(wanted))
            )
        )

    async def _profile_details(
        self, profiles: list[dict[str, Any]], dropship_sgs: set[int], names: set[str]
    ) -> None:
        wanted = []
        for row in profiles:
            general = row.get("General") if isinstance(row.get("General"), dict) else row
            refs = shapes.get(
                general, "AssignedSmartGroups", "assigned_smart_groups", "SmartGroups"
            )
            if refs is not None and not refs_smart_groups(refs, dropship_sgs, names):
                continue
            pid = shapes.id_of(shapes.get(general, "ProfileId", "Id", "id", "uuid"))
            if pid is not None:
                wanted.append(pid)
        await _gather_or_cancel(
            *(
                self._get(f"profile_detail:{i}", f"/api/mdm/profiles/{i}", 2)
                for i in sorted(set(wanted))
            )
        )

    async def _device_inventories(self, devices: list[dict[str, Any]], scope: set[int]) -> None:
        """One app inventory per Windows device in scope: from the cache when the device has
        not checked in since it was cached, else from the API, by a pool of workers no larger
        than the concurrency limit (so a 100,000-device tenant does not queue 20,000 tasks).

        When the request budget (less what the pending detail calls may still need) runs
        out, the remaining uncached devices are not asked for: one ``budget`` gap says how
        many, and ``hub_version`` warns with the counts.
        """
        in_scope = []
        for row in devices:
            og = shapes.id_of(shapes.get(row, "LocationGroupId", "location_group_id"))
            if device_platform(row) not in WINDOWS_PLATFORMS or (
                og is not None and og not in scope
            ):
                continue
            dev_id = shapes.row_id(row)
            if dev_id is not None:
                in_scope.append((dev_id, self._device_cache_key(dev_id, row)))
        total = len(in_scope)
        queue = deque(in_scope)
        done = cut = 0
        self.progress("device inventories", 0, total)

        async def worker() -> None:
            nonlocal done, cut
            while queue:
                dev_id, key = queue.popleft()
                cached = self.cache.get(key) if (self.cache and key) else None
                if cached is not None:
                    self.state.cache_hits += 1
                    self.state.cached_records.extend({**rec, "cached": True} for rec in cached)
                elif self._budget_short():
                    if not self._details_done.is_set():
                        # The reserve is an upper bound until the details are decided:
                        # wait for them rather than cut inventories the budget may allow.
                        queue.appendleft((dev_id, key))
                        await self._details_done.wait()
                        continue
                    cut += 1
                    continue
                else:
                    await self._inventory(dev_id, key)
                done += 1
                self.progress("device inventories", done, total)

        # Twice the limit: a worker sleeping before a retry (Retry-After) holds no slot,
        # so the others keep the slots the limiter allows busy; the limiter still bounds
        # the requests in flight.
        workers = min(total, 2 * max(1, self.client.limiter.max_limit))
        await _gather_or_cancel(*(worker() for _ in range(workers)))
        self.state.inventories_cut = cut
        if cut:
            self.state.gap(
                "device_apps",
                "GET /api/mdm/devices/{id}/apps",
                f"not read: the request budget ran out; {cut} of {total} Windows devices' app "
                f"inventories were not requested (request_budget {self.client.request_budget}, "
                f"{self.client.requests_sent} requests sent)",
                kind="budget",
            )

    def _budget_short(self) -> bool:
        """Whether the budget left is only what the pending detail calls may still need."""
        left = self.client.budget_left
        return left is not None and left <= self._detail_reserve

    async def _inventory(self, dev_id: int, key: str | None) -> None:
        """Read one device's app inventory; keep only its Hub rows in the record (see
        :func:`trim_inventory`) and cache the records under ``key``."""
        purpose = f"device_apps:{dev_id}"
        before, gaps_before = len(self.client.recorder.records), len(self.state.gaps)
        got = await self._list(purpose, f"/api/mdm/devices/{dev_id}/apps", {}, 1, INVENTORY_KEYS)
        kept = self._trim_records(purpose, before, trim_inventory)
        # A partial read (a gap) is not cached: the next run asks again.
        complete = not any(g["purpose"] == purpose for g in self.state.gaps[gaps_before:])
        if got is not None and complete and self.cache and key and kept:
            self.cache.put(key, [self._record_dict(r) for r in kept])

    def _trim_records(
        self, purpose: str, start: int, trim: Callable[[Any], tuple[Any, dict[str, Any] | None]]
    ) -> list[RequestRecord]:
        """Trim the bodies of this purpose's successful records made since ``start``, in
        the recorder (the snapshot then holds only the trimmed bodies); return them."""
        records = self.client.recorder.records
        kept: list[RequestRecord] = []
        for i in range(start, len(records)):
            rec = records[i]
            if rec.purpose != purpose or not (200 <= (rec.status or 0) < 300) or rec.json_error:
                continue
            body, info = trim(rec.body)
            if info is not None:
                rec = records[i] = replace(rec, body=body)
                self.state.trimmed[rec.seq] = info
            kept.append(rec)
        return kept

    def _record_dict(self, rec: RequestRecord) -> dict[str, Any]:
        info = self.state.trimmed.get(rec.seq)
        return {**rec.to_dict(), **({"trimmed": info} if info else {})}

    @staticmethod
    def _device_cache_key(dev_id: int, row: dict[str, Any]) -> str | None:
        last_seen = shapes.get(row, "LastSeen", "last_seen")
        if not last_seen:
            return None
        uuid = shapes.get(row, "Uuid", "uuid", default=str(dev_id))
        return f"device_apps|{uuid}|{dev_id}|{last_seen}"

    async def run(self) -> Snapshot:
        started = _now()
        await _all_or_none(self._system_info(), self._discovery(), self._collect_og())
        snapshot = self._snapshot(started)
        if self.cache:
            self.cache.save()
        return snapshot

    async def _collect_og(self) -> None:
        found = await self._find_og()
        if found is None:
            return
        og_id, og_row = found["id"], found["row"]
        params = {"organizationgroupid": og_id}
        children_t = asyncio.ensure_future(
            self._get("og_children", f"/api/system/groups/{og_id}/children", 1)
        )

        async def registrations() -> None:
            # The OG's UUID: from the v2 search row, else from its own row in the children
            # answer (which lists the group itself), else, only then, from its details (v1).
            uuid = shapes.get(og_row, "Uuid", "uuid") or _own_uuid(og_id, await children_t)
            if not uuid:
                detail = await self._get("og_detail", f"/api/system/groups/{og_id}", 1)
                uuid = shapes.get(detail, "Uuid", "uuid")
            await self._registrations(str(uuid) if uuid else None)

        tags_t = self._list("tags", "/api/mdm/tags/search", params, 1, ("Tags",))
        sgs_t = self._list(
            "smart_groups", "/api/mdm/smartgroups/search", params, 1, ("SmartGroups",)
        )
        apps_t = self._list(
            "apps",
            "/api/mam/apps/search",
            {"platform": "WinRT", "locationgroupid": og_id},
            1,
            ("Application", "Applications", "applications"),
        )
        profiles_t = self._list(
            "profiles",
            "/api/mdm/profiles/search",
            {**params, "platform": "WinRT"},
            2,
            ("ProfileList", "Profiles", "profiles"),
        )
        devices_t = self._devices(og_id)
        tags, sgs, apps, profiles, devices, _, children = await _gather_or_cancel(
            tags_t, sgs_t, apps_t, profiles_t, devices_t, registrations(), children_t
        )
        scope = og_rows_in_scope(og_id, shapes.items_of(children) or [])
        # Keep budget for the detail calls still to come (an upper bound) while the
        # inventories run; they decide more checks per request than one inventory does.
        self._detail_reserve = len(sgs or []) + len(apps or []) + len(profiles or [])

        async def details() -> None:
            try:
                await self._smart_group_details(sgs or [], scope)
                sg_ids, sg_names = dropship_smart_group_ids(
                    sgs or [],
                    self._sg_detail_bodies(),
                    tags or [],
                    self.ds.get("tags") or [],
                    self.ds.get("smart_groups") or [],
                )
                await _gather_or_cancel(
                    self._app_details(apps or [], sg_ids, sg_names),
                    self._profile_details(profiles or [], sg_ids, sg_names),
                )
            finally:
                self._detail_reserve = 0
                self._details_done.set()

        await _gather_or_cancel(details(), self._device_inventories(devices or [], scope))
        del devices
        await self._plugins(og_row, og_id, scope)

    async def _devices(self, og_id: int) -> list[dict[str, Any]] | None:
        """The device search, its recorded pages trimmed to :data:`DEVICE_FIELDS`."""
        start = len(self.client.recorder.records)
        rows = await self._list(
            "devices",
            "/api/mdm/devices/search",
            {"lgid": og_id, "platform": "WinRT"},
            1,
            ("Devices",),
        )
        swap: dict[int, dict[str, Any]] = {}
        self._trim_records("devices", start, lambda body: trim_device_page(body, swap))
        return None if rows is None else [swap.get(id(row), row) for row in rows]

    async def _registrations(self, og_uuid: str | None) -> None:
        if not og_uuid:
            self.state.gap(
                "registrations",
                "GET /api/mdm/groups/{uuid}/enrollment-tokens",
                "organization group UUID unknown",
            )
            return
        await self._list(
            "registrations",
            f"/api/mdm/groups/{og_uuid}/enrollment-tokens",
            {},
            1,
            ("tokens", "enrollment_tokens", "EnrollmentTokens", "items", "results"),
            paging="snake",
        )

    def _sg_detail_bodies(self) -> dict[int, dict[str, Any]]:
        out: dict[int, dict[str, Any]] = {}
        for rec in self.client.recorder.records:
            if (
                rec.purpose.startswith("smart_group:")
                and isinstance(rec.body, dict)
                and rec.status == 200
            ):
                out[int(rec.purpose.split(":", 1)[1])] = rec.body
        return out

    async def _plugins(self, og_row: dict[str, Any], og_id: int, scope: set[int]) -> None:
        if self.plugin_hook is None:
            return
        context = CollectContext(
            client=self.client,
            config=self.config,
            dropship_og={
                "id": og_id,
                "group_id": shapes.get(og_row, "GroupId"),
                "uuid": shapes.get(og_row, "Uuid"),
            },
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
                    self.state.gap(
                        "plugin", "ws1_audit_collect", f"plugin collection failed: {exc}"
                    )

    def _snapshot(self, started: str) -> Snapshot:
        api_url = str(self.config.tenant["api_url"])
        records = self.client.recorder.to_list()
        for rec in records:
            info = self.state.trimmed.get(rec["seq"])
            if info is not None:
                rec["trimmed"] = info
        records += self.state.cached_records
        limiter = self.client.limiter
        return Snapshot(
            tool={"name": TOOL_NAME, "version": __version__},
            tenant={
                "name": self.config.tenant["name"],
                "api_url": api_url,
                "api_host": urlsplit(api_url).hostname or api_url,
            },
            dropship=_public_dropship(self.ds),
            requests=records,
            gaps=self.state.gaps,
            stats={
                "requests_sent": self.client.requests_sent,
                "retries": self.client.retries,
                "cache_hits": self.state.cache_hits,
                "inventories_cut_by_budget": self.state.inventories_cut,
                "request_budget": self.client.request_budget,
                "concurrency": {
                    "max": limiter.max_limit,
                    "min_seen": limiter.min_limit_seen,
                    "final": limiter.limit,
                    "decreases": limiter.decreases,
                    "max_in_flight": limiter.max_in_flight_seen,
                },
                "token_fetches": getattr(self.client.auth, "token_fetches", 0),
                "verify_tls": self.config.tenant.get("verify_tls", True),
            },
            started_at=started,
            finished_at=_now(),
        )


async def _gather_or_cancel(*steps: Awaitable[Any]) -> list[Any]:
    """``asyncio.gather`` that, when one step fails (bad credentials), cancels and awaits
    the others before raising: no request outlives the failure (plain gather leaves them
    running)."""
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


#: How long the other collection steps may take to end on their own once one has failed.
SIBLING_GRACE_S = 2.0


async def _all_or_none(*steps: Awaitable[Any]) -> None:
    """Run ``steps`` concurrently. When one fails (bad credentials, TLS), the others get
    :data:`SIBLING_GRACE_S` to end on their own (they usually fail the same way at once),
    then are cancelled; either way none is still running when the client closes.

    (Cancelling a connection in the middle of its TLS handshake leaks its socket, so the
    others are not cancelled at once.)
    """
    tasks = [asyncio.ensure_future(step) for step in steps]
    try:
        await asyncio.gather(*tasks)
    except Exception:
        _, pending = await asyncio.wait(tasks, timeout=SIBLING_GRACE_S)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _public_dropship(ds: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in ds.items() if k != "password"}


def _own_uuid(og_id: int, children: Any) -> str | None:
    """The OG's UUID from its own row in the children answer (it lists the group itself)."""
    for row in shapes.items_of(children) or []:
        if shapes.row_id(row) == og_id:
            uuid = shapes.get(row, "Uuid", "uuid")
            if uuid:
                return str(uuid)
    return None
