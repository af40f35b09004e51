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
from audit.config import FORMATS, SEVERITIES, Config, load_config
from audit.redact import scrub
from audit.errors import EXIT_COLLECTION, EXIT_READY, EXIT_USAGE, AuditError, UsageError
from audit.snapshot import Snapshot

SECRET_HINTS = ("password", "secret", "token", "key", "code")


class _State:
    debug = False
    quiet = False


STATE = _State()


def _err(message: str) -> None:
    click.echo(f"{TOOL_NAME}: {scrub(message)}", err=True)


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
        return list(config.report["formats"]) if config else list(FORMATS)
    chosen = [f.strip() for f in value.split(",") if f.strip()]
    bad = [f for f in chosen if f not in FORMATS]
    if bad:
        raise UsageError(f"--format: unknown format {bad[0]!r} (known: {', '.join(FORMATS)})")
    return chosen


def _print_table(results: dict[str, Any], paths: Sequence[Path]) -> None:
    summary = results["summary"]
    verdict = "READY" if summary["ready"] else "NOT READY"
    click.echo(f"{results['tenant']['name']}: {verdict} (fail-on {summary['fail_on']}, score {summary['score']})")
    width = max((len(c["id"]) for c in results["checks"]), default=10)
    for check in results["checks"]:
        flag = " [waived]" if (check.get("waiver") or {}).get("active") else ""
        block = " *" if check.get("blocking") else ""
        click.echo(f"  {check['status'].upper():7} {check['severity']:8} {check['id']:{width}}{block}{flag}")
    counts = ", ".join(f"{k} {v}" for k, v in summary["counts"].items() if v)
    click.echo(f"  ({counts}; * blocks readiness)")
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
) -> tuple[dict[str, Any], list[Path]]:
    from audit import pipeline
    from audit.results import load_results
    from audit.snapshot import save_snapshot

    progress = Progress()
    baseline_data = load_results(baseline) if baseline else None
    info = pipeline.RunInfo(mode=mode, command=redacted_argv(sys.argv))
    if not config.tenant.get("verify_tls", True):
        _err("warning: TLS certificate verification is disabled (verify_tls = false)")
    progress.note(f"Collecting from {config.tenant['api_url']} ...")
    snapshot = asyncio.run(pipeline.collect_async(config, transport=transport, progress=progress, mode=mode))
    out.mkdir(parents=True, exist_ok=True)
    written = [save_snapshot(snapshot, out / "snapshot.json")]
    results = pipeline.evaluate(
        snapshot, config, info=info, fail_on=fail_on, baseline=baseline_data,
        baseline_path=str(baseline) if baseline else "",
    )
    written.append(pipeline.save_results(results, out))
    to_render = [f for f in formats if f != "json"]
    written += pipeline.render(results, out, to_render, on_start=lambda f: progress.note(f"Rendering {f} ..."))
    return results, written


_fail_on = click.option("--fail-on", type=click.Choice(SEVERITIES), default=None, help="Lowest severity that blocks readiness (default: the config's, else medium).")
_out = click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("ws1-audit-report"), show_default=True, help="Output folder.")
_fmt = click.option("--format", "fmt", default=None, help=f"Comma-separated formats: {','.join(FORMATS)}.")


@cli.command()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("ws1-audit-demo"), show_default=True)
@click.option("--scenario", type=click.Choice(["not-ready", "ready"]), default="not-ready", show_default=True)
@_fmt
def demo(out: Path, scenario: str, fmt: str | None) -> None:
    """Audit the bundled simulated tenant over real HTTP on loopback (no configuration needed)."""
    from audit.demo import demo_config
    from audit.simulator import SimulatorServer, load_scenario

    tenant = load_scenario(scenario)
    with SimulatorServer(tenant) as server:
        config, _env = demo_config(tenant, api_url=server.url, scenario=scenario, out_dir=out.resolve())
        results, written = _run_pipeline(config, out=out, formats=_formats(fmt, None), mode="demo", fail_on=None, baseline=None)
    _print_table(results, written)
    click.echo(f"Demo finished: the simulated tenant is {'ready' if results['summary']['ready'] else 'not ready'}; open {out / 'report.html'}")


@cli.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@_out
@_fmt
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None, help="An earlier results.json to compare with.")
@_fail_on
def run(config_path: Path, out: Path, fmt: str | None, baseline: Path | None, fail_on: str | None) -> None:
    """Collect, evaluate and render in one go."""
    config = load_config(config_path)
    results, written = _run_pipeline(config, out=out, formats=_formats(fmt, config), mode="live", fail_on=fail_on, baseline=baseline)
    _print_table(results, written)
    from audit.pipeline import exit_code_for

    sys.exit(exit_code_for(results))


