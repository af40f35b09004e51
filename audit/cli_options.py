"""Options several commands share: which checks to run, and a waivers file.

``--checks``, ``--exclude-checks``, ``--severity`` (:mod:`audit.selection`) and ``--waivers``
(:func:`audit.config.load_waivers`) on ``run`` and ``evaluate``; :class:`Choice` validates
them against the check catalogue before any request is made (a bad one is exit 3).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click


class Choice:
    """What ``--checks``/``--exclude-checks``/``--severity`` and ``--waivers`` ask for,
    validated against the catalogue (exit 3 before any request)."""

    def __init__(
        self,
        checks: str | None,
        exclude_checks: str | None,
        severity: str | None,
        waivers_path: Path | None,
    ) -> None:
        from audit.config import load_waivers
        from audit.pipeline import validate_waivers
        from audit.plugins import get_registry
        from audit.selection import parse_selection

        registry = get_registry()
        self.selection = parse_selection(checks, exclude_checks, severity)
        self.selection.validate(registry.checks)
        self.waivers = load_waivers(waivers_path) if waivers_path else []
        validate_waivers(registry, self.waivers, str(waivers_path))
        self.waivers_files = [str(waivers_path)] if waivers_path else []


def complete_check_ids(_ctx: Any, _param: Any, incomplete: str) -> list[str]:
    """Shell completion of the last id of a comma-separated list of check ids."""
    from audit.plugins import get_registry

    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    return [prefix + cid for cid in get_registry().checks if cid.startswith(last)]


def choice_options(command: Any) -> Any:
    """The check-selection and waiver options of run and evaluate."""
    for option in reversed(
        (
            click.option(
                "--checks",
                default=None,
                metavar="ID,...",
                shell_complete=complete_check_ids,
                help="Run only these checks (comma-separated ids); the others are skipped.",
            ),
            click.option(
                "--exclude-checks",
                default=None,
                metavar="ID,...",
                shell_complete=complete_check_ids,
                help="Skip these checks (comma-separated ids); not with --checks.",
            ),
            click.option(
                "--severity",
                default=None,
                metavar="SEV,...",
                help="Run only the checks of these severities, e.g. critical,high; "
                "the others are skipped.",
            ),
            click.option(
                "--waivers",
                "waivers_path",
                type=click.Path(dir_okay=False, path_type=Path),
                default=None,
                help="A TOML file of [[waivers]] (e.g. shared by a fleet), applied besides "
                "the config's; the config's own waiver of a check wins.",
            ),
        )
    ):
        command = option(command)
    return command
