"""The trend of ``ws1-audit history DIR``: ``trend.csv`` and ``trend.html``.

``trend.html`` shows, per series (a tenant's folder of dated results), the status counts per
run as a chart (:mod:`reports.trend_chart`) and then the table of runs. It takes the trend
frame built by :mod:`audit.history` and reuses the fleet pages' stylesheet
(:func:`reports.fleet.page_css`); tenant strings are clipped and autoescaped like everywhere
else.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from audit.fileio import write_atomic
from audit.runner import SCORE_MEANING
from audit.vocabulary import STATUSES
from reports import templating
from reports import text as t
from reports.context import STATUS_LABEL, STATUS_SYMBOL, utc_text
from reports.csv_tables import csv_bytes
from reports.fleet import SHORT, page_csp, page_css
from reports.trend_chart import CHART_RUNS, axis_precision, short_date, trend_chart

TREND_HTML, TREND_CSV = "trend.html", "trend.csv"
#: Runs listed in the trend table (the newest); every run is in trend.csv.
TABLE_RUNS = 500


def trend_view(frame: pd.DataFrame, problems: Sequence[str]) -> dict[str, Any]:
    """What ``fleet_trend.html.j2`` shows: one chart and table per series (tenant)."""
    series = []
    for i, name in enumerate(dict.fromkeys(frame["series"].tolist())):
        part = frame[frame["series"] == name]
        rows = part.to_dict("records")
        tenants = [x for x in dict.fromkeys(part["tenant"].tolist()) if x]
        label = (tenants[-1] if tenants else "") or name or "runs"
        table = []
        precise = axis_precision(rows) == 2  # runs of the same minute: show the seconds
        for r in reversed(rows[-TABLE_RUNS:]):
            table.append(
                {
                    "date": short_date(str(r["started_at"]), with_time=2) + " UTC"
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
    css = page_css(interactive=True)
    html = templating.render(
        "fleet_trend.html.j2", v=trend_view(frame, problems), css=css, csp=page_csp(str(css))
    )
    return [
        write_atomic(out / TREND_CSV, trend_csv_bytes(frame)),
        write_atomic(out / TREND_HTML, html),
    ]
