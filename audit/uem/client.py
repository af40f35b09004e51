"""The async UEM REST client: retries, adaptive concurrency, budget, paging, recording.

Everything the collector reads goes through :class:`UEMClient`; it takes its
``httpx.AsyncClient`` (or transport) from outside, so tests hand it an
``httpx.MockTransport`` and integration tests the simulator over loopback.

Errors (``audit.errors``), all raised from :meth:`UEMClient._send`, the one place where
httpx exceptions and HTTP statuses become the project's exceptions::

    401                    AuthenticationError  (OAuth: after one forced token refresh)
    403                    PermissionDenied     (API key, or the role's permission for this
                                                 endpoint: the collector decides which)
    429, 502, 503, 504     retried, then ApiError "GET /path answered 503 after 5 attempts"
    other 4xx, 5xx, 3xx    ApiError at once (no retry)
    network error/timeout  retried, then TransportError (TLS verification failures at once)
    no budget left         BudgetExhausted, before anything is sent
    a method that writes   ReadOnlyViolation, before anything is sent (see below)

A 2xx whose body is not JSON is not raised: the response comes back with ``body=None``
and ``json_error`` set (and ``client.json_errors`` counts it), so the collector records a
gap and goes on.

Retries use exponential backoff with full jitter (``random() * min(cap, base * 2**n)``),
or the server's ``Retry-After`` (seconds or an HTTP date, capped at ``retry_after_cap_s``)
when it sends one.

Read-only by construction. The client sends GET, and POST only to the searches listed
in :data:`READ_ONLY_POSTS` (UEM answers some searches by POST; they read). Any other
method or POST target is refused with :class:`ReadOnlyViolation` before a request is
built, checked again on the built request right before it is sent, and, on the HTTP
client this class creates, once more by an httpx request hook that sees every request
including the OAuth token POST (the only other POST allowed). The tool never writes to
the tenant.

Budget. ``request_budget`` caps the requests sent by this client (every attempt counts,
retries included; OAuth token requests go to another server and are counted in
``auth.token_fetches`` instead). The tenant quota is shared with the tenant's other
integrations: :class:`~audit.uem.quota.QuotaPacer` reads ``x-ratelimit-limit``,
``-remaining`` and ``-reset`` and, in each quota window, spends at most
``1 - quota_reserve`` of the remaining quota it first saw in it (never taking the tenant
below 100); when that share is spent it waits for a window that resets within
``quota_wait_s`` (a per-minute quota), and otherwise (a daily one) sends nothing more.
"""

from __future__ import annotations

import asyncio
import random as _random
import re
import ssl
import time
import types
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import httpx

from audit import TOOL_NAME, __version__
from audit.errors import (
    ApiError,
    AuthenticationError,
    BudgetExhausted,
    PermissionDenied,
    TransportError,
)
from audit.uem import catalogue
from audit.uem.auth import Auth, AuthContext
from audit.uem.limiter import AdaptiveLimiter
from audit.uem.paging import PagedResult, read_pages
from audit.uem.quota import MIN_QUOTA_REMAINING, QuotaPacer
from audit.uem.recorder import Recorder, safe_headers
from audit.uem.shapes import served_version
from audit.uem.wire import (
    DEFAULT_MAX_RESPONSE_BYTES,
    TLS_HINTS,
    TooLarge,
    failure_text,
    fetch_capped,
    parse_body,
    query_dict,
    retry_after_seconds,
    tls_context,
    tls_failure,
)

__all__ = [
    "MIN_QUOTA_REMAINING",
    "READ_ONLY_POSTS",
    "ApiResponse",
    "PagedResult",
    "ReadOnlyViolation",
    "UEMClient",
    "retry_after_seconds",
    "tls_context",
]

RETRY_STATUSES = frozenset({429, 502, 503, 504})
#: Answers that mean "slow down": they shrink the concurrency limit.
CONGESTION_STATUSES = frozenset({429, 503, 504})
#: The only POST requests sent to the tenant: the catalogue's searches that read (the v3
#: profile search). Matched against the whole URL path, case-insensitively.
READ_ONLY_POSTS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(
        re.escape(catalogue.API_ROOT)
        + r"(?:/v\d+)?"
        + re.escape(e.path[len(catalogue.API_ROOT) :])
        + "/?",
        re.IGNORECASE,
    )
    for e in catalogue.read_only_posts()
)


