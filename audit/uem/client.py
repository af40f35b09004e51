"""The async UEM REST client: retries, adaptive concurrency, budget, paging, recording.

Everything the collector reads goes through :class:`UEMClient`; it takes its
``httpx.AsyncClient`` (or transport) from outside, so tests hand it an
``httpx.MockTransport`` and integration tests the simulator over loopback, and it records
every attempt in the :class:`~audit.uem.recorder.Recorder` its owner (the collector)
hands it.

A request goes down layers, as in httpx: the read-only policy (:mod:`audit.uem.readonly`,
checked once, before anything else), the retry policy (:meth:`UEMClient._retrying`),
authentication (:meth:`UEMClient._authenticated`: credentials, and one forced refresh on
a 401), then one wire attempt with its record (:meth:`UEMClient._once`);
:func:`audit.uem.outcome.outcome` turns the last attempt into the answer or the project's
error (its docstring lists which). No budget left raises ``BudgetExhausted`` before
anything is sent. ``client.json_errors`` counts the 2xx answers whose body was not JSON.

Retries use exponential backoff with full jitter (``random() * min(cap, base * 2**n)``),
or the server's ``Retry-After`` (seconds or an HTTP date, capped at ``retry_after_cap_s``)
when it sends one.

Budget: :mod:`audit.uem.budget` (the request budget and the tenant quota).
"""

from __future__ import annotations

import asyncio
import random as _random
import ssl
import time
import types
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal

import httpx

from audit import TOOL_NAME, __version__
from audit.errors import TransportError
from audit.uem import readonly
from audit.uem.auth import Auth, AuthContext
from audit.uem.budget import Budget
from audit.uem.limiter import AdaptiveLimiter
from audit.uem.outcome import ApiResponse, Call, Sent, outcome, retryable
from audit.uem.paging import PagedResult, read_pages
from audit.uem.quota import QuotaPacer
from audit.uem.recorder import Recorder, safe_headers
from audit.uem.shapes import served_version
from audit.uem.wire import (
    DEFAULT_MAX_RESPONSE_BYTES,
    TooLarge,
    failure_text,
    fetch_capped,
    parse_body,
    query_dict,
    retry_after_seconds,
    tls_context,
)

#: Answers that mean "slow down": they shrink the concurrency limit.
CONGESTION_STATUSES = frozenset({429, 503, 504})


