"""Summaries across tenants and across runs.

- The **fleet summary** of ``ws1-audit run --config a.toml --config b.toml ...``:
  ``fleet.html`` (self-contained), ``fleet.pdf`` (PDF/A-3b, landscape, ``fleet.csv``
  attached), ``fleet.csv`` and ``fleet.json``, as many as the run's ``--format`` asks for:
  one row per tenant with its verdict, exit code, counts and one column per check, and the
  tenants that could not be audited with the reason.
- The **trend** of ``ws1-audit history DIR``: ``trend.csv`` and ``trend.html`` (status counts
  per run as an inline SVG stacked-bar chart, then the table).

Both take plain data (the fleet dict built by :mod:`audit.fleet`, the trend frame built by
:mod:`audit.history`) and reuse the report's stylesheet, badges, text helpers and PDF writer;
tenant strings are clipped and autoescaped like everywhere else.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from html import escape
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
from reports.svg import STATUS_FILL

FLEET_HTML, FLEET_PDF, FLEET_CSV = "fleet.html", "fleet.pdf", "fleet.csv"
FLEET_JSON = "fleet.json"
TREND_HTML, TREND_CSV = "trend.html", "trend.csv"

VERDICT_LABEL = {"ready": "Ready", "not-ready": "Not ready", "failed": "Not audited"}
#: Runs shown in the trend chart (the newest); every run is in trend.csv.
CHART_RUNS = 120
#: Runs listed in the trend table (the newest); every run is in trend.csv.
TABLE_RUNS = 500
SHORT = 200


def _css(*, interactive: bool) -> Markup:
    return Markup(
        str(templating.stylesheet(interactive=interactive))
        + str(templating.static_markup("fleet.css"))
    )


def _csp(css: str) -> str:
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
    css = _css(interactive=interactive)
    return templating.render(
        "fleet.html.j2",
        f=fleet_view(fleet, out_dir),
        interactive=interactive,
        css=css,
        csp=_csp(str(css)),
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


# -- trend --------------------------------------------------------------------------------------


_STAMP_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def _short_date(value: str, *, with_time: bool | int = False) -> str:
    """``2026-11-23`` (UTC); with the time ``2026-11-23 09:15``, or with ``with_time=2``
    ``2026-11-23 09:15:02``."""
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return t.clip(value, 16)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC).strftime(_STAMP_FORMATS[int(with_time)])


def _axis_precision(runs: Sequence[dict[str, Any]]) -> int:
    """0 (dates), 1 (minutes) or 2 (seconds): the least that tells the runs apart."""
    for precision in (0, 1):
        labels = [_short_date(str(r.get("started_at") or ""), with_time=precision) for r in runs]
        if len(set(labels)) == len(labels):
            return precision
    return 2


#: Approximate advance of a legend character at font-size 12 (Noto Sans / DejaVu Sans):
#: generous, so that a label never runs into the next or out of the chart.
_LEGEND_CHAR_PX = 7.5


def _legend(legend: Sequence[tuple[str, str]], left: float) -> list[str]:
    """The SVG legend: a swatch and its label per status, in one row from ``left``."""
    parts, x = [], float(left)
    for s, label in legend:
        parts.append(f'<rect x="{x:.0f}" y="6" width="12" height="12" fill="{STATUS_FILL[s]}"/>')
        parts.append(
            f'<text class="chart-label" x="{x + 16:.0f}" y="16" font-size="12" fill="#222222">'
            f"{escape(label)}</text>"
        )
        x += 16 + _LEGEND_CHAR_PX * len(label) + 14
    return parts


def _grid(peak: int, left: int, top: int, plot_h: int, width: int) -> list[str]:
    """The y axis: about five ticks up to ``peak``, each with a grid line."""
    parts = []
    scale = plot_h / peak
    tick_step = max(1, math.ceil(peak / 5))
    ticks = [n for n in range(0, peak, tick_step) if peak - n >= tick_step / 2] + [peak]
    for tick in ticks:
        y = top + plot_h - tick * scale
        parts.append(
            f'<line x1="{left - 4}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" '
            f'stroke="#8a8a8a" stroke-opacity="0.35" stroke-width="1"/>'
        )
        parts.append(
            f'<text class="chart-label" x="{left - 6}" y="{y + 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="#222222">{tick}</text>'
        )
    return parts


def trend_chart(rows: Sequence[dict[str, Any]], *, chart_id: str = "trend") -> Markup:
    """Status counts per run as an accessible stacked-bar SVG (oldest run on the left).

    Every segment has a tooltip; the legend names each status with its symbol, so the chart
    reads without colour. Only the newest :data:`CHART_RUNS` runs are drawn.
    """
    runs = list(rows)[-CHART_RUNS:]
    n = max(len(runs), 1)
    # runs of the same day are told apart by their time (of the same minute, by seconds)
    with_time = _axis_precision(runs)
    step = max(6, min(44, 720 // n))
    bar = max(4, round(step * 0.7))
    legend = [(s, f"{STATUS_SYMBOL[s]} {STATUS_LABEL[s]}") for s in STATUSES]
    legend_w = sum(16 + _LEGEND_CHAR_PX * len(label) + 14 for _, label in legend)
    # the axis labels are rotated by 40 degrees and end under their bar: room on the left
    label_w = len(_STAMP_FORMATS[with_time].replace("%Y", "2026")) * 6.0
    left = max(40, round(label_w * 0.77 - step / 2 + 6))
    top, plot_h, bottom = 34, 180, round(label_w * 0.65) + 16
    width = round(max(left + step * n + 20, 420, left + legend_w + 10))
    height = top + plot_h + bottom
    peak = max((sum(int(r.get(s) or 0) for s in STATUSES) for r in runs), default=1) or 1
    scale = plot_h / peak
    latest = runs[-1] if runs else {}
    desc = (
        f"{len(runs)} run(s). Latest "
        f"({_short_date(str(latest.get('started_at') or ''), with_time=True)}): "
        + ", ".join(f"{STATUS_LABEL[s]} {int(latest.get(s) or 0)}" for s in STATUSES)
    )
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart trend-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">Checks per status, per run</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    parts += _legend(legend, left)
    parts += _grid(peak, left, top, plot_h, width)
    label_every = max(1, math.ceil(n / 12))
    for i, run in enumerate(runs):
        x0 = left + i * step + (step - bar) / 2
        y: float = top + plot_h
        date = _short_date(str(run.get("started_at") or ""), with_time=with_time)
        when = _short_date(str(run.get("started_at") or ""), with_time=True)
        for s in STATUSES:
            count = int(run.get(s) or 0)
            if not count:
                continue
            h = count * scale
            y -= h
            tip = f"{when} UTC: {STATUS_LABEL[s]} {count}"
            parts.append(
                f'<rect class="bar-{s}" x="{x0:.1f}" y="{y:.1f}" width="{bar}" height="{h:.1f}" '
                f'fill="{STATUS_FILL[s]}"><title>{escape(tip)}</title></rect>'
            )
        if i % label_every == 0 or i == len(runs) - 1:
            lx, ly = x0 + bar / 2, top + plot_h + 12
            parts.append(
                f'<text class="chart-label" x="{lx:.1f}" y="{ly}" font-size="10" fill="#222222" '
                f'text-anchor="end" transform="rotate(-40 {lx:.1f} {ly})">{escape(date)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def trend_view(frame: pd.DataFrame, problems: Sequence[str]) -> dict[str, Any]:
    """What ``fleet_trend.html.j2`` shows: one chart and table per series (tenant)."""
    series = []
    for i, name in enumerate(dict.fromkeys(frame["series"].tolist())):
        part = frame[frame["series"] == name]
        rows = part.to_dict("records")
        tenants = [x for x in dict.fromkeys(part["tenant"].tolist()) if x]
        label = (tenants[-1] if tenants else "") or name or "runs"
        table = []
        precise = _axis_precision(rows) == 2  # runs of the same minute: show the seconds
        for r in reversed(rows[-TABLE_RUNS:]):
            table.append(
                {
                    "date": _short_date(str(r["started_at"]), with_time=2) + " UTC"
                    if precise
                    else utc_text(r["started_at"]),
                    "tenant": t.clip(r["tenant"], SHORT),
                    "ready": bool(r["ready"]),
                    "score": int(r["score"]),
                    "counts": [(s, int(r[s])) for s in STATUSES],
                    "waived": int(r["waived"]),
                    "blocking": int(r["blocking"]),
                    "fixed": int(r["fixed"]),
                    "regressed": int(r["regressed"]),
                    "new": int(r["new"]),
                    "file": t.clip(r["file"], SHORT),
                }
            )
        latest = rows[-1]
        series.append(
            {
                "name": t.clip(label, SHORT),
                "folder": t.clip(name, 80),
                "tenants": [t.clip(x, SHORT) for x in tenants],
                "runs": len(rows),
                "shown": min(len(rows), CHART_RUNS),
                "listed": min(len(rows), TABLE_RUNS),
                "first": utc_text(rows[0]["started_at"]),
                "last": utc_text(latest["started_at"]),
                "ready": bool(latest["ready"]),
                "chart": trend_chart(rows, chart_id=f"trend-{i}"),
                "table": table,
            }
        )
    return {
        "series": series,
        "runs": len(frame),
        "problems": [t.clip(p, 300) for p in problems],
        "statuses": [(s, STATUS_LABEL[s], STATUS_SYMBOL[s]) for s in STATUSES],
        "generated": utc_text(dt.datetime.now(dt.UTC).isoformat(timespec="seconds")),
        "score_meaning": SCORE_MEANING,
    }


def trend_csv_bytes(frame: pd.DataFrame) -> bytes:
    """``trend.csv``: the trend frame, tenant strings neutralised for spreadsheets."""
    safe = frame.copy()
    for column in ("series", "tenant", "api_host", "run_id", "file"):
        safe[column] = safe[column].map(lambda v: t.csv_cell(t.visible(v)))
    return csv_bytes(safe)


def render_trend(
    frame: pd.DataFrame, out_dir: str | Path, problems: Sequence[str] = ()
) -> list[Path]:
    """Write ``trend.csv`` and ``trend.html`` into ``out_dir``."""
    out = Path(out_dir)
    css = _css(interactive=True)
    html = templating.render(
        "fleet_trend.html.j2", v=trend_view(frame, problems), css=css, csp=_csp(str(css))
    )
    return [
        write_atomic(out / TREND_CSV, trend_csv_bytes(frame)),
        write_atomic(out / TREND_HTML, html),
    ]


__all__ = [
    "ENCODING",
    "FLEET_CSV",
    "FLEET_HTML",
    "FLEET_JSON",
    "FLEET_PDF",
    "TREND_CSV",
    "TREND_HTML",
    "fleet_frame",
    "render_fleet",
    "render_trend",
    "trend_chart",
]
