"""Build the :class:`~audit.inventory.Inventory` from a snapshot alone (no network).

Each recorded answer is found again by its purpose (``docs/collection.md``) and parsed by
the shape it has, not by the version that was asked for. Unexpected shapes never raise:
they become gaps that the checks needing the data report as ``error``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from audit.inventory import Gap, Inventory, frame_from_rows
from audit.scope import (
    HUB_NAMES,
    WINDOWS_PLATFORMS,
    criteria_tags,
    device_platform,
    dropship_smart_group_ids,
    og_rows_in_scope,
    pick_exact_og,
    ref_ids_and_names,
)
from audit.snapshot import Snapshot
from audit.uem import shapes
from audit.versions import parse_version

CORE_PURPOSES = {
    "system_info",
    "og_search",
    "og_detail",
    "og_children",
    "tags",
    "smart_groups",
    "apps",
    "profiles",
    "devices",
    "registrations",
    "discovery",
    "oauth_token",
}
CORE_PREFIXES = ("smart_group:", "app_detail:", "profile_detail:", "device_apps:")
ACCOUNTS_CSP = re.compile(r"vendor/msft/accounts/", re.IGNORECASE)
DOMAIN_JOIN = re.compile(r"domain\s*_?join|odj|offline\s*domain", re.IGNORECASE)


def _ok(record: Mapping[str, Any]) -> bool:
    status = record.get("status")
    return isinstance(status, int) and 200 <= status < 300 and not record.get("json_error")


class _Records:
    """The snapshot's successful answers grouped by purpose (last attempt per page wins)."""

    def __init__(self, records: Iterable[Mapping[str, Any]]) -> None:
        pages: dict[str, dict[str, Mapping[str, Any]]] = defaultdict(dict)
        self.versions: dict[str, str] = {}
        for rec in records:
            purpose = str(rec.get("purpose") or "")
            if not _ok(rec):
                continue
            query = rec.get("query") or {}
            page_key = _query_key(query)
            pages[purpose][page_key] = rec
            if rec.get("served_version"):
                self.versions[purpose.split(":", 1)[0]] = str(rec["served_version"])
        self._pages = pages

    def purposes(self) -> list[str]:
        return list(self._pages)

    def bodies(self, purpose: str) -> list[Any]:
        """The purpose's answers in page order (pages arrive in any order when read
        concurrently or retried; rows, and so evidence, must not depend on it)."""
        pages = self._pages.get(purpose, {})
        return [pages[k].get("body") for k in sorted(pages, key=lambda k: _page_order(pages[k], k))]

    def body(self, purpose: str) -> Any:
        bodies = self.bodies(purpose)
        return bodies[0] if bodies else None

    def has(self, purpose: str) -> bool:
        return purpose in self._pages

    def items(self, purpose: str, keys: tuple[str, ...]) -> tuple[list[dict[str, Any]], bool]:
        """All rows of a (paged) list purpose, de-duplicated by id; False when a body had no list."""
        rows: list[dict[str, Any]] = []
        ok = True
        for body in self.bodies(purpose):
            found = shapes.items_of(body, keys)
            if found is None:
                ok = False
                continue
            rows.extend(found)
        return rows, ok


def _query_key(query: Any) -> str:
    """A canonical text of a recorded query (cheap for the usual flat one: 20,000
    inventories are keyed per evaluation)."""
    if isinstance(query, dict) and all(
        type(k) is str and type(v) in (str, int) for k, v in query.items()
    ):
        return repr(sorted(query.items()))
    return json.dumps(query, sort_keys=True, default=str)


def _page_order(record: Mapping[str, Any], page_key: str) -> tuple[int, str]:
    """Sort key of a recorded page: its ``page`` number (0 when absent), then its query."""
    query = record.get("query")
    raw = query.get("page") if isinstance(query, Mapping) else None
    try:
        number = int(str(raw)) if raw is not None else 0
    except ValueError:
        number = 0
    return number, page_key


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return _text(shapes.get(value, "Name", "name", "Value"))
    return str(value)


