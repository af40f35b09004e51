"""Secrets never leak: not into any output file, the snapshot, stdout or stderr.

Demo-like audits run through the real CLI (subprocesses) against a simulated tenant whose
credentials are known, distinctive values: the password, the API key (tenant code), the
OAuth client secret, the access tokens the simulator issues, ``base64(user:password)``
(what Basic auth sends) and the local administrator password in the tenant's own Custom
Settings SyncML. Every command (run, collect, evaluate, render, diff, demo) and every format
is exercised, with and without ``--debug``, including failing runs (401, 403, token 400,
an unreachable tenant, a persistent 503, a garbled answer). Every file written (PDFs
decoded, attachments included), the snapshots, stdout and stderr are searched for each
secret in the forms it could take (raw, JSON-escaped, URL-encoded, base64).

The Drop Ship staging password, which the tenant's own Drop Ship settings answer carries in
clear text, is a secret too: redacted by field name when the answer is recorded (even when
the answer is cut off and kept as text), learnt, and then redacted wherever the tenant
echoes it. Every file's bytes are searched for it as UTF-8, UTF-16 (both byte orders),
their base64, and a PDF's hexadecimal UTF-16 string, besides the decoded PDF text
(compressed streams inflated).
"""

from __future__ import annotations

import base64
import json
import socket
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from robust_helpers import (
    KNOWN_SECRETS,
    STAGING_PASSWORD,
    every_file,
    file_text,
    known_secret_tenant,
    persistent_fault_run,
    secret_byte_forms,
    secret_forms,
    sim_env,
    write_config,
    ws1,
)

from audit.simulator import SimulatorServer, load_scenario
from audit.uem.recorder import redact_secret_fields, scrub_payload_secrets

USERNAME = "auditor"
#: The local admin password set by the scenarios' Custom Settings profile (Accounts CSP).
SYNCML_PASSWORD = "Sim-LocalAdmin-Pw-5e2c"
WRONG = {
    "password": "pw-Wr0ng-Secr3t-33d1",
    "tenant_code": "tc-Wr0ng-ApiKey-8c27",
    "client_secret": "cs-Wr0ng-Client-6f05",
}
QUICK = "html,json,csv,junit,md,handover"


