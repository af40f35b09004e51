"""The fault matrix: the verdict can be trusted when the network or the API misbehaves.

Each row runs a real audit against the simulator over loopback with one fault injected
(``audit/simulator/faults.py`` grammar) and asserts the results and the exit code:

- transient faults (429 with Retry-After, 503, 502, an HTML 502 page, dropped connections,
  answers slower than the timeout, bodies cut off mid-way, honest short pages, v2 asked
  and v1 served): results identical to the clean run;
- a fault on every attempt at one endpoint: only the checks needing it are ``error``,
  naming the endpoint and status, the others decide as in the clean run, exit 2, every
  report written;
- 401, or a 403 on the first call: exit 4 at once, one line, no retry storm, no report
  files (a 403 on a later endpoint is a gap: ``tests/test_permissions.py``);
- malformed JSON, a body cut off every time, a page with fewer rows than Total,
  unexpected extra fields, missing fields: no crash; the affected checks ``error`` (or
  decide from what was read and say so);
- OAuth token endpoint answering 400, 500 or unreachable: exit 4 with a clear line.

In-process audits shorten the client's sleeps (``FastSleeps``); CLI runs keep
``[collect] retries`` at 0 or 1 so their real backoff stays short.
"""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from robust_helpers import (
    ALL_FORMATS,
    FastSleeps,
    audit_in_process,
    cli_in_process,
    comparable,
    config_for,
    per_device_fault,
    persistent_fault_run,
    sim_env,
    write_config,
)

from audit.simulator import load_scenario

EXPECTED_FILES = {
    "html": ["report.html"],
    "pdf": ["report.pdf"],
    "json": ["results.json"],
    "csv": ["findings.csv", "evidence.csv"],
    "junit": ["junit.xml"],
    "md": ["summary.md"],
    "handover": ["handover.pdf"],
}


@pytest.fixture(scope="module")
def ready() -> dict[str, Any]:
    return load_scenario("ready")


@pytest.fixture(scope="module")
def not_ready() -> dict[str, Any]:
    return load_scenario("not-ready")


