"""The discovery service's answer for a registered email domain."""

from __future__ import annotations

from typing import Any

from audit.simulator.render.values import Row

__all__ = ["discovery_body"]


def discovery_body(entry: Row, base_url: str) -> dict[str, Any]:
    """The discovery service's answer for a registered email domain."""
    group_id = entry["group_id"]
    return {
        "EnrollmentUrl": entry.get("enrollment_url", f"{base_url}/DeviceServices/Enrollment"),
        "GroupId": group_id,
        "TenantGroup": entry.get("tenant_group", group_id),
        "GreenboxUrl": entry.get("greenbox_url", ""),
        "mdm": {
            "deviceServicesUrl": entry.get("device_services_url", f"{base_url}/DeviceServices"),
            "apiServerUrl": entry.get("api_server_url", base_url),
            "organizationGroupId": group_id,
        },
    }
