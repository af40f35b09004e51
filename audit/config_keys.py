"""Every config key's declaration (:data:`SCHEMA`) and the coercion of a TOML value to it.

:data:`SCHEMA` declares every key of every section once with a :class:`Key`: its kind,
default, whether it is required, its bounds and its documentation (``[[attestations]]`` and
``[[waivers]]`` in :data:`ATTESTATION_KEYS` and :data:`WAIVER_KEYS`). :func:`coerce` turns a
parsed TOML value into the key's type or raises the one-line ConfigError naming the file,
the key and what is expected; ``Key.expected()`` is also the wording of the README table and
of ``ws1-audit init``'s template. The typed sections that hold the values
(:mod:`audit.config_sections`) are checked against :data:`SCHEMA` by the tests.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from audit.errors import ConfigError
from audit.uem.catalogue import DEFAULT_AUTODISCOVERY_URL, REGION_TOKEN_URLS
from audit.vocabulary import DEFAULT_FAIL_ON, SEVERITIES

#: Every output format ws1-audit knows (``--format``, ``[report] formats``).
FORMATS = ("html", "pdf", "json", "csv", "junit", "md", "handover", "ocsf")
#: What ``run`` writes when neither ``--format`` nor ``[report] formats`` says: every format
#: but ``ocsf``, which feeds a SIEM pipeline someone sets up on purpose (see the README's
#: "SIEM ingestion"); scheduled jobs that upload the whole folder keep the set they had.
DEFAULT_FORMATS = tuple(f for f in FORMATS if f != "ocsf")
#: When ``[notify]`` sends a message (see :mod:`audit.notify`).
NOTIFY_EVENTS = ("regressed", "not-ready", "failed")


@dataclass(frozen=True)
class Key:
    """One config key: its type, default and the words used when it is wrong."""

    kind: str  # str | int | float | bool | date | list[str] | list[str|int] | path | choice | list[choice]
    default: Any = None
    required: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""
    #: Bounds of an int or float: at least ``least``, above ``above``, below ``below``.
    least: float | None = None
    above: float | None = None
    below: float | None = None

    def expected(self) -> str:
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "list[choice]":
            return "a list of values from " + ", ".join(self.choices)
        return self._kind_text() + self._bounds_text()

    def _bounds_text(self) -> str:
        parts = []
        if self.least is not None:
            parts.append(f"at least {self.least:g}")
        if self.above is not None:
            parts.append(f"above {self.above:g}")
        if self.below is not None:
            parts.append(f"below {self.below:g}")
        return (" " + " and ".join(parts)) if parts else ""

    def in_bounds(self, value: float) -> bool:
        """Whether a number meets the bounds (NaN and infinities never do)."""
        if value != value or value in (float("inf"), float("-inf")):
            return False
        return not (
            (self.least is not None and value < self.least)
            or (self.above is not None and value <= self.above)
            or (self.below is not None and value >= self.below)
        )

    def _kind_text(self) -> str:
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


def coerce(file: str, where: str, key: Key, value: Any, base_dir: Path) -> Any:
    """``value`` as ``key``'s type (a relative path is taken from ``base_dir``)."""

    def bad() -> ConfigError:
        return ConfigError(file, where, f"expected {key.expected()}, got {value!r}"[:300])

    kind = key.kind
    if kind == "str":
        if not isinstance(value, str):
            raise bad()
        return value
    if kind in ("int", "float"):
        numeric = int | float if kind == "float" else int
        if isinstance(value, bool) or not isinstance(value, numeric) or not key.in_bounds(value):
            raise bad()
        return float(value) if kind == "float" else value
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
    if kind in ("list[str]", "formats", "list[choice]"):
        allowed = {"formats": FORMATS, "list[choice]": key.choices}.get(kind)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad()
        if allowed is not None and any(v not in allowed for v in value):
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
            "choice",
            DEFAULT_FAIL_ON,
            choices=SEVERITIES,
            doc="Lowest severity that blocks readiness",
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
