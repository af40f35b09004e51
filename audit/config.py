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

from audit.config_checks import check_values
from audit.config_keys import FORMATS, Key, coerce
from audit.errors import ConfigError, InputFileError
from audit.fileio import read_regular
from audit.redact import PROCESS, Redactor
from audit.uem.catalogue import DEFAULT_AUTODISCOVERY_URL, REGION_TOKEN_URLS

SEVERITIES = ("critical", "high", "medium", "low", "info")
#: A config file larger than this is not a config.
MAX_CONFIG_BYTES = 1 << 20
#: What ``run`` writes when neither ``--format`` nor ``[report] formats`` says: every format
#: but ``ocsf``, which feeds a SIEM pipeline someone sets up on purpose (see the README's
#: "SIEM ingestion"); scheduled jobs that upload the whole folder keep the set they had.
DEFAULT_FORMATS = tuple(f for f in FORMATS if f != "ocsf")
#: When ``[notify]`` sends a message (see :mod:`audit.notify`).
NOTIFY_EVENTS = ("regressed", "not-ready", "failed")


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
        "allow_insecure_http": Key(
            "bool",
            False,
            doc="Allow http:// URLs (credentials travel in clear: simulators and labs only)",
        ),
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
        "attestation_max_age_days": Key("int", 90, doc="Older attestations give warn", least=0),
        "max_sync_age_days": Key(
            "int",
            7,
            doc="Older last OEM Provisioning Service sync gives warn (devices_registered)",
            least=0,
        ),
    },
    "collect": {
        "concurrency": Key("int", 8, doc="Requests in flight at most", least=1),
        "timeout_s": Key(
            "float",
            30.0,
            doc="Deadline of one request in seconds (connect, headers and body)",
            above=0,
        ),
        "retries": Key(
            "int", 4, doc="Retries of a request on 429, 502-504 and network errors", least=0
        ),
        "request_budget": Key("int", 20000, doc="Requests one run may make at most", least=1),
        "quota_reserve": Key(
            "float",
            0.5,
            doc="Share of x-ratelimit-remaining left for other integrations",
            least=0,
            below=1,
        ),
        "max_response_mb": Key(
            "int",
            64,
            doc="Largest answer read, in MB once decompressed; a larger one is a gap",
            least=1,
        ),
        "quota_wait_s": Key(
            "float",
            120.0,
            doc="Longest wait for the API quota window to reset; a later reset stops collecting",
            least=0,
        ),
        "cache_dir": Key("path", doc="Cache for incremental collection (unset: no cache)"),
    },
    "report": {
        "organisation": Key("str", "", doc="Organisation named on the cover and as PDF author"),
        "logo": Key("path", doc="PNG or SVG logo for the cover"),
        "fail_on": Key(
            "choice", "medium", choices=SEVERITIES, doc="Lowest severity that blocks readiness"
        ),
        "formats": Key("formats", list(DEFAULT_FORMATS), doc="Formats written by run"),
        "sign_key": Key(
            "path",
            doc="Signing key: a PKCS#12 file (key and certificate), or a PEM private key with sign_cert",
        ),
        "sign_cert": Key(
            "path", doc="PEM signing certificate, then its chain (with a PEM sign_key)"
        ),
        "sign_passphrase_env": Key(
            "str", doc="Environment variable holding the passphrase of sign_key (if it has one)"
        ),
        "tsa_url": Key(
            "str", doc="RFC 3161 timestamp authority URL: signatures get a trusted timestamp"
        ),
    },
    "notify": {
        "urls_env": Key(
            "list[str]",
            [],
            doc="Environment variables, each holding Apprise notification URLs (they carry credentials)",
        ),
        "events": Key(
            "list[choice]",
            list(NOTIFY_EVENTS),
            choices=NOTIFY_EVENTS,
            doc="When run sends a message: a check regressed, the tenant became not ready, the run failed",
        ),
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

    __slots__ = ("client_secret", "notify_urls", "password", "sign_passphrase", "tenant_code")

    def __init__(
        self,
        password: str | None = None,
        tenant_code: str | None = None,
        client_secret: str | None = None,
        *,
        sign_passphrase: str | None = None,
        notify_urls: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.password, self.tenant_code, self.client_secret = password, tenant_code, client_secret
        #: The passphrase of ``[report] sign_key`` (``sign_passphrase_env``).
        self.sign_passphrase = sign_passphrase
        #: ``(environment variable, Apprise URLs)`` per ``[notify] urls_env`` entry.
        self.notify_urls = notify_urls

    def values(self) -> list[str]:
        """Every non-empty secret, for redaction."""
        plain = (self.password, self.tenant_code, self.client_secret, self.sign_passphrase)
        return [v for v in plain if v] + [url for _env, url in self.notify_urls]

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
    notify: dict[str, Any] = field(default_factory=dict)
    attestations: list[Attestation] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    secrets: Secrets = field(default_factory=Secrets)
    source: str = "<defaults>"
    base_dir: Path = field(default_factory=Path.cwd)
    #: Every form of every secret of this config (and what the client learns while
    #: collecting): the one redactor of this tenant's snapshot, results and reports.
    redactor: Redactor = field(default_factory=Redactor, repr=False, compare=False)
    #: The loaded ``[report]`` signing key (:class:`audit.signing.SigningSetup`), or None.
    signing: Any = field(default=None, repr=False, compare=False)

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
            out[key_name] = coerce(file, where, key, raw[key_name], base_dir)
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


def _sign_passphrase(file: str, report: dict[str, Any], env: Mapping[str, str]) -> str | None:
    """The signing key's passphrase, read whenever signing is configured (``evaluate`` signs
    too); the key and certificate themselves are checked by :func:`audit.signing.check`."""
    if report.get("sign_cert") and not report.get("sign_key"):
        raise ConfigError(file, "report.sign_key", "missing; sign_cert needs its PEM private key")
    name = report.get("sign_passphrase_env")
    if not report.get("sign_key") or not name:
        return None
    return _env_secret(file, "report.sign_passphrase_env", name, env)


def _notify_urls(
    file: str, notify: dict[str, Any], env: Mapping[str, str]
) -> tuple[tuple[str, str], ...]:
    """``[notify] urls_env``: each variable must hold the target URLs (never the file)."""
    return tuple(
        (name, _env_secret(file, f"notify.urls_env[{i}]", name, env))
        for i, name in enumerate(notify.get("urls_env") or ())
    )


def _array_of_tables(
    file: str, name: str, raw: Any, keys: Mapping[str, Key], base_dir: Path
) -> list[dict[str, Any]]:
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise ConfigError(file, name, f"expected an array of tables ([[{name}]])")
    return [_section(file, f"{name}[{i}]", item, keys, base_dir) for i, item in enumerate(raw)]


def _waivers(file: str, raw: Any, base: Path) -> list[Waiver]:
    items = _array_of_tables(file, "waivers", raw, WAIVER_KEYS, base)
    return [Waiver(**{**item, "rows": tuple(item["rows"])}) for item in items]


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
    waivers = _waivers(file, data.get("waivers"), base)
    for i, att in enumerate(attestations):
        if att.evidence and "://" not in att.evidence and not Path(att.evidence).is_absolute():
            attestations[i] = Attestation(**{**att.__dict__, "evidence": str(base / att.evidence)})
    secrets = _read_secrets(file, sections["tenant"], env) if need_secrets else Secrets()
    secrets.sign_passphrase = _sign_passphrase(file, sections["report"], env)
    if need_secrets:
        secrets.notify_urls = _notify_urls(file, sections["notify"], env)
    check_values(file, sections, attestations, secrets)
    redactor = Redactor()
    username = sections["tenant"].get("username")
    for target in (redactor, PROCESS):  # this tenant's, and everything the process prints
        target.add(*secrets.values())
        if secrets.password and username:
            target.add_pair(str(username), secrets.password)
    signing = None
    if sections["report"].get("sign_key"):
        from audit.signing import load_signing

        signing = load_signing(file, sections["report"], secrets.sign_passphrase)
    return Config(
        **sections,
        attestations=attestations,
        waivers=waivers,
        secrets=secrets,
        source=file,
        base_dir=base,
        redactor=redactor,
        signing=signing,
    )


def _read_toml(p: Path) -> dict[str, Any]:
    try:
        raw = read_regular(p, MAX_CONFIG_BYTES)
    except InputFileError as exc:
        raise ConfigError(str(p), "", exc.problem) from exc
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(str(p), "", "not UTF-8 text") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(p), "", f"malformed TOML: {exc}") from exc
    except RecursionError as exc:  # tomllib recurses into nested arrays and tables
        raise ConfigError(str(p), "", "malformed TOML: nested too deeply") from exc


def load_config(
    path: str | os.PathLike[str], *, env: Mapping[str, str] | None = None, need_secrets: bool = True
) -> Config:
    """Read and validate a config file; every problem is a one-line ConfigError."""
    p = Path(path)
    data = _read_toml(p)
    return parse_config(
        data, file=str(p), base_dir=p.resolve().parent, env=env, need_secrets=need_secrets
    )


def load_waivers(path: str | os.PathLike[str]) -> list[Waiver]:
    """The ``[[waivers]]`` of a waivers file (``--waivers``, e.g. shared by a fleet), in the
    schema of a config's and validated the same way; anything else in the file, and every
    problem, is a one-line ConfigError."""
    p = Path(path)
    data = _read_toml(p)
    unknown = sorted(set(data) - {"waivers"})
    if unknown:
        raise ConfigError(str(p), unknown[0], "unknown key (a waivers file holds only [[waivers]])")
    return _waivers(str(p), data.get("waivers"), p.resolve().parent)


def default_requirements() -> dict[str, Any]:
    """The ``[requirements]`` section with every default, for evaluating without a config."""
    return {k: key.default for k, key in SCHEMA["requirements"].items()}
