"""The inventory: normalised pandas frames and typed scalars, built from a snapshot alone.

Checks read only this. Its columns are the contract between the collector and the checks
(``FRAME_COLUMNS``); the builder is :func:`audit.inventory_build.build_inventory`. Checks
read the frames as typed rows (:func:`audit.inventory_rows.rows`), each cell coerced once.

Frames (one row per item; list-valued cells are Python lists):

- ``org_groups``: the Drop Ship OG's subtree (and any ancestors seen).
- ``tags``: tags visible at the Drop Ship OG.
- ``smart_groups``: smart groups with their tag criteria; ``is_dropship`` marks the
  Drop Ship smart groups (configured ones, else those whose criteria hold a configured tag).
- ``apps``: Windows apps in scope; ``app_assignments``: one row per (app, smart group).
- ``profiles``: Windows profiles in scope with what their payloads do and whether they
  are ``active`` (an inactive profile assigns nothing); ``profile_assignments``: one row
  per (profile, smart group), with ``profile_active``.
- ``devices``: Windows devices in the OG subtree, with the Hub version from the Hub's
  app-centric device lists or the device's own app search / inventory (``hub_source``: the
  endpoint it came from; ``inventory_read`` False when neither was read).
- ``registrations``: devices registered for Drop Ship (enrollment tokens): the list's
  serial and enrollment status, and, where the token's details were read
  (``detail_read``), its tags, name, model and ``token_type``; ``tags`` is None when unread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from audit.uem import catalogue

FRAME_COLUMNS: dict[str, tuple[str, ...]] = {
    "org_groups": ("id", "group_id", "uuid", "name", "type", "parent_id", "in_scope"),
    "tags": ("id", "name", "og_id"),
    "smart_groups": (
        "id",
        "uuid",
        "name",
        "og_id",
        "criteria_type",
        "tag_ids",
        "tag_names",
        "criteria_read",
        "is_dropship",
    ),
    "apps": (
        "id",
        "uuid",
        "name",
        "version",
        "app_type",
        "platform",
        "status",
        "og_id",
        "has_install_options",
        "detail_read",
        "smart_group_ids",
    ),
    "app_assignments": (
        "app_id",
        "app_name",
        "app_version",
        "smart_group_id",
        "smart_group_name",
        "push_mode",
        "install_context",
        "endpoint",
    ),
    "profiles": (
        "id",
        "uuid",
        "name",
        "status",
        "active",
        "platform",
        "context",
        "assignment_type",
        "payload_names",
        "local_account",
        "domain_join",
        "detail_read",
        "endpoint",
    ),
    "profile_assignments": (
        "profile_id",
        "profile_name",
        "profile_active",
        "smart_group_id",
        "smart_group_name",
    ),
    "devices": (
        "id",
        "uuid",
        "serial",
        "name",
        "platform",
        "og_id",
        "last_seen",
        "enrollment_status",
        "hub_app_name",
        "hub_version",
        "hub_source",
        "inventory_read",
    ),
    "registrations": (
        "uuid",
        "serial",
        "name",
        "model",
        "tags",
        "enrollment_status",
        "token_type",
        "detail_read",
        "og_uuid",
    ),
}

#: Endpoints each frame comes from, as shown in evidence ("source"): from the catalogue.
FRAME_SOURCES: dict[str, str] = catalogue.frame_sources()


def frames_source(*names: str) -> str:
    """The evidence source of several frames: each frame's endpoints, those an earlier frame
    already named left out (``apps`` and ``app_assignments`` share the app details)."""
    seen: set[str] = set()
    parts = []
    for name in names:
        purposes = [e.purpose for e in catalogue.ENTRIES if name in e.frames]
        fresh = [p for p in purposes if p not in seen]
        seen.update(purposes)
        if fresh:
            parts.append(catalogue.sources(*fresh))
    return ", ".join(parts)


def empty_frame(name: str) -> pd.DataFrame:
    """An empty frame with the contract's columns."""
    return pd.DataFrame({col: pd.Series(dtype=object) for col in FRAME_COLUMNS[name]})


