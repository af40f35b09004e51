"""results.json, findings.csv, evidence.csv, junit.xml and summary.md, read back and checked."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pandas as pd
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from reports_fixtures import HOSTILE, assert_golden, large_results, load

from audit.plugins import load_plugins
from audit.results import validate_results
from reports import csv_tables, junit_xml, markdown, results_json
from reports.base import RenderOptions

SCHEMA = json.loads(
    (Path(__file__).parents[1] / "audit" / "schema" / "results.schema.json").read_text()
)
FORMATS = {"json", "html", "pdf", "csv", "junit", "md", "handover", "ocsf"}


@pytest.fixture(scope="module")
def not_ready() -> dict[str, Any]:
    return load("results_not_ready.json")


@pytest.fixture(scope="module")
def hostile() -> dict[str, Any]:
    return load("results_scripts.json")


def test_every_format_is_registered_through_the_plugin_hook() -> None:
    registry = load_plugins()
    assert set(registry.renderers) >= FORMATS
    assert not [p for p in registry.problems if p.id.startswith("renderer")]
    assert registry.renderers["csv"].filenames == ("findings.csv", "evidence.csv")
    assert registry.renderers["handover"].filenames == ("handover.pdf", "handover.html")


@pytest.mark.parametrize(
    "name", ["results_ready.json", "results_not_ready.json", "results_scripts.json"]
)
def test_fixtures_are_valid_results(name: str) -> None:
    validate_results(load(name))  # in memory: as if sealed with its content_sha256


# ---- results.json --------------------------------------------------------------------------


def test_results_json_round_trips_and_validates(tmp_path: Path, hostile: dict[str, Any]) -> None:
    [path] = results_json.render(hostile, tmp_path, RenderOptions())
    assert path.name == "results.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    validate_results(data)
    assert data == hostile
    assert not list(tmp_path.glob(".*.tmp")), "atomic write left a temporary file"


def test_results_json_golden(tmp_path: Path, not_ready: dict[str, Any]) -> None:
    [path] = results_json.render(not_ready, tmp_path, RenderOptions())
    assert_golden("results.json", path.read_text(encoding="utf-8"), not_ready)


# ---- CSV ---------------------------------------------------------------------------------


def test_findings_csv_has_one_row_per_check(tmp_path: Path, not_ready: dict[str, Any]) -> None:
    findings, _ = csv_tables.render(not_ready, tmp_path, RenderOptions())
    frame = pd.read_csv(findings, encoding="utf-8-sig", keep_default_na=False)
    assert list(frame.columns) == csv_tables.FINDINGS_COLUMNS
    assert list(frame["id"]) == [c["id"] for c in not_ready["checks"]]
    assert list(frame["status"]) == [c["status"] for c in not_ready["checks"]]
    row = frame.set_index("id").loc["hub_version"]
    assert row["waived"] in (True, "True")
    assert row["evidence_source"] == "/api/mdm/devices/{id}/apps"
    assert row["remediation_first_step"].startswith("1. Go to Groups & Settings")
    kinds = frame.set_index("id")["evidence_kind"].to_dict()
    assert kinds["hub_version"] == "API"
    assert kinds["saas_tenant"] == "Configuration"  # the API host in the config
    assert kinds["hub_auto_update"] == "Attestation"
    assert kinds["autodiscovery_domain"] == "Discovery service"
    assert kinds["software_distribution"] == "None: a person must confirm"
    assert frame.set_index("id").loc["software_distribution"]["evidence_source"] == "none"


def test_evidence_csv_has_one_row_per_evidence_row(
    tmp_path: Path, not_ready: dict[str, Any]
) -> None:
    _, evidence = csv_tables.render(not_ready, tmp_path, RenderOptions())
    frame = pd.read_csv(evidence, encoding="utf-8-sig", keep_default_na=False, dtype=str)
    assert list(frame.columns[:2]) == ["check_id", "row"]
    expected = {c["id"]: len(c["evidence"]["rows"]) for c in not_ready["checks"]}
    counts = frame["check_id"].value_counts().to_dict()
    assert counts == {k: v for k, v in expected.items() if v}
    devices = frame[frame["check_id"] == "devices_registered"]
    assert list(devices["row"].astype(int)) == list(range(1, 61))
    assert devices.iloc[4]["Enrollment status"] == "Registered"
    assert devices.iloc[0]["Serial"] == "5CG00001"
    # columns a check does not have stay empty for its rows
    assert (devices["Hub version"] == "").all()


def test_csv_neutralises_formulas_and_keeps_every_script(
    tmp_path: Path, hostile: dict[str, Any]
) -> None:
    findings, evidence = csv_tables.render(hostile, tmp_path, RenderOptions())
    raw = evidence.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 BOM for spreadsheets"
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    header = rows[0]
    assert "'=formula col" in header
    cells = [cell for row in rows[1:] for cell in row]
    for formula in ("=CMD()|' /C calc'!A0", "+SUM(1,2)", "-2+3", "@SUM(A1)", "\tTAB"):
        assert "'" + formula in cells
        assert formula not in cells
    for cell in cells:
        assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell
    assert "東京支社 株式会社 서울" in cells
    assert "Z" * 10_000 in cells, "CSV keeps full values; only reports clip"
    frame = pd.read_csv(findings, encoding="utf-8-sig", keep_default_na=False)
    assert "X" * 10_000 in set(frame["summary"])
    assert len(frame) == len(hostile["checks"])


def test_evidence_csv_handles_50000_rows(not_ready: dict[str, Any]) -> None:
    data = csv_tables.evidence_csv_bytes(large_results(50_000))
    frame = pd.read_csv(io.BytesIO(data), encoding="utf-8-sig", dtype=str)
    assert (frame["check_id"] == "devices_registered").sum() == 50_000


def test_csv_golden(tmp_path: Path, not_ready: dict[str, Any]) -> None:
    findings, evidence = csv_tables.render(not_ready, tmp_path, RenderOptions())
    assert_golden("findings.csv", findings.read_bytes().decode("utf-8"), not_ready)
    assert_golden("evidence.csv", evidence.read_bytes().decode("utf-8"), not_ready)


# ---- JUnit -------------------------------------------------------------------------------


def _cases(path: Path) -> dict[str, Any]:
    xml = JUnitXml.fromfile(str(path))
    suites = list(xml) if isinstance(xml, JUnitXml) else [xml]
    assert [s.name for s in suites] == ["ws1-audit"]
    return {case.name: case for case in suites[0]}


def test_junit_maps_statuses(tmp_path: Path, not_ready: dict[str, Any]) -> None:
    [path] = junit_xml.render(not_ready, tmp_path, RenderOptions())
    cases = _cases(path)
    assert list(cases) == [c["id"] for c in not_ready["checks"]]
    for check in not_ready["checks"]:
        case = cases[check["id"]]
        assert case.classname == f"ws1_audit.{check['severity']}"
        kinds = {type(r) for r in case.result}
        expected = {
            "fail": {Failure},
            "error": {Error},
            "manual": {Failure} if check["blocking"] else {Skipped},
            "skipped": {Skipped},
            "pass": set(),
            "warn": set(),
        }[check["status"]]
        assert kinds == expected, check["id"]
    failure = cases["hub_version"].result[0]
    assert failure.message.startswith("[waived until 2026-12-31]")
    assert "Remediation:" in failure.text
    assert cases["devices_registered"].result[0].message.startswith("[waiver expired")
    assert "WARNING" in cases["hub_auto_update"].system_out
    suite = next(iter(JUnitXml.fromfile(str(path))))
    # the blocking manual check is a failure, the skipped check stays skipped
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (16, 5, 1, 1)
    props = {p.name: p.value for p in suite.properties()}
    assert props["ready"] == "false" and props["fail_on"] == "medium"


def test_junit_blocking_manual_is_a_failure_saying_what_to_confirm(
    tmp_path: Path, not_ready: dict[str, Any]
) -> None:
    [path] = junit_xml.render(not_ready, tmp_path, RenderOptions())
    [manual] = cases_result = _cases(path)["software_distribution"].result
    assert isinstance(manual, Failure) and cases_result
    assert manual.type == "manual"
    assert manual.message.startswith("manual: a person must confirm")
    assert "A person must confirm:" in manual.text
    assert "Software Distribution in the Drop Ship OG: 1. Open Groups & Settings" in manual.text
    assert "Evidence: None: a person must confirm" in manual.text
    # the same check below --fail-on does not block: it is skipped, still saying why
    data = json.loads(json.dumps(not_ready))
    check = next(c for c in data["checks"] if c["id"] == "software_distribution")
    check["blocking"] = False
    data["summary"]["blocking"].remove("software_distribution")
    [path] = junit_xml.render(data, tmp_path, RenderOptions())
    [skipped] = _cases(path)["software_distribution"].result
    assert isinstance(skipped, Skipped) and skipped.message.startswith("manual:")
    suite = next(iter(JUnitXml.fromfile(str(path))))
    assert (suite.failures, suite.skipped) == (4, 2)


def test_junit_testcase_properties_name_the_evidence_kind(
    tmp_path: Path, not_ready: dict[str, Any]
) -> None:
    [path] = junit_xml.render(not_ready, tmp_path, RenderOptions())
    cases = _cases(path)

    def props(check_id: str) -> dict[str, str]:
        element = cases[check_id]._elem.find("properties")
        return {p.get("name"): p.get("value") for p in element.iter("property")}

    assert props("uem_version")["evidence_kind"] == "api"
    assert props("uem_version")["evidence_source"] == "/api/system/info"
    assert props("saas_tenant")["evidence_kind"] == "config"
    assert props("hub_auto_update")["evidence_kind"] == "attestation"
    assert props("autodiscovery_domain")["evidence_kind"] == "discovery"
    assert props("software_distribution") == {
        "severity": "high",
        "status": "manual",
        "blocking": "true",
        "waived": "false",
        "evidence_kind": "none",
        "evidence_source": "none",
    }
    assert "Evidence: Attestation (" in cases["auto_enrollment_disabled"].result[0].text


def test_junit_survives_hostile_strings(tmp_path: Path, hostile: dict[str, Any]) -> None:
    data = json.loads(json.dumps(hostile))
    data["checks"][5]["summary"] = "NUL \x00 and BEL \x07 and ]]> end"
    [path] = junit_xml.render(data, tmp_path, RenderOptions())
    cases = _cases(path)
    assert "[U+0000]" in cases[data["checks"][5]["id"]].result[0].message
    assert "<script>" in cases["saas_tenant"].system_out  # text, escaped by the XML writer


def test_junit_golden(tmp_path: Path, not_ready: dict[str, Any]) -> None:
    [path] = junit_xml.render(not_ready, tmp_path, RenderOptions())
    assert_golden("junit.xml", path.read_text(encoding="utf-8"), not_ready)


# ---- Markdown ----------------------------------------------------------------------------


def test_summary_md_verdict_counts_blocking_and_changes(
    tmp_path: Path, not_ready: dict[str, Any]
) -> None:
    [path] = markdown.render(not_ready, tmp_path, RenderOptions())
    text = path.read_text(encoding="utf-8")
    assert text.startswith("## ❌ Not ready")
    assert "| 8 | 4 | 1 | 1 | 1 | 1 |" in text
    assert "### Blocking findings (5, by severity)" in text
    section = text.split("### Blocking findings")[1].split("\n\n")[1]  # the table
    rows = [line for line in section.splitlines() if "<br>" in line]
    severities = [row.split(" | ")[1] for row in rows]
    assert severities == ["high", "high", "high", "high", "medium"]  # most severe first
    assert "| Check | Severity | Status | Summary | Evidence |" in text
    assert "| None: a person must confirm |" in text and "| Attestation |" in text
    assert "<sub>The score is the severity-weighted share of the checks that are met" in text
    assert "- **Regressed (1):** Windows Desktop Auto Enrollment is disabled" in text
    assert "(waived)" in text and "(waiver expired)" in text
    assert len(text.encode()) < 20_000


def test_summary_md_ready(tmp_path: Path) -> None:
    ready = load("results_ready.json")
    text = markdown.summary_markdown(ready)
    assert text.startswith("## ✅ Ready")
    assert "None: no check of severity medium or higher blocks readiness." in text
    assert "Changes since the baseline" not in text


def test_summary_md_escapes_tenant_strings(hostile: dict[str, Any]) -> None:
    text = markdown.summary_markdown(hostile)
    assert "<script>" not in text and "<img" not in text
    assert "&lt;script&gt;" in text
    for line in text.splitlines():
        if line.startswith("| ") and "Samples:" in line:
            # five columns' worth of pipes: tenant pipes are escaped, not cell separators
            assert line.replace("\\|", "").count("|") == 6
    assert "[link](http" not in text


def test_summary_md_golden(not_ready: dict[str, Any]) -> None:
    assert_golden("summary.md", markdown.summary_markdown(not_ready), not_ready)


def test_hostile_samples_are_in_fixture(hostile: dict[str, Any]) -> None:
    rows = next(c for c in hostile["checks"] if c["id"] == "smart_group_tag_criteria")
    assert [r[1] for r in rows["evidence"]["rows"][: len(HOSTILE)]] == HOSTILE


def test_minimal_results_render_in_every_format(tmp_path: Path) -> None:
    """Only the schema's required keys, no optional sections: every renderer copes."""
    minimal = {
        "schema_version": 1,
        "content_sha256": "0" * 64,
        "tool": {"name": "ws1-audit", "version": "0.1.0"},
        "run": {
            "id": "r1",
            "started_at": "2026-01-02T03:04:05+00:00",
            "finished_at": "2026-01-02T03:04:06+00:00",
            "mode": "snapshot",
        },
        "tenant": {"name": "T", "api_host": "h", "uem_version": None, "organization_group": None},
        "snapshot": {"sha256": "0" * 64, "requests": 0},
        "summary": {
            "ready": False,
            "fail_on": "high",
            "score": 0,
            "counts": {"pass": 0, "fail": 0, "warn": 0, "manual": 0, "error": 1, "skipped": 0},
        },
        "checks": [
            {
                "id": "plugin_broken",
                "title": "plugin_broken",
                "severity": "high",
                "status": "error",
                "summary": "plugin 'broken' failed to load: boom",
                "requirement": "",
                "remediation": [],
                "references": [],
                "evidence": {
                    "columns": ["Error"],
                    "rows": [["ImportError: boom"]],
                    "total_rows": 1,
                    "source": "",
                },
                "attestation": None,
                "waiver": None,
                "change": None,
            }
        ],
    }
    jsonschema.validate(minimal, SCHEMA)
    registry = load_plugins()
    written = []
    for name in sorted(FORMATS):
        written += registry.renderers[name].render(minimal, tmp_path, RenderOptions())
    assert sorted(p.name for p in written) == sorted(
        f for name in FORMATS for f in registry.renderers[name].filenames
    )
    assert all(p.stat().st_size > 0 for p in written)
    assert "⊘ Error" in (tmp_path / "summary.md").read_text(encoding="utf-8")
