"""Values every API shape shares: v1 ids, console timestamps, platform ids."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from audit.simulator.tenant import PLATFORM_IDS

__all__ = ["Row", "created_on", "platform_id", "v1_id"]

Row = Mapping[str, Any]


def v1_id(value: int) -> dict[str, int]:
    """A v1 model's id: ``{"Value": n}``."""
    return {"Value": value}


def created_on(ident: int) -> str:
    """A stable console-style timestamp ("10/27/2023 3:05:53 PM") derived from an id."""
    month, day, hour = 1 + ident % 12, 1 + ident % 28, 1 + ident % 11
    return f"{month}/{day}/2023 {hour}:{ident % 60:02d}:{(ident * 7) % 60:02d} PM"


def platform_id(platform: str) -> int:
    """The UEM platform id of a platform name (0 when unknown)."""
    return PLATFORM_IDS.get(platform, 0)
