"""Build the :class:`~audit.inventory.Inventory` from a snapshot alone (no network).

Each recorded answer is found again by its purpose (the endpoint catalogue,
``audit/uem/catalogue.py``) and parsed by the shape it has, not by the version that was
asked for; every envelope and id key comes from its catalogue entry. Unexpected shapes
never raise: they become gaps that the checks needing the data report as ``error``. This
module builds the organization groups, tags, smart groups and the discovery lookup; the
item frames (apps, profiles, devices, registrations) are ``audit/inventory_items.py``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from audit.inventory import Gap, Inventory, frame_from_rows
from audit.inventory_dropship import dropship_settings
from audit.inventory_items import apps_frames, devices_frame, profiles_frames, registrations_frame
from audit.inventory_records import Records, dedupe, fields_gap, shape_gap, text_of
from audit.scope import (
    criteria_tags,
    dropship_smart_group_ids,
    og_rows_in_scope,
    parent_of,
    pick_exact_og,
    sg_id,
    sg_owner,
)
from audit.snapshot import Snapshot
from audit.uem import catalogue, shapes

SYSTEM_INFO, OG_SEARCH, OG_DETAIL = (
    catalogue.entry(p) for p in ("system_info", "og_search", "og_detail")
)
CHILDREN, ANCESTOR = catalogue.entry("og_children"), catalogue.entry("og_ancestor")
TAGS, SMART_GROUPS, CRITERIA = (catalogue.entry(p) for p in ("tags", "smart_groups", "smart_group"))


def build_inventory(snapshot: Snapshot) -> Inventory:
    """The inventory of a snapshot. Never raises on tenant data; problems become gaps."""
    recs = Records(snapshot.requests)
    ds = snapshot.dropship
    inv = Inventory(
        tenant_name=str(snapshot.tenant.get("name", "")),
        api_host=str(snapshot.tenant.get("api_host", "")),
        dropship_config=dict(ds),
        gaps=[
            Gap(
                str(g.get("purpose")),
                str(g.get("endpoint")),
                str(g.get("reason")),
                g.get("status"),
                str(g.get("kind") or "api"),
            )
            for g in snapshot.gaps
            if isinstance(g, dict)
        ],
        served_versions=recs.versions,
        collected_at=snapshot.finished_at or snapshot.started_at or None,
    )
    info = recs.body(SYSTEM_INFO.purpose)
    if isinstance(info, dict):
        # ProductVersion is the console release; Version is the API version (an integer).
        version = shapes.get(info, "ProductVersion")
        inv.uem_version = None if version is None else str(version)
    elif recs.has(SYSTEM_INFO.purpose):
        inv.gaps.append(
            Gap(SYSTEM_INFO.purpose, SYSTEM_INFO.label, "unexpected response shape", kind="shape")
        )

    scope = _org_groups(inv, recs, str(ds.get("organization_group") or ""))
    tag_rows, ok = recs.rows(TAGS)
    if not ok:
        shape_gap(inv, TAGS)
    fields_gap(inv, TAGS, tag_rows, "name", "TagName")
    inv.tags = frame_from_rows(
        "tags",
        [
            {
                "id": shapes.row_id(t, *TAGS.ids),
                "name": text_of(shapes.get(t, "TagName")),
                "og_id": None,
            }
            for t in dedupe(tag_rows, TAGS.ids)
        ],
    )
    _smart_groups(inv, recs, tag_rows, ds)
    apps_frames(inv, recs)
    profiles_frames(inv, recs)
    devices_frame(inv, recs, scope)
    registrations_frame(inv, recs)
    dropship_settings(inv, recs)
    _discovery(inv, snapshot, ds)
    for purpose in recs.purposes():
        if catalogue.find(purpose) is None:
            inv.extra[purpose] = recs.bodies(purpose)
    return inv


def _og_row(row: Mapping[str, Any], og_id: int, in_scope: bool) -> dict[str, Any]:
    return {
        "id": og_id,
        "group_id": text_of(shapes.get(row, "GroupId")),
        "uuid": text_of(shapes.get(row, *CHILDREN.ref("uuid"))),
        "name": text_of(shapes.get(row, "Name")),
        "type": text_of(shapes.get(row, "LocationGroupType")),
        "parent_id": parent_of(row),
        "in_scope": in_scope,
    }


def _org_groups(inv: Inventory, recs: Records, group_id: str) -> set[int]:
    rows, ok = recs.rows(OG_SEARCH)
    if not ok:
        shape_gap(inv, OG_SEARCH)
    fields_gap(inv, OG_SEARCH, rows, "GroupId", "GroupId")
    inv.og_search_candidates = [
        {
            "group_id": shapes.get(r, "GroupId"),
            "name": shapes.get(r, "Name"),
            "type": shapes.get(r, "LocationGroupType"),
        }
        for r in rows
    ]
    row = pick_exact_og(rows, group_id) if group_id else None
    if row is None:
        return set()
    og_id = shapes.row_id(row, *OG_SEARCH.ids)
    detail = recs.body(OG_DETAIL.purpose)
    detail = detail if isinstance(detail, dict) else {}
    children = shapes.items_of(recs.body(CHILDREN.purpose)) or []
    # The children answer lists the group itself (with its Uuid and parent): the collector
    # asks for og_detail only when neither the search row nor that row has the Uuid.
    own = next(
        (c for c in children if og_id is not None and shapes.row_id(c, *CHILDREN.ids) == og_id),
        {},
    )
    merged = {**own, **detail, **{k: v for k, v in row.items() if v is not None}}
    og = _og_row(merged, og_id or 0, True)
    inv.dropship_og = {"id": og_id, **{k: og[k] for k in ("group_id", "uuid", "name", "type")}}
    scope = og_rows_in_scope(og_id, children) if og_id is not None else set()
    og_rows = {og_id: {**og, "id": og_id}}
    for child in children:
        cid = shapes.row_id(child, *CHILDREN.ids)
        if cid is not None and cid != og_id:
            og_rows[cid] = _og_row(child, cid, cid in scope)
    # Ancestors: the parent named by the group's own row, then each level read above it.
    parent = parent_of(merged)
    if parent is not None and parent not in og_rows:
        og_rows[parent] = {**_og_row({}, parent, False), "uuid": None}
    for purpose in recs.purposes():
        body = recs.body(purpose) if purpose.startswith(ANCESTOR.purpose + ":") else None
        aid = shapes.row_id(body, *ANCESTOR.ids) if isinstance(body, dict) else None
        if isinstance(body, dict) and aid is not None and aid not in scope:
            og_rows[aid] = _og_row(body, aid, False)
            up = parent_of(body)
            if up is not None and up not in og_rows:
                og_rows[up] = _og_row({}, up, False)
    inv.org_groups = frame_from_rows("org_groups", list(og_rows.values()))
    return scope


def _smart_groups(
    inv: Inventory, recs: Records, tag_rows: list[dict[str, Any]], ds: Mapping[str, Any]
) -> None:
    rows, ok = recs.rows(SMART_GROUPS)
    if not ok:
        shape_gap(inv, SMART_GROUPS)
    fields_gap(inv, SMART_GROUPS, rows, "id", *SMART_GROUPS.ids)
    rows = dedupe(rows, SMART_GROUPS.ids)
    details: dict[int, dict[str, Any]] = {}
    for purpose in recs.purposes():
        if purpose.startswith(CRITERIA.purpose + ":"):
            body = recs.body(purpose)
            ident = shapes.id_of(purpose.split(":", 1)[1])
            if isinstance(body, dict) and ident is not None:
                details[ident] = body
    sg_ids, _names = dropship_smart_group_ids(
        rows, details, tag_rows, ds.get("tags") or [], ds.get("smart_groups") or []
    )
    out = []
    for row in rows:
        ident = sg_id(row)
        detail = details.get(ident) if ident is not None else None
        tag_ids, tag_names = criteria_tags(detail) if detail else ([], [])
        out.append(
            {
                "id": ident,
                "uuid": text_of(shapes.get(row, *SMART_GROUPS.ref("uuid"))),
                "name": text_of(shapes.get(row, "Name")),
                "og_id": sg_owner(row),
                "criteria_type": text_of(shapes.get(detail, "CriteriaType")) if detail else None,
                "tag_ids": tag_ids,
                "tag_names": tag_names,
                "criteria_read": detail is not None,
                "is_dropship": ident in sg_ids,
            }
        )
    inv.smart_groups = frame_from_rows("smart_groups", out)


def _discovery(inv: Inventory, snapshot: Snapshot, ds: Mapping[str, Any]) -> None:
    domain = ds.get("email_domain")
    if not domain:
        return
    purpose = catalogue.entry("discovery").purpose
    records = [r for r in snapshot.requests if r.get("purpose") == purpose]
    gaps = inv.gaps_for(purpose)
    last = records[-1] if records else None
    body = last.get("body") if last else None
    status = last.get("status") if last else None
    error = gaps[0].reason if gaps and (status is None or status >= 500 or status == 429) else None
    if last is None and not gaps:
        error = "discovery lookup was not made"
    inv.discovery = {
        "domain": domain,
        "url": (last or {}).get("url") or (last or {}).get("path"),
        "status": status,
        "group_id": text_of(shapes.get(body, "GroupId")) if isinstance(body, dict) else None,
        "body": body,
        "error": error,
    }