def build_inventory(snapshot: Snapshot) -> Inventory:
    """The inventory of a snapshot. Never raises on tenant data; problems become gaps."""
    recs = _Records(snapshot.requests)
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
    )

    def shape_gap(purpose: str, endpoint: str) -> None:
        inv.gaps.append(
            Gap(
                purpose, endpoint, "unexpected response shape: no list of items found", kind="shape"
            )
        )

    info = recs.body("system_info")
    if isinstance(info, dict):
        version = shapes.get(info, "ProductVersion", "productVersion", "Version")
        inv.uem_version = None if version is None else str(version)
    elif recs.has("system_info"):
        inv.gaps.append(
            Gap("system_info", "GET /api/system/info", "unexpected response shape", kind="shape")
        )

    scope = _org_groups(inv, recs, str(ds.get("organization_group") or ""), shape_gap)
    tag_rows, ok = recs.items("tags", ("Tags",))
    if not ok:
        shape_gap("tags", "GET /api/mdm/tags/search")
    _fields_gap(inv, "tags", "GET /api/mdm/tags/search", tag_rows, "name", "TagName", "Name")
    inv.tags = frame_from_rows(
        "tags",
        [
            {
                "id": shapes.row_id(t),
                "name": _text(shapes.get(t, "TagName", "Name", "name")),
                "og_id": shapes.id_of(shapes.get(t, "LocationGroupId", "OrganizationGroupId")),
            }
            for t in _dedupe(tag_rows)
        ],
    )
    sg_ids, sg_names = _smart_groups(inv, recs, tag_rows, ds, shape_gap)
    _apps(inv, recs, scope, sg_ids, sg_names, shape_gap)
    _profiles(inv, recs, sg_ids, shape_gap)
    _devices(inv, recs, scope, shape_gap)
    _registrations(inv, recs, shape_gap)
    _discovery(inv, snapshot, recs, ds)
    for purpose in recs.purposes():
        if purpose not in CORE_PURPOSES and not purpose.startswith(CORE_PREFIXES):
            inv.extra[purpose] = recs.bodies(purpose)
    return inv


def _fields_gap(
    inv: Inventory,
    purpose: str,
    endpoint: str,
    rows: list[dict[str, Any]],
    what: str,
    *keys: str,
) -> None:
    """A shape gap when rows lack every one of ``keys``: the checks cannot match such rows
    (a tag without a name, a device without a platform) and must not report "none found"."""
    lacking = sum(1 for row in rows if shapes.get(row, *keys) is None)
    if lacking:
        inv.gaps.append(
            Gap(
                purpose,
                endpoint,
                f"unexpected response shape: {lacking} of {len(rows)} row(s) have no {what} "
                f"({' / '.join(keys)})",
                kind="shape",
            )
        )


def _dedupe(rows: list[dict[str, Any]], *id_keys: str) -> list[dict[str, Any]]:
    seen: set[Any] = set()
    out = []
    for row in rows:
        rid = shapes.id_of(shapes.get(row, *(id_keys or ("Id", "id"))))
        key = rid if rid is not None else json.dumps(row, sort_keys=True, default=str)
        if key in seen:
            continue
        seen.add(key)
        out.append(row)
    return out


