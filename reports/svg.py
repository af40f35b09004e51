"""The status-count chart as inline SVG (no image files, no fonts fetched).

A horizontal bar per status. Each bar is labelled with the status symbol, its name and the
count, so the chart reads without colour. Only fixed labels and integers go into it.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from markupsafe import Markup

#: Bar fills, chosen to be told apart in both themes and in greyscale print (with the labels).
STATUS_FILL = {
    "pass": "#2e7d32",
    "fail": "#c62828",
    "warn": "#ef8f00",
    "manual": "#6a4fb3",
    "error": "#ad1457",
    "skipped": "#78808a",
}

_LABEL_W = 120
_BAR_W = 300
_ROW_H = 26
_COUNT_W = 50


def counts_chart(counts: Sequence[tuple[str, str, str, int]], *, chart_id: str = "chart") -> Markup:
    """An accessible SVG bar chart of ``(status, label, symbol, count)`` tuples."""
    total = sum(c for *_, c in counts) or 1
    width = _LABEL_W + _BAR_W + _COUNT_W
    height = _ROW_H * len(counts) + 4
    desc = ", ".join(f"{label}: {count}" for _, label, _, count in counts)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">Checks per status</title>',
        f'<desc id="{chart_id}-desc">{escape(desc)}</desc>',
    ]
    for i, (status, label, symbol, count) in enumerate(counts):
        y = 2 + i * _ROW_H
        bar = round(_BAR_W * count / total) if count else 0
        fill = STATUS_FILL.get(status, "#555555")
        parts.append(
            f'<text class="chart-label" x="0" y="{y + 17}" font-size="13" fill="#222222">'
            f"{escape(symbol)} {escape(label)}</text>"
        )
        parts.append(
            f'<rect class="chart-track" x="{_LABEL_W}" y="{y + 4}" width="{_BAR_W}" height="16" '
            f'fill="#8a8a8a" fill-opacity="0.15"/>'
        )
        if bar:
            parts.append(
                f'<rect class="chart-bar bar-{status}" x="{_LABEL_W}" y="{y + 4}" '
                f'width="{bar}" height="16" fill="{fill}"/>'
            )
        parts.append(
            f'<text class="chart-label chart-count" x="{width - 4}" y="{y + 17}" font-size="13" '
            f'text-anchor="end" font-weight="bold" fill="#222222">{count}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
