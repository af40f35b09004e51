"""The item frames of the inventory: apps, profiles, devices and registrations.

Part of :func:`audit.inventory_build.build_inventory`: each function reads one list and its
details from the snapshot's records (keys from the endpoint catalogue) and fills frames of
``audit.inventory.FRAME_COLUMNS``. Enums are read as names or integers
(``audit.uem.enums``); an inactive profile (``ProfileStatus`` "Inactive" or
``General.IsActive`` false) is marked so, since it assigns nothing.
"""

from __future__ import annotations

import json
import re
from typing import Any

from audit.inventory import Gap, Inventory, frame_from_rows
from audit.inventory_hub import hub_of_device, hubs_from_lists
from audit.inventory_records import Records, dedupe, fields_gap, shape_gap, text_of
from audit.scope import (
    WINDOWS_PLATFORMS,
    device_platform,
    ref_ids_and_names,
    token_tags,
    token_type,
)
from audit.uem import catalogue, shapes
from audit.uem.enums import (
    ENROLLMENT_STATUS,
    INSTALL_CONTEXT,
    PUSH_MODE,
    enum_name,
    folded,
    platform_name,
)

APPS, APP_DETAIL = catalogue.entry("apps"), catalogue.entry("app_detail")
PROFILES, PROFILE_DETAIL = catalogue.entry("profiles"), catalogue.entry("profile_detail")
DEVICES = catalogue.entry("devices")
TOKENS, TOKEN_DETAIL = catalogue.entry("registrations"), catalogue.entry("registration_detail")
ACCOUNTS_CSP = re.compile(r"vendor/msft/accounts/", re.IGNORECASE)
DOMAIN_JOIN = re.compile(r"domain\s*_?join|odj|offline\s*domain", re.IGNORECASE)


def _detail(
    inv: Inventory,
    recs: Records,
    ep: catalogue.Endpoint,
    item: Any,
    marks: tuple[str, ...],
    what: str,
) -> Any:
    """The detail answer of ``item``, or None; a body with none of ``marks`` is a shape gap
    (not an item's details: unread, not empty) saying it has no ``what``."""
    purpose = ep.item_purpose(item)
    body = recs.body(purpose)
    if not isinstance(body, dict):
        return None
    if shapes.get(body, *marks) is None:
        reason = f"unexpected response shape: no {what}"
        where = f"{ep.method} {ep.url_path(**{_param(ep): item})}"
        inv.gaps.append(Gap(purpose, where, reason, kind="shape"))
        return None
    return body


def _param(ep: catalogue.Endpoint) -> str:
    return ep.path.rsplit("{", 1)[-1].rstrip("}")


def apps_frames(inv: Inventory, recs: Records) -> None:
    """``apps`` and ``app_assignments`` (internal apps' details: push mode, install context)."""
    rows, ok = recs.rows(APPS)
    if not ok:
        shape_gap(inv, APPS)
    fields_gap(inv, APPS, rows, "id", *APPS.ids)
    apps, assignments = [], []
    sg_name_by_id = {r["id"]: r["name"] for r in inv.smart_groups.to_dict("records")}
    for row in dedupe(rows, APPS.ids):
        app_id = shapes.row_id(row, *APPS.ids)
        detail = _detail(
            inv,
            recs,
            APP_DETAIL,
            app_id,
            ("DeploymentOptions", "ApplicationName"),
            "ApplicationName or DeploymentOptions",
        )
        how = shapes.get(shapes.get(detail, "DeploymentOptions", default={}), "HowToInstall")
        how = how if isinstance(how, dict) else {}
        context = enum_name(shapes.get(how, "InstallContext"), INSTALL_CONTEXT)
        name = text_of(shapes.get(row, "ApplicationName"))
        version = text_of(shapes.get(row, "AppVersion", "ActualFileVersion"))
        refs = shapes.get(row, *APPS.ref("smart_groups"))
        apps.append(
            {
                "id": app_id,
                "uuid": text_of(shapes.get(row, *APPS.ref("uuid"))),
                "name": name,
                "version": version,
                "app_type": text_of(shapes.get(row, "AppType")),
                "platform": platform_name(shapes.get(row, "Platform")),
                "status": text_of(shapes.get(row, "Status")),
                "og_id": shapes.id_of(shapes.get(row, *APPS.ref("og"))),
                "has_install_options": bool(how) if detail is not None else None,
                "detail_read": detail is not None,
                "smart_group_ids": sorted(ref_ids_and_names(refs, APPS.ref("smart_group_id"))[0]),
            }
        )
        for a in shapes.as_list(shapes.get(detail, *APP_DETAIL.ref("assignments"))):
            if not isinstance(a, dict):
                continue
            ids, _names = ref_ids_and_names([a], APP_DETAIL.ref("smart_group_id"))
            sg_id = next(iter(ids), None)
            assignments.append(
                {
                    "app_id": app_id,
                    "app_name": name,
                    "app_version": version,
                    "smart_group_id": sg_id,
                    "smart_group_name": text_of(shapes.get(a, "SmartGroupName"))
                    or sg_name_by_id.get(sg_id),
                    "push_mode": enum_name(shapes.get(a, "PushMode"), PUSH_MODE),
                    "install_context": context,
                    "endpoint": APP_DETAIL.method + " " + APP_DETAIL.url_path(applicationId=app_id),
                }
            )
    inv.apps = frame_from_rows("apps", apps)
    inv.app_assignments = frame_from_rows("app_assignments", assignments)


