"""The fleet summary of ``ws1-audit run --config a.toml --config b.toml ...``.

``fleet.html`` (self-contained), ``fleet.pdf`` (PDF/A-3b, landscape, ``fleet.csv``
attached), ``fleet.csv`` and ``fleet.json``, as many as the run's ``--format`` asks for:
one row per tenant with its verdict, exit code, counts and one column per check, and the
tenants that could not be audited with the reason.

It takes plain data (the fleet dict built by :mod:`audit.fleet`) and reuses the report's
stylesheet, badges, text helpers and PDF writer; tenant strings are clipped and autoescaped
like everywhere else. The trend across runs (``ws1-audit history``) is :mod:`reports.trend`,
styled like these pages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from audit.fileio import dump_json, write_atomic
from audit.runner import SCORE_MEANING
from audit.vocabulary import EXIT_MEANING, STATUSES, exit_meaning
from reports import templating
from reports import text as t
from reports.context import STATUS_LABEL, STATUS_SYMBOL, utc_text
from reports.csv_tables import ENCODING, csv_bytes
from reports.pdfwriter import PdfAttachment, html_to_pdf, parse_created

FLEET_HTML, FLEET_PDF, FLEET_CSV = "fleet.html", "fleet.pdf", "fleet.csv"
FLEET_JSON = "fleet.json"

VERDICT_LABEL = {"ready": "Ready", "not-ready": "Not ready", "failed": "Not audited"}
SHORT = 200


def page_css(*, interactive: bool) -> Markup:
    """The report's stylesheet plus ``fleet.css``: the fleet summary's and the trend's."""
    return Markup(
        str(templating.stylesheet(interactive=interactive))
        + str(templating.static_markup("fleet.css"))
    )


