"""PDFs of a fleet rendered in a pool of processes (WeasyPrint is CPU-bound) while the
collection of every tenant stays on one event loop (:mod:`audit.fleet`)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
from pathlib import Path
from typing import Any

from audit import pipeline

#: Formats rendered in the process pool (the CPU-bound WeasyPrint renders).
POOL_FORMATS = ("pdf", "handover")


def render_in_process(results: dict[str, Any], out_dir: Path, formats: list[str]) -> list[Path]:
    """Render ``formats`` of one tenant (runs in a pool process; its registry loads once)."""
    return pipeline.render(results, out_dir, formats)


def render_pool(
    stack: contextlib.ExitStack, processes: int | None, tenants: int
) -> concurrent.futures.Executor | None:
    """A process pool for the PDFs of ``tenants`` (entered on ``stack``), or None to render
    them in the worker thread (``processes == 0``). ``None`` processes: one per core."""
    if processes is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
        processes = cores or os.cpu_count() or 1
    size = min(processes, tenants)
    if size <= 0:
        return None
    # spawn, not fork: the parent runs an event loop and threads
    return stack.enter_context(
        concurrent.futures.ProcessPoolExecutor(
            max_workers=size, mp_context=multiprocessing.get_context("spawn")
        )
    )
