"""The ``ws1-audit`` command line (click): the group, the commands that audit a tenant
(``demo``, ``run``, ``collect``) and :func:`main`, which maps errors to exit codes.

Exit codes (part of the contract, :mod:`audit.vocabulary`): 0 ready; 1 not ready; 2 a check
errored; 3 usage or configuration error; 4 collection failed; 70 internal error; 130/143
interrupted. Errors are one line on stderr; ``--debug`` adds the traceback. Progress goes to
stderr only when it is a terminal and not ``--quiet`` (:mod:`audit.console`). The offline
commands are in :mod:`audit.commands`, the shared options in :mod:`audit.cli_options`, what
is printed in :mod:`audit.terminal` and :mod:`audit.terminal_changes`; running one tenant is
:func:`audit.pipeline.run_tenant`, a fleet :func:`audit.fleet.run_fleet`.
"""

from __future__ import annotations

import signal
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from audit import TOOL_NAME, __version__
from audit.cli_options import (
    Choice,
    choice_options,
    fail_on_option,
    format_option,
    out_option,
    parse_formats,
    redacted_argv,
)
from audit.config import Config, load_config
from audit.console import STATE, Progress, echo, err, warn
from audit.errors import AuditError, UsageError
from audit.redact import printable
from audit.results_blocks import RunInfo
from audit.signals import Interrupted, exit_code_for_signal, raise_on_signals, restore_signals
from audit.vocabulary import EXIT_INTERNAL, EXIT_READY, EXIT_USAGE


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=TOOL_NAME)
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
def cli(debug: bool, quiet: bool) -> None:
    """Audit a Workspace ONE UEM tenant for Drop Ship Provisioning (Online) readiness."""
    STATE.debug, STATE.quiet = debug, quiet


def _print_table(results: dict[str, Any], paths: Sequence[Path]) -> None:
    from audit.terminal import print_table

    print_table(results, paths, warn=err)


def _run_tenant(
    config: Config,
    *,
    out: Path,
    formats: list[str],
    mode: str,
    fail_on: str | None = None,
    baseline: Path | None = None,
    history: Path | None = None,
    choice: Choice | None = None,
) -> tuple[dict[str, Any], list[Path]]:
    """:func:`audit.pipeline.run_tenant` with this command line, its progress and stderr."""
    from audit import pipeline

    progress = Progress()
    info = RunInfo(mode=mode, command=redacted_argv(sys.argv))
    if choice is not None:
        info.selection, info.waivers = choice.selection, choice.waivers
        info.waivers_files = choice.waivers_files
    return pipeline.run_tenant(
        config,
        out=out,
        formats=formats,
        fail_on=fail_on,
        baseline=baseline,
        history=history,
        info=info,
        progress=progress,
        note=progress.note,
        warn=err,
    )


@cli.command()
@out_option(Path("ws1-audit-demo"))
@click.option(
    "--scenario",
    type=click.Choice(["not-ready", "ready"]),
    default="not-ready",
    show_default=True,
    help="The bundled tenant to audit.",
)
@format_option
def demo(out: Path, scenario: str, fmt: str | None) -> None:
    """Audit the bundled simulated tenant over real HTTP on loopback (no configuration needed)."""
    from audit.demo import demo_config
    from audit.simulator import SimulatorServer, load_scenario

    tenant = load_scenario(scenario)
    with SimulatorServer(tenant) as server:
        config, _env = demo_config(
            tenant, api_url=server.url, scenario=scenario, out_dir=out.resolve()
        )
        results, written = _run_tenant(
            config, out=out, formats=parse_formats(fmt, None), mode="demo"
        )
    _print_table(results, written)
    verdict = "ready" if results["summary"]["ready"] else "not ready"
    echo(f"Demo finished: the simulated tenant is {verdict}.")


@cli.command()
@click.option(
    "--config",
    "-c",
    "config_paths",
    required=True,
    multiple=True,
    type=click.Path(path_type=Path),
    help="A tenant config; repeat it, or name a folder of *.toml, to audit a fleet.",
)
@out_option(Path("ws1-audit-report"))
@format_option
@click.option(
    "--baseline",
    type=click.Path(path_type=Path),
    default=None,
    help="An earlier results.json to compare with (a fleet: an earlier fleet output folder).",
)
@click.option(
    "--history",
    "history_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Keep each run's results.json in DIR under a dated name; the latest is the baseline.",
)
@fail_on_option
@choice_options
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the results summary as JSON on stdout instead of the table.",
)
@click.option(
    "--record-failure",
    is_flag=True,
    help="If the run fails, leave OUT/error.txt (exit code, reason) for `ws1-audit fleet`.",
)
def run(
    config_paths: tuple[Path, ...],
    out: Path,
    fmt: str | None,
    baseline: Path | None,
    history_dir: Path | None,
    fail_on: str | None,
    checks: str | None,
    exclude_checks: str | None,
    severity: str | None,
    waivers_path: Path | None,
    as_json: bool,
    record_failure: bool,
) -> None:
    """Collect, evaluate and render in one go (one tenant, or a fleet: see --config)."""
    from audit.fleet_jobs import after_single_run
    from audit.pipeline import exit_code_for
    from audit.terminal import print_json_summary

    choice = Choice(checks, exclude_checks, severity, waivers_path)
    if len(config_paths) > 1 or config_paths[0].is_dir():
        _run_fleet(
            list(config_paths),
            out=out,
            fmt=fmt,
            baseline=baseline,
            history_dir=history_dir,
            fail_on=fail_on,
            choice=choice,
            as_json=as_json,
        )
        return
    if baseline is not None and baseline.is_dir():
        raise UsageError(f"--baseline {baseline}: expected a results.json file, not a folder")
    config = load_config(config_paths[0])
    try:
        results, written = _run_tenant(
            config,
            out=out,
            formats=parse_formats(fmt, config),
            mode="live",
            fail_on=fail_on,
            baseline=baseline,
            history=history_dir,
            choice=choice,
        )
    except Exception as exc:
        after_single_run(config, config_paths[0], out, None, exc, warn=warn, note=record_failure)
        raise
    after_single_run(config, config_paths[0], out, results, None, warn=warn)
    if as_json:
        print_json_summary(results, written, exit_code_for(results))
    else:
        _print_table(results, written)
    sys.exit(exit_code_for(results))


