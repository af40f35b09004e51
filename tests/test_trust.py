"""Trust when the tenant is hostile or down: bounded answers, deadlines, safe values, exit 4.

Each test points a real audit at :class:`hostile_server.HostileServer` on loopback: the
simulator's tenant, with one endpoint (or all of them) answering what an attacker, a
broken proxy or a dead tenant would send:

- a gzip bomb (a small body that expands to 256 MB) is cut off at ``max_response_mb`` and
  is a gap for its checks (item 5);
- a server trickling one byte at a time is held to ``timeout_s`` for the whole request
  (item 6);
- a lone surrogate, 10,000-deep nesting, a 5,000-digit version and ``1e400`` never abort
  the audit: every report is written and the snapshot stays standard JSON (item 7);
- an API answering 503, 429, 500, malformed JSON or an HTML login page on every path is a
  failed collection, exit 4, one line naming the host (item 8);
- escape sequences in tenant text never reach the terminal (item 9);
- a GroupId no organization group has is exit 3 naming what the account sees; a 403
  errorCode 6019 on it says the account has no access (item 16);
- a closed port names host and port; https against plain HTTP is not retried (item 17).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hostile_server import HostileServer, Reply, gzip_bomb, json_reply, nested
from robust_helpers import (
    QUICK_FORMATS,
    FastSleeps,
    audit_in_process,
    cli_in_process,
    config_for,
    sim_env,
    write_config,
)

from audit.simulator import SimulatorServer, load_scenario


@pytest.fixture(scope="module")
def tenant() -> dict[str, Any]:
    return load_scenario("ready")


@pytest.fixture
def hostile(tenant: dict[str, Any]) -> Any:
    """A hostile server in front of the ready scenario's simulator."""
    with SimulatorServer(tenant) as sim, HostileServer(upstream=sim.url) as server:
        yield server


def _strict_json(path: Path) -> Any:
    def refuse(name: str) -> Any:
        raise AssertionError(f"{path.name} holds {name}: not standard JSON")

    return json.loads(path.read_bytes(), parse_constant=refuse)


# -- item 5: a compressed bomb is cut off, a gap for its checks ---------------------------------


