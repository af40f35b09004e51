"""Typed rows of the inventory's frames: every cell coerced once, here, for the checks.

A check reads ``rows(inv, Device)`` (a list of :class:`Device`) instead of the ``devices``
frame, so it works on typed attributes and never defends a cell itself. The coercion
accepts the forms a frame plausibly holds (None, NaN, pd.NA, numpy scalars and arrays, ids
as int, float or text) and raises :class:`ShapeError` on anything else (a dict where text
belongs, "maybe" where a flag belongs, a frame that is not a table or lacks a column). The
check does not catch it: the runner's guard (``audit/runner.py``) turns it into ``error``,
its message the summary's reason.

Column kinds, from each dataclass field's annotation:

- ``Key`` (``str | None``): an id as comparable text ("12" for 12, 12.0 and " 12 ").
- ``str``: display text, "" when missing (a list is joined with ", ").
- ``Flag`` (``bool | None``): true/false (also "true"/"no"/1/0 ...), None when missing.
- ``list[str]`` / ``list[Key]``: list cells of text or of ids; missing is empty.
- ``list[str] | None``: a list cell whose None means "not read" (a token's tags).

The Drop Ship OG, a scalar of the inventory, is typed the same way (:func:`dropship_og`).
Frames are re-read on every call (tests change them in place between evaluations); the
frame's ``to_dict`` dominates the cost, as it did when each check read the records itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, TypeVar

import pandas as pd

from audit.inventory import FRAME_COLUMNS, Inventory

Key = str | None
Flag = bool | None


class ShapeError(ValueError):
    """The inventory holds a value of a shape no check can read.

    The message is one sentence ending with a full stop: the runner's ``error`` summary
    quotes it.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message if message.endswith((".", ")")) else message + ".")


# -- cells ----------------------------------------------------------------------------------


