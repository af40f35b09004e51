"""Run history: `run --history DIR` (dated results, the latest as the baseline) and
`ws1-audit history DIR` (trend.csv via pandas, trend.html with an inline SVG chart)."""

from __future__ import annotations

import copy
import json
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_baseline import attestations_toml, on_demand_copy
from test_cli import sim_env, write_config, ws1

from audit import history
from audit.errors import InputFileError
from audit.results import load_results
from audit.simulator import load_scenario
from reports.trend import render_trend
from reports.trend_chart import CHART_RUNS, trend_chart


def run_into(
    simulator: Any, tmp_path: Path, tenant: dict[str, Any], name: str, hist: Path
) -> tuple[Any, dict[str, Any]]:
    server = simulator(tenant)
    folder = tmp_path / f"cfg-{name}"
    folder.mkdir()
    config = write_config(folder, server.url, attestations_toml())
    out = tmp_path / name
    proc = ws1(
        "run",
        "--config",
        str(config),
        "--out",
        str(out),
        "--format",
        "json",
        "--history",
        str(hist),
        env=sim_env(tenant),
    )
    return proc, load_results(out / "results.json")


def test_three_runs_make_a_history_and_a_trend(simulator: Any, tmp_path: Path) -> None:
    hist = tmp_path / "history"
    p1, r1 = run_into(simulator, tmp_path, load_scenario("not-ready"), "night1", hist)
    p2, r2 = run_into(simulator, tmp_path, load_scenario("ready"), "night2", hist)
    p3, r3 = run_into(simulator, tmp_path, on_demand_copy(), "night3", hist)
    assert (p1.returncode, p2.returncode, p3.returncode) == (1, 0, 1)
    files = history.runs_in(hist)
    assert [f.name for f in files] == [history.history_name(r) for r in (r1, r2, r3)]
    assert all(re.fullmatch(r"results-\d{8}T\d{6}Z-[0-9a-f]{8}\.json", f.name) for f in files)
    assert json.loads(files[1].read_text())["run"]["id"] == r2["run"]["id"]
    # each run compared itself with the latest run before it
    assert r1["baseline"] is None
    assert r2["baseline"]["run_id"] == r1["run"]["id"] and r2["baseline"]["path"] == str(files[0])
    assert r3["baseline"]["run_id"] == r2["run"]["id"] and r3["baseline"]["changes"][
        "regressed"
    ] == ["app_assignments_device_auto"]

    proc = ws1("history", str(hist))
    assert proc.returncode == 0, proc.stderr
    assert "3 run(s)" in proc.stdout and "NOT READY" in proc.stdout
    frame = pd.read_csv(hist / "trend.csv", encoding="utf-8-sig")
    assert len(frame) == 3 and list(frame["run_id"]) == [r["run"]["id"] for r in (r1, r2, r3)]
    for (_, row), results in zip(frame.iterrows(), (r1, r2, r3), strict=True):
        for status, count in results["summary"]["counts"].items():
            assert row[status] == count, status
        assert bool(row["ready"]) is results["summary"]["ready"]
    assert list(frame["fixed"]) == [0, len(r2["baseline"]["changes"]["fixed"]), 0]
    assert list(frame["regressed"]) == [0, 0, 1]

    html = (hist / "trend.html").read_text(encoding="utf-8")
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "Checks per status, per run" in svg
    assert len(re.findall(r'<rect class="bar-fail"', svg)) == 2  # the first and third nights failed
    assert len(re.findall(r'<rect class="bar-pass"', svg)) == 3
    assert "Content-Security-Policy" in html and "default-src &#39;none&#39;" in html
    assert "http://" not in html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert html.count('<tr><th scope="row">') == 3


