"""The stages wired together: collect -> snapshot -> inventory -> checks -> results -> renderers.

Each function takes plain inputs and returns plain outputs, so each stage runs alone
(``collect``, ``evaluate``, ``render``) or all together (:func:`run_tenant`, what ``run``
and ``demo`` do for one tenant; a fleet, :mod:`audit.fleet`, runs the same stages itself,
:func:`collect_async` then :func:`finish_tenant`, to interleave its tenants). The snapshot
is saved before evaluation starts, so a later failure loses no collected data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import httpx

from audit.cache import ResponseCache
from audit.collect import Collector, Progress
from audit.config import Config, default_requirements
from audit.errors import CollectionError, UsageError
from audit.fileio import write_json_atomic
from audit.history import baseline_from, record
from audit.inventory_build import build_inventory
from audit.outset import OutputSet
from audit.plugins import Registry, get_registry
from audit.redact import PROCESS
from audit.results import apply_baseline, build_results, load_results, sealed, validate_results
from audit.results_blocks import (
    RunInfo,
    dropship_block,
    report_block,
    report_settings,
    run_block,
    snapshot_block,
    tenant_block,
)
from audit.runner import catalogue_version, run_checks, summarise
from audit.signing import sign_outputs
from audit.snapshot import Snapshot, save_snapshot
from audit.uem.auth import auth_from_config
from audit.uem.client import UEMClient
from audit.uem.recorder import Recorder
from audit.validation import plain_http, transport_warnings, validate_config_against
from audit.vocabulary import (
    DEFAULT_FAIL_ON,
    EXIT_CHECK_ERROR,
    EXIT_NOT_READY,
    EXIT_READY,
)
from reports.base import RenderOptions


def make_client(
    config: Config,
    *,
    recorder: Recorder,
    transport: httpx.AsyncBaseTransport | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> UEMClient:
    """The UEM client for a config (auth, TLS, limits), recording into ``recorder``.

    ``transport`` (e.g. ``httpx.MockTransport``) replaces the network; ``clock`` and ``sleep``
    the time the client paces the tenant's quota by and waits with (backoff, Retry-After,
    quota windows, OAuth retries)."""
    tenant, limits = config.tenant, config.collect
    verify: bool | str = str(tenant.ca_bundle) if tenant.ca_bundle else tenant.verify_tls
    return UEMClient(
        tenant.api_url,
        auth_from_config(config),
        transport=transport,
        concurrency=limits.concurrency,
        timeout_s=limits.timeout_s,
        retries=limits.retries,
        request_budget=limits.request_budget,
        quota_reserve=limits.quota_reserve,
        quota_wait_s=limits.quota_wait_s,
        verify=verify,
        recorder=recorder,
        max_response_bytes=limits.max_response_mb << 20,
        clock=clock,
        sleep=sleep,
    )


async def collect_async(
    config: Config,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
    registry: Registry | None = None,
    mode: str = "live",
    warn: Callable[[str], None] | None = None,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Snapshot:
    """Collect a snapshot from the tenant named by ``config`` (``warn``: one-line warnings,
    e.g. a cache file that could not be used; ``transport``, ``clock``, ``sleep``: see
    :func:`make_client`). A collection in which no answer of the tenant's API could be read
    raises CollectionError (:func:`require_an_answer`)."""
    registry = registry or get_registry()
    cache = None
    if config.collect.cache_dir:
        scope = f"{config.tenant.api_url}|{config.dropship.organization_group}"
        cache = ResponseCache(config.collect.cache_dir, scope)
    collector = Collector(config, cache=cache, progress=progress, plugin_hook=registry.manager.hook)
    client = make_client(
        config, recorder=collector.recorder, transport=transport, clock=clock, sleep=sleep
    )
    async with client:
        snapshot = await collector.run(client)
    if cache is not None and cache.problem and warn is not None:
        warn(f"warning: {cache.problem}")
    snapshot.mode = mode
    snapshot.stats["insecure_http"] = plain_http(config)
    require_an_answer(snapshot)
    return snapshot


#: Requests that are not the tenant's own API answering.
_NOT_THE_API = ("oauth_token", "discovery")


def require_an_answer(snapshot: Snapshot) -> None:
    """Raise CollectionError (exit 4) when no answer of the tenant's API could be read at all:
    every request failed, or answered an error, a non-JSON page (an HTML login page) or
    nothing. A tenant whose whole API is down is a failed collection, not 14 gaps."""
    api = [r for r in snapshot.requests if r.get("purpose") not in _NOT_THE_API]
    if any(200 <= (r.get("status") or 0) < 300 and not r.get("json_error") for r in api):
        return
    host = snapshot.tenant.get("api_host") or snapshot.tenant.get("api_url")
    first = next((r for r in api if r.get("error") or r.get("json_error")), None)
    why = ""
    if first is not None:
        status = first.get("status")
        what = first.get("json_error") or (f"answered {status}" if status else first.get("error"))
        why = f"; first: {first.get('method', 'GET')} {first.get('path')} {what}"
    raise CollectionError(
        f"no answer of the UEM API at {host} could be read ({len(api)} requests){why}"[:500]
    )


def collect(config: Config, **kwargs: Any) -> Snapshot:
    """Synchronous wrapper of :func:`collect_async`."""
    with asyncio.Runner() as runner:
        runner.get_loop()  # the loop first: a signal while it starts leaves no coroutine unrun
        return runner.run(collect_async(config, **kwargs))


def evaluate(
    snapshot: Snapshot,
    config: Config | None = None,
    *,
    info: RunInfo | None = None,
    fail_on: str | None = None,
    baseline: dict[str, Any] | None = None,
    baseline_path: str = "",
    registry: Registry | None = None,
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Turn a snapshot into results.json (offline). ``config`` adds requirements, attestations,
    waivers and report settings; without it the defaults apply. ``info`` adds what the
    command line says: the checks left out (``skipped``, with the reason) and the waivers of
    ``--waivers`` files."""
    registry = registry or get_registry()
    info = info or RunInfo(mode="snapshot")
    if config is not None:
        validate_config_against(registry, config)
    report = report_settings(config)
    fail_on = fail_on or str(report.get("fail_on") or DEFAULT_FAIL_ON)
    dropship = dict(snapshot.dropship)
    inventory = build_inventory(snapshot)
    checks = list(registry.checks.values())
    entries = run_checks(
        checks,
        inventory,
        requirements=dict(config.requirements) if config else default_requirements(),
        dropship=dropship,
        attestations=config.attestations if config else (),
        # the config's own waiver of a check wins over a shared file's (the last one counts)
        waivers=[*info.waivers, *(config.waivers if config else ())],
        problems=registry.problems,
        fail_on=fail_on,
        today=today,
        selection=info.selection,
    )
    results = build_results(
        checks=entries,
        summary=summarise(entries, fail_on),
        run=run_block(info, snapshot),
        tenant=tenant_block(inventory),
        dropship=dropship_block(dropship, inventory),
        report=report_block(report),
        snapshot=snapshot_block(snapshot),
        catalogue_version=catalogue_version(checks),
    )
    if baseline is not None:
        apply_baseline(results, baseline, baseline_path)
    redactor = config.redactor if config is not None else PROCESS
    results = PROCESS.redact(redactor.redact(results))  # tenant data may echo a secret
    validate_results(results)
    return results