def _org_groups(inv: Inventory, recs: _Records, group_id: str, shape_gap: Any) -> set[int]:
    rows, ok = recs.items("og_search", ("OrganizationGroups", "LocationGroups"))
    if not ok:
        shape_gap("og_search", "GET /api/system/groups/search")
    _fields_gap(inv, "og_search", "GET /api/system/groups/search", rows, "GroupId", "GroupId")
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
    og_id = shapes.row_id(row)
    detail = recs.body("og_detail")
    detail = detail if isinstance(detail, dict) else {}
    children = shapes.items_of(recs.body("og_children")) or []
    # The children answer lists the group itself (with its Uuid): the collector asks for
    # og_detail only when neither the search row nor that row has the Uuid.
    own = next((c for c in children if og_id is not None and shapes.row_id(c) == og_id), {})
    merged = {
        **{k: v for k, v in own.items() if k in ("Uuid", "uuid") and v is not None},
        **detail,
        **{k: v for k, v in row.items() if v is not None},
    }
    inv.dropship_og = {
        "id": og_id,
        "group_id": _text(shapes.get(merged, "GroupId")),
        "uuid": _text(shapes.get(merged, "Uuid", "uuid")),
        "name": _text(shapes.get(merged, "Name", "name")),
        "type": _text(shapes.get(merged, "LocationGroupType", "Type", "type")),
    }
    scope = og_rows_in_scope(og_id, children) if og_id is not None else set()
    og_rows = {
        og_id: {
            "id": og_id,
            **{k: v for k, v in inv.dropship_og.items() if k != "id"},
            "parent_id": None,
            "in_scope": True,
        }
    }
    for child in children:
        cid = shapes.row_id(child)
        if cid is None or cid == og_id:
            continue
        og_rows[cid] = {
            "id": cid,
            "group_id": _text(shapes.get(child, "GroupId")),
            "uuid": _text(shapes.get(child, "Uuid")),
            "name": _text(shapes.get(child, "Name")),
            "type": _text(shapes.get(child, "LocationGroupType")),
            "parent_id": shapes.id_of(shapes.get(child, "ParentLocationGroup")),
            "in_scope": cid in scope,
        }
    inv.org_groups = frame_from_rows("org_groups", list(og_rows.values()))
    return scope


def _smart_groups(
    inv: Inventory,
    recs: _Records,
    tag_rows: list[dict[str, Any]],
    ds: Mapping[str, Any],
    shape_gap: Any,
) -> tuple[set[int], set[str]]:
    rows, ok = recs.items("smart_groups", ("SmartGroups",))
    if not ok:
        shape_gap("smart_groups", "GET /api/mdm/smartgroups/search")
    _fields_gap(
        inv,
        "smart_groups",
        "GET /api/mdm/smartgroups/search",
        rows,
        "id",
        "SmartGroupID",
        "SmartGroupId",
        "Id",
    )
    rows = _dedupe(rows, "SmartGroupID", "SmartGroupId", "Id")
    details: dict[int, dict[str, Any]] = {}
    for purpose in recs.purposes():
        if purpose.startswith("smart_group:"):
            body = recs.body(purpose)
            if isinstance(body, dict):
                details[int(purpose.split(":", 1)[1])] = body
    sg_ids, sg_names = dropship_smart_group_ids(
        rows, details, tag_rows, ds.get("tags") or [], ds.get("smart_groups") or []
    )
    out = []
    for row in rows:
        sg_id = shapes.id_of(shapes.get(row, "SmartGroupID", "SmartGroupId", "Id", "id"))
        detail = details.get(sg_id) if sg_id is not None else None
        tag_ids, tag_names = criteria_tags(detail) if detail else ([], [])
        out.append(
            {
                "id": sg_id,
                "uuid": _text(shapes.get(row, "SmartGroupUuid", "Uuid", "uuid")),
                "name": _text(shapes.get(row, "Name", "name")),
                "og_id": shapes.id_of(
                    shapes.get(row, "ManagedByOrganizationGroupId", "OrganizationGroupId")
                ),
                "criteria_type": _text(shapes.get(detail, "CriteriaType")) if detail else None,
                "tag_ids": tag_ids,
                "tag_names": tag_names,
                "criteria_read": detail is not None,
                "is_dropship": sg_id in sg_ids,
            }
        )
    inv.smart_groups = frame_from_rows("smart_groups", out)
    return sg_ids, sg_names


