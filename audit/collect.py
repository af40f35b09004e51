"""Collection: read what the checks need from the tenant, through one client, into a snapshot.

Every request is an entry of the endpoint catalogue (``audit/uem/catalogue.py``, listed
in ``docs/collection.md``): the lists scoped by the Drop Ship OG's id or UUID are read by
one loop over the catalogue, the details by the selection of ``audit/collect_details.py``.
Collection only decides *what to ask for* (scope: the Drop Ship OG's subtree; details
only for items that touch a Drop Ship smart group; inventories only for Windows devices
in scope); the inventory builder re-derives every fact from the recorded answers alone.

Cost: exactly one request per list page and per needed detail, one inventory per Windows
device in scope (none for a device cached since its last check-in, ``audit/cache.py``),
at most ``[collect] concurrency`` in flight (adaptive, ``audit/uem/limiter.py``) and never
more than the request budget, which keeps back what the detail calls still need while the
inventories run. Records of entries with a ``trim`` hook (inventories, device search) are
trimmed to what the audit reads (``audit/trim.py``) and say so in a ``trimmed`` field.

A failing endpoint becomes a gap (its checks report ``error``), and so does a 403 on any
endpoint but the first call (a least-privilege role; the gap names the permission, and
that entry's further per-item requests are not sent); bad credentials, a 403 on the first
call and an unreachable tenant stop the collection (exit 4).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote, urlsplit

from audit import TOOL_NAME, __version__, og_lookup
from audit.cache import ResponseCache
from audit.collect_details import DetailReads
from audit.collect_hub import HubReads
from audit.config import Config
from audit.errors import (
    AuthenticationError,
    BudgetExhausted,
    CollectionError,
    PermissionDenied,
    TransportError,
)
from audit.scope import (
    og_rows_in_scope,
    parent_of,
    pick_exact_og,
)
from audit.snapshot import Snapshot
from audit.trim import HOOKS
from audit.uem import shapes
from audit.uem.catalogue import ROLE_EDITOR, Endpoint, entry, scope_values, scoped
from audit.uem.client import UEMClient
from audit.uem.recorder import RequestRecord

SYSTEM_INFO, DISCOVERY, OG_SEARCH = entry("system_info"), entry("discovery"), entry("og_search")
CHILDREN, OG_DETAIL = entry("og_children"), entry("og_detail")
DEVICES = entry("devices")

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
    #: Windows devices whose Hub version the app-centric lists gave (no per-device read).
    hub_covered: int = 0
    #: How the collection adapted to the console (recorded in ``stats.notes``).
    notes: list[str] = field(default_factory=list)

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


class Collector(DetailReads, HubReads):
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
        self.ds = dict(config.dropship)
        self.sg_details: dict[int, dict[str, Any]] = {}
        self._detail_reserve = 0
        self._details_done = asyncio.Event()
        #: Entries that answered 403: their further per-item requests are not sent.
        self._denied: dict[str, list[Any]] = {}
        #: Set when a stage stopped the collection (exit 4): nothing more is sent.
        self._stopped = False

    async def _gather(self, *steps: Awaitable[Any]) -> list[Any]:
        return await _gather_or_cancel(*steps)

    async def _guard(self, purpose: str, ep: Endpoint, call: Awaitable[Any]) -> Any:
        """Await ``call``; turn a per-endpoint failure into a gap. Auth failures propagate."""
        try:
            return await call
        except AuthenticationError:
            raise
        except BudgetExhausted as exc:
            self.state.gap(purpose, ep.label, f"not read: {exc}", kind="budget")
        except PermissionDenied as exc:
            self._denied.setdefault(ep.purpose, [exc.error_code, 0])
            self.state.gap(purpose, ep.label, denied_reason(ep, exc.error_code), 403, "permission")
        except CollectionError as exc:
            self.state.gap(purpose, ep.label, str(exc), exc.status)
        return None

    async def _read(self, ep: Endpoint, *, item: object = None, **values: object) -> Any:
        """One request kind of the catalogue: every row of a paged list, or one answer's
        body; None (and a gap) when it could not be read. Records are trimmed by the
        entry's hook; a per-item entry that answered 403 once is not asked again."""
        purpose = ep.item_purpose(item) if ep.per_item else ep.purpose
        if self._stopped:
            return None
        if ep.purpose in self._denied:
            self._denied[ep.purpose][1] += 1
            return None
        path, params = ep.url_path(**values), ep.params(**values)
        start = len(self.client.recorder.records)
        if ep.paging is None:
            result = await self._get(purpose, ep, path, params)
        else:
            result = await self._list(purpose, ep, path, params)
        if ep.trim is not None:
            swap: dict[int, dict[str, Any]] = {}
            hook = HOOKS[ep.trim]
            self._trim_records(purpose, start, lambda body: hook(body, swap))
            if isinstance(result, list):
                result = [swap.get(id(row), row) for row in result]
        return result

    async def _list(
        self, purpose: str, ep: Endpoint, path: str, params: dict[str, str]
    ) -> list[dict[str, Any]] | None:
        call = self.client.get_all(
            path,
            params=params,
            version=ep.versions[0],
            purpose=purpose,
            items=ep.items,
            paging=ep.paging or "v1",
        )
        result = await self._guard(purpose, ep, call)
        if result is None:
            return None
        if not result.complete:
            note = getattr(result, "note", None) or "read incompletely"
            self.state.gap(
                purpose, ep.label, f"list {note} ({len(result.items)} rows read)", kind="shape"
            )
        return list(result.items)

    async def _get(self, purpose: str, ep: Endpoint, path: str, params: dict[str, str]) -> Any:
        call = self.client.get(path, params=params or None, version=ep.versions[0], purpose=purpose)
        response = await self._guard(purpose, ep, call)
        if response is None:
            return None
        if getattr(response, "json_error", None):
            self.state.gap(
                purpose,
                ep.label,
                f"malformed JSON: {response.json_error}",
                response.status,
                kind="shape",
            )
            return None
        return response.body

    # -- stages -------------------------------------------------------------------------

    async def _system_info(self) -> None:
        """The first call: a 403 here refuses the API key or the account itself (exit 4)."""
        ep = SYSTEM_INFO
        try:
            response = await self.client.get(ep.path, version=ep.versions[0], purpose=ep.purpose)
        except (TransportError, AuthenticationError):
            raise  # the tenant is unreachable or refuses us: nothing else will work either
        except PermissionDenied as exc:
            raise AuthenticationError(
                f"{exc} (on the first call: the credentials or the API key were refused)",
                endpoint=exc.endpoint,
                status=exc.status,
            ) from exc
        except CollectionError as exc:
            self.state.gap(ep.purpose, ep.label, str(exc), exc.status)
            return
        if getattr(response, "json_error", None):
            self.state.gap(
                ep.purpose, ep.label, f"malformed JSON: {response.json_error}", response.status
            )

    async def _first(self) -> None:
        """The first call; when it stops the collection, nothing more is sent."""
        try:
            await self._system_info()
        except BaseException:
            self._stopped = True
            raise

    async def _discovery(self) -> None:
        domain = self.ds.get("email_domain")
        if not domain:
            return
        base = str(self.ds.get("autodiscovery_url") or "").rstrip("/")
        url = DISCOVERY.url_path(autodiscovery_url=base, domain=quote(domain, safe=""))
        try:
            await self.client.get_external(url, purpose=DISCOVERY.purpose)
        except CollectionError as exc:
            self.state.gap(DISCOVERY.purpose, f"GET {url}", str(exc), exc.status)

    async def _find_og(self) -> dict[str, Any] | None:
        group_id = str(self.ds["organization_group"])
        rows = await self._read(OG_SEARCH, group_id=group_id)
        denied = self._denied.get(OG_SEARCH.purpose)
        if denied and denied[0] == og_lookup.NO_ACCESS_CODE:
            raise og_lookup.no_access(group_id)
        if rows is None or any(g["purpose"] == OG_SEARCH.purpose for g in self.state.gaps):
            return None  # not read (in full): a gap, not a wrong GroupId
        row = pick_exact_og(rows, group_id)
        if row is None:  # a wrong GroupId: exit 3 naming what the account sees
            raise await og_lookup.not_found(self.client, self.config.source, group_id, rows)
        og_id = shapes.row_id(row, *OG_SEARCH.ids)
        if og_id is None:
            self.state.gap(
                OG_SEARCH.purpose, OG_SEARCH.label, "organization group row without an id"
            )
            return None
        return {"id": og_id, "row": row}

    def _budget_short(self) -> bool:
        """Whether the budget left is only what the pending detail calls may still need."""
        left = self.client.budget_left
        return left is not None and left <= self._detail_reserve

    def _trim_records(
        self, purpose: str, start: int, trim: Callable[[Any], tuple[Any, dict[str, Any] | None]]
    ) -> None:
        """Trim the bodies of this purpose's successful records made since ``start``, in
        the recorder (the snapshot then holds only the trimmed bodies)."""
        records = self.client.recorder.records
        for i in range(start, len(records)):
            rec = records[i]
            if rec.purpose != purpose or not _ok(rec):
                continue
            body, info = trim(rec.body)
            if info is not None:
                records[i] = replace(rec, body=body)
                self.state.trimmed[rec.seq] = info

    def _record_dict(self, rec: RequestRecord) -> dict[str, Any]:
        info = self.state.trimmed.get(rec.seq)
        return {**rec.to_dict(), **({"trimmed": info} if info else {})}

    async def run(self) -> Snapshot:
        started = _now()
        await _all_or_none(self._first(), self._discovery(), self._collect_og())
        self._denied_gaps()
        snapshot = self._snapshot(started)
        if self.cache:
            self.cache.save()
        return snapshot

    def _denied_gaps(self) -> None:
        """One gap per entry whose further requests were not sent after a 403."""
        for purpose, (code, skipped) in self._denied.items():
            if skipped:
                ep = entry(purpose)
                reason = f"{denied_reason(ep, code)}; {skipped} more request(s) not sent"
                self.state.gap(purpose, ep.label, reason, 403, "permission")

    async def _og_lists(self, og_id: int, og_row: dict[str, Any]) -> dict[str, Any]:
        """Every list of the catalogue scoped by the OG's id, and (once its UUID is known:
        from the v2 search row, else its own row in the children answer, else, only then,
        its details) every one scoped by its UUID, concurrently. Keyed by purpose."""
        by_id = {
            ep.purpose: asyncio.ensure_future(self._read(ep, **scope_values("og_id", og_id)))
            for ep in scoped("og_id")
        }

        async def by_uuid() -> dict[str, Any]:
            uuid = shapes.get(og_row, *OG_SEARCH.ref("uuid")) or _own_uuid(
                og_id, await by_id[CHILDREN.purpose]
            )
            if not uuid:
                detail = await self._read(OG_DETAIL, id=og_id)
                uuid = shapes.get(detail, *OG_DETAIL.ref("uuid"))
            entries = scoped("og_uuid")
            if not uuid:
                for ep in entries:
                    self.state.gap(ep.purpose, ep.label, "organization group UUID unknown")
                return {"og_uuid": None}
            values = scope_values("og_uuid", uuid)
            got = await _gather_or_cancel(*(self._read(ep, **values) for ep in entries))
            return {
                "og_uuid": str(uuid),
                **{ep.purpose: g for ep, g in zip(entries, got, strict=True)},
            }

        *lists, more = await _gather_or_cancel(*by_id.values(), by_uuid())
        return {**dict(zip(by_id, lists, strict=True)), **more}

    async def _collect_og(self) -> None:
        found = await self._find_og()
        if found is None:
            return
        og_id, og_row = found["id"], found["row"]
        got = await self._og_lists(og_id, og_row)
        children = shapes.items_of(got.get(CHILDREN.purpose)) or []
        scope = og_rows_in_scope(og_id, children)
        own = next((c for c in children if shapes.row_id(c, *CHILDREN.ids) == og_id), {})
        og_uuid = got.get("og_uuid")
        sgs, tags, apps, profiles, tokens = (
            got.get(p) or [] for p in ("smart_groups", "tags", "apps", "profiles", "registrations")
        )
        # Keep budget for the detail calls still to come (an upper bound) while the
        # inventories run; they decide more checks per request than one inventory does.
        self._detail_reserve = len(sgs) + len(apps) + len(profiles) + len(tokens)

        async def assigned() -> None:
            await self._smart_group_details(sgs, scope, parent_of(own))
            sg_ids, sg_names = self._dropship_groups(sgs, tags)
            await _gather_or_cancel(
                self._app_details(apps, sg_ids, sg_names),
                self._profile_details(profiles, sg_ids, sg_names),
            )

        async def details() -> None:
            try:
                await _gather_or_cancel(assigned(), self._token_details(tokens, og_uuid))
            finally:
                self._detail_reserve = 0
                self._details_done.set()

        hub = self._hub_versions(apps, got.get(DEVICES.purpose) or [], scope, og_id, og_uuid)
        await _gather_or_cancel(details(), hub)
        del got
        await self._plugins(og_row, og_id, scope)

    async def _plugins(self, og_row: dict[str, Any], og_id: int, scope: set[int]) -> None:
        if self.plugin_hook is None:
            return
        context = CollectContext(
            client=self.client,
            config=self.config,
            dropship_og={
                "id": og_id,
                "group_id": shapes.get(og_row, "GroupId"),
                "uuid": shapes.get(og_row, *OG_SEARCH.ref("uuid")),
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
        api_url = self.config.tenant.api_url
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
                "name": self.config.tenant.name,
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
                "hub_versions_from_lists": self.state.hub_covered,
                "quota": self.client.quota.stats(),
                "notes": self.state.notes,
                "request_budget": self.client.request_budget,
                "concurrency": {
                    "max": limiter.max_limit,
                    "min_seen": limiter.min_limit_seen,
                    "final": limiter.limit,
                    "decreases": limiter.decreases,
                    "max_in_flight": limiter.max_in_flight_seen,
                },
                "token_fetches": getattr(self.client.auth, "token_fetches", 0),
                "verify_tls": self.config.tenant.verify_tls,
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
        if shapes.row_id(row, *CHILDREN.ids) == og_id:
            uuid = shapes.get(row, *CHILDREN.ref("uuid"))
            if uuid:
                return str(uuid)
    return None


def _ok(rec: RequestRecord) -> bool:
    return 200 <= (rec.status or 0) < 300 and not rec.json_error


def denied_reason(ep: Endpoint, error_code: int | None) -> str:
    """Why a 403 left data unread, and the admin role permission that would grant it."""
    code = f", errorCode {error_code}" if error_code is not None else ""
    return (
        f"the API account lacks permission to read {ep.reads} (HTTP 403{code}); grant its "
        f"admin role {ep.permission} ({ROLE_EDITOR}, category API > REST)"
    )
