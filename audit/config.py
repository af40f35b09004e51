"""Load and validate the per-tenant TOML config.

Every key is declared once in ``SCHEMA`` (type, default, whether required, what is
expected); unknown keys, wrong types and missing values become a one-line
:class:`~audit.errors.ConfigError` naming the file, the key and the expectation.
Secrets never live in the file: it names environment variables, which are read here
into a :class:`Secrets` whose ``repr`` hides them.
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit.errors import ConfigError
from audit.redact import register_basic_pair, register_secret
from audit.uem.catalogue import DEFAULT_AUTODISCOVERY_URL, REGION_TOKEN_URLS

SEVERITIES = ("critical", "high", "medium", "low", "info")
FORMATS = ("html", "pdf", "json", "csv", "junit", "md", "handover")


@dataclass(frozen=True)
class Key:
    """One config key: its type, default and the words used when it is wrong."""

    kind: str  # str | int | float | bool | date | list[str] | list[str|int] | path | choice
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""

    def expected(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        return {
            "str": "a string",
            "int": "an integer",
            "float": "a number",
            "bool": "true or false",
            "date": "a date (YYYY-MM-DD)",
            "list[str]": "a list of strings",
            "list[str|int]": "a list of names or ids",
            "path": "a file path (string)",
            "formats": "a list of formats from " + ", ".join(FORMATS),
        }[self.kind]


SCHEMA: dict[str, dict[str, Key]] = {
    "tenant": {
        "name": Key("str", required=True, doc="Display name of the tenant in reports"),
        "api_url": Key(
            "str", required=True, doc="API server base URL, e.g. https://as1234.awmdm.com"
        ),
        "auth": Key("choice", "basic", choices=("basic", "oauth"), doc="basic or oauth"),
        "username": Key("str", doc="Basic auth: the API admin's username"),
        "password_env": Key("str", doc="Basic auth: environment variable holding the password"),
        "tenant_code_env": Key(
            "str", doc="Environment variable holding the REST API key (aw-tenant-code)"
        ),
        "client_id": Key("str", doc="OAuth: client id"),
        "client_secret_env": Key(
            "str", doc="OAuth: environment variable holding the client secret"
        ),
        "token_url": Key("str", doc="OAuth: token URL (overrides region)"),
        "region": Key(
            "choice", choices=tuple(REGION_TOKEN_URLS), doc="OAuth: na, emea, apac or uat"
        ),
        "verify_tls": Key("bool", True, doc="Verify TLS certificates (leave true)"),
        "ca_bundle": Key("path", doc="PEM bundle of a private CA"),
    },
    "dropship": {
        "organization_group": Key("str", required=True, doc="GroupId of the Drop Ship customer OG"),
        "tags": Key("list[str]", [], doc="Tags given to the manufacturer"),
        "smart_groups": Key(
            "list[str|int]",
            [],
            doc="Drop Ship smart groups (names or ids); empty: found from tag criteria",
        ),
        "email_domain": Key("str", doc="Email domain registered for autodiscovery"),
        "autodiscovery_url": Key(
            "str", DEFAULT_AUTODISCOVERY_URL, doc="Discovery service base URL"
        ),
        "upn": Key("str", doc="UPN given to the manufacturer (handover sheet)"),
        "username": Key("str", doc="Username given to the manufacturer (handover sheet)"),
    },
    "requirements": {
        "min_uem_version": Key("str", "2105", doc="Lowest acceptable UEM console release"),
        "min_hub_version": Key("str", "20.10", doc="Lowest acceptable Intelligent Hub for Windows"),
        "attestation_max_age_days": Key("int", 90, doc="Older attestations give warn"),
        "max_sync_age_days": Key(
            "int", 7, doc="Older last OEM Provisioning Service sync gives warn (devices_registered)"
        ),
    },
    "collect": {
        "concurrency": Key("int", 8, doc="Requests in flight at most"),
        "timeout_s": Key("float", 30.0, doc="Per-request timeout in seconds"),
        "retries": Key("int", 4, doc="Retries of a request on 429, 502-504 and network errors"),
        "request_budget": Key("int", 20000, doc="Requests one run may make at most"),
        "quota_reserve": Key(
            "float", 0.5, doc="Share of x-ratelimit-remaining left for other integrations"
        ),
        "quota_wait_s": Key(
            "float",
            120.0,
            doc="Longest wait for the API quota window to reset; a later reset stops collecting",
        ),
        "cache_dir": Key("path", doc="Cache for incremental collection (unset: no cache)"),
    },
    "report": {
        "organisation": Key("str", "", doc="Organisation named on the cover and as PDF author"),
        "logo": Key("path", doc="PNG or SVG logo for the cover"),
        "fail_on": Key(
            "choice", "medium", choices=SEVERITIES, doc="Lowest severity that blocks readiness"
        ),
        "formats": Key("formats", list(FORMATS), doc="Formats written by run"),
    },
}

ATTESTATION_KEYS: dict[str, Key] = {
    "check": Key("str", required=True, doc="Check id (or setting name)"),
    "value": Key("bool", required=True, doc="The attested value"),
    "by": Key("str", required=True, doc="Who attests"),
    "date": Key("date", required=True, doc="When"),
    "evidence": Key("str", doc="File path (hashed with SHA-256) or URL"),
    "note": Key("str", doc="Free text"),
}
WAIVER_KEYS: dict[str, Key] = {
    "check": Key("str", required=True, doc="Check id"),
    "justification": Key("str", required=True, doc="Why the finding is accepted"),
    "owner": Key("str", required=True, doc="Who owns the risk"),
    "expires": Key("date", required=True, doc="Last day the waiver counts"),
    "rows": Key(
        "list[str]", [], doc="Evidence rows covered (values of the first column); empty: all"
    ),
}


class Secrets:
    """Secret values read from the environment; never printed, compared or serialised."""

    __slots__ = ("client_secret", "password", "tenant_code")

    def __init__(
        self,
        password: str | None = None,
        tenant_code: str | None = None,
        client_secret: str | None = None,
    ) -> None:
        self.password, self.tenant_code, self.client_secret = password, tenant_code, client_secret

    def values(self) -> list[str]:
        """Every non-empty secret, for redaction."""
        return [v for v in (self.password, self.tenant_code, self.client_secret) if v]

    def __repr__(self) -> str:
        return "Secrets(<redacted>)"


@dataclass(frozen=True)
class Attestation:
    """A named person's dated statement for what no endpoint shows."""

    check: str
    value: bool
    by: str
    date: dt.date
    evidence: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Waiver:
    """An accepted finding: the check's status stays, flagged waived until ``expires``."""

    check: str
    justification: str
    owner: str
    expires: dt.date
    rows: tuple[str, ...] = ()


