"""An evidence table as the report shows it: the first rows, clipped, with paged-table widths.

A check's evidence in results.json can hold thousands of rows; a medium shows the first
:attr:`~reports.text.Limits.rows` of them, each cell clipped, and says how many more
are in ``evidence.csv`` and results.json. The kind of evidence (API, attestation, ...) is
:mod:`audit.evidence_kind`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from audit import evidence_kind
from reports import text as t
from reports.text import Limits


@dataclass
class EvidenceView:
    """An evidence table as shown: the first rows, and how many more exist."""

    columns: list[str]
    rows: list[list[str]]
    total_rows: int
    in_results: int
    source: str
    #: The kind code (``api``, ``attestation``...: :mod:`audit.evidence_kind`) and its label.
    kind: str
    kind_label: str
    widths: list[int] = field(default_factory=list)

    @property
    def source_detail(self) -> str:
        """The source, where it says more than the kind's label (an endpoint, a key)."""
        return "" if self.source.lower() in ("", "none", "attestation") else self.source

    @property
    def hidden(self) -> int:
        """Rows not shown here (they are in evidence.csv and results.json)."""
        return max(self.total_rows - len(self.rows), 0)


def column_widths(columns: list[str], rows: list[list[str]]) -> list[int]:
    """Column widths in whole percent (summing to 100) for paged tables, from the content.

    Paged media lay tables out with fixed widths: measuring every cell (auto layout)
    dominates WeasyPrint's render time, and the content lengths are known here. Each column
    first gets room for its longest unbreakable word (up to 24 characters, about 0.8% of an
    A4 text width per character at the table's font size), then the rest is shared by the
    square root of its longest cell, so long columns get more without starving short ones.
    """
    if not columns:
        return []
    longest = [len(c) for c in columns]
    word = [max((len(w) for w in c.split()), default=1) for c in columns]
    for row in rows:
        for i, cell in enumerate(row[: len(columns)]):
            longest[i] = max(longest[i], len(cell))
            # a short cell ("J. Doe", "2026-10-01") reads best unbroken
            unbroken = (
                len(cell) if len(cell) <= 12 else max((len(w) for w in cell.split()), default=0)
            )
            word[i] = max(word[i], unbroken)
    floor = [min(w, 24) * 0.8 + 2 for w in word]
    if sum(floor) >= 100:
        shares = [f * 100 / sum(floor) for f in floor]
    else:
        desire = [min(max(n, 4), 120) ** 0.5 for n in longest]
        spare = 100 - sum(floor)
        shares = [f + spare * d / sum(desire) for f, d in zip(floor, desire, strict=True)]
    widths = [max(1, round(x)) for x in shares]
    widths[widths.index(max(widths))] += 100 - sum(widths)
    return widths


def evidence_view(check: dict[str, Any], limits: Limits) -> EvidenceView:
    """The :class:`EvidenceView` of one results.json check, within ``limits``."""
    ev = check.get("evidence") or {}
    rows = ev.get("rows") or []
    shown = [
        [t.clip(cell, limits.cell) for cell in row]
        for row in (rows[: limits.rows] if limits.rows >= 0 else rows)
    ]
    columns = [t.clip(c, 80) for c in ev.get("columns") or []]
    return EvidenceView(
        columns=columns,
        rows=shown,
        total_rows=max(int(ev.get("total_rows") or 0), len(rows)),
        in_results=len(rows),
        source=t.clip(ev.get("source") or "", limits.text),  # the whole source: an auditor reads it
        kind=evidence_kind.kind_of(check),
        kind_label=evidence_kind.label_of(check),
        widths=column_widths(columns, shown),
    )
