"""Benchmark: a fleet of simulated tenants on one machine, PDFs in processes or in a thread.

Not part of the test run. Usage, from the repository root::

    .venv/bin/python tests/bench/fleet_bench.py --tenants 50 --devices 200 --latency-ms 20

One simulator process serves a generated tenant; ``--tenants`` configs (distinct names)
point at it, so the fleet run collects that many tenants concurrently over loopback (at
most 16 at a time, each with its own client), evaluates them, and renders report.pdf,
handover.pdf, report.html, results.json and summary.md for each. Each mode runs in a fresh
process:

- ``pool``: the PDFs render in a process pool, one process per core (the default);
- ``thread``: ``render_processes=0``, every render in the one worker thread (as before).

Each prints one JSON line: ``mode``, ``tenants``, ``render_processes``, ``wall_s`` (the whole
fleet run, summary included), ``per_tenant_s``, ``requests_made`` (the simulator's log),
``exit_code``, ``peak_rss_mb`` (the fleet process) and ``peak_rss_mb_children`` (the largest
pool process), ``pdf_bytes``; the ``thread`` line adds ``pool_speedup``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench import ROOT, Simulator, _log
from minimum import EMAIL_DOMAIN, GROUP_ID, TAGS

FORMATS = ["json", "pdf", "html", "handover", "md"]


def _write_configs(folder: Path, url: str, creds: dict[str, str], tenants: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(tenants):
        path = folder / f"tenant-{i:03d}.toml"
        path.write_text(
            f"""[tenant]
name = "Bench tenant {i:03d}"
api_url = "{url}"
username = "{creds["username"]}"
password_env = "BENCH_PASSWORD"
tenant_code_env = "BENCH_TENANT_CODE"

[dropship]
organization_group = "{GROUP_ID}"
tags = {json.dumps(list(TAGS))}
email_domain = "{EMAIL_DOMAIN}"
autodiscovery_url = "{url}"
upn = "dropship@contoso.com"
username = "dropship-contoso"

[report]
formats = {json.dumps(FORMATS)}
""",
            encoding="utf-8",
        )
        paths.append(path)
    return paths


def _fleet_main(paths: list[str], out: str, processes: int | None) -> dict[str, Any]:
    from audit.fleet import FleetOptions, run_fleet

    t0 = time.perf_counter()
    options = FleetOptions(
        out=Path(out), formats=lambda c: list(c.report["formats"]), render_processes=processes
    )
    result = run_fleet([Path(p) for p in paths], options)
    wall = time.perf_counter() - t0
    pdfs = [p for r in result.tenants for p in r.written if p.suffix == ".pdf"]
    return {
        "wall_s": round(wall, 2),
        "exit_code": result.exit_code,
        "failed": [r.problem for r in result.tenants if r.problem],
        "pdf_files": len(pdfs),
        "pdf_bytes": sum(p.stat().st_size for p in pdfs),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peak_rss_mb_children": round(
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, 1
        ),
    }


def _child(queue: Any, paths: list[str], out: str, processes: int | None) -> None:
    queue.put(_fleet_main(paths, out, processes))


def _in_child(paths: list[str], out: str, processes: int | None) -> dict[str, Any]:
    """Run the fleet in a fresh (non-daemonic: it starts the pool) process."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(queue, paths, out, processes))
    proc.start()
    got: dict[str, Any] = queue.get()
    proc.join()
    return got


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--latency-ms", type=float, default=20.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--modes", default="pool,thread", help="pool, thread, or both")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="ws1-fleet-bench-"))
    sim = Simulator(
        {
            "devices": args.devices,
            "windows_share": 0.25,
            "seed": args.seed,
            "latency_ms": args.latency_ms,
        }
    )
    env = {
        "BENCH_PASSWORD": sim.credentials["password"],
        "BENCH_TENANT_CODE": sim.credentials["tenant_code"],
    }
    os.environ.update(env)
    paths = [str(p) for p in _write_configs(work / "cfg", sim.url, sim.credentials, args.tenants)]
    lines: dict[str, dict[str, Any]] = {}
    try:
        for mode in args.modes.split(","):
            sim.call("reset")
            processes = None if mode == "pool" else 0
            _log(f"{mode}: {args.tenants} tenants ...")
            got = _in_child(paths, str(work / mode), processes)
            counts = sim.call("count")
            cores = len(os.sched_getaffinity(0))
            line = {
                "mode": mode,
                "tenants": args.tenants,
                "devices": args.devices,
                "latency_ms": args.latency_ms,
                "render_processes": min(cores, args.tenants) if processes is None else 0,
                **got,
                "per_tenant_s": round(got["wall_s"] / args.tenants, 2),
                "requests_made": counts["total"],
                "status_counts": counts["by_status"],
            }
            lines[mode] = line
            if mode == "thread" and "pool" in lines:
                line["pool_speedup"] = round(got["wall_s"] / lines["pool"]["wall_s"], 2)
            print(json.dumps(line), flush=True)
    finally:
        sim.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("WS1_AUDIT_NO_ENTRYPOINTS", "1")
    os.chdir(ROOT)
    raise SystemExit(main())
