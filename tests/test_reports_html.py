"""report.html: self-contained, CSP-locked, escaped, bounded; and driven in headless Chromium."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from reports_fixtures import HOSTILE, assert_golden, large_results, load

from reports import html_report
from reports.base import RenderOptions

CHROMIUM = Path("/usr/bin/chromium")


class Page(HTMLParser):
    """Every start tag with its attributes, the text of <style> and <script> elements."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"style": [], "script": []}
        self.headings: list[int] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag
            self.raw[tag].append("")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in][-1] += data


def parse(html: str) -> Page:
    page = Page()
    page.feed(html)
    return page


def sha(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


@pytest.fixture(scope="module")
def hostile_html() -> str:
    return html_report.render_html(load("results_scripts.json"))


def test_self_contained_with_a_strict_csp(hostile_html: str) -> None:
    page = parse(hostile_html)
    metas = [a for t, a in page.tags if t == "meta" and a.get("http-equiv")]
    assert len(metas) == 1 and metas[0]["http-equiv"] == "Content-Security-Policy"
    csp = metas[0]["content"] or ""
    assert csp.startswith("default-src 'none';")
    assert "'unsafe-inline'" not in csp and "'unsafe-eval'" not in csp
    # the one style and the one executable script are exactly what the CSP hashes
    [style] = page.raw["style"]
    scripts = [a for t, a in page.tags if t == "script"]
    assert [s.get("type") for s in scripts] == ["application/json", None]
    assert sha(style) in csp and sha(page.raw["script"][1]) in csp
    for tag, attrs in page.tags:
        assert tag not in ("link", "iframe", "object", "embed", "base", "form"), tag
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name in ("src", "srcset", "poster", "data"):
                assert (value or "").startswith("data:"), (tag, name, value)
            if name == "href":
                assert (value or "").startswith(("#", "https://", "http://")), value
    assert "@import" not in style and "url(" not in style


def test_tenant_strings_are_escaped(hostile_html: str) -> None:
    for needle in ("<script>window.__pwned", "<img src=x", "</style><script>", "<!--"):
        assert needle not in hostile_html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in hostile_html
    assert "\u202e" not in hostile_html and "[U+202E]" in hostile_html
    page = parse(hostile_html)
    hrefs = [a.get("href") for t, a in page.tags if t == "a"]
    assert not any("javascript" in (h or "") for h in hrefs)


def test_embedded_evidence_is_inert_json(hostile_html: str) -> None:
    page = parse(hostile_html)
    blob = page.raw["script"][0]
    assert "<" not in blob and ">" not in blob
    data = json.loads(blob)
    rows = data["smart_group_tag_criteria"]["rows"]
    # JSON.parse gives the strings back unchanged, bidi overrides made visible
    assert [r[1] for r in rows[: len(HOSTILE)]] == [
        h.replace("\u202e", "[U+202E]").replace("\u202c", "[U+202C]") for h in HOSTILE
    ]


def test_headings_in_order_and_tables_have_headers() -> None:
    html = html_report.render_html(load("results_not_ready.json"))
    page = parse(html)
    assert page.headings[0] == 1 and page.headings.count(1) == 1
    for before, after in zip(page.headings, page.headings[1:], strict=False):
        assert after <= before + 1, page.headings
    ths = [a for t, a in page.tags if t == "th"]
    assert ths and all(a.get("scope") in ("col", "row") for a in ths)
    assert html.count('class="badge ') >= 16 * 2  # status as symbol + word, never colour alone


def test_size_is_bounded_at_50000_rows() -> None:
    html = html_report.render_html(large_results(50_000))
    assert len(html.encode()) < 2_000_000
    data = json.loads(parse(html).raw["script"][0])
    assert len(data["devices_registered"]["rows"]) == html_report.EMBED_ROWS
    assert data["devices_registered"]["total"] == 50_000
    assert "first 5,000 of 50,000 rows; all 50,000 rows are in evidence.csv" in html


def test_render_writes_atomically(tmp_path: Path) -> None:
    [path] = html_report.render(load("results_ready.json"), tmp_path, RenderOptions())
    assert path.name == "report.html" and "✓ Ready" in path.read_text(encoding="utf-8")
    assert not list(tmp_path.glob(".*.tmp"))


def test_html_golden() -> None:
    results = load("results_not_ready.json")
    html = html_report.render_html(results)
    # the inline CSS/JS (and so the CSP hashes) are not content: golden covers the markup
    html = re.sub(r"<style>.*?</style>", "<style>…</style>", html, flags=re.S)
    html = re.sub(r"<script>.*?</script>", "<script>…</script>", html, flags=re.S)
    html = re.sub(r"sha256-[A-Za-z0-9+/=]+", "sha256-…", html)
    assert_golden("report.html", html, results)


# ---- headless Chromium -------------------------------------------------------------------

browser = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="Debian's chromium (/usr/bin/chromium) is not installed"
)


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


