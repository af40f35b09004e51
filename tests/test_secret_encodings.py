"""Secrets echoed back in any encoding never reach an output, a stream or a traceback.

The secrets hold the characters that change under encoding (``/ + = %``, a space, non-ASCII
and the trailing CR an env file with CRLF line ends leaves). A hostile server in front of
the simulator echoes what the client sent (the Basic pair, the password in it, the API
key, the OAuth access token) back in every form a real server or proxy could: JSON with
PHP's ``\\/`` escapes, JSON with every character ``\\u``-escaped, a UTF-16 and a UTF-32
JSON body, URL-encoded with ``+`` and with ``%20``, base64, ``repr`` with escapes, in an
error message, and an OAuth token endpoint that echoes the form it received. Every command
and format runs against it, with and without ``--debug``, including failing runs and a
fleet; every file written (PDFs decoded, attachments included), stdout and stderr are then
searched for every form of every secret.
"""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote, quote_plus, unquote_plus

import pytest
from hostile_server import HostileServer, Reply, Seen, json_reply
from robust_helpers import every_file, file_text, write_config, ws1

from audit.simulator import SimulatorServer, load_scenario

USERNAME = "auditor"
PASSWORD = "pw/Kn+0wn=%2F Sécret-71c4\r"
TENANT_CODE = "tc/Kn+0wn=Api%Key-0b9e"
CLIENT_SECRET = "cs/Abc+Déf==%20 Hush-5d2a\r"
ENV = {"SIM_PASSWORD": PASSWORD, "SIM_TENANT_CODE": TENANT_CODE, "SIM_CLIENT_SECRET": CLIENT_SECRET}
QUICK = "html,json,csv,junit,md,handover"


