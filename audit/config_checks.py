"""Checks of config values beyond their type: URLs, files, secrets and attestation dates.

:func:`check_values` runs when a config is parsed, after every key has the right type and
before any request is made; each problem is one :class:`~audit.errors.ConfigError` naming
the file, the key and what is wrong (exit 3):

- ``tenant.api_url``, ``tenant.token_url`` and ``dropship.autodiscovery_url`` are http(s)
  URLs with a valid host and no ``user:password@``; ``http://`` sends credentials (and
  reads answers) in clear, so it needs ``[tenant] allow_insecure_http = true``;
- files named by the config are regular files (a FIFO or a device is refused, never
  read): ``tenant.ca_bundle``, ``report.logo`` (at most :data:`MAX_LOGO_BYTES`), each
  attestation's evidence file; ``collect.cache_dir`` is not a file;
- the API key (tenant code) can go into an HTTP header: printable ASCII;
- no attestation is dated in the future.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import re
import stat
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from audit.errors import ConfigError
from audit.fileio import os_problem

#: A cover logo larger than this is not a logo.
MAX_LOGO_BYTES = 10 << 20
#: The largest attestation evidence file hashed.
MAX_EVIDENCE_BYTES = 1 << 30
_LABEL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?")
_URL_KEYS = (
    ("tenant", "api_url"),
    ("tenant", "token_url"),
    ("dropship", "autodiscovery_url"),
)


def check_values(
    file: str,
    sections: Mapping[str, Mapping[str, Any]],
    attestations: Sequence[Any],
    secrets: Any,
) -> None:
    """Raise ConfigError for the first value that cannot work (see the module docstring)."""
    insecure = bool(sections["tenant"].get("allow_insecure_http"))
    for section, key in _URL_KEYS:
        value = sections[section].get(key)
        if value:
            check_url(file, f"{section}.{key}", str(value), allow_http=insecure)
    for where, path, limit in (
        ("tenant.ca_bundle", sections["tenant"].get("ca_bundle"), MAX_LOGO_BYTES),
        ("report.logo", sections["report"].get("logo"), MAX_LOGO_BYTES),
    ):
        if path is not None:
            _regular_file(file, where, Path(path), limit)
    cache_dir = sections["collect"].get("cache_dir")
    if cache_dir is not None and Path(cache_dir).exists() and not Path(cache_dir).is_dir():
        raise ConfigError(file, "collect.cache_dir", f"{cache_dir} is a file; expected a folder")
    code = getattr(secrets, "tenant_code", None)
    if code and not (code.isascii() and code.isprintable()):
        raise ConfigError(
            file,
            "tenant.tenant_code_env",
            f"environment variable {sections['tenant'].get('tenant_code_env')} holds a character "
            "an HTTP header cannot carry (non-ASCII, or a control character such as the CR "
            "of an env file with CRLF line ends)",
        )
    _check_attestations(file, attestations)


def check_url(file: str, where: str, value: str, *, allow_http: bool) -> None:
    """An absolute http(s) URL with a valid host and no credentials in it."""

    def bad(problem: str) -> ConfigError:
        return ConfigError(file, where, f"{problem}, got {value!r}"[:300])

    try:
        parts = urlsplit(value.strip())
        host, _port = parts.hostname, parts.port
        httpx.URL(value.strip())
    except (ValueError, httpx.InvalidURL) as exc:
        raise bad(f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("https", "http"):
        raise bad("expected an https:// URL")
    if not host or not _valid_host(host):
        raise bad("expected a URL with a valid host name")
    if parts.username or parts.password:
        raise bad("must not carry credentials (user:password@); the config names env variables")
    if scheme == "http" and not allow_http:
        raise ConfigError(
            file,
            where,
            f"{value} is http://: credentials and answers would travel in clear; use https://, "
            "or for a simulator or lab set [tenant] allow_insecure_http = true",
        )


def _valid_host(host: str) -> bool:
    """A DNS name (letters, digits, ``-``, ``_``, internationalised names too) or an IP."""
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    try:
        ascii_host = host.encode("idna").decode("ascii")
    except UnicodeError:
        return False
    labels = ascii_host.rstrip(".").split(".")
    return len(ascii_host) <= 253 and all(_LABEL.fullmatch(label) for label in labels)


def _regular_file(file: str, where: str, path: Path, limit: int) -> None:
    """The file exists and is a regular file no larger than ``limit`` (never opened if not)."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ConfigError(file, where, f"{path}: cannot read: {os_problem(exc)}") from exc
    if stat.S_ISDIR(info.st_mode) and where == "tenant.ca_bundle":
        return  # a folder of hashed CA certificates (capath) is fine
    if not stat.S_ISREG(info.st_mode):
        raise ConfigError(file, where, f"{path}: not a regular file (a FIFO, device or folder)")
    if info.st_size > limit:
        raise ConfigError(file, where, f"{path}: too large ({info.st_size} bytes)")
    try:  # open it now: a permission problem shows before any request, not at render time
        with open(path, "rb") as fh:
            fh.read(1)
    except OSError as exc:
        raise ConfigError(file, where, f"{path}: cannot read: {os_problem(exc)}") from exc


def _check_attestations(file: str, attestations: Sequence[Any]) -> None:
    today = max(dt.date.today(), dt.datetime.now(dt.UTC).date())
    for i, att in enumerate(attestations):
        if att.date > today:
            raise ConfigError(
                file,
                f"attestations[{i}].date",
                f"{att.date.isoformat()} is in the future; an attestation records what was seen",
            )
        evidence = att.evidence
        if evidence and "://" not in evidence:
            _regular_file(file, f"attestations[{i}].evidence", Path(evidence), MAX_EVIDENCE_BYTES)
