"""Many tenants in one run: ``ws1-audit run --config a.toml --config b.toml`` (or ``--config DIR``).

Each tenant is audited on its own by the pipeline's stages
(:func:`audit.pipeline.collect_async`, then :func:`audit.pipeline.finish_tenant`), sharing
nothing but the process: its own config, UEM client (connections, auth, AIMD limiter,
request budget), baseline, history folder and output folder ``OUT/<tenant-slug>/`` (the
same files a single-tenant run writes into ``OUT``). Collection runs concurrently on one asyncio loop (at most
:data:`TENANTS_AT_ONCE` tenants at a time); evaluation and the light renderers run one
tenant at a time in a worker thread, and the PDFs (report.pdf, handover.pdf: WeasyPrint,
CPU-bound) render in a pool of processes, one per core (:data:`audit.render_pool.POOL_FORMATS`,
``FleetOptions.render_processes``), so that several tenants' PDFs render at once while the
others are still being collected. Signing happens in the thread, after the PDFs.

A tenant that cannot be audited (bad config, unknown waiver check, bad credentials,
unreachable, a broken baseline) gets ``OUT/<slug>/error.txt`` and a row in the fleet
summary (``OUT/fleet.html``, ``fleet.pdf``, ``fleet.csv``, see :mod:`reports.fleet`) and
never stops the others. The fleet's exit code is the worst tenant's, ranked by number:
70 (internal error) > 4 (collection failed) > 3 (configuration) > 2 (a check errored) >
1 (not ready) > 0 (ready).

The slug is the tenant's ``[tenant] name`` made filename-safe (the config file's name when
the name is missing or has no ASCII letters or digits); duplicates get ``-2``, ``-3``, ...
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import re
import tomllib
import unicodedata
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from audit import TOOL_NAME, __version__, pipeline, render_pool, signing
from audit.config import MAX_CONFIG_BYTES, Config, Waiver, load_config
from audit.errors import AuditError, InputFileError, UsageError
from audit.fileio import read_regular, write_atomic
from audit.outset import OutputSet
from audit.redact import scrub
from audit.results_blocks import RunInfo
from audit.selection import CheckSelection
from audit.snapshot import Snapshot
from audit.validation import transport_warnings, validate_config_against
from audit.vocabulary import EXIT_INTERNAL, EXIT_READY, exit_meaning, utc_now

#: Tenants collected at the same time (each with its own ``[collect] concurrency``).
TENANTS_AT_ONCE = 16
ERROR_NOTE = "error.txt"


def worst_exit_code(codes: Sequence[int]) -> int:
    """The fleet's exit code: the highest tenant code (70 > 4 > 3 > 2 > 1 > 0)."""
    return max(codes, default=EXIT_READY)


