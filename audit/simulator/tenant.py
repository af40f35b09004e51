"""The simulator's tenant data: loading, validation, bundled scenarios and a lookup index.

A tenant is one JSON-compatible document in the normalised form described in
``docs/collection.md`` (organization groups, tags, smart groups, apps, profiles, devices,
registrations, discovery entries, credentials). The simulator renders it into the UEM API
shapes; this module checks that it is coherent (unique ids, references that resolve, an
acyclic OG tree, known enum values) and builds :class:`TenantIndex`, the read-only lookup
structure the request handlers use.

Validation reads the document but never copies or rewrites it, so a generated tenant of
100,000 devices costs one pass. Optional fields are defaulted where they are rendered.
Sequences may be lists or tuples (the generator shares immutable app tuples between
devices); treat a loaded tenant as read-only while a server serves it.
"""

from __future__ import annotations

import json
import uuid as uuidlib
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

__all__ = [
    "PLATFORM_IDS",
    "TenantError",
    "TenantIndex",
    "device_uuid",
    "load_scenario",
    "load_tenant",
    "scenario_names",
    "validate_tenant",
]

#: UEM platform ids by platform name (``PlatformId.Id.Value`` in device rows).
PLATFORM_IDS: dict[str, int] = {"Apple": 2, "Android": 5, "WinRT": 12, "AppleOsX": 10}
OG_TYPES = frozenset({"Global", "Partner", "Customer", "Container", "Division", "Region"})
PUSH_MODES = frozenset({"Auto", "OnDemand"})
INSTALL_CONTEXTS = frozenset({"Device", "User"})
#: Enrollment token types (the vendor's ``EnrollmentTokenResponseV1Model.type``).
TOKEN_TYPES = frozenset(
    {"Unknown", "OneTimeUse", "Persistant", "DeviceEnrollmentProgramToken", "DropshipProvisioning"}
)
_SEQ = (list, tuple)


class TenantError(ValueError):
    """The tenant document is malformed; the message names the offending field."""


def _fail(where: str, message: str) -> NoReturn:
    raise TenantError(f"{where}: {message}")


