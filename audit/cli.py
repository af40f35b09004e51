"""The ``ws1-audit`` command line (click).

Exit codes (part of the contract): 0 ready; 1 not ready; 2 a check errored; 3 usage or
configuration error; 4 collection failed. Errors are one line on stderr; ``--debug``
adds the traceback. Progress goes to stderr only when it is a terminal and not ``--quiet``.
"""

from __future__ import annotations

import asyncio
import json
import math
import signal
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from audit import TOOL_NAME, __version__
from audit.cli_options import Choice, choice_options
from audit.config import Config, load_config
from audit.config_keys import DEFAULT_FORMATS, FORMATS, SEVERITIES
from audit.errors import (
    EXIT_INTERNAL,
    EXIT_READY,
    EXIT_SIGINT,
    EXIT_SIGTERM,
    EXIT_USAGE,
    AuditError,
    UsageError,
)
from audit.outset import OutputSet
from audit.redact import printable, printable_json, scrub
from audit.signals import Interrupted, raise_on_signals, restore_signals
from audit.snapshot import Snapshot

SECRET_HINTS = ("password", "secret", "token", "key", "code")


class _State:
    debug = False
    quiet = False


STATE = _State()


def _err(message: str) -> None:
    """One line on stderr: secrets redacted, control and bidi characters made visible."""
    click.echo(f"{TOOL_NAME}: {printable(message)}", err=True)


def _echo(line: str) -> None:
    """One line on stdout, terminal-safe (:func:`audit.redact.printable`)."""
    click.echo(printable(line))


