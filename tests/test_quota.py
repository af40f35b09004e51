"""Quota-paced collection: ``x-ratelimit-remaining`` / ``-reset`` and ``quota_reserve``.

The tenant's quota window varies from a minute to a day (UEM_API.md, Conventions). The
client spends at most ``1 - quota_reserve`` of each window's remaining quota, waits for a
window that resets within ``quota_wait_s``, and stops (a ``budget`` gap) before one that
resets later. The simulator models a small per-minute window on a fake clock that the
client's sleeps move on, so nothing here waits in real time and nothing is timed.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sim_helpers import tenant_config

from audit import pipeline
from audit.errors import BudgetExhausted
from audit.results import validate_results
from audit.simulator import SimulatorServer, load_scenario
from audit.uem.auth import BasicAuth
from audit.uem.client import UEMClient
from audit.uem.quota import QuotaPacer
from audit.uem.recorder import Recorder

START = 1_900_000_000.0


class FakeClock:
    """Epoch seconds that only sleeps move on (shared by the client and the simulator)."""

    def __init__(self, now: float = START) -> None:
        self.now = now
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


def headers(remaining: int, reset: float, limit: int = 60) -> dict[str, str]:
    return {
        "x-ratelimit-limit": str(limit),
        "x-ratelimit-remaining": str(remaining),
        "x-ratelimit-reset": str(int(reset)),
    }


# -- the pacer alone ----------------------------------------------------------------------------


def test_each_window_keeps_its_reserve_and_a_near_reset_is_waited_for() -> None:
    clock = FakeClock()
    pacer = QuotaPacer(0.5, max_wait_s=120, clock=clock, sleep=clock.sleep)
    assert pacer.room(0) is None  # nothing known: nothing held back
    pacer.note(headers(60, START + 60))
    assert (pacer.floor, pacer.room(0), pacer.room(25)) == (30, 30, 5)
    pacer.note(headers(31, START + 60))
    assert pacer.room(0) == 1 and pacer.room(1) == 0

    asyncio.run(pacer.admit("/api/x", lambda: 1))  # waits for the reset
    assert clock.slept == [61.0] and pacer.waits == 1
    assert pacer.room(0) == 30  # assumed: a window like the last one
    pacer.note(headers(50, START + 120))  # its first answer: others spent 10 already
    assert (pacer.windows, pacer.window_first, pacer.floor, pacer.room(0)) == (2, 50, 25, 25)
    pacer.note(headers(40, START + 60))  # a late answer of the first window: ignored
    assert pacer.remaining == 50


def test_answers_out_of_order_take_the_floor_of_the_highest_remaining() -> None:
    """Concurrent requests: the window's first answer read may not be the first the tenant
    counted. The floor is half of what the window held where it began (12), not of the
    first answer read (9), so the reserve is never spent into (CI once saw it reach 5)."""
    clock = FakeClock()
    pacer = QuotaPacer(0.5, clock=clock, sleep=clock.sleep)
    pacer.note(headers(9, START + 60, limit=12))
    assert (pacer.window_first, pacer.floor) == (9, 5)
    pacer.note(headers(11, START + 60, limit=12))
    pacer.note(headers(10, START + 60, limit=12))
    assert (pacer.window_first, pacer.floor, pacer.remaining) == (11, 6, 9)
    assert pacer.room(0) == 3 and pacer.room(3) == 0


def test_a_far_reset_stops_with_a_budget_error_that_says_when() -> None:
    clock = FakeClock()
    pacer = QuotaPacer(0.5, max_wait_s=120, clock=clock, sleep=clock.sleep)
    pacer.note(headers(1000, START + 85_000, limit=250_000))
    pacer.note(headers(600, START + 85_000, limit=250_000))
    assert pacer.floor == 500 and pacer.room(0) == 100
    with pytest.raises(BudgetExhausted, match=r"resets in 85,000 s"):
        asyncio.run(pacer.admit("/api/x", lambda: 100))
    assert clock.slept == []


def test_a_small_window_keeps_a_tenth_of_its_limit_at_least() -> None:
    pacer = QuotaPacer(0.0, clock=FakeClock())
    pacer.note(headers(40, START + 60, limit=40))
    assert pacer.floor == 4
    big = QuotaPacer(0.0, clock=FakeClock())
    big.note(headers(5000, START + 60, limit=5000))
    assert big.floor == 100


# -- the client against a per-minute window -------------------------------------------------------


def test_the_client_paces_a_long_run_over_several_windows() -> None:
    """20 a minute, half kept for others: 45 requests take four windows; no answer is a 429
    and no window ever goes below its floor."""
    clock = FakeClock()
    window = {"reset": START + 60, "remaining": 20}
    lowest: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        if clock.now >= window["reset"]:
            window.update(reset=window["reset"] + 60, remaining=20)
        if window["remaining"] == 0:
            return httpx.Response(429, json={"errorCode": 1029, "message": "quota"})
        window["remaining"] -= 1
        lowest.append(window["remaining"])
        return httpx.Response(
            200, json={}, headers=headers(window["remaining"], window["reset"], 20)
        )

    async def scenario() -> UEMClient:
        auth = BasicAuth("u", "p-secret", "tc-secret")
        client = UEMClient(
            "https://as1.example",
            auth,
            recorder=Recorder(),
            transport=httpx.MockTransport(handler),
            quota_reserve=0.5,
            clock=clock,
            sleep=clock.sleep,
            concurrency=4,
        )
        async with client:
            await asyncio.gather(*(client.get("/api/x", purpose="x") for _ in range(45)))
        return client

    client = asyncio.run(scenario())
    assert client.requests_sent == 45 and client.retries == 0
    stats = client.quota.stats()
    assert stats is not None and stats["requests_spent"] == 45
    assert stats["waits"] == stats["windows"] - 1 >= 4 and len(clock.slept) == stats["waits"]
    assert min(lowest) >= 10  # the floor: half of the window's first remaining (19 or 20)
    assert stats["share_of_limit"] == 45 / 20


# -- a whole collection against the simulator's per-minute window -------------------------------


def verdicts(results: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(c["id"], c["status"], c["summary"], c["evidence"]["rows"]) for c in results["checks"]]


def test_a_collection_waits_for_the_windows_and_reports_the_quota_it_used(tmp_path: Path) -> None:
    tenant = load_scenario("ready")
    with SimulatorServer(tenant) as free:
        config, _ = tenant_config(free.url, tenant, tmp_path)
        unpaced = pipeline.evaluate(pipeline.collect(config), config)
        needed = len([e for e in free.log if e.path.startswith("/api/")])

    clock = FakeClock(time.time())  # the same day: the simulated last OEM sync is the same
    with SimulatorServer(tenant, ratelimit_limit=12, ratelimit_window_s=60, clock=clock) as server:
        left: list[int] = []
        spend = server._spend_quota

        def spend_and_note(headers: dict[str, str]) -> None:
            spend(headers)
            left.append(int(headers["x-ratelimit-remaining"]))

        server._spend_quota = spend_and_note  # type: ignore[method-assign]
        config, _ = tenant_config(server.url, tenant, tmp_path)
        snapshot = pipeline.collect(config, clock=clock, sleep=clock.sleep)
        statuses = [e.status for e in server.log if e.path.startswith("/api/")]
    results = pipeline.evaluate(snapshot, config)
    validate_results(results)
    assert 429 not in statuses and len(statuses) == needed and not snapshot.gaps
    assert verdicts(results) == verdicts(unpaced)
    assert min(left) >= 6  # each window keeps half of its 12 for the other integrations
    quota = results["snapshot"]["quota"]
    assert quota["limit"] == 12 and quota["requests_spent"] == needed
    assert quota["waits"] == len(clock.slept) == quota["windows"] - 1 >= needed // 6 - 1
    assert quota["share_of_limit"] == round(needed / 12, 6)


def test_a_daily_quota_reserve_stops_the_collection_with_a_budget_gap(tmp_path: Path) -> None:
    """The reserve of a daily quota is reached: nothing more is sent, and the checks that
    lack data say so (the Hub versions of the devices not read)."""
    clock = FakeClock()
    tenant = load_scenario("not-ready")  # every Hub read per device: many requests
    with SimulatorServer(
        tenant, ratelimit_limit=50_000, ratelimit_remaining=120, clock=clock
    ) as server:
        config, _ = tenant_config(server.url, tenant, tmp_path)
        snapshot = pipeline.collect(config, clock=clock, sleep=clock.sleep)
        sent = len([e for e in server.log if e.path.startswith("/api/")])
    assert clock.slept == [] and server.ratelimit_remaining >= 100  # never below 100
    assert sent == snapshot.stats["quota"]["requests_spent"] <= 20
    budget = [g for g in snapshot.gaps if g["kind"] == "budget"]
    assert budget and "quota reserve was reached" in budget[0]["reason"]
    results = pipeline.evaluate(snapshot, config)
    hub = next(c for c in results["checks"] if c["id"] == "hub_version")
    assert hub["status"] in ("fail", "warn") and "read for" in hub["summary"]
