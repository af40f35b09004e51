"""Helpers for tests that audit a simulated tenant (imported by test modules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.config import Config, parse_config
from audit.demo import simulated_config_data


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
    data, env = simulated_config_data(tenant, api_url)
    data["collect"] = {"retries": 3}
    data["attestations"] = attestations or []
    data["waivers"] = waivers or []
    for section, values in (overrides or {}).items():
        data.setdefault(section, {}).update(values)
    return parse_config(data, file="<test>", base_dir=base_dir, env=env), env