def _echo_json(data: Any) -> None:
    """JSON on stdout, terminal-safe: C1 and bidi characters are written as ``\\uXXXX``."""
    click.echo(printable_json(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


def _warn(text: str) -> None:
    _err(f"warning: {text}")


def _progress_enabled() -> bool:
    return not STATE.quiet and sys.stderr.isatty()


class Progress:
    """One updating status line on stderr (only on a terminal)."""

    def __init__(self) -> None:
        self.enabled = _progress_enabled()
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done not in (0, total) and now - self._last < 0.1:
            return
        self._last = now
        sys.stderr.write(f"\r\x1b[K{printable(stage)}: {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def note(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\x1b[K{printable(text)}\n")
            sys.stderr.flush()


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


def _formats(value: str | None, config: Config | None) -> list[str]:
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


def _print_table(results: dict[str, Any], paths: Sequence[Path]) -> None:
    from audit.terminal import print_table

    print_table(results, paths, warn=_err)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name=TOOL_NAME)
@click.option("--debug", is_flag=True, help="Show tracebacks on errors.")
@click.option("--quiet", "-q", is_flag=True, help="No progress output.")
def cli(debug: bool, quiet: bool) -> None:
    """Audit a Workspace ONE UEM tenant for Drop Ship Provisioning (Online) readiness."""
    STATE.debug, STATE.quiet = debug, quiet


def _run_pipeline(
    config: Config,
    *,
    out: Path,
    formats: list[str],
    mode: str,
    fail_on: str | None,
    baseline: Path | None,
    transport: Any = None,
    history_dir: Path | None = None,
    choice: Choice | None = None,
) -> tuple[dict[str, Any], list[Path]]:
    """One tenant, end to end: check the config against the catalogue, pick the baseline
    (``--baseline``, else the latest run in ``--history``), collect, then save the snapshot,
    evaluate, save results.json, add it to the history and render."""
    from audit import pipeline
    from audit.fleet import finish_tenant, resolve_baseline
    from audit.plugins import get_registry

    progress = Progress()
    pipeline.validate_config_against(get_registry(), config)  # before any request: exit 3
    baseline_data, baseline_path = resolve_baseline(baseline, history_dir)
    if baseline_path and baseline is None:
        progress.note(f"Baseline: {baseline_path}")
    info = pipeline.RunInfo(mode=mode, command=redacted_argv(sys.argv))
    if choice is not None:
        info.selection, info.waivers = choice.selection, choice.waivers
        info.waivers_files = choice.waivers_files
    if mode != "demo":  # the demo's loopback simulator is plain HTTP by design
        _warn_transport(config)
    outset = OutputSet(out, info.run_id)
    try:
        with outset:  # preflight and lock: before the first request
            progress.note(f"Collecting from {config.tenant.api_url} ...")
            snapshot = asyncio.run(
                pipeline.collect_async(
                    config, transport=transport, progress=progress, mode=mode, warn=_err
                )
            )
            results, written = finish_tenant(
                snapshot,
                config,
                out=outset.staging,
                formats=formats,
                info=info,
                fail_on=fail_on,
                baseline=baseline_data,
                baseline_path=baseline_path,
                history_dir=history_dir,
                on_start=lambda f: progress.note(f"Rendering {f} ..."),
            )
            return results, outset.commit(written)
    finally:
        if outset.kept is not None:
            _err(f"note: the snapshot collected by this run is kept in {outset.kept}")


def _warn_transport(config: Config) -> None:
    from audit.pipeline import transport_warnings

    for warning in transport_warnings(config):
        _err(f"warning: {warning}")


_fail_on = click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Lowest severity that blocks readiness (default: the config's, else medium).",
)
_out = click.option(
    "--out",
    "-o",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("ws1-audit-report"),
    show_default=True,
    help="Output folder.",
)
_fmt = click.option(
    "--format",
    "fmt",
    default=None,
    help=f"Comma-separated formats, any case: {','.join(FORMATS)} "
    "(default: the config's [report] formats, else every format).",
)


@cli.command()
@click.option(
    "--out",
    "-o",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("ws1-audit-demo"),
    show_default=True,
    help="Output folder.",
)
@click.option(
    "--scenario",
    type=click.Choice(["not-ready", "ready"]),
    default="not-ready",
    show_default=True,
    help="The bundled tenant to audit.",
)
@_fmt
def demo(out: Path, scenario: str, fmt: str | None) -> None:
    """Audit the bundled simulated tenant over real HTTP on loopback (no configuration needed)."""
    from audit.demo import demo_config
    from audit.simulator import SimulatorServer, load_scenario

    tenant = load_scenario(scenario)
    with SimulatorServer(tenant) as server:
        config, _env = demo_config(
            tenant, api_url=server.url, scenario=scenario, out_dir=out.resolve()
        )
        results, written = _run_pipeline(
            config, out=out, formats=_formats(fmt, None), mode="demo", fail_on=None, baseline=None
        )
    _print_table(results, written)
    verdict = "ready" if results["summary"]["ready"] else "not ready"
    _echo(f"Demo finished: the simulated tenant is {verdict}.")


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
@_out
@_fmt
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
@_fail_on
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
        results, written = _run_pipeline(
            config,
            out=out,
            formats=_formats(fmt, config),
            mode="live",
            fail_on=fail_on,
            baseline=baseline,
            history_dir=history_dir,
            choice=choice,
        )
    except Exception as exc:
        after_single_run(config, config_paths[0], out, None, exc, warn=_warn, note=record_failure)
        raise
    after_single_run(config, config_paths[0], out, results, None, warn=_warn)
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
    from audit.terminal import print_fleet_json

    summary_formats = _formats(fmt, None)  # a bad --format is an error before any tenant
    progress = Progress()
    options = FleetOptions(
        out=out,
        formats=lambda config: _formats(fmt, config),
        summary_formats=summary_formats,
        fail_on=fail_on,
        baseline=baseline,
        history=history_dir,
        command=redacted_argv(sys.argv),
        note=progress.note,
        warn=_err,
        selection=choice.selection,
        waivers=choice.waivers,
        waivers_files=choice.waivers_files,
    )
    result = run_fleet(paths, options)
    if as_json:
        print_fleet_json(result)
        sys.exit(result.exit_code)
    print_fleet(result)


def print_fleet(result: Any) -> None:
    """One line per tenant of a :class:`audit.fleet.FleetResult`; exit with the worst code."""
    from reports.fleet import exit_meaning

    width = max((len(r.slug) for r in result.tenants), default=10)
    _echo(
        f"Fleet of {len(result.tenants)} tenants: exit {result.exit_code} ({exit_meaning(result.exit_code)}, the worst tenant's)"
    )
    for run_ in result.tenants:
        if run_.results is None:
            _echo(
                f"  FAILED    {run_.slug:{width}}  exit {run_.exit_code}: {scrub(run_.problem or '')}"
            )
            continue
        summary = run_.results["summary"]
        verdict = "READY" if summary["ready"] else "NOT READY"
        counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items() if v)
        change = run_.results.get("baseline")
        regressed = f"; {len(change['changes']['regressed'])} regressed" if change else ""
        _echo(
            f"  {verdict:9} {run_.slug:{width}}  exit {run_.exit_code}, score {summary['score']}/100 ({counts}{regressed})"
        )
    for path in result.written:
        _echo(f"  wrote {path}")
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

    config = load_config(config_path)
    pipeline.validate_config_against(get_registry(), config)
    if snapshot_path.is_dir():
        raise UsageError(f"--snapshot {snapshot_path}: a folder; expected a file name")
    preflight(snapshot_path.parent, "--snapshot")  # before the first request
    _warn_transport(config)
    snapshot = asyncio.run(pipeline.collect_async(config, progress=Progress(), warn=_err))
    save_snapshot(snapshot, snapshot_path)
    _echo(
        f"wrote {snapshot_path} ({snapshot.request_count} requests, {len(snapshot.gaps)} gaps, sha256 {snapshot.sha256})"
    )