def _payload_flags(detail: Any) -> tuple[list[str], bool, bool]:
    """Payload names, and whether the profile creates a local account or joins a domain."""
    names: list[str] = []
    general = PROFILE_DETAIL.ref("general")
    if isinstance(detail, dict):
        for key, value in detail.items():
            if key not in general and value not in (None, [], {}, ""):
                names.append(key)
    text = json.dumps(detail, default=str) if detail is not None else ""
    local = bool(ACCOUNTS_CSP.search(text.replace("\\/", "/")))
    joined = any(DOMAIN_JOIN.search(n) for n in names)
    return names, local, joined


def _status(row: dict[str, Any], general: dict[str, Any]) -> tuple[str | None, bool | None]:
    """A profile's status text and whether it is active (None: unknown): inactive when the
    search row says ``ProfileStatus`` "Inactive" or the details ``IsActive`` false."""
    status = text_of(shapes.get(row, "ProfileStatus"))
    is_active = shapes.get(general, "IsActive")
    if is_active is False or (status is not None and folded(status) == "inactive"):
        return status or "Inactive", False
    if is_active is True or (status is not None and folded(status) == "active"):
        return status or "Active", True
    return status, None


def profiles_frames(inv: Inventory, recs: Records) -> None:
    """``profiles`` and ``profile_assignments`` (v2 search rows, v2 details)."""
    rows, ok = recs.rows(PROFILES)
    if not ok:
        shape_gap(inv, PROFILES)
    profiles, assigned = [], []
    for row in dedupe(rows, PROFILES.ids):
        pid = shapes.row_id(row, *PROFILES.ids)
        detail = _detail(
            inv,
            recs,
            PROFILE_DETAIL,
            pid,
            PROFILE_DETAIL.ref("general"),
            "General section (name, assignments)",
        )
        general = shapes.get(detail, *PROFILE_DETAIL.ref("general"), default={})
        general = general if isinstance(general, dict) else {}
        names, local, joined = _payload_flags(detail)
        name = text_of(shapes.get(general, "Name") or shapes.get(row, "ProfileName"))
        status, active = _status(row, general)
        profiles.append(
            {
                "id": pid,
                "uuid": text_of(shapes.get(row, *PROFILES.ref("uuid"))),
                "name": name,
                "status": status,
                "active": active,
                "platform": text_of(shapes.get(row, "Platform")),
                "context": text_of(
                    shapes.get(general, "ProfileContext") or shapes.get(row, "Context")
                ),
                "assignment_type": text_of(
                    shapes.get(general, "AssignmentType") or shapes.get(row, "AssignmentType")
                ),
                "payload_names": names,
                "local_account": local,
                "domain_join": joined,
                "detail_read": detail is not None,
                "endpoint": PROFILE_DETAIL.method + " " + PROFILE_DETAIL.url_path(profileId=pid)
                if detail is not None
                else PROFILES.label,
            }
        )
        assigned += _profile_assignments(inv, row, general, pid, name, active)
    inv.profiles = frame_from_rows("profiles", profiles)
    inv.profile_assignments = frame_from_rows("profile_assignments", assigned)


