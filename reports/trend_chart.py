"""The trend chart of ``trend.html``: status counts per run as an inline SVG stacked-bar chart.

Drawn by hand (no plotting library, no script): every segment has a tooltip and the legend
names each status with its symbol, so the chart reads without colour. The axis dates say as
much as tells the runs apart (the date, the minute or the second), in UTC.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from html import escape
from typing import Any

from markupsafe import Markup

from audit.vocabulary import STATUSES
from reports import text as t
from reports.context import STATUS_LABEL, STATUS_SYMBOL
from reports.svg import STATUS_FILL

#: Runs shown in the trend chart (the newest); every run is in trend.csv.
CHART_RUNS = 120
_STAMP_FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S")


def short_date(value: str, *, with_time: bool | int = False) -> str:
    """``2026-11-23`` (UTC); with the time ``2026-11-23 09:15``, or with ``with_time=2``
    ``2026-11-23 09:15:02``."""
    try:
        stamp = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return t.clip(value, 16)
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=dt.UTC)
    return stamp.astimezone(dt.UTC).strftime(_STAMP_FORMATS[int(with_time)])


def axis_precision(runs: Sequence[dict[str, Any]]) -> int:
    """0 (dates), 1 (minutes) or 2 (seconds): the least that tells the runs apart."""
    for precision in (0, 1):
        labels = [short_date(str(r.get("started_at") or ""), with_time=precision) for r in runs]
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
    with_time = axis_precision(runs)
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
        f"({short_date(str(latest.get('started_at') or ''), with_time=True)}): "
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
    parts += _bars(runs, with_time, left=left, step=step, bar=bar, base=top + plot_h, scale=scale)
    parts.append("</svg>")
    return Markup("".join(parts))


def _bars(
    runs: Sequence[dict[str, Any]],
    with_time: int,
    *,
    left: int,
    step: int,
    bar: int,
    base: int,
    scale: float,
) -> list[str]:
    """One stacked bar per run (a segment per status, with its tooltip) standing on
    ``base``, and the run's date under every few bars (always under the last)."""
    parts = []
    label_every = max(1, math.ceil(max(len(runs), 1) / 12))
    for i, run in enumerate(runs):
        x0 = left + i * step + (step - bar) / 2
        y: float = base
        date = short_date(str(run.get("started_at") or ""), with_time=with_time)
        when = short_date(str(run.get("started_at") or ""), with_time=True)
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
            lx, ly = x0 + bar / 2, base + 12
            parts.append(
                f'<text class="chart-label" x="{lx:.1f}" y="{ly}" font-size="10" fill="#222222" '
                f'text-anchor="end" transform="rotate(-40 {lx:.1f} {ly})">{escape(date)}</text>'
            )
    return parts
