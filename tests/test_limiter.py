"""The adaptive concurrency limiter: AIMD bounds, one decrease per window, slot counting."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from audit.uem.limiter import AdaptiveLimiter

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion (pytest-asyncio is not used)."""
    return asyncio.run(coro)


async def congest(limiter: AdaptiveLimiter) -> None:
    """One request that started after the last decrease and was told to slow down."""
    async with limiter.slot() as held:
        limiter.on_congestion(held)


async def succeed(limiter: AdaptiveLimiter, times: int = 1) -> None:
    for _ in range(times):
        async with limiter.slot():
            limiter.on_success()


def test_starts_at_the_maximum() -> None:
    limiter = AdaptiveLimiter(8)
    assert limiter.limit == 8
    assert limiter.min_limit_seen == 8
    assert limiter.history == [8]


def test_multiplicative_decrease_halves_and_never_goes_below_one() -> None:
    limiter = AdaptiveLimiter(8)

    async def scenario() -> None:
        for _ in range(6):
            await congest(limiter)

    run(scenario())
    assert limiter.limit == 1
    assert limiter.min_limit_seen == 1
    assert limiter.history == [8, 4, 2, 1]


def test_additive_increase_grows_back_to_the_maximum_and_no_further() -> None:
    limiter = AdaptiveLimiter(8)

    async def scenario() -> None:
        for _ in range(3):
            await congest(limiter)
        assert limiter.limit == 1
        await succeed(limiter, 1)
        assert limiter.limit == 2  # +1/limit per success: one window of 1 success
        await succeed(limiter, 200)

    run(scenario())
    assert limiter.limit == 8
    assert limiter.min_limit_seen == 1
    assert limiter.history[:4] == [8, 4, 2, 1]
    assert limiter.history[-1] == 8
    assert max(limiter.history) == 8


def test_growth_is_gradual_about_one_per_window() -> None:
    limiter = AdaptiveLimiter(8, initial=4)

    async def scenario() -> None:
        await succeed(limiter, 3)
        assert limiter.limit == 4
        await succeed(limiter, 1)
        assert limiter.limit == 5

    run(scenario())


def test_a_burst_of_congestion_from_one_window_decreases_once() -> None:
    limiter = AdaptiveLimiter(8)

    async def one(gate: asyncio.Event) -> None:
        async with limiter.slot() as held:
            await gate.wait()
            limiter.on_congestion(held)

    async def scenario() -> None:
        gate = asyncio.Event()
        tasks = [asyncio.create_task(one(gate)) for _ in range(8)]
        await asyncio.sleep(0)
        assert limiter.in_flight == 8
        gate.set()
        await asyncio.gather(*tasks)

    run(scenario())
    assert limiter.limit == 4
    assert limiter.decreases == 1


def test_slots_never_exceed_the_limit() -> None:
    limiter = AdaptiveLimiter(3)
    peak = 0

    async def work() -> None:
        nonlocal peak
        async with limiter.slot():
            peak = max(peak, limiter.in_flight)
            await asyncio.sleep(0)
            await asyncio.sleep(0)

    async def scenario() -> None:
        await asyncio.gather(*(work() for _ in range(30)))

    run(scenario())
    assert peak == 3
    assert limiter.max_in_flight_seen == 3
    assert limiter.in_flight == 0


def test_a_shrunk_limit_holds_back_new_requests() -> None:
    limiter = AdaptiveLimiter(4)
    peaks: list[int] = []

    async def work() -> None:
        async with limiter.slot():
            peaks.append(limiter.in_flight)
            await asyncio.sleep(0)

    async def scenario() -> None:
        await congest(limiter)  # 4 -> 2
        await asyncio.gather(*(work() for _ in range(10)))

    run(scenario())
    assert max(peaks) <= 2


def test_a_cancelled_waiter_gives_its_place_back() -> None:
    limiter = AdaptiveLimiter(1)

    async def scenario() -> None:
        async with limiter.slot():
            waiter = asyncio.create_task(succeed(limiter))
            await asyncio.sleep(0)
            waiter.cancel()
            with pytest.raises(asyncio.CancelledError):
                await waiter
        assert limiter.in_flight == 0
        await succeed(limiter)

    run(scenario())


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [((0,), {}), ((4,), {"min_limit": 5}), ((4,), {"decrease_factor": 1.0})],
)
def test_rejects_impossible_settings(args: tuple[int], kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        AdaptiveLimiter(*args, **kwargs)
