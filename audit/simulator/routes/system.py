"""``/system/info``: the console's version and the API's workspaces."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.simulator.calls import Call, Reply

if TYPE_CHECKING:
    from audit.simulator.endpoints import UemApi

_WORKSPACES = (
    ("Mobile Device Management", "mdm"),
    ("Mobile Application Management", "mam"),
    ("System Administration", "system"),
)


def system_info(api: UemApi, call: Call) -> Reply:
    """``ServiceDocument``: ``ProductVersion`` is the console, ``Version`` the API (1)."""
    system = api.index.tenant["system"]
    body = {
        "ProductName": system.get("ProductName", "AirWatch Platform Service"),
        "ProductVersion": system["ProductVersion"],
        "ProductCopyright": system.get("ProductCopyright", "Copyright (c) Omnissa"),
        "Version": 1,
        "Resources": {
            "Collections": [],
            "Workspaces": [
                {"Name": name, "Location": f"{call.base_url}/API/{module}"}
                for name, module in _WORKSPACES
            ],
        },
    }
    return Reply(200, body)