def _open(chromium: Any, path: Path, **context: Any) -> tuple[Any, list[str], list[str]]:
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900}, **context)
    page = ctx.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(path.as_uri())
    return page, requests, errors


def _visible(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "section.check:not([hidden])", "els => els.map(e => e.dataset.check)"
    )


@pytest.mark.browser
@browser
def test_filters_search_sort_page_and_toggle(chromium: Any, tmp_path: Path) -> None:
    results = load("results_not_ready.json")
    [path] = html_report.render(results, tmp_path, RenderOptions())
    page, requests, errors = _open(chromium, path)
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    assert _visible(page) == [c["id"] for c in results["checks"]]
    assert page.inner_text("#filter-status") == "16 of 16 checks shown"
    # keyboard: the first Tab reaches the skip link
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.className") == "skip-link"

    # status filter: only failures
    for status in ("pass", "warn", "manual", "error", "skipped"):
        page.uncheck(f"input[name=status][value={status}]")
    fails = [c["id"] for c in results["checks"] if c["status"] == "fail"]
    assert _visible(page) == fails
    # ... and severity: medium only
    for sev in ("critical", "high", "low", "info"):
        page.uncheck(f"input[name=severity][value={sev}]")
    assert _visible(page) == ["devices_registered"]
    page.click("#reset-filters")
    assert len(_visible(page)) == 16

    # free-text search reaches evidence rows and narrows the table to the matches
    page.fill("#search", "5CG00045")
    expect(page.locator("#filter-status")).to_contain_text("for “5CG00045”")
    assert _visible(page) == ["devices_registered"]
    table = "#check-devices_registered-evidence"
    assert page.locator(f"{table} tbody tr").count() == 1
    assert "matching" in page.inner_text(f"{table}-pager .page-info")
    page.fill("#search", "")
    expect(page.locator("#filter-status")).to_have_text("16 of 16 checks shown")

    # paging: 60 rows, 50 per page
    assert page.locator(f"{table} tbody tr").count() == 50
    page.click(f"{table}-pager .next")
    assert page.locator(f"{table} tbody tr").count() == 10
    assert page.inner_text(f"{table}-pager .page-info").startswith("Rows 51–60 of 60")

    # sorting by Serial: ascending, then descending
    sort = f"{table} th button.sort[data-col='1']"
    page.click(sort)
    assert page.inner_text(f"{table} tbody tr:first-child td:nth-child(2)") == "5CG00001"
    page.click(sort)
    assert page.inner_text(f"{table} tbody tr:first-child td:nth-child(2)") == "5CG00060"
    assert page.get_attribute(f"{table} thead th:nth-child(2)", "aria-sort") == "descending"

    # expand/collapse: passing checks start collapsed, keyboard opens them
    toggle = "#check-uem_version button.toggle"
    assert page.get_attribute(toggle, "aria-expanded") == "false"
    assert page.is_hidden("#check-uem_version-body")
    page.focus(toggle)
    page.keyboard.press("Enter")
    assert page.get_attribute(toggle, "aria-expanded") == "true"
    assert page.is_visible("#check-uem_version-body")
    page.click("#collapse-all")
    assert page.is_hidden("#check-hub_version-body")

    page.screenshot(path=str(tmp_path / "report.png"), full_page=True)
    assert (tmp_path / "report.png").stat().st_size > 10_000
    assert errors == []