def _run_fleet(
    paths: list[Path],
    *,
    out: Path,
    fmt: str | None,
    baseline: Path | None,
    history_dir: Path | None,
    fail_on: str | None,
    choice: Choice,
    as_json: bool,
) -> None:
    """Audit several tenants concurrently; print one line per tenant; exit with the worst code."""
    from audit.fleet import FleetOptions, run_fleet
    from audit.terminal import print_fleet, print_fleet_json

    summary_formats = parse_formats(fmt, None)  # a bad --format is an error before any tenant
    progress = Progress()
    options = FleetOptions(
        out=out,
        formats=lambda config: parse_formats(fmt, config),
        summary_formats=summary_formats,
        fail_on=fail_on,
        baseline=baseline,
        history=history_dir,
        command=redacted_argv(sys.argv),
        note=progress.note,
        warn=err,
        selection=choice.selection,
        waivers=choice.waivers,
        waivers_files=choice.waivers_files,
    )
    result = run_fleet(paths, options)
    if as_json:
        print_fleet_json(result)
    else:
        print_fleet(result)
    sys.exit(result.exit_code)


@cli.command()
@click.option(
    "--config",
    "-c",
    "config_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The tenant config (TOML; secrets from the environment variables it names).",
)
@click.option(
    "--snapshot",
    "snapshot_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the snapshot: every request made and its answer, redacted, hashed.",
)
def collect(config_path: Path, snapshot_path: Path) -> None:
    """Collect the tenant into a snapshot file (no evaluation): only reads the tenant.

    `ws1-audit evaluate --snapshot FILE` turns the snapshot into results offline.
    """
    from audit import pipeline
    from audit.outset import preflight
    from audit.plugins import get_registry
    from audit.snapshot import save_snapshot
    from audit.validation import transport_warnings, validate_config_against

    config = load_config(config_path)
    validate_config_against(get_registry(), config)
    if snapshot_path.is_dir():
        raise UsageError(f"--snapshot {snapshot_path}: a folder; expected a file name")
    preflight(snapshot_path.parent, "--snapshot")  # before the first request
    for warning in transport_warnings(config):
        warn(warning)
    snapshot = pipeline.collect(config, progress=Progress(), warn=err)
    save_snapshot(snapshot, snapshot_path)
    echo(
        f"wrote {snapshot_path} ({snapshot.request_count} requests, {len(snapshot.gaps)} gaps, sha256 {snapshot.sha256})"
    )


def _add_commands() -> None:
    from audit import commands

    for command in (
        commands.evaluate,
        commands.render,
        commands.diff,
        commands.history,
        commands.checks,
        commands.init,
        commands.simulate,
        commands.verify,
        commands.fleet,
    ):
        cli.add_command(command)


_add_commands()


def _print_traceback() -> None:
    lines = traceback.format_exc().splitlines()
    sys.stderr.write("".join(printable(line) + "\n" for line in lines))


def _interrupted(signum: int) -> int:
    """The line and exit code of an interrupted run: 130 for SIGINT, 143 for SIGTERM."""
    name = signal.Signals(signum).name
    err(f"interrupted ({name}); outputs already in place were left as they were")
    return exit_code_for_signal(signum)


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: maps errors to exit codes and one-line messages."""
    args = list(sys.argv[1:] if argv is None else argv)
    STATE.debug = "--debug" in args
    code = EXIT_READY
    previous = raise_on_signals()
    try:
        cli.main(args=args, prog_name=TOOL_NAME, standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        code = _interrupted(signal.SIGINT)
    except click.UsageError as exc:
        err(f"usage error: {exc.format_message()}")
        code = EXIT_USAGE
    except click.ClickException as exc:
        err(exc.format_message())
        code = EXIT_USAGE
    except AuditError as exc:
        if STATE.debug:
            _print_traceback()
        err(f"error: {exc}")
        code = exc.exit_code
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else EXIT_USAGE
    except Interrupted as exc:
        code = _interrupted(exc.signum)
    except KeyboardInterrupt:
        code = _interrupted(signal.SIGINT)
    except Exception as exc:
        if STATE.debug:
            _print_traceback()
        err(f"internal error: {type(exc).__name__}: {exc} (re-run with --debug for the traceback)")
        code = EXIT_INTERNAL
    finally:
        restore_signals(previous)
    sys.exit(code)
