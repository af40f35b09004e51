"""Registration routes: an OG's enrollment-token list and one token's details."""

from __future__ import annotations

from typing import TYPE_CHECKING

from audit.simulator.calls import ApiError, Call, Reply, Row, contains
from audit.simulator.render import registrations as registration_shapes

if TYPE_CHECKING:
    from audit.simulator.endpoints import UemApi


def _tokens(api: UemApi, og_uuid: str) -> list[tuple[Row, int]]:
    """The registrations an OG's token list holds (the OG's subtree), in list order."""
    og = api.index.og_by_uuid.get(og_uuid)
    if og is None:
        raise ApiError(404, "Organization group not found.", 6008)
    return [
        (reg, og_id)
        for og_id in api.index.subtree(og["id"])
        for reg in api.index.registrations_by_og.get(og_id, ())
    ]


def registrations(api: UemApi, call: Call) -> Reply:
    """``EnrollmentTokenGetByCriteriaResponseModel``; 204 when the page holds nothing."""
    params = call.params
    rows = [
        (reg, og_id)
        for reg, og_id in _tokens(api, call.groups[0])
        if contains(reg["serial_number"], params.get("serial_number"))
        and (
            not params.get("enrollment_status")
            or str(reg.get("enrollment_status", "Registered")).lower()
            == params["enrollment_status"].lower()
        )
    ]
    page, size = api.window(call, snake=True)
    chunk = rows[page * size : (page + 1) * size]
    if not chunk:
        return Reply(204)
    body = {
        "tokens": [
            registration_shapes.registration_row(api.index, reg, og_id) for reg, og_id in chunk
        ],
        "page": page,
        "page_size": size,
        "total": len(rows),
    }
    return Reply(200, body)


def registration_detail(api: UemApi, call: Call) -> Reply:
    """``EnrollmentTokenResponseV1Model`` of one token of the OG's list."""
    og_uuid = call.groups[0]
    by_uuid = api.token_index(
        og_uuid,
        lambda: {
            registration_shapes.registration_uuid(reg, api.index.ogs[og_id]["uuid"]): (reg, og_id)
            for reg, og_id in _tokens(api, og_uuid)
        },
    )
    found = by_uuid.get(call.groups[1])
    if found is None:
        raise ApiError(404, "Enrollment Token not found.", 5220)
    return Reply(200, registration_shapes.registration_detail(api.index, *found))
