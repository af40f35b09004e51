"""A replay server: the real captures of ``../shared/real_captures/fixtures/`` over loopback.

:class:`ReplayServer` answers the requests ws1-audit makes with the captured (or
documented) answers, status, headers and body, read in place at test time (nothing of
them is copied into the repository). Routes map a request (path, page, API version asked)
to a fixture; a routed path with an id no fixture has answers the captured JSON 404, an
unrouted path the captured IIS HTML 404. Knobs swap a fixture for its variant (an
inactive profile, release 2105, the v1 OG search), refuse credentials (the captured 401
or 403 on every request), refuse one endpoint (403), or drop a route (HTML 404).
Every request is logged as ``(method, path, query, status, fixture)``.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from vendor import fixture

from audit.uem.recorder import SAFE_HEADERS

OG_UUID = "f01ac31e-1633-4d00-ae05-a4d36c3d8c45"
GROUP_ID = "M6052651"
TAG = "DropShip"
#: Response headers passed on from a capture (those a client may keep: hop-by-hop ones and
#: cookies are not).
PASSED = frozenset(SAFE_HEADERS)
_TOKEN = re.compile(r"/api/mdm/groups/([0-9a-f-]{36})/enrollment-tokens/([0-9a-f-]{36})")


@dataclass
class Replay:
    """What the replay serves: fixture variants and refusals (see the module docstring)."""

    system_info: str = "system_info"
    profiles: str = "profiles_v2"
    profile: str = "profile_68750"
    og_search_v1: bool = False
    #: ``"401"`` or ``"403"``: every API request answers that capture.
    refuse: str | None = None
    #: Route names answering the captured 403 (a permission missing on one endpoint).
    forbid: set[str] = field(default_factory=set)
    #: Route names answering the captured IIS HTML 404 (an endpoint the console lacks).
    missing: set[str] = field(default_factory=set)
    #: Token details by token UUID (the captured one serves the first token only).
    token_details: dict[str, dict[str, Any]] = field(default_factory=dict)


def token_uuids() -> list[str]:
    """The token UUIDs of the captured list, in list order."""
    return [t["uuid"] for t in fixture("registrations")["body"]["tokens"]]


def _first_token_detail() -> dict[str, Any]:
    return {token_uuids()[0]: fixture("registration_detail_schema")["body"]}


Pick = Callable[[dict[str, str], int, "re.Match[str]"], str]


def _routes(replay: Replay) -> list[tuple[str, re.Pattern[str], Pick]]:
    """(name, path pattern, fixture for (query, version asked, match)) in matching order."""

    def fixed(name: str) -> Pick:
        return lambda query, version, match: name

    def by_id(prefix: str) -> Pick:
        return lambda query, version, match: f"{prefix}_{match.group(1)}"

    def og_search(query: dict[str, str], version: int, match: re.Match[str]) -> str:
        if version < 2 or replay.og_search_v1:
            return "og_search_v1"
        return "og_search_v2_p1" if query.get("page", "0") != "0" else "og_search_v2_p0"

    def devices(query: dict[str, str], version: int, match: re.Match[str]) -> str:
        return "devices_past_end" if query.get("page", "0") != "0" else "devices_p0"

    def apps(query: dict[str, str], version: int, match: re.Match[str]) -> str:
        return "apps_v2_captured" if version >= 2 else "apps_v1"

    def route(name: str, pattern: str, pick: Pick) -> tuple[str, re.Pattern[str], Pick]:
        return name, re.compile(pattern), pick

    missing = fixed("error_404_json")
    return [
        route("system_info", r"/api/system/info", fixed(replay.system_info)),
        route("og_search", r"/api/system/groups/search", og_search),
        route("og_children", r"/api/system/groups/8366/children", fixed("og_children")),
        route("og_detail", r"/api/system/groups/8366", fixed("og_detail")),
        route("og_detail", r"/api/system/groups/\d+", missing),
        route("tags", r"/api/mdm/tags/search", fixed("tags")),
        route("smart_groups", r"/api/mdm/smartgroups/search", fixed("smart_groups")),
        route("smart_group", r"/api/mdm/smartgroups/(12347)", by_id("smart_group")),
        route("smart_group", r"/api/mdm/smartgroups/\d+", missing),
        route("apps", r"/api/mam/apps/search", apps),
        route("app_detail", r"/api/mam/apps/internal/(12352|12360)", by_id("app")),
        route("app_detail", r"/api/mam/apps/internal/\d+", missing),
        route("profiles", r"/api/mdm/profiles/search", fixed(replay.profiles)),
        route("profile_detail", r"/api/mdm/profiles/68750", fixed(replay.profile)),
        route("profile_detail", r"/api/mdm/profiles/\d+", missing),
        route("devices", r"/api/mdm/devices/search", devices),
        route("device_apps", r"/api/mdm/devices/(5614|5615)/apps", by_id("device_apps")),
        route("device_apps", r"/api/mdm/devices/\d+/apps", missing),
        route(
            "registrations", rf"/api/mdm/groups/{OG_UUID}/enrollment-tokens", fixed("registrations")
        ),
        route("registration_detail", _TOKEN.pattern, fixed("")),
    ]


class ReplayServer:
    """The replay on an ephemeral loopback port; use as a context manager."""

    def __init__(self, replay: Replay | None = None) -> None:
        self.replay = replay or Replay()
        if not self.replay.token_details:
            self.replay.token_details = _first_token_detail()
        self.log: list[tuple[str, str, dict[str, str], int, str]] = []
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._http.daemon_threads = True
        self._thread = threading.Thread(target=self._http.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> ReplayServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
        self._thread.join(timeout=5)

    def requests(self, name: str | None = None) -> list[tuple[str, str, dict[str, str], int, str]]:
        """The logged requests (of route ``name``)."""
        return [r for r in self.log if name is None or r[4].split(" ", 1)[0] == name]

    def answer(self, path: str, query: dict[str, str], accept: str) -> tuple[str, dict[str, Any]]:
        """``(route name, fixture)`` for a request."""
        replay = self.replay
        lowered = path.lower().rstrip("/")
        if lowered.startswith("/autodiscovery/"):
            return "discovery", fixture("discovery")
        if not lowered.startswith("/api/"):
            return "unrouted", fixture("error_404_html")
        if replay.refuse:
            return "refused", fixture(f"error_{replay.refuse}")
        version = int(m.group(1)) if (m := re.search(r"version=(\d+)", accept)) else 1
        for name, pattern, pick in _routes(replay):
            match = pattern.fullmatch(lowered)
            if match is None:
                continue
            if name in replay.forbid:
                return name, fixture("error_403")
            if name in replay.missing:
                return name, fixture("error_404_html")
            if name == "registration_detail":
                body = replay.token_details.get(match.group(2))
                if body is None:
                    return name, {"status": 404, "headers": {}, "body": _not_found(5220)}
                return name, {"status": 200, "headers": {"x-api-version": "v1"}, "body": body}
            return name, fixture(pick(query, version, match))
        return "unrouted", fixture("error_404_html")

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                """Quiet: the requests are in ``server.log``."""

            def do_GET(self) -> None:
                split = urlsplit(self.path)
                query = {k.lower(): v[0] for k, v in parse_qs(split.query).items()}
                name, captured = server.answer(split.path, query, self.headers.get("Accept", ""))
                status = int(captured["status"])
                server.log.append(("GET", split.path, query, status, name))
                self._send(status, captured)

            def _send(self, status: int, captured: dict[str, Any]) -> None:
                if "text" in captured:
                    data: bytes | None = str(captured["text"]).encode()
                elif captured.get("body") is None:
                    data = None
                else:
                    data = json.dumps(captured["body"]).encode()
                self.send_response(status)
                headers = {k.lower(): str(v) for k, v in (captured.get("headers") or {}).items()}
                for key, value in headers.items():
                    if key in PASSED:
                        self.send_header(key, value)
                if data is not None:
                    if "content-type" not in headers:
                        self.send_header("Content-Type", "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                elif status != 204:
                    self.send_header("Content-Length", "0")
                self.end_headers()
                if data:
                    self.wfile.write(data)

        return Handler


def _not_found(code: int) -> dict[str, Any]:
    """The documented 404 of an unknown token ({5220: Enrollment Token not found})."""
    body = dict(fixture("error_404_json")["body"])
    body.update(errorCode=code, message="Enrollment Token not found")
    return body
