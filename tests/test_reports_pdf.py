"""report.pdf read back: text, statuses, metadata, outline, attachments, PDF/A, fonts, size."""

from __future__ import annotations

import io
import json
import logging
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pypdf import PdfReader
from reports_fixtures import SCRIPT_SAMPLES, assert_golden, large_results, load

from audit.results import results_hash, sealed
from reports import pdf_report
from reports.base import RenderOptions
from reports.context import STATUS_LABEL, STATUS_SYMBOL
from reports.pdfwriter import html_to_pdf


def _text(reader: PdfReader) -> str:
    return "\f".join(page.extract_text() or "" for page in reader.pages)


def _flat(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def not_ready() -> dict[str, Any]:
    return load("results_not_ready.json")


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory, not_ready: dict[str, Any]) -> Path:
    out = tmp_path_factory.mktemp("pdf")
    [path] = pdf_report.render(not_ready, out, RenderOptions())
    return path


@pytest.fixture(scope="module")
def reader(rendered: Path) -> PdfReader:
    return PdfReader(rendered)


@pytest.fixture(scope="module")
def full_text(reader: PdfReader) -> str:
    """The text of every page, pages separated by form feeds (extracted once)."""
    return _text(reader)


def test_every_check_title_and_status_is_in_the_text(
    full_text: str, not_ready: dict[str, Any]
) -> None:
    text = _flat(full_text)
    for check in not_ready["checks"]:
        label = f"{STATUS_SYMBOL[check['status']]} {STATUS_LABEL[check['status']]}"
        assert f"{label} {check['title']}" in text, check["id"]
        assert check["summary"] in text


def test_cover_summary_and_appendix(
    reader: PdfReader, full_text: str, not_ready: dict[str, Any]
) -> None:
    cover = _flat(reader.pages[0].extract_text())
    for fact in (
        "Readiness and compliance report",
        "Contoso Ltd IT",
        "Contoso Ltd",
        "as1985.awmdm.com",
        "23.10.0.5",
        "Contoso (contoso, Customer)",
        "2026-11-23 09:15 UTC",
        "ws1-audit 0.1.0",
        not_ready["run"]["id"],
        "✗ Not ready",
    ):
        assert fact in cover, fact
    summary = _flat(reader.pages[1].extract_text())
    assert "Executive summary" in summary and "Blocking findings" in summary
    assert "5 checks of severity medium or higher block readiness" in summary
    assert "Changes since the baseline" in summary and "Regressed (1)" in summary
    assert "Checks per status" not in summary  # the SVG title is not page text
    text = _flat(full_text)
    assert "9" * 64 in text and "API requests 187" in text
    assert "ws1-audit run --config contoso.toml --out out --fail-on medium" in text
    assert "3f1c9a0d2b7e" in text and "/api/mdm/devices/17/apps" in text


def test_header_footer_on_every_page(full_text: str) -> None:
    pages = full_text.split("\f")
    for number, page in enumerate(pages, 1):
        text = _flat(page)
        assert f"Page {number} of {len(pages)}" in text
        assert "Contoso Ltd · 2026-11-23 09:15 UTC" in text


def test_evidence_is_capped_with_a_pointer(full_text: str) -> None:
    text = _flat(full_text)
    assert "10 more rows in evidence.csv and the attached results.json" in text
    assert "5CG00050" in text and "5CG00051" not in text


def test_a_long_evidence_source_is_shown_whole(tmp_path: Path, not_ready: dict[str, Any]) -> None:
    """hub_version reads from six endpoints (about 200 characters): the auditor sees every one
    of them, not a line cut at 160 characters."""
    results = json.loads(json.dumps(not_ready))
    check = results["checks"][0]
    endpoints = [f"/api/mdm/devices/{{deviceUuid}}/apps/search-{i}" for i in range(6)]
    check["evidence"]["source"] = "GET " + ", ".join(endpoints)
    assert len(check["evidence"]["source"]) > 250
    [path] = pdf_report.render(sealed(results), tmp_path, RenderOptions())
    text = _flat(_text(PdfReader(path))).replace(" ", "")
    assert endpoints[-1].replace(" ", "") in text


