"""Pacing on the tenant's API quota (``x-ratelimit-limit`` / ``-remaining`` / ``-reset``).

The quota is shared with the tenant's other integrations, per organization group and API
key, and its window varies by tenant: a day (250,000 with the reset 23.7 h away, HAR 2023)
or a minute (5,000 with the reset a minute away, 2026); ``x-ratelimit-reset`` is the epoch
second the window resets (UEM_API.md, Conventions). :class:`QuotaPacer` reads the three
headers of every answer and decides, before each request, whether it may be sent:

- In each window it spends at most ``1 - quota_reserve`` of the remaining quota it first
  saw in that window (``R0``, the highest remaining of the window's answers, which arrive
  out of order when requests run concurrently): the floor it keeps is ``max(ceil(quota_reserve * R0), m)``,
  ``m`` being 100, or a tenth of ``x-ratelimit-limit`` for a window smaller than 1,000
  requests. Requests in flight count as spent.
- When the next request would go below the floor, and the window resets within
  ``max_wait_s`` (a per-minute window), it waits for the reset (holding no concurrency
  slot), then goes on with the next window's quota; a window that resets later (a daily
  quota) stops the collection there: :class:`~audit.errors.BudgetExhausted`, which the
  collector turns into a ``budget`` gap.
- A new window is recognised by a later ``x-ratelimit-reset`` (or, once the clock passed
  the reset, assumed: its first answer then says what it holds). Answers without the
  headers leave the pacer as it was (no quota known: nothing is held back).

:meth:`QuotaPacer.stats` is what results.json reports (``snapshot.quota``): the limit, the
remaining quota first and last seen, the requests this run spent and their share of the
limit, the windows seen and the time spent waiting for resets.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import math
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from audit.errors import BudgetExhausted

#: The tenant quota is never taken below this many remaining requests (a tenth of the
#: limit for a window of fewer than 1,000 requests).
MIN_QUOTA_REMAINING = 100


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    raw = str(headers.get(name, "")).strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


class QuotaPacer:
    """The quota state of one client, and the decision whether a request may go now."""

    def __init__(
        self,
        reserve: float,
        *,
        max_wait_s: float = 120.0,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if not 0 <= reserve < 1:
            raise ValueError("quota_reserve must be at least 0 and below 1")
        self.reserve = reserve
        self.max_wait_s = max_wait_s
        self._clock, self._sleep = clock, sleep
        #: ``x-ratelimit-limit`` (the window's size), when sent.
        self.limit: int | None = None
        #: The remaining quota first seen in the run, and in the current window.
        self.first: int | None = None
        self.window_first: int | None = None
        #: The lowest remaining quota seen in the current window.
        self.remaining: int | None = None
        self.floor: int | None = None
        #: Epoch second the current window resets (None: not sent, or passed).
        self.reset: int | None = None
        self.first_reset_in_s: float | None = None
        self.last_remaining: int | None = None
        #: API requests this run sent (retries included), as the quota counts them.
        self.spent = 0
        self._expired = False
        #: Set by each answer with the quota headers (waited for after an assumed reset).
        self._answered = asyncio.Event()
        self.windows = 0
        self.waits = 0
        self.waited_s = 0.0

    def _floor(self, window_first: int) -> int:
        least = MIN_QUOTA_REMAINING
        if self.limit is not None and self.limit < 10 * MIN_QUOTA_REMAINING:
            least = math.ceil(self.limit / 10)
        return max(math.ceil(self.reserve * window_first), least)

    def note(self, headers: Mapping[str, str]) -> None:
        """Read the quota headers of one answer of the tenant's API."""
        remaining = _header_int(headers, "x-ratelimit-remaining")
        if remaining is None:
            return
        self._answered.set()
        limit = _header_int(headers, "x-ratelimit-limit")
        reset = _header_int(headers, "x-ratelimit-reset")
        if limit:
            self.limit = limit
        if (
            self.reset is not None
            and reset is not None
            and (reset < self.reset or (reset == self.reset and self._expired))
        ):
            return  # an answer of a window that has ended, arriving late
        if self.window_first is None or (reset is not None and reset != self.reset):
            self._new_window(remaining, reset)
        else:
            if self.remaining is None or remaining < self.remaining:
                self.remaining = remaining
            if remaining > self.window_first:
                # Answers arrive out of order: the window held at least this much when it
                # began here, so the floor is taken of it, as if this answer came first.
                self.window_first = remaining
                self.floor = self._floor(remaining)
        self.last_remaining = remaining

    def _new_window(self, remaining: int, reset: int | None) -> None:
        self.windows += 1
        if self.first is None:
            self.first = remaining
            if reset is not None:
                self.first_reset_in_s = round(max(0.0, reset - self._clock()), 1)
        self.window_first = self.remaining = remaining
        self.floor = self._floor(remaining)
        self.reset = reset
        self._expired = False

    def room(self, in_flight: int) -> int | None:
        """Requests that may still be sent in this window (None: no quota known)."""
        if self.remaining is None or self.floor is None:
            return None
        self._expire()
        return max(0, self.remaining - in_flight - self.floor)

    def binding(self) -> bool:
        """Whether the quota bounds the rest of the run: known, and its window does not
        reset within ``max_wait_s`` (a per-minute quota only paces the run)."""
        if self.remaining is None or self.floor is None:
            return False
        self._expire()
        return self._expired or self.reset is None or self.reset - self._clock() > self.max_wait_s

    def describe(self) -> str:
        """The quota limit reached, for a gap's reason."""
        return (
            f"the tenant API quota reserve was reached (x-ratelimit-remaining {self.remaining}, "
            f"keeping {self.floor} for other integrations)"
        )

    def _expire(self) -> None:
        """Once the clock has passed the reset, assume a new window like the last one (its
        first answer says what it really holds)."""
        if self.reset is None or self._expired or self._clock() < self.reset:
            return
        self._expired = True
        if self.window_first is not None:
            self.remaining = self.window_first

    async def admit(self, label: str, in_flight: Callable[[], int]) -> None:
        """Return when one more request fits the quota, waiting for a window reset within
        ``max_wait_s``; raise BudgetExhausted when it does not (nothing was sent)."""
        while True:
            room = self.room(in_flight())
            if room is None or room >= 1:
                return
            if self._expired and in_flight():
                # A new window is assumed and its share is in flight: its first answer says
                # what the window really holds.
                self._answered.clear()
                await self._answered.wait()
                continue
            wait = None if self.reset is None or self._expired else self.reset - self._clock()
            if wait is None or wait > self.max_wait_s:
                when = "" if wait is None else f", the window resets in {round(wait):,} s"
                raise BudgetExhausted(
                    f"tenant API quota reserve reached (x-ratelimit-remaining "
                    f"{self.remaining}, keeping {self.floor} for other integrations{when}); "
                    f"GET {label} was not sent",
                    endpoint=label,
                )
            self.waits += 1
            pause = max(0.0, wait) + 1.0  # the reset second itself, and clock skew
            self.waited_s += pause
            await self._sleep(pause)

    def stats(self) -> dict[str, Any] | None:
        """What results.json reports of the quota (None: the tenant sent no quota headers)."""
        if self.first is None:
            return None
        share = round(self.spent / self.limit, 6) if self.limit else None
        reset = (
            dt.datetime.fromtimestamp(self.reset, dt.UTC).isoformat().replace("+00:00", "Z")
            if self.reset is not None
            else None
        )
        return {
            "limit": self.limit,
            "remaining_first": self.first,
            "remaining_last": self.last_remaining,
            "reset_in_s_first_seen": self.first_reset_in_s,
            "reset_at": reset,
            "reserve": self.reserve,
            "requests_spent": self.spent,
            "share_of_limit": share,
            "windows": self.windows,
            "waits": self.waits,
            "waited_s": round(self.waited_s, 1),
        }