def _fake(started_at: str, run_id: str, fail: int, tenant: str = "Contoso") -> dict[str, Any]:
    statuses = ["fail"] * fail + ["pass"] * (4 - fail)
    return {
        "run": {"id": run_id, "started_at": started_at},
        "tenant": {"name": tenant, "api_host": "as1.awmdm.com"},
        "summary": {
            "ready": fail == 0,
            "fail_on": "medium",
            "score": 100 - 25 * fail,
            "counts": {
                "pass": 4 - fail,
                "fail": fail,
                "warn": 0,
                "manual": 0,
                "error": 0,
                "skipped": 0,
            },
            "blocking": [f"c{i}" for i in range(fail)],
            "waived": [],
        },
        "checks": [{"id": f"c{i}", "status": s} for i, s in enumerate(statuses)],
    }


def test_history_names_sort_by_time_then_by_write_order(tmp_path: Path) -> None:
    later = history.record(_fake("2025-03-02T02:00:00Z", "ffff0000-1", 0), tmp_path)
    first = history.record(_fake("2025-03-01T02:00:00+00:00", "bbbb0000-1", 2), tmp_path)
    same_second = history.record(_fake("2025-03-02T02:00:00Z", "0000aaaa-1", 1), tmp_path)
    (tmp_path / "notes.json").write_text("{}")
    assert first.name == "results-20250301T020000Z-bbbb0000.json"
    assert history.runs_in(tmp_path) == [first, later, same_second]
    assert history.latest(tmp_path) == same_second
    assert (
        history.latest(tmp_path / "missing") is None
        and history.baseline_from(tmp_path / "missing") is None
    )


def test_a_broken_latest_run_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "results-20250301T020000Z-abcd1234.json").write_text("{", encoding="utf-8")
    with pytest.raises(InputFileError, match="invalid JSON"):
        history.baseline_from(tmp_path)


def test_a_fleet_history_has_one_series_per_tenant_and_bad_files_are_named(tmp_path: Path) -> None:
    for i, fail in enumerate((3, 1, 0)):
        history.record(
            _fake(f"2025-03-0{i + 1}T02:00:00Z", f"a{i}", fail, "Alpha"), tmp_path / "alpha"
        )
    history.record(_fake("2025-03-01T02:00:00Z", "b0", 0, "=cmd|' /C calc'!A0"), tmp_path / "beta")
    (tmp_path / "beta" / "results-20250302T020000Z-broken00.json").write_text(
        "[]", encoding="utf-8"
    )
    found = history.trend(tmp_path)
    assert found.series == ["alpha", "beta"] and len(found.frame) == 4
    assert len(found.problems) == 1 and "broken00" in found.problems[0]
    assert list(found.frame["fixed"]) == [0, 2, 1, 0]
    written = render_trend(found.frame, tmp_path / "out", found.problems)
    html = (tmp_path / "out" / "trend.html").read_text(encoding="utf-8")
    assert html.count("<svg") == 2 and "could not be read" in html
    csv = (tmp_path / "out" / "trend.csv").read_text(encoding="utf-8-sig")
    assert "\n'=cmd" in csv.replace(",'=cmd", "\n'=cmd")  # neutralised for spreadsheets
    assert [p.name for p in written] == ["trend.csv", "trend.html"]
    proc = ws1("history", str(tmp_path), "--out", str(tmp_path / "cli"))
    assert (
        proc.returncode == 0
        and "left out" in proc.stderr
        and (tmp_path / "cli" / "trend.html").exists()
    )


def test_an_empty_history_folder_exits_3(tmp_path: Path) -> None:
    proc = ws1("history", str(tmp_path))
    assert proc.returncode == 3 and "no runs found" in proc.stderr and proc.stderr.count("\n") == 1


def test_the_trend_chart_stays_bounded() -> None:
    rows = [
        {
            "started_at": "2024-01-01T00:00:00Z",
            "pass": 10,
            "fail": i % 3,
            "warn": 0,
            "manual": 1,
            "error": 0,
            "skipped": 0,
        }
        for i in range(1000)
    ]
    svg = str(trend_chart(rows))
    assert svg.count('class="bar-pass"') == CHART_RUNS
    width = int(re.search(r'width="(\d+)"', svg).group(1))  # type: ignore[union-attr]
    assert width <= 1000 and len(svg) < 200_000
    single = str(trend_chart([copy.deepcopy(rows[0])]))
    assert single.count('class="bar-pass"') == 1
