"""The stages wired together: collect -> snapshot -> inventory -> checks -> results -> renderers.

Each function takes plain inputs and returns plain outputs, so each stage runs alone
(``collect``, ``evaluate``, ``render``) or all together (``run``). The snapshot is saved
before evaluation starts, so a later failure loses no collected data.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from audit.cache import ResponseCache
from audit.collect import Collector, Progress
from audit.config import Config, Waiver, default_requirements
from audit.config_keys import DEFAULT_FORMATS
from audit.errors import (
    EXIT_CHECK_ERROR,
    EXIT_NOT_READY,
    EXIT_READY,
    CollectionError,
    ConfigError,
    UsageError,
)
from audit.fileio import write_json_atomic
from audit.inventory_build import build_inventory
from audit.plugins import Registry, get_registry
from audit.redact import PROCESS
from audit.results import apply_baseline, build_results, sealed, validate_results
from audit.runner import catalogue_version, run_checks, summarise
from audit.selection import CheckSelection
from audit.snapshot import Snapshot
from audit.uem.auth import auth_from_config
from audit.uem.client import UEMClient
from audit.uem.recorder import Recorder
from reports.base import RenderOptions

#: The ``[report]`` settings results.json records (not the signing key, certificate or TSA).
REPORT_KEYS_IN_RESULTS = ("organisation", "logo", "fail_on", "formats")


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass
class RunInfo:
    """Facts about this invocation that end up in results.json's ``run`` block."""

    mode: str = "live"
    command: list[str] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: str = field(default_factory=_now)
    warnings: list[str] = field(default_factory=list)
    #: The checks ``--checks``/``--exclude-checks``/``--severity`` leave out.
    selection: CheckSelection | None = None
    #: Waivers of ``--waivers`` files (besides the config's), and the files' paths.
    waivers: list[Waiver] = field(default_factory=list)
    waivers_files: list[str] = field(default_factory=list)


def validate_config_against(registry: Registry, config: Config) -> None:
    """Waivers must name a known check; attestations a check that takes them, or one of its
    setting names (``ws1-audit checks`` lists them). Before any request: exit 3."""
    validate_waivers(registry, config.waivers, config.source)
    validate_attestations(registry, config)


def validate_waivers(registry: Registry, waivers: Sequence[Waiver], source: str) -> None:
    """Raise ConfigError (exit 3) naming ``source`` and the first waiver of an unknown check."""
    known = set(registry.checks)
    for i, waiver in enumerate(waivers):
        if waiver.check not in known:
            raise ConfigError(
                source,
                f"waivers[{i}].check",
                f"unknown check {waiver.check!r} (see `ws1-audit checks`)",
            )


def validate_attestations(registry: Registry, config: Config) -> None:
    """Raise ConfigError (exit 3) for an attestation of no check or setting that takes one."""
    known = set(registry.checks)
    names = {
        name: check.id
        for check in registry.checks.values()
        for name in (check.meta.as_dict().get("attestation_names") or [])
    }
    for i, att in enumerate(config.attestations):
        if att.check.lower() in names:
            continue
        problem = (
            f"{att.check!r} takes no attestation (the API is its evidence)"
            if att.check in known
            else f"unknown check or setting {att.check!r}"
        )
        raise ConfigError(
            config.source,
            f"attestations[{i}].check",
            f"{problem}; attestations can name: {', '.join(sorted(names))}",
        )


def make_client(
    config: Config, *, recorder: Recorder, transport: httpx.AsyncBaseTransport | None = None
) -> UEMClient:
    """The UEM client for a config (auth, TLS, limits), recording into ``recorder``."""
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
    )


async def collect_async(
    config: Config,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
    registry: Registry | None = None,
    mode: str = "live",
    warn: Callable[[str], None] | None = None,
) -> Snapshot:
    """Collect a snapshot from the tenant named by ``config`` (``warn``: one-line warnings,
    e.g. a cache file that could not be used). A collection in which no answer of the
    tenant's API could be read raises CollectionError (:func:`require_an_answer`)."""
    registry = registry or get_registry()
    cache = None
    if config.collect.cache_dir:
        scope = f"{config.tenant.api_url}|{config.dropship.organization_group}"
        cache = ResponseCache(config.collect.cache_dir, scope)
    collector = Collector(config, cache=cache, progress=progress, plugin_hook=registry.manager.hook)
    async with make_client(config, recorder=collector.recorder, transport=transport) as client:
        snapshot = await collector.run(client)
    if cache is not None and cache.problem and warn is not None:
        warn(f"warning: {cache.problem}")
    snapshot.mode = mode
    snapshot.stats["insecure_http"] = plain_http(config)
    require_an_answer(snapshot)
    return snapshot


