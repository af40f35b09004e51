"""The command line's two streams: one-line messages on stderr, terminal-safe lines on stdout,
and the progress line.

Every line goes through :func:`audit.redact.printable` (secrets redacted, control and bidi
characters made visible). Progress goes to stderr only when it is a terminal and not
``--quiet`` (:data:`STATE`, set by the ``ws1-audit`` group).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from audit import TOOL_NAME
from audit.redact import printable, printable_json


class _State:
    debug = False
    quiet = False


#: ``--debug`` and ``--quiet`` of this invocation.
STATE = _State()


def err(message: str) -> None:
    """One line on stderr: secrets redacted, control and bidi characters made visible."""
    click.echo(f"{TOOL_NAME}: {printable(message)}", err=True)


def warn(text: str) -> None:
    """``ws1-audit: warning: ...`` on stderr."""
    err(f"warning: {text}")


def echo(line: str) -> None:
    """One line on stdout, terminal-safe (:func:`audit.redact.printable`)."""
    click.echo(printable(line))


def echo_json(data: Any) -> None:
    """JSON on stdout, terminal-safe: C1 and bidi characters are written as ``\\uXXXX``."""
    click.echo(printable_json(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


def _progress_enabled() -> bool:
    return not STATE.quiet and sys.stderr.isatty()


class Progress:
    """One updating status line on stderr (only on a terminal)."""

    def __init__(self) -> None:
        self.enabled = _progress_enabled()
        self._last = 0.0

    def __call__(self, stage: str, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done not in (0, total) and now - self._last < 0.1:
            return
        self._last = now
        sys.stderr.write(f"\r\x1b[K{printable(stage)}: {done}/{total}")
        if done == total:
            sys.stderr.write("\n")
        sys.stderr.flush()

    def note(self, text: str) -> None:
        if self.enabled:
            sys.stderr.write(f"\r\x1b[K{printable(text)}\n")
            sys.stderr.flush()