def render(
    results: dict[str, Any],
    out_dir: str | Path,
    formats: Sequence[str],
    *,
    registry: Registry | None = None,
    on_start: Callable[[str], None] | None = None,
) -> list[Path]:
    """Write each requested format into ``out_dir``; return the files written."""
    registry = registry or get_registry()
    unknown = [f for f in formats if f not in registry.renderers]
    if unknown:
        raise UsageError(f"unknown format {unknown[0]!r} (known: {', '.join(registry.renderers)})")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    if "content_sha256" not in results:  # the json file and the PDF's attachment: loadable
        results = sealed(results)
    written: list[Path] = []
    options = RenderOptions(attachments={})
    for name in formats:
        if on_start:
            on_start(name)
        written.extend(registry.renderers[name].render(results, out, options))
    return written


def exit_code_for(results: dict[str, Any]) -> int:
    """0 ready, 1 not ready, 2 when a check errored (takes precedence over 1).

    Only an ``error`` that counts for readiness gives 2: one of severity at or above
    ``--fail-on`` and not covered by an active waiver (``blocking`` in results.json). A waived
    finding, or one below ``--fail-on``, never fails the run; it still shows in the reports.
    """
    blocking = set(results["summary"].get("blocking") or ())
    if any(
        c["status"] == "error" and (c.get("blocking") or c["id"] in blocking)
        for c in results["checks"]
    ):
        return EXIT_CHECK_ERROR
    return EXIT_READY if results["summary"]["ready"] else EXIT_NOT_READY


