"""Read-only by construction: the client only sends GET and the POST searches it knows.

- Every other method, and POSTs to anything but a known search (e.g. registering or
  syncing Drop Ship devices), is refused with ``ReadOnlyViolation`` before a byte is
  sent, whether asked through the client's API or through its HTTP client directly, and
  also when a plugin tries it during collection.
- A full run (Basic and OAuth, all checks) issues nothing but GET to the tenant and the
  discovery service, plus the OAuth token POST: asserted on the simulator's request log.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
from robust_helpers import audit_in_process, config_for

from audit import hookspecs, pipeline
from audit.errors import CollectionError
from audit.plugins import load_plugins
from audit.simulator import load_scenario
from audit.uem.auth import BasicAuth, OAuthClientCredentials
from audit.uem.client import UEMClient
from audit.uem.readonly import READ_ONLY_POSTS, ReadOnlyViolation, is_read_only
from audit.uem.recorder import Recorder

WRITES = [
    ("PUT", "/api/mdm/devices/1001"),
    ("PATCH", "/api/mdm/smartgroups/12"),
    ("DELETE", "/api/mdm/devices/1001"),
    ("delete", "/api/mdm/tags/5"),
    ("POST", "/api/mdm/enrollment-tokens"),  # registers a Drop Ship device
    ("POST", "/api/mdm/dropship-action/organization-group/x/sync-devices"),
    ("POST", "/api/mdm/devices/1001/commands?command=EnterpriseWipe"),
    ("POST", "/api/mdm/profiles/search/../201/install"),
    ("POST", "/api/mdm/profiles/201"),
    ("OPTIONS", "/api/system/info"),
    ("HEAD", "/api/system/info"),
    ("TRACE", "/api/system/info"),
]


@pytest.fixture(scope="module")
def tenant() -> dict[str, Any]:
    return load_scenario("ready")


def _client(server: Any, tenant: dict[str, Any]) -> UEMClient:
    creds = tenant["credentials"]
    auth = BasicAuth(creds["username"], creds["password"], creds["tenant_code"])
    return UEMClient(server.url, auth, recorder=Recorder(), retries=0)


@pytest.mark.parametrize(("method", "path"), WRITES)
def test_the_client_refuses_every_write_before_sending(
    method: str, path: str, tenant: dict[str, Any], simulator: Any
) -> None:
    server = simulator(tenant)

    async def attempt() -> None:
        async with _client(server, tenant) as client:
            with pytest.raises(ReadOnlyViolation, match="only reads from the tenant"):
                await client.request(method, path, body={"x": 1}, purpose="write")
            # the underlying HTTP client refuses it too (the request hook)
            with pytest.raises(ReadOnlyViolation):
                await client._http.request(method.upper(), server.url + path)
            assert client.requests_sent == 0

    asyncio.run(attempt())
    assert server.log == []


def test_read_only_violation_is_a_collection_error_that_names_the_method() -> None:
    exc = ReadOnlyViolation("DELETE /api/x refused", endpoint="/api/x")
    assert isinstance(exc, CollectionError) and exc.exit_code == 4


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("GET", "/api/mdm/devices/search", True),
        ("get", "/API/system/info", True),
        ("POST", "/api/mdm/profiles/search", True),
        ("POST", "/api/v3/mdm/profiles/search", True),
        ("POST", "/API/MDM/Profiles/Search/", True),
        ("POST", "/api/mdm/profiles/search/x", False),
        ("POST", "/api/mdm/devices/search", False),
        ("PUT", "/api/mdm/profiles/search", False),
        ("DELETE", "/api/mdm/profiles/search", False),
    ],
)
def test_the_allow_list(method: str, path: str, allowed: bool) -> None:
    assert is_read_only(method, path) is allowed
    assert READ_ONLY_POSTS


def test_a_known_post_search_is_sent(tenant: dict[str, Any], simulator: Any) -> None:
    server = simulator(tenant)

    async def search() -> None:
        async with _client(server, tenant) as client:
            body = {"profileSearchRequestV3Model": {"organization_group_uuid": "x"}}
            # the simulator serves searches by GET only: 405 proves the POST went out
            with pytest.raises(CollectionError, match="POST /api/mdm/profiles/search answered 405"):
                await client.post_search("/api/mdm/profiles/search", body=body, purpose="p")

    asyncio.run(search())
    assert [(e.method, e.path) for e in server.log] == [("POST", "/api/mdm/profiles/search")]


def test_the_oauth_token_post_is_the_only_other_post(
    tenant: dict[str, Any], simulator: Any
) -> None:
    server = simulator(tenant)
    creds = tenant["credentials"]

    async def run() -> None:
        auth = OAuthClientCredentials(server.token_url, creds["client_id"], creds["client_secret"])
        async with UEMClient(server.url, auth, recorder=Recorder(), retries=0) as client:
            assert (await client.get("/api/system/info", purpose="p")).status == 200
            # the same host, another path: refused
            with pytest.raises(ReadOnlyViolation):
                await client._http.post(server.url + "/connect/token/../../api/mdm/tags")
            with pytest.raises(ReadOnlyViolation):
                await client._http.post(server.url + "/api/mdm/enrollment-tokens", json={})

    asyncio.run(run())
    assert {(e.method, e.path) for e in server.log} == {
        ("POST", "/connect/token"),
        ("GET", "/api/system/info"),
    }


class WritingPlugin:
    """A plugin that tries to change the tenant during collection."""

    @hookspecs.hookimpl
    def ws1_audit_collect(self, context: Any) -> Any:
        async def write() -> None:
            await context.client.request("DELETE", "/api/mdm/devices/1001", purpose="plugin_write")

        return write()


@pytest.mark.parametrize("auth", ["basic", "oauth"])
def test_a_full_run_issues_only_gets_and_the_token_post(
    auth: str, tenant: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    server = simulator(tenant)
    config = config_for(server.url, tenant, tmp_path, auth=auth)
    registry = load_plugins(extra=(WritingPlugin(),))
    snapshot = pipeline.collect(config, registry=registry)
    methods = {(e.method, e.path if e.method != "GET" else "") for e in server.log}
    expected = {("GET", "")} | ({("POST", "/connect/token")} if auth == "oauth" else set())
    assert methods == expected
    assert server.count("/api/") > 20  # a real, full collection
    # the plugin's write was refused and recorded as a gap, not sent
    gaps = [g for g in snapshot.gaps if g["purpose"] == "plugin"]
    assert gaps and "DELETE /api/mdm/devices/1001 refused" in gaps[0]["reason"]
    recorded = {r["method"] for r in snapshot.requests}
    assert recorded <= {"GET", "POST"}
    # and the whole pipeline (evaluate, render) still works on it
    results = audit_in_process(config).results
    assert len(results["checks"]) == 16


def test_the_raw_transport_never_sees_a_write(tenant: dict[str, Any]) -> None:
    """Belt and braces: a MockTransport records what would reach the wire."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.method)
        return httpx.Response(200, json={})

    async def run() -> None:
        auth = BasicAuth("u", "p-secret", "t-secret")
        async with UEMClient(
            "https://as1.awmdm.com",
            auth,
            recorder=Recorder(),
            transport=httpx.MockTransport(handler),
        ) as c:
            await c.get("/api/system/info", purpose="p")
            for method, path in WRITES:
                with pytest.raises(ReadOnlyViolation):
                    await c.request(method, path, purpose="w")
                with pytest.raises(ReadOnlyViolation):
                    await c._http.request(method.upper(), "https://as1.awmdm.com" + path)

    asyncio.run(run())
    assert seen == ["GET"]
