"""Scope decisions shared by the collector and the inventory builder.

Which organization group is the Drop Ship OG (exact GroupId among substring matches),
which OGs are in its subtree, which devices are Windows desktops, and which smart groups
are the Drop Ship smart groups. The collector uses them to decide what to request; the
inventory builder re-derives the same facts from the snapshot alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from audit.uem import shapes

#: Windows desktop: ``Platform: "WinRT"``, ``PlatformId 12`` (UEM_API.md section 2).
WINDOWS_PLATFORMS = frozenset({"winrt", "12", "windows", "windows desktop", "windowsdesktop"})
#: How the Intelligent Hub is named in a device's app inventory (unconfirmed: matched loosely).
HUB_NAMES = re.compile(r"intelligent\s*hub|airwatch\s*agent", re.IGNORECASE)


def pick_exact_og(rows: Iterable[Mapping[str, Any]], group_id: str) -> Mapping[str, Any] | None:
    """The row whose GroupId equals ``group_id`` (case-insensitive); searches match substrings."""
    wanted = group_id.strip().casefold()
    for row in rows:
        if str(shapes.get(row, "GroupId", "group_id", default="")).strip().casefold() == wanted:
            return row
    return None


def og_rows_in_scope(og_id: int, children: Iterable[Mapping[str, Any]]) -> set[int]:
    """The OG and every descendant, from the children answer (which may or may not include
    the group itself, and may list descendants of any depth with their parent)."""
    parent_of: dict[int, int | None] = {}
    for row in children:
        rid = shapes.row_id(row)
        if rid is None:
            continue
        parent = shapes.get(row, "ParentLocationGroup", "ParentId", "parent_id")
        parent_of[rid] = shapes.id_of(parent) if parent is not None else None
    scope = {og_id}
    changed = True
    while changed:
        changed = False
        for rid, parent in parent_of.items():
            if rid not in scope and parent in scope:
                scope.add(rid)
                changed = True
    # A children answer without parents lists descendants only: take them all.
    if len(scope) == 1 and parent_of and all(p is None for p in parent_of.values()):
        scope |= set(parent_of)
    return scope


def device_platform(row: Mapping[str, Any]) -> str:
    """The device's platform as lower-case text ("winrt"), from Platform or PlatformId."""
    platform = shapes.get(row, "Platform", "platform")
    if isinstance(platform, str) and platform.strip():
        return platform.strip().casefold()
    pid = shapes.id_of(shapes.get(row, "PlatformId", "platform_id"))
    return str(pid) if pid is not None else ""


def ref_ids_and_names(refs: Any) -> tuple[set[int], set[str]]:
    """Smart-group references as ids and names: refs may be ids, names or objects."""
    ids: set[int] = set()
    names: set[str] = set()
    for ref in shapes.as_list(refs):
        if isinstance(ref, Mapping):
            rid = shapes.id_of(
                shapes.get(ref, "SmartGroupId", "SmartGroupID", "Id", "id", "smart_group_id")
            )
            if rid is not None:
                ids.add(rid)
            name = shapes.get(ref, "Name", "SmartGroupName", "name")
            if isinstance(name, str) and name:
                names.add(name.casefold())
        else:
            rid = shapes.id_of(ref)
            if rid is not None:
                ids.add(rid)
            elif isinstance(ref, str) and ref:
                names.add(ref.casefold())
    return ids, names


def refs_smart_groups(refs: Any, sg_ids: set[int], sg_names: set[str]) -> bool:
    """True when ``refs`` name any of the given smart groups (by id or name)."""
    ids, names = ref_ids_and_names(refs)
    return bool(ids & sg_ids) or bool(names & sg_names)


def criteria_tags(detail: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Tag ids and names in a smart group's criteria (``Tags: [{"Id":"3","Name":...}]``)."""
    ids: list[str] = []
    names: list[str] = []
    for tag in shapes.as_list(shapes.get(detail, "Tags", "tags")):
        if isinstance(tag, Mapping):
            tid = shapes.get(tag, "Id", "TagId", "id")
            tid_int = shapes.id_of(tid)
            if tid_int is not None:
                ids.append(str(tid_int))
            name = shapes.get(tag, "Name", "TagName", "name")
            if isinstance(name, str) and name:
                names.append(name)
        elif shapes.id_of(tag) is not None:
            ids.append(str(shapes.id_of(tag)))
        elif isinstance(tag, str):
            names.append(tag)
    return ids, names


def dropship_smart_group_ids(
    sg_rows: Iterable[Mapping[str, Any]],
    details: Mapping[int, Mapping[str, Any]],
    tag_rows: Iterable[Mapping[str, Any]],
    configured_tags: Iterable[str],
    configured_sgs: Iterable[str | int],
) -> tuple[set[int], set[str]]:
    """The Drop Ship smart groups' ids and (case-folded) names.

    Configured smart groups (by id or name) when any are configured; otherwise every smart
    group whose criteria hold a configured tag (by tag id resolved from the tags list, or
    by name when the criteria carry names).
    """
    rows = list(sg_rows)
    configured = [str(c) for c in configured_sgs]
    ids: set[int] = set()
    names: set[str] = set()

    def add(sg_id: int, row: Mapping[str, Any]) -> None:
        ids.add(sg_id)
        name = shapes.get(row, "Name", "name")
        if isinstance(name, str) and name:
            names.add(name.casefold())

    if configured:
        for row in rows:
            sg_id = shapes.id_of(shapes.get(row, "SmartGroupID", "SmartGroupId", "Id", "id"))
            name = str(shapes.get(row, "Name", "name", default=""))
            if sg_id is not None and any(
                c == str(sg_id) or c.casefold() == name.casefold() for c in configured
            ):
                add(sg_id, row)
        return ids, names
    wanted_names = {t.casefold() for t in configured_tags}
    wanted_ids = {
        str(shapes.row_id(t))
        for t in tag_rows
        if str(shapes.get(t, "TagName", "Name", "name", default="")).casefold() in wanted_names
    }
    for row in rows:
        sg_id = shapes.id_of(shapes.get(row, "SmartGroupID", "SmartGroupId", "Id", "id"))
        if sg_id is None or sg_id not in details:
            continue
        tag_ids, tag_names = criteria_tags(details[sg_id])
        if set(tag_ids) & wanted_ids or {n.casefold() for n in tag_names} & wanted_names:
            add(sg_id, row)
    return ids, names