def save_results(results: dict[str, Any], out_dir: str | Path) -> Path:
    """Write results.json into ``out_dir`` atomically, sealed with its ``content_sha256``."""
    return write_json_atomic(Path(out_dir) / "results.json", sealed(results))


def resolve_baseline(
    explicit: Path | None, history: Path | None
) -> tuple[dict[str, Any] | None, str]:
    """The baseline of a run: ``--baseline`` when given, else the latest run in the history
    folder, else none."""
    if explicit is not None:
        return load_results(explicit), str(explicit)
    if history is not None:
        found = baseline_from(history)
        if found is not None:
            return found[0], str(found[1])
    return None, ""


def finish_tenant(
    snapshot: Snapshot,
    config: Config,
    *,
    out: Path,
    formats: Sequence[str],
    info: RunInfo,
    fail_on: str | None,
    baseline: dict[str, Any] | None,
    baseline_path: str,
    history: Path | None,
    on_start: Callable[[str], None] | None = None,
) -> tuple[dict[str, Any], list[Path]]:
    """Everything after collection, for one tenant: save the snapshot, evaluate, save
    results.json, add it to the history folder, render the other formats, sign."""
    out.mkdir(parents=True, exist_ok=True)
    written = [save_snapshot(snapshot, out / "snapshot.json")]
    results = evaluate(
        snapshot, config, info=info, fail_on=fail_on, baseline=baseline, baseline_path=baseline_path
    )
    written.append(save_results(results, out))
    if history is not None:
        record(results, history)
    written += render(results, out, [f for f in formats if f != "json"], on_start=on_start)
    written += sign_outputs(config.signing, out, written)
    return results, written


def _ignore(_line: str) -> None:
    pass


def _before_requests(
    config: Config,
    info: RunInfo,
    baseline: Path | None,
    history: Path | None,
    note: Callable[[str], None],
    warn: Callable[[str], None],
) -> tuple[dict[str, Any] | None, str]:
    """What :func:`run_tenant` settles before the first request: the config against the
    catalogue (exit 3), the baseline, the warnings about the connection."""
    validate_config_against(get_registry(), config)
    baseline_data, baseline_path = resolve_baseline(baseline, history)
    if baseline_path and baseline is None:
        note(f"Baseline: {baseline_path}")
    if info.mode != "demo":  # the demo's loopback simulator is plain HTTP by design
        for warning in transport_warnings(config):
            warn(f"warning: {warning}")
    return baseline_data, baseline_path


def run_tenant(
    config: Config,
    *,
    out: Path,
    formats: Sequence[str],
    fail_on: str | None,
    baseline: Path | None,
    history: Path | None,
    transport: httpx.AsyncBaseTransport | None = None,
    info: RunInfo | None = None,
    progress: Progress | None = None,
    note: Callable[[str], None] = _ignore,
    warn: Callable[[str], None] = _ignore,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> tuple[dict[str, Any], list[Path]]:
    """One tenant, end to end, into the output set ``out``: check the config against the
    catalogue, pick the baseline (``baseline``, else the latest run in ``history``), collect,
    then :func:`finish_tenant`; return the results and the files put in place.

    ``info`` says what the command line asked (mode, selection, shared waivers); ``note``
    gets progress lines, ``warn`` one-line warnings and notes for stderr; ``transport``,
    ``clock`` and ``sleep`` go to :func:`make_client`. A failure after collection keeps the
    snapshot (``warn`` says where); the previous output set stays in place.
    """
    info = info or RunInfo()
    baseline_data, baseline_path = _before_requests(config, info, baseline, history, note, warn)
    outset = OutputSet(out, info.run_id)
    try:
        with outset:  # preflight and lock: before the first request
            note(f"Collecting from {config.tenant.api_url} ...")
            snapshot = collect(
                config,
                transport=transport,
                progress=progress,
                mode=info.mode,
                warn=warn,
                clock=clock,
                sleep=sleep,
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
                history=history,
                on_start=lambda f: note(f"Rendering {f} ..."),
            )
            return results, outset.commit(written)
    finally:
        if outset.kept is not None:
            warn(f"note: the snapshot collected by this run is kept in {outset.kept}")
