"""Scope decisions shared by the collector and the inventory builder.

Which organization group is the Drop Ship OG (exact GroupId among substring matches),
which OGs are in its subtree and above it, which devices are Windows desktops, which
smart groups are the Drop Ship smart groups, and which enrollment tokens' details decide
the tag verdict. The collector uses them to decide what to request; the inventory builder
re-derives the same facts from the snapshot alone. Every id and envelope key comes from
the endpoint catalogue (``audit.uem.catalogue``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from audit.uem import shapes
from audit.uem.catalogue import entry
from audit.uem.enums import DROPSHIP_TOKEN, TOKEN_TYPE, enum_name, folded, platform_name

#: Windows desktop: ``Platform: "WinRT"``, ``PlatformId 12`` (UEM_API.md section 2).
WINDOWS_PLATFORMS = frozenset({"winrt", "windows", "windows desktop", "windowsdesktop"})
#: How the Intelligent Hub is named in a device's app inventory (unconfirmed: matched loosely).
HUB_NAMES = re.compile(r"intelligent\s*hub|airwatch\s*agent", re.IGNORECASE)
#: What the app search per device asks for: the Hub's name, then (only for a device where
#: that finds nothing) the name of the agent before it (UEM_API.md section 2).
HUB_SEARCH_TEXTS = ("Intelligent Hub", "AirWatch Agent")

_APPS = entry("apps")
_APP_SEARCH = entry("device_app_search")
_INVENTORY = entry("device_apps")
_CHILDREN = entry("og_children")
_SMART_GROUPS = entry("smart_groups")
_CRITERIA = entry("smart_group")
_TAGS = entry("tags")
_DEVICES = entry("devices")


def pick_exact_og(rows: Iterable[Mapping[str, Any]], group_id: str) -> Mapping[str, Any] | None:
    """The row whose GroupId equals ``group_id`` (case-insensitive); searches match substrings."""
    wanted = group_id.strip().casefold()
    for row in rows:
        if str(shapes.get(row, "GroupId", default="")).strip().casefold() == wanted:
            return row
    return None


def parent_of(row: Mapping[str, Any]) -> int | None:
    """The parent OG id of an OG row (``ParentLocationGroup{Id{Value}}``), None at a root."""
    parent = shapes.get(row, *_CHILDREN.ref("parent"))
    return shapes.id_of(parent) if parent is not None else None


def og_rows_in_scope(og_id: int, children: Iterable[Mapping[str, Any]]) -> set[int]:
    """The OG and every descendant, from the children answer (which may or may not include
    the group itself, and may list descendants of any depth with their parent)."""
    parents: dict[int, int | None] = {}
    for row in children:
        rid = shapes.row_id(row, *_CHILDREN.ids)
        if rid is not None:
            parents[rid] = parent_of(row)
    scope = {og_id}
    changed = True
    while changed:
        changed = False
        for rid, parent in parents.items():
            if rid not in scope and parent in scope:
                scope.add(rid)
                changed = True
    # A children answer without parents lists descendants only: take them all.
    if len(scope) == 1 and parents and all(p is None for p in parents.values()):
        scope |= set(parents)
    return scope


def sg_id(row: Mapping[str, Any]) -> int | None:
    """A smart group's id in a search row or its details."""
    return shapes.row_id(row, *_SMART_GROUPS.ids)


def sg_owner(row: Mapping[str, Any]) -> int | None:
    """The id of the OG that manages a smart group (a string in the search rows)."""
    return shapes.id_of(shapes.get(row, *_SMART_GROUPS.ref("owner")))


def unplaced_owners(rows: Iterable[Mapping[str, Any]], placed: set[int]) -> set[int]:
    """Smart-group owners that are neither in the subtree nor known ancestors."""
    return {o for o in (sg_owner(r) for r in rows) if o is not None and o not in placed}


# -- the Intelligent Hub -------------------------------------------------------------------


def app_row_name(row: Mapping[str, Any]) -> str:
    """The app's name in a catalogue row or a device's app row (either endpoint)."""
    return str(shapes.get(row, "ApplicationName", "name", default="") or "")


def is_hub_row(row: Any) -> bool:
    """Whether an app row (catalogue, or a device's inventory) names the Intelligent Hub."""
    return isinstance(row, Mapping) and bool(HUB_NAMES.search(app_row_name(row)))


def app_bundle(row: Mapping[str, Any]) -> str | None:
    """The bundle id of a catalogue row or of a device's app row."""
    keys = (*_APPS.ref("bundle"), *_APP_SEARCH.ref("bundle"), *_INVENTORY.ref("bundle"))
    value = shapes.get(row, *keys)
    return str(value) if value else None


def hub_catalog_apps(rows: Iterable[Mapping[str, Any]], bundle: str | None = None) -> list[Any]:
    """The Hub's catalogue rows among app search rows: named like the Hub, or (``bundle``)
    carrying the bundle id seen in a device's inventory."""
    wanted = bundle.casefold() if bundle else None
    return [
        r
        for r in rows
        if is_hub_row(r) or (wanted is not None and (app_bundle(r) or "").casefold() == wanted)
    ]