@pytest.mark.browser
@browser
def test_copy_remediation(chromium: Any, tmp_path: Path) -> None:
    [path] = html_report.render(load("results_not_ready.json"), tmp_path, RenderOptions())
    page, _, errors = _open(chromium, path)
    page.click("#check-hub_version button.copy")
    expect(page.locator("#check-hub_version-copied")).to_have_text("Copied")
    assert errors == []


@pytest.mark.browser
@browser
def test_no_tenant_script_runs_and_dark_theme(chromium: Any, tmp_path: Path) -> None:
    [path] = html_report.render(load("results_scripts.json"), tmp_path, RenderOptions())
    page, requests, errors = _open(chromium, path, color_scheme="dark")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert all(u.startswith(("file:", "data:")) for u in requests), requests
    # our script did run (the CSP hash matches) and the theme follows the system
    assert page.inner_text("#filter-status") == "16 of 16 checks shown"
    background = page.evaluate("getComputedStyle(document.documentElement).backgroundColor")
    assert background == "rgb(15, 20, 25)"
    page.fill("#search", "Московский")
    expect(page.locator("#filter-status")).to_contain_text("for “Московский”")
    assert "smart_group_tag_criteria" in _visible(page)
    page.screenshot(path=str(tmp_path / "report-dark.png"))
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert errors == []


# ---- nothing clipped, nothing overlapping, at 1280 px --------------------------------------


@pytest.mark.browser
@browser
def test_matrix_cells_show_the_whole_requirement(chromium: Any, tmp_path: Path) -> None:
    results = load("results_not_ready.json")
    [path] = html_report.render(results, tmp_path, RenderOptions())
    page, _, errors = _open(chromium, path)
    cells = page.eval_on_selector_all(
        "table.matrix tbody tr",
        """rows => rows.map(r => {
            const td = r.querySelector('td');
            return [td.innerText, td.scrollWidth <= td.clientWidth + 1,
                    r.querySelector('th a').innerText];
        })""",
    )
    assert [c[0] for c in cells] == [c["requirement"] for c in results["checks"]]
    assert all(fits for _, fits, _ in cells)
    assert [c[2] for c in cells] == [c["title"] for c in results["checks"]]
    kinds = page.eval_on_selector_all(
        "table.matrix tbody tr td:last-child", "tds => tds.map(td => td.innerText)"
    )
    assert kinds[1] == "Configuration" and kinds[6] == "Discovery service"
    assert kinds[4] == "None: a person must confirm" and kinds[3] == "Attestation"
    assert errors == []


def _fleet(tmp_path: Path) -> dict[str, Any]:
    """A fleet summary of three tenants, two of which share the display name "Contoso"."""
    tenants = []
    for slug, name, data in (
        ("contoso", "Contoso", load("results_not_ready.json")),
        ("contoso-2", "Contoso", load("results_ready.json")),
        ("fabrikam", "Fabrikam", load("results_not_ready.json")),
    ):
        (tmp_path / slug).mkdir(parents=True, exist_ok=True)
        (tmp_path / slug / "report.html").write_text("<p>report</p>", encoding="utf-8")
        summary = data["summary"]
        tenants.append(
            {
                "slug": slug,
                "name": name,
                "config": f"tenants/{slug}-prod.toml",
                "api_host": data["tenant"]["api_host"],
                "exit_code": 0 if summary["ready"] else 1,
                "problem": None,
                "verdict": "ready" if summary["ready"] else "not-ready",
                "fail_on": summary["fail_on"],
                "score": summary["score"],
                "counts": summary["counts"],
                "waived": summary["waived"],
                "blocking": summary["blocking"],
                "changes": None,
                "checks": {
                    c["id"]: {"status": c["status"], "waived": False, "blocking": c["blocking"]}
                    for c in data["checks"]
                },
            }
        )
    checks = load("results_ready.json")["checks"]
    return {
        "generated_at": "2026-11-23T09:20:00Z",
        "tool_version": "0.1.0",
        "fail_on": "medium",
        "exit_code": 1,
        "tenants": tenants,
        "checks": [{"id": c["id"], "title": c["title"], "severity": c["severity"]} for c in checks],
    }