def _apps(
    inv: Inventory,
    recs: _Records,
    scope: set[int],
    sg_ids: set[int],
    sg_names: set[str],
    shape_gap: Any,
) -> None:
    rows, ok = recs.items("apps", ("Application", "Applications", "applications"))
    if not ok:
        shape_gap("apps", "GET /api/mam/apps/search")
    _fields_gap(inv, "apps", "GET /api/mam/apps/search", rows, "id", "Id")
    apps, assignments = [], []
    sg_name_by_id = {r["id"]: r["name"] for r in inv.smart_groups.to_dict("records")}
    for row in _dedupe(rows):
        app_id = shapes.row_id(row)
        detail = recs.body(f"app_detail:{app_id}")
        detail = detail if isinstance(detail, dict) else None
        if detail is not None and (
            shapes.get(detail, "DeploymentOptions", "ApplicationName", "Name") is None
        ):
            # Neither a name nor deployment options: not an app's details; unread, not empty.
            inv.gaps.append(
                Gap(
                    f"app_detail:{app_id}",
                    f"GET /api/mam/apps/internal/{app_id}",
                    "unexpected response shape: no ApplicationName or DeploymentOptions",
                    kind="shape",
                )
            )
            detail = None
        how = shapes.get(
            shapes.get(detail or {}, "DeploymentOptions", default={}) or {},
            "HowToInstall",
            default={},
        )
        how = how if isinstance(how, dict) else {}
        context = _text(shapes.get(how, "InstallContext"))
        name = _text(shapes.get(row, "ApplicationName", "Name", "name"))
        version = _text(shapes.get(row, "AppVersion", "ActualFileVersion", "Version", "version"))
        platform = shapes.get(row, "Platform", "platform")
        apps.append(
            {
                "id": app_id,
                "uuid": _text(shapes.get(row, "Uuid", "uuid")),
                "name": name,
                "version": version,
                "app_type": _text(shapes.get(row, "AppType", "app_type")),
                "platform": "WinRT" if str(platform) in ("12", "WinRT") else _text(platform),
                "status": _text(shapes.get(row, "Status", "status")),
                "og_id": shapes.id_of(shapes.get(row, "LocationGroupId", "OrganizationGroupId")),
                "has_install_options": bool(how) if detail is not None else None,
                "detail_read": detail is not None,
                "smart_group_ids": sorted(
                    ref_ids_and_names(
                        shapes.get(row, "SmartGroups", "AssignedSmartGroups", "smart_groups")
                    )[0]
                ),
            }
        )
        if detail is not None:
            for a in shapes.as_list(shapes.get(detail, "Assignments", "assignments")):
                if not isinstance(a, dict):
                    continue
                ids, _names = ref_ids_and_names([a])
                sg_id = next(iter(ids), None)
                assignments.append(
                    {
                        "app_id": app_id,
                        "app_name": name,
                        "app_version": version,
                        "smart_group_id": sg_id,
                        "smart_group_name": _text(shapes.get(a, "SmartGroupName", "Name"))
                        or sg_name_by_id.get(sg_id),
                        "push_mode": _text(
                            shapes.get(a, "PushMode", "push_mode", "AppDeliveryMethod")
                        ),
                        "install_context": context,
                        "endpoint": f"GET /api/mam/apps/internal/{app_id}",
                    }
                )
    inv.apps = frame_from_rows("apps", apps)
    inv.app_assignments = frame_from_rows("app_assignments", assignments)


def _payload_flags(detail: Any) -> tuple[list[str], bool, bool]:
    """Payload names, and whether the profile creates a local account or joins a domain."""
    names: list[str] = []
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key.lower() != "general" and value not in (None, [], {}, ""):
                names.append(key)
        for payload in shapes.as_list(shapes.get(detail, "configured_payload", "Payloads")):
            if isinstance(payload, dict) and shapes.get(payload, "name", "Name"):
                names.append(str(shapes.get(payload, "name", "Name")))
    text = json.dumps(detail, default=str) if detail is not None else ""
    local = bool(ACCOUNTS_CSP.search(text.replace("\\/", "/")))
    joined = any(DOMAIN_JOIN.search(n) for n in names) or bool(
        re.search(r'"(DomainJoin[A-Za-z]*|domain_join[a-z_]*)"\s*:\s*[\[{"]', text)
    )
    return names, local, joined


