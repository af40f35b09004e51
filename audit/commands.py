"""The commands that work on files already written, and the helpers (added to the
``ws1-audit`` group by :mod:`audit.cli`).

- ``evaluate``: a snapshot turned into results.json (and reports), offline.
- ``render``, ``diff``, ``history``: results.json files rendered, compared, trended offline.
- ``ws1-audit verify FILE... [--trust CA.pem]``: one line per file; exit 0 only when every
  file is intact, signed by a trusted certificate and, for a report, attaches the results
  it shows; 1 otherwise; 3 on a usage error (an unreadable ``--trust`` file).
- ``ws1-audit fleet DIR... [--out DIR]``: the fleet summary (fleet.html, fleet.pdf,
  fleet.csv) of tenant output folders written anywhere (each tenant audited as its own job);
  exits with the worst tenant's code.
- ``checks`` (the catalogue), ``init`` (a config template), ``simulate`` (a simulated tenant).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import click

from audit.cli_options import (
    Choice,
    choice_options,
    fail_on_option,
    format_option,
    out_option,
    parse_formats,
    redacted_argv,
)
from audit.config import load_config
from audit.config_keys import FORMATS
from audit.console import echo, echo_json, err
from audit.errors import UsageError
from audit.outset import OutputSet
from audit.results_blocks import RunInfo
from audit.signals import Interrupted


@click.command()
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
@out_option(Path("ws1-audit-report"))
@format_option
@click.option(
    "--baseline",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="An earlier results.json to compare with (each check gets its change).",
)
@fail_on_option
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
    from audit.terminal import print_table

    choice = Choice(checks, exclude_checks, severity, waivers_path)
    config = load_config(config_path, need_secrets=False) if config_path else None
    snapshot = load_snapshot(snapshot_path)
    baseline_data = load_results(baseline) if baseline else None
    info = RunInfo(mode="snapshot", command=redacted_argv(sys.argv))
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
    chosen = parse_formats(fmt, config) if fmt is not None or config else []
    formats = [f for f in chosen if f != "json"]
    inputs = [snapshot_path, *([baseline] if baseline else [])]
    with OutputSet(out, info.run_id, inputs=inputs) as outset:
        written = [pipeline.save_results(results, outset.staging)]
        written += pipeline.render(results, outset.staging, formats)
        if config is not None:
            from audit.signing import sign_outputs

            written += sign_outputs(config.signing, outset.staging, written)
        written = outset.commit(written)
    print_table(results, written, warn=err)
    sys.exit(pipeline.exit_code_for(results))


@click.command()
@click.argument("results_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "fmt",
    default=None,
    help=f"Comma-separated formats, any case: {','.join(FORMATS)} (default: every format).",
)
@out_option(Path("."))
def render(results_path: Path, fmt: str | None, out: Path) -> None:
    """Render a results.json into any formats, offline (every format by default, like run)."""
    from audit import pipeline
    from audit.results import load_results

    results = load_results(results_path)
    formats = parse_formats(fmt, None)
    with OutputSet(out, str(results["run"]["id"]), inputs=[results_path]) as outset:
        written = outset.commit(pipeline.render(results, outset.staging, formats))
    for path in written:
        echo(f"wrote {path}")


@click.command()
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
    from audit.terminal_changes import diff_lines, diff_rows

    old, new = load_results(old_path), load_results(new_path)
    apply_baseline(new, old, str(old_path))
    block = new["baseline"]
    regressed = bool(block["changes"]["regressed"])
    order_warning = run_order_warning(old, new)
    for warning in [*([order_warning] if order_warning else []), *(block.get("warnings") or [])]:
        err(f"warning: {warning}")
    if as_json:
        echo_json({**block, "checks": diff_rows(old, new)})
    else:
        for line in diff_lines(old, new):
            echo(line)
    sys.exit(1 if regressed else 0)


@click.command()
@click.argument("history_dir", type=click.Path(file_okay=False, path_type=Path))
@out_option(None, "Where to write trend.html and trend.csv (default: the history folder).")
def history(history_dir: Path, out: Path | None) -> None:
    """Render the trend of a --history folder: trend.html (inline SVG chart) and trend.csv.

    HISTORY_DIR holds results-<UTC time>-<run id>.json files (or, for a fleet, one folder of
    them per tenant).
    """
    from audit.history import trend
    from audit.terminal_changes import history_lines
    from reports.trend import render_trend

    found = trend(history_dir)
    for problem in found.problems:
        err(f"warning: left out {problem}")
    for line in history_lines(found):
        echo(line)
    for path in render_trend(found.frame, out or history_dir, found.problems):
        echo(f"wrote {path}")


@click.command()
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
        echo_json(catalogue)
        return
    for item in catalogue:
        echo(f"{item['id']}  [{item['severity']}]  {item['title']}")
        echo(f"    requirement: {item['requirement']}")
        if item.get("attestation_names"):
            echo(f"    attestation: {', '.join(item['attestation_names'])}")
    for problem in registry.problems:
        err(f"plugin problem: {problem.message}")


@click.command()
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
    echo(f"wrote {file}")


@click.command()
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


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--trust",
    "trust",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A PEM or DER file of trusted CA certificates (repeatable); default: the system's.",
)
def verify(files: tuple[Path, ...], trust: tuple[Path, ...]) -> None:
    """Check the signatures of reports and results.json, and that a report attaches the
    results it shows. Exit 0 only when every file holds."""
    from audit.redact import printable
    from audit.verify import verify_files

    outcomes = verify_files(list(files), list(trust))
    for outcome in outcomes:
        # certificate names come from the file: control characters are shown, never run
        click.echo(printable(outcome.line()))
    sys.exit(0 if all(o.ok for o in outcomes) else 1)


@click.command()
@click.argument("dirs", nargs=-1, required=True, type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("ws1-audit-fleet"),
    show_default=True,
    help="Where to write fleet.html, fleet.pdf and fleet.csv.",
)
def fleet(dirs: tuple[Path, ...], out: Path) -> None:
    """Summarise tenants audited anywhere: each DIR is a tenant's output folder (results.json,
    or error.txt when its run failed) or a folder of them. Exit with the worst tenant's code."""
    from audit.fleet_jobs import summarise_dirs
    from audit.terminal import print_fleet

    result = summarise_dirs(list(dirs), out)
    print_fleet(result)
    sys.exit(result.exit_code)