@dataclass
class Config:
    """A validated config. Sections are plain dicts keyed as in ``SCHEMA``."""

    tenant: dict[str, Any]
    dropship: dict[str, Any]
    requirements: dict[str, Any]
    collect: dict[str, Any]
    report: dict[str, Any]
    attestations: list[Attestation] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    secrets: Secrets = field(default_factory=Secrets)
    source: str = "<defaults>"
    base_dir: Path = field(default_factory=Path.cwd)

    @property
    def token_url(self) -> str | None:
        """The OAuth token URL: explicit ``token_url``, else the region's."""
        explicit = self.tenant.get("token_url")
        if explicit:
            return str(explicit)
        region = self.tenant.get("region")
        return REGION_TOKEN_URLS.get(region) if region else None

    def public_dict(self) -> dict[str, Any]:
        """The config as plain data, safe to print: secrets are never part of it."""
        out: dict[str, Any] = {name: dict(getattr(self, name)) for name in SCHEMA}
        for section in out.values():
            for key, value in section.items():
                if isinstance(value, Path):
                    section[key] = str(value)
        out["attestations"] = [
            {**a.__dict__, "date": a.date.isoformat()} for a in self.attestations
        ]
        out["waivers"] = [
            {**w.__dict__, "expires": w.expires.isoformat(), "rows": list(w.rows)}
            for w in self.waivers
        ]
        return out


def _coerce(file: str, where: str, key: Key, value: Any, base_dir: Path) -> Any:
    def bad() -> ConfigError:
        return ConfigError(file, where, f"expected {key.expected()}, got {value!r}"[:300])

    kind = key.kind
    if kind == "str":
        if not isinstance(value, str):
            raise bad()
        return value
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad()
        if value < 0:
            raise ConfigError(file, where, f"expected a non-negative integer, got {value!r}")
        return value
    if kind == "float":
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise bad()
        return float(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad()
        return value
    if kind == "date":
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value)
            except ValueError:
                raise bad() from None
        raise bad()
    if kind == "choice":
        if value not in key.choices:
            raise bad()
        return value
    if kind == "path":
        if not isinstance(value, str) or not value:
            raise bad()
        path = Path(value).expanduser()
        return path if path.is_absolute() else (base_dir / path)
    if kind in ("list[str]", "formats"):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad()
        if kind == "formats" and any(v not in FORMATS for v in value):
            raise bad()
        return list(value)
    if kind == "list[str|int]":
        ok = isinstance(value, list) and all(
            isinstance(v, str | int) and not isinstance(v, bool) for v in value
        )
        if not ok:
            raise bad()
        return list(value)
    raise AssertionError(kind)  # pragma: no cover - SCHEMA is static


