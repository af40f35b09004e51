"""What one request of :class:`~audit.uem.client.UEMClient` comes to: an answer or an error.

:func:`outcome` is the one place where httpx exceptions and HTTP statuses become the
project's exceptions (``audit.errors``); :func:`retryable` says which attempts the retry
policy tries again::

    401                    AuthenticationError  (OAuth: after one forced token refresh)
    403                    PermissionDenied     (API key, or the role's permission for this
                                                 endpoint: the collector decides which)
    429, 502, 503, 504     retried, then ApiError "GET /path answered 503 after 5 attempts"
    other 4xx, 5xx, 3xx    ApiError at once (no retry)
    network error/timeout  retried, then TransportError (TLS verification failures at once)

(The client itself raises ``BudgetExhausted`` and ``ReadOnlyViolation`` before anything is
sent.) A 2xx whose body is not JSON is not raised: the response comes back with
``body=None`` and ``json_error`` set, so the collector records a gap and goes on. An
external request (the discovery service) gets any 2xx or 4xx but 429 back as an answer.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from audit.errors import ApiError, AuthenticationError, PermissionDenied, TransportError
from audit.uem.wire import TLS_HINTS, TooLarge, tls_failure

RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Failures not worth another attempt (TLS verification failures neither).
FATAL_FAILURES = (httpx.UnsupportedProtocol, httpx.InvalidURL, httpx.TooManyRedirects, TooLarge)


@dataclass(frozen=True)
class ApiResponse:
    """One answer, as the collector sees it.

    ``body`` is the parsed JSON; None for 204 or an empty body, and None when the body is
    not JSON, in which case ``json_error`` says why and ``text`` holds the raw text.
    ``headers`` holds only the safe allow-list (see ``recorder.SAFE_HEADERS``).
    """

    status: int
    body: Any
    headers: dict[str, str]
    served_version: str | None
    elapsed_ms: float
    path: str
    json_error: str | None = None
    text: str | None = None
    attempts: int = 1


@dataclass
class Call:
    """One logical request on its way down the client's layers."""

    method: str
    url: str
    params: Mapping[str, Any] | None
    body: Any
    version: int | None
    purpose: str
    external: bool
    #: Attempts sent so far (backoff retries and the 401 refresh included).
    attempts: int = 0
    #: Whether the one forced credential refresh was spent.
    refreshed: bool = False


@dataclass
class Sent:
    """What one wire attempt gave, as recorded: an answer (parsed) or a failure."""

    label: str
    elapsed: float
    response: httpx.Response | None
    failure: Exception | None
    #: The failure's text as recorded (redacted).
    error: str = ""
    body: Any = None
    text: str | None = None
    json_error: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    served: str | None = None

    @property
    def status(self) -> int | None:
        """The answer's HTTP status; None when the attempt failed."""
        return None if self.response is None else self.response.status_code


def retryable(sent: Sent) -> bool:
    """Whether an attempt failed in a way worth trying again (while retries are left): a
    network failure but those of :data:`FATAL_FAILURES` and TLS verification; or an answer
    of :data:`RETRY_STATUSES`."""
    failure = sent.failure
    if failure is None:
        return sent.status in RETRY_STATUSES
    return not isinstance(failure, FATAL_FAILURES) and not tls_failure(failure)


def outcome(call: Call, sent: Sent, redact: Callable[[str], str]) -> ApiResponse:
    """The answer of the last attempt, or the project's error for it (``redact`` scrubs the
    server's message quoted in the error)."""
    method, label, failure = call.method, sent.label, sent.failure
    if isinstance(failure, TooLarge):
        raise ApiError(f"{method} {label}: {failure}", endpoint=label, status=failure.status)
    if failure is not None:
        tls = tls_failure(failure)
        raise TransportError(
            f"{method} {label} failed after {_attempts(call.attempts)}: {sent.error}"
            + (TLS_HINTS[tls] if tls else ""),
            endpoint=label,
        ) from failure
    status = sent.status or 0
    if 200 <= status < 300 or (call.external and 400 <= status < 500 and status != 429):
        return ApiResponse(
            status,
            sent.body,
            sent.headers,
            sent.served,
            round(sent.elapsed, 1),
            label,
            sent.json_error,
            sent.text,
            call.attempts,
        )
    reason = _reason(sent.body, sent.text, redact)
    if status == 401 and not call.external:
        raise AuthenticationError(
            f"{method} {label} answered 401: the credentials were refused"
            + (" even with a fresh OAuth token" if call.refreshed else "")
            + f" (check the username and password, or the OAuth client){reason}",
            endpoint=label,
            status=status,
        )
    if status == 403 and not call.external:
        raise PermissionDenied(
            f"{method} {label} answered 403: the API key (tenant code) was refused, "
            f"or the account lacks permission for this endpoint{reason}",
            endpoint=label,
            error_code=_error_code(sent.body),
        )
    after = f" after {_attempts(call.attempts)}" if status in RETRY_STATUSES else ""
    raise ApiError(
        f"{method} {label} answered {status}{after}{reason}", endpoint=label, status=status
    )


def _reason(body: Any, text: str | None, redact: Callable[[str], str]) -> str:
    """``": <server message> (errorCode N)"`` from a UEM error body, redacted, one line."""
    message = ""
    if isinstance(body, dict):
        raw = body.get("message") or body.get("Message") or body.get("error") or ""
        message = str(raw)
        code = body.get("errorCode") or body.get("ErrorCode")
        if code is not None:
            message = f"{message} (errorCode {code})".strip()
    elif text and not text.lstrip().startswith("<"):
        message = text
    message = redact(" ".join(message.split()))[:200]
    return f": {message}" if message else ""


def _error_code(body: Any) -> int | None:
    """The ``errorCode`` of a UEM error body, when it has an integer one."""
    code = body.get("errorCode", body.get("ErrorCode")) if isinstance(body, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _attempts(n: int) -> str:
    return f"{n} attempt" + ("" if n == 1 else "s")