def test_a_gzip_bomb_is_cut_off_and_is_a_gap(
    hostile: Any, tenant: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = gzip_bomb(256)
    assert len(bomb) < 1 << 20  # under 1 MB on the wire, 256 MB once decoded
    hostile.on(
        "GET",
        r"^/api/mdm/tags/search",
        Reply(200, bomb, {"Content-Type": "application/json", "Content-Encoding": "gzip"}),
    )
    overrides = {"collect": {"retries": 0, "max_response_mb": 4}}
    config = config_for(hostile.url, tenant, tmp_path, overrides=overrides)
    audit = audit_in_process(config, tmp_path / "out", QUICK_FORMATS, sleep=FastSleeps())
    assert audit.check("dropship_tag")["status"] == "error"
    assert "more than 4 MB once decompressed" in audit.check("dropship_tag")["summary"]
    assert audit.check("uem_version")["status"] == "pass"  # the rest is read as usual
    gaps = audit.snapshot.gaps
    assert [g["endpoint"] for g in gaps] == ["GET /api/mdm/tags/search"]
    tags = [r for r in audit.snapshot.requests if r["purpose"] == "tags"]
    assert tags and all(r["body"] is None for r in tags)  # nothing of the bomb is kept


# -- item 6: timeout_s is a deadline for the whole request -------------------------------------


def test_a_trickling_server_is_held_to_the_deadline(
    hostile: Any, tenant: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = json.dumps({"Tags": [{"Id": {"Value": 5}, "TagName": "RnD"}], "Total": 1}).encode()
    # one byte every 0.2 s: each read is far inside the timeout, the whole answer is not
    hostile.on("GET", r"^/api/mdm/tags/search", Reply(200, body, trickle_s=0.2))
    overrides = {"collect": {"retries": 0, "timeout_s": 1.0}}
    config = config_for(hostile.url, tenant, tmp_path, overrides=overrides)
    audit = audit_in_process(config, sleep=FastSleeps())
    check = audit.check("dropship_tag")
    assert check["status"] == "error"
    assert "no complete answer within 1 s" in check["summary"] + json.dumps(check["evidence"])
    assert audit.check("uem_version")["status"] == "pass"
    sent = [s for s in hostile.seen if s.path.startswith("/api/mdm/tags/search")]
    assert len(sent) == 1  # held once to the deadline, not retried into minutes


# -- item 7: hostile values become gaps or are stored safely ------------------------------------


HOSTILE_VALUES = [
    # (path, answer, the check it must turn from pass, a text the snapshot must keep)
    pytest.param(
        r"^/api/mdm/devices/search",
        Reply(200, b'{"Devices":[{"Id":{"Value":1},"DeviceFriendlyName":"a\\ud800b"}],"Total":1}'),
        None,
        "a\ufffdb",
        id="lone-surrogate",
    ),
    pytest.param(
        r"^/api/system/info", Reply(200, nested(10_000)), "uem_version", None, id="10000-deep"
    ),
    pytest.param(
        r"^/api/mdm/tags/search", Reply(200, nested(150, "{}")), "dropship_tag", None, id="150-deep"
    ),
    pytest.param(
        r"^/api/system/info",
        json_reply({"ProductVersion": "2" * 5000}),
        "uem_version",
        None,
        id="5000-digit-version",
    ),
    pytest.param(
        r"^/api/system/info",
        Reply(200, b'{"ProductVersion": 1e400}'),
        "uem_version",
        '"1e400"',
        id="1e400-version",
    ),
    pytest.param(
        r"^/api/mdm/devices/search",
        Reply(200, b'{"Devices":[{"Id":{"Value":1},"SerialNumber":1e400}],"Total":1}'),
        None,
        '"1e400"',
        id="1e400-in-a-row",
    ),
    pytest.param(
        r"^/api/system/info",
        Reply(200, b'{"ProductVersion": ' + b"9" * 5000 + b"}"),
        "uem_version",
        None,
        id="5000-digit-integer",
    ),
    pytest.param(
        r"^/api/system/info", Reply(200, b'{"ProductVersion": NaN}'), "uem_version", None, id="nan"
    ),
]


@pytest.mark.parametrize(("path", "reply", "moved", "kept"), HOSTILE_VALUES)
def test_one_hostile_value_never_aborts_the_audit(
    path: str,
    reply: Reply,
    moved: str | None,
    kept: str | None,
    hostile: Any,
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile.on("GET", path, reply)
    config = write_config(tmp_path / "t.toml", hostile.url, collect={"retries": 0})
    out = tmp_path / "out"
    args = ["run", "--config", str(config), "--out", str(out), "--format", "html,json,csv,md"]
    code, stdout, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code in (1, 2), stderr  # findings or errors, never 70
    assert "internal error" not in stderr and stdout
    for name in ("results.json", "snapshot.json", "report.html", "summary.md", "evidence.csv"):
        assert (out / name).stat().st_size > 0, name
    snapshot = _strict_json(out / "snapshot.json")  # standard JSON: no Infinity, no NaN
    results = _strict_json(out / "results.json")
    text = json.dumps(snapshot, ensure_ascii=False)
    assert "\ud800" not in text
    if kept:
        assert kept in text
    statuses = {c["id"]: c["status"] for c in results["checks"]}
    if moved:  # a gap or an error for the checks it touches, not a pass
        assert statuses[moved] in ("error", "fail"), statuses[moved]


# -- item 8: a tenant whose whole API is down is exit 4 -----------------------------------------

LOGIN_PAGE = (
    b"<!DOCTYPE html><html><head><title>Sign in</title></head><body><form>...</form></body></html>"
)
DOWN = [
    pytest.param(json_reply({"message": "Service Unavailable"}, 503), "answered 503", id="503"),
    pytest.param(
        Reply(429, b'{"message":"Too many requests"}', {"Retry-After": "0"}),
        "answered 429",
        id="429",
    ),
    pytest.param(json_reply({"message": "boom"}, 500), "answered 500", id="500"),
    pytest.param(Reply(200, b'{"Devices": [1, 2,'), "not valid JSON", id="malformed"),
    pytest.param(
        Reply(200, LOGIN_PAGE, {"Content-Type": "text/html"}), "not valid JSON", id="login-page"
    ),
]


@pytest.mark.parametrize(("reply", "words"), DOWN)
def test_a_tenant_whose_whole_api_is_down_exits_4(
    reply: Reply,
    words: str,
    hostile: Any,
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile.on("*", r"^/api/", reply)
    config = write_config(tmp_path / "t.toml", hostile.url, collect={"retries": 1})
    out = tmp_path / "out"
    args = ["run", "--config", str(config), "--out", str(out)]
    code, stdout, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 4, stderr
    assert stdout == "" and stderr.count("\n") == 1
    assert stderr.startswith(
        "ws1-audit: error: no answer of the UEM API at 127.0.0.1 could be read"
    )
    assert words in stderr
    assert not out.exists()  # nothing written, nothing left behind


# -- item 9: terminal escape injection -----------------------------------------------------------

ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[1;32mREADY\x1b[0m\x9b31m\u202e"


def test_escape_sequences_in_tenant_text_never_reach_the_terminal(
    hostile: Any,
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # an error message from the tenant, printed on stderr
    hostile.on("GET", r"^/api/system/info", json_reply({"errorCode": 1, "message": ESCAPES}, 418))
    hostile.on(
        "GET",
        r"^/api/system/groups/search",
        json_reply({"OrganizationGroups": [{"Id": 1, "GroupId": f"evil{ESCAPES}"}]}),
    )
    config = write_config(tmp_path / "t.toml", hostile.url, collect={"retries": 0})
    args = ["run", "--config", str(config), "--out", str(tmp_path / "out")]
    code, stdout, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 3, stderr  # the GroupId matched nothing: the error names what it saw
    for stream in (stdout, stderr):
        assert not any(ch in stream for ch in "\x1b\x07\x9b\u202e"), repr(stream)
    assert "'evil[U+001B]]0;pwned[U+0007][U+001B][2J" in stderr and "[U+202E]" in stderr


def test_diff_shows_tenant_escapes_as_visible_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from reports_fixtures import load

    from audit.results import sealed

    old = load("results_not_ready.json")
    new = json.loads(json.dumps(old))
    check = next(c for c in new["checks"] if c["evidence"]["rows"])
    check["evidence"]["rows"].append([f"app {ESCAPES}"] * len(check["evidence"]["columns"]))
    new["tenant"]["name"] = f"Contoso {ESCAPES}"
    old["tenant"]["name"] = new["tenant"]["name"]
    for name, data in (("old.json", old), ("new.json", new)):
        (tmp_path / name).write_text(json.dumps(sealed(data)), encoding="utf-8")
    for extra in ([], ["--json"]):
        args = ["diff", *extra, str(tmp_path / "old.json"), str(tmp_path / "new.json")]
        code, stdout, stderr = cli_in_process(args, {}, monkeypatch, capsys)
        assert code == 0, stderr
        assert not any(ch in stdout + stderr for ch in "\x1b\x07\x9b\u202e"), repr(stdout)
        if extra:  # JSON stays JSON: the characters are escapes that parse back exactly
            drift = json.loads(stdout)["evidence_drift"][check["id"]]
            assert drift["added"] == [[f"app {ESCAPES}"] * len(check["evidence"]["columns"])]
        else:
            assert "app [U+001B]]0;pwned[U+0007]" in stdout


# -- item 16: the GroupId names no organization group ---------------------------------------------


def test_a_groupid_no_og_has_is_exit_3_naming_what_the_account_sees(
    tenant: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = simulator(tenant)
    config = write_config(
        tmp_path / "t.toml", server.url, dropship={"organization_group": "contosso"}
    )
    args = ["run", "--config", str(config), "--out", str(tmp_path / "out")]
    code, stdout, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 3 and stdout == "" and stderr.count("\n") == 1, stderr
    assert "dropship.organization_group: no organization group has the GroupId 'contosso'" in stderr
    assert "the API account sees: 'Global'" in stderr and "'contoso'" in stderr
    assert not (tmp_path / "out").exists()
    # nothing past the OG search was asked for (no cascade of requests for a missing OG)
    asked = {e.endpoint for e in server.log}
    assert not asked & {"devices", "tags", "smart_groups", "apps", "profiles"}


def test_a_403_6019_on_the_og_says_the_account_has_no_access(
    hostile: Any,
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile.on(
        "GET",
        r"^/api/system/groups/search",
        json_reply(
            {"errorCode": 6019, "message": "User does not have access to organization group"}, 403
        ),
    )
    config = write_config(tmp_path / "t.toml", hostile.url)
    args = ["run", "--config", str(config), "--out", str(tmp_path / "out")]
    code, _, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 4 and stderr.count("\n") == 1, stderr
    assert "the API account has no access to organization group 'contoso'" in stderr


# -- item 17: connection failures say where, TLS protocol errors are not retried -------------------


def test_a_closed_port_names_host_and_port(
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from hostile_server import closed_port

    with closed_port() as port:
        url = f"http://127.0.0.1:{port}"
        config = write_config(tmp_path / "t.toml", url, collect={"retries": 0})
        args = ["run", "--config", str(config), "--out", str(tmp_path / "out")]
        code, _, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 4 and stderr.count("\n") == 1, stderr
    assert f"cannot connect to 127.0.0.1:{port}" in stderr


def test_https_against_plain_http_is_not_retried(
    tenant: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = simulator(tenant)
    url = server.url.replace("http://", "https://")
    config = write_config(
        tmp_path / "t.toml", url, dropship={"autodiscovery_url": url}, collect={"retries": 4}
    )
    args = ["run", "--config", str(config), "--out", str(tmp_path / "out")]
    code, _, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 4 and stderr.count("\n") == 1, stderr
    assert "after 1 attempt" in stderr and "the TLS handshake failed" in stderr


# -- the OAuth token endpoint gets the same limits ------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "words"),
    [
        pytest.param(
            Reply(
                200, gzip_bomb(64), {"Content-Type": "application/json", "Content-Encoding": "gzip"}
            ),
            "more than 1 MB once decompressed",
            id="bomb",
        ),
        pytest.param(
            Reply(200, b'{"access_token": "x", "expires_in": 3600}', trickle_s=0.2),
            "no complete answer within 1 s",
            id="trickle",
        ),
        pytest.param(Reply(200, nested(10_000)), "without an access_token", id="deep"),
    ],
)
def test_a_hostile_token_endpoint_is_exit_4_with_one_line(
    reply: Reply,
    words: str,
    hostile: Any,
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    hostile.on("POST", r"^/connect/token", reply)
    config = write_config(
        tmp_path / "t.toml", hostile.url, auth="oauth", collect={"retries": 0, "timeout_s": 1}
    )
    args = ["run", "--config", str(config), "--out", str(tmp_path / "out")]
    code, _, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 4 and stderr.count("\n") == 1, stderr
    assert stderr.startswith("ws1-audit: error: OAuth token endpoint ") and words in stderr
