"""Reading one entry of the endpoint catalogue: the step every collection stage shares.

:class:`CatalogueReads` is the base of :class:`~audit.collect.Collector` and of its stage
mixins (``audit/collect_details.py``, ``audit/collect_hub.py``). Its
:meth:`~CatalogueReads._fetch` makes one request kind of the catalogue (every page of a
list, or one answer) and returns what it read together with the records its requests
made. While it runs, its purpose has a hook in the collector's recorder
(:class:`Reading`): each successful record is trimmed by the entry's ``trim`` hook
(``audit/trim.py``) as it is made (and says so in its ``trimmed`` field), and every
record is handed back to the caller (the cache stores a detail's records).

A failing read becomes a gap (its checks report ``error``); a 403 also leaves that
entry's further per-item requests unsent (:func:`denied_reason` names the permission);
bad credentials propagate.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from audit.errors import AuthenticationError, BudgetExhausted, CollectionError, PermissionDenied
from audit.trim import HOOKS, Hook
from audit.uem.catalogue import ROLE_EDITOR, Endpoint

if TYPE_CHECKING:
    from audit.cache import ResponseCache
    from audit.config import Config
    from audit.uem.client import UEMClient
    from audit.uem.recorder import Recorder, RequestRecord


@dataclass
class State:
    """What a collection notes besides its records: gaps, cache use, what it adapted."""

    gaps: list[dict[str, Any]] = field(default_factory=list)
    cache_hits: int = 0
    cached_records: list[dict[str, Any]] = field(default_factory=list)
    inventories_cut: int = 0
    #: Windows devices whose Hub version the app-centric lists gave (no per-device read).
    hub_covered: int = 0
    #: How the collection adapted to the console (recorded in ``stats.notes``).
    notes: list[str] = field(default_factory=list)

    def gap(
        self, purpose: str, endpoint: str, reason: str, status: int | None = None, kind: str = "api"
    ) -> None:
        """Note data that could not be read, and why."""
        self.gaps.append(
            {
                "purpose": purpose,
                "endpoint": endpoint,
                "reason": reason,
                "status": status,
                "kind": kind,
            }
        )

    def from_cache(self, records: Iterable[dict[str, Any]]) -> None:
        """Note records an earlier run cached, used instead of a request."""
        self.cache_hits += 1
        self.cached_records.extend({**rec, "cached": True} for rec in records)


@dataclass
class Reading:
    """The recorder hook of one read in flight: trims each successful record by the
    entry's hook as it is made, and keeps every record for the reader."""

    trim: Hook | None
    records: list[RequestRecord] = field(default_factory=list)
    #: ``id(row as received)`` -> the trimmed row its record keeps, so that the reader
    #: holds the same trimmed rows rather than a second, whole copy.
    swap: dict[int, dict[str, Any]] = field(default_factory=dict)

    def __call__(self, rec: RequestRecord) -> RequestRecord:
        if self.trim is not None and rec.ok:
            body, info = self.trim(rec.body, self.swap)
            if info is not None:
                rec = replace(rec, body=body, trimmed=info)
        self.records.append(rec)
        return rec


@dataclass(frozen=True)
class Fetched:
    """What one read gave: its value (None when it could not be read: a gap says why) and
    the records its requests made, as the recorder keeps them."""

    value: Any
    records: tuple[RequestRecord, ...] = ()

    @property
    def kept(self) -> list[RequestRecord]:
        """The records of successful answers (what a cache may store)."""
        return [r for r in self.records if r.ok]


class CatalogueReads:
    """Reading catalogue entries through one client into one recorder (see module doc)."""

    config: Config
    client: UEMClient
    recorder: Recorder
    cache: ResponseCache | None
    state: State
    progress: Callable[[str, int, int], None]
    ds: dict[str, Any]
    #: Entries that answered 403: ``[errorCode, further requests not sent]``.
    _denied: dict[str, list[Any]]
    #: Set when a stage stopped the collection (exit 4): nothing more is sent.
    _stopped: bool
    #: Budget kept back for the detail calls still to come (an upper bound).
    _detail_reserve: int
    _details_done: asyncio.Event

    async def _gather(self, *steps: Awaitable[Any]) -> list[Any]:
        return await gather_or_cancel(*steps)

    def _budget_short(self) -> bool:
        """Whether the budget left is only what the pending detail calls may still need."""
        left = self.client.budget.left
        return left is not None and left <= self._detail_reserve

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
        """The value of :meth:`_fetch`: every row of a list, or one answer's body; None."""
        return (await self._fetch(ep, item=item, **values)).value

    async def _fetch(self, ep: Endpoint, *, item: object = None, **values: object) -> Fetched:
        """One request kind of the catalogue, and the records it made (see module doc); a
        per-item entry that answered 403 once is not asked again. One read of a purpose
        at a time."""
        purpose = ep.item_purpose(item) if ep.per_item else ep.purpose
        if self._stopped:
            return Fetched(None)
        if ep.purpose in self._denied:
            self._denied[ep.purpose][1] += 1
            return Fetched(None)
        path, params = ep.url_path(**values), ep.params(**values)
        reading = self.recorder.hooks[purpose] = Reading(HOOKS[ep.trim] if ep.trim else None)
        try:
            if ep.paging is None:
                value = await self._get(purpose, ep, path, params)
            else:
                value = await self._list(purpose, ep, path, params)
        finally:
            if self.recorder.hooks.get(purpose) is reading:
                del self.recorder.hooks[purpose]
        if reading.swap and isinstance(value, list):
            value = [reading.swap.get(id(row), row) for row in value]
        return Fetched(value, tuple(reading.records))

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


async def gather_or_cancel(*steps: Awaitable[Any]) -> list[Any]:
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


def denied_reason(ep: Endpoint, error_code: int | None) -> str:
    """Why a 403 left data unread, and the admin role permission that would grant it."""
    code = f", errorCode {error_code}" if error_code is not None else ""
    return (
        f"the API account lacks permission to read {ep.reads} (HTTP 403{code}); grant its "
        f"admin role {ep.permission} ({ROLE_EDITOR}, category API > REST)"
    )
