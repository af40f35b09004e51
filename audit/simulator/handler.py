"""HTTP request handling for the simulator: dispatch, authentication, tokens, discovery.

:class:`RequestHandler` answers one connection's requests (HTTP/1.1 keep-alive) for a
:class:`~audit.simulator.server.SimulatorServer`: it applies latency and faults, checks
Basic + ``aw-tenant-code`` or Bearer credentials (:mod:`.credentials`), negotiates the
API version, asks :class:`~audit.simulator.endpoints.UemApi` for the answer and writes it
with the UEM headers (a body fault changes it first: :mod:`.fault_bodies`). It records
every request as a :class:`LogEntry`, and it never lets an exception escape: bad input
gets a 400 (or 404/405/413), anything unexpected a 500.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import socket
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from audit.simulator.calls import ApiError, Reply, error_body
from audit.simulator.credentials import authenticate, basic_pair, same
from audit.simulator.endpoints import accept_version, negotiate
from audit.simulator.fault_bodies import BODY_FAULTS, MUTATIONS
from audit.simulator.faults import Fault
from audit.simulator.render.discovery import discovery_body

if TYPE_CHECKING:
    from audit.simulator.server import _HTTPServer

__all__ = ["LogEntry", "RequestHandler"]

MAX_BODY = 64 * 1024
_VERSION_PATH = re.compile(r"/api/v(\d{1,4})(/.*)?")
_DISCOVERY = re.compile(r"/autodiscovery/awcredentials\.aws/v2/domainlookup/domain/([^/]+)/?")
#: What IIS answers for a path the API does not route (XSOAR test data, shortened): HTML.
_IIS_NOT_FOUND = (
    '<!DOCTYPE html>\n<html lang="en">\n<head>\n    <title>The resource cannot be found.</title>\n'
    "</head>\n<body>\n<span><H1>Server Error in '/Api/{module}' Application.<hr></H1>\n"
    "<h2> <em>The resource cannot be found.</em> </h2></span>\n<strong> Description: </strong>"
    "HTTP 404. The resource you are looking for (or one of its dependencies) could have been\n"
    "removed, had its name changed, or is temporarily unavailable. &nbsp;Please review the "
    "following URL and make\nsure that it is spelled correctly.\n</body>\n</html>"
)
_HTML_ERROR = (
    "<!DOCTYPE html><html><head><title>{code} {phrase}</title></head><body>"
    "<h1>{phrase}</h1><p>The server is temporarily unable to service your request. "
    "Please try again later.</p><hr><address>gateway</address></body></html>"
)


@dataclass(slots=True)
class LogEntry:
    """One request as the simulator saw and answered it."""

    method: str
    path: str
    query: dict[str, str]
    status: int = 0  # 0: the connection was dropped without an answer
    api_version: str | None = None  # "v1", "v2" as served
    endpoint: str | None = None  # route name ("devices", "og_search", "token", "discovery")
    fault: str | None = None  # the fault rule that fired, if any
    correlation_id: str | None = None
    duration_ms: float = 0.0


class RequestHandler(BaseHTTPRequestHandler):
    """One connection; dispatches each request to the token, discovery or API logic."""

    protocol_version = "HTTP/1.1"
    server_version = "ws1-audit-simulator"
    sys_version = ""
    timeout = 30
    server: _HTTPServer
    _entry: LogEntry | None = None
    _started: float = 0.0

    def setup(self) -> None:
        self.request.settimeout(self.timeout)
        with contextlib.suppress(OSError):  # answers go out at once, not after a delayed ACK
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the request log is :attr:`SimulatorServer.log`."""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):  # any other method (PUT, DELETE, FOO, ...): 405
            return lambda: self._dispatch(name[3:])
        raise AttributeError(name)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # -- plumbing ------------------------------------------------------------------

    def _read_body(self) -> bytes | None:
        """The request body (at most MAX_BODY bytes); None when too large or unreadable.

        A body that is not read (chunked, too large) makes the connection close after the
        answer, so a keep-alive connection never desynchronises.
        """
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True
            return b""  # not read: the connection closes after this answer
        raw = self.headers.get("Content-Length", "0").strip() or "0"
        if not raw.isdigit():
            self.close_connection = True
            return None
        length = int(raw)
        if length > MAX_BODY:
            self.close_connection = True
            return None
        return self.rfile.read(length) if length else b""

    def _send(
        self,
        status: int,
        body: bytes | None,
        content_type: str | None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        self._commit(status)  # logged before the client can see the answer
        try:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body is not None and status not in (204, 304):
                if content_type:
                    self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
            elif status != 204:
                self.send_header("Content-Length", "0")
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            if body and status not in (204, 304) and self.command != "HEAD":
                self.wfile.write(body)
            self.wfile.flush()
        except OSError:
            self.close_connection = True

    def _send_json(self, status: int, body: Any, headers: Mapping[str, str] | None = None) -> None:
        data = None if body is None else json.dumps(body, separators=(",", ":")).encode()
        self._send(status, data, "application/json; charset=utf-8", headers)

    # -- dispatch ------------------------------------------------------------------

    def _commit(self, status: int) -> None:
        """Record the current request in the log (once), with the status answered."""
        entry = self._entry
        if entry is None:
            return
        self._entry = None
        entry.status = status
        entry.duration_ms = (time.monotonic() - self._started) * 1000.0
        self.server.sim._record(entry)

    def _dispatch(self, method: str) -> None:
        sim = self.server.sim
        self._started = time.monotonic()
        entry = self._entry = LogEntry(method, self.path, {})
        try:
            split = urlsplit(self.path)
            entry.path = split.path
            path = unquote(split.path)
            try:
                query = parse_qs(split.query, keep_blank_values=True, max_num_fields=200)
            except ValueError:
                query = None
            entry.query = {k.lower(): v[0] for k, v in (query or {}).items()}
            body = self._read_body()
            if body is None:
                entry.status = 413
                self._send_json(413, error_body("Request body too large or malformed.", 1013))
                return
            sim._pause(sim.latency_ms / 1000.0)
            lowered = path.lower()
            if query is None:
                entry.status = 400
                self._send_json(400, error_body("Malformed query string.", 1002))
            elif lowered.rstrip("/") == "/connect/token":
                self._token(method, body, entry)
            elif lowered.startswith("/autodiscovery/"):
                self._discovery(method, lowered, entry)
            elif lowered.startswith("/api/") or lowered == "/api":
                self._api(method, lowered, entry)
            else:
                entry.status = 404
                self._send_json(404, error_body("Not found.", 1004))
        except Exception:  # a handler must answer, never die
            sim.handler_errors += 1
            self.close_connection = True
            if self._entry is not None:  # nothing sent yet
                self._send_json(500, error_body("Internal simulator error.", 1000))
        finally:
            self._commit(entry.status)  # a dropped connection: status 0

    def _apply_fault(self, fault: Fault, entry: LogEntry, api_headers: dict[str, str]) -> bool:
        """Act on a fault; True when the request is fully handled (answered or dropped)."""
        sim = self.server.sim
        entry.fault = fault.rule
        if fault.kind == "drop":
            entry.status = 0
            self.close_connection = True
            return True
        if fault.kind == "slow":
            sim._pause(sim.faults.slow_s if sim.faults else 0.0)
            return False
        if fault.kind in BODY_FAULTS:
            return False  # applied to the real answer (API requests only)
        status = fault.status or 500
        entry.status = status
        if fault.kind == "html":
            phrase = _phrase(status)
            html = _HTML_ERROR.format(code=status, phrase=phrase).encode()
            self._send(status, html, "text/html; charset=utf-8")
            return True
        headers = dict(api_headers)
        if status == 429:
            headers["Retry-After"] = "1"
        self._send_json(status, error_body(_phrase(status), 1000 + status % 100), headers)
        return True

    # -- token ---------------------------------------------------------------------

    def _token(self, method: str, body: bytes, entry: LogEntry) -> None:
        sim = self.server.sim
        entry.endpoint = "token"
        headers = {"Cache-Control": "no-store", "Pragma": "no-cache"}
        if method != "POST":
            entry.status = 405
            self._send_json(405, {"error": "invalid_request"}, {**headers, "Allow": "POST"})
            return
        fault = sim.faults.for_token() if sim.faults else None
        if fault is not None:
            entry.status, entry.fault = fault.status or 500, fault.rule
            error = "server_error" if entry.status >= 500 else "invalid_request"
            self._send_json(entry.status, {"error": error}, headers)
            return
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
        client_id, client_secret = form.get("client_id", ""), form.get("client_secret", "")
        scheme, _, value = self.headers.get("Authorization", "").partition(" ")
        if scheme.lower() == "basic" and not client_id:
            client_id, _, client_secret = basic_pair(value)
        creds = sim.tenant["credentials"]
        if form.get("grant_type") != "client_credentials":
            entry.status = 400
            self._send_json(400, {"error": "unsupported_grant_type"}, headers)
        elif not (
            same(client_id, creds["client_id"]) and same(client_secret, creds["client_secret"])
        ):
            entry.status = 400
            self._send_json(400, {"error": "invalid_client"}, headers)
        else:
            token = sim._tokens.issue(sim.token_lifetime_s)
            answer = {
                "access_token": token,
                "expires_in": math.ceil(sim.token_lifetime_s),
                "token_type": "Bearer",
                "scope": "api",
            }
            entry.status = 200
            self._send_json(200, answer, headers)

    # -- discovery -----------------------------------------------------------------

    def _discovery(self, method: str, path: str, entry: LogEntry) -> None:
        sim = self.server.sim
        entry.endpoint = "discovery"
        fault = sim.faults.for_request(path) if sim.faults else None
        if fault is not None and self._apply_fault(fault, entry, {}):
            return
        match = _DISCOVERY.fullmatch(path)
        if method != "GET":
            entry.status = 405
            self._send_json(405, {"Message": "Method not allowed."}, {"Allow": "GET"})
            return
        domains = {k.lower(): v for k, v in sim.tenant.get("discovery", {}).items()}
        found = domains.get(match.group(1).strip().lower()) if match else None
        if found is None:
            entry.status = 404
            self._send_json(404, {"Message": "No matching domain found."})
            return
        entry.status = 200
        self._send_json(200, discovery_body(found, sim.url))

    # -- API -----------------------------------------------------------------------

    def _api(self, method: str, path: str, entry: LogEntry) -> None:
        sim = self.server.sim
        asked: int | None = None
        match = _VERSION_PATH.fullmatch(path)
        if match:
            asked, path = int(match.group(1)), "/api" + (match.group(2) or "")
        path = path.rstrip("/") or "/"
        resolved = sim.api.resolve(path)
        route = resolved[0] if resolved else None
        entry.endpoint = route.name if route else None
        faults = sim.faults
        versions = route.versions if route is not None else (1,)
        if faults and faults.v1_only:  # an old console: each route's oldest version only
            versions = (min(versions),)
        headers = sim._api_headers()
        headers["api-supported-versions"] = ", ".join(str(v) for v in versions)
        headers["x-api-version"] = "v1"
        entry.correlation_id = headers["x-correlation-id"]
        fault = faults.for_request(path) if faults else None
        if fault is not None and self._apply_fault(fault, entry, headers):
            return
        if resolved is None or resolved[0].name in sim.index.absent_endpoints:
            # not routed (or not on this simulated console): IIS answers its HTML page,
            # whatever the credentials
            entry.status = 404
            module = (path.split("/")[2:3] or ["api"])[0].title()
            page = _IIS_NOT_FOUND.replace("{module}", module).encode()
            self._send(404, page, "text/html; charset=utf-8")
            return
        try:
            if method != "GET":
                headers["Allow"] = "GET"
                raise ApiError(405, "The requested resource does not support this method.", 1003)
            authenticate(
                self.headers.get("Authorization", ""),
                self.headers.get("aw-tenant-code", ""),
                sim.tenant["credentials"],
                sim._tokens,
            )
            sim._spend_quota(headers)
            if asked is None:
                asked = accept_version(self.headers.get("Accept"))
            served = negotiate(versions, asked)
            headers["x-api-version"] = f"v{served}"
            entry.api_version = headers["x-api-version"]
            reply = sim.api.answer(resolved[0], resolved[1], entry.query, served, sim.url)
        except ApiError as exc:
            code = exc.error_code if exc.error_code is not None else 1000 + exc.status % 100
            reply = Reply(exc.status, error_body(exc.message, code), _exc_headers(exc))
        headers.update(reply.headers)
        entry.status = reply.status
        if fault is not None and fault.kind == "malformed":
            text = b"" if reply.body is None else json.dumps(reply.body).encode()
            entry.status = 200
            broken = text[: max(1, len(text) // 2)] if len(text) > 2 else b'{"Items":[{"Id":'
            self._send(200, broken, "application/json; charset=utf-8", headers)
            return
        body = reply.body
        if fault is not None and reply.status == 200 and body is not None:
            if fault.kind == "truncate":
                self._send_truncated(reply.status, json.dumps(body).encode(), headers)
                return
            if fault.kind in MUTATIONS:
                body = MUTATIONS[fault.kind](body)
        self._send_json(reply.status, body, headers)

    def _send_truncated(self, status: int, data: bytes, headers: Mapping[str, str]) -> None:
        """Promise ``len(data)`` bytes, send half of them, then close the connection."""
        self._commit(status)
        self.close_connection = True
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
        except OSError:
            pass


def _exc_headers(exc: ApiError) -> dict[str, str]:
    """Extra headers for an error answer (authentication challenges)."""
    if exc.status == 401:
        return {"WWW-Authenticate": 'Basic realm="AirWatch", Bearer'}
    return {}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
