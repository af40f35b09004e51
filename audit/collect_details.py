"""Which details the collector reads, and reading them (a mixin of :class:`~audit.collect.Collector`).

Details are read only for what can change a verdict, each once:

- smart groups' criteria: the configured smart groups, else every smart group managed in
  the Drop Ship OG's subtree or by one of its ancestors (the parent chain is read upwards,
  one ``og_ancestor`` request a level, only while a smart group's owner is neither);
- internal apps and active profiles whose search row names a Drop Ship smart group (or
  names no smart group at all); an inactive profile assigns nothing and is not read;
- enrollment tokens, in list order, until the tag verdict of ``devices_registered`` is
  decided (:func:`audit.scope.tag_verdict_decided`): all of them when every one read so
  far carries a configured tag (or none does), none when no tag is configured. With
  ``[collect] cache_dir`` a token's details are cached under its OG, UUID and serial
  number: a registration's tags and type are set when it is registered and neither the
  console (Enrollment Status: change OG, change ownership, delete, resend, reset/revoke)
  nor the API (RESET/REVOKE, change OG or ownership, delete) can change them; a device
  registered again gets a new token. The token list itself is read every run.
"""

from __future__ import annotations

from collections import deque
from typing import Any

from audit.collect_reads import CatalogueReads
from audit.scope import (
    dropship_smart_group_ids,
    is_dropship_token,
    parent_of,
    refs_smart_groups,
    sg_id,
    sg_owner,
    tag_verdict_decided,
    token_tags,
    token_type,
    unplaced_owners,
)
from audit.uem import shapes
from audit.uem.catalogue import Endpoint, entry
from audit.uem.enums import folded

ANCESTOR = entry("og_ancestor")
CRITERIA = entry("smart_group")
APPS, APP_DETAIL = entry("apps"), entry("app_detail")
PROFILES, PROFILE_DETAIL = entry("profiles"), entry("profile_detail")
TOKENS, TOKEN_DETAIL = entry("registrations"), entry("registration_detail")