def _pair(user: str, password: str) -> str:
    return base64.b64encode(f"{user}:{password}".encode()).decode()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _echoing_tenant() -> dict[str, Any]:
    """The known-secret tenant whose own data also holds the secrets (as if echoed back)."""
    tenant = known_secret_tenant()
    tenant["devices"][0]["name"] = f"echo {KNOWN_SECRETS['password']}"
    tenant["apps"][0]["name"] = f"key {KNOWN_SECRETS['tenant_code']} in a name"
    tenant["tags"][1]["name"] = f"pair {_pair(USERNAME, KNOWN_SECRETS['password'])}"
    # the staging password, learnt from the Drop Ship settings, echoed in other answers
    tenant["devices"][1]["name"] = f"staging {STAGING_PASSWORD} echo"
    tenant["profiles"][1]["name"] = f"{STAGING_PASSWORD}"
    return tenant


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every command, format and failure, run once; their outputs, streams and the tokens."""
    base = tmp_path_factory.mktemp("secrets")
    shared = persistent_fault_run(tmp_path_factory.getbasetemp() / "persistent-fault-run")
    tenant = known_secret_tenant()
    env = sim_env(tenant)
    servers = {
        "clean": SimulatorServer(tenant).start(),
        # Basic auth against a tenant whose own data holds the secrets it was given
        "echo": SimulatorServer(_echoing_tenant()).start(),
        "401": SimulatorServer(tenant, faults="401:1.0").start(),
        "garbled": SimulatorServer(
            tenant,
            faults="malformed/api/mdm/profiles:1.0,truncate/api/mdm/devices:0.5,"
            "malformed/api/system/groups/cc156ddf-a5cb-5dfb-8352-2accb448b7ea/dropship:1.0",
        ).start(),
    }
    try:
        cfg = {
            name: write_config(base / f"{name}-basic.toml", s.url) for name, s in servers.items()
        }
        oauth = {
            name: write_config(base / f"{name}-oauth.toml", s.url, auth="oauth")
            for name, s in servers.items()
            if name in ("clean", "401")
        }
        down = write_config(base / "down.toml", f"http://127.0.0.1:{_closed_port()}")
        bad_env = sim_env(
            tenant,
            SIM_PASSWORD=WRONG["password"],
            SIM_TENANT_CODE=WRONG["tenant_code"],
            SIM_CLIENT_SECRET=WRONG["client_secret"],
        )
        out = {name: base / name for name in ("run", "oauth", "eval", "render", "demo", "gar")}
        snap = base / "collect" / "snapshot.json"
        jobs: dict[str, tuple[list[str], dict[str, str]]] = {
            "run --debug": (
                [
                    "--debug",
                    "run",
                    "--config",
                    str(cfg["echo"]),
                    "--out",
                    str(out["run"]),
                    "--format",
                    QUICK,
                ],
                env,
            ),
            "run oauth --debug": (
                [
                    "--debug",
                    "run",
                    "--config",
                    str(oauth["clean"]),
                    "--out",
                    str(out["oauth"]),
                    "--format",
                    "json,html,md,csv",
                ],
                env,
            ),
            "collect": (["collect", "--config", str(cfg["clean"]), "--snapshot", str(snap)], env),
            "401 --debug": (
                ["--debug", "run", "--config", str(cfg["clean"]), "--out", str(base / "x1")],
                bad_env,
            ),
            "403": (
                ["run", "--config", str(cfg["clean"]), "--out", str(base / "x2")],
                sim_env(tenant, SIM_TENANT_CODE=WRONG["tenant_code"]),
            ),
            "oauth 401 --debug": (
                ["--debug", "run", "--config", str(oauth["401"]), "--out", str(base / "x3")],
                env,
            ),
            "token 400 --debug": (
                ["--debug", "run", "--config", str(oauth["clean"]), "--out", str(base / "x4")],
                bad_env,
            ),
            "unreachable --debug": (
                ["--debug", "run", "--config", str(down), "--out", str(base / "x6")],
                env,
            ),
            "garbled --debug": (
                [
                    "--debug",
                    "run",
                    "--config",
                    str(cfg["garbled"]),
                    "--out",
                    str(out["gar"]),
                    "--format",
                    "json,md,csv",
                ],
                env,
            ),
            "demo": (["demo", "--out", str(out["demo"]), "--format", QUICK], {}),
        }
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = {name: pool.submit(ws1, *args, env=e) for name, (args, e) in jobs.items()}
            procs = {name: f.result() for name, f in futures.items()}
        # offline commands on what was collected
        later: dict[str, list[str]] = {
            "evaluate --debug": [
                "--debug",
                "evaluate",
                "--snapshot",
                str(snap),
                "--config",
                str(cfg["clean"]),
                "--out",
                str(out["eval"]),
                "--format",
                QUICK,
            ],
            "render": [
                "render",
                str(out["run"] / "results.json"),
                "--format",
                QUICK,
                "--out",
                str(out["render"]),
            ],
            "diff": ["diff", str(out["run"] / "results.json"), str(out["oauth"] / "results.json")],
            "evaluate broken --debug": [
                "--debug",
                "evaluate",
                "--snapshot",
                str(base / "x1" / "nope.json"),
            ],
        }
        with ThreadPoolExecutor(max_workers=4) as pool:
            futures = {name: pool.submit(ws1, *args, env=env) for name, args in later.items()}
            procs.update({name: f.result() for name, f in futures.items()})
        tokens = [t for s in servers.values() for t in s._tokens._tokens]
    finally:
        for server in servers.values():
            server.stop()
    procs["shared persistent 503"] = shared.proc
    return {"procs": procs, "base": base, "shared": shared.out, "tokens": tokens, "out": out}


def _secrets(tokens: list[str]) -> dict[str, str]:
    values = {
        "password": KNOWN_SECRETS["password"],
        "tenant code": KNOWN_SECRETS["tenant_code"],
        "client secret": KNOWN_SECRETS["client_secret"],
        "basic pair": _pair(USERNAME, KNOWN_SECRETS["password"]),
        "wrong password": WRONG["password"],
        "wrong tenant code": WRONG["tenant_code"],
        "wrong client secret": WRONG["client_secret"],
        "wrong basic pair": _pair(USERNAME, WRONG["password"]),
        "SyncML local admin password": SYNCML_PASSWORD,
        "Drop Ship staging password": STAGING_PASSWORD,
    }
    # the demo's own (simulated) credentials are treated as secrets too
    for scenario in ("ready", "not-ready"):
        data = load_scenario(scenario)
        for og in data["org_groups"]:
            if (og.get("dropship") or {}).get("password"):
                values[f"{scenario} {og['group_id']} staging password"] = og["dropship"]["password"]
        creds = data["credentials"]
        values[f"{scenario} demo password"] = creds["password"]
        values[f"{scenario} demo tenant code"] = creds["tenant_code"]
        values[f"{scenario} demo basic pair"] = _pair(creds["username"], creds["password"])
    for i, token in enumerate(tokens):
        values[f"access token {i}"] = token
    return values


def test_the_runs_did_what_they_should(runs: dict[str, Any]) -> None:
    """Guard: the matrix really covers successes and each kind of failure."""
    codes = {name: p.returncode for name, p in runs["procs"].items()}
    assert codes["run --debug"] == 1 and codes["run oauth --debug"] == 1
    assert codes["collect"] == 0
    assert codes["evaluate --debug"] == 1 and codes["render"] == 0 and codes["diff"] == 0
    assert codes["demo"] == 0
    for name in ("401 --debug", "403", "oauth 401 --debug", "token 400 --debug"):
        assert codes[name] == 4, (name, runs["procs"][name].stderr)
    assert codes["unreachable --debug"] == 4
    assert codes["garbled --debug"] == 2 and codes["shared persistent 503"] == 2
    assert codes["evaluate broken --debug"] == 3
    assert len(runs["tokens"]) >= 3  # the oauth run, the 401 run and its refresh
    # --debug prints a (scrubbed) traceback for errors
    assert "Traceback" in runs["procs"]["unreachable --debug"].stderr


def test_no_secret_in_stdout_or_stderr(runs: dict[str, Any]) -> None:
    secrets = _secrets(runs["tokens"])
    for name, proc in runs["procs"].items():
        streams = proc.stdout + "\n" + proc.stderr
        for what, value in secrets.items():
            for form in secret_forms(value):
                assert form not in streams, f"{what} leaked into the output of {name!r}"


def test_no_secret_in_any_file_written(runs: dict[str, Any]) -> None:
    secrets = _secrets(runs["tokens"])
    files = every_file(runs["base"]) + every_file(runs["shared"])
    files = [f for f in files if f.suffix != ".toml"]  # the configs name env vars only
    kinds = {f.suffix for f in files}
    assert {".pdf", ".html", ".json", ".csv", ".xml", ".md"} <= kinds
    assert any(f.name == "snapshot.json" for f in files)
    for path in files:
        text = file_text(path)
        for what, value in secrets.items():
            for form in secret_forms(value):
                assert form not in text, f"{what} leaked into {path}"


def test_the_staging_password_is_in_no_file_in_any_encoding(runs: dict[str, Any]) -> None:
    """UTF-8, UTF-16 either way, base64 of both, a PDF's hex string; PDFs also decoded."""
    secrets = _secrets(runs["tokens"])
    staging = {k: v for k, v in secrets.items() if "staging password" in k}
    assert len(staging) >= 4  # the known tenant's and the demo scenarios'
    files = [
        f for f in every_file(runs["base"]) + every_file(runs["shared"]) if f.suffix != ".toml"
    ]
    assert any(f.suffix == ".pdf" for f in files)
    for path in files:
        raw = path.read_bytes()
        text = file_text(path) if path.suffix == ".pdf" else ""
        for what, value in staging.items():
            for form in secret_byte_forms(value):
                assert form not in raw, f"{what} leaked into {path} as {form!r}"
            for form in secret_forms(value):
                assert form not in text, f"{what} leaked into the text of {path}"