def slugify(text: str) -> str:
    """``Contoso (EU) Ltd.`` -> ``contoso-eu-ltd``; empty when nothing ASCII is left."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")


def tenant_name_hint(path: Path) -> str:
    """``[tenant] name`` read leniently from a config (for naming a tenant whose config fails)."""
    try:
        data = tomllib.loads(read_regular(path, MAX_CONFIG_BYTES).decode("utf-8"))
    except (InputFileError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return ""
    tenant = data.get("tenant")
    name = tenant.get("name") if isinstance(tenant, dict) else None
    return name if isinstance(name, str) else ""


def discover_configs(paths: Sequence[Path]) -> list[Path]:
    """The config files named by ``--config``: files as given, folders as their ``*.toml``
    (sorted, not recursive); the same file twice counts once."""
    found: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            members = sorted(p for p in path.glob("*.toml") if p.is_file())
            if not members:
                raise UsageError(f"--config {path}: the folder holds no *.toml config")
        else:
            members = [path]
        for member in members:
            key = member.resolve()
            if key not in seen:
                seen.add(key)
                found.append(member)
    return found


@dataclass
class TenantRun:
    """One tenant of a fleet: where it comes from, where it goes, and how it ended."""

    config_path: Path
    slug: str
    name: str
    out_dir: Path
    config: Config | None = None
    baseline: dict[str, Any] | None = None
    baseline_path: str = ""
    results: dict[str, Any] | None = None
    exit_code: int = EXIT_READY
    problem: str | None = None
    written: list[Path] = field(default_factory=list)

    def fail(self, code: int, message: str) -> None:
        self.exit_code, self.problem = code, scrub(message)


@dataclass
class FleetOptions:
    """What the command line says for every tenant of the fleet."""

    out: Path
    formats: Callable[[Config], list[str]]
    #: Formats of the fleet summary: fleet.json, .csv, .html and .pdf for json, csv, html, pdf.
    summary_formats: Sequence[str] = ("json", "csv", "html", "pdf")
    fail_on: str | None = None
    baseline: Path | None = None
    history: Path | None = None
    command: list[str] = field(default_factory=list)
    note: Callable[[str], None] = lambda _text: None
    warn: Callable[[str], None] = lambda _text: None
    #: ``--checks``/``--exclude-checks``/``--severity``, and the ``--waivers`` file's waivers
    #: (every tenant's, besides its config's own).
    selection: CheckSelection | None = None
    waivers: list[Waiver] = field(default_factory=list)
    waivers_files: list[str] = field(default_factory=list)
    #: Processes rendering PDFs: None is one per core; 0 renders them in the worker thread.
    render_processes: int | None = None
    #: Makes each tenant's HTTP transport from its config (e.g. ``httpx.MockTransport`` or a
    #: recording wrapper); None is the network. Each client closes the transport it is given.
    transport: Callable[[Config], httpx.AsyncBaseTransport] | None = None


@dataclass
class FleetResult:
    tenants: list[TenantRun]
    summary: dict[str, Any]
    written: list[Path]
    exit_code: int


def _prepare(paths: Sequence[Path], options: FleetOptions) -> list[TenantRun]:
    from audit.plugins import get_registry

    runs: list[TenantRun] = []
    used: set[str] = set()
    for path in paths:
        hint = tenant_name_hint(path)
        base = slugify(hint) or slugify(path.stem) or "tenant"
        slug, n = base, 2
        while slug in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        run = TenantRun(path, slug, hint or path.stem, options.out / slug)
        runs.append(run)
        try:
            run.config = load_config(path)
            run.name = run.config.tenant.name
            validate_config_against(get_registry(), run.config)
            explicit = None
            if options.baseline is not None:
                candidate = options.baseline / slug / "results.json"
                explicit = candidate if candidate.is_file() else None
            run.baseline, run.baseline_path = pipeline.resolve_baseline(
                explicit, options.history / slug if options.history else None
            )
        except AuditError as exc:
            run.fail(exc.exit_code, str(exc))
    return runs


async def _collect_one(
    run: TenantRun, config: Config, options: FleetOptions, gate: asyncio.Semaphore
) -> Snapshot:
    """Collect one tenant when the gate lets it (at most :data:`TENANTS_AT_ONCE` at a time)."""
    async with gate:
        options.note(f"{run.slug}: collecting from {config.tenant.api_url} ...")
        for warning in transport_warnings(config):
            options.warn(f"warning: {run.slug}: {warning}")
        return await pipeline.collect_async(
            config,
            transport=options.transport(config) if options.transport else None,
            mode="live",
            warn=lambda line: options.warn(f"{run.slug}: {line}"),
        )


async def _audit_one(
    run: TenantRun,
    options: FleetOptions,
    gate: asyncio.Semaphore,
    worker: concurrent.futures.Executor,
    pool: concurrent.futures.Executor | None,
) -> None:
    config = run.config
    assert config is not None
    info = RunInfo(
        mode="live",
        command=list(options.command),
        selection=options.selection,
        waivers=list(options.waivers),
        waivers_files=list(options.waivers_files),
    )
    formats = options.formats(config)
    later = [f for f in formats if f in render_pool.POOL_FORMATS] if pool is not None else []
    finish = functools.partial(
        pipeline.finish_tenant,
        config=config,
        formats=[f for f in formats if f not in later],
        info=info,
        fail_on=options.fail_on,
        baseline=run.baseline,
        baseline_path=run.baseline_path,
        history=options.history / run.slug if options.history else None,
    )
    try:
        with OutputSet(run.out_dir, info.run_id) as outset:  # preflight, lock: before requests
            snapshot = await _collect_one(run, config, options, gate)
            loop = asyncio.get_running_loop()
            results, written = await loop.run_in_executor(
                worker, functools.partial(finish, snapshot, out=outset.staging)
            )
            if later:  # the PDFs: CPU-bound, in the process pool; signed before the set is placed
                assert pool is not None
                pdfs = await loop.run_in_executor(
                    pool, render_pool.render_in_process, results, outset.staging, later
                )
                written += pdfs + await loop.run_in_executor(
                    worker, signing.sign_outputs, config.signing, outset.staging, pdfs
                )
            run.written = outset.commit(written)
        run.results, run.exit_code = results, pipeline.exit_code_for(results)
        options.note(f"{run.slug}: done (exit {run.exit_code})")
    except AuditError as exc:
        run.fail(exc.exit_code, str(exc))
        options.note(f"{run.slug}: failed (exit {run.exit_code})")
    except Exception as exc:  # a bug in one tenant's run must not stop the others
        run.fail(EXIT_INTERNAL, f"internal error: {type(exc).__name__}: {exc}")
        options.note(f"{run.slug}: failed (internal error)")


async def _audit_all(runs: Sequence[TenantRun], options: FleetOptions) -> None:
    gate = asyncio.Semaphore(TENANTS_AT_ONCE)
    todo = [r for r in runs if r.problem is None]
    with contextlib.ExitStack() as stack:
        worker = stack.enter_context(
            concurrent.futures.ThreadPoolExecutor(
                max_workers=1, thread_name_prefix="ws1-audit-render"
            )
        )
        pool = render_pool.render_pool(stack, options.render_processes, len(todo))
        await asyncio.gather(*(_audit_one(r, options, gate, worker, pool) for r in todo))


def _write_error_note(run: TenantRun) -> Path:
    stamp = utc_now()
    text = (
        f"{TOOL_NAME} could not audit this tenant.\n"
        f"tenant: {run.name}\n"
        f"config: {run.config_path}\n"
        f"exit code: {run.exit_code} ({exit_meaning(run.exit_code)})\n"
        f"error: {run.problem}\n"
        f"time: {stamp}\n"
        "Other files in this folder, if any, are from an earlier run.\n"
    )
    return write_atomic(run.out_dir / ERROR_NOTE, scrub(text))


def record_outcome(run: TenantRun) -> Path | None:
    """Leave ``error.txt`` in the tenant's output folder when it could not be audited (the
    previous reports, if any, stay beside it); remove a stale one when it was. ``ws1-audit
    fleet`` reads it, so a tenant whose own job failed still has its row."""
    if run.problem is not None:
        return _write_error_note(run)
    (run.out_dir / ERROR_NOTE).unlink(missing_ok=True)
    return None


def _tenant_entry(run: TenantRun) -> dict[str, Any]:
    """One tenant's row of the fleet summary: who, how it ended, and each check's status."""
    entry: dict[str, Any] = {
        "slug": run.slug,
        "name": run.name,
        "config": str(run.config_path),
        "api_host": (urlsplit(run.config.tenant.api_url).hostname or "") if run.config else "",
        "exit_code": run.exit_code,
        "problem": run.problem,
    }
    results = run.results
    if results is None:
        entry.update(verdict="failed", checks={}, changes=None)
        return entry
    summary = results["summary"]
    baseline = results.get("baseline")
    entry.update(
        verdict="ready" if summary["ready"] else "not-ready",
        api_host=results["tenant"].get("api_host") or entry["api_host"],
        fail_on=summary["fail_on"],
        score=summary["score"],
        counts=summary["counts"],
        waived=summary.get("waived") or [],
        blocking=summary.get("blocking") or [],
        changes=(baseline or {}).get("changes") if baseline else None,
        checks={
            c["id"]: {
                "status": c["status"],
                "waived": bool((c.get("waiver") or {}).get("active")),
                "blocking": bool(c.get("blocking")),
                "change": c.get("change"),
            }
            for c in results["checks"]
        },
    )
    return entry


def fleet_summary(runs: Sequence[TenantRun], options: FleetOptions) -> dict[str, Any]:
    """The plain data :func:`reports.fleet.render_fleet` renders."""
    from audit.plugins import get_registry

    catalogue: dict[str, dict[str, Any]] = {
        c.id: {"id": c.id, "title": c.meta.title, "severity": c.meta.severity}
        for c in get_registry().checks.values()
    }
    for run in runs:  # plugin checks a tenant ran that this process does not know
        for check in (run.results or {}).get("checks") or []:
            catalogue.setdefault(
                check["id"],
                {"id": check["id"], "title": check["title"], "severity": check["severity"]},
            )
    return {
        "generated_at": utc_now(),
        "tool_version": __version__,
        "fail_on": options.fail_on or "",
        "exit_code": worst_exit_code([r.exit_code for r in runs]),
        "tenants": [_tenant_entry(run) for run in runs],
        "checks": list(catalogue.values()),
    }


def run_fleet(paths: Sequence[Path], options: FleetOptions) -> FleetResult:
    """Audit every tenant of ``paths`` (config files or folders of them) and write the
    fleet summary into ``options.out``."""
    if options.baseline is not None and not options.baseline.is_dir():
        raise UsageError(
            "--baseline: with several configs, name the output folder of an earlier fleet run "
            "(its <tenant-slug>/results.json are the baselines), or use --history DIR"
        )
    configs = discover_configs(paths)
    runs = _prepare(configs, options)
    from audit import notify
    from reports.fleet import render_fleet

    with OutputSet(options.out, str(uuid.uuid4())) as outset:  # the fleet summary's set
        asyncio.run(_audit_all(runs, options))
        for run in runs:
            note = record_outcome(run)
            if note is not None:
                run.written.append(note)
        summary = fleet_summary(runs, options)
        written = outset.commit(
            render_fleet(summary, outset.staging, options.summary_formats, links_from=options.out)
        )
    notify.after_fleet(runs, options.warn)  # each tenant's own [notify]
    return FleetResult(runs, summary, written, summary["exit_code"])
