"""Authentication: Basic headers, OAuth token caching, refresh, failures, config wiring."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from typing import Any, TypeVar
from urllib.parse import parse_qs

import httpx
import pytest

from audit.config import parse_config
from audit.errors import AuthenticationError, BudgetExhausted, ConfigError
from audit.uem.auth import BasicAuth, OAuthClientCredentials, auth_from_config
from audit.uem.client import UEMClient
from audit.uem.recorder import Recorder
from audit.uem.wire import tls_context

T = TypeVar("T")
BASE = "https://as1234.awmdm.com"
TOKEN_URL = "https://na.uemauth.workspaceone.com/connect/token"
CLIENT_ID, CLIENT_SECRET = "ws1-audit", "cs-VerySecret-99"


def run(coro: Coroutine[Any, Any, T]) -> T:
    """Run a coroutine to completion (pytest-asyncio is not used)."""
    return asyncio.run(coro)


async def no_sleep(seconds: float) -> None:
    return None


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


class Tenant:
    """A token server plus an API that accepts only the latest token (or none at all)."""

    def __init__(self, *, expires_in: int = 3600, api_status: int | None = None) -> None:
        self.tokens: list[str] = []
        self.api_calls = 0
        self.expires_in = expires_in
        self.api_status = api_status
        self.token_status = 200
        self.token_down = False
        self.forms: list[dict[str, list[str]]] = []

    async def __call__(self, request: httpx.Request) -> httpx.Response:
        if str(request.url) == TOKEN_URL:
            await asyncio.sleep(0)  # let concurrent callers pile up on the lock
            if self.token_down:
                raise httpx.ConnectError("name or service not known", request=request)
            self.forms.append(parse_qs(request.content.decode()))
            if self.token_status != 200:
                return httpx.Response(self.token_status, json={"error": "invalid_client"})
            token = f"tok-{len(self.tokens) + 1}-abcdef"
            self.tokens.append(token)
            body = {"access_token": token, "token_type": "Bearer", "expires_in": self.expires_in}
            return httpx.Response(200, json=body)
        self.api_calls += 1
        if self.api_status is not None:
            return httpx.Response(self.api_status, json={"message": "nope"})
        if request.headers.get("authorization") != f"Bearer {self.tokens[-1]}":
            return httpx.Response(401, json={"message": "token expired"})
        return httpx.Response(200, json={"seen": request.headers["authorization"]})


def oauth(clock: FakeClock | None = None, **kwargs: Any) -> OAuthClientCredentials:
    return OAuthClientCredentials(
        TOKEN_URL, CLIENT_ID, CLIENT_SECRET, clock=clock or FakeClock(), **kwargs
    )


def client_for(tenant: Tenant, auth: OAuthClientCredentials) -> UEMClient:
    return UEMClient(
        BASE, auth, recorder=Recorder(), transport=httpx.MockTransport(tenant), sleep=no_sleep
    )


def test_basic_auth_headers_and_secrets() -> None:
    auth = BasicAuth("auditor", "pw", "code")
    ctx: Any = None
    headers = run(auth.headers(ctx))
    assert headers == {"Authorization": "Basic YXVkaXRvcjpwdw==", "aw-tenant-code": "code"}
    assert {"pw", "code"} <= set(auth.secret_values())
    assert "pw" not in repr(auth)


def test_token_is_fetched_once_and_cached() -> None:
    tenant, auth = Tenant(), oauth(tenant_code="TCODE-1234")

    async def scenario() -> list[Any]:
        async with client_for(tenant, auth) as client:
            return [await client.get("/api/x", purpose="x") for _ in range(3)]

    answers = run(scenario())
    assert auth.token_fetches == 1 and tenant.tokens == ["tok-1-abcdef"]
    assert answers[-1].body == {"seen": "Bearer tok-1-abcdef"}
    assert tenant.forms[0] == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [CLIENT_SECRET],
    }


def test_token_is_refreshed_before_it_expires() -> None:
    clock = FakeClock()
    tenant, auth = Tenant(expires_in=600), oauth(clock, refresh_margin_s=60)

    async def scenario() -> None:
        async with client_for(tenant, auth) as client:
            await client.get("/api/x", purpose="x")
            clock.now += 539  # 1 s before the margin starts: still cached
            await client.get("/api/x", purpose="x")
            assert auth.token_fetches == 1
            clock.now += 2  # inside the margin: fetched again before the server refuses it
            await client.get("/api/x", purpose="x")

    run(scenario())
    assert auth.token_fetches == 2 and tenant.api_calls == 3


def test_one_token_fetch_for_many_concurrent_requests() -> None:
    tenant, auth = Tenant(), oauth()

    async def scenario() -> None:
        async with client_for(tenant, auth) as client:
            await asyncio.gather(*(client.get(f"/api/d/{i}", purpose="d") for i in range(20)))

    run(scenario())
    assert auth.token_fetches == 1 and tenant.api_calls == 20


def test_a_401_forces_one_refresh_and_one_retry() -> None:
    tenant, auth = Tenant(), oauth()

    async def scenario() -> Any:
        async with client_for(tenant, auth) as client:
            await client.get("/api/x", purpose="x")
            tenant.tokens.append("revoked-elsewhere")  # the server now wants a newer token
            return await client.get("/api/x", purpose="x"), client

    resp, client = run(scenario())
    assert resp.status == 200 and auth.token_fetches == 2 and client.retries == 1


def test_a_401_after_the_refresh_is_an_authentication_error() -> None:
    tenant, auth = Tenant(api_status=401), oauth()

    async def scenario() -> None:
        async with client_for(tenant, auth) as client:
            await client.get("/api/x", purpose="x")

    with pytest.raises(AuthenticationError, match="even with a fresh OAuth token"):
        run(scenario())
    assert auth.token_fetches == 2 and tenant.api_calls == 2


def test_token_endpoint_refusal_is_one_clear_line_without_the_secret() -> None:
    tenant, auth = Tenant(), oauth()
    tenant.token_status = 400

    async def scenario() -> UEMClient:
        async with client_for(tenant, auth) as client:
            with pytest.raises(AuthenticationError) as info:
                await client.get("/api/x", purpose="x")
            expected = f"OAuth token endpoint {TOKEN_URL} answered 400: invalid_client"
            assert str(info.value) == expected
            return client

    client = run(scenario())
    assert tenant.api_calls == 0 and len(tenant.forms) == 1  # 4xx: no retry
    [record] = client.recorder.to_list()
    assert record["purpose"] == "oauth_token" and record["status"] == 400
    assert record["body"] is None and record["headers"] == {}
    assert CLIENT_SECRET not in json.dumps(record)


def test_token_endpoint_down_is_an_authentication_error() -> None:
    tenant, auth = Tenant(), oauth(retries=2)
    tenant.token_down = True

    async def scenario() -> UEMClient:
        async with client_for(tenant, auth) as client:
            with pytest.raises(AuthenticationError, match="could not be reached") as info:
                await client.get("/api/x", purpose="x")
            assert TOKEN_URL in str(info.value) and CLIENT_SECRET not in str(info.value)
            return client

    client = run(scenario())
    assert [r.attempt for r in client.recorder.records] == [1, 2, 3]
    assert auth.token_fetches == 0


def test_access_tokens_never_reach_the_record() -> None:
    tenant, auth = Tenant(), oauth()

    async def scenario() -> UEMClient:
        async with client_for(tenant, auth) as client:
            await client.get("/api/x", purpose="x")  # the answer echoes the bearer token
            return client

    client = run(scenario())
    dump = json.dumps(client.recorder.to_list())
    assert "tok-1-abcdef" not in dump and "[REDACTED]" in dump
    token_records = [r for r in client.recorder.records if r.purpose == "oauth_token"]
    assert len(token_records) == 1 and token_records[0].body is None


def config_data(auth: str) -> dict[str, Any]:
    tenant: dict[str, Any] = {"name": "Contoso", "api_url": BASE, "auth": auth}
    if auth == "basic":
        tenant |= {"username": "auditor", "password_env": "PW", "tenant_code_env": "TC"}
    else:
        tenant |= {"client_id": CLIENT_ID, "client_secret_env": "CS", "region": "emea"}
    return {"tenant": tenant, "dropship": {"organization_group": "contoso"}}


def test_auth_from_config_builds_basic() -> None:
    config = parse_config(config_data("basic"), env={"PW": "pw", "TC": "tc"})
    auth = auth_from_config(config)
    assert isinstance(auth, BasicAuth) and auth.username == "auditor"


def test_auth_from_config_builds_oauth_with_the_region_url() -> None:
    config = parse_config(config_data("oauth"), env={"CS": CLIENT_SECRET})
    auth = auth_from_config(config)
    assert isinstance(auth, OAuthClientCredentials)
    assert auth.token_url == "https://emea.uemauth.workspaceone.com/connect/token"
    assert CLIENT_SECRET in auth.secret_values() and CLIENT_SECRET not in repr(auth)


def test_auth_from_config_without_secrets_is_a_config_error() -> None:
    config = parse_config(config_data("basic"), need_secrets=False)
    with pytest.raises(ConfigError):
        auth_from_config(config)


def test_an_unreadable_ca_bundle_is_a_config_error(tmp_path: Any) -> None:
    with pytest.raises(ConfigError, match=r"tenant\.ca_bundle"):
        tls_context(str(tmp_path / "missing.pem"))
    assert tls_context(False) is False


def test_budget_holds_while_requests_wait_for_the_token() -> None:
    tenant, auth = Tenant(), oauth()

    async def scenario() -> list[Any]:
        client = UEMClient(
            BASE,
            auth,
            recorder=Recorder(),
            transport=httpx.MockTransport(tenant),
            sleep=no_sleep,
            request_budget=5,
        )
        async with client:
            return await asyncio.gather(
                *(client.get(f"/api/d/{i}", purpose="d") for i in range(20)),
                return_exceptions=True,
            )

    results = run(scenario())
    assert tenant.api_calls == 5
    assert sum(isinstance(r, BudgetExhausted) for r in results) == 15