def _section(
    file: str, name: str, raw: Any, keys: Mapping[str, Key], base_dir: Path
) -> dict[str, Any]:
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        raise ConfigError(file, name, "expected a table")
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise ConfigError(
            file, f"{name}.{unknown[0]}", f"unknown key (known: {', '.join(sorted(keys))})"
        )
    out: dict[str, Any] = {}
    for key_name, key in keys.items():
        where = f"{name}.{key_name}"
        if key_name in raw:
            out[key_name] = _coerce(file, where, key, raw[key_name], base_dir)
        elif key.required:
            raise ConfigError(file, where, f"missing; expected {key.expected()}")
        else:
            default = key.default
            out[key_name] = list(default) if isinstance(default, list) else default
    return out


def _env_secret(file: str, key: str, env_name: str | None, env: Mapping[str, str]) -> str:
    if not env_name:
        raise ConfigError(file, key, "missing; expected the name of an environment variable")
    value = env.get(env_name)
    if not value:
        raise ConfigError(file, key, f"environment variable {env_name} is not set")
    return value


def _read_secrets(file: str, tenant: dict[str, Any], env: Mapping[str, str]) -> Secrets:
    if tenant["auth"] == "basic":
        if not tenant.get("username"):
            raise ConfigError(
                file, "tenant.username", 'missing; expected a string (auth = "basic")'
            )
        return Secrets(
            password=_env_secret(file, "tenant.password_env", tenant.get("password_env"), env),
            tenant_code=_env_secret(
                file, "tenant.tenant_code_env", tenant.get("tenant_code_env"), env
            ),
        )
    if not tenant.get("client_id"):
        raise ConfigError(file, "tenant.client_id", 'missing; expected a string (auth = "oauth")')
    if not tenant.get("token_url") and not tenant.get("region"):
        raise ConfigError(
            file, "tenant.token_url", 'missing; set token_url or region (auth = "oauth")'
        )
    tenant_code = None
    if tenant.get("tenant_code_env"):
        tenant_code = _env_secret(file, "tenant.tenant_code_env", tenant["tenant_code_env"], env)
    return Secrets(
        client_secret=_env_secret(
            file, "tenant.client_secret_env", tenant.get("client_secret_env"), env
        ),
        tenant_code=tenant_code,
    )


def _array_of_tables(
    file: str, name: str, raw: Any, keys: Mapping[str, Key], base_dir: Path
) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ConfigError(file, name, f"expected an array of tables ([[{name}]])")
    return [_section(file, f"{name}[{i}]", item, keys, base_dir) for i, item in enumerate(raw)]


def parse_config(
    data: Mapping[str, Any],
    *,
    file: str = "<config>",
    base_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    need_secrets: bool = True,
) -> Config:
    """Validate parsed TOML data into a :class:`Config` (secrets from ``env``)."""
    base = base_dir or Path.cwd()
    env = os.environ if env is None else env
    known = set(SCHEMA) | {"attestations", "waivers"}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(file, unknown[0], f"unknown section (known: {', '.join(sorted(known))})")
    sections = {
        name: _section(file, name, data.get(name), keys, base) for name, keys in SCHEMA.items()
    }
    attestations = [
        Attestation(**item)
        for item in _array_of_tables(
            file, "attestations", data.get("attestations"), ATTESTATION_KEYS, base
        )
    ]
    waivers = [
        Waiver(**{**item, "rows": tuple(item["rows"])})
        for item in _array_of_tables(file, "waivers", data.get("waivers"), WAIVER_KEYS, base)
    ]
    for i, att in enumerate(attestations):
        if att.evidence and "://" not in att.evidence and not Path(att.evidence).is_absolute():
            attestations[i] = Attestation(**{**att.__dict__, "evidence": str(base / att.evidence)})
    secrets = _read_secrets(file, sections["tenant"], env) if need_secrets else Secrets()
    for value in secrets.values():
        register_secret(value)
    if secrets.password and sections["tenant"].get("username"):
        register_basic_pair(str(sections["tenant"]["username"]), secrets.password)
    return Config(
        **sections,
        attestations=attestations,
        waivers=waivers,
        secrets=secrets,
        source=file,
        base_dir=base,
    )


def load_config(
    path: str | os.PathLike[str], *, env: Mapping[str, str] | None = None, need_secrets: bool = True
) -> Config:
    """Read and validate a config file; every problem is a one-line ConfigError."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise ConfigError(str(p), "", f"cannot read: {exc.strerror or exc}") from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(str(p), "", "not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(p), "", f"malformed TOML: {exc}") from exc
    return parse_config(
        data, file=str(p), base_dir=p.resolve().parent, env=env, need_secrets=need_secrets
    )


def default_requirements() -> dict[str, Any]:
    """The ``[requirements]`` section with every default, for evaluating without a config."""
    return {k: key.default for k, key in SCHEMA["requirements"].items()}
