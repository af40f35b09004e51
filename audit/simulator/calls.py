"""What a route handler of the simulated API sees and answers, before any transport.

A :class:`Call` (the query parameters, the path's groups, the negotiated version, the base
URL) goes in; a :class:`Reply` (status, JSON-able body, extra headers) comes out, or an
:class:`ApiError` with the UEM error body's code. The query-parameter readers here answer a
bad value with the 400 the console answers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from audit.simulator.tenant import PLATFORM_IDS

__all__ = [
    "ApiError",
    "Call",
    "Reply",
    "Row",
    "contains",
    "error_body",
    "int_param",
    "platform_match",
]

_PLATFORM_NAMES = {str(v): k.lower() for k, v in PLATFORM_IDS.items()}
Row = Mapping[str, Any]


@dataclass
class Reply:
    """A response before transport: status, JSON-able body (None: no body), extra headers."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class ApiError(Exception):
    """An error answer with the UEM error body (``errorCode``, ``message``)."""

    def __init__(self, status: int, message: str, error_code: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_code = error_code


def error_body(message: str, code: int) -> dict[str, Any]:
    """The UEM error body: ``{"errorCode", "message", "activityId"}``."""
    return {"errorCode": code, "message": message, "activityId": str(uuid.uuid4())}


@dataclass
class Call:
    """One request as a handler sees it."""

    params: dict[str, str]
    groups: tuple[str, ...]
    version: int
    base_url: str


def int_param(call: Call, *names: str) -> int | None:
    """The first of ``names`` given as an integer (None: none given); 400 when not one."""
    for name in names:
        raw = call.params.get(name)
        if raw is None or raw == "":
            continue
        text = raw.strip()
        if not (text.isascii() and text.lstrip("-").isdigit()) or len(text) > 12:
            raise ApiError(400, f"Invalid value for parameter '{name}'.", 1002)
        return int(text)
    return None


def contains(value: Any, needle: str | None) -> bool:
    """The searches' text filter: ``needle`` in ``value``, ignoring case (None: no filter)."""
    return needle is None or needle.casefold() in str(value).casefold()


def platform_match(platform: str, wanted: str | None) -> bool:
    """The platform filter: by name or by platform id, ignoring case (empty: no filter)."""
    if not wanted:
        return True
    wanted = wanted.strip().lower()
    return platform.lower() == _PLATFORM_NAMES.get(wanted, wanted)
