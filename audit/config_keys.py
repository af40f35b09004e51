"""One config key's declaration (:class:`Key`) and the coercion of a TOML value to it.

:data:`audit.config.SCHEMA` declares every key with a :class:`Key`: its kind, default,
whether it is required, its bounds and its documentation. :func:`coerce` turns a parsed
TOML value into the key's type or raises the one-line ConfigError naming the file, the
key and what is expected; ``Key.expected()`` is also the wording of the README table and
of ``ws1-audit init``'s template.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.errors import ConfigError

#: Every output format ws1-audit knows (``--format``, ``[report] formats``).
FORMATS = ("html", "pdf", "json", "csv", "junit", "md", "handover", "ocsf")


@dataclass(frozen=True)
class Key:
    """One config key: its type, default and the words used when it is wrong."""

    kind: str  # str | int | float | bool | date | list[str] | list[str|int] | path | choice | list[choice]
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""
    #: Bounds of an int or float: at least ``least``, above ``above``, below ``below``.
    least: float | None = None
    above: float | None = None
    below: float | None = None

    def expected(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "list[choice]":
            return "a list of values from " + ", ".join(self.choices)
        return self._kind_text() + self._bounds_text()

    def _bounds_text(self) -> str:
        parts = []
        if self.least is not None:
            parts.append(f"at least {self.least:g}")
        if self.above is not None:
            parts.append(f"above {self.above:g}")
        if self.below is not None:
            parts.append(f"below {self.below:g}")
        return (" " + " and ".join(parts)) if parts else ""

    def in_bounds(self, value: float) -> bool:
        """Whether a number meets the bounds (NaN and infinities never do)."""
        if value != value or value in (float("inf"), float("-inf")):
            return False
        return not (
            (self.least is not None and value < self.least)
            or (self.above is not None and value <= self.above)
            or (self.below is not None and value >= self.below)
        )

    def _kind_text(self) -> str:
        return {
            "str": "a string",
            "int": "an integer",
            "float": "a number",
            "bool": "true or false",
            "date": "a date (YYYY-MM-DD)",
            "list[str]": "a list of strings",
            "list[str|int]": "a list of names or ids",
            "path": "a file path (string)",
            "formats": "a list of formats from " + ", ".join(FORMATS),
        }[self.kind]


def coerce(file: str, where: str, key: Key, value: Any, base_dir: Path) -> Any:
    """``value`` as ``key``'s type (a relative path is taken from ``base_dir``)."""

    def bad() -> ConfigError:
        return ConfigError(file, where, f"expected {key.expected()}, got {value!r}"[:300])

    kind = key.kind
    if kind == "str":
        if not isinstance(value, str):
            raise bad()
        return value
    if kind in ("int", "float"):
        numeric = int | float if kind == "float" else int
        if isinstance(value, bool) or not isinstance(value, numeric) or not key.in_bounds(value):
            raise bad()
        return float(value) if kind == "float" else value
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad()
        return value
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise bad() from None
        raise bad()
    if kind == "choice":
        if value not in key.choices:
            raise bad()
        return value
    if kind == "path":
        if not isinstance(value, str) or not value:
            raise bad()
        path = Path(value).expanduser()
        return path if path.is_absolute() else (base_dir / path)
    if kind in ("list[str]", "formats", "list[choice]"):
        allowed = {"formats": FORMATS, "list[choice]": key.choices}.get(kind)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad()
        if allowed is not None and any(v not in allowed for v in value):
            raise bad()
        return list(value)
    if kind == "list[str|int]":
        ok = isinstance(value, list) and all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in value
        )
        if not ok:
            raise bad()
        return list(value)
    raise AssertionError(kind)  # pragma: no cover - SCHEMA is static
