"""The fewest requests a correct audit can make, computed from the simulator's tenant data.

Shared by the benchmark (``bench.py``) and the efficiency tests. It reads the normalised
tenant document the simulator serves (``docs/collection.md``, "The simulator's tenant
data"), never an API answer and never the collector's own counts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from audit.simulator.render.apps import app_bundle_id

PAGE_SIZE = 500
GROUP_ID = "contoso"
TAGS = ("RnD",)
EMAIL_DOMAIN = "contoso.com"
DETAIL_ENDPOINTS = (
    "smart_group",
    "app_detail",
    "profile_detail",
    "device_apps",
    "device_app_search",
    "og_detail",
    "og_ancestor",
    "registration_detail",
)
LIST_ENDPOINTS = ("tags", "smart_groups", "apps", "profiles", "devices", "registrations")
#: The per-device reads (cached by a warm run).
PER_DEVICE = ("device_app_search", "device_apps")
HUB = re.compile(r"intelligent\s*hub|airwatch\s*agent", re.IGNORECASE)
SEARCHES = ("intelligent hub", "airwatch agent")


def _pages(rows: int, size: int) -> int:
    """Requests to read a list of ``rows`` rows (an empty list still takes one)."""
    return max(1, math.ceil(rows / size))


def _ancestor_reads(
    ogs: Mapping[int, Any], parent: int | None, unplaced: set[int]
) -> tuple[set[int], int]:
    """Ancestors known by walking up from ``parent`` while a smart group's owner is
    unplaced, and the requests the walk costs: the parent is known from the children
    answer; each level above it takes one read of the level below."""
    known: set[int] = set()
    node = parent
    reads = 0
    while node is not None and node not in known:
        known.add(node)
        unplaced.discard(node)
        if not unplaced:
            break
        reads += 1
        node = ogs[node].get("parent_id")
    return known, reads


def _token_details(regs: list[Mapping[str, Any]], tags: tuple[str, ...]) -> int:
    """Token details read to decide the tag verdict: in list order until a Drop Ship
    token with a configured tag and one without have both been read (then the verdict
    is ``warn`` whatever the rest hold), else all of them; none when no tag is set."""
    wanted = {t.casefold() for t in tags}
    if not wanted:
        return 0
    tagged = untagged = 0
    for n, reg in enumerate(regs, start=1):
        if reg.get("type", "DropshipProvisioning") in ("DropshipProvisioning", "Unknown"):
            if {str(t).casefold() for t in reg.get("tags", ())} & wanted:
                tagged += 1
            else:
                untagged += 1
        if tagged and untagged:
            return n
    return len(regs)


def _hub_reads(
    tenant: Mapping[str, Any],
    apps: list[Mapping[str, Any]],
    windows: list[Mapping[str, Any]],
    page_size: int,
) -> dict[str, Any]:
    """What reading every in-scope Windows device's Hub costs: the app-centric lists of
    the Hub's catalogue apps (by name in the apps list, else by the bundle id of the first
    device's Hub row: that one device, then one catalogue search), then the app search of
    every device they do not show installed (a second one, by the older name, where the
    first finds no Hub); a console without that search: the first device's search, then
    every device's inventory."""
    out = {
        "devices_read": 0,
        "hub_devices": 0,
        "hub_app_devices": 0,
        "hub_app_search": 0,
        "device_app_search": 0,
        "device_apps": 0,
    }
    if not windows:
        return {**out, "first": 0, "lists_first": 0, "lists_more": 0}
    routed = "device_app_search" not in tenant.get("absent_endpoints", ())

    def per_device(device: Mapping[str, Any]) -> None:
        out["devices_read"] += 1
        names = [str(a.get("name", "")).casefold() for a in device.get("apps", ())]
        if not routed:
            out["device_apps"] += _pages(len(names), page_size)
            return
        for text in SEARCHES:
            out["device_app_search"] += 1
            if any(text in n and HUB.search(n) for n in names):
                return

    candidates = [a for a in apps if HUB.search(a["name"])]
    first = 0
    todo = list(windows)
    if not candidates:
        device = todo.pop(0)
        per_device(device)
        first = 1
        if not routed:  # the search that told the console lacks it
            out["device_app_search"] += 1
        hub_rows = [a for a in device.get("apps", ()) if HUB.search(str(a.get("name", "")))]
        if hub_rows:
            bundle = app_bundle_id(hub_rows[0])
            candidates = [a for a in apps if app_bundle_id(a) == bundle]
            if not candidates:
                out["hub_app_search"] = 1
    covered: set[int] = set()
    lists_first = lists_more = 0
    groups: dict[tuple[str, int], list[Mapping[str, Any]]] = {}
    for app in candidates:
        if app.get("app_type", "Internal") == "Internal":
            groups.setdefault((app_bundle_id(app), app["og_id"]), []).append(app)
        else:
            groups.setdefault((app["uuid"], -1), []).append(app)
    for (_key, og), group in groups.items():
        bundles = {app_bundle_id(a) for a in group}
        rows = [
            d["id"]
            for d in todo
            if any(
                app_bundle_id(x) in bundles and x.get("in_catalog", True) and x.get("version")
                for x in d.get("apps", ())
            )
        ]
        covered |= set(rows)
        pages = _pages(len(rows), page_size)
        out["hub_devices" if og >= 0 else "hub_app_devices"] += pages
        lists_first, lists_more = lists_first + 1, lists_more + pages - 1
    for device in todo:
        if device["id"] not in covered:
            per_device(device)
    return {**out, "first": first, "lists_first": lists_first, "lists_more": lists_more}


