"""What is settled about a config before any request is made.

- Against the check catalogue (exit 3): waivers must name a known check; attestations a
  check that takes them, or one of its setting names (``ws1-audit checks`` lists them). The
  config loader cannot know this: the catalogue comes from the plugins.
- The connection: :func:`transport_warnings` (TLS verification off, plain http://), which
  every run and collect prints on stderr and results.json records.
"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlsplit

from audit.config import Config, Waiver
from audit.errors import ConfigError
from audit.plugins import Registry
from audit.vocabulary import TLS_OFF, plain_http_warning


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


def plain_http(config: Config) -> bool:
    """Whether this config talks to the tenant (or its token URL) over plain http://."""
    urls = (config.tenant.api_url, config.token_url)
    return any(str(u or "").lower().startswith("http://") for u in urls)


def transport_warnings(config: Config) -> list[str]:
    """What every run and collect with ``config`` warns about on stderr (and records)."""
    out = []
    if not config.tenant.verify_tls:
        out.append(TLS_OFF)
    if plain_http(config):
        out.append(plain_http_warning(urlsplit(config.tenant.api_url).hostname))
    return out
