"""Wire-level details of UEM answers: Retry-After, bodies, query strings, TLS settings.

Small pure helpers for :mod:`audit.uem.client`, kept apart so the client reads as the
request loop it is.
"""

from __future__ import annotations

import asyncio
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
from audit.fileio import loads_strict

#: Longest raw text kept from an answer that is not JSON (an HTML error page, say).
MAX_TEXT_CHARS = 4000
#: The largest answer read (decoded) unless the caller says otherwise (collect.max_response_mb).
DEFAULT_MAX_RESPONSE_BYTES = 64 << 20


class TooLarge(Exception):
    """An answer larger than the client reads (``collect.max_response_mb``)."""

    def __init__(self, status: int, limit: int) -> None:
        self.status = status
        super().__init__(
            f"answered {status} with more than {limit / (1 << 20):g} MB once decompressed; "
            "not read (raise collect.max_response_mb if it is genuine)"
        )


async def fetch_capped(
    http: httpx.AsyncClient,
    request: httpx.Request,
    *,
    follow_redirects: bool,
    timeout_s: float,
    max_bytes: int,
) -> httpx.Response:
    """Send ``request`` and read the whole answer within ``timeout_s`` (connect, headers and
    body together: a server trickling bytes cannot hold a request longer), reading at most
    ``max_bytes`` of decoded body (a compressed bomb is cut off, never expanded whole)."""
    chunks: list[bytes] = []
    try:
        async with asyncio.timeout(timeout_s):
            resp = await http.send(request, follow_redirects=follow_redirects, stream=True)
            try:
                size = 0
                async for chunk in resp.aiter_bytes():
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge(resp.status_code, max_bytes)
                    chunks.append(chunk)
            finally:
                await resp.aclose()
    except TimeoutError:
        raise httpx.ReadTimeout(
            f"no complete answer within {timeout_s:g} s (collect.timeout_s)", request=request
        ) from None
    resp._content = b"".join(chunks)  # what Response.aread() keeps
    return resp


def failure_text(failure: Exception, url: httpx.URL, timeout_s: float) -> str:
    """``"ConnectError: cannot connect to host:port: ..."``: a transport failure, one line."""
    detail = " ".join(str(failure).split())[:300]
    if not detail and isinstance(failure, httpx.TimeoutException):
        detail = f"no answer within {timeout_s:g} s"
    if isinstance(failure, httpx.ConnectError | httpx.ConnectTimeout):
        port = url.port or (443 if url.scheme == "https" else 80)
        detail = f"cannot connect to {url.host}:{port}: {detail or 'no detail'}"
    return f"{type(failure).__name__}: {detail or 'no detail'}"


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


def tls_failure(exc: BaseException) -> str | None:
    """Why a transport error is a TLS failure that retrying cannot cure, or None.

    ``"verify"``: the certificate was not trusted; ``"protocol"``: the handshake itself
    failed (https:// against a server speaking plain HTTP, an unsupported protocol).
    """
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            break
        if isinstance(seen, ssl.SSLCertVerificationError) or "CERTIFICATE_VERIFY_FAILED" in str(
            seen
        ):
            return "verify"
        if isinstance(seen, ssl.SSLError) or "WRONG_VERSION_NUMBER" in str(seen):
            return "protocol"
        seen = seen.__cause__ or seen.__context__
    return None


#: What to tell the user about a TLS failure, by :func:`tls_failure`'s answer.
TLS_HINTS = {
    "verify": " (TLS verification failed: set tenant.ca_bundle for a private CA)",
    "protocol": (
        " (the TLS handshake failed: is the scheme right? the server may not speak https)"
    ),
}


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
    """``(json, text, json_error)``: JSON parsed, or the raw text and why it is not JSON.

    Parsed strictly but safely (:func:`audit.fileio.loads_strict`, lenient): too deep a
    nesting, NaN, an integer of thousands of digits make the answer "not valid JSON"; a lone
    surrogate or ``1e400`` is stored as U+FFFD or as text.
    """
    content = resp.content
    if resp.status_code == 204 or not content.strip():
        return None, None, None
    try:
        return loads_strict(content, lenient=True), None, None
    except ValueError as exc:
        text = resp.text
        if len(text) > MAX_TEXT_CHARS:
            text = text[:MAX_TEXT_CHARS]
        if isinstance(exc, json.JSONDecodeError):
            why = f" at char {exc.pos}"
        else:
            why = ": " + " ".join(str(exc).split())[:120]
        kind = resp.headers.get("content-type", "no content-type")
        return None, text, f"not valid JSON ({kind}){why}"