def minimum_requests(
    tenant: Mapping[str, Any],
    group_id: str = GROUP_ID,
    *,
    page_size: int = PAGE_SIZE,
    tags: tuple[str, ...] = TAGS,
    email_domain: str | None = EMAIL_DOMAIN,
) -> dict[str, Any]:
    """The fewest requests a correct audit of ``tenant`` can make, by purpose and stage.

    Derived from the normalised tenant document the simulator serves (not from any API
    answer, and not from the collector): the Drop Ship OG's subtree and ancestors from
    ``parent_id``; what an OG-scoped search lists is what the OG and its ancestors and
    descendants own; Windows devices are ``platform == "WinRT"``.
    """
    ogs = {og["id"]: og for og in tenant["org_groups"]}
    folded = group_id.casefold()
    og = next(o for o in ogs.values() if o["group_id"].casefold() == folded)
    children: dict[int, list[int]] = {}
    for o in ogs.values():
        if o.get("parent_id") is not None:
            children.setdefault(o["parent_id"], []).append(o["id"])
    subtree = [og["id"]]
    for node in subtree:
        subtree.extend(children.get(node, ()))
    sub = set(subtree)
    anc: set[int] = set()
    parent = og.get("parent_id")
    while parent is not None:
        anc.add(parent)
        parent = ogs[parent].get("parent_id")
    visible = sub | anc

    tag_rows = [t for t in tenant.get("tags", ()) if t["og_id"] in visible]
    wanted_tags = {t.casefold() for t in tags}
    tag_ids = {t["id"] for t in tag_rows if t["name"].casefold() in wanted_tags}
    sgs = [s for s in tenant.get("smart_groups", ()) if s["og_id"] in visible]
    placed, ancestor_reads = _ancestor_reads(
        ogs, og.get("parent_id"), {s["og_id"] for s in sgs} - sub
    )
    sg_details = [s for s in sgs if s["og_id"] in sub | placed]
    dropship_sgs = {s["id"] for s in sg_details if set(s.get("tag_ids", ())) & tag_ids}
    apps = [
        a
        for a in tenant.get("apps", ())
        if a["og_id"] in visible and a.get("platform", "WinRT") == "WinRT"
    ]
    app_details = [
        a
        for a in apps
        if a.get("app_type", "Internal") == "Internal"
        and {x["smart_group_id"] for x in a.get("assignments", ())} & dropship_sgs
    ]
    profiles = [
        p
        for p in tenant.get("profiles", ())
        if p["og_id"] in visible and p.get("platform", "WinRT") == "WinRT"
    ]
    profile_details = [
        p
        for p in profiles
        if p.get("status", "Active") == "Active"  # an inactive profile's details are not read
        and set(p.get("smart_group_ids", ())) & dropship_sgs
    ]
    windows = [d for d in tenant["devices"] if d["platform"] == "WinRT" and d["og_id"] in sub]
    # The token list of the OG: its subtree's registrations, parents before children.
    by_og: dict[int, list[Mapping[str, Any]]] = {}
    uuid_to_og = {o["uuid"]: o["id"] for o in ogs.values()}
    for r in tenant.get("registrations", ()):
        owner = uuid_to_og.get(r.get("og_uuid"), r.get("og_id"))
        by_og.setdefault(owner, []).append(r)
    regs = [r for o in subtree for r in by_og.get(o, ())]
    og_matches = [o for o in ogs.values() if folded in o["group_id"].casefold()]
    discovery = 1 if email_domain else 0
    windows.sort(key=lambda d: d["id"])  # the device search's order
    hub = _hub_reads(tenant, apps, windows, page_size)

    by_purpose = {
        "system_info": 1,
        "discovery": discovery,
        "og_search": _pages(len(og_matches), page_size),
        "og_children": 1,
        "tags": _pages(len(tag_rows), page_size),
        "smart_groups": _pages(len(sgs), page_size),
        "apps": _pages(len(apps), page_size),
        "profiles": _pages(len(profiles), page_size),
        "devices": _pages(len(windows), page_size),
        "registrations": _pages(len(regs), page_size),
        "og_ancestor": ancestor_reads,
        "smart_group": len(sg_details),
        "app_detail": len(app_details),
        "profile_detail": len(profile_details),
        "dropship_settings": 1,
        "oem_sync": 1,
        "hub_app_search": hub["hub_app_search"],
        "hub_devices": hub["hub_devices"],
        "hub_app_devices": hub["hub_app_devices"],
        "device_app_search": hub["device_app_search"],
        "device_apps": hub["device_apps"],
        "registration_detail": _token_details(regs, tags),
    }
    list_first_pages = 8  # tags, smart groups, apps, profiles, devices, registrations + 2
    list_more_pages = sum(by_purpose[k] - 1 for k in LIST_ENDPOINTS)
    per_device = by_purpose["device_app_search"] + by_purpose["device_apps"]
    # Each stage needs an answer from the one before: the OG's id (search), then its
    # subtree and the lists' first pages (which give the totals), then the further pages,
    # the smart groups' criteria and the Hub's app-centric lists (or the first device's
    # Hub), then what those decide (details, the other devices' Hub).
    stages = [
        1 + discovery + by_purpose["og_search"],  # system info, discovery, OG search
        1 + list_first_pages,  # OG children, the first page of every list
        # further pages, the parent chain, smart group criteria, token details
        list_more_pages
        + by_purpose["og_ancestor"]
        + by_purpose["smart_group"]
        + by_purpose["registration_detail"]
        + hub["lists_first"]
        + hub["first"],
        by_purpose["app_detail"] + by_purpose["profile_detail"] + hub["lists_more"],
        by_purpose["hub_app_search"] + per_device - hub["first"],
    ]
    # A warm run makes the same requests but the per-device reads and the token details
    # (both cached).
    cached = per_device + by_purpose["registration_detail"]
    warm_stages = [
        stages[0],
        stages[1],
        stages[2] - by_purpose["registration_detail"] - hub["first"],
        stages[3],
        by_purpose["hub_app_search"],
    ]
    return {
        "total": sum(by_purpose.values()),
        "warm_total": sum(by_purpose.values()) - cached,
        "warm_stages": [s for s in warm_stages if s],
        "lists": sum(v for k, v in by_purpose.items() if k not in DETAIL_ENDPOINTS),
        "by_endpoint": by_purpose,
        "stages": [s for s in stages if s],
        "windows_in_scope": len(windows),
        "hub_from_lists": len(windows) - hub["devices_read"],
        "hub_read_per_device": hub["devices_read"],
    }


def ideal_seconds(stages: list[int], concurrency: int, latency_ms: float) -> float:
    """Sum over stages of ceil(requests / concurrency) x latency."""
    return sum(math.ceil(n / concurrency) for n in stages) * latency_ms / 1000.0


#: The simulator's route of the purposes that share one (``server.log`` names routes).
ROUTE_OF = {"hub_app_search": "apps", "og_ancestor": "og_detail"}


def by_route(by_purpose: Mapping[str, int]) -> dict[str, int]:
    """The minimum by the simulator's route names, as its log counts requests (non-zero)."""
    out: dict[str, int] = {}
    for purpose, count in by_purpose.items():
        if count:
            route = ROUTE_OF.get(purpose, purpose)
            out[route] = out.get(route, 0) + count
    return out
