"""Waivers and --fail-on through the real pipeline: the simulator over loopback, the real
client, the real checks, and the command line for the exit codes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sim_helpers import tenant_config
from test_baseline import attestations_toml, on_demand_copy
from test_cli import sim_env, write_config, ws1
from test_pipeline import READY_ATTESTATIONS

from audit import pipeline
from audit.errors import ConfigError
from audit.results import load_results
from audit.simulator import load_scenario

TODAY = dt.date.today()
APPS = "app_assignments_device_auto"


def waiver(
    check: str = APPS, expires: dt.date | None = None, rows: list[str] | None = None
) -> dict[str, Any]:
    return {
        "check": check,
        "justification": "Chrome moves to Auto after the pilot",
        "owner": "Jane Roe (EUC)",
        "expires": expires or TODAY + dt.timedelta(days=30),
        "rows": rows or [],
    }


def waiver_toml(w: dict[str, Any]) -> str:
    rows = ", ".join(f'"{r}"' for r in w["rows"])
    return (
        f'\n[[waivers]]\ncheck = "{w["check"]}"\njustification = "{w["justification"]}"\n'
        f'owner = "{w["owner"]}"\nexpires = {w["expires"].isoformat()}\nrows = [{rows}]\n'
    )


def evaluate(
    simulator: Any,
    tmp_path: Path,
    tenant: dict[str, Any],
    waivers: list[dict[str, Any]],
    **knobs: Any,
) -> dict[str, Any]:
    server = simulator(tenant, **knobs)
    config, _ = tenant_config(
        server.url, tenant, tmp_path, attestations=READY_ATTESTATIONS, waivers=waivers
    )
    return pipeline.evaluate(pipeline.collect(config), config)


def check(results: dict[str, Any], cid: str = APPS) -> dict[str, Any]:
    return next(c for c in results["checks"] if c["id"] == cid)


def cli_run(
    simulator: Any, tmp_path: Path, tenant: dict[str, Any], extra: str, *args: str
) -> tuple[Any, Path, Any]:
    server = simulator(tenant)
    config = write_config(tmp_path, server.url, attestations_toml() + extra)
    out = tmp_path / "out"
    proc = ws1(
        "run",
        "--config",
        str(config),
        "--out",
        str(out),
        "--format",
        "json,md",
        *args,
        env=sim_env(tenant),
    )
    return proc, out, server


def test_a_valid_waiver_flags_the_fail_and_the_run_is_ready(simulator: Any, tmp_path: Path) -> None:
    proc, out, _ = cli_run(simulator, tmp_path, on_demand_copy(), waiver_toml(waiver()))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = load_results(out / "results.json")
    entry = check(results)
    assert entry["status"] == "fail" and entry["blocking"] is False
    assert entry["waiver"]["active"] is True and entry["waiver"]["owner"] == "Jane Roe (EUC)"
    assert entry["waiver"]["expires"] == (TODAY + dt.timedelta(days=30)).isoformat()
    assert results["summary"]["ready"] is True and results["summary"]["waived"] == [APPS]
    assert results["summary"]["counts"]["fail"] == 1  # a waiver is a flag, never a status
    assert f"{APPS} [waived]" in proc.stdout


def test_an_expired_waiver_stops_counting_and_says_so(simulator: Any, tmp_path: Path) -> None:
    extra = waiver_toml(waiver(expires=TODAY - dt.timedelta(days=1)))
    proc, out, _ = cli_run(simulator, tmp_path, on_demand_copy(), extra)
    assert proc.returncode == 1
    entry = check(load_results(out / "results.json"))
    assert entry["waiver"]["expired"] is True and entry["waiver"]["active"] is False
    assert "expired on" in entry["waiver"]["note"] and entry["blocking"] is True


def test_a_waiver_that_expires_today_still_counts(simulator: Any, tmp_path: Path) -> None:
    results = evaluate(simulator, tmp_path, on_demand_copy(), [waiver(expires=TODAY)])
    assert check(results)["waiver"]["active"] is True and results["summary"]["ready"] is True


def test_a_waiver_naming_an_unknown_check_is_a_config_error(simulator: Any, tmp_path: Path) -> None:
    proc, out, server = cli_run(
        simulator, tmp_path, load_scenario("ready"), waiver_toml(waiver(check="app_assigments"))
    )
    assert proc.returncode == 3
    assert (
        proc.stderr.count("\n") == 1
        and "waivers[0].check: unknown check 'app_assigments'" in proc.stderr
    )
    assert not out.exists() and server.log == []  # refused before any request
    config, _ = tenant_config(
        "http://127.0.0.1:9", load_scenario("ready"), tmp_path, waivers=[waiver(check="nope")]
    )
    with pytest.raises(ConfigError, match=r"waivers\[0\]\.check: unknown check 'nope'"):
        pipeline.evaluate(None, config)  # type: ignore[arg-type]  # refused before the snapshot is read


def test_a_row_scoped_waiver_covers_only_the_app_it_names(simulator: Any, tmp_path: Path) -> None:
    covered = evaluate(simulator, tmp_path, on_demand_copy(), [waiver(rows=["google chrome"])])
    assert check(covered)["waiver"]["active"] is True and covered["summary"]["ready"] is True
    other = evaluate(simulator, tmp_path, on_demand_copy(), [waiver(rows=["Zoom Workplace"])])
    state = check(other)["waiver"]
    assert state["active"] is False and "covers 0 of 1" in state["note"]
    assert other["summary"]["ready"] is False and check(other)["blocking"] is True


def test_waivers_on_passing_checks_are_reported_with_their_state(
    simulator: Any, tmp_path: Path
) -> None:
    results = evaluate(
        simulator,
        tmp_path,
        load_scenario("ready"),
        [waiver(check="uem_version", expires=TODAY - dt.timedelta(days=2))],
    )
    state = check(results, "uem_version")["waiver"]
    assert check(results, "uem_version")["status"] == "pass" and state["expired"] is True


@pytest.mark.parametrize(("fail_on", "code"), [("medium", 1), ("high", 1), ("critical", 0)])
def test_fail_on_decides_which_severities_block(
    simulator: Any, tmp_path: Path, fail_on: str, code: int
) -> None:
    proc, out, _ = cli_run(
        simulator, tmp_path, on_demand_copy(), "", "--fail-on", fail_on
    )  # a high finding
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert load_results(out / "results.json")["summary"]["fail_on"] == fail_on


def test_fail_on_from_the_config_and_the_command_line_wins(simulator: Any, tmp_path: Path) -> None:
    proc, _, _ = cli_run(
        simulator, tmp_path, on_demand_copy(), '\n[report]\nfail_on = "critical"\n'
    )
    assert proc.returncode == 0
    again = tmp_path / "again"
    again.mkdir()
    proc, _, _ = cli_run(
        simulator,
        again,
        on_demand_copy(),
        '\n[report]\nfail_on = "critical"\n',
        "--fail-on",
        "high",
    )
    assert proc.returncode == 1


ERRORS = {"faults": "404/api/mam/apps/internal:1.0"}  # app details unreadable: two checks error


def test_check_errors_exit_2_unless_waived_or_below_fail_on(simulator: Any, tmp_path: Path) -> None:
    results = evaluate(simulator, tmp_path, load_scenario("ready"), [], **ERRORS)
    errored = [c["id"] for c in results["checks"] if c["status"] == "error"]
    assert errored == ["app_assignments_device_auto", "payloads_assigned"]
    assert pipeline.exit_code_for(results) == 2
    waived = evaluate(
        simulator, tmp_path, load_scenario("ready"), [waiver(check=c) for c in errored], **ERRORS
    )
    assert [c["status"] for c in waived["checks"] if c["id"] in errored] == ["error", "error"]
    assert pipeline.exit_code_for(waived) == 0  # a waived finding never fails the run
    partly = evaluate(
        simulator, tmp_path, load_scenario("ready"), [waiver(check=errored[0])], **ERRORS
    )
    assert pipeline.exit_code_for(partly) == 2
    snapshot_server = simulator(load_scenario("ready"), **ERRORS)
    config, _ = tenant_config(
        snapshot_server.url, load_scenario("ready"), tmp_path, attestations=READY_ATTESTATIONS
    )
    critical_only = pipeline.evaluate(pipeline.collect(config), config, fail_on="critical")
    assert (
        pipeline.exit_code_for(critical_only) == 0
    )  # errors below --fail-on still show, never fail