def frame_from_rows(name: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """A frame with exactly the contract's columns (missing keys become None)."""
    if not rows:
        return empty_frame(name)
    cols = FRAME_COLUMNS[name]
    return pd.DataFrame(
        [[row.get(c) for c in cols] for row in rows], columns=list(cols), dtype=object
    )


def _frame(name: str) -> Any:
    return field(default_factory=lambda: empty_frame(name))


@dataclass
class Gap:
    """Data the collector could not read, and why (checks that need it become ``error``)."""

    purpose: str  # e.g. "apps", "device_apps:17", "discovery"
    endpoint: str
    reason: str
    status: int | None = None
    #: "api" (an error answer or network failure), "budget" (not requested: the request
    #: budget or the tenant's quota reserve ran out), "shape" (an answer of unexpected shape).
    kind: str = "api"

    def as_dict(self) -> dict[str, Any]:
        return {
            "purpose": self.purpose,
            "endpoint": self.endpoint,
            "reason": self.reason,
            "status": self.status,
            "kind": self.kind,
        }


@dataclass
class Inventory:
    """Normalised tenant data. Frames follow ``FRAME_COLUMNS``; scalars are documented inline."""

    tenant_name: str = ""
    api_host: str = ""
    #: ``ProductVersion`` from /api/system/info as served (None when absent).
    uem_version: str | None = None
    #: The Drop Ship OG: {"id", "group_id", "uuid", "name", "type"}; None when not found.
    dropship_og: dict[str, Any] | None = None
    #: OGs the search by GroupId answered, for the "not found" evidence.
    og_search_candidates: list[dict[str, Any]] = field(default_factory=list)
    #: Configured Drop Ship settings, copied from the config at collection time.
    dropship_config: dict[str, Any] = field(default_factory=dict)
    #: Discovery lookup: {"domain", "url", "status", "group_id", "body", "error"}; None when
    #: no email_domain was configured.
    discovery: dict[str, Any] | None = None
    #: The Drop Ship settings read from the API (``audit.inventory_dropship``): {"enabled",
    #: "username", "og_uuid", "sub_ogs": [{"uuid", "name", "enabled"}], "endpoint"}; None
    #: when not read (see the gaps). The staging password is never copied here.
    dropship_settings: dict[str, Any] | None = None
    #: The last sync with the OEM Provisioning Service: {"last_sync" (ISO text or None:
    #: never), "endpoint"}; None when not read.
    oem_sync: dict[str, Any] | None = None
    #: When the snapshot was collected (ISO 8601 UTC), for ages measured at collection.
    collected_at: str | None = None
    #: Windows devices in scope that the device search listed.
    devices_listed: int = 0
    #: Of those, devices whose app inventory was read.
    devices_inventoried: int = 0
    gaps: list[Gap] = field(default_factory=list)
    #: API version served per purpose ("v1"/"v2"), as the x-api-version header said.
    served_versions: dict[str, str] = field(default_factory=dict)
    #: Bodies of requests whose purpose the core does not know (plugin collection steps),
    #: keyed by purpose, in request order.
    extra: dict[str, list[Any]] = field(default_factory=dict)

    org_groups: pd.DataFrame = _frame("org_groups")  # noqa: RUF009
    tags: pd.DataFrame = _frame("tags")  # noqa: RUF009
    smart_groups: pd.DataFrame = _frame("smart_groups")  # noqa: RUF009
    apps: pd.DataFrame = _frame("apps")  # noqa: RUF009
    app_assignments: pd.DataFrame = _frame("app_assignments")  # noqa: RUF009
    profiles: pd.DataFrame = _frame("profiles")  # noqa: RUF009
    profile_assignments: pd.DataFrame = _frame("profile_assignments")  # noqa: RUF009
    devices: pd.DataFrame = _frame("devices")  # noqa: RUF009
    registrations: pd.DataFrame = _frame("registrations")  # noqa: RUF009

    def gaps_for(self, *purposes: str) -> list[Gap]:
        """Gaps whose purpose is one of ``purposes``, or a per-item purpose under one of them
        (``"device_apps"`` matches ``"device_apps:17"``): a check needing them cannot decide."""
        return [
            g for g in self.gaps if g.purpose in purposes or g.purpose.split(":", 1)[0] in purposes
        ]

    @property
    def budget_cut(self) -> bool:
        """True when the request budget or the tenant's quota reserve stopped collection."""
        return any(g.kind == "budget" for g in self.gaps)

    def dropship_smart_groups(self) -> pd.DataFrame:
        """The Drop Ship smart groups (rows of ``smart_groups`` with ``is_dropship``)."""
        sg = self.smart_groups
        return sg[sg["is_dropship"].astype(bool)] if len(sg) else sg
