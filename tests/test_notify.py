"""Alerts through Apprise to a loopback HTTP receiver: regressed, became not ready, failed.

The target URL carries a credential (``json://user:token@127.0.0.1:PORT/...``); it comes
from the environment and never reaches the message, the reports, stdout or stderr. A
notification that cannot be delivered is one line on stderr and never changes the exit code.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from reports_fixtures import load
from robust_helpers import every_file, file_text
from test_baseline import attestations_toml
from test_cli import write_config, ws1

from audit import notify
from audit.simulator import load_scenario

TOKEN = "ntfy-T0ken-Secr3t-a41c"


class Receiver:
    """Collects the requests Apprise sends (``json://`` and ``form://``)."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                kind = self.headers.get("Content-Type", "")
                data = (
                    json.loads(body)
                    if "json" in kind
                    else {k: v[0] for k, v in parse_qs(body).items()}
                )
                owner.received.append(
                    {"path": self.path, "auth": self.headers.get("Authorization"), **data}
                )
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def url(self, scheme: str = "json") -> str:
        return f"{scheme}://ws1:{TOKEN}@127.0.0.1:{self.port}/hook"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


NOTIFY = '\n[notify]\nurls_env = ["WS1_NOTIFY"]\n'


def _env(tenant: dict[str, Any], url: str) -> dict[str, str]:
    return {
        "SIM_PASSWORD": tenant["credentials"]["password"],
        "SIM_TENANT_CODE": tenant["credentials"]["tenant_code"],
        "WS1_NOTIFY": url,
    }


def _no_token_anywhere(*texts: str, folders: tuple[Path, ...] = ()) -> None:
    for text in texts:
        assert TOKEN not in text
    for folder in folders:
        for path in every_file(folder):
            assert TOKEN not in file_text(path), path


def test_a_regression_that_makes_the_tenant_not_ready_alerts_once(
    simulator: Any, receiver: Receiver, tmp_path: Path
) -> None:
    ready = simulator(load_scenario("ready"))
    broken = simulator(load_scenario("not-ready"))
    tenant = load_scenario("ready")
    env = _env(tenant, receiver.url())
    (tmp_path / "a").mkdir()
    first = write_config(tmp_path / "a", ready.url, attestations_toml() + NOTIFY)
    day1 = ws1("run", "--config", str(first), "--out", str(tmp_path / "day1"), env=env)
    assert day1.returncode == 0, day1.stderr
    assert receiver.received == []  # ready, no baseline: nothing to say

    (tmp_path / "b").mkdir()
    second = write_config(tmp_path / "b", broken.url, attestations_toml() + NOTIFY)
    base = str(tmp_path / "day1" / "results.json")
    day2 = ws1(
        "run", "--config", str(second), "--out", str(tmp_path / "day2"), "--baseline", base, env=env
    )
    assert day2.returncode in (1, 2), day2.stderr
    [message] = receiver.received
    assert message["path"] == "/hook" and message["auth"].startswith("Basic ")
    assert message["title"].startswith("ws1-audit: Contoso (simulated): ")
    assert "regressed" in message["title"] and "not ready" in message["title"]
    body = message["message"]
    assert "NOT READY at fail-on medium" in body and f"exit {day2.returncode}" in body
    assert "regressed since" in body and "uem_version" in body
    assert "Became not ready: the baseline was ready." in body
    assert "Checks: pass " in body and "blocking " in body
    assert f"Report: {(tmp_path / 'day2' / 'report.html').resolve()}" in body
    _no_token_anywhere(
        body,
        day1.stdout,
        day1.stderr,
        day2.stdout,
        day2.stderr,
        folders=(tmp_path / "day1", tmp_path / "day2"),
    )

    # the next night it is still not ready, nothing regressed: no alert
    day3 = ws1(
        "run",
        "--config",
        str(second),
        "--out",
        str(tmp_path / "day3"),
        "--baseline",
        str(tmp_path / "day2" / "results.json"),
        env=env,
    )
    assert day3.returncode == day2.returncode
    assert len(receiver.received) == 1


def test_a_failed_collection_alerts_and_a_dead_target_changes_nothing(
    receiver: Receiver, tmp_path: Path
) -> None:
    tenant = load_scenario("ready")
    down = write_config(tmp_path, f"http://127.0.0.1:{_closed_port()}", NOTIFY)
    proc = ws1(
        "run",
        "--record-failure",
        "--config",
        str(down),
        "--out",
        str(tmp_path / "out"),
        env=_env(tenant, receiver.url("form")),
    )
    assert proc.returncode == 4
    [message] = receiver.received
    assert message["title"] == "ws1-audit: Contoso (simulated): audit failed (exit 4)"
    assert "the audit failed with exit 4 (collection failed)" in message["message"]
    assert str((tmp_path / "out" / "error.txt").resolve()) in message["message"]
    dead = f"json://ws1:{TOKEN}@127.0.0.1:{_closed_port()}/hook"
    elsewhere = tmp_path / "elsewhere"
    again = ws1("run", "--config", str(down), "--out", str(elsewhere), env=_env(tenant, dead))
    assert not elsewhere.exists()  # without --record-failure a failed run writes nothing
    assert again.returncode == 4  # unchanged by the failed notification
    warning = [line for line in again.stderr.splitlines() if "notification" in line]
    assert warning == [
        "ws1-audit: warning: notification via $WS1_NOTIFY (JSON) was not delivered; "
        "the audit's exit code is unchanged"
    ]
    _no_token_anywhere(again.stdout, again.stderr, message["message"], folders=(tmp_path / "out",))


def test_unusable_targets(simulator: Any, tmp_path: Path) -> None:
    tenant = load_scenario("ready")
    server = simulator(tenant)
    config = write_config(tmp_path, server.url, NOTIFY)
    bad = ws1(
        "run",
        "--config",
        str(config),
        "--out",
        str(tmp_path / "o"),
        "--format",
        "json",
        env=_env(tenant, f"nonsense-{TOKEN}"),
    )
    assert bad.returncode == 1  # not ready (manual checks), as without [notify]
    assert (
        "ws1-audit: warning: notification via $WS1_NOTIFY: not a URL Apprise understands"
        in bad.stderr
    )
    _no_token_anywhere(bad.stdout, bad.stderr)
    env = _env(tenant, "")
    del env["WS1_NOTIFY"]
    unset = ws1("run", "--config", str(config), "--out", str(tmp_path / "o"), env=env)
    assert unset.returncode == 3
    assert "notify.urls_env[0]: environment variable WS1_NOTIFY is not set" in unset.stderr


def test_events_pick_what_is_sent(tmp_path: Path) -> None:
    not_ready = load("results_not_ready.json")  # has a baseline block with regressions
    assert not_ready["baseline"]["changes"]["regressed"]
    regressed = notify.alert_for(
        ["regressed"], name="C", results=not_ready, exit_code=2, problem=None, out_dir=tmp_path
    )
    assert regressed is not None and regressed.events == ("regressed",)
    assert (
        notify.alert_for(
            ["failed"], name="C", results=not_ready, exit_code=2, problem=None, out_dir=tmp_path
        )
        is None
    )
    # the baseline file is gone: readiness then is unknown, so "not ready" alerts
    both = notify.alert_for(
        ["regressed", "not-ready"],
        name="C",
        results=not_ready,
        exit_code=2,
        problem=None,
        out_dir=tmp_path,
    )
    assert both is not None and both.events == ("regressed", "not-ready")
    ready = load("results_ready.json")
    assert (
        notify.alert_for(
            list(notify_events()),
            name="C",
            results=ready,
            exit_code=0,
            problem=None,
            out_dir=tmp_path,
        )
        is None
    )
    failed = notify.alert_for(
        ["failed"],
        name="C",
        results=None,
        exit_code=70,
        problem="internal error: boom",
        out_dir=tmp_path,
    )
    assert failed is not None and failed.failure and "exit 70 (internal error)" in failed.body


def notify_events() -> tuple[str, ...]:
    from audit.config_keys import NOTIFY_EVENTS

    return NOTIFY_EVENTS


def test_each_tenant_of_a_fleet_uses_its_own_targets(
    simulator: Any, receiver: Receiver, tmp_path: Path
) -> None:
    from test_fleet import tenant_file

    tenant = load_scenario("ready")
    url = simulator(tenant).url
    folder = tmp_path / "cfg"
    tenant_file(folder, "Alpha", url, "PW", NOTIFY)
    tenant_file(
        folder, "Beta", url, "PW", '\n[notify]\nurls_env = ["WS1_NOTIFY"]\nevents = ["failed"]\n'
    )
    env = {**_env(tenant, receiver.url()), "PW": tenant["credentials"]["password"]}
    proc = ws1(
        "run", "--config", str(folder), "--out", str(tmp_path / "out"), "--format", "json", env=env
    )
    assert proc.returncode == 1, proc.stderr
    [message] = receiver.received  # Beta only alerts on failures
    assert message["title"] == "ws1-audit: Alpha: not ready"
    assert str((tmp_path / "out" / "alpha" / "results.json").resolve()) in message["message"]
