"""A seeded generator of simulated tenants of any size (for the benchmark and scale tests).

:func:`generate_tenant` takes the bundled ``ready`` scenario as its skeleton (OG tree,
tags, smart groups, apps, profiles, discovery, credentials) and replaces its devices and
registrations with ``devices`` generated ones, spread over the Drop Ship customer OG
``contoso``, its child container ``contoso-rnd`` and the sibling customer ``fabrikam``
(out of scope: a collector must not count those). The same arguments always give the
same tenant.

Memory stays small: a device is one dict of ten keys, and app inventories are tuples
drawn from a small pool of prebuilt, shared inventories (treat them as read-only). The
generator makes 100,000 devices in well under a second or two.
"""

from __future__ import annotations

import random
from typing import Any

from audit.simulator.tenant import load_scenario

__all__ = ["generate_tenant"]

HUB_NAME = "Workspace ONE Intelligent Hub Installer"
CURRENT_HUBS = ("24.10.2.0", "24.6.0.3", "23.10.0.5", "22.10.3.0", "21.11.1.2", "20.10.0.7")
OUTDATED_HUBS = ("20.9.0.4", "20.8.0.2", "19.11.0.3")
_EXTRAS = (
    ("7-Zip 23.01 (x64)", "23.1.0.0", "Internal"),
    ("Google Chrome", "124.0.6367.91", "Internal"),
    ("Microsoft 365 Apps for enterprise - en-us", "16.0.17425.20176", "Internal"),
    ("Zoom Workplace (64-bit)", "6.0.2.37566", "Internal"),
    ("Microsoft Edge", "124.0.2478.67", "System"),
    ("Microsoft Teams", "24074.2321.2810.3500", "Public"),
)
_EXTRA_COMBOS = ((0, 1, 2), (0, 4), (1, 2, 5), (0, 3, 4), (2, 5), (0, 1, 3, 4))
_MODELS = {
    "WinRT": (
        ("HP EliteBook 840 G10", "5CG"),
        ("Dell Latitude 7440", "DL"),
        ("Lenovo ThinkPad T14 Gen 4", "PF"),
        ("Microsoft Surface Laptop 5", "0F"),
    ),
    "Apple": (("iPhone 15", "F2L"), ("iPad Air (5th generation)", "DMP")),
    "Android": (("Samsung Galaxy S23", "R5C"), ("Google Pixel 8", "GP8")),
}
_KIND = {"WinRT": "LT", "Apple": "IOS", "Android": "AND"}
#: (og id, name prefix) of the three groups devices are spread over (ids of ``ready``).
_CUSTOMER, _CHILD, _SIBLING = (570, "CON"), (571, "RND"), (580, "FAB")


#: The Hub as a catalogue app of the customer OG (when ``hub_in_catalog`` is above 0).
HUB_APP = {
    "id": 130,
    "uuid": "3f6c1a52-9b0e-4d8f-a6c2-5e7d9b1a0130",
    "name": HUB_NAME,
    "version": CURRENT_HUBS[0],
    "app_type": "Internal",
    "platform": "WinRT",
    "status": "Active",
    "og_id": 570,
    "install_options": True,
    "install_context": "Device",
    "assignments": [],
}


def _app(name: str, version: str, kind: str, **more: Any) -> dict[str, Any]:
    return {"name": name, "version": version, "status": "Installed", "type": kind, **more}


Inventories = list[tuple[dict[str, Any], ...]]


def _inventories() -> tuple[Inventories, Inventories, Inventories, Inventories, Inventories]:
    """Shared Windows inventories: current Hub, outdated Hub (each tracked by the catalogue
    app, then the same installed by enrolment, which the app-centric lists miss), no Hub;
    times the extra-app combos."""
    extras = [tuple(_app(*_EXTRAS[i]) for i in combo) for combo in _EXTRA_COMBOS]

    def with_hub(versions: tuple[str, ...], **more: Any) -> Inventories:
        return [(_app(HUB_NAME, v, "Internal", **more), *e) for v in versions for e in extras]

    return (
        with_hub(CURRENT_HUBS),
        with_hub(OUTDATED_HUBS),
        with_hub(CURRENT_HUBS, in_catalog=False),
        with_hub(OUTDATED_HUBS, in_catalog=False),
        extras,
    )


def _share(name: str, value: float) -> float:
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{name} must be between 0 and 1, got {value}")
    return value