def is_missing(value: Any) -> bool:
    """None, NaN, pd.NA or NaT (containers are never "missing")."""
    if value is None:
        return True
    if isinstance(value, (list, tuple, dict, set, str)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def as_list(value: Any, what: str = "value") -> list[Any]:
    """A list-valued cell as a list: missing is empty, a lone scalar is one item."""
    if is_missing(value):
        return []
    if isinstance(value, (list, tuple, set, frozenset)):
        return list(value)
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        out = value.tolist()
        return out if isinstance(out, list) else [out]
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return [value]
    raise ShapeError(f"{what}: expected a list, got {type(value).__name__} {value!r:.80}")


def flag(value: Any, what: str = "value") -> bool | None:
    """A boolean cell: True/False, or None when missing; text "true"/"false" is accepted."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
        if isinstance(value, bool):
            return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
        return value.strip().lower() in ("true", "yes", "1")
    raise ShapeError(f"{what}: expected true or false, got {type(value).__name__} {value!r:.80}")


def key(value: Any, what: str = "value") -> str | None:
    """An id as comparable text ("12" for 12, 12.0 and " 12 "); None when missing."""
    if is_missing(value):
        return None
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return str(int(value))
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        return str(value).strip() or None
    raise ShapeError(f"{what}: expected an id, got {type(value).__name__} {value!r:.80}")


def text(value: Any) -> str:
    """A cell as display text ("" when missing; lists joined with ", ")."""
    if is_missing(value):
        return ""
    if isinstance(value, (list, tuple, set)) or (
        hasattr(value, "tolist") and not isinstance(value, str)
    ):
        return ", ".join(text(v) for v in as_list(value))
    return str(value)


def fold(value: Any) -> str:
    """Display text folded for case-insensitive comparison."""
    return text(value).strip().casefold()


def _text_cell(value: Any, what: str) -> str:
    """Display text of a text column; a mapping or an object there is a shape error."""
    if isinstance(value, (dict, bytes)) or not (
        is_missing(value)
        or isinstance(value, (str, int, float, bool, list, tuple, set))
        or hasattr(value, "tolist")
    ):
        raise ShapeError(f"{what} is {type(value).__name__} {value!r:.60}, not text")
    return text(value)


def _coerce(kind: str, value: Any, what: str) -> Any:
    if kind == "str":
        return _text_cell(value, what)
    if kind == "Key":
        return key(value, what)
    if kind == "Flag":
        return flag(value, what)
    if kind == "list[str]":
        return [text(v) for v in as_list(value, what)]
    if kind == "list[Key]":
        return [key(v, what) for v in as_list(value, what)]
    if kind == "list[str] | None":
        return None if value is None else [text(v) for v in as_list(value, what)]
    raise TypeError(f"no coercion for a column of type {kind}")  # a bug in this module


# -- rows -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrgGroup:
    """A row of ``org_groups``."""

    FRAME: ClassVar[str] = "org_groups"
    id: Key
    group_id: str
    uuid: str
    name: str
    type: str
    parent_id: Key
    in_scope: Flag


@dataclass(frozen=True)
class Tag:
    """A row of ``tags``."""

    FRAME: ClassVar[str] = "tags"
    id: Key
    name: str
    og_id: Key


@dataclass(frozen=True)
class SmartGroup:
    """A row of ``smart_groups``: its tag criteria, and whether it is a Drop Ship group."""

    FRAME: ClassVar[str] = "smart_groups"
    id: Key
    uuid: Key
    name: str
    og_id: Key
    criteria_type: str
    tag_ids: list[Key]
    tag_names: list[str]
    criteria_read: Flag
    is_dropship: Flag


@dataclass(frozen=True)
class App:
    """A row of ``apps``."""

    FRAME: ClassVar[str] = "apps"
    id: Key
    uuid: str
    name: str
    version: str
    app_type: str
    platform: str
    status: str
    og_id: Key
    has_install_options: Flag
    detail_read: Flag
    smart_group_ids: list[Key]


@dataclass(frozen=True)
class AppAssignment:
    """A row of ``app_assignments``: one (app, smart group)."""

    FRAME: ClassVar[str] = "app_assignments"
    app_id: Key
    app_name: str
    app_version: str
    smart_group_id: Key
    smart_group_name: str
    push_mode: str
    install_context: str
    endpoint: str


@dataclass(frozen=True)
class Profile:
    """A row of ``profiles``: what its payloads do."""

    FRAME: ClassVar[str] = "profiles"
    id: Key
    uuid: str
    name: str
    status: str
    active: Flag
    platform: str
    context: str
    assignment_type: str
    payload_names: list[str]
    local_account: Flag
    domain_join: Flag
    detail_read: Flag
    endpoint: str


@dataclass(frozen=True)
class ProfileAssignment:
    """A row of ``profile_assignments``: one (profile, smart group)."""

    FRAME: ClassVar[str] = "profile_assignments"
    profile_id: Key
    profile_name: str
    profile_active: Flag
    smart_group_id: Key
    smart_group_name: str


@dataclass(frozen=True)
class Device:
    """A row of ``devices``, with its Hub as read."""

    FRAME: ClassVar[str] = "devices"
    id: Key
    uuid: str
    serial: str
    name: str
    platform: str
    og_id: Key
    last_seen: str
    enrollment_status: str
    hub_app_name: str
    hub_version: str
    hub_source: str
    inventory_read: Flag


@dataclass(frozen=True)
class Registration:
    """A row of ``registrations``; ``tags`` None: the token's details were not read."""

    FRAME: ClassVar[str] = "registrations"
    uuid: str
    serial: str
    name: str
    model: str
    tags: list[str] | None
    enrollment_status: str
    token_type: str
    detail_read: Flag
    og_uuid: str


R = TypeVar("R")


def frame(inv: Inventory, name: str) -> pd.DataFrame:
    """An inventory frame, checked to be a DataFrame carrying the contract's columns."""
    df = getattr(inv, name, None)
    if not isinstance(df, pd.DataFrame):
        raise ShapeError(f"inventory.{name} is {type(df).__name__}, not a table")
    missing = [c for c in FRAME_COLUMNS[name] if c not in df.columns]
    if missing:
        raise ShapeError(f"inventory.{name} lacks column(s) {', '.join(missing)}")
    return df


def _build(kind: type[R], record: Mapping[Any, Any], where: str) -> R:
    """A row of ``kind`` from a record, each field coerced by its annotation."""
    cols = [(f.name, str(f.type)) for f in fields(kind)]  # type: ignore[arg-type]
    return kind(**{c: _coerce(t, record.get(c), f"{where}.{c}") for c, t in cols})


def rows(inv: Inventory, kind: type[R]) -> list[R]:
    """The typed rows of the frame ``kind`` stands for (``kind.FRAME``)."""
    name: str = getattr(kind, "FRAME")  # noqa: B009 (a ClassVar of the row dataclasses)
    return [_build(kind, record, name) for record in frame(inv, name).to_dict("records")]


@dataclass(frozen=True)
class DropShipOG:
    """``inventory.dropship_og``: the organization group the Drop Ship settings are in."""

    id: Key
    group_id: str
    uuid: str
    name: str
    type: str

    @property
    def label(self) -> str:
        """The OG's name, else its GroupId."""
        return self.name or self.group_id


def dropship_og(inv: Inventory) -> DropShipOG | None:
    """The Drop Ship OG as a typed record; None when the search found none."""
    og = inv.dropship_og
    if og is None:
        return None
    if not isinstance(og, dict):
        raise ShapeError(f"inventory.dropship_og is {type(og).__name__}, not a mapping")
    return _build(DropShipOG, og, "dropship_og")
