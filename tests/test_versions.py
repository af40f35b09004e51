"""Numeric version comparison: the rule every version check relies on."""

from __future__ import annotations

import pytest

from audit.versions import format_version, parse_version, version_at_least


def test_minor_versions_compare_as_integers_not_strings() -> None:
    assert version_at_least("20.10", "20.9") is True
    assert version_at_least("20.9", "20.10") is False
    assert version_at_least("21.10", "21.5") is True
    assert version_at_least("21.5", "21.10") is False
    assert (
        version_at_least("20.9", "20.10") is False and "20.9" > "20.10"
    )  # strings would get it wrong


def test_marketing_release_means_year_dot_month() -> None:
    assert parse_version("2105") == (21, 5)
    assert version_at_least("21.5", "2105") is True and version_at_least("2105", "21.5") is True
    assert version_at_least("21.4.9.9", "2105") is False
    assert version_at_least("21.10.0.0", "2105") is True


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("21.05.0.3", (21, 5, 0, 3)),
        ("24.9.0.0", (24, 9, 0, 0)),
        ("v20.10", (20, 10)),
        ("20.10.0.5 (build 12)", (20, 10, 0, 5)),
        (2105, (21, 5)),
    ],
)
def test_parse(text: object, parts: tuple[int, ...]) -> None:
    assert parse_version(text) == parts


@pytest.mark.parametrize("text", [None, "", "banana", True, {"v": 1}, ["21", "5"]])
def test_unreadable_versions_are_none(text: object) -> None:
    assert parse_version(text) is None
    assert version_at_least(text, "2105") is None


def test_padding_and_format() -> None:
    assert version_at_least("21.5", "21.5.0.0") is True
    assert version_at_least("21.5.0.1", "21.5") is True
    assert format_version((21, 5, 0, 3)) == "21.5.0.3"
