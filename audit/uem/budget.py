"""Whether the client may send one more request: the request budget and the tenant quota.

``request_budget`` caps the requests sent by one client (every attempt counts, retries
included; OAuth token requests go to another server and are counted in
``auth.token_fetches`` instead). The tenant quota is shared with the tenant's other
integrations: :class:`~audit.uem.quota.QuotaPacer` reads ``x-ratelimit-limit``,
``-remaining`` and ``-reset`` and, in each quota window, spends at most
``1 - quota_reserve`` of the remaining quota it first saw in it (never taking the tenant
below 100); when that share is spent it waits for a window that resets within
``quota_wait_s`` (a per-minute quota), and otherwise (a daily one) sends nothing more.
Requests to the discovery service (``external``) spend the budget but not the quota.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from audit.errors import BudgetExhausted
from audit.uem.quota import QuotaPacer


class Budget:
    """The requests one client sent, and what it may still send."""

    def __init__(self, request_budget: int | None, quota: QuotaPacer) -> None:
        self.request_budget = request_budget
        self.quota = quota
        #: Request attempts sent (or about to be), retries included; token requests excluded.
        self.sent = 0
        #: Requests to the tenant's API in flight (they count as spent quota).
        self.in_flight = 0

    @property
    def left(self) -> int | None:
        """Requests the run may still send (the request budget, and the quota reserve of a
        window that does not reset soon enough to wait for); None when unbounded."""
        left: list[int] = []
        if self.request_budget is not None:
            left.append(max(0, self.request_budget - self.sent))
        room = self.quota.room(self.in_flight) if self.quota.binding() else None
        if room is not None:
            left.append(room)
        return min(left) if left else None

    def reason(self) -> str:
        """Which limit the run reached, for a gap's reason: the request budget or the quota."""
        budget = None if self.request_budget is None else self.request_budget - self.sent
        room = self.quota.room(self.in_flight) if self.quota.binding() else None
        if room is not None and (budget is None or room <= budget):
            return self.quota.describe()
        return (
            f"the request budget ran out (request_budget {self.request_budget}, "
            f"{self.sent} requests sent)"
        )

    async def admit(self, label: str, external: bool) -> None:
        """Raise BudgetExhausted when the request budget is used up; wait for the quota
        window to reset when this request does not fit it (see ``audit.uem.quota``). Ends
        with no await after the last check, so the request is counted (:meth:`sending`)
        before another request can pass."""
        while True:
            if self.request_budget is not None and self.sent >= self.request_budget:
                raise BudgetExhausted(
                    f"request budget of {self.request_budget} requests used up; "
                    f"GET {label} was not sent",
                    endpoint=label,
                )
            room = None if external else self.quota.room(self.in_flight)
            if room is None or room >= 1:
                return
            await self.quota.admit(label, lambda: self.in_flight)

    @contextmanager
    def sending(self, external: bool) -> Iterator[None]:
        """Count one request as sent (and, to the tenant, as spent quota in flight)."""
        self.sent += 1
        if external:
            yield
            return
        self.in_flight += 1
        self.quota.spent += 1
        try:
            yield
        finally:
            self.in_flight -= 1