class UEMClient:
    """Async GETs against one tenant's API (plus the public discovery service).

    Use as ``async with UEMClient(base_url, auth, recorder=..., transport=...) as client:``.
    An ``http`` client passed in is used as it is (``verify`` and ``timeout_s`` as its
    default do not apply to it; ``timeout_s`` is still set on every request) and is not
    closed by this client; one it creates is. ``verify`` is True, False, a CA bundle path
    (``tenant.ca_bundle``) or an ``ssl.SSLContext``. Every attempt is recorded in
    ``recorder``, which learns the secrets of ``auth``.
    """

    def __init__(
        self,
        base_url: str,
        auth: Auth,
        *,
        recorder: Recorder,
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
        self.base_url, self.auth, self.recorder = base_url.rstrip("/"), auth, recorder
        self._owns_http = http is None
        self._http = http or httpx.AsyncClient(
            transport=transport,
            verify=tls_context(verify),
            timeout=timeout_s,
            event_hooks={"request": [self._refuse_writes]},
        )
        self.timeout_s, self.max_response_bytes = timeout_s, max_response_bytes
        self.max_retries, self.page_size = retries, page_size
        self.backoff_base_s, self.backoff_cap_s = backoff_base_s, backoff_cap_s
        self.retry_after_cap_s = retry_after_cap_s
        self._sleep, self._random = sleep, random
        self.limiter = AdaptiveLimiter(concurrency)
        recorder.add_secrets(*auth.secret_values())
        self._auth_ctx = AuthContext(self._http, recorder, timeout_s, sleep)
        #: Attempts after the first, for any reason (backoff or a forced token refresh).
        self.retries = 0
        #: 2xx answers whose body was not valid JSON.
        self.json_errors = 0
        # (QuotaPacer checks quota_reserve; it sleeps with whatever _sleep is at the time.)
        self.quota = QuotaPacer(
            quota_reserve, max_wait_s=quota_wait_s, clock=clock, sleep=self._pause
        )
        self.budget = Budget(request_budget, self.quota)
        self._user_agent = f"{TOOL_NAME}/{__version__}"

    async def __aenter__(self) -> UEMClient:
        return self

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

    async def _pause(self, seconds: float) -> None:
        await self._sleep(seconds)

    async def _refuse_writes(self, request: httpx.Request) -> None:
        """httpx request hook: the last line of the read-only guarantee."""
        if not readonly.allowed(request.method, request.url, self.auth.token_url):
            raise readonly.refused(request.method, request.url.path, asked=False)

    def stats(self) -> dict[str, Any]:
        """What the run summary (``snapshot.stats``) reports of this client: requests sent,
        retries, the quota, the request budget, the concurrency limit, token fetches."""
        limiter = self.limiter
        return {
            "requests_sent": self.requests_sent,
            "retries": self.retries,
            "quota": self.quota.stats(),
            "request_budget": self.budget.request_budget,
            "concurrency": {
                "max": limiter.max_limit,
                "min_seen": limiter.min_limit_seen,
                "final": limiter.limit,
                "decreases": limiter.decreases,
                "max_in_flight": limiter.max_in_flight_seen,
            },
            "token_fetches": self.auth.token_fetches,
        }

    @property
    def max_concurrency(self) -> int:
        """The most requests in flight at once (``[collect] concurrency``)."""
        return self.limiter.max_limit

    @property
    def requests_sent(self) -> int:
        """Request attempts sent (or about to be), retries included; token requests excluded."""
        return self.budget.sent

    async def get(
        self, path: str, *, params: Mapping[str, Any] | None = None, version: int = 1, purpose: str
    ) -> ApiResponse:
        """GET ``path`` (e.g. ``/api/system/info``) with ``Accept: application/json;version=N``."""
        return await self.request("GET", path, params=params, version=version, purpose=purpose)

    async def post_search(
        self, path: str, *, body: Any, version: int = 1, purpose: str
    ) -> ApiResponse:
        """POST a search that only reads (one of ``readonly.READ_ONLY_POSTS``), JSON ``body``."""
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
        raises :class:`~audit.uem.readonly.ReadOnlyViolation` and nothing is sent.
        """
        url = self.base_url + (path if path.startswith("/") else "/" + path)
        call = Call(method.upper(), url, params, body, version, purpose, external=False)
        return await self._send(call)

    async def get_external(self, url: str, *, purpose: str) -> ApiResponse:
        """GET an absolute URL outside the tenant (the discovery service): no credentials.

        Any 2xx or 4xx but 429 is returned, not raised: "not registered" is an answer,
        and a 401/403 from that service says nothing about our credentials.
        """
        return await self._send(Call("GET", url, None, None, None, purpose, external=True))

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

        return await read_pages(fetch, items=items, max_workers=self.max_concurrency)

    # -- the send path, layer by layer -------------------------------------------------

    async def _send(self, call: Call) -> ApiResponse:
        """One logical request. The read-only policy is checked here, once, before any
        request is built; then the retry policy takes over."""
        method, path = call.method, httpx.URL(call.url).path
        if (call.external and method != "GET") or not readonly.is_read_only(method, path):
            raise readonly.refused(method, self.recorder.redact(path))
        if method != "POST":
            call.body = None
        return await self._retrying(call)

    async def _retrying(self, call: Call) -> ApiResponse:
        """Layer 1, the retry policy: network failures and 429/502/503/504 are tried again
        after a backoff, up to ``retries`` times; then :func:`~audit.uem.outcome.outcome`
        decides."""
        backoffs = 0
        while True:
            sent = await self._authenticated(call)
            if backoffs >= self.max_retries or not retryable(sent):
                answer = outcome(call, sent, self.recorder.redact)
                ok = 200 <= answer.status < 300
                self.json_errors += int(ok and answer.json_error is not None)
                return answer
            await self._sleep(self._backoff(backoffs, sent.response))
            backoffs += 1
            self.retries += 1

    async def _authenticated(self, call: Call) -> Sent:
        """Layer 2, authentication: the credentials on the request, and on a 401 one
        forced refresh and one more attempt (external requests carry none)."""
        while True:
            request = self._build(call)
            u = request.url
            label = u.path if not call.external else f"{u.scheme}://{u.host}{u.path}"
            # Checked before the credentials: no token is fetched for a refused request.
            await self.budget.admit(label, call.external)
            creds = {} if call.external else await self.auth.headers(self._auth_ctx)
            request.headers.update(creds)
            sent = await self._once(call, request, label)
            if call.external or call.refreshed or sent.status != 401:
                return sent
            if not await self.auth.refresh(self._auth_ctx, creds):
                return sent
            call.refreshed = True
            self.retries += 1

    def _build(self, call: Call) -> httpx.Request:
        accept = "application/json"
        if call.version is not None:
            accept += f";version={call.version}"
        try:
            return self._http.build_request(
                call.method,
                call.url,
                params=call.params,
                json=call.body,
                headers={"Accept": accept, "User-Agent": self._user_agent},
                timeout=self.timeout_s,
            )
        except httpx.InvalidURL as exc:
            where = self.recorder.redact(call.url.split("?")[0])
            raise TransportError(f"{call.method} {where}: invalid URL ({exc})") from exc

    async def _once(self, call: Call, request: httpx.Request, label: str) -> Sent:
        """Layer 3, one wire attempt and its record. The budget is checked again right
        before the attempt counts itself, with no await in between, so concurrent
        requests cannot overrun it."""
        await self.budget.admit(label, call.external)
        call.attempts += 1
        resp, failure, elapsed = await self._wire(request, call.external)
        sent = Sent(label, elapsed, resp, failure)
        common: dict[str, Any] = {
            "purpose": call.purpose,
            "method": call.method,
            "path": label,
            "query": query_dict(request.url.params),
            "elapsed_ms": elapsed,
            "attempt": call.attempts,
            "version": call.version,
        }
        if isinstance(failure, TooLarge):
            self.recorder.record(**common, status=failure.status, error=str(failure))
        elif failure is not None:
            sent.error = self.recorder.redact(failure_text(failure, request.url, self.timeout_s))
            self.recorder.record(**common, error=sent.error)
        else:
            assert resp is not None
            if not call.external:
                self.quota.note(resp.headers)
            sent.body, sent.text, sent.json_error = parse_body(resp)
            sent.headers = safe_headers(resp.headers)
            sent.served = served_version(sent.headers)
            clean = sent.json_error is None
            self.recorder.record(
                **common,
                status=resp.status_code,
                served_version=sent.served,
                headers=sent.headers,
                body=sent.body if clean else sent.text,
                raw=resp.content if clean else None,
                json_error=sent.json_error,
                error=None if resp.status_code < 400 else f"HTTP {resp.status_code}",
            )
        return sent

    async def _wire(
        self, request: httpx.Request, external: bool
    ) -> tuple[httpx.Response | None, Exception | None, float]:
        """Send once within a limiter slot; ``(response, httpx failure, elapsed ms)``."""
        resp: httpx.Response | None = None
        failure: Exception | None = None
        with self.budget.sending(external):
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
        return resp, failure, elapsed

    def _backoff(self, retry_index: int, resp: httpx.Response | None) -> float:
        if resp is not None:
            hinted = retry_after_seconds(
                resp.headers.get("retry-after"), cap=self.retry_after_cap_s
            )
            if hinted is not None:
                return hinted
        ceiling = min(self.backoff_cap_s, self.backoff_base_s * 2**retry_index)
        return float(self._random()) * ceiling