@cli.command()
@click.option(
    "--snapshot",
    "snapshot_path",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A snapshot written by `collect` or `run` (its SHA-256 is verified).",
)
@click.option(
    "--config",
    "-c",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The tenant config: requirements, attestations, waivers, report settings "
    "(no secrets needed; default: the built-in requirements, no attestations).",
)
@_out
@_fmt
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="An earlier results.json to compare with (each check gets its change).",
)
@_fail_on
@choice_options
def evaluate(
    snapshot_path: Path,
    config_path: Path | None,
    out: Path,
    fmt: str | None,
    baseline: Path | None,
    fail_on: str | None,
    checks: str | None,
    exclude_checks: str | None,
    severity: str | None,
    waivers_path: Path | None,
) -> None:
    """Evaluate a saved snapshot offline and write results.json (and reports).

    Without --format (and without a config naming formats) only results.json is written.
    """
    from audit import pipeline
    from audit.results import load_results
    from audit.snapshot import load_snapshot

    choice = Choice(checks, exclude_checks, severity, waivers_path)
    config = load_config(config_path, need_secrets=False) if config_path else None
    snapshot: Snapshot = load_snapshot(snapshot_path)
    baseline_data = load_results(baseline) if baseline else None
    info = pipeline.RunInfo(mode="snapshot", command=redacted_argv(sys.argv))
    info.selection, info.waivers = choice.selection, choice.waivers
    info.waivers_files = choice.waivers_files
    results = pipeline.evaluate(
        snapshot,
        config,
        info=info,
        fail_on=fail_on,
        baseline=baseline_data,
        baseline_path=str(baseline or ""),
    )
    chosen = _formats(fmt, config) if fmt is not None or config else []
    formats = [f for f in chosen if f != "json"]
    inputs = [snapshot_path, *([baseline] if baseline else [])]
    with OutputSet(out, info.run_id, inputs=inputs) as outset:
        written = [pipeline.save_results(results, outset.staging)]
        written += pipeline.render(results, outset.staging, formats)
        if config is not None:
            from audit.signing import sign_outputs

            written += sign_outputs(config.signing, outset.staging, written)
        written = outset.commit(written)
    _print_table(results, written)
    sys.exit(pipeline.exit_code_for(results))


@cli.command()
@click.argument("results_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    default=None,
    help=f"Comma-separated formats, any case: {','.join(FORMATS)} (default: every format).",
)
@click.option(
    "--out",
    "-o",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Output folder.",
)
def render(results_path: Path, fmt: str | None, out: Path) -> None:
    """Render a results.json into any formats, offline (every format by default, like run)."""
    from audit import pipeline
    from audit.results import load_results

    results = load_results(results_path)
    formats = _formats(fmt, None)
    with OutputSet(out, str(results["run"]["id"]), inputs=[results_path]) as outset:
        written = outset.commit(pipeline.render(results, outset.staging, formats))
    for path in written:
        _echo(f"wrote {path}")


DIFF_ROWS = 10  # evidence rows listed per check and direction by `diff`


def _row_text(row: Sequence[Any], limit: int = 160) -> str:
    text = " | ".join("" if v is None else str(v) for v in row)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@cli.command()
