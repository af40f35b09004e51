"""Benchmark: collect, evaluate and render against a generated tenant on the simulator.

Not part of the test run (no ``test_`` prefix). Usage, from the repository root::

    .venv/bin/python tests/bench/bench.py --devices 20000 --latency-ms 50 --concurrency 8 --warm --peer
    .venv/bin/python tests/bench/bench.py --devices 20000 --latency-ms 50 --faults 429:0.1
    .venv/bin/python tests/bench/bench.py --devices 100000 --latency-ms 0 --concurrency 16
    .venv/bin/python tests/bench/bench.py --devices 20000 --both-hub-routes --quota 50000 --warm

Each run prints one JSON line on stdout (progress goes to stderr):

- ``mode``: ``cold`` (empty cache), ``warm`` (``--warm``: the same unchanged tenant again,
  with the cache the cold run filled) or ``peer`` (``--peer``: the same device list and
  inventories read by a plain sequential loop, one request at a time, the way common
  scripts and the ``pyws1uem`` client do; its ``speedup`` is its collect time over the
  cold run's). With ``--faults SPEC`` a cold run against the faulty simulator follows the
  clean one and says whether its results equal the clean run's (``results_match_clean``)
  and how many requests it made relative to it (``requests_vs_clean``).
- ``requests_made``: requests the simulator answered during the run (its own log).
- ``requests_minimum``: computed from the simulator's *tenant data* by
  :func:`minimum_requests`, never from the collector's counts: every list page (page size
  500), the Hub's app-centric device lists where the Hub is a catalogue app and one app
  search per Windows device in the Drop Ship OG's subtree that they do not cover, and the
  detail calls that can matter (criteria of each smart group managed in the subtree;
  details of each internal app and each profile assigned to a Drop Ship smart group; the
  token details that decide the tag verdict).
- ``hub_in_catalog``: the share of the in-scope Hubs the Hub's catalogue app tracks
  (``--hub-in-catalog``; 0: the Hub is not in the catalogue). ``--both-hub-routes`` runs
  the same tenant with the Hub in the catalogue (1.0) and without it (0.0), and says
  whether the results match (``results_match_other_route``: every check's status, summary
  and evidence but the "Read from" column).
- ``quota``: what results.json reports of the tenant's API quota (``--quota N``: a daily
  quota of N requests, default 250,000), ``quota_share`` the share of it the run spent.
- ``ideal_s``: the latency-bound ideal, the sum over the dependency stages of the minimum
  request set of ``ceil(requests / concurrency) * latency``; ``efficiency`` is
  ``ideal_s / wall_s.collect``.
- ``wall_s``: ``collect``, ``evaluate`` and ``render`` (report.pdf, handover.pdf and
  report.html) in seconds; ``render_pdf_s`` report.pdf alone; ``peak_rss_mb`` the peak
  resident memory of the process that ran the pipeline (each run gets its own fresh
  process; the simulator runs in another one so that neither its memory nor its CPU is
  counted).
- ``render_cpu_s``: CPU seconds (``time.process_time``, every thread of the process) of
  rendering ``report_pdf``, ``handover_pdf`` and ``report_html``, in that order, after
  WeasyPrint is imported (``import_cpu_s``): the render cost on a shared machine, where wall
  time depends on the neighbours. ``--scenario not-ready`` audits the demo's tenant (the
  bundled scenario, with the demo's config and attestations) instead of a generated one.

The request budget is set to twice the minimum (plus 100) unless ``--budget`` says.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing as mp
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT, Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from minimum import (  # noqa: E402  (tests/bench/minimum.py, shared with the tests)
    EMAIL_DOMAIN,
    GROUP_ID,
    PAGE_SIZE,
    TAGS,
    ideal_seconds,
    minimum_requests,
)


def _log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# -- the simulator, in its own process -----------------------------------------------------


def _simulator_main(conn: Any, args: dict[str, Any]) -> None:
    from audit.simulator import SimulatorServer, generate_tenant, load_scenario

    if args.get("scenario"):
        tenant = load_scenario(args["scenario"])
    else:
        tenant = generate_tenant(
            args["devices"],
            args["windows_share"],
            args["seed"],
            hub_in_catalog=args["hub_in_catalog"],
        )
    minimum = minimum_requests(tenant)
    server = SimulatorServer(
        tenant, latency_ms=args["latency_ms"], seed=args["seed"], ratelimit_limit=args["quota"]
    )
    server.start()
    conn.send({"url": server.url, "minimum": minimum, "tenant": tenant})
    try:
        while True:
            command, value = conn.recv()
            if command == "stop":
                break
            if command == "reset":
                server.reset_log()
                conn.send(None)
            elif command == "faults":
                server.faults = value
                conn.send(None)
            elif command == "count":
                log = server.log
                conn.send(
                    {
                        "total": len(log),
                        "by_endpoint": dict(Counter(e.endpoint or "?" for e in log)),
                        "by_status": dict(Counter(str(e.status) for e in log)),
                    }
                )
    finally:
        server.stop()
        conn.close()


class Simulator:
    """A handle on the simulator process (counts, faults, stop)."""

    def __init__(self, args: dict[str, Any]) -> None:
        ctx = mp.get_context("spawn")
        self._conn, child = ctx.Pipe()
        self._proc = ctx.Process(target=_simulator_main, args=(child, args), daemon=True)
        self._proc.start()
        hello = self._conn.recv()
        self.url: str = hello["url"]
        self.minimum: dict[str, Any] = hello["minimum"]
        self.tenant: dict[str, Any] = hello["tenant"]
        self.credentials: dict[str, str] = self.tenant["credentials"]

    def call(self, command: str, value: Any = None) -> Any:
        self._conn.send((command, value))
        return self._conn.recv()

    def stop(self) -> None:
        self._conn.send(("stop", None))
        self._proc.join(30)


# -- one run, in its own process ---------------------------------------------------------------


def _config(url: str, creds: Mapping[str, str], opts: Mapping[str, Any]) -> Any:
    from audit.config import parse_config

    if opts.get("scenario"):
        from audit.demo import demo_config

        config, _env = demo_config(
            opts["tenant"], api_url=url, scenario=opts["scenario"], out_dir=Path(opts["out"])
        )
        limits = replace(
            config.collect, concurrency=opts["concurrency"], request_budget=opts["budget"]
        )
        return replace(config, collect=limits)

    env = {"BENCH_PASSWORD": creds["password"], "BENCH_TENANT_CODE": creds["tenant_code"]}
    data = {
        "tenant": {
            "name": "bench",
            "api_url": url,
            "allow_insecure_http": True,  # the simulator on loopback speaks plain HTTP
            "username": creds["username"],
            "password_env": "BENCH_PASSWORD",
            "tenant_code_env": "BENCH_TENANT_CODE",
        },
        "dropship": {
            "organization_group": GROUP_ID,
            "tags": list(TAGS),
            "email_domain": EMAIL_DOMAIN,
            "autodiscovery_url": url,
            "upn": "dropship@contoso.com",
            "username": "dropship-contoso",
        },
        "collect": {
            "concurrency": opts["concurrency"],
            "request_budget": opts["budget"],
            **({"cache_dir": opts["cache_dir"]} if opts.get("cache_dir") else {}),
        },
        "report": {"formats": ["pdf", "html"]},
    }
    return parse_config(data, file="<bench>", base_dir=Path(opts["out"]), env=env)


def _peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def _checks_digest(results: Mapping[str, Any], *, routes: bool = False) -> str:
    """A digest of every check's verdict and evidence (``routes``: without the "Read from"
    column, which says which Hub route each device's version came from)."""
    checks = []
    for c in results["checks"]:
        columns = c["evidence"]["columns"]
        keep = [i for i, col in enumerate(columns) if not (routes and col == "Read from")]
        rows = [[row[i] for i in keep] for row in c["evidence"]["rows"]]
        checks.append([c["id"], c["status"], c["summary"], sorted(rows, key=str)])
    text = json.dumps(checks, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _pipeline_main(url: str, creds: dict[str, str], opts: dict[str, Any]) -> dict[str, Any]:
    from audit import pipeline
    from audit.snapshot import save_snapshot

    out = Path(opts["out"])
    config = _config(url, creds, opts)
    peaks = {"start": _peak_rss_mb()}
    t0 = time.perf_counter()
    snapshot = pipeline.collect(config)
    t1 = time.perf_counter()
    peaks["collect"] = _peak_rss_mb()
    snap_path = save_snapshot(snapshot, out / "snapshot.json")
    t2 = time.perf_counter()
    peaks["save_snapshot"] = _peak_rss_mb()
    stats = dict(snapshot.stats)
    gaps = len(snapshot.gaps)
    results = pipeline.evaluate(snapshot, config)
    t3 = time.perf_counter()
    peaks["evaluate"] = _peak_rss_mb()
    del snapshot
    c0 = time.process_time()
    import weasyprint  # noqa: F401  (its import is not part of any render)

    cpu = {"import": time.process_time() - c0}
    written: dict[str, list[Path]] = {}
    wall: dict[str, float] = {}
    for name, fmt in (("report_pdf", "pdf"), ("handover_pdf", "handover"), ("report_html", "html")):
        c0, w0 = time.process_time(), time.perf_counter()
        written[name] = pipeline.render(results, out, [fmt])
        cpu[name], wall[name] = time.process_time() - c0, time.perf_counter() - w0
    pdf, html = written["report_pdf"], written["report_html"]
    t5 = time.perf_counter()
    peaks["render"] = _peak_rss_mb()
    digest, statuses = _checks_digest(results), {c["id"]: c["status"] for c in results["checks"]}
    quota = results["snapshot"].get("quota") or {}
    return {
        "wall_s": {
            "collect": round(t1 - t0, 3),
            "evaluate": round(t3 - t2, 3),
            "render": round(t5 - t3, 3),
        },
        "snapshot_s": round(t2 - t1, 3),
        "render_pdf_s": round(wall["report_pdf"], 3),
        "import_cpu_s": round(cpu.pop("import"), 3),
        "render_cpu_s": {k: round(v, 3) for k, v in cpu.items()},
        "peak_rss_mb": _peak_rss_mb(),
        "peak_rss_mb_after": peaks,
        "pdf_bytes": sum(p.stat().st_size for p in pdf),
        "html_bytes": sum(p.stat().st_size for p in html),
        "snapshot_bytes": snap_path.stat().st_size,
        "client": {
            "requests_sent": stats.get("requests_sent"),
            "retries": stats.get("retries"),
            "cache_hits": stats.get("cache_hits"),
            "concurrency": stats.get("concurrency"),
            "inventories_cut_by_budget": stats.get("inventories_cut_by_budget"),
            "hub_versions_from_lists": stats.get("hub_versions_from_lists"),
        },
        "quota": quota,
        "gaps": gaps,
        "results_digest": digest,
        "routes_digest": _checks_digest(results, routes=True),
        "statuses": statuses,
    }


def _peer_main(url: str, creds: dict[str, str], opts: dict[str, Any]) -> dict[str, Any]:
    """The sequential peer: one request at a time, like pyws1uem (requests.Session)."""
    import httpx

    from audit.scope import WINDOWS_PLATFORMS, og_rows_in_scope

    headers = {"aw-tenant-code": creds["tenant_code"], "Accept": "application/json;version=1"}
    auth = (creds["username"], creds["password"])
    t0 = time.perf_counter()
    sent = 0
    inventories: dict[int, int] = {}
    with httpx.Client(base_url=url, auth=auth, headers=headers, timeout=60) as http:
        found = http.get(
            "/api/system/groups/search",
            params={"groupid": GROUP_ID},
            headers={"Accept": "application/json;version=2"},
        ).json()
        sent += 1
        og = next(o for o in found["OrganizationGroups"] if o["GroupId"] == GROUP_ID)
        og_id = og["Id"]
        children = http.get(f"/api/system/groups/{og_id}/children").json()
        sent += 1
        scope = og_rows_in_scope(og_id, children)
        devices: list[dict[str, Any]] = []
        page = 0
        while True:
            resp = http.get(
                "/api/mdm/devices/search",
                params={"lgid": og_id, "platform": "WinRT", "page": page, "pagesize": PAGE_SIZE},
            )
            sent += 1
            if resp.status_code == 204:
                break
            body = resp.json()
            devices.extend(body["Devices"])
            if len(devices) >= body["Total"] or not body["Devices"]:
                break
            page += 1
        for d in devices:
            if str(d.get("Platform", "")).casefold() not in WINDOWS_PLATFORMS:
                continue
            if d["LocationGroupId"]["Id"]["Value"] not in scope:
                continue
            dev_id = d["Id"]["Value"]
            body = http.get(f"/api/mdm/devices/{dev_id}/apps").json()
            sent += 1
            inventories[dev_id] = len(body.get("DeviceApps", []))
    return {
        "wall_s": {"collect": round(time.perf_counter() - t0, 3), "evaluate": 0.0, "render": 0.0},
        "peak_rss_mb": _peak_rss_mb(),
        "client": {"requests_sent": sent, "inventories": len(inventories)},
    }


def _run_in_child(target: str, url: str, creds: dict[str, str], opts: dict[str, Any]) -> Any:
    ctx = mp.get_context("spawn")
    with ctx.Pool(1) as pool:
        fn = _pipeline_main if target == "pipeline" else _peer_main
        return pool.apply(fn, (url, creds, opts))


# -- orchestration -------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=20_000)
    parser.add_argument("--windows-share", type=float, default=0.25)
    parser.add_argument("--latency-ms", type=float, default=50.0)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--scenario", help="audit a bundled scenario (e.g. not-ready: the demo) instead"
    )
    parser.add_argument("--warm", action="store_true", help="add a warm run (same tenant)")
    parser.add_argument("--peer", action="store_true", help="add the sequential peer run")
    parser.add_argument("--faults", help="add a cold run with these faults, e.g. 429:0.1")
    parser.add_argument("--budget", type=int, help="request budget (default 2 x minimum + 100)")
    parser.add_argument("--out", help="keep outputs here (default: a temporary directory)")
    parser.add_argument("--hub-in-catalog", type=float, default=1.0, help="share, 0 to 1")
    parser.add_argument(
        "--both-hub-routes", action="store_true", help="also the same tenant without the Hub app"
    )
    parser.add_argument("--quota", type=int, default=250_000, help="daily API quota")
    args = parser.parse_args(argv)
    routes = [args.hub_in_catalog, 0.0] if args.both_hub_routes else [args.hub_in_catalog]
    for share in routes:
        bench(args, share)
    return 0


