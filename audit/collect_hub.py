"""Reading the Intelligent Hub version of every Windows device in scope (a mixin of
:class:`~audit.collect.Collector`).

Two paths, because whether a tenant's Hub is a catalogue app is unconfirmed (UEM_API.md
section 2), and the evidence says which one each device's version came from:

1. **App-centric lists, in bulk**, when the Hub is in the app catalogue: its rows in the
   ``apps`` list (named like the Hub), else, by the bundle id of one device's Hub row, in
   that list or in one ``hub_app_search`` (parent OGs included). An internal Hub app is
   read with ``hub_devices`` (every version at once, per bundle id and app OG), any other
   with ``hub_app_devices`` (per app); 500 devices a page.
2. **Per device**, only for the in-scope Windows devices those lists do not show
   installed: ``device_app_search`` (one page: the apps named "Intelligent Hub"; a second
   search by the older name "AirWatch Agent" only where that finds none). On a console
   that does not route that search (its HTML 404) the device's inventory is read from
   ``device_apps`` instead, for it and every device after it; so is a device listed
   without a ``Uuid``. The first device is read alone, so that a console without the
   search costs one request more, not one per worker.

Per-device answers are cached (``audit/cache.py``) under the device's UUID, id and
``LastSeen``, and the budget rules of ``docs/collection.md`` apply to them: while the
details are still to come, the inventories leave them their share.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from audit.collect_reads import CatalogueReads, Fetched
from audit.scope import (
    HUB_SEARCH_TEXTS,
    WINDOWS_PLATFORMS,
    app_bundle,
    device_platform,
    hub_catalog_apps,
    hub_installed,
    is_hub_row,
)
from audit.uem import shapes
from audit.uem.catalogue import entry
from audit.uem.enums import folded
from audit.uem.recorder import RequestRecord

DEVICES, APPS = entry("devices"), entry("apps")
HUB_SEARCH, HUB_DEVICES, HUB_APP_DEVICES = (
    entry("hub_app_search"),
    entry("hub_devices"),
    entry("hub_app_devices"),
)
APP_SEARCH, INVENTORY = entry("device_app_search"), entry("device_apps")
#: The progress stage (on a terminal): every Windows device in scope whose Hub is read.
PROGRESS = "Hub versions"


@dataclass(frozen=True)
class Target:
    """A Windows device in scope whose Hub version is to be read."""

    id: int
    uuid: str | None
    #: Its cache key (None: no ``LastSeen``, not cached).
    key: str | None


class HubReads(CatalogueReads):
    """The Hub stages of :class:`~audit.collect.Collector`."""

    #: False once the console answered the app search per device with its HTML 404.
    _search_routed: bool = True

    async def _hub_versions(
        self,
        apps: list[dict[str, Any]],
        devices: list[dict[str, Any]],
        scope: set[int],
        og_id: int,
        og_uuid: str | None,
    ) -> None:
        """Every Windows device's Hub version: app-centric lists first, then per device."""
        targets = _targets(devices, scope)
        if not targets:
            return
        self.progress(PROGRESS, 0, len(targets))
        queue = deque(targets)
        candidates = hub_catalog_apps(apps)
        if not candidates:
            # The bundle id of one device's Hub row finds a Hub catalogued under another name.
            first = queue.popleft()
            rows = await self._device_hub(first)
            bundle = next((b for r in rows if (b := app_bundle(r))), None)
            if bundle:
                candidates = hub_catalog_apps(apps, bundle) or await self._hub_search(bundle, og_id)
        covered = await self._hub_bulk(candidates, og_uuid) if candidates else set()
        rest = [t for t in queue if t.id not in covered and (t.uuid or "") not in covered]
        self.state.hub_covered = len(queue) - len(rest)
        await self._device_inventories(rest, len(targets))

    async def _hub_search(self, bundle: str, og_id: int) -> list[Any]:
        rows = await self._read(HUB_SEARCH, bundleid=bundle, og_id=og_id)
        return hub_catalog_apps(rows or [], bundle)

    async def _hub_bulk(self, apps: list[Any], og_uuid: str | None) -> set[Any]:
        """Read the app-centric device lists of the Hub's catalogue apps; the ids and UUIDs
        of the devices they show with the Hub installed."""
        if not og_uuid:
            return set()
        internal: dict[tuple[str, str], int] = {}
        other: dict[str, int] = {}
        for row in apps:
            app_id = shapes.row_id(row, *APPS.ids)
            bundle = app_bundle(row)
            if app_id is None:
                continue
            if folded(shapes.get(row, "AppType", default="Internal")) == "internal" and bundle:
                app_og = str(shapes.get(row, *APPS.ref("og_uuid"), default="") or og_uuid)
                internal.setdefault((bundle, app_og), app_id)
            elif uuid := shapes.get(row, *APPS.ref("uuid")):
                other.setdefault(str(uuid), app_id)
        reads = [
            self._read(
                HUB_DEVICES, item=app_id, bundleid=bundle, app_og_uuid=app_og, og_uuid=og_uuid
            )
            for (bundle, app_og), app_id in sorted(internal.items(), key=lambda kv: kv[1])
        ] + [
            self._read(HUB_APP_DEVICES, item=app_id, uuid=uuid, og_uuid=og_uuid)
            for uuid, app_id in sorted(other.items(), key=lambda kv: kv[1])
        ]
        covered: set[Any] = set()
        for rows in await self._gather(*reads):
            for row in rows or []:
                if isinstance(row, dict) and hub_installed(row) is not None:
                    covered.add(shapes.row_id(row, *HUB_DEVICES.ids))
                    covered.add(str(shapes.get(row, *HUB_DEVICES.ref("uuid"), default="")))
        return covered - {None, ""}

    async def _device_inventories(self, targets: list[Target], listed: int) -> None:
        """The per-device reads, from the cache when the device has not checked in since it
        was cached, else from the API, by a pool of workers no larger than the concurrency
        limit (so a 100,000-device tenant does not queue 20,000 tasks); the first one alone.

        When the request budget (less what the pending detail calls may still need) runs
        out, the remaining uncached devices are not asked for: one ``budget`` gap says how
        many, and ``hub_version`` warns with the counts.
        """
        queue = deque(targets)
        done = listed - len(targets)  # the first device, and those the lists showed
        cut = 0
        self.progress(PROGRESS, done, listed)

        async def one(target: Target) -> None:
            nonlocal done, cut
            while not self._stopped:
                cached = self.cache.get(target.key) if (self.cache and target.key) else None
                if cached is not None:
                    self.state.from_cache(cached)
                elif self._budget_short():
                    if not self._details_done.is_set():
                        # The reserve is an upper bound until the details are decided:
                        # wait for them rather than cut inventories the budget may allow.
                        await self._details_done.wait()
                        continue
                    cut += 1
                    return
                else:
                    await self._device_hub(target, cache=False)
                done += 1
                self.progress(PROGRESS, done, listed)
                return

        async def worker() -> None:
            while queue and not self._stopped:
                await one(queue.popleft())

        if queue:  # the first alone: it tells whether the console routes the app search
            await one(queue.popleft())
        # Twice the limit: a worker sleeping before a retry (Retry-After) holds no slot,
        # so the others keep the slots the limiter allows busy; the limiter still bounds
        # the requests in flight.
        workers = min(len(queue), 2 * max(1, self.client.max_concurrency))
        await self._gather(*(worker() for _ in range(workers)))
        self.state.inventories_cut = cut
        if cut:
            self.state.gap(
                APP_SEARCH.purpose,
                APP_SEARCH.label,
                f"not read: {self.client.budget.reason()}; {cut} of {listed} Windows devices' "
                f"Hub versions were not requested ({self.state.hub_covered} read from the "
                "app-centric lists)",
                kind="budget",
            )

    async def _device_hub(self, target: Target, *, cache: bool = True) -> list[Any]:
        """One device's Hub rows: from the cache (``cache``), else by the app search per
        device (or its inventory, see the module docstring); its records are cached."""
        if cache and self.cache and target.key:
            cached = self.cache.get(target.key)
            if cached is not None:
                self.state.from_cache(cached)
                return [r for rec in cached for r in _hub_rows(rec.get("body"))]
        gaps_before = len(self.state.gaps)
        kept: list[RequestRecord] = []
        rows = await self._search_or_inventory(target, kept)
        purposes = {ep.item_purpose(target.id) for ep in (APP_SEARCH, INVENTORY)}
        # A partial read (a gap) is not cached: the next run asks again.
        complete = not any(g["purpose"] in purposes for g in self.state.gaps[gaps_before:])
        if rows is not None and complete and self.cache and target.key and kept:
            self.cache.put(target.key, [r.to_dict() for r in kept])
        return [r for r in rows or [] if is_hub_row(r)]

    async def _search_or_inventory(
        self, target: Target, kept: list[RequestRecord]
    ) -> list[Any] | None:
        """The device's app search (by the Hub's name, then its older one while none is
        found); its inventory where the console lacks the search or the device a UUID.
        The records of its successful answers are added to ``kept``."""
        if self._search_routed and target.uuid:
            found: list[Any] = []
            for text in HUB_SEARCH_TEXTS:
                fetched = await self._fetch(
                    APP_SEARCH, item=target.id, deviceUuid=target.uuid, searchtext=text
                )
                kept += fetched.kept
                rows = fetched.value
                if rows is None and self._search_absent(target, fetched):
                    break  # read the inventory instead
                if rows is None:
                    return None
                found += rows
                if any(is_hub_row(r) for r in rows):
                    break
            if self._search_routed:
                return found
        fetched = await self._fetch(INVENTORY, item=target.id, id=target.id)
        kept += fetched.kept
        return fetched.value

    def _search_absent(self, target: Target, search: Fetched) -> bool:
        """Whether the search just failed as a route the console lacks (an HTML 404): then
        its gap is dropped (the inventory is read instead) and the fallback is noted."""
        purpose = APP_SEARCH.item_purpose(target.id)
        last = search.records[-1] if search.records else None
        if last is None or last.status != 404 or last.json_error is None:
            return False
        self._search_routed = False
        gaps = self.state.gaps
        for i in range(len(gaps) - 1, -1, -1):
            if gaps[i]["purpose"] == purpose:
                del gaps[i]
                break
        self.state.notes.append(
            f"{APP_SEARCH.label} is not routed by this console (HTML 404): the devices' "
            f"inventories were read with {INVENTORY.label} instead"
        )
        return True


def _targets(devices: list[dict[str, Any]], scope: set[int]) -> list[Target]:
    """The Windows devices in scope of the device list, in list order."""
    out = []
    for row in devices:
        og = shapes.id_of(shapes.get(row, *DEVICES.ref("og")))
        if device_platform(row) not in WINDOWS_PLATFORMS or (og is not None and og not in scope):
            continue
        dev_id = shapes.row_id(row, *DEVICES.ids)
        if dev_id is None:
            continue
        uuid = shapes.get(row, *DEVICES.ref("uuid"))
        last_seen = shapes.get(row, "LastSeen")
        key = f"device_apps|{uuid or dev_id}|{dev_id}|{last_seen}" if last_seen else None
        out.append(Target(dev_id, str(uuid) if uuid else None, key))
    return out


def _hub_rows(body: Any) -> list[Any]:
    keys = (*APP_SEARCH.items, *INVENTORY.items)
    return [r for r in shapes.items_of(body, keys) or [] if is_hub_row(r)]
