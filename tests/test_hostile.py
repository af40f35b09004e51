"""Hostile tenant data, end to end: simulator -> collector -> checks -> every renderer.

The tenant is :func:`audit.simulator.hostile.hostile_tenant`: the ``ready`` scenario with
``<script>``, ``</style>``, event-handler markup, ``javascript:`` URLs, spreadsheet formula
prefixes, control characters, right-to-left overrides, 10,000-character strings and every
script (Latin, Cyrillic, Arabic, Hebrew, CJK, emoji) in the names of tags, smart groups,
apps, profiles, devices and registrations, in descriptions and in the discovery URL; the
config adds a hostile tenant name, UPN, username and attestation.

Asserted: the verdicts are the ``ready`` scenario's (hostile names change nothing);
results.json keeps every string exactly; report.html and handover.html are inert in
headless Chromium (no tenant script runs, no dialog, no request, no CSP violation, no
element from data) and long strings are clipped with an ellipsis without widening the
page; CSV cells are neutralised against formula injection; junit.xml parses and Markdown
carries no markup; the PDFs render the strings (clipped) in every script the fonts have.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from robust_helpers import ALL_FORMATS, audit_in_process, config_for, csv_rows, pdf_text

from audit.simulator import SimulatorServer, load_scenario
from audit.simulator.hostile import (
    CONTROL,
    DROPSHIP_TAG,
    FORMULAS,
    LONG,
    RTL,
    SCRIPT,
    SCRIPTS,
    STYLE_BREAK,
    hostile_tenant,
)

CHROMIUM = Path("/usr/bin/chromium")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One audit of the hostile tenant, rendered in every format (the PDF once)."""
    tenant = hostile_tenant()
    out = tmp_path_factory.mktemp("hostile")
    today = dt.datetime.now(dt.UTC).date()
    with SimulatorServer(tenant) as server:
        config = config_for(
            server.url,
            tenant,
            out,
            overrides={
                "tenant": {"name": tenant["name"]},
                "dropship": {
                    "tags": [DROPSHIP_TAG],
                    "upn": f"{SCRIPT}@contoso.com",
                    "username": FORMULAS[0],
                },
                "report": {"organisation": f"{STYLE_BREAK} {SCRIPTS}"},
                "attestations": [
                    {
                        "check": "device_staging",
                        "value": True,
                        "by": f"{SCRIPT} {RTL}",
                        "date": today,
                        "evidence": "javascript://%0awindow.__pwned='att'",
                        "note": f"{FORMULAS[0]} {LONG}",
                    }
                ],
            },
        )
        audit = audit_in_process(config, out, ALL_FORMATS)
    return {"audit": audit, "out": out, "results": audit.results}


@pytest.fixture(scope="module")
def ready_statuses(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tenant = load_scenario("ready")
    with SimulatorServer(tenant) as server:
        config = config_for(server.url, tenant, tmp_path_factory.mktemp("ready"))
        return audit_in_process(config).statuses


def test_hostile_names_change_no_verdict(
    hostile: dict[str, Any], ready_statuses: dict[str, str]
) -> None:
    statuses = hostile["audit"].statuses
    expected = {**ready_statuses, "device_staging": "pass"}  # attested in the hostile config
    assert statuses == expected


def test_results_json_keeps_every_string_exactly(hostile: dict[str, Any]) -> None:
    text = (hostile["out"] / "results.json").read_text(encoding="utf-8")
    data = json.loads(text)
    blob = json.dumps(data, ensure_ascii=False)
    cells = {str(v) for c in data["checks"] for row in c["evidence"]["rows"] for v in row}
    assert LONG in cells  # machine-readable output is never clipped
    assert any(CONTROL in c for c in cells) and any(RTL in c for c in cells)
    assert any(SCRIPT in c for c in cells) and any(SCRIPTS in c for c in cells)
    assert data["tenant"]["name"] == hostile_tenant()["name"]
    assert data["dropship"]["tags"] == [DROPSHIP_TAG]
    assert LONG in blob and len(LONG) == 10_000


# -- HTML ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["report.html", "handover.html"])
def test_html_source_carries_no_live_markup_from_data(hostile: dict[str, Any], name: str) -> None:
    html = (hostile["out"] / name).read_text(encoding="utf-8")
    for live in (SCRIPT, STYLE_BREAK, "<img src=x", "<script>window.__pwned"):
        assert live not in html, live
    # the only elements that can run or style are the report's own
    assert re.findall(r"<script\b[^>]*>", html) in (
        ['<script type="application/json" id="evidence-data">', "<script>"],
        ["<script>"],
        [],
    )
    assert len(re.findall(r"<style\b", html)) <= 1 and html.count("</style>") <= 1
    assert not re.search(r"""href\s*=\s*["']?\s*javascript:""", html, re.IGNORECASE)
    assert not re.search(r"""<[^>]+\son\w+\s*=""", html)  # no event-handler attribute
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)"', html)
    assert meta is not None
    csp = meta.group(1).replace("&#39;", "'")
    assert csp.startswith("default-src 'none';") and "unsafe-inline" not in csp
    assert "W" * 1000 not in html  # 10,000-character strings are clipped


