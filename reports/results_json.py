"""``results.json``: the canonical results, written as the project writes all JSON.

The bytes come from :func:`audit.fileio.dump_json`, so a results.json rendered here is
identical to the one the runner writes, and the PDF attaches the same bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audit.fileio import dump_json, write_atomic
from reports.base import RenderOptions

FILENAME = "results.json"


def results_json_bytes(results: dict[str, Any]) -> bytes:
    """The results as the UTF-8 JSON bytes of results.json."""
    return dump_json(results).encode("utf-8")


def render(results: dict[str, Any], out_dir: Path, options: RenderOptions) -> list[Path]:
    """Write ``results.json`` into ``out_dir``."""
    return [write_atomic(out_dir / FILENAME, results_json_bytes(results))]