@pytest.fixture(scope="module")
def clean(
    ready: dict[str, Any], not_ready: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    """The results of a fault-free audit of each scenario."""
    from audit.simulator import SimulatorServer

    out: dict[str, dict[str, Any]] = {}
    for name, tenant in (("ready", ready), ("not-ready", not_ready)):
        with SimulatorServer(tenant) as server:
            config = config_for(server.url, tenant, tmp_path_factory.mktemp("clean"))
            out[name] = audit_in_process(config).results
    return out


def _api_requests(server: Any) -> list[Any]:
    return [e for e in server.log if e.path.lower().startswith("/api/")]


# -- transient faults: the same verdict as the clean run ------------------------------------


TRANSIENT = [
    pytest.param("ready", "429:0.25", {}, id="429-retry-after"),
    pytest.param("ready", "503:0.25", {}, id="503"),
    pytest.param("ready", "502:0.25", {}, id="502"),
    pytest.param("ready", "html502:0.25", {}, id="502-html-page"),
    pytest.param("ready", "504:0.2", {}, id="504"),
    pytest.param("ready", "drop:0.2", {}, id="dropped-connection"),
    pytest.param("ready", "slow:0.15", {"slow_s": 0.6}, id="slower-than-timeout"),
    pytest.param("ready", "truncate:0.2", {}, id="body-cut-off"),
    pytest.param("ready", "429:0.1,503:0.1,drop:0.05,truncate:0.05", {}, id="mixed"),
    # the findings of a not-ready tenant survive faults too
    pytest.param("not-ready", "429:0.1,503:0.1,drop:0.05,truncate:0.05", {}, id="mixed-not-ready"),
    pytest.param("not-ready", "502:0.3", {}, id="502-not-ready"),
]


@pytest.mark.parametrize(("scenario", "faults", "knobs"), TRANSIENT)
def test_transient_faults_give_the_clean_results(
    scenario: str,
    faults: str,
    knobs: dict[str, Any],
    clean: dict[str, dict[str, Any]],
    simulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    tenant = load_scenario(scenario)
    server = simulator(tenant, faults=faults, seed=11, **knobs)
    config = config_for(
        server.url, tenant, tmp_path, overrides={"collect": {"retries": 6, "timeout_s": 0.4}}
    )
    slept = FastSleeps()
    audit = audit_in_process(config, sleep=slept)
    failed = [r for r in audit.snapshot.requests if r.get("error")]
    assert failed, "the fault never fired: the test proves nothing"
    assert comparable(audit.results) == comparable(clean[scenario])
    assert audit.snapshot.stats["retries"] >= len(failed)
    assert not audit.snapshot.gaps
    if faults.startswith("slow"):
        assert any("Timeout" in r["error"] for r in failed)
    if faults.startswith("429"):
        # the simulator's 429 says Retry-After: 1, and the client waited that long
        assert 1.0 in slept


@pytest.mark.parametrize(
    ("knobs", "faults"),
    [
        pytest.param({"page_size_cap": 2}, None, id="server-caps-the-page-size"),
        pytest.param({}, "v1only", id="v2-asked-v1-served"),
        pytest.param({}, "extra:1.0", id="unexpected-extra-fields"),
    ],
)
def test_odd_but_honest_answers_give_the_clean_results(
    knobs: dict[str, Any],
    faults: str | None,
    clean: dict[str, dict[str, Any]],
    ready: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
) -> None:
    server = simulator(ready, faults=faults, **knobs)
    audit = audit_in_process(config_for(server.url, ready, tmp_path))
    assert not audit.snapshot.gaps
    if faults == "extra:1.0":
        # the extra fields may show up as payload names in evidence; the verdicts may not move
        assert audit.statuses == {c["id"]: c["status"] for c in clean["ready"]["checks"]}
    else:
        assert comparable(audit.results) == comparable(clean["ready"])
    if faults == "v1only":
        served = {e.api_version for e in server.log if e.endpoint in ("og_search", "profiles")}
        assert served == {"v1"}  # asked v2, answered in v1 shape, parsed by shape
    if knobs:
        assert max(len(r.get("body", {}).get("Devices", [])) for r in _device_pages(audit)) <= 2


def _device_pages(audit: Any) -> list[dict[str, Any]]:
    return [r for r in audit.snapshot.requests if r["purpose"] == "devices" and r.get("body")]


# -- a persistent fault on one endpoint ------------------------------------------------------


def test_persistent_503_on_one_endpoint_errors_only_its_checks(
    clean: dict[str, dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> None:
    """App details answer 503 on every attempt: app checks error, the rest decide; exit 2.

    The real CLI in a subprocess, every format (the run is shared with test_secrets).
    """
    run = persistent_fault_run(tmp_path_factory.getbasetemp() / "persistent-fault-run")
    proc, out = run.proc, run.out
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr == ""
    results = json.loads((out / "results.json").read_text())
    needing = {"app_assignments_device_auto", "software_distribution", "payloads_assigned"}
    before = {c["id"]: c for c in clean["ready"]["checks"]}
    for check in results["checks"]:
        if check["id"] in needing:
            assert check["status"] == "error", check
            assert "/api/mam/apps/internal/" in check["summary"] and "503" in check["summary"]
            ev = check["evidence"]
            assert ev["columns"][1:3] == ["Endpoint", "HTTP status"]
            assert all(r[1].startswith("GET /api/mam/apps/internal/") for r in ev["rows"])
            assert {r[2] for r in ev["rows"]} == {503}
        else:
            assert check["status"] == before[check["id"]]["status"], check["id"]
            assert check["evidence"] == before[check["id"]]["evidence"], check["id"]
    # 2 attempts (retries = 1) per app detail, nothing more
    details = [e for e in run.log if e.endpoint == "app_detail"]
    assert details and all(e.status == 503 for e in details)
    assert len(details) == 2 * len({e.path for e in details})
    for fmt in ALL_FORMATS:
        for name in EXPECTED_FILES[fmt]:
            assert (out / name).stat().st_size > 0, name
    assert (out / "snapshot.json").exists()
    gaps = results["snapshot"]["gaps"]
    assert gaps and {g["status"] for g in gaps} == {503}


#: Checks that hang on the Drop Ship smart group, which the tags identify.
SMART_GROUP_CHECKS = {
    "dropship_tag",
    "smart_group_tag_criteria",
    "app_assignments_device_auto",
    "login_experience",
    "payloads_assigned",
    "software_distribution",
}
#: ... and everything found inside the Drop Ship OG, which the OG search finds.
OG_CHECKS = SMART_GROUP_CHECKS | {
    "dropship_customer_og",
    "devices_registered",
    "dropship_enabled",
    "hub_version",
}


@pytest.mark.parametrize(
    ("scenario", "faults", "needing"),
    [
        pytest.param("ready", "503/api/system/info:1.0", {"uem_version"}, id="system-info"),
        pytest.param(
            "ready", "502/api/mdm/devices/search:1.0", {"hub_version"}, id="device-search"
        ),
        pytest.param("ready", per_device_fault(503), {"hub_version"}, id="device-app-inventories"),
        pytest.param(
            "ready",
            "503/api/mam/apps/internal/devices:1.0," + per_device_fault(503),
            {"hub_version"},
            id="hub-lists-and-inventories",
        ),
        pytest.param(
            "ready",
            "500/api/mdm/groups:1.0",
            {"devices_registered"},
            id="registrations",
        ),
        pytest.param(
            "ready",
            "503/api/system/groups/cc156ddf-a5cb-5dfb-8352-2accb448b7ea/dropship:1.0",
            {"dropship_enabled"},
            id="dropship-settings",
        ),
        pytest.param(
            "ready", "503/autodiscovery:1.0", {"autodiscovery_domain"}, id="discovery-service"
        ),
        pytest.param("ready", "503/api/mdm/tags:1.0", SMART_GROUP_CHECKS, id="tags"),
        pytest.param("not-ready", "503/api/mdm/tags:1.0", SMART_GROUP_CHECKS, id="tags-not-ready"),
        pytest.param("ready", "503/api/system/groups/search:1.0", OG_CHECKS, id="og-search"),
        pytest.param(
            "not-ready", "503/api/system/groups/search:1.0", OG_CHECKS, id="og-search-not-ready"
        ),
        pytest.param(
            "not-ready", per_device_fault(503), {"hub_version"}, id="inventories-not-ready"
        ),
    ],
)
def test_persistent_fault_matrix(
    faults: str,
    needing: set[str],
    scenario: str,
    clean: dict[str, dict[str, Any]],
    simulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """Whatever endpoint fails for good, no check reports a finding it could not see."""
    tenant = load_scenario(scenario)
    server = simulator(tenant, faults=faults)
    config = config_for(server.url, tenant, tmp_path, overrides={"collect": {"retries": 1}})
    audit = audit_in_process(config, sleep=FastSleeps())
    status = faults.split("/", 1)[0]
    before = {c["id"]: c["status"] for c in clean[scenario]["checks"]}
    for check in audit.results["checks"]:
        if check["id"] in needing:
            assert check["status"] == "error", (check["id"], check["summary"])
            cells = json.dumps(check["evidence"]["rows"])
            assert status in cells and "GET " in cells, check["evidence"]
        else:
            assert check["status"] == before[check["id"]], (check["id"], check["summary"])
    assert pipeline_exit(audit.results) == _expected_exit(audit.results, needing)


def _expected_exit(results: dict[str, Any], needing: set[str]) -> int:
    """2 when an error counts for readiness (medium or above: devices_registered is low)."""
    blocking = any(c["id"] in needing and c.get("blocking") for c in results["checks"])
    return 2 if blocking else 1


def pipeline_exit(results: dict[str, Any]) -> int:
    from audit.pipeline import exit_code_for

    return exit_code_for(results)


# -- credentials refused: exit 4 at once -----------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "env_override", "words"),
    [
        pytest.param(None, {"SIM_PASSWORD": "wrong-pass-0001"}, "401", id="401-bad-password"),
        pytest.param("401:1.0", {}, "401", id="401-every-request"),
        pytest.param(None, {"SIM_TENANT_CODE": "wrong-code-0001"}, "403", id="403-bad-api-key"),
        pytest.param("403/api/system/info:1.0", {}, "403", id="403-on-the-first-call"),
    ],
)
def test_refused_credentials_exit_4_at_once(
    faults: str | None,
    env_override: dict[str, str],
    words: str,
    ready: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = simulator(ready, faults=faults)
    config = write_config(tmp_path / "t.toml", server.url, collect={"retries": 4})
    out = tmp_path / "out"
    args = ["run", "--config", str(config), "--out", str(out)]
    code, stdout, stderr = cli_in_process(args, sim_env(ready, **env_override), monkeypatch, capsys)
    assert code == 4, stderr
    assert stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("ws1-audit: error: ")
    assert f"answered {words}" in stderr
    if words == "401":
        assert "credentials were refused" in stderr
    else:
        assert "API key" in stderr and "permission" in stderr
    assert "Traceback" not in stderr
    for value in env_override.values():
        assert value not in stderr
    # no retry storm: a refused request is never repeated, and little else was sent
    api = _api_requests(server)
    refused = [e for e in api if e.status in (401, 403)]
    assert refused and len({e.path for e in refused}) == len(refused)
    assert len(api) <= 12
    assert not out.exists() or not any(out.iterdir())


def test_oauth_401_gets_one_token_refresh_then_exit_4(
    ready: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = simulator(ready, faults="401:1.0")
    config = write_config(tmp_path / "t.toml", server.url, auth="oauth", collect={"retries": 4})
    args = ["run", "--config", str(config), "--out", str(tmp_path / "out")]
    code, _, stderr = cli_in_process(args, sim_env(ready), monkeypatch, capsys)
    assert code == 4 and stderr.count("\n") == 1
    assert "401" in stderr and "fresh OAuth token" in stderr
    assert server.tokens_issued <= 3
    assert len(_api_requests(server)) <= 8
    assert not (tmp_path / "out").exists()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("faults", "token_url", "words"),
    [
        pytest.param("token400:1.0", None, "answered 400: invalid_request", id="token-400"),
        pytest.param(None, None, "answered 400: invalid_client", id="token-400-bad-secret"),
        pytest.param("token500:1.0", None, "answered 500", id="token-500"),
        pytest.param(None, "closed", "could not be reached", id="token-endpoint-down"),
    ],
)
def test_oauth_token_endpoint_failures_exit_4_with_a_clear_line(
    faults: str | None,
    token_url: str | None,
    words: str,
    ready: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = simulator(ready, faults=faults)
    url = f"http://127.0.0.1:{_closed_port()}/connect/token" if token_url else None
    config = write_config(
        tmp_path / "t.toml",
        server.url,
        auth="oauth",
        tenant={"token_url": url} if url else None,
        collect={"retries": 0},
    )
    env = sim_env(ready)
    if "bad-secret" in words or words.endswith("invalid_client"):
        env["SIM_CLIENT_SECRET"] = "not-the-secret-123"
    args = ["run", "--config", str(config), "--out", str(tmp_path / "out")]
    code, _, stderr = cli_in_process(args, env, monkeypatch, capsys)
    assert code == 4, stderr
    assert stderr.count("\n") == 1
    assert stderr.startswith("ws1-audit: error: OAuth token endpoint ")
    assert words in stderr
    assert env["SIM_CLIENT_SECRET"] not in stderr
    assert not _api_requests(server)  # no API request without a token
    assert not (tmp_path / "out").exists()


# -- answers of the wrong shape: no crash ----------------------------------------------------


@pytest.mark.parametrize(
    ("faults", "needing", "words"),
    [
        pytest.param(
            "malformed/api/mdm/tags/search:1.0",
            {"dropship_tag", "smart_group_tag_criteria"},
            "not valid JSON",
            id="malformed-json",
        ),
        pytest.param(
            "malformed/api/system/info:1.0", {"uem_version"}, "malformed JSON", id="malformed-info"
        ),
        pytest.param(
            "truncate/api/mdm/profiles/search:1.0",
            {"login_experience", "payloads_assigned"},
            "peer closed connection",
            id="truncated-body-every-time",
        ),
        pytest.param(
            "short/api/mdm/devices/search:1.0",
            {"hub_version"},
            "was empty after 11 of 12 rows",
            id="page-with-fewer-rows-than-total",
        ),
        pytest.param(
            "short/api/mdm/tags/search:1.0",
            {"dropship_tag"},
            "was empty after 2 of 3 rows",
            id="tag-page-short",
        ),
        pytest.param(
            "missing/api/system/info:1.0",
            {"uem_version"},
            "ProductVersion",
            id="missing-product-version",
        ),
        pytest.param(
            "missing/api/mdm/tags/search:1.0",
            {"dropship_tag", "smart_group_tag_criteria", "login_experience"},
            "have no name",
            id="missing-tag-names",
        ),
        pytest.param(
            "missing/api/mdm/profiles:1.0",
            {"login_experience"},
            "no General section",
            id="missing-profile-sections",
        ),
        pytest.param(
            "missing/api/mdm/groups:1.0",
            {"devices_registered"},
            "have no serial number",
            id="missing-registration-fields",
        ),
        pytest.param(
            "missing/api/mam/apps/internal:1.0",
            {"app_assignments_device_auto", "software_distribution", "payloads_assigned"},
            "no ApplicationName or DeploymentOptions",
            id="missing-app-assignment-fields",
        ),
    ],
)
def test_wrong_shapes_never_crash_and_say_why(
    faults: str,
    needing: set[str],
    words: str,
    ready: dict[str, Any],
    clean: dict[str, dict[str, Any]],
    simulator: Any,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    server = simulator(ready, faults=faults)
    config = config_for(server.url, ready, tmp_path, overrides={"collect": {"retries": 1}})
    audit = audit_in_process(
        config, tmp_path / "out", ("json", "csv", "md", "junit", "html"), sleep=FastSleeps()
    )
    assert [e for e in server.log if e.fault]
    for check_id in needing:
        check = audit.check(check_id)
        assert check["status"] == "error", (check_id, check["summary"])
        said = check["summary"] + json.dumps(check["evidence"]["rows"])
        assert words in said, (check_id, said)
    # nothing that was read in full turned into a finding it did not see
    before = {c["id"]: c["status"] for c in clean["ready"]["checks"]}
    for check in audit.results["checks"]:
        if before[check["id"]] == "pass" and check["id"] not in needing:
            assert check["status"] in ("pass", "error"), (check["id"], check["summary"])
    assert pipeline_exit(audit.results) == _expected_exit(audit.results, needing)
    assert (tmp_path / "out" / "report.html").stat().st_size > 0


def test_every_field_missing_everywhere_still_renders(
    ready: dict[str, Any], simulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    server = simulator(ready, faults="missing:1.0")
    config = config_for(server.url, ready, tmp_path)
    audit = audit_in_process(
        config, tmp_path / "out", ("json", "csv", "md", "junit", "html"), sleep=FastSleeps()
    )
    statuses = audit.statuses
    assert len(statuses) == 16
    # with no names, types, versions or settings to go on, nothing passes on API evidence
    assert not {k for k, v in statuses.items() if v == "pass"} - {"autodiscovery_domain"}
    assert pipeline_exit(audit.results) == 2


def test_malformed_answers_at_random_never_crash(
    ready: dict[str, Any], simulator: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """A mix of every garbling fault on a share of requests: results are still produced."""
    server = simulator(
        ready, faults="malformed:0.15,short:0.15,missing:0.1,extra:0.2,truncate:0.1", seed=3
    )
    config = config_for(server.url, ready, tmp_path, overrides={"collect": {"retries": 1}})
    audit = audit_in_process(config, tmp_path / "out", ("json", "md"), sleep=FastSleeps())
    assert len(audit.results["checks"]) == 16
    assert pipeline_exit(audit.results) in (1, 2)
    assert audit.snapshot.gaps  # and it says what it could not read
