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

import httpx

from audit.cache import ResponseCache
from audit.collect import Collector, Progress
from audit.config import FORMATS, Config, default_requirements
from audit.errors import (
    EXIT_CHECK_ERROR,
    EXIT_NOT_READY,
    EXIT_READY,
    ConfigError,
    UsageError,
)
from audit.fileio import write_json_atomic
from audit.inventory_build import build_inventory
from audit.plugins import Registry, get_registry
from audit.results import apply_baseline, build_results, sealed, validate_results
from audit.runner import catalogue_version, run_checks, summarise
from audit.snapshot import Snapshot
from audit.uem.auth import auth_from_config
from audit.uem.client import UEMClient
from audit.uem.recorder import Recorder
from reports.base import RenderOptions


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


def validate_config_against(registry: Registry, config: Config) -> None:
    """Waivers and attestations must name a known check (attestations may name a setting)."""
    known = set(registry.checks)
    for i, waiver in enumerate(config.waivers):
        if waiver.check not in known:
            raise ConfigError(
                config.source,
                f"waivers[{i}].check",
                f"unknown check {waiver.check!r} (see `ws1-audit checks`)",
            )


def make_client(config: Config, *, transport: httpx.AsyncBaseTransport | None = None) -> UEMClient:
    """The UEM client for a config: auth, TLS, limits, and a recorder that redacts the secrets."""
    tenant, limits = config.tenant, config.collect
    verify: bool | str = (
        str(tenant["ca_bundle"]) if tenant.get("ca_bundle") else bool(tenant["verify_tls"])
    )
    return UEMClient(
        str(tenant["api_url"]),
        auth_from_config(config),
        transport=transport,
        concurrency=int(limits["concurrency"]),
        timeout_s=float(limits["timeout_s"]),
        retries=int(limits["retries"]),
        request_budget=int(limits["request_budget"]),
        quota_reserve=float(limits["quota_reserve"]),
        quota_wait_s=float(limits["quota_wait_s"]),
        verify=verify,
        recorder=Recorder(secrets=config.secrets.values()),
    )


async def collect_async(
    config: Config,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    progress: Progress | None = None,
    registry: Registry | None = None,
    mode: str = "live",
) -> Snapshot:
    """Collect a snapshot from the tenant named by ``config``."""
    registry = registry or get_registry()
    cache = None
    if config.collect.get("cache_dir"):
        scope = f"{config.tenant['api_url']}|{config.dropship['organization_group']}"
        cache = ResponseCache(config.collect["cache_dir"], scope)
    async with make_client(config, transport=transport) as client:
        collector = Collector(
            config, client, cache=cache, progress=progress, plugin_hook=registry.manager.hook
        )
        snapshot = await collector.run()
    snapshot.mode = mode
    return snapshot


def collect(config: Config, **kwargs: Any) -> Snapshot:
    """Synchronous wrapper of :func:`collect_async`."""
    return asyncio.run(collect_async(config, **kwargs))


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
    waivers and report settings; without it the defaults apply."""
    registry = registry or get_registry()
    info = info or RunInfo(mode="snapshot")
    if config is not None:
        validate_config_against(registry, config)
    requirements = dict(config.requirements) if config else default_requirements()
    report = (
        dict(config.report)
        if config
        else {"organisation": "", "logo": None, "fail_on": "medium", "formats": list(FORMATS)}
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
        waivers=config.waivers if config else (),
        problems=registry.problems,
        fail_on=fail_on,
        today=today,
    )
    og = inventory.dropship_og
    warnings = list(info.warnings)
    verify_tls = bool(snapshot.stats.get("verify_tls", True))
    if not verify_tls:
        warnings.append(
            "TLS certificate verification was disabled for this collection (verify_tls = false)"
        )
    results = build_results(
        checks=entries,
        summary=summarise(entries, fail_on),
        run={
            "id": info.run_id,
            "started_at": snapshot.started_at or info.started_at,
            "finished_at": _now(),
            "mode": info.mode,
            "command": info.command,
            "verify_tls": verify_tls,
            "warnings": warnings,
        },
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
        report={**report, "logo": str(report["logo"]) if report.get("logo") else None},
        snapshot=_snapshot_block(snapshot),
        catalogue_version=catalogue_version(checks),
    )
    if baseline is not None:
        apply_baseline(results, baseline, baseline_path)
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