def page_csp(css: str) -> str:
    """The Content-Security-Policy of a fleet or trend page styled by ``css``."""
    return (
        "default-src 'none'; "
        f"style-src {templating.csp_hash(css)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )


# -- fleet ------------------------------------------------------------------------------------


def fleet_frame(fleet: dict[str, Any]) -> pd.DataFrame:
    """One row per tenant: identity, verdict, exit code, counts, then one column per check
    (its status, ``fail (waived)`` when an active waiver covers it, empty when not audited)."""
    check_ids = [str(c["id"]) for c in fleet.get("checks") or []]
    header = [
        "tenant",
        "slug",
        "config",
        "api_host",
        "verdict",
        "exit_code",
        "problem",
        "fail_on",
        "score",
        *STATUSES,
        "waived",
        "blocking",
        "regressed",
        "fixed",
        "new",
        *check_ids,
    ]
    records: list[dict[str, Any]] = []
    for tenant in fleet.get("tenants") or []:
        counts = tenant.get("counts") or {}
        change = tenant.get("changes") or {}
        audited = tenant.get("verdict") != "failed"
        record: dict[str, Any] = {
            "tenant": t.csv_cell(t.visible(tenant.get("name") or "")),
            "slug": t.csv_cell(tenant.get("slug") or ""),
            "config": t.csv_cell(tenant.get("config") or ""),
            "api_host": t.csv_cell(t.visible(tenant.get("api_host") or "")),
            "verdict": tenant.get("verdict"),
            "exit_code": int(tenant.get("exit_code") or 0),
            "problem": t.csv_cell(t.visible(tenant.get("problem") or "")),
            "fail_on": tenant.get("fail_on") or "",
            "score": tenant.get("score") if audited else None,
            **{s: (int(counts.get(s) or 0) if audited else None) for s in STATUSES},
            "waived": len(tenant.get("waived") or []) if audited else None,
            "blocking": len(tenant.get("blocking") or []) if audited else None,
            **{
                k: (len(change.get(k) or []) if tenant.get("changes") is not None else None)
                for k in ("regressed", "fixed", "new")
            },
        }
        checks = tenant.get("checks") or {}
        for cid in check_ids:
            cell = checks.get(cid)
            if cell is None:
                record[cid] = ""
            else:
                record[cid] = cell["status"] + (" (waived)" if cell.get("waived") else "")
        records.append(record)
    frame = pd.DataFrame.from_records(records, columns=header)
    numeric = ["exit_code", "score", *STATUSES, "waived", "blocking", "regressed", "fixed", "new"]
    return frame.astype({c: "Int64" for c in numeric})  # whole numbers, empty when not audited


def _tenant_view(
    tenant: dict[str, Any], checks: Sequence[dict[str, Any]], out_dir: Path
) -> dict[str, Any]:
    verdict = str(tenant.get("verdict") or "failed")
    cells: list[dict[str, Any] | None] = []
    for c in checks:
        cell = (tenant.get("checks") or {}).get(c["id"])
        if cell is None:
            cells.append(None)
            continue
        status = str(cell["status"])
        cells.append(
            {
                "status": status,
                "label": STATUS_LABEL.get(status, status),
                "symbol": STATUS_SYMBOL.get(status, "?"),
                "waived": bool(cell.get("waived")),
                "blocking": bool(cell.get("blocking")),
                "change": cell.get("change"),
                "title": t.clip(c["id"], 80),
            }
        )
    report = None
    for name in ("report.html", "report.pdf", "results.json", "error.txt"):
        rel = f"{tenant.get('folder') or tenant.get('slug')}/{name}"
        if (out_dir / rel).is_file():
            report = rel
            break
    counts = tenant.get("counts") or {}
    changes = tenant.get("changes")
    return {
        "name": t.clip(tenant.get("name") or tenant.get("slug") or "—", SHORT),
        "slug": t.clip(tenant.get("slug") or "", 80),
        "config": t.clip(tenant.get("config") or "", SHORT),
        "config_name": t.clip(Path(str(tenant.get("config") or "")).name or "—", 80),
        "api_host": t.clip(tenant.get("api_host") or "", SHORT),
        "verdict": verdict,
        "verdict_label": VERDICT_LABEL.get(verdict, verdict),
        "exit_code": int(tenant.get("exit_code") or 0),
        "exit_meaning": exit_meaning(int(tenant.get("exit_code") or 0)),
        "problem": t.clip(tenant.get("problem") or "", 600),
        "score": tenant.get("score"),
        "fail_on": tenant.get("fail_on") or "",
        "counts": [(s, int(counts.get(s) or 0)) for s in STATUSES],
        "waived": len(tenant.get("waived") or []),
        "blocking": len(tenant.get("blocking") or []),
        "changes": None
        if changes is None
        else {
            k: [t.clip(i, 80) for i in changes.get(k) or []] for k in ("regressed", "fixed", "new")
        },
        "cells": cells,
        "link": report,
    }


def fleet_view(fleet: dict[str, Any], out_dir: Path) -> dict[str, Any]:
    """What ``fleet.html.j2`` shows."""
    checks = [
        {
            "id": t.clip(c["id"], 80),
            "title": t.clip(c.get("title") or "", SHORT),
            "severity": c.get("severity") or "",
        }
        for c in fleet.get("checks") or []
    ]
    tenants = [
        _tenant_view(x, fleet.get("checks") or [], out_dir) for x in fleet.get("tenants") or []
    ]
    names = [x["name"].casefold() for x in tenants]
    for x in tenants:  # tenants that share a display name are told apart by their config
        x["same_name"] = names.count(x["name"].casefold()) > 1
    code = int(fleet.get("exit_code") or 0)
    return {
        "generated": utc_text(fleet.get("generated_at")),
        "generated_iso": str(fleet.get("generated_at") or ""),
        "tool_version": t.clip(fleet.get("tool_version") or "", 40),
        "fail_on": t.clip(fleet.get("fail_on") or "", 20),
        "exit_code": code,
        "exit_meaning": exit_meaning(code),
        "tenants": tenants,
        "failed": [x for x in tenants if x["verdict"] == "failed"],
        "ready": sum(1 for x in tenants if x["verdict"] == "ready"),
        "not_ready": sum(1 for x in tenants if x["verdict"] == "not-ready"),
        "checks": checks,
        "statuses": [(s, STATUS_LABEL[s], STATUS_SYMBOL[s]) for s in STATUSES],
        "meanings": sorted(EXIT_MEANING.items(), key=lambda kv: -kv[0]),
        "score_meaning": SCORE_MEANING,
    }


def render_fleet_html(fleet: dict[str, Any], out_dir: Path, *, interactive: bool = True) -> str:
    """``fleet.html`` (``interactive``) or the HTML WeasyPrint turns into ``fleet.pdf``."""
    css = page_css(interactive=interactive)
    return templating.render(
        "fleet.html.j2",
        f=fleet_view(fleet, out_dir),
        interactive=interactive,
        css=css,
        csp=page_csp(str(css)),
    )


def render_fleet(
    fleet: dict[str, Any],
    out_dir: str | Path,
    formats: Sequence[str] = ("json", "html", "pdf", "csv"),
    *,
    links_from: Path | None = None,
) -> list[Path]:
    """Write the fleet summary into ``out_dir`` in the run's ``--format``s: ``fleet.json``
    (the summary data: json), ``fleet.csv`` (csv), ``fleet.html`` (html) and ``fleet.pdf``
    (pdf, with fleet.csv attached); the other formats have no fleet summary. The links to
    each tenant's reports are those found under ``links_from`` (default ``out_dir``: the
    files may be written to a staging folder before they are put in place)."""
    out = Path(out_dir)
    base = links_from or out
    data = csv_bytes(fleet_frame(fleet))
    written = []
    if "json" in formats:
        written.append(write_atomic(out / FLEET_JSON, dump_json(fleet)))
    if "csv" in formats:
        written.append(write_atomic(out / FLEET_CSV, data))
    if "html" in formats:
        written.append(write_atomic(out / FLEET_HTML, render_fleet_html(fleet, base)))
    if "pdf" in formats:
        pdf, _problems = html_to_pdf(
            render_fleet_html(fleet, base, interactive=False),
            attachments=[
                PdfAttachment(FLEET_CSV, data, "One row per tenant: verdict, counts, checks")
            ],
            created=parse_created(fleet.get("generated_at")),
        )
        written.append(write_atomic(out / FLEET_PDF, pdf))
    return written


__all__ = [
    "ENCODING",
    "FLEET_CSV",
    "FLEET_HTML",
    "FLEET_JSON",
    "FLEET_PDF",
    "fleet_frame",
    "render_fleet",
]