def _profiles(inv: Inventory, recs: _Records, sg_ids: set[int], shape_gap: Any) -> None:
    rows, ok = recs.items("profiles", ("ProfileList", "Profiles", "profiles"))
    if not ok:
        shape_gap("profiles", "GET /api/mdm/profiles/search")
    profiles, assigned = [], []
    for row in _dedupe(rows, "ProfileId", "Id", "id"):
        general = row.get("General") if isinstance(row.get("General"), dict) else row
        pid = shapes.id_of(shapes.get(general, "ProfileId", "Id", "id"))
        detail = recs.body(f"profile_detail:{pid}")
        detail = detail if isinstance(detail, dict) else None
        if detail is not None and shapes.get(detail, "General", "Name", "ProfileId", "Id") is None:
            # No General section and no identity: not a profile's details; unread, not empty.
            inv.gaps.append(
                Gap(
                    f"profile_detail:{pid}",
                    f"GET /api/mdm/profiles/{pid}",
                    "unexpected response shape: no General section (name, assignments)",
                    kind="shape",
                )
            )
            detail = None
        dgeneral = (
            detail.get("General")
            if detail and isinstance(detail.get("General"), dict)
            else (detail or {})
        )
        names, local, joined = _payload_flags(detail if detail is not None else row)
        name = _text(
            shapes.get(dgeneral, "Name", "ProfileName")
            or shapes.get(general, "ProfileName", "Name", "name")
        )
        profiles.append(
            {
                "id": pid,
                "uuid": _text(shapes.get(general, "ProfileUuid", "Uuid", "uuid")),
                "name": name,
                "status": _text(shapes.get(general, "Status", "status")),
                "platform": _text(shapes.get(general, "Platform", "platform")),
                "context": _text(
                    shapes.get(dgeneral, "ProfileContext")
                    or shapes.get(general, "ProfileContext", "context")
                ),
                "assignment_type": _text(
                    shapes.get(dgeneral, "AssignmentType") or shapes.get(general, "AssignmentType")
                ),
                "payload_names": names,
                "local_account": local,
                "domain_join": joined,
                "detail_read": detail is not None,
                "endpoint": f"GET /api/mdm/profiles/{pid}"
                if detail is not None
                else "GET /api/mdm/profiles/search",
            }
        )
        refs = shapes.get(dgeneral, "AssignedSmartGroups") or shapes.get(
            general, "AssignedSmartGroups", "assigned_smart_groups", "SmartGroups"
        )
        for ref in shapes.as_list(refs):
            ids, ref_names = ref_ids_and_names([ref])
            sg_id = next(iter(ids), None)
            sg_name = _text(shapes.get(ref, "Name", "name")) if isinstance(ref, dict) else None
            if sg_id is None and ref_names:
                sg_id = _sg_id_by_name(inv, next(iter(ref_names)))
            assigned.append(
                {
                    "profile_id": pid,
                    "profile_name": name,
                    "smart_group_id": sg_id,
                    "smart_group_name": sg_name,
                }
            )
    inv.profiles = frame_from_rows("profiles", profiles)
    inv.profile_assignments = frame_from_rows("profile_assignments", assigned)


def _sg_id_by_name(inv: Inventory, folded: str) -> int | None:
    for row in inv.smart_groups.to_dict("records"):
        if str(row["name"] or "").casefold() == folded:
            return int(row["id"])
    return None