def bench(args: argparse.Namespace, hub_in_catalog: float) -> None:
    """One tenant (``hub_in_catalog``): its cold run, and the warm, faulty, peer runs asked."""

    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="ws1-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    cache_dir = out / "cache"
    shutil.rmtree(cache_dir, ignore_errors=True)
    sim_args = {
        "devices": args.devices,
        "windows_share": args.windows_share,
        "seed": args.seed,
        "latency_ms": args.latency_ms,
        "scenario": args.scenario,
        "hub_in_catalog": hub_in_catalog,
        "quota": args.quota,
    }
    _log(
        f"simulator: {args.devices} devices, {args.latency_ms:g} ms latency, Hub in the "
        f"catalogue for {hub_in_catalog:.0%} of the devices"
    )
    sim = Simulator(sim_args)
    minimum = sim.minimum
    budget = args.budget or 2 * minimum["total"] + 100
    base = {
        **({"scenario": args.scenario} if args.scenario else {}),
        "devices": args.devices,
        "windows_share": args.windows_share,
        "windows_in_scope": minimum["windows_in_scope"],
        "latency_ms": args.latency_ms,
        "concurrency": args.concurrency,
        "hub_in_catalog": hub_in_catalog,
        "requests_minimum": minimum["total"],
        "hub_from_lists_minimum": minimum["hub_from_lists"],
    }

    def run(
        mode: str, target: str, sub: str, extra: Mapping[str, Any] | None = None
    ) -> dict[str, Any]:
        sim.call("reset")
        opts = {
            "concurrency": args.concurrency,
            "budget": budget,
            "cache_dir": str(cache_dir),
            "out": str(out / sub),
            "scenario": args.scenario,
            "tenant": sim.tenant if args.scenario else None,
        }
        Path(opts["out"]).mkdir(parents=True, exist_ok=True)
        _log(f"{mode} run ({sub}) ...")
        got = _run_in_child(target, sim.url, sim.credentials, opts)
        counts = sim.call("count")
        collect_s = got["wall_s"]["collect"]
        ideal = ideal_seconds(
            minimum["warm_stages" if mode == "warm" else "stages"],
            args.concurrency,
            args.latency_ms,
        )
        line = {
            "mode": mode,
            **base,
            "requests_made": counts["total"],
            "quota_share": (got.get("quota") or {}).get("share_of_limit"),
            "quota": got.get("quota"),
            "wall_s": got["wall_s"],
            "ideal_s": round(ideal, 3),
            "efficiency": round(ideal / collect_s, 3) if collect_s and ideal else None,
            "peak_rss_mb": got["peak_rss_mb"],
            "peak_rss_mb_after": got.get("peak_rss_mb_after"),
            "pdf_bytes": got.get("pdf_bytes"),
            "html_bytes": got.get("html_bytes"),
            "render_pdf_s": got.get("render_pdf_s"),
            "import_cpu_s": got.get("import_cpu_s"),
            "render_cpu_s": got.get("render_cpu_s"),
            "snapshot_bytes": got.get("snapshot_bytes"),
            "snapshot_s": got.get("snapshot_s"),
            **({"requests_minimum_warm": minimum["warm_total"]} if mode == "warm" else {}),
            "requests_by_endpoint": counts["by_endpoint"],
            "status_counts": counts["by_status"],
            "minimum_by_endpoint": minimum["by_endpoint"],
            "client": got.get("client"),
            "gaps": got.get("gaps"),
            "statuses": got.get("statuses"),
            "results_digest": got.get("results_digest"),
            "routes_digest": got.get("routes_digest"),
            **(extra or {}),
        }
        if mode == "peer":
            # One request at a time: its own ideal is its requests times the latency.
            peer_minimum = 2 + minimum["by_endpoint"]["devices"] + minimum["windows_in_scope"]
            peer_ideal = peer_minimum * args.latency_ms / 1000.0
            line["concurrency"] = 1
            line["requests_minimum"] = peer_minimum
            line["ideal_s"] = round(peer_ideal, 3)
            line["efficiency"] = (
                round(peer_ideal / collect_s, 3) if collect_s and peer_ideal else None
            )
        return line

    lines: list[dict[str, Any]] = []
    try:
        cold = run("cold", "pipeline", f"cold-{hub_in_catalog:g}")
        lines.append(cold)
        previous = ROUTES_SEEN.get(args.devices)
        if previous is not None:
            cold["results_match_other_route"] = previous == cold["routes_digest"]
        ROUTES_SEEN[args.devices] = cold["routes_digest"]
        print(json.dumps(cold), flush=True)
        if args.warm:
            warm = run("warm", "pipeline", "warm")
            warm["requests_vs_cold"] = round(warm["requests_made"] / cold["requests_made"], 4)
            warm["results_match_cold"] = warm["results_digest"] == cold["results_digest"]
            print(json.dumps(warm), flush=True)
        if args.faults:
            sim.call("faults", args.faults)
            shutil.rmtree(cache_dir, ignore_errors=True)
            faulty = run("cold", "pipeline", "faults", {"faults": args.faults})
            faulty["results_match_clean"] = faulty["results_digest"] == cold["results_digest"]
            faulty["requests_vs_clean"] = round(faulty["requests_made"] / cold["requests_made"], 4)
            sim.call("faults", None)
            print(json.dumps(faulty), flush=True)
        if args.peer:
            peer = run("peer", "peer", "peer")
            peer["speedup"] = round(peer["wall_s"]["collect"] / cold["wall_s"]["collect"], 2)
            print(json.dumps(peer), flush=True)
    finally:
        sim.stop()
        if not args.out:
            shutil.rmtree(out, ignore_errors=True)


#: The routes digest of the first tenant's cold run, to compare the other route's with.
ROUTES_SEEN: dict[int, str] = {}


if __name__ == "__main__":
    os.environ.setdefault("WS1_AUDIT_NO_ENTRYPOINTS", "1")
    raise SystemExit(main())
