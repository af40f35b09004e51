"""Typed rows of the inventory's frames: hostile cells are coerced once, or refused once.

The checks trust these rows (``audit/inventory_rows.py``), so the coercion is where None,
NaN, numpy values, wrong types, lone surrogates and huge numbers are met: each becomes the
column's type, or a ``ShapeError`` whose message is one sentence (the runner's ``error``
summary quotes it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from checks_helpers import device, ready_inventory, registration, replace_frame

from audit.inventory import frame_from_rows, frames_source
from audit.inventory_rows import (
    Device,
    Registration,
    ShapeError,
    SmartGroup,
    Tag,
    rows,
)


def test_ready_frames_become_typed_rows() -> None:
    inv = ready_inventory()
    sg = rows(inv, SmartGroup)[0]
    assert (sg.id, sg.name, sg.tag_ids, sg.tag_names, sg.is_dropship) == (
        "12",
        "Drop Ship RnD",
        ["5"],
        [],
        True,
    )
    assert [t.id for t in rows(inv, Tag)] == ["5", "6"]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, ""),
        (float("nan"), ""),
        (np.float64("nan"), ""),
        ("23.10.0.5", "23.10.0.5"),
        ("a\ufffdb", "a\ufffdb"),  # a lone surrogate, as the snapshot reader replaced it
        ("1e400", "1e400"),
        (2**80, str(2**80)),
    ],
)
def test_text_cells_are_coerced_once(cell: Any, expected: str) -> None:
    inv = replace_frame(ready_inventory(), "devices", [device(1, version=cell)])
    assert rows(inv, Device)[0].hub_version == expected


@pytest.mark.parametrize(
    ("cell", "expected"), [(np.int64(7), "7"), (7.0, "7"), (" 7 ", "7"), (None, None)]
)
def test_ids_are_comparable_text(cell: Any, expected: str | None) -> None:
    inv = replace_frame(ready_inventory(), "devices", [device(1, id=cell)])
    assert rows(inv, Device)[0].id == expected


def test_flags_accept_text_and_numpy() -> None:
    inv = replace_frame(ready_inventory(), "devices", [device(1, inventory_read=np.bool_(False))])
    assert rows(inv, Device)[0].inventory_read is False
    inv = replace_frame(ready_inventory(), "devices", [device(1, inventory_read="yes")])
    assert rows(inv, Device)[0].inventory_read is True


def test_unread_tags_stay_none_and_read_tags_are_text() -> None:
    regs = [registration("A", tags=np.array(["RnD", 5])), {**registration("B"), "tags": None}]
    inv = replace_frame(ready_inventory(), "registrations", regs)
    assert [r.tags for r in rows(inv, Registration)] == [["RnD", "5"], None]


@pytest.mark.parametrize(
    ("frame", "bad"),
    [
        ("devices", [device(1, version={"v": 1})]),
        ("devices", [device(1, inventory_read="maybe")]),
        ("devices", [device(1, id=[1, 2])]),
        ("registrations", [{**registration("A"), "tags": {"n": 1}}]),
    ],
)
def test_hostile_cells_are_one_sentence_shape_errors(frame: str, bad: list[Any]) -> None:
    inv = replace_frame(ready_inventory(), frame, bad)
    kind = Device if frame == "devices" else Registration
    with pytest.raises(ShapeError) as err:
        rows(inv, kind)
    assert str(err.value).startswith(f"{frame}.") and str(err.value).endswith((".", ")"))


def test_a_frame_that_is_no_table_or_lacks_a_column_is_a_shape_error() -> None:
    inv = ready_inventory()
    inv.devices = None  # type: ignore[assignment]
    with pytest.raises(ShapeError, match=r"inventory\.devices is NoneType, not a table\."):
        rows(inv, Device)
    inv.devices = frame_from_rows("devices", [device(1)]).drop(columns=["serial"])
    with pytest.raises(ShapeError, match="lacks column"):
        rows(inv, Device)


def test_frames_source_names_each_endpoint_once() -> None:
    source = frames_source("apps", "app_assignments")
    assert source == "GET /api/mam/apps/search, /api/mam/apps/internal/{applicationId}"
    assert frames_source("tags") == "GET /api/mdm/tags/search"