def test_metadata_outline_and_pdfa(reader: PdfReader) -> None:
    meta = reader.metadata
    assert meta is not None
    assert meta.title.startswith("Drop Ship Provisioning (Online) readiness report")
    assert meta.author == "Contoso Ltd IT"
    assert "Not ready" in meta.subject
    assert "Drop Ship Provisioning" in meta["/Keywords"]
    titles: list[str] = []

    def walk(items: list[Any]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(item.title)

    walk(reader.outline)
    for section in ("Cover", "Executive summary", "Requirement matrix", "Checks", "Appendix"):
        assert section in titles
    assert "✗ Fail Devices are registered with the tag and synced" in titles
    assert sum(1 for t in titles if t.split(" ", 1)[0] in STATUS_SYMBOL.values()) == 16
    xmp = reader.xmp_metadata
    assert xmp is not None
    assert (xmp.pdfaid_part, xmp.pdfaid_conformance) == ("3", "B")


def test_attachments_are_results_json_and_evidence_csv(
    reader: PdfReader, not_ready: dict[str, Any]
) -> None:
    attachments = reader.attachments
    assert set(attachments) == {"results.json", "evidence.csv"}
    attached = json.loads(attachments["results.json"][0])
    assert attached == sealed(not_ready)  # results.json as the run writes it, sealed
    assert attached["content_sha256"] == results_hash(not_ready)
    frame = pd.read_csv(io.BytesIO(attachments["evidence.csv"][0]), encoding="utf-8-sig")
    assert len(frame) == sum(len(c["evidence"]["rows"]) for c in not_ready["checks"])


@pytest.mark.skipif(shutil.which("qpdf") is None, reason="qpdf (Debian package qpdf) missing")
def test_qpdf_check_passes(rendered: Path) -> None:
    result = subprocess.run(["qpdf", "--check", str(rendered)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No syntax or stream encoding errors" in result.stdout


def test_pdf_golden(full_text: str, not_ready: dict[str, Any]) -> None:
    assert_golden("report.pdf.txt", full_text + "\n", not_ready)


def test_every_script_renders_with_a_covering_font(tmp_path: Path) -> None:
    from PIL import Image

    results = load("results_scripts.json")
    logo = tmp_path / "logo.png"
    Image.new("RGB", (120, 40), (11, 92, 173)).save(logo)
    results["report"]["logo"] = str(logo)
    pdf, problems = pdf_report.render_pdf(results, RenderOptions())
    assert problems == []
    reader = PdfReader(io.BytesIO(pdf))
    text = _text(reader)
    for script, sample in SCRIPT_SAMPLES.items():
        assert sample in text, script
    fonts = set()
    for page in reader.pages:
        for font in (page["/Resources"].get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).split("+", 1)[-1])
    for family in ("Noto-Sans", "Noto-Sans-Arabic", "Noto-Sans-Hebrew", "Noto-Sans-CJK-SC"):
        assert family in fonts, sorted(fonts)
    assert reader.pages[0]["/Resources"]["/XObject"], "the logo is on the cover"
    # hostile strings are text, and long ones are clipped with an ellipsis
    assert "<script>window.__pwned=1</script>" in text
    assert "X" * 10_000 not in text and "XXXX…" in _flat(text).replace(" ", "")
    assert "RTL [U+202E]override[U+202C] text" in _flat(text)


def test_missing_logo_is_reported_not_fatal(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    from reports.logo import logo_data_uri

    with caplog.at_level(logging.WARNING, logger="ws1_audit.reports"):
        assert logo_data_uri(tmp_path / "nope.png") is None
    assert "cannot be read" in caplog.text


def test_weasyprint_problems_are_surfaced(caplog: pytest.LogCaptureFixture) -> None:
    html = '<p>x</p><img src="http://example.invalid/logo.png"><img src="file:///etc/passwd">'
    with caplog.at_level(logging.WARNING, logger="ws1_audit.reports"):
        pdf, problems = html_to_pdf(html)
    assert pdf.startswith(b"%PDF")
    assert len(problems) >= 2 and any("example.invalid" in p for p in problems)
    assert "PDF rendering:" in caplog.text


def test_size_and_time_stay_bounded_at_50000_rows(capsys: pytest.CaptureFixture[str]) -> None:
    figures = {}
    for rows in (500, 50_000):
        results = large_results(rows)
        start = time.perf_counter()
        pdf, problems = pdf_report.render_pdf(results, RenderOptions())
        figures[rows] = (time.perf_counter() - start, len(pdf))
        assert problems == []
        reader = PdfReader(io.BytesIO(pdf))
        text = _flat(_text(reader))
        assert f"{rows - 50:,} more rows in evidence.csv and the attached results.json" in text
        attached = json.loads(reader.attachments["results.json"][0])
        devices = next(c for c in attached["checks"] if c["id"] == "devices_registered")
        assert len(devices["evidence"]["rows"]) == rows
    with capsys.disabled():
        for rows, (seconds, size) in figures.items():
            mb = size / 1e6
            print(f"\nreport.pdf with {rows:>6,} evidence rows: {seconds:.2f} s, {mb:.2f} MB")
    assert figures[50_000][1] < 2_000_000


def _matrix_page(reader: PdfReader) -> str:
    pages = (page.extract_text() or "" for page in reader.pages)
    return next(_flat(text) for text in pages if text.startswith("Requirement matrix\n"))


def test_matrix_shows_every_requirement_whole_and_the_right_evidence_kind(
    reader: PdfReader, not_ready: dict[str, Any]
) -> None:
    matrix = _matrix_page(reader)
    assert "…" not in matrix  # nothing clipped
    for check in not_ready["checks"]:
        for word in check["requirement"].split()[-4:]:  # the end of every requirement is there
            assert word in matrix, (check["id"], word)
    # the kind of evidence, never "API" for what is not the API
    for label in ("Configuration", "Discovery service", "Attestation"):
        assert label in matrix, label
    assert "None: a person must confirm" in matrix  # software_distribution is manual
    assert "None: not applicable (skipped)" in matrix  # device_staging is skipped


def test_check_pages_label_the_evidence_kind(full_text: str) -> None:
    text = _flat(full_text)
    assert "Evidence source" not in text and "API: none" not in text
    assert "Evidence None: a person must confirm" in text
    assert "Evidence Configuration: config tenant.api_url (the API host)" in text
    assert "Evidence API: /api/system/info" in text
    assert "Evidence Attestation" in text


def test_blocking_findings_are_listed_by_severity_and_the_score_explained(
    reader: PdfReader, not_ready: dict[str, Any]
) -> None:
    summary = _flat(reader.pages[1].extract_text())
    assert "Blocking findings, most severe first" in summary
    listed = summary.split("Blocking findings, most severe first")[1]
    titles = {c["id"]: c["title"] for c in not_ready["checks"]}
    blocking = [c for c in not_ready["checks"] if c["blocking"]]
    positions = [listed.index(titles[c["id"]]) for c in blocking]
    rank = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    in_order = [c["severity"] for _, c in sorted(zip(positions, blocking, strict=True))]
    assert in_order == sorted(in_order, key=rank.__getitem__)
    for check in blocking:  # whole summaries, not clipped
        assert check["summary"] in listed
    assert "Score 63/100: the severity-weighted share of the checks that are met" in summary


def test_a_long_requirement_is_cut_at_a_word_and_says_so() -> None:
    results = load("results_not_ready.json")
    results["checks"][0]["requirement"] = "Use a supported console release. " * 30
    html = pdf_report.report_html_for_pdf(results, RenderOptions())
    matrix = html[html.index('id="matrix"') : html.index('id="checks"')]
    assert "(shortened; the full text is in the check&#39;s section)" in matrix
    cut = matrix.split("<tbody>")[1].split("<td>")[1].split(" <span")[0]
    whole = "Use a supported console release. " * 30
    assert cut.endswith("…") and len(cut) <= 400 and whole.startswith(cut[:-1])
    assert whole[len(cut) - 1] == " "  # cut at a word
