"""An adaptive concurrency limit for requests to one tenant (AIMD).

The tenant's burst limits are unknown (``UEM_API.md``: the window and the shape of a 429
are unconfirmed), so the client does not guess them: it starts at the configured maximum
and lets the server's answers steer it, the way TCP steers its congestion window.

- **Additive increase**: each success adds ``1 / limit``, so the limit grows by about one
  after a full window of successes, up to ``max_limit``.
- **Multiplicative decrease**: a congestion signal (429, 503, 504, timeout) halves the
  limit, never below ``min_limit``. Only one decrease per window: a request that started
  before the last decrease cannot cause another one, so a burst of 429s from requests that
  were all in flight together halves the limit once, not eight times.

Requests hold a slot for the duration of one attempt (never while sleeping before a
retry), and report the outcome with :meth:`AdaptiveLimiter.on_success` or
:meth:`AdaptiveLimiter.on_congestion` while still holding it. Waiting requests queue first
in, first out; a freed slot is handed to the oldest waiter directly, so a release costs
the same with ten waiters or twenty thousand (a condition variable's ``notify_all`` woke
every waiter on every release: quadratic, minutes of CPU for a large tenant).
``min_limit_seen``, ``max_in_flight_seen`` and ``history`` let tests and the run summary
(``snapshot.stats.concurrency``) show how the limit moved.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections import deque
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass


@dataclass
class Slot:
    """One held permit; ``epoch`` is the decrease count when it was granted."""

    epoch: int


class AdaptiveLimiter:
    """Bounds requests in flight by a limit that adapts to congestion (AIMD)."""

    def __init__(
        self,
        max_limit: int,
        *,
        min_limit: int = 1,
        initial: int | None = None,
        decrease_factor: float = 0.5,
    ) -> None:
        if max_limit < 1:
            raise ValueError("max_limit must be at least 1")
        if not 1 <= min_limit <= max_limit:
            raise ValueError("min_limit must be between 1 and max_limit")
        if not 0 < decrease_factor < 1:
            raise ValueError("decrease_factor must be between 0 and 1")
        self.max_limit = max_limit
        self.min_limit = min_limit
        self.decrease_factor = decrease_factor
        start = max_limit if initial is None else max(min_limit, min(initial, max_limit))
        self._window = float(start)
        self._epoch = 0
        self._waiters: deque[asyncio.Future[None]] = deque()
        self.in_flight = 0
        #: The smallest limit ever reached (equals the start until a decrease).
        self.min_limit_seen = start
        #: The largest number of requests ever in flight at once.
        self.max_in_flight_seen = 0
        #: The integer limit after each change, starting with the initial one.
        self.history: list[int] = [start]
        self.decreases = 0

    @property
    def limit(self) -> int:
        """The current number of requests allowed in flight."""
        return max(self.min_limit, min(self.max_limit, math.floor(self._window)))

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[Slot]:
        """Hold one slot for the duration of the ``async with`` block.

        Waiters queue first in, first out, and a released slot is handed to the next waiter
        directly (no thundering herd: a release wakes at most the waiters that now fit, so
        thousands of queued requests cost nothing per release).
        """
        if self.in_flight < self.limit and not self._waiters:
            self._grant()
        else:
            waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                await waiter
            except BaseException:
                if waiter.done() and not waiter.cancelled():
                    self._release()  # granted, then cancelled before it ran: give it back
                else:
                    with contextlib.suppress(ValueError):
                        self._waiters.remove(waiter)
                raise
        held = Slot(self._epoch)
        try:
            yield held
        finally:
            self._release()

    def _grant(self) -> None:
        self.in_flight += 1
        self.max_in_flight_seen = max(self.max_in_flight_seen, self.in_flight)

    def _release(self) -> None:
        self.in_flight -= 1
        self._wake()

    def _wake(self) -> None:
        """Hand free slots to the oldest waiters (the slot is counted for them here)."""
        while self._waiters and self.in_flight < self.limit:
            waiter = self._waiters.popleft()
            if waiter.done():  # cancelled while queued
                continue
            self._grant()
            waiter.set_result(None)

    def on_success(self) -> None:
        """Additive increase: about +1 per window of successes, up to ``max_limit``."""
        before = self.limit
        self._window = min(float(self.max_limit), self._window + 1.0 / max(1, before))
        self._changed(before)

    def on_congestion(self, held: Slot) -> None:
        """Multiplicative decrease, at most once per window (see the module docstring)."""
        if held.epoch != self._epoch:
            return
        before = self.limit
        self._window = max(float(self.min_limit), self._window * self.decrease_factor)
        self._epoch += 1
        self.decreases += 1
        self.min_limit_seen = min(self.min_limit_seen, self.limit)
        self._changed(before)

    def _changed(self, before: int) -> None:
        now = self.limit
        if now != before:
            self.history.append(now)
            if now > before:
                self._wake()  # room for more at once, not only at the next release