@pytest.fixture(scope="module")
def chromium() -> Any:
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium (/usr/bin/chromium) is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        instance = p.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield instance
        instance.close()


#: Installed before any page script: counts CSP violations and traps dialogs.
_WATCH = """
window.__violations = [];
document.addEventListener('securitypolicyviolation',
  e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
"""


@pytest.mark.browser
@pytest.mark.parametrize("name", ["report.html", "handover.html"])
def test_html_is_inert_in_chromium(hostile: dict[str, Any], chromium: Any, name: str) -> None:
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        page.add_init_script(_WATCH)
        requests: list[str] = []
        dialogs: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))

        def on_dialog(dialog: Any) -> None:
            dialogs.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto((hostile["out"] / name).as_uri())
        page.wait_for_load_state("load")
        # click every link and control once: a javascript: URL from data would run now
        for link in page.query_selector_all("a[href]")[:200]:
            href = link.get_attribute("href") or ""
            assert not href.strip().lower().startswith(("javascript:", "data:", "vbscript:"))
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert dialogs == []
        assert page.evaluate("window.__violations") == []
        assert errors == []
        assert all(u.startswith(("file:", "data:")) for u in requests), requests
        counts = page.evaluate(
            """() => ({
                scripts: document.querySelectorAll('script').length,
                styles: document.querySelectorAll('style, link').length,
                imgs: document.querySelectorAll('img:not([src^="data:"])').length,
                handlers: [...document.querySelectorAll('*')].filter(
                    el => [...el.attributes].some(a => a.name.startsWith('on'))).length,
                iframes: document.querySelectorAll('iframe, object, embed, base').length,
                width: document.documentElement.scrollWidth,
            })"""
        )
        assert counts["scripts"] <= 2 and counts["styles"] <= 1, counts
        assert counts["imgs"] == 0 and counts["handlers"] == 0 and counts["iframes"] == 0
        # a 10,000-character word does not widen the page (it is clipped, or wraps)
        assert counts["width"] <= 1280 + 2, counts
        text = page.inner_text("body")
        assert "W" * 1000 not in text
        if name == "report.html":
            # the hostile strings are shown, as text
            assert "<script>window.__pwned" in text
            assert "…" in text
            for word in ("Кириллица", "العربية", "עברית", "中文漢字", "🚀"):
                assert word in text, word
            assert "[U+202E]" in text and "\u202e" not in text  # bidi override made visible
            # the search box treats hostile input as text, too
            page.fill("#search", "<img src=x onerror=alert(1)>")
            page.fill("#search", "")
            assert page.evaluate("typeof window.__pwned") == "undefined"
            assert page.evaluate("window.__violations") == []
    finally:
        context.close()


# -- CSV, JUnit, Markdown ---------------------------------------------------------------------


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def spreadsheet_rows(data: bytes) -> list[list[str]]:
    """CSV split the way Excel and LibreOffice split it: outside quotes, a CR, an LF or a
    CRLF ends the row; ``""`` inside quotes is one quote."""
    text = data.decode("utf-8-sig")
    rows: list[list[str]] = []
    row: list[str] = []
    cell: list[str] = []
    quoted = False
    i = 0
    while i < len(text):
        ch = text[i]
        if quoted:
            if ch == '"' and text[i + 1 : i + 2] == '"':
                cell.append('"')
                i += 1
            elif ch == '"':
                quoted = False
            else:
                cell.append(ch)
        elif ch == '"':
            quoted = True
        elif ch == ",":
            row.append("".join(cell))
            cell = []
        elif ch in "\r\n":
            row.append("".join(cell))
            rows.append(row)
            row, cell = [], []
            if ch == "\r" and text[i + 1 : i + 2] == "\n":
                i += 1
        else:
            cell.append(ch)
        i += 1
    if cell or row:
        row.append("".join(cell))
        rows.append(row)
    return rows