def plain_http(config: Config) -> bool:
    """Whether this config talks to the tenant (or its token URL) over plain http://."""
    urls = (config.tenant.api_url, config.token_url)
    return any(str(u or "").lower().startswith("http://") for u in urls)


def transport_warnings(config: Config) -> list[str]:
    """What every run and collect with ``config`` warns about on stderr (and records)."""
    out = []
    if not config.tenant.verify_tls:
        out.append("TLS certificate verification is disabled (verify_tls = false)")
    if plain_http(config):
        host = urlsplit(config.tenant.api_url).hostname
        out.append(
            f"plain HTTP to {host}: credentials and answers travel unencrypted "
            "(allow_insecure_http = true)"
        )
    return out


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
    return asyncio.run(collect_async(config, **kwargs))


def _run_block(info: RunInfo, snapshot: Snapshot) -> dict[str, Any]:
    """results.json's ``run``: this invocation, the collection's TLS state, the warnings."""
    warnings = list(info.warnings)
    verify_tls = bool(snapshot.stats.get("verify_tls", True))
    insecure_http = bool(snapshot.stats.get("insecure_http", False))
    if not verify_tls:
        warnings.append(
            "TLS certificate verification was disabled for this collection (verify_tls = false)"
        )
    if insecure_http:
        warnings.append(
            "this collection used plain HTTP (allow_insecure_http = true): nothing proves the "
            "answers came from the tenant, and the credentials travelled unencrypted"
        )
    selection = info.selection
    return {
        "id": info.run_id,
        "started_at": snapshot.started_at or info.started_at,
        "finished_at": _now(),
        "mode": info.mode,
        "command": info.command,
        "verify_tls": verify_tls,
        "insecure_http": insecure_http,
        "warnings": warnings,
        **({"selection": selection.as_dict()} if selection and selection.active else {}),
        **({"waivers_files": list(info.waivers_files)} if info.waivers_files else {}),
    }


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
    requirements = dict(config.requirements) if config else default_requirements()
    report = (
        dict(config.report)
        if config
        else {
            "organisation": "",
            "logo": None,
            "fail_on": "medium",
            "formats": list(DEFAULT_FORMATS),
        }
    )
    fail_on = fail_on or str(report.get("fail_on") or "medium")
    dropship = dict(snapshot.dropship)
    inventory = build_inventory(snapshot)
    checks = list(registry.checks.values())
    entries = run_checks(
        checks,
        inventory,
        requirements=requirements,
        dropship=dropship,
        attestations=config.attestations if config else (),
        # the config's own waiver of a check wins over a shared file's (the last one counts)
        waivers=[*info.waivers, *(config.waivers if config else ())],
        problems=registry.problems,
        fail_on=fail_on,
        today=today,
        selection=info.selection,
    )
    og = inventory.dropship_og
    results = build_results(
        checks=entries,
        summary=summarise(entries, fail_on),
        run=_run_block(info, snapshot),
        tenant={
            "name": inventory.tenant_name,
            "api_host": inventory.api_host,
            "uem_version": inventory.uem_version,
            "organization_group": None
            if og is None
            else {k: og.get(k) for k in ("group_id", "uuid", "name", "type")},
        },
        dropship={
            **{
                k: dropship.get(k)
                for k in ("organization_group", "tags", "email_domain", "upn", "username")
            },
            "smart_groups": [str(n) for n in inventory.dropship_smart_groups()["name"].tolist()],
            **_from_api(inventory.dropship_settings),
        },
        report={
            **{k: v for k, v in report.items() if k in REPORT_KEYS_IN_RESULTS},
            "logo": str(report["logo"]) if report.get("logo") else None,
        },
        snapshot=_snapshot_block(snapshot),
        catalogue_version=catalogue_version(checks),
    )
    if baseline is not None:
        apply_baseline(results, baseline, baseline_path)
    redactor = config.redactor if config is not None else PROCESS
    results = PROCESS.redact(redactor.redact(results))  # tenant data may echo a secret
    validate_results(results)
    return results


def _snapshot_block(snapshot: Snapshot) -> dict[str, Any]:
    """results.json's ``snapshot``: its hash, requests, gaps, and the API quota it spent."""
    quota = snapshot.stats.get("quota")
    return {
        "sha256": snapshot.sha256,
        "requests": snapshot.request_count,
        "gaps": snapshot.gaps,
        **({"quota": quota} if isinstance(quota, dict) else {}),
    }


def _from_api(settings: dict[str, Any] | None) -> dict[str, Any]:
    """``dropship.from_api`` of results.json: the Drop Ship settings the API showed (the
    handover sheet compares the staging username with ``dropship.username``); absent when
    they were not read. The staging password is never part of it."""
    if settings is None:
        return {}
    keys = ("username", "enabled", "endpoint")
    return {"from_api": {k: settings.get(k) for k in keys}}


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
