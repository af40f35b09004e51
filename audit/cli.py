"""The ``ws1-audit`` command line (click).

Exit codes (part of the contract): 0 ready; 1 not ready; 2 a check errored; 3 usage or
configuration error; 4 collection failed. Errors are one line on stderr; ``--debug``
adds the traceback. Progress goes to stderr only when it is a terminal and not ``--quiet``.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from audit import TOOL_NAME, __version__
from audit.config import DEFAULT_FORMATS, FORMATS, SEVERITIES, Config, load_config
from audit.errors import EXIT_COLLECTION, EXIT_READY, EXIT_USAGE, AuditError, UsageError
from audit.redact import scrub
from audit.snapshot import Snapshot

SECRET_HINTS = ("password", "secret", "token", "key", "code")


class _State:
    debug = False
    quiet = False


STATE = _State()


def _err(message: str) -> None:
    click.echo(f"{TOOL_NAME}: {scrub(message)}", err=True)


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
        sys.stderr.write(f"\r\x1b[K{stage}: {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def note(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\x1b[K{text}\n")
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
    if not value:
        return list(config.report["formats"]) if config else list(DEFAULT_FORMATS)
    chosen = [f.strip() for f in value.split(",") if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad:
        raise UsageError(f"--format: unknown format {bad[0]!r} (known: {', '.join(FORMATS)})")
    return chosen


def _print_table(results: dict[str, Any], paths: Sequence[Path]) -> None:
    summary = results["summary"]
    verdict = "READY" if summary["ready"] else "NOT READY"
    click.echo(
        f"{results['tenant']['name']}: {verdict} (fail-on {summary['fail_on']}, score {summary['score']})"
    )
    width = max((len(c["id"]) for c in results["checks"]), default=10)
    for check in results["checks"]:
        waiver = check.get("waiver") or {}
        flag = (
            " [waived]"
            if waiver.get("active")
            else (" [waiver expired]" if waiver.get("expired") else "")
        )
        block = " *" if check.get("blocking") else ""
        change = f" [{check['change']}]" if check.get("change") not in (None, "unchanged") else ""
        click.echo(
            f"  {check['status'].upper():7} {check['severity']:8} {check['id']:{width}}{block}{flag}{change}"
        )
    counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items() if v)
    click.echo(f"  ({counts}; * blocks readiness)")
    baseline = results.get("baseline")
    if baseline:
        changes = baseline["changes"]
        moved = ", ".join(
            f"{len(changes[k])} {k}" for k in ("regressed", "new", "fixed", "unchanged")
        )
        drift = len(baseline.get("evidence_drift") or {})
        click.echo(
            f"  since {baseline.get('started_at') or 'the baseline'}: {moved}; evidence changed in {drift} check(s)"
        )
        for warning in baseline.get("warnings") or []:
            _err(f"warning: {warning}")
    for path in paths:
        click.echo(f"  wrote {path}")


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
    if not config.tenant.get("verify_tls", True):
        _err("warning: TLS certificate verification is disabled (verify_tls = false)")
    progress.note(f"Collecting from {config.tenant['api_url']} ...")
    snapshot = asyncio.run(
        pipeline.collect_async(config, transport=transport, progress=progress, mode=mode)
    )
    return finish_tenant(
        snapshot,
        config,
        out=out,
        formats=formats,
        info=info,
        fail_on=fail_on,
        baseline=baseline_data,
        baseline_path=baseline_path,
        history_dir=history_dir,
        on_start=lambda f: progress.note(f"Rendering {f} ..."),
    )


_fail_on = click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    default=None,
    help="Lowest severity that blocks readiness (default: the config's, else medium).",
)
_out = click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("ws1-audit-report"),
    show_default=True,
    help="Output folder.",
)
_fmt = click.option(
    "--format", "fmt", default=None, help=f"Comma-separated formats: {','.join(FORMATS)}."
)


@cli.command()
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("ws1-audit-demo"),
    show_default=True,
)
@click.option(
    "--scenario", type=click.Choice(["not-ready", "ready"]), default="not-ready", show_default=True
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
    click.echo(
        f"Demo finished: the simulated tenant is {'ready' if results['summary']['ready'] else 'not ready'}; open {out / 'report.html'}"
    )


@cli.command()
@click.option(
    "--config",
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
    record_failure: bool,
) -> None:
    """Collect, evaluate and render in one go (one tenant, or a fleet: see --config)."""
    from audit.fleet_jobs import after_single_run
    from audit.pipeline import exit_code_for

    if len(config_paths) > 1 or config_paths[0].is_dir():
        _run_fleet(
            list(config_paths),
            out=out,
            fmt=fmt,
            baseline=baseline,
            history_dir=history_dir,
            fail_on=fail_on,
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
        )
    except Exception as exc:
        after_single_run(config, config_paths[0], out, None, exc, warn=_warn, note=record_failure)
        raise
    after_single_run(config, config_paths[0], out, results, None, warn=_warn)
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
) -> None:
    """Audit several tenants concurrently; print one line per tenant; exit with the worst code."""
    from audit.fleet import FleetOptions, run_fleet

    _formats(fmt, None)  # a bad --format is a usage error before any tenant starts
    progress = Progress()
    options = FleetOptions(
        out=out,
        formats=lambda config: _formats(fmt, config),
        fail_on=fail_on,
        baseline=baseline,
        history=history_dir,
        command=redacted_argv(sys.argv),
        note=progress.note,
        warn=_err,
    )
    result = run_fleet(paths, options)
    print_fleet(result)


def print_fleet(result: Any) -> None:
    """One line per tenant of a :class:`audit.fleet.FleetResult`; exit with the worst code."""
    from reports.fleet import exit_meaning

    width = max((len(r.slug) for r in result.tenants), default=10)
    click.echo(
        f"Fleet of {len(result.tenants)} tenants: exit {result.exit_code} ({exit_meaning(result.exit_code)}, the worst tenant's)"
    )
    for run_ in result.tenants:
        if run_.results is None:
            click.echo(
                f"  FAILED    {run_.slug:{width}}  exit {run_.exit_code}: {scrub(run_.problem or '')}"
            )
            continue
        summary = run_.results["summary"]
        verdict = "READY" if summary["ready"] else "NOT READY"
        counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items() if v)
        change = run_.results.get("baseline")
        regressed = f"; {len(change['changes']['regressed'])} regressed" if change else ""
        click.echo(
            f"  {verdict:9} {run_.slug:{width}}  exit {run_.exit_code}, score {summary['score']} ({counts}{regressed})"
        )
    for path in result.written:
        click.echo(f"  wrote {path}")
    sys.exit(result.exit_code)


@cli.command()
@click.option(
    "--config", "config_path", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--snapshot", "snapshot_path", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
def collect(config_path: Path, snapshot_path: Path) -> None:
    """Collect the tenant into a snapshot file (no evaluation)."""
    from audit import pipeline
    from audit.snapshot import save_snapshot

    config = load_config(config_path)
    if not config.tenant.get("verify_tls", True):
        _err("warning: TLS certificate verification is disabled (verify_tls = false)")
    snapshot = asyncio.run(pipeline.collect_async(config, progress=Progress()))
    save_snapshot(snapshot, snapshot_path)
    click.echo(
        f"wrote {snapshot_path} ({snapshot.request_count} requests, {len(snapshot.gaps)} gaps, sha256 {snapshot.sha256})"
    )


@cli.command()
@click.option(
    "--snapshot", "snapshot_path", required=True, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None
)
@_out
@_fmt
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None)
@_fail_on
def evaluate(
    snapshot_path: Path,
    config_path: Path | None,
    out: Path,
    fmt: str | None,
    baseline: Path | None,
    fail_on: str | None,
) -> None:
    """Evaluate a saved snapshot offline and write results.json (and reports)."""
    from audit import pipeline
    from audit.results import load_results
    from audit.snapshot import load_snapshot

    config = load_config(config_path, need_secrets=False) if config_path else None
    snapshot: Snapshot = load_snapshot(snapshot_path)
    baseline_data = load_results(baseline) if baseline else None
    info = pipeline.RunInfo(mode="snapshot", command=redacted_argv(sys.argv))
    results = pipeline.evaluate(
        snapshot,
        config,
        info=info,
        fail_on=fail_on,
        baseline=baseline_data,
        baseline_path=str(baseline or ""),
    )
    written = [pipeline.save_results(results, out)]
    formats = [f for f in _formats(fmt, config) if f != "json"] if fmt or config else []
    written += pipeline.render(results, out, formats)
    if config is not None:
        from audit.signing import sign_outputs

        written += sign_outputs(config.signing, out, written)
    _print_table(results, written)
    sys.exit(pipeline.exit_code_for(results))


@cli.command()
@click.argument("results_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", required=True, help=f"Comma-separated formats: {','.join(FORMATS)}."
)
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
)
def render(results_path: Path, fmt: str, out: Path) -> None:
    """Render a results.json into any formats, offline."""
    from audit import pipeline
    from audit.results import load_results

    results = load_results(results_path)
    for path in pipeline.render(results, out, _formats(fmt, None)):
        click.echo(f"wrote {path}")


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

    A check is new (not in OLD), fixed (was fail/error/manual, now pass), regressed (was pass,
    now fail/error/manual) or unchanged; for checks with evidence rows, the rows added and
    removed since OLD are listed too.
    """
    from audit.results import apply_baseline, load_results

    old, new = load_results(old_path), load_results(new_path)
    apply_baseline(new, old, str(old_path))
    block = new["baseline"]
    regressed = bool(block["changes"]["regressed"])
    for warning in block.get("warnings") or []:
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
        click.echo(json.dumps({**block, "checks": rows}, indent=2, ensure_ascii=False))
        sys.exit(1 if regressed else 0)
    click.echo(f"{old['tenant']['name']}: {old['run']['started_at']} -> {new['run']['started_at']}")
    width = max((len(c["id"]) for c in new["checks"]), default=10)
    click.echo(f"  {'CHANGE':10} {'CHECK':{width}}  {'SEVERITY':8}  {'BEFORE':>7} -> AFTER")
    order = {"regressed": 0, "new": 1, "fixed": 2, "unchanged": 3}
    for check in sorted(new["checks"], key=lambda c: order[c["change"]]):
        before = old_status.get(check["id"], "-")
        flag = " [waived]" if (check.get("waiver") or {}).get("active") else ""
        click.echo(
            f"  {check['change']:10} {check['id']:{width}}  {check['severity']:8}  {before:>7} -> {check['status']}{flag}"
        )
    for cid in block.get("removed") or []:
        click.echo(f"  {'gone':10} {cid:{width}}  {'':8}  {old_status.get(cid, '-'):>7} -> -")
    for cid, drift in block["evidence_drift"].items():
        click.echo(
            f"evidence of {cid}: {len(drift['added'])} row(s) added, {len(drift['removed'])} removed"
        )
        for sign, rows in (("+", drift["added"]), ("-", drift["removed"])):
            for row in rows[:DIFF_ROWS]:
                click.echo(f"  {sign} {_row_text(row)}")
            if len(rows) > DIFF_ROWS:
                click.echo(f"  {sign} ... and {len(rows) - DIFF_ROWS} more")
    counts = ", ".join(
        f"{len(block['changes'][k])} {k}" for k in ("regressed", "new", "fixed", "unchanged")
    )
    click.echo(f"({counts})")
    sys.exit(1 if regressed else 0)


