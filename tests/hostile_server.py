"""A small hostile HTTP server for the trust tests: it echoes, encodes, trickles, bombs, nests.

:class:`HostileServer` listens on loopback and answers each request with the first rule
whose method and path pattern match; every other request is forwarded to an upstream
server (the simulator), so one endpoint can misbehave while the rest of the tenant is
real. A rule returns a :class:`Reply`; the server writes its bytes exactly (no re-encoding),
optionally a few at a time with a pause between (``trickle_s``). :attr:`HostileServer.seen`
records each request (method, path, headers, body) so a rule or a test can echo or check
what the client sent.

Helpers build the hostile bodies: :func:`gzip_bomb` (a small gzip stream that expands to
any size), :func:`nested` (JSON nested N levels deep), :func:`json_reply`.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import re
import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx


@dataclass
class Seen:
    """One request as the hostile server received it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    """What to send: the status, headers and body bytes as they go on the wire."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    #: Send the body this many bytes at a time, pausing ``trickle_s`` between (0: at once).
    trickle_s: float = 0.0
    chunk: int = 1


Rule = Callable[[Seen], Reply]


def json_reply(data: Any, status: int = 200, **dumps: Any) -> Reply:
    """A JSON answer (``dumps`` options go to :func:`json.dumps`)."""
    return Reply(status, json.dumps(data, **dumps).encode("utf-8"))


@functools.cache
def gzip_bomb(decoded_mb: int) -> bytes:
    """A gzip stream of ``decoded_mb`` MB of spaces: about 1 KB on the wire per MB."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = b" " * (1 << 20)
    parts = [compressor.compress(block) for _ in range(decoded_mb)]
    return b"".join(parts) + compressor.flush()


def nested(depth: int, inner: str = "1") -> bytes:
    """JSON of ``depth`` nested lists around ``inner``."""
    return ("[" * depth + inner + "]" * depth).encode()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        seen = Seen(self.command, self.path, dict(self.headers.items()), body)
        with self.server.lock:
            self.server.seen.append(seen)
        path = self.path.split("?", 1)[0]
        for method, pattern, rule in self.server.rules:
            if method in ("*", self.command) and re.search(pattern, path):
                self._write(rule(seen))
                return
        self._write(self.server.forward(seen))

    do_GET = do_POST = _serve

    def _write(self, reply: Reply) -> None:
        self.send_response(reply.status)
        headers = {k.lower(): v for k, v in reply.headers.items()}
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if "content-length" not in headers:
            self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        try:
            if not reply.trickle_s:
                self.wfile.write(reply.body)
                return
            for i in range(0, len(reply.body), reply.chunk):
                if self.server.stopping.wait(reply.trickle_s):
                    return
                self.wfile.write(reply.body[i : i + reply.chunk])
                self.wfile.flush()
        except OSError:
            self.close_connection = True  # the client gave up: fine


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, rules: list[tuple[str, str, Rule]], upstream: str | None) -> None:
        self.rules = rules
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.upstream = upstream
        self._client = httpx.Client(timeout=30)
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        import socketserver

        socketserver.TCPServer.server_bind(self)  # no FQDN lookup
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that hung up mid-answer

    def forward(self, seen: Seen) -> Reply:
        if self.upstream is None:
            return json_reply({"errorCode": 404, "message": "no such path"}, 404)
        skip = {"host", "content-length", "connection", "accept-encoding"}
        resp = self._client.request(
            seen.method,
            self.upstream + seen.path,
            headers={k: v for k, v in seen.headers.items() if k.lower() not in skip},
            content=seen.body or None,
        )
        keep = {
            k: v
            for k, v in resp.headers.items()
            if k.lower() not in ("content-length", "content-encoding", "transfer-encoding")
        }
        return Reply(resp.status_code, resp.content, keep)


class HostileServer:
    """``with HostileServer(upstream=sim.url) as hostile: hostile.on("GET", r"^/api/x", rule)``."""

    def __init__(self, *, upstream: str | None = None) -> None:
        self._rules: list[tuple[str, str, Rule]] = []
        self._server = _Server(self._rules, upstream)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def on(self, method: str, pattern: str, rule: Rule | Reply) -> HostileServer:
        """Answer requests matching ``method`` (or ``*``) and the path regex with ``rule``."""
        self._rules.append((method, pattern, rule if callable(rule) else (lambda _s: rule)))
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def seen(self) -> list[Seen]:
        with self._server.lock:
            return list(self._server.seen)

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        self._server._client.close()
        self._thread.join(5)


@contextlib.contextmanager
def closed_port() -> Iterator[int]:
    """A loopback port nothing listens on (bound and closed again)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    yield port


def wait_for(predicate: Callable[[], bool], timeout: float = 60) -> None:
    """Poll ``predicate`` until it holds (a bound, not a timing assertion)."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached")
        time.sleep(0.01)


__all__ = [
    "HostileServer",
    "Reply",
    "Seen",
    "closed_port",
    "gzip",
    "gzip_bomb",
    "json_reply",
    "nested",
    "wait_for",
]