@click.argument("old_path", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the comparison as JSON (the results' baseline block plus per-check changes).",
)
def diff(old_path: Path, new_path: Path, as_json: bool) -> None:
    """Compare two results.json files; exit 1 when anything regressed.

    A check is new (not in OLD), fixed (was fail/error/manual, now pass or warn), regressed
    (was pass or warn, now fail/error/manual), changed (another change of status, e.g. fail
    to manual) or unchanged; for checks with evidence rows, the rows added and removed since
    OLD are listed too. Warns when NEW is older than OLD and when the two are of different
    tenants.
    """
    from audit.results import apply_baseline, load_results, run_order_warning

    old, new = load_results(old_path), load_results(new_path)
    apply_baseline(new, old, str(old_path))
    block = new["baseline"]
    regressed = bool(block["changes"]["regressed"])
    order_warning = run_order_warning(old, new)
    for warning in [*([order_warning] if order_warning else []), *(block.get("warnings") or [])]:
        _err(f"warning: {warning}")
    old_status = {c["id"]: c["status"] for c in old["checks"]}
    if as_json:
        rows = [
            {
                "id": c["id"],
                "severity": c["severity"],
                "before": old_status.get(c["id"]),
                "after": c["status"],
                "change": c["change"],
            }
            for c in new["checks"]
        ]
        _echo_json({**block, "checks": rows})
        sys.exit(1 if regressed else 0)
    _echo(f"{old['tenant']['name']}: {old['run']['started_at']} -> {new['run']['started_at']}")
    width = max((len(c["id"]) for c in new["checks"]), default=10)
    _echo(f"  {'CHANGE':10} {'CHECK':{width}}  {'SEVERITY':8}  {'BEFORE':>7} -> AFTER")
    order = {"regressed": 0, "new": 1, "fixed": 2, "changed": 3, "unchanged": 4}
    for check in sorted(new["checks"], key=lambda c: order[c["change"]]):
        before = old_status.get(check["id"], "-")
        flag = " [waived]" if (check.get("waiver") or {}).get("active") else ""
        _echo(
            f"  {check['change']:10} {check['id']:{width}}  {check['severity']:8}  {before:>7} -> {check['status']}{flag}"
        )
    for cid in block.get("removed") or []:
        _echo(f"  {'gone':10} {cid:{width}}  {'':8}  {old_status.get(cid, '-'):>7} -> -")
    for cid, drift in block["evidence_drift"].items():
        _echo(
            f"evidence of {cid}: {len(drift['added'])} row(s) added, {len(drift['removed'])} removed"
        )
        for sign, rows in (("+", drift["added"]), ("-", drift["removed"])):
            for row in rows[:DIFF_ROWS]:
                _echo(f"  {sign} {_row_text(row)}")
            if len(rows) > DIFF_ROWS:
                _echo(f"  {sign} ... and {len(rows) - DIFF_ROWS} more")
    counts = ", ".join(
        f"{len(block['changes'][k])} {k}"
        for k in ("regressed", "new", "fixed", "changed", "unchanged")
    )
    _echo(f"({counts})")
    sys.exit(1 if regressed else 0)


@cli.command()
@click.argument("history_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    "-o",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where to write trend.html and trend.csv (default: the history folder).",
)
def history(history_dir: Path, out: Path | None) -> None:
    """Render the trend of a --history folder: trend.html (inline SVG chart) and trend.csv.

    HISTORY_DIR holds results-<UTC time>-<run id>.json files (or, for a fleet, one folder of
    them per tenant).
    """
    from audit.history import trend
    from reports.trend import render_trend

    found = trend(history_dir)
    for problem in found.problems:
        _err(f"warning: left out {problem}")
    frame = found.frame
    for series in found.series:
        part = frame[frame["series"] == series]
        last = part.iloc[-1]
        label = f"{series}: " if series else ""
        _echo(
            f"{label}{last['tenant']}: {len(part)} run(s), latest {last['started_at']} "
            f"{'READY' if last['ready'] else 'NOT READY'} (score {last['score']}, "
            f"fail {last['fail']}, error {last['error']}, manual {last['manual']}, pass {last['pass']})"
        )
    for path in render_trend(frame, out or history_dir, found.problems):
        _echo(f"wrote {path}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def checks(as_json: bool) -> None:
    """List the check catalogue with its metadata."""
    from audit.plugins import get_registry

    registry = get_registry()
    catalogue = [
        {**c.meta.as_dict(), "plugin": registry.check_plugins[c.id]}
        for c in registry.checks.values()
    ]
    if as_json:
        _echo_json(catalogue)
        return
    for item in catalogue:
        _echo(f"{item['id']}  [{item['severity']}]  {item['title']}")
        _echo(f"    requirement: {item['requirement']}")
        if item.get("attestation_names"):
            _echo(f"    attestation: {', '.join(item['attestation_names'])}")
    for problem in registry.problems:
        _err(f"plugin problem: {problem.message}")


@cli.command()
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
def init(file: Path | None, force: bool) -> None:
    """Write a commented config template (to FILE, or stdout)."""
    from audit.template import config_template

    text = config_template()
    if file is None:
        click.echo(text, nl=False)  # our own template: no tenant text
        return
    if file.exists() and not force:
        raise UsageError(f"{file} exists; pass --force to overwrite it")
    from audit.fileio import write_atomic

    write_atomic(file, text)
    _echo(f"wrote {file}")


@cli.command()
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8080, show_default=True, help="Loopback port."
)
@click.option(
    "--scenario", default="ready", show_default=True, help="Bundled scenario (ready, not-ready)."
)
@click.option(
    "--devices",
    type=click.IntRange(min=0),
    default=None,
    help="Generate a tenant with N devices instead.",
)
@click.option(
    "--latency-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Added to every answer.",
)
@click.option("--faults", default=None, help="Fault spec, e.g. '429:0.1,503@5'.")
def simulate(
    port: int, scenario: str, devices: int | None, latency_ms: float, faults: str | None
) -> None:
    """Serve a simulated UEM tenant on loopback until interrupted.

    \b
    A config that audits it needs (the banner prints a whole one):
      [tenant]   api_url = the API URL printed; username, and password_env /
                 tenant_code_env naming variables that hold the simulated password
                 and aw-tenant-code (printed; not secrets)
      [dropship] organization_group = "contoso" (the Drop Ship OG's GroupId),
                 tags = ["RnD"], email_domain = "contoso.com",
                 autodiscovery_url = the API URL (it answers the discovery lookup)
    """
    from audit.demo import simulator_notes
    from audit.simulator import generate_tenant, load_scenario, scenario_names, serve

    if not math.isfinite(latency_ms):
        raise UsageError(f"--latency-ms: expected a number of milliseconds, got {latency_ms}")
    if devices is None and scenario not in scenario_names():
        raise UsageError(
            f"--scenario: unknown scenario {scenario!r} (known: {', '.join(scenario_names())})"
        )
    from audit.simulator import FaultPlan
    from audit.simulator.faults import FaultSpecError

    try:
        plan = FaultPlan.parse(faults) if faults else None
    except FaultSpecError as exc:
        raise UsageError(f"--faults: {exc}") from exc
    tenant = generate_tenant(devices) if devices is not None else load_scenario(scenario)
    try:
        serve(tenant, port=port, latency_ms=latency_ms, faults=plan, notes=simulator_notes(tenant))
    except Interrupted:
        return  # Ctrl-C (or SIGTERM) is how a simulator is stopped
    except OSError as exc:  # the port is taken, or below 1024 without the right
        raise UsageError(f"--port {port}: cannot listen on it: {exc.strerror or exc}") from exc


def _add_commands() -> None:
    from audit import commands

    cli.add_command(commands.verify)
    cli.add_command(commands.fleet)


_add_commands()


def _print_traceback() -> None:
    lines = traceback.format_exc().splitlines()
    sys.stderr.write("".join(printable(line) + "\n" for line in lines))


def _interrupted(signum: int) -> int:
    """The line and exit code of an interrupted run: 130 for SIGINT, 143 for SIGTERM."""
    name = signal.Signals(signum).name
    _err(f"interrupted ({name}); outputs already in place were left as they were")
    return EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT


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
        _err(f"usage error: {exc.format_message()}")
        code = EXIT_USAGE
    except click.ClickException as exc:
        _err(exc.format_message())
        code = EXIT_USAGE
    except AuditError as exc:
        if STATE.debug:
            _print_traceback()
        _err(f"error: {exc}")
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
        _err(f"internal error: {type(exc).__name__}: {exc} (re-run with --debug for the traceback)")
        code = EXIT_INTERNAL
    finally:
        restore_signals(previous)
    sys.exit(code)
