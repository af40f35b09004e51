"""Fleets that scale out: tenants audited as separate jobs, and PDFs rendered in processes.

An audit of one tenant is independent of every other, so a service provider can run each
tenant as its own job of the scheduler it already has (a Kubernetes indexed Job, a CI
matrix), each writing ``<shared storage>/<tenant>/`` with ``ws1-audit run``, then build the
summary with ``ws1-audit fleet DIR... --out OUT`` (:func:`summarise_dirs`):

- a ``DIR`` holding ``results.json`` or ``error.txt`` is one tenant; otherwise each of its
  sub-folders that holds one is (one level down, sorted by name);
- a folder with ``error.txt`` is a tenant whose last run failed (``ws1-audit run
  --record-failure`` leaves it, with the exit code and the reason, and a run that succeeds
  removes it): its row says why, and its exit code counts;
- a ``results.json`` that cannot be read or fails its integrity check is a row with exit 3;
- the exit code is the worst tenant's, ranked as in a fleet run (70 > 4 > 3 > 2 > 1 > 0);
- ``fleet.html`` links each tenant's report by its path relative to ``OUT``.

On one machine, ``ws1-audit run --config DIR`` renders the PDFs of its tenants in a pool of
processes (:mod:`audit.render_pool`) while collection stays on one event loop.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from audit import notify
from audit.config import Config
from audit.errors import AuditError, UsageError
from audit.fleet import FleetOptions, FleetResult, TenantRun, fleet_summary, record_outcome, slugify
from audit.outset import OutputSet
from audit.pipeline import exit_code_for
from audit.results import load_results
from audit.vocabulary import EXIT_INTERNAL, EXIT_USAGE
from reports.fleet import render_fleet

RESULTS, ERROR_NOTE = "results.json", "error.txt"


def after_single_run(
    config: Config,
    path: Path,
    out: Path,
    results: dict[str, Any] | None,
    exc: Exception | None,
    *,
    warn: Callable[[str], None],
    note: bool = False,
) -> None:
    """What follows a single-tenant ``run``, the one place its outcome and exit code are
    known: ``error.txt`` for ``ws1-audit fleet`` (left on a failure when ``note``, that is
    ``--record-failure``: by default a failed run writes nothing; a stale one is removed when
    a run succeeds), then the ``[notify]`` alert. ``exc`` is what stopped the run (None when
    it produced ``results``)."""

    run = TenantRun(path, "", config.tenant.name, out, config=config, results=results)
    if isinstance(exc, AuditError):
        run.fail(exc.exit_code, str(exc))
    elif exc is not None:
        run.fail(EXIT_INTERNAL, f"internal error: {type(exc).__name__}: {exc}")
    elif results is not None:
        run.exit_code = exit_code_for(results)
    if note or run.problem is None:
        record_outcome(run)
    notify.after_run(
        config,
        results=results,
        exit_code=run.exit_code,
        problem=run.problem,
        out_dir=out,
        warn=warn,
    )


def _holds_a_tenant(folder: Path) -> bool:
    return (folder / RESULTS).is_file() or (folder / ERROR_NOTE).is_file()


def tenant_folders(dirs: Sequence[Path]) -> list[Path]:
    """The tenant output folders named by ``dirs`` (each once, in the order given)."""
    found: list[Path] = []
    for folder in dirs:
        if not folder.is_dir():
            raise UsageError(f"{folder}: not a folder")
        if _holds_a_tenant(folder):
            members = [folder]
        else:
            members = sorted(p for p in folder.iterdir() if p.is_dir() and _holds_a_tenant(p))
        if not members:
            raise UsageError(
                f"{folder}: holds no {RESULTS} or {ERROR_NOTE}, and no folder that does"
            )
        found += [m for m in members if m.resolve() not in {f.resolve() for f in found}]
    return found


def read_error_note(path: Path) -> tuple[str, int, str]:
    """``(tenant name, exit code, reason)`` from an ``error.txt`` a failed run left."""
    fields: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        key, sep, value = line.partition(": ")
        if sep and key in ("tenant", "exit code", "error"):
            fields.setdefault(key, value.strip())
    try:
        code = int(fields.get("exit code", "").split()[0])
    except (IndexError, ValueError):
        code = EXIT_USAGE
    return fields.get("tenant", ""), code, fields.get("error") or f"see {path}"


def _tenant(folder: Path, slug: str) -> TenantRun:

    run = TenantRun(folder, slug, folder.name, folder)
    note = folder / ERROR_NOTE
    if note.is_file():
        name, code, reason = read_error_note(note)
        run.name = name or run.name
        run.fail(code, reason)
        return run
    try:
        results = load_results(folder / RESULTS)
    except AuditError as exc:
        run.fail(exc.exit_code, str(exc))
        return run
    run.results, run.exit_code = results, exit_code_for(results)
    run.name = str(results["tenant"].get("name") or run.name)
    return run


def summarise_dirs(dirs: Sequence[Path], out: Path) -> FleetResult:
    """The fleet summary of the tenant folders in ``dirs``, written into ``out``."""

    runs = []
    used: set[str] = set()
    for folder in tenant_folders(dirs):
        base = slugify(folder.name) or "tenant"
        slug, n = base, 2
        while slug in used:
            slug, n = f"{base}-{n}", n + 1
        used.add(slug)
        runs.append(_tenant(folder, slug))
    summary = fleet_summary(runs, FleetOptions(out=out, formats=lambda _c: []))
    for entry, run in zip(summary["tenants"], runs, strict=True):  # fleet.html's links
        entry["folder"] = Path(os.path.relpath(run.out_dir, out)).as_posix()
    summary["fail_on"] = ", ".join(
        sorted({str(r.results["summary"]["fail_on"]) for r in runs if r.results})
    )

    with OutputSet(out, str(uuid.uuid4())) as outset:  # one set, locked, put in place at once
        written = outset.commit(render_fleet(summary, outset.staging, links_from=out))
    return FleetResult(runs, summary, written, summary["exit_code"])
