"""handover.pdf and handover.html: the manufacturer checklist, and the password never printed."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from reports_fixtures import assert_golden, load

from reports import handover
from reports.base import RenderOptions

SECRET = "Hunter2-never-print-me"


def _pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    return "\f".join(page.extract_text() or "" for page in reader.pages)


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Path]]:
    out = {}
    for name in ("not_ready", "scripts"):
        folder = tmp_path_factory.mktemp(name)
        pdf, html = handover.render(load(f"results_{name}.json"), folder, RenderOptions())
        out[name] = (pdf, html)
    return out


def test_files_and_checklist_items(outputs: dict[str, tuple[Path, Path]]) -> None:
    pdf, html = outputs["not_ready"]
    assert (pdf.name, html.name) == ("handover.pdf", "handover.html")
    text = " ".join(_pdf_text(pdf).split())
    for item in (
        "Manufacturer handover checklist",
        "UPN dropship@contoso.com",
        "Username dropship.agent",
        "Password Handed over separately — never printed",
        "Organization Group UUID 0d6c2b1e-7a4f-4c55-9a8e-2f1b3c4d5e6f",
        "Tag RnD",
        "API host as1985.awmdm.com",
        "GroupId contoso",
        "Email domain (autodiscovery) contoso.com",
        "Not ready when audited",
    ):
        assert item in text, item
    assert len(PdfReader(pdf).pages) == 1
    assert PdfReader(pdf).xmp_metadata.pdfaid_part == "3"


def test_password_is_never_printed(outputs: dict[str, tuple[Path, Path]]) -> None:
    results = load("results_scripts.json")
    assert results["dropship"]["password"] == SECRET  # the fixture does carry one
    pdf, html = outputs["scripts"]
    for text in (_pdf_text(pdf), html.read_text(encoding="utf-8")):
        assert SECRET not in text
        assert "Handed over separately — never printed" in " ".join(text.split())


def test_missing_values_are_flagged() -> None:
    results = load("results_ready.json")
    results["dropship"]["upn"] = None
    results["tenant"]["organization_group"] = None
    html = handover.handover_html(results, interactive=True)
    assert "⚠ Not recorded: Staging &amp; Provisioning (config [dropship] upn)" in html
    assert "⚠ Not recorded: API: organization group" in html
    assert "Not ready when audited" not in html


def test_html_is_self_contained_and_escaped(outputs: dict[str, tuple[Path, Path]]) -> None:
    html = outputs["scripts"][1].read_text(encoding="utf-8")
    assert 'http-equiv="Content-Security-Policy" content="default-src &#39;none&#39;;' in html
    assert "<script" not in html and "<img" not in html and "</style>," not in html
    assert "&lt;img src=x onerror=window.__pwned=1&gt;@contoso.com" in html
    assert "東京支社 株式会社 서울<br>&lt;/style&gt;<br>=HYPERLINK" in html


def test_handover_golden(outputs: dict[str, tuple[Path, Path]]) -> None:
    results: dict[str, Any] = load("results_not_ready.json")
    pdf, html = outputs["not_ready"]
    assert_golden("handover.pdf.txt", _pdf_text(pdf) + "\n", results)
    text = html.read_text(encoding="utf-8")
    text = text.replace(text[text.index("<style>") : text.index("</style>")], "<style>…")
    assert_golden("handover.html", text, results)


def test_pdf_bytes_alone() -> None:
    data, problems = handover.html_to_pdf(
        handover.handover_html(load("results_ready.json"), interactive=False)
    )
    assert problems == []
    assert "never printed" in PdfReader(io.BytesIO(data)).pages[0].extract_text()


def _flagged_results() -> dict[str, Any]:
    """Not-ready results where the audit found the handed-over values wrong: the tag is
    missing from the OG, the OG is a Container, and the API's staging username differs."""
    results: dict[str, Any] = load("results_not_ready.json")
    results["tenant"]["organization_group"]["type"] = "Container"
    tag = next(c for c in results["checks"] if c["id"] == "dropship_tag")
    tag.update(status="fail", summary="1 of 1 configured tag(s) missing from the OG: RnD.")
    tag["evidence"] = {
        "columns": ["Tag", "Found in OG", "Tag id", "Note"],
        "rows": [["RnD", False, None, "missing"], ["R&D", True, "5", "exists, not configured"]],
        "total_rows": 2,
        "source": "GET /api/mdm/tags/search",
    }
    results["dropship"]["tags"] = ["RnD", "Kiosk"]
    results["dropship"]["from_api"] = {
        "username": "  DropShip.Agent2 ",
        "enabled": True,
        "endpoint": "GET /api/system/groups/{uuid}/dropship-provisioning",
    }
    return results


def test_wrong_values_are_flagged_on_their_own_rows(tmp_path: Path) -> None:
    pdf, html = handover.render(_flagged_results(), tmp_path, RenderOptions())
    text = " ".join(_pdf_text(pdf).split())
    # each flag sits on its row, right after the value it is about
    assert "Username DropShip.Agent2 ⚠ The config's [dropship] username is 'dropship.agent'" in text
    assert (
        "Group UUID 0d6c2b1e-7a4f-4c55-9a8e-2f1b3c4d5e6f ⚠ Not a Customer OG: this is the UUID of a Container OG"
        in text
    )
    assert "RnD ⚠ Not found in the organization group by the audit (dropship_tag)" in text
    assert "Kiosk" in text and "Kiosk ⚠" not in text  # a tag the audit found is not flagged
    assert "3 values below are flagged ⚠" in text
    assert len(PdfReader(pdf).pages) == 1
    page = html.read_text(encoding="utf-8")
    assert page.count('<tr class="flagged">') == 3


def test_the_api_username_is_handed_over_and_a_matching_one_is_not_flagged() -> None:
    results = _flagged_results()
    results["dropship"]["from_api"]["username"] = " DROPSHIP.agent "  # trimmed, any case
    rows = {row.label: row for row in handover.handover_rows(results)}
    assert rows["Username"].values == [("DROPSHIP.agent", None)] and not rows["Username"].flagged
    assert rows["Username"].source == "Staging & Provisioning (API)"
    results["dropship"]["from_api"] = {"username": None, "enabled": False, "endpoint": "x"}
    rows = {row.label: row for row in handover.handover_rows(results)}
    assert rows["Username"].values == [("dropship.agent", None)]  # the config's, API silent
    # without dropship.from_api (results of older versions) nothing about the API is said
    results["dropship"].pop("from_api")
    rows = {row.label: row for row in handover.handover_rows(results)}
    assert not rows["Username"].flagged
    assert rows["Username"].source == "Staging & Provisioning (config [dropship] username)"


def test_a_check_that_errored_marks_the_value_not_verified() -> None:
    results = load("results_not_ready.json")
    tag = next(c for c in results["checks"] if c["id"] == "dropship_tag")
    tag.update(status="error", summary="Could not read the tags: HTTP 500.")
    rows = {row.label: row for row in handover.handover_rows(results)}
    assert (
        rows["Tag"].notes == ["not verified: the dropship_tag check could not decide (tags)"]
        and not rows["Tag"].flagged
    )
    html = handover.handover_html(results, interactive=True)
    assert "? Not verified: the dropship_tag check could not decide (tags)" in html