def _profile_assignments(
    inv: Inventory,
    row: dict[str, Any],
    general: dict[str, Any],
    pid: int | None,
    name: str | None,
    active: bool | None,
) -> list[dict[str, Any]]:
    """One row per smart group a profile is assigned to: from its details' ``General``
    when read, else from its search row (whose references have other id keys)."""
    if shapes.get(general, *PROFILE_DETAIL.ref("smart_groups")) is not None:
        refs = shapes.get(general, *PROFILE_DETAIL.ref("smart_groups"))
        id_keys = PROFILE_DETAIL.ref("smart_group_id")
    else:
        refs = shapes.get(row, *PROFILES.ref("smart_groups"))
        id_keys = PROFILES.ref("smart_group_id")
    out = []
    for ref in shapes.as_list(refs):
        ids, ref_names = ref_ids_and_names([ref], id_keys)
        sg_id = next(iter(ids), None)
        if sg_id is None and ref_names:
            sg_id = _sg_id_by_name(inv, next(iter(ref_names)))
        out.append(
            {
                "profile_id": pid,
                "profile_name": name,
                "profile_active": active,
                "smart_group_id": sg_id,
                "smart_group_name": text_of(shapes.get(ref, "Name"))
                if isinstance(ref, dict)
                else None,
            }
        )
    return out


def _sg_id_by_name(inv: Inventory, name: str) -> int | None:
    for row in inv.smart_groups.to_dict("records"):
        if str(row["name"] or "").casefold() == name:
            return int(row["id"])
    return None


def devices_frame(inv: Inventory, recs: Records, scope: set[int]) -> None:
    """``devices``: Windows devices in scope, each with the Hub of its app inventory."""
    rows, ok = recs.rows(DEVICES)
    if not ok:
        shape_gap(inv, DEVICES)
    fields_gap(inv, DEVICES, rows, "id", *DEVICES.ids)
    fields_gap(inv, DEVICES, rows, "platform", "Platform", *DEVICES.ref("platform_id"))
    devices = []
    listed, _lists_read = hubs_from_lists(recs)
    for row in dedupe(rows, DEVICES.ids):
        og_id = shapes.id_of(shapes.get(row, *DEVICES.ref("og")))
        if device_platform(row) not in WINDOWS_PLATFORMS or (
            og_id is not None and scope and og_id not in scope
        ):
            continue
        dev_id = shapes.row_id(row, *DEVICES.ids)
        uuid = text_of(shapes.get(row, *DEVICES.ref("uuid")))
        hub = listed.get(dev_id) or listed.get((uuid or "").lower()) or hub_of_device(recs, dev_id)
        devices.append(
            {
                "id": dev_id,
                "uuid": uuid,
                "serial": text_of(shapes.get(row, "SerialNumber")),
                "name": text_of(shapes.get(row, "DeviceFriendlyName")),
                "platform": "WinRT",
                "og_id": og_id,
                "last_seen": text_of(shapes.get(row, "LastSeen")),
                "enrollment_status": text_of(shapes.get(row, "EnrollmentStatus")),
                "hub_app_name": hub.name if hub else None,
                "hub_version": hub.version if hub else None,
                "hub_source": hub.source if hub else None,
                "inventory_read": hub is not None,
            }
        )
    inv.devices = frame_from_rows("devices", devices)
    inv.devices_listed = len(devices)
    inv.devices_inventoried = sum(1 for d in devices if d["inventory_read"])


def registrations_frame(inv: Inventory, recs: Records) -> None:
    """``registrations``: the token list's rows with, where read, their details (tags, type,
    name, model); ``tags`` is None for a token whose details were not read."""
    rows, ok = recs.rows(TOKENS)
    if not ok:
        shape_gap(inv, TOKENS)
    fields_gap(inv, TOKENS, rows, "serial number", "serial_number")
    og_uuid = (inv.dropship_og or {}).get("uuid")
    out = []
    for row in rows:
        uuid = text_of(shapes.get(row, *TOKENS.ids))
        detail = recs.body(TOKEN_DETAIL.item_purpose(uuid)) if uuid else None
        detail = detail if isinstance(detail, dict) else None
        tags = token_tags(row)
        if tags is None and detail is not None:
            tags = token_tags(detail) or []
        status = shapes.get(row, "enrollment_status")
        if status is None:
            status = shapes.get(detail, "enrollment_status")
        out.append(
            {
                "uuid": uuid,
                "serial": text_of(
                    shapes.get(row, "serial_number") or shapes.get(detail, "serial_number")
                ),
                "name": text_of(shapes.get(detail, "friendly_name")),
                "model": text_of(shapes.get(detail, "model_name")),
                "tags": tags,
                "enrollment_status": enum_name(status, ENROLLMENT_STATUS),
                "token_type": token_type(detail),
                "detail_read": detail is not None,
                "og_uuid": og_uuid,
            }
        )
    inv.registrations = frame_from_rows("registrations", out)
