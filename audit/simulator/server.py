"""The simulator's HTTP server: a fake Workspace ONE UEM API on loopback.

:class:`SimulatorServer` runs a :class:`http.server.ThreadingHTTPServer` (HTTP/1.1,
keep-alive, one daemon thread per connection) in a background thread and serves:

- ``/api/...``: the endpoints of ``docs/collection.md`` (see :mod:`.endpoints`), with
  Basic + ``aw-tenant-code`` or Bearer authentication, API version negotiation, the
  rate-limit and correlation headers, and the UEM error body;
- ``POST /connect/token``: OAuth 2.0 client credentials (form-encoded);
- ``/autodiscovery/awcredentials.aws/v2/domainlookup/domain/{domain}``: the public
  discovery service (no authentication).

Knobs: ``latency_ms`` per request, a :class:`~.faults.FaultPlan`, ``page_size_cap``,
``ratelimit_remaining``, ``token_lifetime_s``; all but the port may be changed while it
runs. Every request is recorded in :attr:`SimulatorServer.log`. Handler threads never
crash on hostile input: malformed requests get a 400, unexpected errors a 500, both with
the error body (request handling lives in :mod:`.handler`). ``stop()`` closes open
keep-alive connections and joins the threads, so tests see no ResourceWarning.
"""

from __future__ import annotations

import contextlib
import math
import socket
import socketserver
import ssl
import threading
import time
import uuid
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

from audit.simulator.calls import ApiError
from audit.simulator.credentials import TokenStore
from audit.simulator.endpoints import UemApi
from audit.simulator.faults import FaultPlan
from audit.simulator.handler import LogEntry, RequestHandler
from audit.simulator.tenant import TenantIndex, validate_tenant

__all__ = ["RATELIMIT_LIMIT", "LogEntry", "SimulatorServer"]

RATELIMIT_LIMIT = 250_000


def next_midnight_utc(now_s: float | None = None) -> int:
    """Epoch seconds of the next UTC midnight after ``now_s`` (default: now), when the daily
    quota resets."""
    now = int(time.time() if now_s is None else now_s)
    return now - now % 86_400 + 86_400


