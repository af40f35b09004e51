"""Baselines and drift: `run --baseline`, `diff`, the `change` field and evidence-row drift.

Runs go through the real command line against the simulator over loopback.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from test_cli import sim_env, write_config, ws1

from audit.demo import ATTESTED_IN_DEMO
from audit.results import FAILING, apply_baseline, change_of, load_results, sealed
from audit.simulator import load_scenario

ATTESTED = ATTESTED_IN_DEMO


def attestations_toml(today: dt.date | None = None) -> str:
    """Recent attestations for every check no endpoint shows (so the ready tenant is ready)."""
    when = (today or dt.date.today()) - dt.timedelta(days=3)
    return "".join(
        f'\n[[attestations]]\ncheck = "{c}"\nvalue = true\nby = "Dana"\ndate = {when.isoformat()}\n'
        for c in ATTESTED
    )


def audit(
    simulator: Any,
    tmp_path: Path,
    tenant: dict[str, Any],
    name: str,
    *args: str,
    extra: str = "",
) -> tuple[Any, dict[str, Any], Path]:
    """`ws1-audit run` against ``tenant``; returns the process, results.json and the out dir."""
    server = simulator(tenant)
    folder = tmp_path / f"cfg-{name}"
    folder.mkdir()
    config = write_config(folder, server.url, attestations_toml() + extra)
    out = tmp_path / name
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
    assert (out / "results.json").exists(), proc.stderr
    return proc, load_results(out / "results.json"), out


def by_id(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in results["checks"]}


def on_demand_copy() -> dict[str, Any]:
    """The ready tenant, with Google Chrome's Drop Ship assignment switched to On-Demand."""
    tenant = copy.deepcopy(load_scenario("ready"))
    chrome = next(a for a in tenant["apps"] if a["name"] == "Google Chrome")
    chrome["assignments"][0]["push_mode"] = "OnDemand"
    return tenant


