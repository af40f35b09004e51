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
trimmed to what the audit reads (``audit/trim.py``) as they are recorded, and say so in a
``trimmed`` field.

The collector owns the evidence log: it creates the :class:`~audit.uem.recorder.Recorder`
(``Collector.recorder``), the caller builds the client on it and hands the client to
:meth:`Collector.run`. Reading one catalogue entry is ``audit/collect_reads.py``.

A failing endpoint becomes a gap (its checks report ``error``), and so does a 403 on any
endpoint but the first call (a least-privilege role; the gap names the permission, and
that entry's further per-item requests are not sent); bad credentials, a 403 on the first
call and an unreachable tenant stop the collection (exit 4).
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote, urlsplit

from audit import TOOL_NAME, __version__, og_lookup
from audit.cache import ResponseCache
from audit.collect_context import CollectContext
from audit.collect_details import DetailReads
from audit.collect_hub import HubReads
from audit.collect_reads import State, denied_reason, gather_or_cancel
from audit.config import Config
from audit.errors import AuthenticationError, CollectionError, PermissionDenied, TransportError
from audit.scope import (
    og_rows_in_scope,
    parent_of,
    pick_exact_og,
)
from audit.snapshot import Snapshot
from audit.uem import shapes
from audit.uem.catalogue import entry, scope_values, scoped
from audit.uem.client import UEMClient
from audit.uem.recorder import Recorder
from audit.vocabulary import utc_now

SYSTEM_INFO, DISCOVERY, OG_SEARCH = entry("system_info"), entry("discovery"), entry("og_search")
CHILDREN, OG_DETAIL = entry("og_children"), entry("og_detail")
DEVICES = entry("devices")

#: ``progress(stage, done, total)``: how far a long stage has come (on a terminal).
Progress = Callable[[str, int, int], None]


class Collector(DetailReads, HubReads):
    """One collection run against one tenant: ``Collector(config, ...)``, then
    ``await collector.run(client)`` with a client that records into ``collector.recorder``."""

    def __init__(
        self,
        config: Config,
        *,
        cache: ResponseCache | None = None,
        progress: Progress | None = None,
        plugin_hook: Any = None,
    ) -> None:
        self.config = config
        #: The evidence log: the client this collector is run with records into it.
        self.recorder = Recorder(redactor=config.redactor)
        self.cache = cache
        self.progress = progress or (lambda stage, done, total: None)
        self.plugin_hook = plugin_hook
        self.state = State()
        self.ds = dict(config.dropship)
        self.sg_details: dict[int, dict[str, Any]] = {}
        self._detail_reserve = 0
        self._details_done = asyncio.Event()
        self._denied: dict[str, list[Any]] = {}
        self._stopped = False

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

    async def run(self, client: UEMClient) -> Snapshot:
        """Collect through ``client``, which must record into :attr:`recorder`."""
        self.client = client
        started = utc_now()
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
            got = await gather_or_cancel(*(self._read(ep, **values) for ep in entries))
            return {
                "og_uuid": str(uuid),
                **{ep.purpose: g for ep, g in zip(entries, got, strict=True)},
            }

        *lists, more = await gather_or_cancel(*by_id.values(), by_uuid())
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
            await gather_or_cancel(
                self._app_details(apps, sg_ids, sg_names),
                self._profile_details(profiles, sg_ids, sg_names),
            )

        async def details() -> None:
            try:
                await gather_or_cancel(assigned(), self._token_details(tokens, og_uuid))
            finally:
                self._detail_reserve = 0
                self._details_done.set()

        hub = self._hub_versions(apps, got.get(DEVICES.purpose) or [], scope, og_id, og_uuid)
        await gather_or_cancel(details(), hub)
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
        records = self.recorder.to_list() + self.state.cached_records
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
                **self.client.stats(),
                "cache_hits": self.state.cache_hits,
                "inventories_cut_by_budget": self.state.inventories_cut,
                "hub_versions_from_lists": self.state.hub_covered,
                "notes": self.state.notes,
                "verify_tls": self.config.tenant.verify_tls,
            },
            started_at=started,
            finished_at=utc_now(),
        )


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