def _pair(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def leak_forms(secret: str) -> set[str]:
    """Every way the test knows a secret could be written (independent of audit.redact)."""
    forms = {secret, secret.strip(), repr(secret)[1:-1], ascii(secret)[1:-1]}
    forms |= {quote(secret, safe=""), quote_plus(secret), quote(secret)}
    forms |= {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    forms |= {f.replace("/", "\\/") for f in list(forms)}
    forms.add(base64.b64encode(secret.encode()).decode())
    forms |= {secret.encode(e).decode("latin-1") for e in ("utf-16-le", "utf-32-le")}
    return {f for f in forms if len(f) >= 6}


def _echoed(seen: Seen) -> list[str]:
    """What the client sent that a hostile server could echo: pair, password, key, token."""
    auth = seen.headers.get("Authorization", "")
    values = [seen.headers.get("aw-tenant-code", "")]
    scheme, _, credential = auth.partition(" ")
    values.append(credential)
    if scheme == "Basic":
        values.append(base64.b64decode(credential).decode("utf-8").split(":", 1)[1])
    return [v for v in values if v]


def _encodings(values: list[str]) -> list[str]:
    out: list[str] = []
    for v in values:
        out += [v, quote(v, safe=""), quote_plus(v), base64.b64encode(v.encode()).decode()]
        out.append(repr(v)[1:-1])
    return out


def _u_escaped(text: str) -> str:
    return "".join(f"\\u{ord(c):04x}" for c in text)


def tags_php(seen: Seen) -> Reply:
    rows = [
        {"Id": {"Value": 900 + i}, "TagName": n} for i, n in enumerate(_encodings(_echoed(seen)))
    ]
    body = json.dumps({"Tags": rows, "Total": len(rows)}).replace("/", "\\/")  # PHP's default
    headers = {"Content-Type": "application/json", "x-correlation-id": _echoed(seen)[0]}
    return Reply(200, body.encode(), headers)  # a kept response header echoes the key too


def devices_escaped(seen: Seen) -> Reply:
    names = _encodings(_echoed(seen))
    rows = ",".join(
        f'{{"Id":{{"Value":{1 + i}}},"DeviceFriendlyName":"{_u_escaped(n)}","Platform":"WinRT"}}'
        for i, n in enumerate(names)
    )
    return Reply(200, f'{{"Devices":[{rows}],"Total":{len(names)}}}'.encode())


def info_utf16(seen: Seen) -> Reply:
    echoed = _encodings(_echoed(seen))
    body = {"ProductVersion": "24.10.0.1", "Echo": echoed, **{v: "as a key" for v in echoed}}
    return Reply(200, json.dumps(body, ensure_ascii=False).encode("utf-16"))


def groups_utf32(seen: Seen) -> Reply:
    rows = [
        {"SmartGroupID": 700 + i, "Name": n, "ManagedByOrganizationGroupId": "570"}
        for i, n in enumerate(_encodings(_echoed(seen)))
    ]
    body = {"SmartGroups": rows, "Total": len(rows)}
    return Reply(200, json.dumps(body, ensure_ascii=False).encode("utf-32"))


def apps_error(seen: Seen) -> Reply:
    message = "rejected: " + " ".join(_encodings(_echoed(seen)))
    return json_reply({"errorCode": 400, "message": message}, 418)


def refused(seen: Seen) -> Reply:
    message = "bad credentials " + " ".join(_encodings(_echoed(seen)))
    return json_reply({"errorCode": 1005, "message": message}, 401)


def token_echo(seen: Seen) -> Reply:
    form = seen.body.decode()
    return json_reply({"error": f"invalid_client: got {form} / {unquote_plus(form)}"}, 400)


def _echo_server(upstream: str) -> HostileServer:
    server = HostileServer(upstream=upstream)
    server.on("GET", r"^/api/mdm/tags/search", tags_php)
    server.on("GET", r"^/api/mdm/devices/search", devices_escaped)
    server.on("GET", r"^/api/system/info", info_utf16)
    server.on("GET", r"^/api/mdm/smartgroups/search", groups_utf32)
    server.on("GET", r"^/api/mam/apps/search", apps_error)
    server.on("POST", r"^/connect/token-echo", token_echo)
    return server


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    base = tmp_path_factory.mktemp("encodings")
    tenant = load_scenario("ready")
    tenant["credentials"].update(
        password=PASSWORD, tenant_code=TENANT_CODE, client_secret=CLIENT_SECRET
    )
    with (
        SimulatorServer(tenant) as sim,
        _echo_server(sim.url) as echo,
        HostileServer(upstream=sim.url).on("GET", r"^/api/", refused) as deny,
    ):
        cfg = write_config(base / "basic.toml", echo.url, collect={"retries": 0})
        oauth = write_config(base / "oauth.toml", echo.url, auth="oauth", collect={"retries": 0})
        fleet_dir = base / "fleet-configs"
        fleet_dir.mkdir()
        write_config(fleet_dir / "a.toml", echo.url, collect={"retries": 0})
        write_config(
            fleet_dir / "b.toml",
            echo.url,
            auth="oauth",
            tenant={"name": "Echoing token", "token_url": echo.url + "/connect/token-echo"},
            collect={"retries": 0},
        )
        denied = write_config(base / "denied.toml", deny.url, collect={"retries": 0})
        cr_code = write_config(base / "cr-code.toml", echo.url)
        out = {n: base / n for n in ("run", "oauth", "eval", "render", "fleet", "denied", "cr")}
        snap = base / "collect" / "snapshot.json"
        jobs: dict[str, tuple[list[str], dict[str, str]]] = {
            "run --debug": (
                ["--debug", "run", "--config", str(cfg), "--out", str(out["run"])],
                ENV,
            ),
            "run oauth": (
                ["run", "--config", str(oauth), "--out", str(out["oauth"]), "--format", QUICK],
                ENV,
            ),
            "collect --debug": (
                ["--debug", "collect", "--config", str(cfg), "--snapshot", str(snap)],
                ENV,
            ),
            "fleet --debug": (
                ["--debug", "run", "--config", str(fleet_dir), "--out", str(out["fleet"])],
                ENV,
            ),
            "401 --debug": (
                ["--debug", "run", "--config", str(denied), "--out", str(out["denied"])],
                ENV,
            ),
            "CR tenant code --debug": (
                ["--debug", "run", "--config", str(cr_code), "--out", str(out["cr"])],
                {**ENV, "SIM_TENANT_CODE": TENANT_CODE + "\r"},
            ),
        }
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = {n: pool.submit(ws1, *a, env=e) for n, (a, e) in jobs.items()}
            procs = {n: f.result() for n, f in futures.items()}
        tokens = list(sim._tokens._tokens)
    later = {
        "evaluate --debug": [
            "--debug", "evaluate", "--snapshot", str(snap), "--config", str(cfg),
            "--out", str(out["eval"]), "--format", QUICK,
        ],
        "render": [
            "render", str(out["run"] / "results.json"), "--format", "pdf,html,md",
            "--out", str(out["render"]),
        ],
        "diff": ["diff", str(out["oauth"] / "results.json"), str(out["run"] / "results.json")],
        "diff --json": [
            "diff", "--json", str(out["oauth"] / "results.json"), str(out["run"] / "results.json"),
        ],
    }  # fmt: skip
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {n: pool.submit(ws1, *a, env=ENV) for n, a in later.items()}
        procs.update({n: f.result() for n, f in futures.items()})
    return {"procs": procs, "base": base, "tokens": tokens, "out": out}


def _secrets(tokens: list[str]) -> dict[str, str]:
    values = {
        "password": PASSWORD,
        "tenant code": TENANT_CODE,
        "tenant code with CR": TENANT_CODE + "\r",
        "client secret": CLIENT_SECRET,
        "basic pair": _pair(USERNAME, PASSWORD),
    }
    values.update({f"access token {i}": t for i, t in enumerate(tokens)})
    return values


def test_the_runs_did_what_they_should(runs: dict[str, Any]) -> None:
    codes = {name: p.returncode for name, p in runs["procs"].items()}
    for name in ("run --debug", "run oauth", "evaluate --debug"):
        assert codes[name] in (1, 2), (name, runs["procs"][name].stderr)
    assert codes["collect --debug"] == 0 and codes["render"] == 0
    assert codes["diff"] in (0, 1) and codes["diff --json"] in (0, 1)
    assert codes["fleet --debug"] == 4  # the tenant whose token endpoint echoes fails
    assert codes["401 --debug"] == 4 and "Traceback" in runs["procs"]["401 --debug"].stderr
    assert codes["CR tenant code --debug"] == 3
    assert "cannot carry" in runs["procs"]["CR tenant code --debug"].stderr
    assert runs["tokens"], "the OAuth run got no token: the echo of a token is untested"
    fleet = runs["out"]["fleet"]
    note = (fleet / "echoing-token" / "error.txt").read_text(encoding="utf-8")
    assert "invalid_client: got" in note and "[REDACTED]" in note
    # the echoes really arrived and were kept, redacted: the test proves something
    snapshot = json.loads((runs["out"]["run"] / "snapshot.json").read_text(encoding="utf-8"))
    bodies = json.dumps([r["body"] for r in snapshot["requests"]], ensure_ascii=False)
    assert bodies.count("[REDACTED]") >= 20


def test_no_secret_in_any_stream(runs: dict[str, Any]) -> None:
    secrets = _secrets(runs["tokens"])
    for name, proc in runs["procs"].items():
        streams = proc.stdout + "\n" + proc.stderr_full
        for what, value in secrets.items():
            for form in leak_forms(value):
                assert form not in streams, f"{what} leaked as {form!r} into {name!r}"


def test_no_secret_in_any_file(runs: dict[str, Any]) -> None:
    secrets = _secrets(runs["tokens"])
    files = [f for f in every_file(runs["base"]) if f.suffix != ".toml"]
    kinds = {f.suffix for f in files}
    assert {".pdf", ".html", ".json", ".csv", ".xml", ".md", ".txt"} <= kinds
    assert any(f.name == "fleet.pdf" for f in files) and any(f.name == "error.txt" for f in files)
    for path in files:
        text = file_text(path)
        for what, value in secrets.items():
            for form in leak_forms(value):
                assert form not in text, f"{what} leaked as {form!r} into {path}"


def test_the_secrets_really_have_the_awkward_characters() -> None:
    for ch in "/+=% \r":
        assert ch in PASSWORD
    assert not PASSWORD.isascii() and not CLIENT_SECRET.isascii()
    assert leak_forms(PASSWORD) >= {quote(PASSWORD, safe=""), quote_plus(PASSWORD)}