class ReadOnlyViolation(ApiError):
    """A request that could change the tenant was asked for; nothing was sent."""


def is_read_only(method: str, path: str) -> bool:
    """Whether ``method`` on URL path ``path`` only reads: GET, or a known POST search."""
    verb = method.upper()
    if verb == "GET":
        return True
    return verb == "POST" and any(p.fullmatch(path) for p in READ_ONLY_POSTS)


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


class UEMClient:
    """Async GETs against one tenant's API (plus the public discovery service).

    Use as ``async with UEMClient(base_url, auth, transport=...) as client:``. An
    ``http`` client passed in is used as it is (``verify`` and ``timeout_s`` as its
    default do not apply to it; ``timeout_s`` is still set on every request) and is not
    closed by this client; one it creates is. ``verify`` is True, False, a CA bundle path
    (``tenant.ca_bundle``) or an ``ssl.SSLContext``.
    """

    def __init__(
        self,
        base_url: str,
        auth: Auth,
        *,
        http: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        concurrency: int = 8,
        timeout_s: float = 30,
        retries: int = 4,
        request_budget: int | None = None,
        quota_reserve: float = 0.5,
        quota_wait_s: float = 120.0,
        clock: Callable[[], float] = time.time,
        verify: bool | str | ssl.SSLContext = True,
        recorder: Recorder | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        random: Callable[[], float] = _random.random,
        page_size: int = 500,
        backoff_base_s: float = 0.5,
        backoff_cap_s: float = 30.0,
        retry_after_cap_s: float = 60.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
    ) -> None:
        if http is not None and transport is not None:
            raise ValueError("pass either http or transport, not both")
        if retries < 0 or page_size < 1:
            raise ValueError("retries must be >= 0 and page_size >= 1")
        self.base_url = base_url.rstrip("/")
        self.auth = auth
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            transport=transport,
            verify=tls_context(verify),
            timeout=timeout_s,
            event_hooks={"request": [self._refuse_writes]},
        )
        self.timeout_s = timeout_s
        self.max_response_bytes = max_response_bytes
        self.max_retries = retries
        self.request_budget = request_budget
        self.quota_reserve = quota_reserve
        self.page_size = page_size
        self.backoff_base_s, self.backoff_cap_s = backoff_base_s, backoff_cap_s
        self.retry_after_cap_s = retry_after_cap_s
        self._sleep, self._random = sleep, random
        self.limiter = AdaptiveLimiter(concurrency)
        self.recorder = recorder if recorder is not None else Recorder()
        self.recorder.add_secrets(*auth.secret_values())
        self._auth_ctx = AuthContext(self._http, self.recorder, timeout_s, sleep)
        #: Request attempts sent (or about to be), retries included; token requests excluded.
        self.requests_sent = 0
        #: Attempts after the first, for any reason (backoff or a forced token refresh).
        self.retries = 0
        #: 2xx answers whose body was not valid JSON.
        self.json_errors = 0
        # (QuotaPacer checks quota_reserve; it sleeps with whatever _sleep is at the time.)
        self.quota = QuotaPacer(
            quota_reserve, max_wait_s=quota_wait_s, clock=clock, sleep=self._pause
        )
        self._api_in_flight = 0
        self._user_agent = f"{TOOL_NAME}/{__version__}"

    async def __aenter__(self) -> UEMClient:
        return self

    async def _pause(self, seconds: float) -> None:
        await self._sleep(seconds)

    def _allowed(self, method: str, url: httpx.URL) -> bool:
        """GET, a known POST search, or the OAuth token POST (:data:`READ_ONLY_POSTS`)."""
        if is_read_only(method, url.path):
            return True
        token_url = getattr(self.auth, "token_url", None)
        if method.upper() == "POST" and token_url:
            token = httpx.URL(token_url)
            return (url.scheme, url.host, url.port, url.path) == (
                token.scheme,
                token.host,
                token.port,
                token.path,
            )
        return False

    async def _refuse_writes(self, request: httpx.Request) -> None:
        """httpx request hook: the last line of the read-only guarantee."""
        if not self._allowed(request.method, request.url):
            raise ReadOnlyViolation(
                f"{request.method} {request.url.path} refused: ws1-audit only reads "
                "from the tenant (GET and known POST searches)",
                endpoint=request.url.path,
            )

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: types.TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the HTTP client if this client created it."""
        if self._owns_http:
            await self._http.aclose()

    @property
    def quota_first(self) -> int | None:
        """The first ``x-ratelimit-remaining`` seen."""
        return self.quota.first

    @property
    def quota_remaining(self) -> int | None:
        """The lowest ``x-ratelimit-remaining`` seen in the current quota window."""
        return self.quota.remaining

    @property
    def quota_floor(self) -> int | None:
        """The remaining quota kept for the tenant's other integrations in this window."""
        return self.quota.floor

    @property
    def budget_left(self) -> int | None:
        """Requests the run may still send (the request budget, and the quota reserve of a
        window that does not reset soon enough to wait for); None when unbounded."""
        left: list[int] = []
        if self.request_budget is not None:
            left.append(max(0, self.request_budget - self.requests_sent))
        room = self.quota.room(self._api_in_flight) if self.quota.binding() else None
        if room is not None:
            left.append(room)
        return min(left) if left else None

    def budget_reason(self) -> str:
        """Which limit the run reached, for a gap's reason: the request budget or the quota."""
        budget = None if self.request_budget is None else self.request_budget - self.requests_sent
        room = self.quota.room(self._api_in_flight) if self.quota.binding() else None
        if room is not None and (budget is None or room <= budget):
            return self.quota.describe()
        return (
            f"the request budget ran out (request_budget {self.request_budget}, "
            f"{self.requests_sent} requests sent)"
        )

    async def get(
        self, path: str, *, params: Mapping[str, Any] | None = None, version: int = 1, purpose: str
    ) -> ApiResponse:
        """GET ``path`` (e.g. ``/api/system/info``) with ``Accept: application/json;version=N``."""
        url = self.base_url + (path if path.startswith("/") else "/" + path)
        return await self._send(
            url, params=params, version=version, purpose=purpose, external=False
        )

    async def post_search(
        self, path: str, *, body: Any, version: int = 1, purpose: str
    ) -> ApiResponse:
        """POST a search that only reads (one of :data:`READ_ONLY_POSTS`), JSON ``body``."""
        return await self.request("POST", path, body=body, version=version, purpose=purpose)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        version: int = 1,
        purpose: str,
    ) -> ApiResponse:
        """Any request the client allows: GET, or POST to a known search.

        Every other method (PUT, PATCH, DELETE, a POST that is not a known search, ...)
        raises :class:`ReadOnlyViolation` and nothing is sent.
        """
        url = self.base_url + (path if path.startswith("/") else "/" + path)
        return await self._send(
            url,
            params=params,
            version=version,
            purpose=purpose,
            external=False,
            method=method,
            body=body,
        )

    async def get_external(self, url: str, *, purpose: str) -> ApiResponse:
        """GET an absolute URL outside the tenant (the discovery service): no credentials.

        Any 2xx or 4xx but 429 is returned, not raised: "not registered" is an answer,
        and a 401/403 from that service says nothing about our credentials.
        """
        return await self._send(url, params=None, version=None, purpose=purpose, external=True)

    async def get_all(
        self,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        version: int = 1,
        purpose: str,
        items: tuple[str, ...] = (),
        paging: Literal["v1", "snake"] = "v1",
    ) -> PagedResult:
        """Every row of a paged list: 0-based ``page`` plus ``pagesize`` (v1) or ``page_size``.

        ``items`` names the item key(s) to prefer (e.g. ``("Devices",)``). Page 0 first;
        when it has a total, the remaining pages concurrently. The stop rules and when
        the result is marked incomplete are those of :func:`audit.uem.paging.read_pages`.
        Errors of any page request propagate.
        """
        size_key = "pagesize" if paging == "v1" else "page_size"
        base = {
            k: v for k, v in (params or {}).items() if k not in ("page", "pagesize", "page_size")
        }

        async def fetch(page: int) -> ApiResponse:
            query = {**base, "page": page, size_key: self.page_size}
            return await self.get(path, params=query, version=version, purpose=purpose)

        return await read_pages(fetch, items=items, max_workers=self.limiter.max_limit)

    async def _check_budget(self, label: str, external: bool) -> None:
        """Raise BudgetExhausted when the request budget is used up; wait for the quota
        window to reset when this request does not fit it (see ``audit.uem.quota``). Ends
        with no await after the last check, so the request is counted before another
        request can pass."""
        while True:
            if self.request_budget is not None and self.requests_sent >= self.request_budget:
                raise BudgetExhausted(
                    f"request budget of {self.request_budget} requests used up; "
                    f"GET {label} was not sent",
                    endpoint=label,
                )
            room = None if external else self.quota.room(self._api_in_flight)
            if room is None or room >= 1:
                return
            await self.quota.admit(label, lambda: self._api_in_flight)

    def _backoff(self, retry_index: int, resp: httpx.Response | None) -> float:
        if resp is not None:
            hinted = retry_after_seconds(
                resp.headers.get("retry-after"), cap=self.retry_after_cap_s
            )
            if hinted is not None:
                return hinted
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * 2**retry_index)
        return float(self._random()) * ceiling

    async def _attempt(
        self, request: httpx.Request, external: bool
    ) -> tuple[httpx.Response | None, Exception | None, float]:
        """Send once within a limiter slot; ``(response, httpx failure, elapsed ms)``."""
        if not is_read_only(request.method, request.url.path):
            raise ReadOnlyViolation(
                f"{request.method} {request.url.path} refused: ws1-audit only reads from the "
                "tenant (GET and known POST searches)",
                endpoint=request.url.path,
            )
        self.requests_sent += 1
        if not external:
            self._api_in_flight += 1
            self.quota.spent += 1
        resp: httpx.Response | None = None
        failure: Exception | None = None
        try:
            async with self.limiter.slot() as held:
                t0 = time.perf_counter()
                try:
                    resp = await fetch_capped(
                        self._http,
                        request,
                        follow_redirects=external,
                        timeout_s=self.timeout_s,
                        max_bytes=self.max_response_bytes,
                    )
                except (httpx.HTTPError, httpx.InvalidURL, TooLarge) as exc:
                    failure = exc
                elapsed = (time.perf_counter() - t0) * 1000
                # Only the tenant's answers steer the limiter, not the discovery service's.
                if not external:
                    if isinstance(failure, httpx.TimeoutException) or (
                        resp is not None and resp.status_code in CONGESTION_STATUSES
                    ):
                        self.limiter.on_congestion(held)
                    elif resp is not None:
                        self.limiter.on_success()
        finally:
            if not external:
                self._api_in_flight -= 1
        return resp, failure, elapsed

    async def _send(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None,
        version: int | None,
        purpose: str,
        external: bool,
        method: str = "GET",
        body: Any = None,
    ) -> ApiResponse:
        """One logical request: attempts, retries, recording, and every error translation."""
        method = method.upper()
        if (external and method != "GET") or not is_read_only(method, httpx.URL(url).path):
            where = self.recorder.redact(httpx.URL(url).path)
            raise ReadOnlyViolation(
                f"{method} {where} refused: ws1-audit only reads from the tenant "
                "(GET and known POST searches); nothing was sent",
                endpoint=where,
            )
        accept = "application/json" if version is None else f"application/json;version={version}"
        attempt = backoffs = 0
        refreshed = False
        while True:
            attempt += 1
            try:
                request = self._http.build_request(
                    method,
                    url,
                    params=params,
                    json=body if method == "POST" else None,
                    headers={"Accept": accept, "User-Agent": self._user_agent},
                    timeout=self.timeout_s,
                )
            except httpx.InvalidURL as exc:
                where = self.recorder.redact(url.split("?")[0])
                raise TransportError(f"{method} {where}: invalid URL ({exc})") from exc
            u = request.url
            label = u.path if not external else f"{u.scheme}://{u.host}{u.path}"
            # Checked before the credentials (no token is fetched for a refused request) and
            # again after them, right before _attempt counts the request with no await in
            # between, so concurrent requests cannot overrun the budget.
            await self._check_budget(label, external)
            creds = {} if external else await self.auth.headers(self._auth_ctx)
            request.headers.update(creds)
            await self._check_budget(label, external)
            resp, failure, elapsed = await self._attempt(request, external)

            common: dict[str, Any] = {
                "purpose": purpose,
                "method": method,
                "path": label,
                "query": query_dict(u.params),
                "elapsed_ms": elapsed,
                "attempt": attempt,
                "version": version,
            }
            if isinstance(failure, TooLarge):
                self.recorder.record(**common, status=failure.status, error=str(failure))
                raise ApiError(
                    f"{method} {label}: {failure}", endpoint=label, status=failure.status
                )
            if failure is not None:
                error = self.recorder.redact(failure_text(failure, u, self.timeout_s))
                self.recorder.record(**common, error=error)
                tls = tls_failure(failure)
                fatal = tls or isinstance(
                    failure, httpx.UnsupportedProtocol | httpx.InvalidURL | httpx.TooManyRedirects
                )
                if fatal or backoffs >= self.max_retries:
                    raise TransportError(
                        f"{method} {label} failed after {_attempts(attempt)}: {error}"
                        + (TLS_HINTS[tls] if tls else ""),
                        endpoint=label,
                    ) from failure
                await self._sleep(self._backoff(backoffs, None))
                backoffs += 1
                self.retries += 1
                continue

            assert resp is not None
            status = resp.status_code
            if not external:
                self.quota.note(resp.headers)
            body, text, json_error = parse_body(resp)
            kept = safe_headers(resp.headers)
            served = served_version(kept)
            self.recorder.record(
                **common,
                status=status,
                served_version=served,
                headers=kept,
                body=body if json_error is None else text,
                raw=resp.content if json_error is None else None,
                json_error=json_error,
                error=None if status < 400 else f"HTTP {status}",
            )
            ok = 200 <= status < 300
            if ok or (external and 400 <= status < 500 and status != 429):
                self.json_errors += int(ok and json_error is not None)
                return ApiResponse(
                    status, body, kept, served, round(elapsed, 1), label, json_error, text, attempt
                )
            reason = self._reason(body, text)
            if status == 401 and not external:
                if not refreshed and await self.auth.refresh(self._auth_ctx, creds):
                    refreshed = True
                    self.retries += 1
                    continue
                raise AuthenticationError(
                    f"{method} {label} answered 401: the credentials were refused"
                    + (" even with a fresh OAuth token" if refreshed else "")
                    + f" (check the username and password, or the OAuth client){reason}",
                    endpoint=label,
                    status=status,
                )
            if status == 403 and not external:
                raise PermissionDenied(
                    f"{method} {label} answered 403: the API key (tenant code) was refused, "
                    f"or the account lacks permission for this endpoint{reason}",
                    endpoint=label,
                    error_code=_error_code(body),
                )
            if status in RETRY_STATUSES and backoffs < self.max_retries:
                await self._sleep(self._backoff(backoffs, resp))
                backoffs += 1
                self.retries += 1
                continue
            after = f" after {_attempts(attempt)}" if status in RETRY_STATUSES else ""
            raise ApiError(
                f"{method} {label} answered {status}{after}{reason}", endpoint=label, status=status
            )

    def _reason(self, body: Any, text: str | None) -> str:
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
        message = self.recorder.redact(" ".join(message.split()))[:200]
        return f": {message}" if message else ""


def _error_code(body: Any) -> int | None:
    """The ``errorCode`` of a UEM error body, when it has an integer one."""
    code = body.get("errorCode", body.get("ErrorCode")) if isinstance(body, dict) else None
    return code if isinstance(code, int) and not isinstance(code, bool) else None


def _attempts(n: int) -> str:
    return f"{n} attempt" + ("" if n == 1 else "s")
