"""Wire-level details of UEM answers: Retry-After, bodies, query strings, TLS settings.

Small pure helpers for :mod:`audit.uem.client`, kept apart so the client reads as the
request loop it is.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import math
import os
import ssl
import time
from collections.abc import Callable
from typing import Any

import httpx

from audit.errors import ConfigError

#: Longest raw text kept from an answer that is not JSON (an HTML error page, say).
MAX_TEXT_CHARS = 4000


def retry_after_seconds(
    value: str | None, *, cap: float = 60.0, now: Callable[[], float] = time.time
) -> float | None:
    """``Retry-After`` in seconds (delta-seconds or HTTP date), clamped to ``[0, cap]``."""
    if not value or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:  # an HTTP date is always GMT
            when = when.replace(tzinfo=dt.UTC)
        seconds = when.timestamp() - now()
    if math.isnan(seconds):
        return None
    return min(max(seconds, 0.0), cap)


def tls_context(verify: bool | str | ssl.SSLContext) -> bool | ssl.SSLContext:
    """``verify`` for httpx: a CA bundle path becomes an SSL context (httpx deprecates str).

    ``True`` means the operating system's trust store (``ssl.create_default_context()``:
    OpenSSL's default paths, which honour ``SSL_CERT_FILE``/``SSL_CERT_DIR``; the Windows
    store on Windows), not httpx's bundled Mozilla list: a corporate CA installed on the
    machine (a TLS-inspecting proxy) is trusted as every other tool there trusts it.
    """
    if verify is True:
        return ssl.create_default_context()
    if not isinstance(verify, str):
        return verify
    try:
        if os.path.isdir(verify):
            return ssl.create_default_context(capath=verify)
        return ssl.create_default_context(cafile=verify)
    except (OSError, ssl.SSLError) as exc:
        problem = f"cannot use it as a CA bundle ({type(exc).__name__}: {exc})"
        raise ConfigError(verify, "tenant.ca_bundle", problem) from exc


def tls_failure(exc: BaseException) -> bool:
    """Whether a transport error is a certificate verification failure (retrying is futile)."""
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        if "CERTIFICATE_VERIFY_FAILED" in str(seen):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def query_dict(params: httpx.QueryParams) -> dict[str, Any]:
    """Query parameters as a dict; a repeated name maps to the list of its values."""
    out: dict[str, Any] = {}
    for key, value in params.multi_items():
        if key in out:
            prev = out[key]
            out[key] = [*prev, value] if isinstance(prev, list) else [prev, value]
        else:
            out[key] = value
    return out


def parse_body(resp: httpx.Response) -> tuple[Any, str | None, str | None]:
    """``(json, text, json_error)``: JSON parsed, or the raw text and why it is not JSON."""
    content = resp.content
    if resp.status_code == 204 or not content.strip():
        return None, None, None
    try:
        return json.loads(content), None, None
    except ValueError as exc:
        text = resp.text
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
        where = f" at char {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        kind = resp.headers.get("content-type", "no content-type")
        return None, text, f"not valid JSON ({kind}){where}"
