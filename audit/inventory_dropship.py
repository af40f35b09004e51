"""The Drop Ship settings and the last OEM sync, from the snapshot's records alone.

Part of :func:`audit.inventory_build.build_inventory`: ``dropship_settings``
(``GET .../dropship-provisioning``: whether Drop Ship is enabled at the Drop Ship OG and
at each OG below it, and the staging username) and ``oem_sync`` (``GET .../last-sync``).
The staging password, already redacted when the answer was recorded, is never read.
An answer of unexpected shape becomes a shape gap, so the checks fall back as they do for
an unreadable endpoint.
"""

from __future__ import annotations

from typing import Any

from audit.inventory import Gap, Inventory
from audit.inventory_records import Records, text_of
from audit.uem import catalogue, shapes

SETTINGS, SYNC = catalogue.entry("dropship_settings"), catalogue.entry("oem_sync")


def _flag(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def dropship_settings(inv: Inventory, recs: Records) -> None:
    """``inv.dropship_settings`` and ``inv.oem_sync`` from their answers, when read."""
    body = recs.body(SETTINGS.purpose)
    if isinstance(body, dict):
        enabled = _flag(shapes.get(body, *SETTINGS.ref("enabled")))
        if enabled is None:
            inv.gaps.append(
                Gap(
                    SETTINGS.purpose,
                    SETTINGS.label,
                    "unexpected response shape: no flag saying whether it is enabled",
                    kind="shape",
                )
            )
        else:
            subs = [
                {
                    "uuid": text_of(shapes.get(s, *SETTINGS.ref("sub_og_uuid"))),
                    "name": text_of(shapes.get(s, "name")),
                    "enabled": _flag(shapes.get(s, *SETTINGS.ref("enabled"))),
                }
                for s in shapes.as_list(shapes.get(body, *SETTINGS.ref("sub_ogs")))
                if isinstance(s, dict)
            ]
            username = shapes.get(body, *SETTINGS.ref("username"))
            inv.dropship_settings = {
                "enabled": enabled,
                "username": None if username in (None, "") else str(username),
                "og_uuid": text_of(shapes.get(body, *SETTINGS.ref("og_uuid"))),
                "sub_ogs": subs,
                "endpoint": SETTINGS.label,
            }
    elif recs.has(SETTINGS.purpose):
        inv.gaps.append(
            Gap(SETTINGS.purpose, SETTINGS.label, "unexpected response shape", kind="shape")
        )
    sync = recs.body(SYNC.purpose)
    if isinstance(sync, dict):
        last = shapes.get(sync, *SYNC.ref("last_sync"))
        inv.oem_sync = {
            "last_sync": None if last in (None, "") else str(last),
            "endpoint": SYNC.label,
        }
    elif recs.has(SYNC.purpose):
        inv.gaps.append(Gap(SYNC.purpose, SYNC.label, "unexpected response shape", kind="shape"))