@pytest.mark.browser
@browser
def test_fleet_page_tells_same_named_tenants_apart_and_nothing_overlaps(
    chromium: Any, tmp_path: Path
) -> None:
    from reports.fleet import render_fleet

    [path] = render_fleet(_fleet(tmp_path), tmp_path, ["html"])
    page, _, errors = _open(chromium, path)
    names = page.eval_on_selector_all(
        "table.fleet-matrix tbody th", "ths => ths.map(th => th.innerText)"
    )
    assert names == ["Contoso (contoso-prod.toml)", "Contoso (contoso-2-prod.toml)", "Fabrikam"]
    tenants = page.eval_on_selector_all(
        "table.fleet tbody th", "ths => ths.map(th => th.innerText)"
    )
    assert "config contoso-prod.toml" in tenants[0] and "config contoso-2-prod.toml" in tenants[1]
    # the numbered check legend in two columns: the second column's numbers (drawn in the
    # gap, outside each item) never reach into the first column's text
    boxes = page.eval_on_selector_all(
        "ol.legend li",
        "lis => lis.map(li => { const r = li.getBoundingClientRect(); return [r.left, r.right]; })",
    )
    lefts = sorted({round(left) for left, _ in boxes})
    assert len(lefts) == 2, lefts
    first_right = max(right for left, right in boxes if round(left) == lefts[0])
    marker = page.evaluate(
        "() => { const li = document.querySelector('ol.legend li:last-child');"
        " const c = document.createElement('canvas').getContext('2d');"
        " c.font = getComputedStyle(li).font; return c.measureText('16. ').width; }"
    )
    assert lefts[1] - first_right >= marker, (lefts, first_right, marker)
    assert errors == []


@pytest.mark.browser
@browser
def test_trend_legend_fits_and_same_day_runs_show_their_time(chromium: Any, tmp_path: Path) -> None:
    import pandas as pd

    from audit import history
    from reports.trend import render_trend

    hist = tmp_path / "history"
    for i, stamp in enumerate(("09:15:02", "13:40:10", "13:40:55")):
        data = load("results_not_ready.json")
        data["run"]["started_at"] = f"2026-11-23T{stamp}Z"
        data["run"]["id"] = f"{i}{i}{i}{i}aaaa-0000-4000-8000-000000000000"
        history.record(data, hist)
    found = history.trend(hist)
    assert isinstance(found.frame, pd.DataFrame)
    [_, path] = render_trend(found.frame, tmp_path, found.problems)
    page, _, errors = _open(chromium, path)
    svg = page.query_selector("svg.trend-chart")
    assert svg is not None
    width = float(svg.get_attribute("width") or 0)
    legend_right = page.eval_on_selector_all(
        "svg.trend-chart > text.chart-label[y='16']",
        "ts => Math.max(...ts.map(t => t.getBBox().x + t.getBBox().width))",
    )
    assert legend_right <= width, (legend_right, width)
    labels = page.eval_on_selector_all(
        "svg.trend-chart text[transform]", "ts => ts.map(t => t.textContent)"
    )
    # two runs in the same minute are told apart by seconds
    assert labels == ["2026-11-23 09:15:02", "2026-11-23 13:40:10", "2026-11-23 13:40:55"]
    left_edges = page.eval_on_selector_all(
        "svg.trend-chart text[transform]",
        "ts => ts.map(t => t.getBoundingClientRect().left - t.ownerSVGElement.getBoundingClientRect().left)",
    )
    assert min(left_edges) >= 0  # no axis label runs off the chart's left edge
    assert errors == []
