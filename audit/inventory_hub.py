"""The Intelligent Hub version of each device, from the snapshot's records alone.

Part of the ``devices`` frame (:func:`audit.inventory_items.devices_frame`). A device's
Hub comes from the app-centric lists of the Hub's catalogue apps (``hub_devices``,
``hub_app_devices``: a row with the Hub installed) when they show it, else from the
device's own answers (``device_app_search``, or ``device_apps`` on a console without the
search); :attr:`Hub.source` names the endpoint it came from, for the evidence. The
highest version wins where several rows name the Hub (an MSI and a store app, say).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from audit.inventory_records import Records
from audit.scope import app_row_name, hub_installed, is_hub_row
from audit.uem import catalogue, shapes
from audit.uem.enums import folded
from audit.versions import parse_version

APPS, HUB_SEARCH = catalogue.entry("apps"), catalogue.entry("hub_app_search")
LISTS = (catalogue.entry("hub_devices"), catalogue.entry("hub_app_devices"))
PER_DEVICE = (catalogue.entry("device_app_search"), catalogue.entry("device_apps"))


@dataclass(frozen=True)
class Hub:
    """A device's Hub as read: its app name, version, and the endpoint it came from."""

    name: str | None
    version: str | None
    source: str


def _better(version: str | None, than: str | None) -> bool:
    new, old = parse_version(version), parse_version(than)
    return old is None or (new is not None and new > old)


def hubs_from_lists(recs: Records) -> tuple[dict[Any, Hub], bool]:
    """The Hub of every device an app-centric list shows it installed on, keyed by device
    id and by UUID; and whether any such list was read."""
    names: dict[int, str] = {}
    for ep in (APPS, HUB_SEARCH):
        for row in recs.rows(ep)[0]:
            app_id = shapes.row_id(row, *ep.ids)
            if app_id is not None:
                names.setdefault(app_id, app_row_name(row))
    found: dict[Any, Hub] = {}
    read = False
    for purpose in recs.purposes():
        found_ep = catalogue.find(purpose)
        if found_ep is None or found_ep not in LISTS or ":" not in purpose:
            continue
        lst, read = found_ep, True
        item = shapes.id_of(purpose.split(":", 1)[1])
        rows, _ok = recs.items(purpose, lst.items)
        for row in rows:
            version = hub_installed(row) if isinstance(row, dict) else None
            if version is None:
                continue
            hub = Hub(names.get(item) if item is not None else None, version, lst.label)
            for key in (
                shapes.row_id(row, *lst.ids),
                str(shapes.get(row, *lst.ref("uuid"), default="") or "").lower() or None,
            ):
                if key is not None and (key not in found or _better(version, found[key].version)):
                    found[key] = hub
    return found, read


def hub_of_device(recs: Records, dev_id: Any) -> Hub | None:
    """A device's Hub from its own answers (app search or inventory); None when neither
    was read. A read without a Hub row gives a Hub of no name and no version."""
    for ep in PER_DEVICE:
        purpose = ep.item_purpose(dev_id)
        if not recs.has(purpose):
            continue
        rows, ok = recs.items(purpose, ep.items)
        if not ok:
            return None  # an answer without a list: not read (a shape gap)
        best: Hub = Hub(None, None, ep.label)
        for row in rows:
            status = shapes.get(row, "installed_status") if isinstance(row, dict) else None
            if not is_hub_row(row) or (status is not None and folded(status) != "installed"):
                continue
            raw = shapes.get(row, "Version", "AppVersion", "installed_version")
            version = None if raw is None else str(raw)
            if best.name is None or _better(version, best.version):
                best = Hub(app_row_name(row), version, ep.label)
        return best
    return None
