"""``report.pdf``: the auditor's document, PDF/A-3b, from the same templates as the HTML.

Cover, one-page executive summary, requirement matrix, one section per check, appendix;
running header and footer (tenant, run date, "Page X of Y"), an outline entry per section
and per check, document metadata (title, author = organisation, subject, keywords).
Each evidence table shows at most ``RenderOptions.max_evidence_rows`` rows and says how many
more are in ``evidence.csv`` and the attached ``results.json``: both are generated here
from the results dict and embedded (PDF/A-3 associated files), so the PDF stands alone.
The attachment is results.json exactly as the run writes it (sealed with its
``content_sha256``), and the appendix shows that hash ("Results SHA-256"):
``ws1-audit verify`` checks that the results attached are the ones the report shows.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

from audit.fileio import write_atomic
from audit.results import results_hash, sealed
from audit.vocabulary import SEVERITIES
from reports import context, csv_tables, svg, templating
from reports.base import RenderOptions
from reports.pdfwriter import PdfAttachment, html_to_pdf, parse_created
from reports.results_json import results_json_bytes
from reports.text import PDF_LIMITS

LOG = logging.getLogger("ws1_audit.reports")
FILENAME = "report.pdf"
#: ``<col class="wN">`` widths (N percent) for the fixed-layout evidence tables of the PDF.
COLUMN_WIDTH_CSS = "".join(f"col.w{n}{{width:{n}%}}" for n in range(1, 101))


def report_html_for_pdf(results: dict[str, Any], options: RenderOptions) -> str:
    """The report template rendered for print (no script, rows capped)."""
    limits = dataclasses.replace(PDF_LIMITS, rows=max(options.max_evidence_rows, 0))
    view = context.build_report(results, limits)
    return templating.render(
        "report.html.j2",
        r=view,
        interactive=False,
        css=templating.stylesheet(interactive=False) + COLUMN_WIDTH_CSS,
        chart=svg.counts_chart(view.counts),
        severities=SEVERITIES,
        meanings=context.STATUS_MEANING,
        results_sha256=results_hash(results),
    )


def attachments_for(results: dict[str, Any], options: RenderOptions) -> list[PdfAttachment]:
    """results.json and evidence.csv (made here), plus readable ``options.attachments``."""
    files = [
        PdfAttachment(
            "results.json",
            results_json_bytes(sealed(results)),
            "ws1-audit results (schema_version 1): every check and all evidence rows",
            "Source",
        ),
        PdfAttachment(
            csv_tables.EVIDENCE,
            csv_tables.evidence_csv_bytes(results),
            "Every evidence row of every check (UTF-8 CSV)",
            "Data",
        ),
    ]
    names = {f.name for f in files}
    for name, path in options.attachments.items():
        if name in names:
            continue
        try:
            files.append(PdfAttachment(name, Path(path).read_bytes(), name, "Supplement"))
        except OSError as exc:
            LOG.warning("attachment %s (%s) cannot be read: %s", name, path, exc.strerror or exc)
    return files


def render_pdf(results: dict[str, Any], options: RenderOptions) -> tuple[bytes, list[str]]:
    """The report as PDF bytes, with WeasyPrint's warnings."""
    html = report_html_for_pdf(results, options)
    created = parse_created((results.get("run") or {}).get("started_at"))
    return html_to_pdf(html, attachments=attachments_for(results, options), created=created)


def render(results: dict[str, Any], out_dir: Path, options: RenderOptions) -> list[Path]:
    """Write ``report.pdf`` into ``out_dir``."""
    pdf, _problems = render_pdf(results, options)
    return [write_atomic(out_dir / FILENAME, pdf)]