def test_the_staging_password_is_redacted_where_the_settings_are_read(
    runs: dict[str, Any],
) -> None:
    data = json.loads((runs["base"] / "collect" / "snapshot.json").read_text())
    [settings] = [r for r in data["requests"] if r["purpose"] == "dropship_settings"]
    assert settings["body"]["password"] == "[REDACTED]"
    assert settings["body"]["username"] == "dropship-contoso"  # the rest is kept
    run = json.loads((runs["out"]["run"] / "results.json").read_text())
    assert run["dropship"]["from_api"] == {
        "username": "dropship-contoso",
        "enabled": True,
        "endpoint": "GET /api/system/groups/{uuid}/dropship-provisioning",
    }
    # the garbled answer (cut in half, kept as text) has the value redacted as far as it goes
    garbled = json.loads((runs["out"]["gar"] / "snapshot.json").read_text())
    texts = [r["body"] for r in garbled["requests"] if r["purpose"] == "dropship_settings"]
    assert texts and all(isinstance(t, str) and '"password": "[REDACTED]' in t for t in texts)


def test_a_settings_answer_cut_anywhere_keeps_no_prefix_of_the_password() -> None:
    body = json.dumps(
        {
            "enable_dropship_provisioning": True,
            "username": "dropship-contoso",
            "password": STAGING_PASSWORD,
            "sub_organization_groups": [],
        }
    )
    opening = '"password": "'
    for cut in range(len(body) + 1):
        scrubbed, learnt = redact_secret_fields(body[:cut])
        assert opening + STAGING_PASSWORD[0] not in scrubbed, cut
        assert learnt in ([], [STAGING_PASSWORD]), (cut, learnt)
    assert redact_secret_fields(json.loads(body)) == (
        {**json.loads(body), "password": "[REDACTED]"},
        [STAGING_PASSWORD],
    )