class DetailReads(CatalogueReads):
    """The detail stages of :class:`~audit.collect.Collector`."""

    #: Smart-group detail bodies read, by id.
    sg_details: dict[int, dict[str, Any]]

    async def _cached_read(self, ep: Endpoint, key: str, *, item: object, **values: object) -> Any:
        """One detail from the cache (``[collect] cache_dir``) when an earlier run stored it
        under ``key``, else read (and stored when it was read whole)."""
        cached = self.cache.get(key) if self.cache else None
        if cached is not None:
            self.state.from_cache(cached)
            return cached[-1].get("body")
        fetched = await self._fetch(ep, item=item, **values)
        kept = fetched.kept
        if fetched.value is not None and self.cache and kept:
            self.cache.put(key, [r.to_dict() for r in kept])
        return fetched.value

    async def _ancestors(self, parent: int | None, unplaced: set[int]) -> set[int]:
        """The known ancestors of the Drop Ship OG: its parent, then one level more per
        request while a smart group's owner is still unplaced (stops at the root)."""
        known: set[int] = set()
        node = parent
        while node is not None and node not in known:
            known.add(node)
            unplaced.discard(node)
            if not unplaced:
                break
            body = await self._read(ANCESTOR, item=node, id=node)
            node = parent_of(body) if isinstance(body, dict) else None
        return known

    async def _smart_group_details(
        self, rows: list[dict[str, Any]], scope: set[int], parent: int | None
    ) -> None:
        configured = [str(c) for c in self.ds.get("smart_groups") or []]
        placed = set(scope)
        if not configured and unplaced_owners(rows, placed):
            placed |= await self._ancestors(parent, unplaced_owners(rows, placed))
        wanted = []
        for row in rows:
            ident = sg_id(row)
            if ident is None:
                continue
            if configured:
                name = str(shapes.get(row, "Name", default="")).casefold()
                if not any(c == str(ident) or c.casefold() == name for c in configured):
                    continue
            elif sg_owner(row) is not None and scope and sg_owner(row) not in placed:
                continue
            wanted.append(ident)
        bodies = await self._gather(
            *(self._read(CRITERIA, item=i, id=i) for i in sorted(set(wanted)))
        )
        for ident, body in zip(sorted(set(wanted)), bodies, strict=True):
            if isinstance(body, dict):
                self.sg_details[ident] = body

    def _dropship_groups(
        self, sgs: list[dict[str, Any]], tags: list[dict[str, Any]]
    ) -> tuple[set[int], set[str]]:
        return dropship_smart_group_ids(
            sgs,
            self.sg_details,
            tags,
            self.ds.get("tags") or [],
            self.ds.get("smart_groups") or [],
        )

    async def _app_details(
        self, apps: list[dict[str, Any]], dropship_sgs: set[int], names: set[str]
    ) -> None:
        internal = [
            row
            for row in apps
            if folded(shapes.get(row, "AppType", default="Internal")) == "internal"
        ]
        wanted = _assigned(APPS, internal, dropship_sgs, names)
        await self._gather(*(self._read(APP_DETAIL, item=i, applicationId=i) for i in wanted))

    async def _profile_details(
        self, profiles: list[dict[str, Any]], dropship_sgs: set[int], names: set[str]
    ) -> None:
        # An inactive profile assigns nothing: its payloads cannot matter.
        active = [
            row
            for row in profiles
            if folded(shapes.get(row, "ProfileStatus", default="")) != "inactive"
        ]
        wanted = _assigned(PROFILES, active, dropship_sgs, names)
        await self._gather(*(self._read(PROFILE_DETAIL, item=i, profileId=i) for i in wanted))

    async def _token_details(self, rows: list[dict[str, Any]], og_uuid: str | None) -> None:
        """Token details in list order until the tag verdict is decided (see module doc),
        by at most ``concurrency`` workers: in the mixed case up to ``concurrency - 1``
        requests already in flight when it is decided are still answered."""
        wanted = {str(t).casefold() for t in self.ds.get("tags") or []}
        queue = deque(
            (str(uuid), shapes.get(row, "serial_number"))
            for row in rows
            if token_tags(row) is None and (uuid := shapes.get(row, *TOKENS.ids)) is not None
        )
        if not wanted or not og_uuid or not queue:
            return
        counts = {"tagged": 0, "untagged": 0}

        async def worker() -> None:
            while queue and not tag_verdict_decided(counts["tagged"], counts["untagged"]):
                token, serial = queue.popleft()
                body = await self._cached_read(
                    TOKEN_DETAIL,
                    f"{TOKEN_DETAIL.purpose}|{og_uuid}|{token}|{serial}",
                    item=token,
                    ogUuid=og_uuid,
                    tokenUuid=token,
                )
                if isinstance(body, dict) and is_dropship_token(token_type(body)):
                    tags = {t.casefold() for t in token_tags(body) or []}
                    counts["tagged" if tags & wanted else "untagged"] += 1

        await self._gather(*(worker() for _ in range(min(len(queue), self.client.max_concurrency))))


def _assigned(
    ep: Endpoint, rows: list[dict[str, Any]], dropship_sgs: set[int], names: set[str]
) -> list[int]:
    """The ids of ``rows`` (of list ``ep``) whose smart-group references name a Drop Ship
    smart group, or that name none at all (unknown: their details decide), sorted."""
    wanted: set[int] = set()
    id_keys = ep.ref("smart_group_id")
    for row in rows:
        refs = shapes.get(row, *ep.ref("smart_groups"))
        if refs is not None and not refs_smart_groups(refs, id_keys, dropship_sgs, names):
            continue
        ident = shapes.row_id(row, *ep.ids)
        if ident is not None:
            wanted.add(ident)
    return sorted(wanted)