def _int_id(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        _fail(where, f"expected a positive integer id, got {value!r}")
    return int(value)


def _text(row: Mapping[str, Any], key: str, where: str) -> str:
    value = row.get(key)
    if not isinstance(value, str) or not value:
        _fail(f"{where}.{key}", f"expected a non-empty string, got {value!r}")
    return str(value)


def _rows(doc: Mapping[str, Any], key: str, *, required: bool = False) -> Sequence[Any]:
    value = doc.get(key, None)
    if value is None:
        if required:
            _fail(key, "missing")
        return ()
    if not isinstance(value, _SEQ):
        _fail(key, f"expected a list, got {type(value).__name__}")
    return value


def _unique_ids(rows: Sequence[Any], key: str) -> set[int]:
    seen: set[int] = set()
    for i, row in enumerate(rows):
        where = f"{key}[{i}]"
        if not isinstance(row, Mapping):
            _fail(where, "expected an object")
        ident = _int_id(row.get("id"), f"{where}.id")
        if ident in seen:
            _fail(f"{where}.id", f"duplicate id {ident}")
        seen.add(ident)
    return seen


def _refs(row: Mapping[str, Any], key: str, known: set[int], where: str, what: str) -> None:
    values = row.get(key, ())
    if not isinstance(values, _SEQ):
        _fail(f"{where}.{key}", "expected a list of ids")
    for value in values:
        if _int_id(value, f"{where}.{key}") not in known:
            _fail(f"{where}.{key}", f"unknown {what} {value}")


def _check_og(og_ids: set[int], value: Any, where: str) -> None:
    if _int_id(value, where) not in og_ids:
        _fail(where, f"unknown organization group {value}")


def _dropship_settings(og: Mapping[str, Any], where: str) -> None:
    """An OG's Drop Ship settings (``dropship``) and OEM sync (``oem_last_sync``, an ISO
    date-time, or ``oem_sync_hours_ago``: hours before the start of the UTC day the simulator
    started, so that the answer stays the same all day)."""
    settings = og.get("dropship")
    if settings is not None:
        if not isinstance(settings, Mapping) or not isinstance(settings.get("enabled"), bool):
            _fail(f"{where}.dropship", "expected an object with enabled (true or false)")
        for key in ("username", "password"):
            if key in settings and not isinstance(settings[key], str):
                _fail(f"{where}.dropship.{key}", "expected a string")
    if "oem_last_sync" in og and not isinstance(og["oem_last_sync"], str):
        _fail(f"{where}.oem_last_sync", "expected an ISO 8601 date-time")
    hours = og.get("oem_sync_hours_ago")
    if hours is not None and (not isinstance(hours, int | float) or isinstance(hours, bool)):
        _fail(f"{where}.oem_sync_hours_ago", "expected a number of hours")


def device_uuid(device: Mapping[str, Any]) -> str:
    """A device's UUID: its own, else a stable one derived from its id."""
    return str(device.get("uuid") or uuidlib.UUID(int=device["id"], version=4))


def validate_tenant(doc: Any) -> dict[str, Any]:
    """Check ``doc`` against the tenant format and return it unchanged.

    Raises :class:`TenantError` naming the first problem (``devices[3].og_id: unknown
    organization group 999``).
    """
    if not isinstance(doc, dict):
        raise TenantError("tenant: expected a JSON object")
    _text(doc, "name", "tenant")
    system = doc.get("system")
    if not isinstance(system, Mapping):
        _fail("system", "expected an object with ProductVersion")
    _text(system, "ProductVersion", "system")
    creds = doc.get("credentials")
    if not isinstance(creds, Mapping):
        _fail("credentials", "expected an object")
    for key in ("username", "password", "tenant_code", "client_id", "client_secret"):
        _text(creds, key, "credentials")

    org_groups = _rows(doc, "org_groups", required=True)
    if not org_groups:
        _fail("org_groups", "at least one organization group is required")
    og_ids = _unique_ids(org_groups, "org_groups")
    uuids: set[str] = set()
    parents: dict[int, int | None] = {}
    for i, og in enumerate(org_groups):
        where = f"org_groups[{i}]"
        uuid = _text(og, "uuid", where).lower()
        if uuid in uuids:
            _fail(f"{where}.uuid", f"duplicate uuid {uuid}")
        uuids.add(uuid)
        _text(og, "group_id", where)
        _text(og, "name", where)
        if og.get("type") not in OG_TYPES:
            _fail(f"{where}.type", f"expected one of {sorted(OG_TYPES)}, got {og.get('type')!r}")
        parent = og.get("parent_id")
        if parent is not None:
            _check_og(og_ids, parent, f"{where}.parent_id")
        parents[og["id"]] = parent
        _dropship_settings(og, where)
    for start in parents:  # every chain of parents must end at a root
        seen: set[int] = set()
        node: int | None = start
        while node is not None:
            if node in seen:
                _fail("org_groups", f"cycle in parent_id chain through {node}")
            seen.add(node)
            node = parents[node]

    tag_ids = _unique_ids(_rows(doc, "tags"), "tags")
    for i, tag in enumerate(_rows(doc, "tags")):
        _text(tag, "name", f"tags[{i}]")
        _check_og(og_ids, tag.get("og_id"), f"tags[{i}].og_id")

    sg_rows = _rows(doc, "smart_groups")
    sg_ids = _unique_ids(sg_rows, "smart_groups")
    for i, sg in enumerate(sg_rows):
        where = f"smart_groups[{i}]"
        _text(sg, "name", where)
        _text(sg, "uuid", where)
        _check_og(og_ids, sg.get("og_id"), f"{where}.og_id")
        _refs(sg, "tag_ids", tag_ids, where, "tag")
        _refs(sg, "og_ids", og_ids, where, "organization group")

    app_rows = _rows(doc, "apps")
    _unique_ids(app_rows, "apps")
    for i, app in enumerate(app_rows):
        where = f"apps[{i}]"
        _text(app, "name", where)
        _text(app, "uuid", where)
        _check_og(og_ids, app.get("og_id"), f"{where}.og_id")
        if app.get("install_context", "Device") not in INSTALL_CONTEXTS:
            _fail(f"{where}.install_context", f"expected one of {sorted(INSTALL_CONTEXTS)}")
        assignments = app.get("assignments", ())
        if not isinstance(assignments, _SEQ):
            _fail(f"{where}.assignments", "expected a list")
        for j, assignment in enumerate(assignments):
            at = f"{where}.assignments[{j}]"
            if not isinstance(assignment, Mapping):
                _fail(at, "expected an object")
            if _int_id(assignment.get("smart_group_id"), f"{at}.smart_group_id") not in sg_ids:
                _fail(f"{at}.smart_group_id", f"unknown smart group {assignment['smart_group_id']}")
            if assignment.get("push_mode", "Auto") not in PUSH_MODES:
                _fail(f"{at}.push_mode", f"expected one of {sorted(PUSH_MODES)}")

    profile_rows = _rows(doc, "profiles")
    _unique_ids(profile_rows, "profiles")
    for i, profile in enumerate(profile_rows):
        where = f"profiles[{i}]"
        _text(profile, "name", where)
        _text(profile, "uuid", where)
        _check_og(og_ids, profile.get("og_id"), f"{where}.og_id")
        _refs(profile, "smart_group_ids", sg_ids, where, "smart group")
        payloads = profile.get("payloads", ())
        if not isinstance(payloads, _SEQ):
            _fail(f"{where}.payloads", "expected a list")
        kinds: set[str] = set()
        for j, payload in enumerate(payloads):
            if not isinstance(payload, Mapping):
                _fail(f"{where}.payloads[{j}]", "expected an object")
            kind = _text(payload, "type", f"{where}.payloads[{j}]")
            if kind in kinds:  # the profile details key each payload section by its type
                _fail(f"{where}.payloads[{j}].type", f"a second {kind} payload")
            kinds.add(kind)

    device_rows = _rows(doc, "devices")
    _unique_ids(device_rows, "devices")
    for i, device in enumerate(device_rows):
        where = f"devices[{i}]"
        if device.get("og_id") not in og_ids:
            _fail(f"{where}.og_id", f"unknown organization group {device.get('og_id')!r}")
        if not isinstance(device.get("platform"), str):
            _fail(f"{where}.platform", "expected a platform name such as 'WinRT'")
        apps = device.get("apps", ())
        if not isinstance(apps, _SEQ):
            _fail(f"{where}.apps", "expected a list")
        for j, app in enumerate(apps):
            if not isinstance(app, Mapping) or not isinstance(app.get("in_catalog", True), bool):
                _fail(f"{where}.apps[{j}]", "expected an object (in_catalog: true or false)")

    for i, reg in enumerate(_rows(doc, "registrations")):
        where = f"registrations[{i}]"
        if not isinstance(reg, Mapping):
            _fail(where, "expected an object")
        _text(reg, "serial_number", where)
        if "og_uuid" in reg:
            if str(reg["og_uuid"]).lower() not in uuids:
                _fail(f"{where}.og_uuid", f"unknown organization group uuid {reg['og_uuid']!r}")
        elif "og_id" in reg:
            _check_og(og_ids, reg["og_id"], f"{where}.og_id")
        else:
            _fail(where, "needs og_uuid (or og_id)")
        if not isinstance(reg.get("tags", []), _SEQ):
            _fail(f"{where}.tags", "expected a list of tag names")
        if reg.get("type", "DropshipProvisioning") not in TOKEN_TYPES:
            _fail(f"{where}.type", f"expected one of {sorted(TOKEN_TYPES)}")

    absent = doc.get("absent_endpoints", [])
    if not isinstance(absent, _SEQ) or not all(isinstance(a, str) for a in absent):
        _fail("absent_endpoints", "expected a list of route names")

    discovery = doc.get("discovery", {})
    if not isinstance(discovery, Mapping):
        _fail("discovery", "expected an object keyed by email domain")
    for domain, entry in discovery.items():
        if not isinstance(entry, Mapping):
            _fail(f"discovery[{domain!r}]", "expected an object with group_id")
        _text(entry, "group_id", f"discovery[{domain!r}]")
    return doc


def load_tenant(path: str | Path) -> dict[str, Any]:
    """Read and validate a tenant document from a JSON file."""
    file = Path(path)
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TenantError(f"{file}: not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    try:
        return validate_tenant(doc)
    except TenantError as exc:
        raise TenantError(f"{file}: {exc}") from exc


def _scenario_dir() -> Any:
    return resources.files("audit.simulator").joinpath("scenarios")


def scenario_names() -> list[str]:
    """Names of the bundled scenarios (``ready``, ``not-ready``, ...), sorted."""
    return sorted(
        entry.name[: -len(".json")]
        for entry in _scenario_dir().iterdir()
        if entry.name.endswith(".json")
    )


def load_scenario(name: str) -> dict[str, Any]:
    """A fresh, validated copy of the bundled scenario ``name``.

    Raises :class:`TenantError` for an unknown name (listing the known ones).
    """
    names = scenario_names()
    if name not in names:
        raise TenantError(f"unknown scenario {name!r}; choose one of: {', '.join(names)}")
    text = _scenario_dir().joinpath(f"{name}.json").read_text(encoding="utf-8")
    try:
        return validate_tenant(json.loads(text))
    except TenantError as exc:
        raise TenantError(f"scenario {name!r}: {exc}") from exc


class TenantIndex:
    """Read-only lookups over a validated tenant: the OG tree, rows by id, devices by OG."""

    def __init__(self, tenant: Mapping[str, Any]) -> None:
        self.tenant = tenant
        self.ogs: dict[int, Mapping[str, Any]] = {og["id"]: og for og in tenant["org_groups"]}
        self.og_by_uuid = {str(og["uuid"]).lower(): og for og in self.ogs.values()}
        self.children: dict[int, list[int]] = {og_id: [] for og_id in self.ogs}
        for og in self.ogs.values():
            if og.get("parent_id") is not None:
                self.children[og["parent_id"]].append(og["id"])
        for kids in self.children.values():
            kids.sort()
        self.tags = {row["id"]: row for row in tenant.get("tags", ())}
        self.smart_groups = {row["id"]: row for row in tenant.get("smart_groups", ())}
        self.apps = {row["id"]: row for row in tenant.get("apps", ())}
        self.profiles = {row["id"]: row for row in tenant.get("profiles", ())}
        self.devices: dict[int, Mapping[str, Any]] = {}
        self.devices_by_og: dict[int, list[Mapping[str, Any]]] = {og_id: [] for og_id in self.ogs}
        self.device_by_uuid: dict[str, Mapping[str, Any]] = {}
        for device in tenant.get("devices", ()):
            self.devices[device["id"]] = device
            self.devices_by_og[device["og_id"]].append(device)
            self.device_by_uuid[device_uuid(device).lower()] = device
        self.app_by_uuid = {str(a["uuid"]).lower(): a for a in self.apps.values()}
        #: Route names the simulated console does not have (answered with IIS's HTML 404).
        self.absent_endpoints = frozenset(tenant.get("absent_endpoints", ()))
        for rows in self.devices_by_og.values():
            rows.sort(key=lambda d: d["id"])
        self.registrations_by_og: dict[int, list[Mapping[str, Any]]] = {}
        for reg in tenant.get("registrations", ()):
            og_id = (
                self.og_by_uuid[str(reg["og_uuid"]).lower()]["id"]
                if "og_uuid" in reg
                else reg["og_id"]
            )
            self.registrations_by_og.setdefault(og_id, []).append(reg)
        self._subtree: dict[int, tuple[int, ...]] = {}
        self._assignments: dict[int, int] = {}
        for app in self.apps.values():
            for assignment in app.get("assignments", ()):
                sg_id = assignment["smart_group_id"]
                self._assignments[sg_id] = self._assignments.get(sg_id, 0) + 1
        for profile in self.profiles.values():
            for sg_id in profile.get("smart_group_ids", ()):
                self._assignments[sg_id] = self._assignments.get(sg_id, 0) + 1

    def subtree(self, og_id: int) -> tuple[int, ...]:
        """``og_id`` and all its descendants, parents before children."""
        cached = self._subtree.get(og_id)
        if cached is None:
            order = [og_id]
            for node in order:  # grows while iterating: breadth-first
                order.extend(self.children.get(node, ()))
            cached = self._subtree[og_id] = tuple(order)
        return cached

    def ancestors(self, og_id: int) -> list[int]:
        """The parent chain of ``og_id``, nearest first (excluding the group itself)."""
        chain: list[int] = []
        parent = self.ogs[og_id].get("parent_id")
        while parent is not None:
            chain.append(parent)
            parent = self.ogs[parent].get("parent_id")
        return chain

    def in_scope(self, og_id: int) -> frozenset[int]:
        """What an OG-scoped search at ``og_id`` sees: its ancestors and its subtree."""
        return frozenset((*self.ancestors(og_id), *self.subtree(og_id)))

    def device_count(self, og_id: int) -> int:
        """Devices directly in ``og_id`` (not its children)."""
        return len(self.devices_by_og.get(og_id, ()))

    def smart_group_assignments(self, sg_id: int) -> int:
        """Apps and profiles assigned to smart group ``sg_id``."""
        return self._assignments.get(sg_id, 0)
