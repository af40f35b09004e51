"""Reading every row of a paged UEM list, whatever the server does with the page size.

The rules (``docs/collection.md``): ``page`` is 0-based; stop when the rows read reach the
total, a page is empty, or the server answers 204; never assume the server honours the
page size asked for. :func:`read_pages` applies them to any ``fetch(page)`` coroutine, so
the client supplies the request and this module only decides which pages to read.

Cost: one request per page and no more. The client asks for 500 rows, the documented
default and the largest size known to be honoured (a larger one is unconfirmed, and a
server that caps it costs nothing extra: the pages still needed are computed from the rows
page 0 actually held, then fetched concurrently); a list that fits one page costs exactly
one request, an empty one too (a 204 or an empty page ends it).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import math
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from audit.uem.shapes import items_of, total_of

#: Safety stop: no list is read past this many pages.
MAX_PAGES = 10_000


class Page(Protocol):
    """What paging needs of a response (``audit.uem.outcome.ApiResponse`` has it)."""

    @property
    def status(self) -> int: ...
    @property
    def body(self) -> Any: ...
    @property
    def json_error(self) -> str | None: ...
    @property
    def served_version(self) -> str | None: ...


@dataclass
class PagedResult:
    """Every row of a paged list.

    ``complete`` is False when rows may be missing, and ``note`` then says why (it may
    also explain an unusual but complete read). ``pages`` counts page requests made.
    """

    items: list[dict[str, Any]]
    total: int | None
    pages: int
    complete: bool
    served_version: str | None
    note: str | None = None


async def read_pages(
    fetch: Callable[[int], Awaitable[Page]],
    *,
    items: Iterable[str] = (),
    max_workers: int = 8,
    max_pages: int = MAX_PAGES,
) -> PagedResult:
    """Read a list page by page.

    Page 0 comes first. When it carries a total, the pages still needed are computed
    from the rows page 0 actually held (a server may cap the page size) and fetched
    concurrently by at most ``max_workers`` workers; then the pages are walked in order,
    fetching any further page needed. The walk stops when the rows reach the total, a
    page is empty, the server answers 204, or, with no total, a page is shorter than the
    page size the server reported. It stops *incomplete* on a page that is not a list
    (or not JSON), a page repeating earlier rows, an empty page before the total, or
    ``max_pages``. With no total, a page 1 equal to page 0 means the endpoint ignores
    paging: page 0 is the whole list. A page request's exception propagates.
    """
    preferred = tuple(items)
    fetched: dict[int, Page] = {0: await fetch(0)}
    first = fetched[0]
    total = total_of(first.body)
    rows0 = _rows(first, preferred)
    if total is not None and rows0:
        last = min(math.ceil(total / len(rows0)), max_pages) - 1
        if last >= 1:
            fetched.update(await _prefetch(fetch, range(1, last + 1), max_workers))
    collected, complete, note, requests = await _walk(fetch, fetched, preferred, total, max_pages)
    return PagedResult(
        items=collected,
        total=total,
        pages=len(fetched) + requests,
        complete=complete,
        served_version=first.served_version,
        note=note,
    )


async def _walk(
    fetch: Callable[[int], Awaitable[Page]],
    fetched: dict[int, Page],
    preferred: tuple[str, ...],
    total: int | None,
    max_pages: int,
) -> tuple[list[dict[str, Any]], bool, str | None, int]:
    """Walk the pages in order, fetching any not ``fetched`` yet, by the stop rules of
    :func:`read_pages`: ``(rows, complete, note, pages fetched)``."""
    collected: list[dict[str, Any]] = []
    seen: set[str] = set()
    page = requests = 0

    def end(complete: bool, note: str | None = None) -> tuple[Any, bool, str | None, int]:
        return collected, complete, note, requests

    while True:
        if page in fetched:
            resp = fetched[page]
        else:
            resp = await fetch(page)
            requests += 1
        rows = _rows(resp, preferred)
        if rows is None:
            why = resp.json_error or "no list of items"
            return end(False, f"page {page} could not be read ({why})")
        if not rows:
            if total is not None and len(collected) < total:
                return end(False, f"page {page} was empty after {len(collected)} of {total} rows")
            return end(True)
        mark = hashlib.sha256(json.dumps(rows, sort_keys=True, default=str).encode()).hexdigest()
        if mark in seen:
            if page == 1 and total is None:
                return end(True, "the endpoint ignores paging: page 1 repeated page 0")
            return end(False, f"page {page} repeated the rows of an earlier page")
        seen.add(mark)
        collected.extend(rows)
        if total is not None and len(collected) >= total:
            return end(True)
        reported = page_size_reported(resp.body)
        if total is None and reported is not None and len(rows) < reported:
            return end(True)
        page += 1
        if page >= max_pages:
            return end(False, f"stopped after {max_pages} pages")


def _rows(resp: Page, preferred: tuple[str, ...]) -> list[dict[str, Any]] | None:
    """The page's rows ([] for 204 or empty), or None when the page is unreadable."""
    if resp.status == 204:
        return []
    if resp.json_error is not None:
        return None
    return items_of(resp.body, preferred)


async def _prefetch(
    fetch: Callable[[int], Awaitable[Page]], pages: range, max_workers: int
) -> dict[int, Page]:
    """Fetch ``pages`` with a pool of workers; pages past an empty one are skipped."""
    out: dict[int, Page] = {}
    queue = iter(pages)
    ended_at: list[int] = []

    async def worker() -> None:
        for page in queue:
            if ended_at and page > min(ended_at):
                continue  # the list already ended: spend no requests past it
            resp = await fetch(page)
            out[page] = resp
            if not _rows(resp, ()):
                ended_at.append(page)

    tasks = [asyncio.create_task(worker()) for _ in range(max(1, min(max_workers, len(pages))))]
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise
    return out


def page_size_reported(body: Any) -> int | None:
    """The page size the server says it used, when its envelope says one."""
    if not isinstance(body, dict):
        return None
    for key in ("PageSize", "page_size", "pageSize", "pagesize"):
        value = body.get(key)
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
    return None
