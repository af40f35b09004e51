"""What a renderer is: a named output format that turns results.json into files.

Renderers read the results dict alone (never the network, the config or the snapshot), so
``ws1-audit render results.json --format ...`` works offline. They write atomically with
:func:`audit.fileio.write_atomic`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: Evidence rows shown per check in the PDF; the rest are in evidence.csv and the attachment.
PDF_EVIDENCE_ROWS = 50


@dataclass(frozen=True)
class RenderOptions:
    """Options every renderer receives."""

    #: Rows of evidence per check in paged documents (PDF); HTML pages through all rows.
    max_evidence_rows: int = PDF_EVIDENCE_ROWS
    #: Extra files a renderer may attach or link (e.g. the PDF attaches results.json).
    attachments: dict[str, Path] = field(default_factory=dict)


@dataclass(frozen=True)
class Renderer:
    """An output format. ``render(results, out_dir, options)`` returns the files it wrote."""

    name: str
    filenames: tuple[str, ...]
    description: str
    render: Callable[[dict[str, Any], Path, RenderOptions], list[Path]]
