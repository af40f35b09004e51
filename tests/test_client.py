"""The UEM client against httpx.MockTransport: paging, retries, budget, limiter, recording."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import httpx
import pytest

from audit.errors import (
    ApiError,
    AuthenticationError,
    BudgetExhausted,
    PermissionDenied,
    TransportError,
)
from audit.uem.auth import BasicAuth
from audit.uem.client import UEMClient
from audit.uem.paging import read_pages
from audit.uem.recorder import REDACTED, Recorder
from audit.uem.wire import retry_after_seconds

T = TypeVar("T")
BASE = "https://as1234.awmdm.com"
USER, PASSWORD, TENANT_CODE = "auditor", "pw-Secret-42", "TENANTCODE123456"
Handler = (
    Callable[[httpx.Request], httpx.Response]
    | Callable[[httpx.Request], Coroutine[None, None, httpx.Response]]
)


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion (pytest-asyncio is not used)."""
    return asyncio.run(coro)


class Sleeps:
    """A no-op ``sleep`` that remembers the delays asked for."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def make_client(handler: Handler, sleeps: Sleeps | None = None, **kwargs: Any) -> UEMClient:
    kwargs.setdefault("random", lambda: 1.0)
    return UEMClient(
        BASE,
        kwargs.pop("auth", None) or BasicAuth(USER, PASSWORD, TENANT_CODE),
        recorder=kwargs.pop("recorder", None) or Recorder(),
        transport=httpx.MockTransport(handler),
        sleep=sleeps or Sleeps(),
        **kwargs,
    )


def v1_headers(**extra: str) -> dict[str, str]:
    return {"x-api-version": "v1", "api-supported-versions": "1, 2", **extra}


def page_of(request: httpx.Request) -> int:
    return int(request.url.params["page"])


# --- single requests -----------------------------------------------------------------


def test_get_sends_version_and_credentials_and_reads_the_answer() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(
            200,
            json={"ProductVersion": "23.10.0.5"},
            headers=v1_headers(**{"x-ratelimit-remaining": "249976", "set-cookie": "a=b"}),
        )

    async def scenario() -> Any:
        async with make_client(handler) as client:
            return await client.get("/api/system/info", purpose="system_info")

    resp = run(scenario())
    assert resp.status == 200
    assert resp.body == {"ProductVersion": "23.10.0.5"}
    assert resp.served_version == "v1"
    assert resp.path == "/api/system/info"
    assert "set-cookie" not in resp.headers and resp.headers["x-ratelimit-remaining"] == "249976"
    request = seen[0]
    assert request.headers["accept"] == "application/json;version=1"
    assert request.headers["aw-tenant-code"] == TENANT_CODE
    expected = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"


@pytest.mark.parametrize(
    ("header", "served"), [("v2", "v2"), ("v1", "v1"), ("1", "v1"), (None, None)]
)
def test_served_version_is_what_the_server_says_not_what_was_asked(
    header: str | None, served: str | None
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept"] == "application/json;version=2"
        headers = {"x-api-version": header} if header else {}
        return httpx.Response(200, json=[{"Id": {"Value": 1}}], headers=headers)

    async def scenario() -> Any:
        async with make_client(handler) as client:
            return await client.get("/api/system/groups/7/children", version=2, purpose="x")

    assert run(scenario()).served_version == served


def test_malformed_json_is_returned_as_a_gap_not_raised() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"Devices": [', headers=v1_headers())

    async def scenario() -> tuple[Any, UEMClient]:
        async with make_client(handler) as client:
            return await client.get("/api/mdm/devices/search", purpose="devices"), client

    resp, client = run(scenario())
    assert resp.body is None
    assert resp.json_error and "not valid JSON" in resp.json_error
    assert resp.text == '{"Devices": ['
    assert client.json_errors == 1
    record = client.recorder.records[0]
    assert record.json_error == resp.json_error and record.body == '{"Devices": ['


def test_204_has_no_body() -> None:
    async def scenario() -> Any:
        async with make_client(lambda r: httpx.Response(204)) as client:
            return await client.get("/api/mdm/devices/search", purpose="devices")

    resp = run(scenario())
    assert (resp.status, resp.body, resp.json_error) == (204, None, None)


# --- paging --------------------------------------------------------------------------


def capped_v1_handler(total: int, cap: int, calls: list[int]) -> Handler:
    """A v1 list server that ignores pagesize and serves at most ``cap`` rows a page."""

    def handler(request: httpx.Request) -> httpx.Response:
        page = page_of(request)
        calls.append(page)
        assert request.url.params["pagesize"] == "500"
        rows = [{"Id": {"Value": i}} for i in range(page * cap, min(total, (page + 1) * cap))]
        body = {"Page": page, "PageSize": cap, "Total": total, "Devices": rows}
        return httpx.Response(200, json=body, headers=v1_headers())

    return handler


def test_get_all_reads_past_a_server_page_size_cap_using_the_total() -> None:
    calls: list[int] = []

    async def scenario() -> Any:
        async with make_client(capped_v1_handler(1234, 100, calls)) as client:
            return await client.get_all(
                "/api/mdm/devices/search", params={"lgid": 7}, purpose="devices", items=("Devices",)
            )

    result = run(scenario())
    assert result.complete and result.note is None
    assert result.total == 1234 and len(result.items) == 1234
    assert [row["Id"]["Value"] for row in result.items] == list(range(1234))
    assert sorted(calls) == list(range(13)) and calls[0] == 0
    assert result.pages == 13
    assert result.served_version == "v1"


def test_get_all_fetches_remaining_pages_concurrently_within_the_limit() -> None:
    in_flight = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        return capped_v1_handler(2000, 100, [])(request)  # type: ignore[return-value]

    async def scenario() -> Any:
        async with make_client(handler, concurrency=4) as client:
            return await client.get_all("/api/mdm/devices/search", purpose="devices")

    result = run(scenario())
    assert len(result.items) == 2000 and result.complete
    assert 1 < peak <= 4


def test_get_all_snake_case_paging_and_total_count() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        assert "pagesize" not in request.url.params
        size = int(request.url.params["page_size"])
        page = page_of(request)
        rows = [{"serial_number": f"SN{i}"} for i in range(page * 2, min(5, page * 2 + 2))]
        body = {"page": page, "page_size": size, "total_count": 5, "tokens": rows}
        return httpx.Response(200, json=body)

    async def scenario() -> Any:
        async with make_client(handler) as client:
            return await client.get_all(
                "/api/mdm/groups/u/enrollment-tokens",
                params={"page": 9, "page_size": 9},
                paging="snake",
                purpose="registrations",
            )

    result = run(scenario())
    assert [r["serial_number"] for r in result.items] == ["SN0", "SN1", "SN2", "SN3", "SN4"]
    assert result.complete and result.total == 5 and result.pages == 3


def test_get_all_v2_total_results_envelope() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        body = {"OrganizationGroups": [{"Id": 1112, "GroupId": "contoso"}], "TotalResults": 1}
        return httpx.Response(200, json=body, headers={"x-api-version": "v2"})

    async def scenario() -> Any:
        async with make_client(handler) as client:
            return await client.get_all(
                "/api/system/groups/search", params={"groupid": "contoso"}, version=2, purpose="og"
            )

    result = run(scenario())
    assert result.items == [{"Id": 1112, "GroupId": "contoso"}]
    assert result.complete and result.pages == 1 and result.served_version == "v2"


def test_get_all_stops_on_204() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(page_of(request))
        return httpx.Response(204)

    async def scenario() -> Any:
        async with make_client(handler) as client:
            return await client.get_all("/api/mdm/devices/search", purpose="devices")

    result = run(scenario())
    assert (result.items, result.complete, result.pages, calls) == ([], True, 1, [0])


def test_get_all_without_total_stops_at_the_first_empty_page() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        page = page_of(request)
        rows = [{"ApplicationName": f"app{page}-{i}"} for i in range(3)] if page < 2 else []
        return httpx.Response(200, json={"DeviceApps": rows})

    async def scenario() -> Any:
        async with make_client(handler) as client:
            return await client.get_all("/api/mdm/devices/1/apps", purpose="device_apps:1")

    result = run(scenario())
    assert len(result.items) == 6 and result.complete and result.pages == 3


def test_get_all_without_total_stops_at_a_page_shorter_than_the_reported_size() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(page_of(request))
        return httpx.Response(200, json={"Page": 0, "PageSize": 500, "Tags": [{"TagName": "RnD"}]})

    async def scenario() -> Any:
        async with make_client(handler) as client:
            return await client.get_all("/api/mdm/tags/search", purpose="tags")

    result = run(scenario())
    assert result.items == [{"TagName": "RnD"}] and result.complete and calls == [0]


def test_bare_array_from_an_endpoint_that_ignores_paging_is_complete() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=[{"Id": {"Value": 7}}, {"Id": {"Value": 8}}])

    async def scenario() -> Any:
        async with make_client(handler) as client:
            return await client.get_all("/api/system/groups/7/children", purpose="og_children")

    result = run(scenario())
    assert len(result.items) == 2 and result.complete
    assert result.note and "ignores paging" in result.note


def test_repeated_pages_under_a_total_are_incomplete() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(page_of(request))
        body = {"Total": 300, "Devices": [{"Id": {"Value": i}} for i in range(100)]}
        return httpx.Response(200, json=body)

    async def scenario() -> Any:
        async with make_client(handler) as client:
            return await client.get_all("/api/mdm/devices/search", purpose="devices")

    result = run(scenario())
    assert not result.complete and "repeated" in (result.note or "")
    assert len(result.items) == 100 and len(calls) == 3


def test_an_empty_page_before_the_total_is_incomplete() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        rows = [{"Id": {"Value": 1}}] if page_of(request) == 0 else []
        return httpx.Response(200, json={"Total": 3, "Devices": rows})

    async def scenario() -> Any:
        async with make_client(handler) as client:
            return await client.get_all("/api/mdm/devices/search", purpose="devices")

    result = run(scenario())
    assert not result.complete and "empty after 1 of 3" in (result.note or "")


def test_a_malformed_page_makes_the_list_incomplete() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if page_of(request) == 1:
            return httpx.Response(200, content=b"<html>oops</html>")
        return httpx.Response(200, json={"Total": 4, "Tags": [{"Id": 1}, {"Id": 2}]})

    async def scenario() -> tuple[Any, UEMClient]:
        async with make_client(handler) as client:
            return await client.get_all("/api/mdm/tags/search", purpose="tags"), client

    result, client = run(scenario())
    assert not result.complete and "page 1 could not be read" in (result.note or "")
    assert client.json_errors == 1


def test_paging_safety_stop_after_max_pages() -> None:
    class Answer:
        def __init__(self, page: int) -> None:
            self.status, self.json_error, self.served_version = 200, None, "v1"
            self.body = {"Rows": [{"n": page}]}

    async def fetch(page: int) -> Answer:
        return Answer(page)

    result = run(read_pages(fetch, max_pages=5))
    assert not result.complete and result.note == "stopped after 5 pages"
    assert len(result.items) == 5


# --- retries -------------------------------------------------------------------------


def test_retry_after_is_honoured() -> None:
    sleeps = Sleeps()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        if calls == 1:
            return httpx.Response(429, headers={"Retry-After": "7"}, json={"message": "slow"})
        return httpx.Response(200, json={"ok": True})

    async def scenario() -> tuple[Any, UEMClient]:
        async with make_client(handler, sleeps) as client:
            return await client.get("/api/system/info", purpose="system_info"), client

    resp, client = run(scenario())
    assert resp.body == {"ok": True} and resp.attempts == 2
    assert sleeps.delays == [7.0]
    assert client.retries == 1 and client.requests_sent == 2
    assert [(r.attempt, r.status) for r in client.recorder.records] == [(1, 429), (2, 200)]


def test_retry_after_as_http_date_is_capped() -> None:
    sleeps = Sleeps()
    answers = iter(
        [
            httpx.Response(503, headers={"Retry-After": "Wed, 21 Oct 2165 07:28:00 GMT"}),
            httpx.Response(200, json={}),
        ]
    )

    async def scenario() -> None:
        async with make_client(lambda r: next(answers), sleeps) as client:
            await client.get("/api/system/info", purpose="system_info")

    run(scenario())
    assert sleeps.delays == [60.0]


def test_retry_after_parsing() -> None:
    assert retry_after_seconds("12") == 12.0
    assert retry_after_seconds("500", cap=60) == 60.0
    assert retry_after_seconds("-3") == 0.0
    assert retry_after_seconds("garbage") is None
    assert retry_after_seconds(None) is None
    date = "Thu, 01 Jan 1970 00:00:30 GMT"
    assert retry_after_seconds(date, now=lambda: 10.0) == 20.0
    assert retry_after_seconds(date, now=lambda: 100.0) == 0.0


def test_backoff_grows_exponentially_then_gives_up_with_one_line() -> None:
    sleeps = Sleeps()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503, text="<html>Service Unavailable</html>")

    async def scenario() -> None:
        async with make_client(handler, sleeps) as client:
            await client.get("/api/mam/apps/search", params={"platform": "WinRT"}, purpose="apps")

    with pytest.raises(ApiError) as info:
        run(scenario())
    assert str(info.value) == "GET /api/mam/apps/search answered 503 after 5 attempts"
    assert info.value.status == 503 and info.value.endpoint == "/api/mam/apps/search"
    assert calls == 5
    assert sleeps.delays == [0.5, 1.0, 2.0, 4.0]


def test_backoff_uses_full_jitter() -> None:
    sleeps = Sleeps()

    async def scenario() -> None:
        client = make_client(lambda r: httpx.Response(502), sleeps, random=lambda: 0.25, retries=3)
        async with client:
            await client.get("/api/system/info", purpose="system_info")

    with pytest.raises(ApiError):
        run(scenario())
    assert sleeps.delays == [0.125, 0.25, 0.5]


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, AuthenticationError, "credentials were refused"),
        (403, PermissionDenied, "API key (tenant code) was refused"),
        (404, ApiError, "answered 404"),
        (400, ApiError, "answered 400: bad lgid (errorCode 1001)"),
        (500, ApiError, "answered 500"),
    ],
)
def test_no_retry_on_client_errors(status: int, error: type[Exception], words: str) -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(status, json={"errorCode": 1001, "message": "bad lgid"})

    async def scenario() -> None:
        async with make_client(handler) as client:
            await client.get("/api/mdm/devices/search", purpose="devices")

    with pytest.raises(error) as info:
        run(scenario())
    assert calls == 1
    assert words in str(info.value) and "/api/mdm/devices/search" in str(info.value)
    assert "\n" not in str(info.value)


def test_transport_errors_are_retried_then_translated() -> None:
    sleeps = Sleeps()
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("connection refused", request=request)

    async def scenario() -> None:
        async with make_client(handler, sleeps, retries=2) as client:
            await client.get("/api/system/info", purpose="system_info")

    with pytest.raises(TransportError) as info:
        run(scenario())
    assert calls == 3 and len(sleeps.delays) == 2
    assert str(info.value) == (
        "GET /api/system/info failed after 3 attempts: ConnectError: cannot connect to "
        "as1234.awmdm.com:443: connection refused"
    )
    assert isinstance(info.value.__cause__, httpx.ConnectError)


def test_a_timeout_then_success_recovers_and_shrinks_the_limit() -> None:
    answers: list[Any] = [httpx.ReadTimeout("read timed out"), httpx.Response(200, json={})]

    def handler(request: httpx.Request) -> httpx.Response:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    async def scenario() -> UEMClient:
        async with make_client(handler) as client:
            await client.get("/api/system/info", purpose="system_info")
            return client

    client = run(scenario())
    assert client.limiter.min_limit_seen == 4
    assert client.recorder.records[0].error == "ReadTimeout: read timed out"


def test_tls_verification_failure_is_not_retried() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        raise httpx.ConnectError("[SSL: CERTIFICATE_VERIFY_FAILED] self-signed", request=request)

    async def scenario() -> None:
        async with make_client(handler) as client:
            await client.get("/api/system/info", purpose="system_info")

    with pytest.raises(TransportError, match="ca_bundle"):
        run(scenario())
    assert calls == 1


# --- adaptive concurrency ------------------------------------------------------------


def test_limiter_shrinks_under_429_and_grows_back() -> None:
    calls = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        await asyncio.sleep(0)
        if calls <= 12:
            return httpx.Response(429, headers={"Retry-After": "0"})
        return httpx.Response(200, json={})

    async def scenario() -> UEMClient:
        async with make_client(handler, retries=20) as client:
            await asyncio.gather(*(client.get("/api/x", purpose="x") for _ in range(8)))
            shrunk = client.limiter.limit
            assert shrunk < 8
            for _ in range(40):
                await client.get("/api/x", purpose="x")
            return client

    client = run(scenario())
    assert client.limiter.min_limit_seen < 8
    assert client.limiter.limit == 8


def test_concurrency_never_exceeds_the_limit() -> None:
    in_flight = peak = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.001)
        in_flight -= 1
        return httpx.Response(200, json={})

    async def scenario(limit: int) -> None:
        async with make_client(handler, concurrency=limit) as client:
            await asyncio.gather(*(client.get(f"/api/d/{i}", purpose="d") for i in range(40)))

    run(scenario(8))
    assert peak == 8
    peak = 0
    run(scenario(3))
    assert peak == 3


# --- budget --------------------------------------------------------------------------


def test_request_budget_is_never_exceeded() -> None:
    calls = 0

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal calls
        calls += 1
        return httpx.Response(503)

    async def scenario() -> UEMClient:
        async with make_client(handler, request_budget=3) as client:
            with pytest.raises(BudgetExhausted, match="request budget of 3"):
                await client.get("/api/system/info", purpose="system_info")
            with pytest.raises(BudgetExhausted):
                await client.get("/api/system/info", purpose="system_info")
            return client

    client = run(scenario())
    assert calls == 3 and client.requests_sent == 3 and client.budget.left == 0


def test_request_budget_bounds_concurrent_paging() -> None:
    calls: list[int] = []

    async def scenario() -> None:
        async with make_client(capped_v1_handler(5000, 100, calls), request_budget=10) as client:
            await client.get_all("/api/mdm/devices/search", purpose="devices")

    with pytest.raises(BudgetExhausted):
        run(scenario())
    assert len(calls) == 10


def test_quota_reserve_keeps_half_of_the_first_remaining_for_others() -> None:
    remaining = 1001

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal remaining
        remaining -= 1
        headers = {"x-ratelimit-limit": "250000", "x-ratelimit-remaining": str(remaining)}
        return httpx.Response(200, json={}, headers=headers)

    async def scenario() -> UEMClient:
        async with make_client(handler, quota_reserve=0.5) as client:
            with pytest.raises(BudgetExhausted, match="quota reserve"):
                for _ in range(2000):
                    await client.get("/api/x", purpose="x")
            return client

    client = run(scenario())
    assert client.quota.first == 1000 and client.quota.floor == 500
    assert client.requests_sent == 501  # the first, then 500 spent of R0 = 1000
    assert remaining == 500 and client.budget.left == 0


def test_quota_never_goes_below_100_remaining() -> None:
    remaining = 150

    def handler(request: httpx.Request) -> httpx.Response:
        nonlocal remaining
        remaining -= 1
        return httpx.Response(200, json={}, headers={"x-ratelimit-remaining": str(remaining)})

    async def scenario() -> None:
        async with make_client(handler, quota_reserve=0.0, concurrency=4) as client:
            for _ in range(10):
                await asyncio.gather(
                    *(client.get("/api/x", purpose="x") for _ in range(8)),
                    return_exceptions=True,
                )

    run(scenario())
    assert remaining == 100


# --- external requests ---------------------------------------------------------------


def test_get_external_sends_no_credentials_and_returns_404() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(404, text="Not Found")

    url = "https://discovery.awmdm.com/autodiscovery/awcredentials.aws/v2/domainlookup/domain/x.com"

    async def scenario() -> tuple[Any, UEMClient]:
        async with make_client(handler) as client:
            return await client.get_external(url, purpose="discovery"), client

    resp, client = run(scenario())
    assert resp.status == 404 and resp.path == url
    assert "authorization" not in seen[0].headers and "aw-tenant-code" not in seen[0].headers
    assert seen[0].headers["accept"] == "application/json"
    assert client.recorder.records[0].path == url


# --- recording and redaction ---------------------------------------------------------


def test_secrets_are_redacted_from_errors_queries_and_bodies() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        message = f"Tenant code {TENANT_CODE} is not valid for user {USER}"
        return httpx.Response(400, json={"errorCode": 1002, "message": message})

    async def scenario() -> Recorder:
        async with make_client(handler) as client:
            with pytest.raises(ApiError) as info:
                await client.get(
                    "/api/x", params={"search": PASSWORD, "client_secret": "abc"}, purpose="x"
                )
            assert TENANT_CODE not in str(info.value) and REDACTED in str(info.value)
            return client.recorder

    recorder = run(scenario())
    record = recorder.records[0]
    assert record.query == {"search": REDACTED, "client_secret": REDACTED}
    assert record.body["message"] == f"Tenant code {REDACTED} is not valid for user {USER}"
    dump = json.dumps(recorder.to_list())
    for secret in (PASSWORD, TENANT_CODE, base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()):
        assert secret not in dump
    assert "authorization" not in dump.lower()
    assert set(record.headers) <= {"content-type"}


def test_only_safe_response_headers_are_recorded() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        headers = {
            **v1_headers(),
            "x-ratelimit-remaining": "5000",
            "x-correlation-id": "c-1",
            "set-cookie": "session=xyz",
            "server": "Kestrel",
        }
        return httpx.Response(200, json={}, headers=headers)

    async def scenario() -> Recorder:
        async with make_client(handler) as client:
            await client.get("/api/x", purpose="x")
            return client.recorder

    [entry] = run(scenario()).to_list()
    assert set(entry["headers"]) == {
        "x-api-version",
        "api-supported-versions",
        "x-ratelimit-remaining",
        "x-correlation-id",
        "content-type",
    }
    assert entry["purpose"] == "x" and entry["seq"] == 1 and entry["version"] == 1


def test_a_secret_learnt_later_is_scrubbed_from_earlier_records() -> None:
    recorder = Recorder()
    recorder.record(purpose="x", method="GET", path="/api/x", body={"echo": "tok-123456"})
    recorder.add_secrets("tok-123456")
    assert recorder.to_list()[0]["body"] == {"echo": REDACTED}


def test_url_encoded_secrets_are_redacted_too() -> None:
    recorder = Recorder(secrets=["p@ss w/rd"])
    assert recorder.redact("q=p%40ss%20w%2Frd&r=p%40ss+w%2Frd") == f"q={REDACTED}&r={REDACTED}"


def test_a_given_http_client_is_not_closed() -> None:
    async def scenario() -> bool:
        http = httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(200)))
        async with UEMClient(
            BASE, BasicAuth(USER, PASSWORD, TENANT_CODE), recorder=Recorder(), http=http
        ) as client:
            await client.get("/api/x", purpose="x")
        still_open = not http.is_closed
        await http.aclose()
        return still_open

    assert run(scenario())


def test_short_secrets_are_replaced_only_as_whole_values() -> None:
    recorder = Recorder(secrets=["pw"])
    rec = recorder.record(
        purpose="x", method="GET", path="/api/pw-list", body={"a": "pw", "b": "upward"}
    )
    assert rec.body == {"a": REDACTED, "b": "upward"} and rec.path == "/api/pw-list"
    assert rec.to_dict()["body"] == {"a": REDACTED, "b": "upward"}


def test_unicode_escaped_secrets_in_raw_json_are_still_found() -> None:
    recorder = Recorder(secrets=[TENANT_CODE])
    escaped = "".join(f"\\u{ord(c):04x}" for c in TENANT_CODE)
    raw = ('{"message": "' + escaped + '"}').encode()
    rec = recorder.record(purpose="x", method="GET", path="/x", body=json.loads(raw), raw=raw)
    assert rec.body == {"message": REDACTED}


def test_a_secret_field_in_an_answer_is_redacted_by_name_and_learnt() -> None:
    """The Drop Ship staging password (``dropship-provisioning``'s ``password``) and any other
    value under a secret field name: redacted where it stands, and wherever it is echoed."""
    from audit.redact import PROCESS

    staging = "Stag1ng-Pw/+x-90ab"
    recorder = Recorder()
    body = {"enabled": True, "Password": staging, "note": f"the password is {staging}"}
    raw = json.dumps(body).encode()
    rec = recorder.record(purpose="d", method="GET", path="/x", body=body, raw=raw)
    assert rec.body == {
        "enabled": True,
        "Password": REDACTED,
        "note": f"the password is {REDACTED}",
    }
    echo = {"echo": staging}
    later = recorder.record(
        purpose="e", method="GET", path="/y", body=echo, raw=json.dumps(echo).encode()
    )
    assert later.body == {"echo": REDACTED}
    assert PROCESS.scrub(f"x {staging} y") == f"x {REDACTED} y"  # every output, too


def test_the_api_is_never_followed_through_a_redirect() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(str(request.url))
        return httpx.Response(302, headers={"Location": "https://evil.example/steal"})

    async def scenario() -> None:
        async with make_client(handler) as client:
            await client.get("/api/system/info", purpose="system_info")

    with pytest.raises(ApiError, match="answered 302"):
        run(scenario())
    assert seen == [BASE + "/api/system/info"]  # credentials never went to evil.example


def test_an_answer_larger_than_the_cap_is_an_api_error_not_read() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=b'{"a": "' + b"x" * (3 << 20) + b'"}')

    async def scenario() -> Recorder:
        auth = BasicAuth(USER, PASSWORD, TENANT_CODE)
        transport = httpx.MockTransport(handler)
        async with UEMClient(
            BASE, auth, recorder=Recorder(), transport=transport, max_response_bytes=1 << 20
        ) as client:
            with pytest.raises(ApiError, match="more than 1 MB once decompressed"):
                await client.get("/api/x", purpose="x")
            return client.recorder

    [record] = run(scenario()).records
    assert record.body is None and "more than 1 MB" in (record.error or "")