def test_configs_hold_no_secret_values(runs: dict[str, Any]) -> None:
    for path in runs["base"].glob("*.toml"):
        text = path.read_text()
        assert "_env" in text
        for value in KNOWN_SECRETS.values():
            assert value not in text


def test_snapshot_keeps_no_request_headers_and_urls_carry_no_secret(
    runs: dict[str, Any],
) -> None:
    snapshots = [runs["base"] / "collect" / "snapshot.json", runs["out"]["run"] / "snapshot.json"]
    snapshots.append(runs["out"]["oauth"] / "snapshot.json")
    for path in snapshots:
        data = json.loads(path.read_text())
        assert data["requests"]
        for rec in data["requests"]:
            names = {k.lower() for k in rec.get("headers") or {}}
            assert not names & {"authorization", "aw-tenant-code", "cookie", "set-cookie"}
            assert names <= {
                "x-api-version",
                "api-supported-versions",
                "x-ratelimit-limit",
                "x-ratelimit-remaining",
                "x-ratelimit-reset",
                "x-correlation-id",
                "content-type",
                "retry-after",
            }
            if rec["purpose"] == "oauth_token":
                assert rec["body"] is None  # the token answer is never kept
    # tenant data that echoes a secret is kept redacted, not dropped
    run = json.loads((runs["out"]["run"] / "results.json").read_text())
    assert "[REDACTED]" in json.dumps(run)


def test_the_syncml_password_is_redacted_where_the_profile_is_read(runs: dict[str, Any]) -> None:
    data = json.loads((runs["base"] / "collect" / "snapshot.json").read_text())
    details = [r for r in data["requests"] if r["purpose"].startswith("profile_detail:")]
    text = json.dumps(details)
    assert "Accounts/Users/dsadmin/Password" in text  # the payload is there ...
    assert "<Data>[REDACTED]</Data>" in text  # ... with its secret redacted
    assert "<Data>2</Data>" in text  # other SyncML data is kept


@pytest.mark.parametrize("escaped", [False, True])
def test_syncml_password_redacted_in_any_truncation(escaped: bool) -> None:
    """A body cut off anywhere (kept as text) never keeps even a prefix of the password."""
    syncml = load_scenario("ready")["profiles"][0]["payloads"][0]["syncml"]
    assert SYNCML_PASSWORD in syncml
    text = json.dumps({"CustomSettingsXML": syncml})
    if escaped:
        text = text.replace("<", "&lt;").replace(">", "&gt;")
    opening = "&lt;Data&gt;" if escaped else "<Data>"
    for cut in range(len(text) + 1):
        scrubbed = scrub_payload_secrets(text[:cut])
        assert opening + SYNCML_PASSWORD[0] not in scrubbed, cut


# -- the signing key and its passphrase, and the notification URLs ------------------------------


def _key_forms(pki: Any) -> set[str]:
    """The signing key as it could leak: its PEM lines, its DER in base64 and hex."""
    pem = pki.signer_key.read_text().splitlines()
    forms = {line for line in pem if len(line) >= 40 and "PRIVATE KEY" not in line}
    der = pki.signer_key_der
    forms |= {base64.b64encode(der).decode()[:64], der.hex()[:64], der[:48].hex()}
    p12 = base64.b64encode(pki.signer_p12.read_bytes()).decode()
    forms |= {p12[i : i + 64] for i in range(0, 640, 64)}
    return forms


