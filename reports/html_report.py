"""``report.html``: one self-contained, interactive file for the team.

Inline CSS and JavaScript, no fetches (a Content-Security-Policy with ``default-src 'none'``
and hashes for the one style and the one script, so neither tenant markup nor a
``javascript:`` URL can run), filters by status and severity, search across checks and
evidence, sortable and paged evidence tables, expand/collapse, copy-remediation buttons,
light and dark themes, and a print stylesheet shared with the PDF.

Size stays bounded: each table renders its first page server-side; up to
:data:`EMBED_ROWS` rows per check ride along as JSON for paging, sorting and search; the
rest are in ``evidence.csv`` and ``results.json``, which the report says.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from markupsafe import Markup

from audit.fileio import write_atomic
from audit.vocabulary import SEVERITIES
from reports import context, svg, templating
from reports import text as t
from reports.base import RenderOptions
from reports.text import HTML_LIMITS, Limits

#: Evidence rows per check carried in the HTML for paging, sorting and search.
EMBED_ROWS = 5000
#: Rows per page of an evidence table (the first page is rendered server-side).
PAGE_ROWS = 50
FILENAME = "report.html"


def evidence_payload(results: dict[str, Any], limits: Limits) -> dict[str, Any]:
    """The JSON the page script pages through: per check id, at most :data:`EMBED_ROWS` rows."""
    payload: dict[str, Any] = {}
    for check in results.get("checks") or []:
        ev = check.get("evidence") or {}
        rows = ev.get("rows") or []
        if not ev.get("columns"):
            continue
        payload[t.clip(check.get("id") or "", 80)] = {
            "total": max(int(ev.get("total_rows") or 0), len(rows)),
            "rows": [[t.clip(cell, limits.cell) for cell in row] for row in rows[:EMBED_ROWS]],
        }
    return payload


def content_security_policy(css: str, js: str) -> str:
    """A CSP that allows exactly our inline style and script, data: images and nothing else."""
    return (
        "default-src 'none'; "
        f"style-src {templating.csp_hash(css)}; "
        f"script-src {templating.csp_hash(js)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


def render_html(results: dict[str, Any], options: RenderOptions | None = None) -> str:
    """The interactive report as a string."""
    limits = dataclasses.replace(HTML_LIMITS, rows=PAGE_ROWS)
    view = context.build_report(results, limits)
    payload = evidence_payload(results, limits)
    css, js = templating.stylesheet(interactive=True), templating.static_markup("report.js")
    return templating.render(
        "report.html.j2",
        r=view,
        interactive=True,
        css=css,
        js=js,
        csp=content_security_policy(str(css), str(js)),
        chart=svg.counts_chart(view.counts),
        severities=SEVERITIES,
        meanings=context.STATUS_MEANING,
        embedded={cid: len(p["rows"]) for cid, p in payload.items()},
        evidence_json=Markup(t.json_for_script(payload)),
    )


def render(results: dict[str, Any], out_dir: Path, options: RenderOptions) -> list[Path]:
    """Write ``report.html`` into ``out_dir``."""
    return [write_atomic(out_dir / FILENAME, render_html(results, options))]
