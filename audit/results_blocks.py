"""The blocks of results.json that :func:`audit.pipeline.evaluate` builds around the checks.

``run`` (this invocation and the collection's TLS state), ``tenant``, ``dropship``,
``report`` (the ``[report]`` settings, never the signing material) and ``snapshot`` (its
hash, requests, gaps and the API quota it spent); each from plain inputs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from audit.config import Config, Waiver
from audit.config_keys import DEFAULT_FORMATS
from audit.inventory import Inventory
from audit.selection import CheckSelection
from audit.snapshot import Snapshot
from audit.vocabulary import (
    DEFAULT_FAIL_ON,
    PLAIN_HTTP_RECORDED,
    TLS_OFF_RECORDED,
    utc_now,
)

#: The ``[report]`` settings results.json records (not the signing key, certificate or TSA).
REPORT_KEYS_IN_RESULTS = ("organisation", "logo", "fail_on", "formats")


@dataclass
class RunInfo:
    """Facts about this invocation that end up in results.json's ``run`` block."""

    mode: str = "live"
    command: list[str] = field(default_factory=list)
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: str = field(default_factory=utc_now)
    warnings: list[str] = field(default_factory=list)
    #: The checks ``--checks``/``--exclude-checks``/``--severity`` leave out.
    selection: CheckSelection | None = None
    #: Waivers of ``--waivers`` files (besides the config's), and the files' paths.
    waivers: list[Waiver] = field(default_factory=list)
    waivers_files: list[str] = field(default_factory=list)


def report_settings(config: Config | None) -> dict[str, Any]:
    """The config's ``[report]`` settings, or the defaults without a config."""
    if config is not None:
        return dict(config.report)
    return {
        "organisation": "",
        "logo": None,
        "fail_on": DEFAULT_FAIL_ON,
        "formats": list(DEFAULT_FORMATS),
    }


def run_block(info: RunInfo, snapshot: Snapshot) -> dict[str, Any]:
    """results.json's ``run``: this invocation, the collection's TLS state, the warnings."""
    warnings = list(info.warnings)
    verify_tls = bool(snapshot.stats.get("verify_tls", True))
    insecure_http = bool(snapshot.stats.get("insecure_http", False))
    if not verify_tls:
        warnings.append(TLS_OFF_RECORDED)
    if insecure_http:
        warnings.append(PLAIN_HTTP_RECORDED)
    selection = info.selection
    return {
        "id": info.run_id,
        "started_at": snapshot.started_at or info.started_at,
        "finished_at": utc_now(),
        "mode": info.mode,
        "command": info.command,
        "verify_tls": verify_tls,
        "insecure_http": insecure_http,
        "warnings": warnings,
        **({"selection": selection.as_dict()} if selection and selection.active else {}),
        **({"waivers_files": list(info.waivers_files)} if info.waivers_files else {}),
    }


def tenant_block(inventory: Inventory) -> dict[str, Any]:
    """results.json's ``tenant``: name, API host, console version, the Drop Ship OG."""
    og = inventory.dropship_og
    return {
        "name": inventory.tenant_name,
        "api_host": inventory.api_host,
        "uem_version": inventory.uem_version,
        "organization_group": None
        if og is None
        else {k: og.get(k) for k in ("group_id", "uuid", "name", "type")},
    }


def dropship_block(dropship: dict[str, Any], inventory: Inventory) -> dict[str, Any]:
    """results.json's ``dropship``: the configured settings, the smart groups considered, and
    what the API showed of the Drop Ship settings."""
    return {
        **{
            k: dropship.get(k)
            for k in ("organization_group", "tags", "email_domain", "upn", "username")
        },
        "smart_groups": [str(n) for n in inventory.dropship_smart_groups()["name"].tolist()],
        **_from_api(inventory.dropship_settings),
    }


def report_block(report: dict[str, Any]) -> dict[str, Any]:
    """results.json's ``report``: the :data:`REPORT_KEYS_IN_RESULTS` of the settings."""
    return {
        **{k: v for k, v in report.items() if k in REPORT_KEYS_IN_RESULTS},
        "logo": str(report["logo"]) if report.get("logo") else None,
    }


def snapshot_block(snapshot: Snapshot) -> dict[str, Any]:
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