def test_signing_secrets_and_notify_urls_never_reach_any_output(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """Signed runs (PEM key and PKCS#12, timestamped), a wrong passphrase, a notification
    delivered and one that fails, all with --debug: the passphrase, the key and the
    notification URL's credential appear in no file, stream or message."""
    from signing_helpers import PASSPHRASE, LoopbackTSA, make_pki
    from test_notify import TOKEN, Receiver

    base = tmp_path_factory.mktemp("signing-secrets")
    pki = make_pki(base / "pki")
    tenant = known_secret_tenant()
    receiver = Receiver()
    dead = f"json://ws1:{TOKEN}@127.0.0.1:{_closed_port()}/hook"
    procs = {}
    try:
        with SimulatorServer(tenant) as server, LoopbackTSA(pki) as tsa:
            pem = {"sign_key": str(pki.signer_key), "sign_cert": str(pki.signer_cert)}
            p12 = {"sign_key": str(pki.signer_p12)}
            for name, keys, url, secret in (
                ("pem", pem, receiver.url(), PASSPHRASE),
                ("p12", p12, dead, PASSPHRASE),
                ("wrong", pem, receiver.url(), "wr0ng-" + PASSPHRASE[::-1]),
            ):
                report = {**keys, "sign_passphrase_env": "SIGN_PW", "tsa_url": tsa.url}
                config = write_config(
                    base / f"{name}.toml",
                    server.url,
                    report=report,
                    raw='\n[notify]\nurls_env = ["WS1_NOTIFY"]\n',
                )
                env = sim_env(tenant, SIGN_PW=secret, WS1_NOTIFY=url)
                procs[name] = ws1(
                    "--debug",
                    "run",
                    "--config",
                    str(config),
                    "--out",
                    str(base / name),
                    "--format",
                    QUICK + ",pdf,ocsf",
                    env=env,
                )
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
    # not ready (no attestations), signed, and alerted
    assert procs["pem"].returncode == 1 and procs["p12"].returncode == 1, procs["pem"].stderr
    assert (base / "pem" / "results.json.p7s").is_file() and (base / "p12" / "report.pdf").is_file()
    assert [m["title"] for m in receiver.received] == ["ws1-audit: Contoso (simulated): not ready"]
    assert "notification via $WS1_NOTIFY (JSON) was not delivered" in procs["p12"].stderr
    assert procs["wrong"].returncode == 3 and "report.sign_key" in procs["wrong"].stderr
    leaks = {f for v in (PASSPHRASE, TOKEN, "wr0ng-" + PASSPHRASE[::-1]) for f in secret_forms(v)}
    leaks |= _key_forms(pki) | {receiver.url(), dead}
    texts = [p.stdout + p.stderr for p in procs.values()]
    texts += [json.dumps(m) for m in receiver.received]
    texts += [file_text(f) for f in every_file(base) if f.parent.name in ("pem", "p12", "wrong")]
    for text in texts:
        for form in leaks:
            assert form not in text


def test_a_learnt_staging_password_is_scrubbed_before_and_after_and_from_printed_lines() -> None:
    from audit.redact import scrub
    from audit.uem.recorder import Recorder

    secret = "Stg-Learnt-0nce-77aa"
    recorder = Recorder()
    earlier = recorder.record(
        purpose="devices", method="GET", path="/x", status=200, body={"name": f"pc {secret}"}
    )
    assert secret in json.dumps(earlier.body)  # not known yet
    settings = json.dumps({"username": "u", "password": secret, "sub": [{"Password": "****"}]})
    recorder.record(
        purpose="dropship_settings",
        method="GET",
        path="/y",
        status=200,
        body=json.loads(settings),
        raw=settings.encode(),
    )
    later = recorder.record(purpose="x", method="GET", path="/z", status=200, body=[secret])
    dump = json.dumps(recorder.to_list())
    assert secret not in dump and later.body == ["[REDACTED]"]
    assert scrub(f"error: {secret}") == "error: [REDACTED]"
    assert "****" not in recorder.redactor._secrets  # a mask is not learnt