def hub_installed(row: Mapping[str, Any]) -> str | None:
    """The installed version of an app-centric device row, None unless it is installed."""
    status = shapes.get(row, "installed_status")
    version = shapes.get(row, "installed_version")
    if status is not None and folded(status) not in ("installed", "1"):
        return None
    return str(version) if version not in (None, "") else None


def device_platform(row: Mapping[str, Any]) -> str:
    """The device's platform as lower-case text ("winrt"), from Platform or PlatformId."""
    platform = shapes.get(row, "Platform")
    if isinstance(platform, str) and platform.strip():
        return platform.strip().casefold()
    name = platform_name(shapes.id_of(shapes.get(row, *_DEVICES.ref("platform_id"))))
    return name.casefold() if name else ""


def ref_ids_and_names(refs: Any, id_keys: tuple[str, ...]) -> tuple[set[int], set[str]]:
    """Smart-group references as ids and names: refs may be ids, names or objects whose id
    is under one of ``id_keys`` (the referring entry's ``smart_group_id`` keys)."""
    ids: set[int] = set()
    names: set[str] = set()
    for ref in shapes.as_list(refs):
        if isinstance(ref, Mapping):
            rid = shapes.id_of(shapes.get(ref, *id_keys))
            if rid is not None:
                ids.add(rid)
            name = shapes.get(ref, "Name", "SmartGroupName")
            if isinstance(name, str) and name:
                names.add(name.casefold())
        else:
            rid = shapes.id_of(ref)
            if rid is not None:
                ids.add(rid)
            elif isinstance(ref, str) and ref:
                names.add(ref.casefold())
    return ids, names


def refs_smart_groups(
    refs: Any, id_keys: tuple[str, ...], sg_ids: set[int], sg_names: set[str]
) -> bool:
    """True when ``refs`` name any of the given smart groups (by id or name)."""
    ids, names = ref_ids_and_names(refs, id_keys)
    return bool(ids & sg_ids) or bool(names & sg_names)


def criteria_tags(detail: Mapping[str, Any]) -> tuple[list[str], list[str]]:
    """Tag ids and names in a smart group's criteria (``Tags: [{"Id":"3","Name":...}]``)."""
    ids: list[str] = []
    names: list[str] = []
    for tag in shapes.as_list(shapes.get(detail, *_CRITERIA.ref("tags"))):
        if isinstance(tag, Mapping):
            tid_int = shapes.id_of(shapes.get(tag, *_CRITERIA.ref("tag_id")))
            if tid_int is not None:
                ids.append(str(tid_int))
            name = shapes.get(tag, "Name")
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

    def add(ident: int, row: Mapping[str, Any]) -> None:
        ids.add(ident)
        name = shapes.get(row, "Name")
        if isinstance(name, str) and name:
            names.add(name.casefold())

    if configured:
        for row in rows:
            ident = sg_id(row)
            name = str(shapes.get(row, "Name", default=""))
            if ident is not None and any(
                c == str(ident) or c.casefold() == name.casefold() for c in configured
            ):
                add(ident, row)
        return ids, names
    wanted_names = {t.casefold() for t in configured_tags}
    wanted_ids = {
        str(shapes.row_id(t, *_TAGS.ids))
        for t in tag_rows
        if str(shapes.get(t, "TagName", default="")).casefold() in wanted_names
    }
    for row in rows:
        ident = sg_id(row)
        if ident is None or ident not in details:
            continue
        tag_ids, tag_names = criteria_tags(details[ident])
        if set(tag_ids) & wanted_ids or {n.casefold() for n in tag_names} & wanted_names:
            add(ident, row)
    return ids, names


# -- enrollment tokens -------------------------------------------------------------------


def token_type(detail: Mapping[str, Any] | None) -> str | None:
    """A token detail's ``type`` as its name ("DropshipProvisioning"), None when unread."""
    return enum_name(shapes.get(detail, "type"), TOKEN_TYPE) if detail is not None else None


def is_dropship_token(kind: str | None) -> bool:
    """A token counts as a Drop Ship registration unless its type says another kind."""
    return kind is None or folded(kind) in (folded(DROPSHIP_TOKEN), "unknown", "0")


def token_tags(row: Mapping[str, Any] | None) -> list[str] | None:
    """The tags of a token (its detail's ``tags``: strings), None when it has none."""
    raw = shapes.get(row, "tags")
    if raw is None:
        return None
    return [
        str(shapes.get(t, "name", "Name") if isinstance(t, Mapping) else t)
        for t in shapes.as_list(raw)
        if t is not None
    ]


def tag_verdict_decided(tagged: int, untagged: int) -> bool:
    """Whether the token details read so far decide ``devices_registered``'s tag verdict:
    a Drop Ship registration with a configured tag and one without make it a ``warn``
    whatever the others hold; otherwise (all tagged: pass, none: fail) every one counts."""
    return tagged > 0 and untagged > 0