@cli.command()
@click.argument("history_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
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
    from reports.fleet import render_trend

    found = trend(history_dir)
    for problem in found.problems:
        _err(f"warning: left out {problem}")
    frame = found.frame
    for series in found.series:
        part = frame[frame["series"] == series]
        last = part.iloc[-1]
        label = f"{series}: " if series else ""
        click.echo(
            f"{label}{last['tenant']}: {len(part)} run(s), latest {last['started_at']} "
            f"{'READY' if last['ready'] else 'NOT READY'} (score {last['score']}, "
            f"fail {last['fail']}, error {last['error']}, manual {last['manual']}, pass {last['pass']})"
        )
    for path in render_trend(frame, out or history_dir, found.problems):
        click.echo(f"wrote {path}")


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
        click.echo(json.dumps(catalogue, indent=2, ensure_ascii=False))
        return
    for item in catalogue:
        click.echo(f"{item['id']}  [{item['severity']}]  {item['title']}")
        click.echo(f"    requirement: {item['requirement']}")
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
        click.echo(text, nl=False)
        return
    if file.exists() and not force:
        raise UsageError(f"{file} exists; pass --force to overwrite it")
    from audit.fileio import write_atomic

    write_atomic(file, text)
    click.echo(f"wrote {file}")


@cli.command()
@click.option("--port", type=int, default=8080, show_default=True)
@click.option(
    "--scenario", default="ready", show_default=True, help="Bundled scenario (ready, not-ready)."
)
@click.option("--devices", type=int, default=None, help="Generate a tenant with N devices instead.")
@click.option("--latency-ms", type=float, default=0.0, show_default=True)
@click.option("--faults", default=None, help="Fault spec, e.g. '429:0.1,503@5'.")
def simulate(
    port: int, scenario: str, devices: int | None, latency_ms: float, faults: str | None
) -> None:
    """Serve a simulated UEM tenant on loopback until interrupted."""
    from audit.simulator import generate_tenant, load_scenario, scenario_names, serve

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
    serve(tenant, port=port, latency_ms=latency_ms, faults=plan)


def _add_commands() -> None:
    from audit import commands

    cli.add_command(commands.verify)
    cli.add_command(commands.fleet)


_add_commands()


def _print_traceback() -> None:
    sys.stderr.write(scrub(traceback.format_exc()))


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point: maps errors to exit codes and one-line messages."""
    args = list(sys.argv[1:] if argv is None else argv)
    STATE.debug = "--debug" in args
    code = EXIT_READY
    try:
        cli.main(args=args, prog_name=TOOL_NAME, standalone_mode=False)
    except click.exceptions.Exit as exc:
        code = exc.exit_code
    except click.exceptions.Abort:
        _err("aborted")
        code = EXIT_USAGE
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
    except KeyboardInterrupt:
        _err("interrupted")
        code = EXIT_COLLECTION
    except Exception as exc:
        if STATE.debug:
            _print_traceback()
        _err(f"internal error: {type(exc).__name__}: {exc} (re-run with --debug for the traceback)")
        code = 70
    sys.exit(code)
