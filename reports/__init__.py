"""The built-in renderers, registered as a ws1-audit plugin like any third-party one.

Every renderer reads the results dict alone (never the network, config or snapshot) and
writes atomically into the output folder:

========  ==================================  ==========================================
format    files                               module
========  ==================================  ==========================================
json      results.json                        :mod:`reports.results_json`
html      report.html                         :mod:`reports.html_report`
pdf       report.pdf (PDF/A-3b, attachments)  :mod:`reports.pdf_report`
csv       findings.csv, evidence.csv          :mod:`reports.csv_tables`
junit     junit.xml                           :mod:`reports.junit_xml`
md        summary.md                          :mod:`reports.markdown`
handover  handover.pdf, handover.html         :mod:`reports.handover`
ocsf      findings.ocsf.json                  :mod:`reports.ocsf`
========  ==================================  ==========================================

The HTML report, the PDF and the handover sheet share one set of Jinja templates
(``reports/templates``, autoescaped) and one view model (:mod:`reports.context`).
Problems WeasyPrint reports (a missing font or image) are logged on ``ws1_audit.reports``.
"""

from __future__ import annotations

from collections.abc import Callable

from audit.hookspecs import hookimpl
from reports import (
    csv_tables,
    handover,
    html_report,
    junit_xml,
    markdown,
    ocsf,
    pdf_report,
    results_json,
)
from reports.base import Renderer

RENDERERS: tuple[Renderer, ...] = (
    Renderer(
        "json",
        (results_json.FILENAME,),
        "canonical results (schema_version 1)",
        results_json.render,
    ),
    Renderer(
        "html",
        (html_report.FILENAME,),
        "interactive self-contained report: filters, search, sortable evidence",
        html_report.render,
    ),
    Renderer(
        "pdf",
        (pdf_report.FILENAME,),
        "auditor's PDF/A-3b report with results.json and evidence.csv attached",
        pdf_report.render,
    ),
    Renderer(
        "csv",
        (csv_tables.FINDINGS, csv_tables.EVIDENCE),
        "one row per check, and one row per evidence row",
        csv_tables.render,
    ),
    Renderer("junit", (junit_xml.FILENAME,), "one JUnit testcase per check", junit_xml.render),
    Renderer("md", (markdown.FILENAME,), "Markdown summary for CI step summaries", markdown.render),
    Renderer(
        "handover",
        (handover.PDF_NAME, handover.HTML_NAME),
        "manufacturer handover checklist (Step 6); never prints the password",
        handover.render,
    ),
    Renderer(
        "ocsf",
        (ocsf.FILENAME,),
        "OCSF Compliance Findings for SIEMs, one per check (not written by default)",
        ocsf.render,
    ),
)


@hookimpl
def ws1_audit_register_renderers(register: Callable[[Renderer], None]) -> None:
    """Register every built-in output format."""
    for renderer in RENDERERS:
        register(renderer)
