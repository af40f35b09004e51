"""SIGINT and SIGTERM as one exception, so that an interrupted run unwinds cleanly.

:func:`raise_on_signals` makes both signals raise :class:`Interrupted` in the main thread:
every ``finally`` runs (an output set being written is dropped and the previous one stays,
see :mod:`audit.outset`), asyncio cancels its tasks, and the CLI exits 130 or 143. It is
not a KeyboardInterrupt, which click would turn into a blank line and ``Abort``.
"""

from __future__ import annotations

import signal
from typing import Any

from audit.vocabulary import EXIT_SIGINT, EXIT_SIGTERM

HANDLED = (signal.SIGINT, signal.SIGTERM)


class Interrupted(BaseException):
    """SIGINT or SIGTERM arrived (``signum`` says which)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def exit_code_for_signal(signum: int) -> int:
    """The exit code of a run interrupted by ``signum``: 130 for SIGINT, 143 for SIGTERM."""
    return EXIT_SIGTERM if signum == signal.SIGTERM else EXIT_SIGINT


def _raise(signum: int, frame: Any) -> None:
    raise Interrupted(signum)


def raise_on_signals() -> dict[int, Any]:
    """Install the handlers; return the previous ones for :func:`restore_signals`."""
    return {sig: signal.signal(sig, _raise) for sig in HANDLED}


def restore_signals(previous: dict[int, Any]) -> None:
    """Put the handlers :func:`raise_on_signals` replaced back."""
    for sig, handler in previous.items():
        signal.signal(sig, handler)
