"""The typed, frozen sections of a validated config: ``config.tenant.api_url``.

One frozen dataclass per section of :data:`audit.config_keys.SCHEMA`, one field per key,
typed as :func:`audit.config_keys.coerce` returns it (``None`` where the key is optional
and has no default). The defaults, bounds and documentation live in ``SCHEMA`` only;
``tests/test_config.py`` checks that the fields and ``SCHEMA`` cannot drift apart (every
key has a field of the right type, every field a key).

A section is also a read-only mapping of its keys (``section["api_url"]``, ``dict(section)``)
for code that walks the schema by key name: the check context's plain dict sections, the
config's public dict, the value checks.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any


@dataclass(frozen=True, eq=False)
class Section(Mapping[str, Any]):
    """A config section: typed attributes, and a read-only mapping of the same keys."""

    def __getitem__(self, name: str) -> Any:
        if name not in self._names():
            raise KeyError(name)
        return getattr(self, name)

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __len__(self) -> int:
        return len(self._names())

    @classmethod
    def _names(cls) -> tuple[str, ...]:
        return tuple(f.name for f in fields(cls))


@dataclass(frozen=True, eq=False)
class Tenant(Section):
    """``[tenant]``: the API server and how to authenticate to it."""

    name: str
    api_url: str
    auth: str
    username: str | None
    password_env: str | None
    tenant_code_env: str | None
    client_id: str | None
    client_secret_env: str | None
    token_url: str | None
    region: str | None
    verify_tls: bool
    allow_insecure_http: bool
    ca_bundle: Path | None


@dataclass(frozen=True, eq=False)
class Dropship(Section):
    """``[dropship]``: the customer OG, tags, smart groups and the manufacturer's account."""

    organization_group: str
    tags: list[str]
    smart_groups: list[str | int]
    email_domain: str | None
    autodiscovery_url: str
    upn: str | None
    username: str | None


@dataclass(frozen=True, eq=False)
class Requirements(Section):
    """``[requirements]``: the thresholds the checks hold the tenant to."""

    min_uem_version: str
    min_hub_version: str
    attestation_max_age_days: int
    max_sync_age_days: int


@dataclass(frozen=True, eq=False)
class Collect(Section):
    """``[collect]``: concurrency, deadlines, retries, budgets and the cache."""

    concurrency: int
    timeout_s: float
    retries: int
    request_budget: int
    quota_reserve: float
    max_response_mb: int
    quota_wait_s: float
    cache_dir: Path | None


@dataclass(frozen=True, eq=False)
class Report(Section):
    """``[report]``: the cover, readiness threshold, formats and signing."""

    organisation: str
    logo: Path | None
    fail_on: str
    formats: list[str]
    sign_key: Path | None
    sign_cert: Path | None
    sign_passphrase_env: str | None
    tsa_url: str | None


@dataclass(frozen=True, eq=False)
class Notify(Section):
    """``[notify]``: where and when ``run`` sends a message."""

    urls_env: list[str]
    events: list[str]
