"""Options several commands share: which checks to run, a waivers file, the output folder,
the formats and ``--fail-on``; and the command line as results.json records it.

``--checks``, ``--exclude-checks``, ``--severity`` (:mod:`audit.selection`) and ``--waivers``
(:func:`audit.config.load_waivers`) on ``run`` and ``evaluate``; :class:`Choice` validates
them against the check catalogue before any request is made (a bad one is exit 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from audit.config_keys import DEFAULT_FORMATS, FORMATS
from audit.errors import UsageError
from audit.vocabulary import SEVERITIES

if TYPE_CHECKING:
    from audit.config import Config

SECRET_HINTS = ("password", "secret", "token", "key", "code")


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
        from audit.plugins import get_registry
        from audit.selection import parse_selection
        from audit.validation import validate_waivers

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


def redacted_argv(argv: Sequence[str]) -> list[str]:
    """The command line with the value of any secret-looking option replaced."""
    out: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            out.append("[REDACTED]")
            hide_next = False
            continue
        lowered = arg.lower()
        if arg.startswith("--") and any(h in lowered for h in SECRET_HINTS):
            if "=" in arg:
                out.append(arg.split("=", 1)[0] + "=[REDACTED]")
            else:
                out.append(arg)
                hide_next = True
            continue
        out.append(arg)
    return out


def parse_formats(value: str | None, config: Config | None) -> list[str]:
    """The formats of ``--format`` (case-insensitive, comma-separated, each once), or the
    config's ``[report] formats``, or the default formats (every one but ``ocsf``). An empty ``--format`` is a usage error."""
    if value is None:
        return list(config.report.formats) if config else list(DEFAULT_FORMATS)
    chosen = list(dict.fromkeys(f.strip().lower() for f in value.split(",") if f.strip()))
    if not chosen:
        raise UsageError(f"--format: empty; expected one or more of {', '.join(FORMATS)}")
    bad = [f for f in chosen if f not in FORMATS]
    if bad:
        raise UsageError(f"--format: unknown format {bad[0]!r} (known: {', '.join(FORMATS)})")
    return chosen


def out_option(default: Path | None, help: str = "Output folder.") -> Any:
    """``--out``/``-o``: a folder (``show_default`` when there is a default)."""
    return click.option(
        "--out",
        "-o",
        "out",
        type=click.Path(file_okay=False, path_type=Path),
        default=default,
        show_default=default is not None,
        help=help,
    )


fail_on_option = click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Lowest severity that blocks readiness (default: the config's, else medium).",
)
format_option = click.option(
    "--format",
    "fmt",
    default=None,
    help=f"Comma-separated formats, any case: {','.join(FORMATS)} "
    "(default: the config's [report] formats, else every format).",
)