def _formula_cells(rows: list[list[str]]) -> list[str]:
    return [c for row in rows for c in row if c.startswith(FORMULA_START) and not _is_number(c)]


@pytest.mark.parametrize("name", ["findings.csv", "evidence.csv"])
def test_csv_has_no_live_formula_as_a_spreadsheet_reads_it(
    hostile: dict[str, Any], name: str
) -> None:
    rows = spreadsheet_rows((hostile["out"] / name).read_bytes())
    assert len(rows) > 1
    assert _formula_cells(rows) == []
    if name == "evidence.csv":
        width = len(rows[0])
        assert all(len(row) == width for row in rows)  # no row split by a value


def test_csv_formula_prefixes_are_neutralised(hostile: dict[str, Any], tmp_path: Path) -> None:
    """Every formula prefix gets its quote (checked on a copy without bare CRs, so that the
    cells can be compared one by one; CR handling is pinned by the test above)."""
    from reports import csv_tables
    from reports.base import RenderOptions

    results = json.loads(json.dumps(hostile["results"]).replace("\\r", " "))
    csv_tables.render(results, tmp_path, RenderOptions())
    for name in ("findings.csv", "evidence.csv"):
        rows = csv_rows(tmp_path / name)
        assert rows == spreadsheet_rows((tmp_path / name).read_bytes())
        assert _formula_cells(rows) == [], name
    cells = {c for row in csv_rows(tmp_path / "evidence.csv") for c in row}
    # the hostile values are there, defused with a leading quote, otherwise unchanged
    assert "'" + DROPSHIP_TAG in cells
    assert any(c.startswith("'" + FORMULAS[0]) for c in cells)
    assert any(c.startswith("'+SUM(1,2)") for c in cells)
    assert any(c.startswith("'-2+3+cmd") for c in cells)
    assert any(c.startswith("'@SUM(A1:A9)") for c in cells)
    assert any(c.startswith("'\t=1+1") for c in cells)
    assert LONG in cells  # CSV keeps full values (it is for machines)


def test_junit_parses_and_markdown_carries_no_markup(hostile: dict[str, Any]) -> None:
    root = ET.parse(hostile["out"] / "junit.xml").getroot()
    assert len(root.findall(".//testcase")) == 16
    md = (hostile["out"] / "summary.md").read_text(encoding="utf-8")
    assert "<script" not in md and "<img" not in md and "</style" not in md
    assert "W" * 1000 not in md
    for line in md.splitlines():
        assert not line.lstrip().startswith(("=", "+SUM", "@SUM"))


# -- PDF ------------------------------------------------------------------------------------------


def _pdf_words(path: Path, reader: Any) -> str:
    """The PDF's text: poppler's pdftotext when installed (pypdf garbles some CJK subsets)."""
    if shutil.which("pdftotext"):
        proc = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            capture_output=True,
            check=True,
            timeout=60,
        )
        return proc.stdout.decode("utf-8")
    return "\n".join(page.extract_text() or "" for page in reader.pages)


@pytest.mark.parametrize("name", ["report.pdf", "handover.pdf"])
def test_pdf_renders_hostile_strings_clipped(hostile: dict[str, Any], name: str) -> None:
    from pypdf import PdfReader

    path = hostile["out"] / name
    reader = PdfReader(path)
    pages = len(reader.pages)
    assert 1 <= pages <= (60 if name == "report.pdf" else 6)
    text = " ".join(_pdf_words(path, reader).split())
    assert "W" * 1000 not in text
    if name == "report.pdf":
        assert "<script>window.__pwned" in text
        assert "…" in text
        for word in ("Кириллица", "العربية", "עברית", "中文漢字", "日本語かな", "한국어"):
            assert word in text or word[::-1] in text, word
        assert "\u202e" not in text
        attached = json.loads(reader.attachments["results.json"][0])
        assert attached["tenant"]["name"] == hostile_tenant()["name"]
    else:
        assert "contoso.com" in pdf_text(path)