def test_not_ready_then_ready_marks_each_changed_check_fixed(
    simulator: Any, tmp_path: Path
) -> None:
    first, before, out1 = audit(simulator, tmp_path, load_scenario("not-ready"), "before")
    assert (
        first.returncode == 1
        and before["checks"][0]["change"] is None
        and before["baseline"] is None
    )
    proc, after, out2 = audit(
        simulator,
        tmp_path,
        load_scenario("ready"),
        "after",
        "--baseline",
        str(out1 / "results.json"),
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    old, new = by_id(before), by_id(after)
    changed = {cid for cid in new if new[cid]["status"] != old[cid]["status"]}
    assert len(changed) >= 9
    for cid, check in new.items():
        assert check["change"] == ("fixed" if cid in changed else "unchanged"), cid
    assert sorted(after["baseline"]["changes"]["fixed"]) == sorted(changed)
    assert after["baseline"]["run_id"] == before["run"]["id"]
    assert after["baseline"]["path"] == str(out1 / "results.json")
    assert "baseline" in (out2 / "summary.md").read_text(encoding="utf-8").lower()
    diff = ws1("diff", str(out1 / "results.json"), str(out2 / "results.json"))
    assert diff.returncode == 0, diff.stdout + diff.stderr
    assert f"0 regressed, 0 new, {len(changed)} fixed" in diff.stdout


def test_ready_then_not_ready_regresses_and_diff_exits_1(simulator: Any, tmp_path: Path) -> None:
    _, before, out1 = audit(simulator, tmp_path, load_scenario("ready"), "before")
    proc, after, out2 = audit(
        simulator,
        tmp_path,
        load_scenario("not-ready"),
        "after",
        "--baseline",
        str(out1 / "results.json"),
    )
    assert proc.returncode == 1
    old, new = by_id(before), by_id(after)
    regressed = {
        cid for cid in new if old[cid]["status"] == "pass" and new[cid]["status"] in FAILING
    }
    assert len(regressed) >= 8
    assert {cid for cid, c in new.items() if c["change"] == "regressed"} == regressed
    diff = ws1("diff", str(out1 / "results.json"), str(out2 / "results.json"))
    assert diff.returncode == 1, diff.stdout + diff.stderr
    table = [line.split() for line in diff.stdout.splitlines() if line.startswith("  ")]
    assert table[1][0] == "regressed"  # regressions are listed first, after the header
    assert {row[1] for row in table if row and row[0] == "regressed"} == regressed
    as_json = ws1("diff", "--json", str(out1 / "results.json"), str(out2 / "results.json"))
    data = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and set(data["changes"]["regressed"]) == regressed
    same = ws1("diff", str(out1 / "results.json"), str(out1 / "results.json"))
    assert same.returncode == 0 and "0 regressed" in same.stdout


def test_evidence_drift_names_the_app_newly_assigned_on_demand(
    simulator: Any, tmp_path: Path
) -> None:
    _, _, out1 = audit(simulator, tmp_path, load_scenario("ready"), "before")
    proc, after, out2 = audit(
        simulator, tmp_path, on_demand_copy(), "after", "--baseline", str(out1 / "results.json")
    )
    assert proc.returncode == 1
    check = by_id(after)["app_assignments_device_auto"]
    assert check["status"] == "fail" and check["change"] == "regressed"
    drift = after["baseline"]["evidence_drift"]["app_assignments_device_auto"]
    assert [row[0] for row in drift["added"]] == ["Google Chrome"] and drift["added"][0][
        3
    ] == "OnDemand"
    assert [row[0] for row in drift["removed"]] == ["Google Chrome"] and drift["removed"][0][
        3
    ] == "Auto"
    assert set(after["baseline"]["evidence_drift"]) == {"app_assignments_device_auto"}
    diff = ws1("diff", str(out1 / "results.json"), str(out2 / "results.json"))
    assert diff.returncode == 1
    assert "evidence of app_assignments_device_auto: 1 row(s) added, 1 removed" in diff.stdout
    assert any(
        line.startswith("  + Google Chrome |") and "OnDemand" in line
        for line in diff.stdout.splitlines()
    )


def test_a_new_app_assigned_on_demand_is_an_added_row(simulator: Any, tmp_path: Path) -> None:
    _, _, out1 = audit(simulator, tmp_path, load_scenario("ready"), "before")
    tenant = copy.deepcopy(load_scenario("ready"))
    slack = copy.deepcopy(next(a for a in tenant["apps"] if a["name"] == "Google Chrome"))
    slack.update(
        id=199, uuid="5f0e1d2c-0000-4000-8000-000000000199", name="Slack", file_name="slack.msi"
    )
    slack["assignments"] = [{"smart_group_id": 12, "push_mode": "OnDemand"}]
    tenant["apps"].append(slack)
    _, after, _ = audit(
        simulator, tmp_path, tenant, "after", "--baseline", str(out1 / "results.json")
    )
    drift = after["baseline"]["evidence_drift"]["app_assignments_device_auto"]
    assert [row[0] for row in drift["added"]] == ["Slack"] and drift["removed"] == []
    assert drift["added"][0][3] == "OnDemand"


@pytest.mark.parametrize(
    ("old", "new", "change"),
    [
        (None, "pass", "new"),
        ("fail", "pass", "fixed"),
        ("error", "pass", "fixed"),
        ("manual", "pass", "fixed"),
        ("warn", "pass", "fixed"),
        ("fail", "warn", "fixed"),
        ("pass", "fail", "regressed"),
        ("pass", "manual", "regressed"),
        ("warn", "error", "regressed"),
        ("pass", "warn", "changed"),
        ("fail", "error", "changed"),
        ("fail", "manual", "changed"),
        ("manual", "fail", "changed"),
        ("skipped", "pass", "changed"),
        ("pass", "skipped", "changed"),
        ("pass", "pass", "unchanged"),
        ("fail", "fail", "unchanged"),
    ],
)
def test_change_of(old: str | None, new: str, change: str) -> None:
    assert change_of(old, new) == change


def _results(
    checks: list[dict[str, Any]], host: str = "as1.awmdm.com", og: str = "contoso"
) -> dict[str, Any]:
    return {
        "run": {"id": "r", "started_at": "2025-01-01T00:00:00Z", "warnings": []},
        "tenant": {"api_host": host},
        "dropship": {"organization_group": og},
        "checks": checks,
    }


def _check(cid: str, status: str, columns: list[str], rows: list[list[Any]]) -> dict[str, Any]:
    return {"id": cid, "status": status, "evidence": {"columns": columns, "rows": rows}}


def test_drift_compares_on_common_columns_when_the_catalogue_changed() -> None:
    old = _results([_check("a", "pass", ["App", "Mode"], [["Chrome", "Auto"], ["Zoom", "Auto"]])])
    new = _results(
        [
            _check(
                "a",
                "pass",
                ["App", "Mode", "Context"],
                [["Chrome", "Auto", "Device"], ["Zoom", "OnDemand", "Device"]],
            )
        ]
    )
    block = apply_baseline(new, old)["baseline"]
    assert block["evidence_drift"]["a"] == {
        "added": [["Zoom", "OnDemand"]],
        "removed": [["Zoom", "Auto"]],
        "columns": ["App", "Mode"],
    }


def test_a_baseline_of_another_tenant_warns_and_gone_checks_are_listed() -> None:
    old = _results(
        [_check("a", "pass", [], []), _check("retired", "fail", [], [])], host="as2.awmdm.com"
    )
    new = _results([_check("a", "pass", [], [])])
    block = apply_baseline(new, old, "old.json")["baseline"]
    assert block["removed"] == ["retired"] and block["changes"]["unchanged"] == ["a"]
    assert (
        "another API host" in block["warnings"][0] and new["run"]["warnings"] == block["warnings"]
    )


def test_diff_of_a_broken_file_exits_3(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    proc = ws1("diff", str(bad), str(bad))
    assert proc.returncode == 3 and proc.stderr.count("\n") == 1 and "invalid JSON" in proc.stderr


def test_single_run_rejects_a_baseline_folder(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    proc = ws1(
        "run",
        "--config",
        str(config),
        "--baseline",
        str(tmp_path),
        env={"SIM_PASSWORD": "x", "SIM_TENANT_CODE": "y"},
    )
    assert proc.returncode == 3 and "expected a results.json file" in proc.stderr


def _write(path: Path, data: dict[str, Any]) -> Path:
    path.write_text(json.dumps(sealed(data)), encoding="utf-8")  # as ws1-audit writes it
    return path


def test_diff_names_fail_to_manual_a_change_and_warns_on_order_and_tenant(
    tmp_path: Path,
) -> None:
    """fail -> manual is a change (not "unchanged"); a NEW older than OLD, or of another
    tenant, is said on stderr while the comparison still runs."""
    old = json.loads((Path(__file__).parent / "data" / "results_not_ready.json").read_text())
    new = copy.deepcopy(old)
    check = next(c for c in new["checks"] if c["id"] == "app_assignments_device_auto")
    assert check["status"] == "fail"
    check["status"] = "manual"
    new["run"]["started_at"] = "2026-11-30T09:00:00Z"
    old_path, new_path = _write(tmp_path / "old.json", old), _write(tmp_path / "new.json", new)

    diff = ws1("diff", str(old_path), str(new_path))
    assert diff.returncode == 0, diff.stdout + diff.stderr  # a change, not a regression
    rows = {
        line.split()[1]: line.split() for line in diff.stdout.splitlines()[2:] if line[:2] == "  "
    }
    assert rows["app_assignments_device_auto"][0] == "changed"
    assert rows["app_assignments_device_auto"][-1] == "manual"
    assert "1 changed" in diff.stdout and diff.stderr == ""

    swapped = ws1("diff", str(new_path), str(old_path))
    assert "warning: NEW (2026-11-23T09:15:02+00:00) is older than OLD" in swapped.stderr

    other = copy.deepcopy(new)
    other["tenant"]["name"] = "Fabrikam"
    other_path = _write(tmp_path / "other.json", other)
    across = ws1("diff", str(old_path), str(other_path))
    assert "warning: the baseline is from another tenant ('Contoso Ltd', now 'Fabrikam')" in (
        across.stderr
    )
    as_json = json.loads(ws1("diff", "--json", str(old_path), str(new_path)).stdout)
    assert as_json["changes"]["changed"] == ["app_assignments_device_auto"]