def generate_tenant(
    devices: int,
    windows_share: float = 0.25,
    seed: int = 0,
    *,
    outdated_hub_share: float = 0.02,
    missing_hub_share: float = 0.0,
    sibling_share: float = 0.2,
    registrations: int | None = None,
    hub_in_catalog: float = 1.0,
    name: str | None = None,
) -> dict[str, Any]:
    """A deterministic tenant like ``ready`` with ``devices`` generated devices.

    ``windows_share`` of the devices are Windows (``WinRT``), the rest Apple or Android.
    ``sibling_share`` of them sit in the sibling customer OG ``fabrikam`` (out of scope;
    half of its Windows devices run an outdated Hub, as a trap). Of the in-scope Windows
    devices, ``outdated_hub_share`` run a Hub below 20.10 and ``missing_hub_share`` have
    no Hub in their inventory (pass 0 for both to get a fully ready tenant).
    ``registrations`` Drop Ship registrations with the tag ``RnD`` are made at the
    customer OG (default: one per ten in-scope Windows devices, at least 6), two thirds
    of them matching enrolled devices. ``hub_in_catalog``: the share of the Hubs installed
    on in-scope Windows devices that the Hub's catalogue app (an internal app of the
    customer OG) tracks, so that its app-centric device list shows them; the others were
    installed by enrolment. 0: the Hub is not in the catalogue at all.
    """
    if devices < 0:
        raise ValueError("devices must not be negative")
    for label, value in (
        ("windows_share", windows_share),
        ("sibling_share", sibling_share),
        ("outdated_hub_share", outdated_hub_share),
        ("missing_hub_share", missing_hub_share),
        ("hub_in_catalog", hub_in_catalog),
    ):
        _share(label, value)
    if outdated_hub_share + missing_hub_share > 1.0:
        raise ValueError("outdated_hub_share + missing_hub_share must not exceed 1")

    tenant = load_scenario("ready")
    tenant["name"] = name or f"Contoso (generated: {devices} devices, seed {seed})"
    tenant["description"] = (
        f"Generated from the 'ready' scenario with {devices} devices ({windows_share:.0%} "
        f"Windows, seed {seed}); {outdated_hub_share:.0%} of in-scope Windows devices run an "
        f"outdated Hub and {missing_hub_share:.0%} have none."
    )
    rng = random.Random(seed)
    # A second stream, so the devices are the same whatever hub_in_catalog says.
    catalog_rng = random.Random(f"hub-in-catalog:{seed}")
    current, outdated, current_enrolled, outdated_enrolled, no_hub = _inventories()
    mobile = (_app("Intelligent Hub", "24.10", "Public"),)
    seen_pool = [
        f"2025-11-{1 + (k % 28):02d}T{k % 24:02d}:{(k * 7) % 60:02d}:{(k * 13) % 60:02d}"
        for k in range(rng.randrange(1, 97), 1024 * 97, 97)
    ]
    rows: list[dict[str, Any]] = []
    in_scope_windows: list[str] = []
    first_id = 10_001
    for number in range(devices):
        ident = first_id + number
        draw = rng.random()
        if draw < sibling_share:
            og_id, prefix = _SIBLING
        elif draw < sibling_share + (1.0 - sibling_share) * 0.55:
            og_id, prefix = _CUSTOMER
        else:
            og_id, prefix = _CHILD
        if rng.random() < windows_share:
            platform = "WinRT"
            hub_draw = rng.random()
            if og_id == _SIBLING[0]:
                pool = outdated if hub_draw < 0.5 else current
            elif hub_draw < outdated_hub_share:
                pool = outdated
            elif hub_draw < outdated_hub_share + missing_hub_share:
                pool = no_hub
            else:
                pool = current
            if (
                og_id != _SIBLING[0]
                and pool is not no_hub
                and catalog_rng.random() >= hub_in_catalog
            ):
                pool = outdated_enrolled if pool is outdated else current_enrolled
            apps: tuple[dict[str, Any], ...] = pool[rng.randrange(len(pool))]
        else:
            platform = "Apple" if rng.random() < 0.6 else "Android"
            apps = mobile
        models = _MODELS[platform]
        model, serial_prefix = models[rng.randrange(len(models))]
        bits = f"{rng.getrandbits(128):032x}"
        serial = f"{serial_prefix}{ident:07X}"
        rows.append(
            {
                "id": ident,
                "uuid": f"{bits[:8]}-{bits[8:12]}-4{bits[13:16]}-a{bits[17:20]}-{bits[20:]}",
                "serial": serial,
                "name": f"{prefix}-{_KIND[platform]}-{ident:06d}",
                "platform": platform,
                "og_id": og_id,
                "model": model,
                "last_seen": seen_pool[rng.randrange(len(seen_pool))],
                "enrollment_status": "Enrolled",
                "apps": apps,
            }
        )
        if platform == "WinRT" and og_id != _SIBLING[0]:
            in_scope_windows.append(serial)
    tenant["devices"] = rows
    tenant["apps"] = [a for a in tenant["apps"] if a["id"] != HUB_APP["id"]]
    if hub_in_catalog > 0:
        tenant["apps"].append(dict(HUB_APP))

    customer_uuid = next(og["uuid"] for og in tenant["org_groups"] if og["id"] == _CUSTOMER[0])
    count = max(6, len(in_scope_windows) // 10) if registrations is None else registrations
    regs = [r for r in tenant["registrations"] if r.get("og_uuid") != customer_uuid]
    enrolled = iter(in_scope_windows)
    for k in range(count):
        matched = next(enrolled, None) if k % 3 else None
        regs.append(
            {
                "serial_number": matched or f"5CG9{k:06X}",
                "friendly_name": f"RND-LT-{900_000 + k:06d}",
                "model_number": "HP EliteBook 840 G10",
                "og_uuid": customer_uuid,
                "tags": ["RnD"],
                "enrollment_status": "Enrolled" if matched else "Registered",
            }
        )
    tenant["registrations"] = regs
    return tenant