@cli.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--snapshot", "snapshot_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
def collect(config_path: Path, snapshot_path: Path) -> None:
    """Collect the tenant into a snapshot file (no evaluation)."""
    from audit import pipeline
    from audit.snapshot import save_snapshot

    config = load_config(config_path)
    snapshot = asyncio.run(pipeline.collect_async(config, progress=Progress()))
    save_snapshot(snapshot, snapshot_path)
    click.echo(f"wrote {snapshot_path} ({snapshot.request_count} requests, {len(snapshot.gaps)} gaps, sha256 {snapshot.sha256})")


@cli.command()
@click.option("--snapshot", "snapshot_path", required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None)
@_out
@_fmt
@click.option("--baseline", type=click.Path(dir_okay=False, path_type=Path), default=None)
@_fail_on
def evaluate(snapshot_path: Path, config_path: Path | None, out: Path, fmt: str | None, baseline: Path | None, fail_on: str | None) -> None:
    """Evaluate a saved snapshot offline and write results.json (and reports)."""
    from audit import pipeline
    from audit.results import load_results
    from audit.snapshot import load_snapshot

    config = load_config(config_path, need_secrets=False) if config_path else None
    snapshot: Snapshot = load_snapshot(snapshot_path)
    baseline_data = load_results(baseline) if baseline else None
    info = pipeline.RunInfo(mode="snapshot", command=redacted_argv(sys.argv))
    results = pipeline.evaluate(snapshot, config, info=info, fail_on=fail_on, baseline=baseline_data, baseline_path=str(baseline or ""))
    written = [pipeline.save_results(results, out)]
    formats = [f for f in _formats(fmt, config) if f != "json"] if fmt or config else []
    written += pipeline.render(results, out, formats)
    _print_table(results, written)
    sys.exit(pipeline.exit_code_for(results))


@cli.command()
@click.argument("results_path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", required=True, help=f"Comma-separated formats: {','.join(FORMATS)}.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=Path("."), show_default=True)
def render(results_path: Path, fmt: str, out: Path) -> None:
    """Render a results.json into any formats, offline."""
    from audit import pipeline
    from audit.results import load_results

    results = load_results(results_path)
    for path in pipeline.render(results, out, _formats(fmt, None)):
        click.echo(f"wrote {path}")


@cli.command()
@click.argument("old_path", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new_path", type=click.Path(dir_okay=False, path_type=Path))
def diff(old_path: Path, new_path: Path) -> None:
    """Compare two results.json files; exit 1 when anything regressed."""
    from audit.results import apply_baseline, load_results

    old, new = load_results(old_path), load_results(new_path)
    apply_baseline(new, old, str(old_path))
    width = max((len(c["id"]) for c in new["checks"]), default=10)
    old_status = {c["id"]: c["status"] for c in old["checks"]}
    for check in new["checks"]:
        before = old_status.get(check["id"], "-")
        click.echo(f"{check['change']:10} {check['id']:{width}} {before:>7} -> {check['status']}")
    for cid, drift in new["baseline"]["evidence_drift"].items():
        click.echo(f"evidence {cid}: +{len(drift['added'])} rows, -{len(drift['removed'])} rows")
    sys.exit(1 if new["baseline"]["changes"]["regressed"] else 0)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue as JSON.")
def checks(as_json: bool) -> None:
    """List the check catalogue with its metadata."""
    from audit.plugins import get_registry

    registry = get_registry()
    catalogue = [{**c.meta.as_dict(), "plugin": registry.check_plugins[c.id]} for c in registry.checks.values()]
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
@click.option("--scenario", default="ready", show_default=True, help="Bundled scenario (ready, not-ready).")
@click.option("--devices", type=int, default=None, help="Generate a tenant with N devices instead.")
@click.option("--latency-ms", type=float, default=0.0, show_default=True)
@click.option("--faults", default=None, help="Fault spec, e.g. '429:0.1,503@5'.")
def simulate(port: int, scenario: str, devices: int | None, latency_ms: float, faults: str | None) -> None:
    """Serve a simulated UEM tenant on loopback until interrupted."""
    from audit.simulator import generate_tenant, load_scenario, scenario_names, serve

    if devices is None and scenario not in scenario_names():
        raise UsageError(f"--scenario: unknown scenario {scenario!r} (known: {', '.join(scenario_names())})")
    tenant = generate_tenant(devices) if devices is not None else load_scenario(scenario)
    serve(tenant, port=port, latency_ms=latency_ms, faults=faults)


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

