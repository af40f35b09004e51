"""Load and validate the per-tenant TOML config.

Every key is declared once in :data:`audit.config_keys.SCHEMA` (type, default, whether
required, what is expected); unknown keys, wrong types and missing values become a one-line
:class:`~audit.errors.ConfigError` naming the file, the key and the expectation. A valid
config is a frozen :class:`Config` of typed sections (:mod:`audit.config_sections`):
``config.tenant.api_url``. Secrets never live in the file: it names environment variables,
which are read here into a :class:`Secrets` whose ``repr`` hides them, and taught to the
config's one :class:`~audit.redact.Redactor` (``config.redactor``).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from audit.config_checks import check_values
from audit.config_keys import ATTESTATION_KEYS, SCHEMA, WAIVER_KEYS, Key, coerce
from audit.config_sections import (
    Collect,
    Dropship,
    Notify,
    Report,
    Requirements,
    Tenant,
)
from audit.errors import ConfigError, InputFileError
from audit.fileio import read_regular
from audit.redact import PROCESS, Redactor
from audit.uem.catalogue import REGION_TOKEN_URLS

#: A config file larger than this is not a config.
MAX_CONFIG_BYTES = 1 << 20


@dataclass(frozen=True, repr=False, eq=False)
class Secrets:
    """Secret values read from the environment; never printed, compared or serialised."""

    password: str | None = None
    tenant_code: str | None = None
    client_secret: str | None = None
    #: The passphrase of ``[report] sign_key`` (``sign_passphrase_env``).
    sign_passphrase: str | None = field(default=None, kw_only=True)
    #: ``(environment variable, Apprise URLs)`` per ``[notify] urls_env`` entry.
    notify_urls: tuple[tuple[str, str], ...] = field(default=(), kw_only=True)

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


@dataclass(frozen=True)
class Config:
    """A validated config: typed, frozen sections (:mod:`audit.config_sections`)."""

    tenant: Tenant
    dropship: Dropship
    requirements: Requirements
    collect: Collect
    report: Report
    notify: Notify
    attestations: list[Attestation] = field(default_factory=list)
    waivers: list[Waiver] = field(default_factory=list)
    secrets: Secrets = field(default_factory=Secrets)
    source: str = "<defaults>"
    base_dir: Path = field(default_factory=Path.cwd)
    #: Every form of every secret of this config, and what the client learns while
    #: collecting: the one redactor of this tenant's snapshot, results and reports, a
    #: child of :data:`audit.redact.PROCESS` (which scrubs every line printed).
    redactor: Redactor = field(
        default_factory=partial(Redactor, parent=PROCESS), repr=False, compare=False
    )
    #: The loaded ``[report]`` signing key (:class:`audit.signing.SigningSetup`), or None.
    signing: Any = field(default=None, repr=False, compare=False)

    @property
    def token_url(self) -> str | None:
        """The OAuth token URL: explicit ``token_url``, else the region's."""
        if self.tenant.token_url:
            return self.tenant.token_url
        region = self.tenant.region
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


def _login_secrets(
    file: str, tenant: Mapping[str, Any], env: Mapping[str, str]
) -> dict[str, str | None]:
    """The password and API key (basic), or the client secret and optional API key (oauth)."""
    if tenant["auth"] == "basic":
        if not tenant.get("username"):
            raise ConfigError(
                file, "tenant.username", 'missing; expected a string (auth = "basic")'
            )
        return {
            "password": _env_secret(file, "tenant.password_env", tenant.get("password_env"), env),
            "tenant_code": _env_secret(
                file, "tenant.tenant_code_env", tenant.get("tenant_code_env"), env
            ),
        }
    if not tenant.get("client_id"):
        raise ConfigError(file, "tenant.client_id", 'missing; expected a string (auth = "oauth")')
    if not tenant.get("token_url") and not tenant.get("region"):
        raise ConfigError(
            file, "tenant.token_url", 'missing; set token_url or region (auth = "oauth")'
        )
    tenant_code = None
    if tenant.get("tenant_code_env"):
        tenant_code = _env_secret(file, "tenant.tenant_code_env", tenant["tenant_code_env"], env)
    return {
        "client_secret": _env_secret(
            file, "tenant.client_secret_env", tenant.get("client_secret_env"), env
        ),
        "tenant_code": tenant_code,
    }


def _read_secrets(
    file: str, sections: Mapping[str, Mapping[str, Any]], env: Mapping[str, str], need: bool
) -> Secrets:
    """Every secret the config names; without ``need`` (no collection) only the signing
    key's passphrase, which ``evaluate`` needs too."""
    login = _login_secrets(file, sections["tenant"], env) if need else {}
    passphrase = _sign_passphrase(file, sections["report"], env)
    urls = _notify_urls(file, sections["notify"], env) if need else ()
    return Secrets(**login, sign_passphrase=passphrase, notify_urls=urls)


def _sign_passphrase(file: str, report: Mapping[str, Any], env: Mapping[str, str]) -> str | None:
    """The signing key's passphrase, read whenever signing is configured (``evaluate`` signs
    too); the key and certificate themselves are checked by :func:`audit.signing.check`."""
    if report.get("sign_cert") and not report.get("sign_key"):
        raise ConfigError(file, "report.sign_key", "missing; sign_cert needs its PEM private key")
    name = report.get("sign_passphrase_env")
    if not report.get("sign_key") or not name:
        return None
    return _env_secret(file, "report.sign_passphrase_env", name, env)


def _notify_urls(
    file: str, notify: Mapping[str, Any], env: Mapping[str, str]
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


def _attestations(file: str, raw: Any, base: Path) -> list[Attestation]:
    """The ``[[attestations]]``, a relative evidence file taken from beside the config."""
    out = []
    for item in _array_of_tables(file, "attestations", raw, ATTESTATION_KEYS, base):
        evidence = item.get("evidence")
        if evidence and "://" not in evidence and not Path(evidence).is_absolute():
            item["evidence"] = str(base / evidence)
        out.append(Attestation(**item))
    return out


def _redactor(secrets: Secrets, username: str | None) -> Redactor:
    """This tenant's redactor: every secret of the config, and the Basic auth header's
    ``base64(user:password)``; a child of :data:`~audit.redact.PROCESS`, so every line the
    process prints is scrubbed of them too (and of all the client learns into it)."""
    redactor = Redactor(secrets.values(), parent=PROCESS)
    if secrets.password and username:
        redactor.add_pair(username, secrets.password)
    return redactor


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
    attestations = _attestations(file, data.get("attestations"), base)
    waivers = _waivers(file, data.get("waivers"), base)
    secrets = _read_secrets(file, sections, env, need_secrets)
    check_values(file, sections, attestations, secrets)
    redactor = _redactor(secrets, sections["tenant"].get("username"))
    signing = None
    if sections["report"].get("sign_key"):
        from audit.signing import load_signing

        signing = load_signing(file, sections["report"], secrets.sign_passphrase)
    return Config(
        tenant=Tenant(**sections["tenant"]),
        dropship=Dropship(**sections["dropship"]),
        requirements=Requirements(**sections["requirements"]),
        collect=Collect(**sections["collect"]),
        report=Report(**sections["report"]),
        notify=Notify(**sections["notify"]),
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
