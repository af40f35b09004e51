"""Helpers for tests that audit a simulated tenant (imported by test modules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.config import Config, parse_config


def tenant_config(
    api_url: str,
    tenant: dict[str, Any],
    base_dir: Path,
    *,
    overrides: dict[str, dict[str, Any]] | None = None,
    attestations: list[dict[str, Any]] | None = None,
    waivers: list[dict[str, Any]] | None = None,
) -> tuple[Config, dict[str, str]]:
    """A config for a simulated tenant (Basic auth with the scenario's credentials)."""
    creds = tenant["credentials"]
    env = {
        "SIM_PASSWORD": creds["password"],
        "SIM_TENANT_CODE": creds["tenant_code"],
        "SIM_CLIENT_SECRET": creds.get("client_secret", ""),
    }
    data: dict[str, Any] = {
        "tenant": {
            "name": tenant["name"],
            "api_url": api_url,
            "username": creds["username"],
            "password_env": "SIM_PASSWORD",
            "tenant_code_env": "SIM_TENANT_CODE",
        },
        "dropship": {
            "organization_group": "contoso",
            "tags": ["RnD"],
            "email_domain": "contoso.com",
            "autodiscovery_url": api_url,
            "upn": "dropship@contoso.com",
            "username": "dropship-contoso",
        },
        "collect": {"retries": 3},
        "attestations": attestations or [],
        "waivers": waivers or [],
    }
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update(values)
    return parse_config(data, file="<test>", base_dir=base_dir, env=env), env