class _HTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that tracks its connections and threads so it can stop cleanly."""

    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], sim: SimulatorServer) -> None:
        self.sim = sim
        self._conns: set[socket.socket] = set()
        self._conn_threads: set[threading.Thread] = set()
        self._track = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, RequestHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall on DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def get_request(self) -> tuple[Any, Any]:
        sock, addr = super().get_request()
        context = self.sim.ssl_context
        if context is not None:  # the handshake happens in the connection's thread
            sock = context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._serve_connection, args=(request, client_address), daemon=True
        )
        with self._track:
            self._conns.add(request)
            self._conn_threads.add(thread)
        thread.start()

    def _serve_connection(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._track:
                self._conn_threads.discard(threading.current_thread())

    def shutdown_request(self, request: Any) -> None:
        with self._track:
            self._conns.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        self.sim.handler_errors += 1  # a broken connection or TLS handshake: stay quiet

    def close_connections(self, timeout: float) -> None:
        """Unblock idle keep-alive readers, then wait for the connection threads."""
        with self._track:
            conns, threads = list(self._conns), list(self._conn_threads)
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))


class SimulatorServer:
    """A fake UEM API serving ``tenant`` over HTTP(S) on loopback, in a background thread.

    Use as a context manager (or ``start()``/``stop()``)::

        with SimulatorServer(load_scenario("ready"), faults="429:0.1") as server:
            httpx.get(server.url + "/api/system/info", auth=..., headers=...)

    ``faults`` is a :class:`FaultPlan` or a spec string (parsed with ``seed`` and
    ``slow_s``). ``page_size_cap`` answers smaller pages than asked. The quota:
    ``ratelimit_limit`` requests a window (``x-ratelimit-limit``), ``ratelimit_remaining``
    left at the start (default: the limit; each authenticated API request spends one, and at
    zero the API answers 429), a window that resets at UTC midnight, or every
    ``ratelimit_window_s`` seconds (a per-minute quota, say; ``x-ratelimit-reset`` is the
    epoch second of the next reset) by ``clock`` (``time.time``; a test may pass a fake
    clock to move windows on without waiting). ``token_lifetime_s`` is the lifetime of
    issued OAuth tokens.
    """

    def __init__(
        self,
        tenant: dict[str, Any],
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        latency_ms: float = 0,
        faults: FaultPlan | str | None = None,
        ssl_context: ssl.SSLContext | None = None,
        page_size_cap: int | None = None,
        ratelimit_remaining: int | None = None,
        ratelimit_limit: int = RATELIMIT_LIMIT,
        ratelimit_window_s: float | None = None,
        clock: Callable[[], float] = time.time,
        token_lifetime_s: float = 3600.0,
        seed: int = 0,
        slow_s: float = 5.0,
        validate: bool = True,
    ) -> None:
        if validate:
            validate_tenant(tenant)
        remaining = ratelimit_limit if ratelimit_remaining is None else ratelimit_remaining
        if latency_ms < 0 or token_lifetime_s <= 0 or remaining < 0 or ratelimit_limit < 1:
            raise ValueError(
                "latency_ms, ratelimit_remaining must be >= 0, ratelimit_limit >= 1; "
                "token_lifetime_s > 0"
            )
        if ratelimit_window_s is not None and ratelimit_window_s <= 0:
            raise ValueError("ratelimit_window_s must be positive")
        self.tenant = tenant
        self.index = TenantIndex(tenant)
        self.clock = clock
        self.api = UemApi(self.index, page_size_cap=page_size_cap, clock=clock)
        self.host = host
        self._port = port
        self.latency_ms = float(latency_ms)
        self.ssl_context = ssl_context
        self.token_lifetime_s = float(token_lifetime_s)
        self.seed = seed
        self.slow_s = slow_s
        self.handler_errors = 0
        self._faults: FaultPlan | None = None
        self.faults = faults  # the setter parses spec strings
        self._tokens = TokenStore()
        self._quota_lock = threading.Lock()
        self.ratelimit_limit = ratelimit_limit
        self.ratelimit_window_s = ratelimit_window_s
        self._remaining = remaining
        self._reset = (
            next_midnight_utc(clock())
            if ratelimit_window_s is None
            else math.ceil(clock() + ratelimit_window_s)
        )
        self._log: list[LogEntry] = []
        self._log_lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------

    def start(self) -> SimulatorServer:
        """Bind and start serving in a background thread; returns self."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer((self.host, self._port), self)
        self._httpd = httpd
        self._port = httpd.server_address[1]
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"ws1-simulator:{self._port}",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving, close open connections and join every thread (idempotent)."""
        httpd, thread = self._httpd, self._thread
        if httpd is None:
            return
        self._stopping.set()  # wakes handlers sleeping for latency or a slow fault
        httpd.shutdown()
        httpd.close_connections(timeout)
        httpd.server_close()
        if thread is not None:
            thread.join(timeout)
        self._httpd = self._thread = None

    def __enter__(self) -> SimulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        """Whether the server is accepting requests."""
        return self._httpd is not None

    # -- addresses -----------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (the one asked for until started)."""
        return self._port

    @property
    def url(self) -> str:
        """Base URL of the API, e.g. ``http://127.0.0.1:54321``."""
        scheme = "https" if self.ssl_context is not None else "http"
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{scheme}://{host}:{self._port}"

    @property
    def token_url(self) -> str:
        """The OAuth token URL (``url + "/connect/token"``)."""
        return f"{self.url}/connect/token"

    @property
    def discovery_url(self) -> str:
        """Base URL of the discovery service (the same server)."""
        return self.url

    # -- knobs ---------------------------------------------------------------------

    @property
    def faults(self) -> FaultPlan | None:
        """The fault plan in force (None: no faults). Assign a plan, a spec or None."""
        return self._faults

    @faults.setter
    def faults(self, value: FaultPlan | str | None) -> None:
        if isinstance(value, str):
            value = FaultPlan.parse(value, seed=self.seed, slow_s=self.slow_s)
        self._faults = value if value else None

    @property
    def page_size_cap(self) -> int | None:
        """The largest page served, whatever the client asks (None: no cap)."""
        return self.api.page_size_cap

    @page_size_cap.setter
    def page_size_cap(self, value: int | None) -> None:
        if value is not None and value < 1:
            raise ValueError("page_size_cap must be at least 1")
        self.api.page_size_cap = value

    @property
    def ratelimit_remaining(self) -> int:
        """API quota left (``x-ratelimit-remaining``)."""
        return self._remaining

    @property
    def tokens_issued(self) -> int:
        """OAuth tokens issued so far."""
        return self._tokens.issued

    def expire_tokens(self) -> None:
        """Invalidate every issued token now (to test refresh without waiting)."""
        self._tokens.expire_all()

    # -- request log ---------------------------------------------------------------

    @property
    def log(self) -> list[LogEntry]:
        """A snapshot of the request log, oldest first."""
        with self._log_lock:
            return list(self._log)

    def count(
        self,
        path_prefix: str | None = None,
        *,
        endpoint: str | None = None,
        status: int | None = None,
        method: str | None = None,
    ) -> int:
        """Logged requests matching all given filters (path prefix is case-insensitive)."""
        prefix = path_prefix.lower() if path_prefix else None
        return sum(
            1
            for e in self.log
            if (prefix is None or e.path.lower().startswith(prefix))
            and (endpoint is None or e.endpoint == endpoint)
            and (status is None or e.status == status)
            and (method is None or e.method == method)
        )

    def reset_log(self) -> None:
        """Forget the logged requests."""
        with self._log_lock:
            self._log.clear()

    # -- used by the handler -------------------------------------------------------

    def _record(self, entry: LogEntry) -> None:
        with self._log_lock:
            self._log.append(entry)

    def _pause(self, seconds: float) -> None:
        if seconds > 0:
            self._stopping.wait(seconds)

    def _roll_window(self) -> None:
        """Start a new quota window once the clock has passed the reset (a per-window
        quota: ``ratelimit_window_s``; the daily one resets at UTC midnight)."""
        now = self.clock()
        if now < self._reset:
            return
        if self.ratelimit_window_s is None:
            self._reset = next_midnight_utc(now)
        else:
            windows = math.floor((now - self._reset) / self.ratelimit_window_s) + 1
            self._reset = math.ceil(self._reset + windows * self.ratelimit_window_s)
        self._remaining = self.ratelimit_limit

    def _api_headers(self) -> dict[str, str]:
        with self._quota_lock:
            self._roll_window()
            remaining, reset = self._remaining, self._reset
        headers = {
            "x-correlation-id": str(uuid.uuid4()),
            "x-ratelimit-limit": str(self.ratelimit_limit),
            "x-ratelimit-remaining": str(remaining),
            "x-ratelimit-reset": str(reset),
            "x-content-type-options": "nosniff",
        }
        if self.ssl_context is not None:
            headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
        return headers

    def _spend_quota(self, headers: dict[str, str]) -> None:
        with self._quota_lock:
            self._roll_window()
            headers["x-ratelimit-reset"] = str(self._reset)
            if self._remaining <= 0:
                headers["x-ratelimit-remaining"] = "0"
                headers["Retry-After"] = str(max(1, math.ceil(self._reset - self.clock())))
                raise ApiError(429, "The API request quota is exhausted.", 1029)
            self._remaining -= 1
            headers["x-ratelimit-remaining"] = str(self._remaining)

    def __repr__(self) -> str:
        state = "running" if self.running else "stopped"
        return f"<SimulatorServer {self.url} {state} tenant={self.tenant.get('name')!r}>"
