"""The fewest requests a correct audit can make, computed from the simulator's tenant data.

Shared by the benchmark (``bench.py``) and the efficiency tests. It reads the normalised
tenant document the simulator serves (``docs/collection.md``, "The simulator's tenant
data"), never an API answer and never the collector's own counts.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

PAGE_SIZE = 500
GROUP_ID = "contoso"
TAGS = ("RnD",)
EMAIL_DOMAIN = "contoso.com"
DETAIL_ENDPOINTS = (
    "smart_group",
    "app_detail",
    "profile_detail",
    "device_apps",
    "og_detail",
    "og_ancestor",
    "registration_detail",
)
LIST_ENDPOINTS = ("tags", "smart_groups", "apps", "profiles", "devices", "registrations")


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
        "device_apps": sum(_pages(len(d.get("apps", ())), page_size) for d in windows),
        "registration_detail": _token_details(regs, tags),
    }
    list_first_pages = 6  # tags, smart groups, apps, profiles, devices, registrations
    list_more_pages = sum(by_purpose[k] - 1 for k in LIST_ENDPOINTS)
    # Each stage needs an answer from the one before: the OG's id (search), then its
    # subtree and the lists' first pages (which give the totals), then the further pages
    # and the smart groups' criteria, then what those decide (details, inventories).
    stages = [
        1 + discovery + by_purpose["og_search"],  # system info, discovery, OG search
        1 + list_first_pages,  # OG children, the first page of every list
        # further pages, the parent chain, smart group criteria, token details
        list_more_pages
        + by_purpose["og_ancestor"]
        + by_purpose["smart_group"]
        + by_purpose["registration_detail"],
        by_purpose["app_detail"] + by_purpose["profile_detail"] + by_purpose["device_apps"],
    ]
    # A warm run (every inventory cached) makes the same requests but the inventories.
    warm_stages = [*stages[:-1], stages[-1] - by_purpose["device_apps"]]
    return {
        "total": sum(by_purpose.values()),
        "warm_total": sum(by_purpose.values()) - by_purpose["device_apps"],
        "warm_stages": [s for s in warm_stages if s],
        "lists": sum(v for k, v in by_purpose.items() if k not in DETAIL_ENDPOINTS),
        "by_endpoint": by_purpose,
        "stages": [s for s in stages if s],
        "windows_in_scope": len(windows),
    }


def ideal_seconds(stages: list[int], concurrency: int, latency_ms: float) -> float:
    """Sum over stages of ceil(requests / concurrency) x latency."""
    return sum(math.ceil(n / concurrency) for n in stages) * latency_ms / 1000.0