def _devices(inv: Inventory, recs: _Records, scope: set[int], shape_gap: Any) -> None:
    rows, ok = recs.items("devices", ("Devices",))
    if not ok:
        shape_gap("devices", "GET /api/mdm/devices/search")
    _fields_gap(inv, "devices", "GET /api/mdm/devices/search", rows, "id", "Id")
    _fields_gap(
        inv, "devices", "GET /api/mdm/devices/search", rows, "platform", "Platform", "PlatformId"
    )
    devices = []
    for row in _dedupe(rows):
        og = shapes.get(row, "LocationGroupId", "location_group_id")
        og_id = shapes.id_of(og)
        if device_platform(row) not in WINDOWS_PLATFORMS or (
            og_id is not None and scope and og_id not in scope
        ):
            continue
        dev_id = shapes.row_id(row)
        purpose = f"device_apps:{dev_id}"
        hub_name = hub_version = None
        read = recs.has(purpose)
        if read:
            app_rows, parsed = recs.items(purpose, ("DeviceApps", "app_items", "Apps"))
            read = parsed
            best: tuple[int, ...] | None = None
            for app in app_rows:
                name = str(shapes.get(app, "ApplicationName", "name", "Name", default=""))
                if not HUB_NAMES.search(name):
                    continue
                version = shapes.get(app, "Version", "installed_version", "BuildVersion", "version")
                parsed_v = parse_version(version)
                if best is None or (parsed_v is not None and parsed_v > best):
                    best, hub_name, hub_version = (
                        parsed_v or (),
                        name,
                        None if version is None else str(version),
                    )
        devices.append(
            {
                "id": dev_id,
                "uuid": _text(shapes.get(row, "Uuid", "uuid")),
                "serial": _text(shapes.get(row, "SerialNumber", "serial_number")),
                "name": _text(shapes.get(row, "DeviceFriendlyName", "friendly_name", "Name")),
                "platform": "WinRT",
                "og_id": og_id,
                "last_seen": _text(shapes.get(row, "LastSeen", "last_seen")),
                "enrollment_status": _text(
                    shapes.get(row, "EnrollmentStatus", "enrollment_status")
                ),
                "hub_app_name": hub_name,
                "hub_version": hub_version,
                "inventory_read": read,
            }
        )
    inv.devices = frame_from_rows("devices", devices)
    inv.devices_listed = len(devices)
    inv.devices_inventoried = sum(1 for d in devices if d["inventory_read"])


def _registrations(inv: Inventory, recs: _Records, shape_gap: Any) -> None:
    keys = ("tokens", "enrollment_tokens", "EnrollmentTokens", "items", "results")
    rows, ok = recs.items("registrations", keys)
    if not ok:
        shape_gap("registrations", "GET /api/mdm/groups/{uuid}/enrollment-tokens")
    _fields_gap(
        inv,
        "registrations",
        "GET /api/mdm/groups/{uuid}/enrollment-tokens",
        rows,
        "serial number",
        "serial_number",
        "SerialNumber",
    )
    out = []
    for row in rows:
        tags = []
        for tag in shapes.as_list(shapes.get(row, "tags", "Tags")):
            name = shapes.get(tag, "name", "Name", "TagName") if isinstance(tag, dict) else tag
            if name is not None:
                tags.append(str(name))
        out.append(
            {
                "serial": _text(shapes.get(row, "serial_number", "SerialNumber")),
                "name": _text(shapes.get(row, "friendly_name", "FriendlyName", "device_name")),
                "model": _text(shapes.get(row, "model_number", "model", "ModelNumber")),
                "tags": tags,
                "enrollment_status": _text(
                    shapes.get(row, "enrollment_status", "status", "EnrollmentStatus")
                ),
                "og_uuid": _text(shapes.get(row, "organization_group_uuid", "og_uuid")),
            }
        )
    inv.registrations = frame_from_rows("registrations", out)


def _discovery(inv: Inventory, snapshot: Snapshot, recs: _Records, ds: Mapping[str, Any]) -> None:
    domain = ds.get("email_domain")
    if not domain:
        return
    records = [r for r in snapshot.requests if r.get("purpose") == "discovery"]
    gaps = inv.gaps_for("discovery")
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
        "group_id": _text(shapes.get(body, "GroupId", "groupId"))
        if isinstance(body, dict)
        else None,
        "body": body,
        "error": error,
    }
