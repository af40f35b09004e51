"""Drop Ship registrations in the API's shapes: enrollment-token list rows and token details."""

from __future__ import annotations

import uuid as uuidlib
from typing import Any

from audit.simulator.render.values import Row
from audit.simulator.tenant import TenantIndex

__all__ = ["registration_detail", "registration_row", "registration_uuid"]


def registration_uuid(reg: Row, og_uuid: str) -> str:
    """A registration's token UUID: its own, else a stable one from its OG and serial."""
    return str(
        reg.get("uuid") or uuidlib.uuid5(uuidlib.NAMESPACE_OID, f"{og_uuid}/{reg['serial_number']}")
    )


def registration_row(index: TenantIndex, reg: Row, og_id: int) -> dict[str, Any]:
    """An enrollment-token list row (``EnrollmentTokenGetByCriteriaDetailModel``): no tags,
    no name, no type (those are in the token's details)."""
    return {
        "uuid": registration_uuid(reg, index.ogs[og_id]["uuid"]),
        "serial_number": reg["serial_number"],
        "imei": reg.get("imei", ""),
        "enrollment_status": reg.get("enrollment_status", "Registered"),
        "compliance_status": reg.get("compliance_status", "Compliant"),
        "platform": reg.get("platform", "WinRT"),
    }


def registration_detail(index: TenantIndex, reg: Row, og_id: int) -> dict[str, Any]:
    """An enrollment token's details (``EnrollmentTokenResponseV1Model``): tags (strings),
    type (``DropshipProvisioning`` for a Drop Ship registration), name and model."""
    og = index.ogs[og_id]
    return {
        "organization_group_name": og["name"],
        "friendly_name": reg.get("friendly_name", reg["serial_number"]),
        "udid": "",
        "serial_number": reg["serial_number"],
        "imei": reg.get("imei", ""),
        "asset_number": "",
        "operating_system": "",
        "platform": reg.get("platform", "WinRT"),
        "model_name": reg.get("model_number", ""),
        "enrollment_status": reg.get("enrollment_status", "Registered"),
        "status": "RegistrationActive",
        "source": reg.get("source", "API"),
        "type": reg.get("type", "DropshipProvisioning"),
        "registration_date": reg.get("created_on", "2025-10-01T09:00:00Z"),
        "user_name": reg.get("user_name", ""),
        "ownership_type": reg.get("ownership_type", "CorporateDedicated"),
        "tags": [str(name) for name in reg.get("tags", ())],
        "message_type": "None",
        "send_to": "",
        "profile_name": "",
    }
