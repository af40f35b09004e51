"""Shared fixtures: only built-in plugins load during tests, and secrets are test values."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("WS1_AUDIT_NO_ENTRYPOINTS", "1")


@pytest.fixture
def secret_env() -> dict[str, str]:
    """An environment holding distinctive secret values that tests grep outputs for."""
    return {
        "WS1_PASSWORD": "pw-Secr3t-4f9d",
        "WS1_TENANT_CODE": "tc-K3y-77aa1",
        "WS1_CLIENT_SECRET": "cs-Hush-91b0",
    }


# -- simulator-backed fixtures -------------------------------------------------------------

import copy  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from typing import Any  # noqa: E402


@pytest.fixture
def simulator() -> Iterator[Callable[..., Any]]:
    """Start simulators (``simulator(tenant, **knobs)``); all are stopped after the test."""
    from audit.simulator import SimulatorServer

    servers: list[Any] = []

    def start(tenant: dict[str, Any], **knobs: Any) -> Any:
        server = SimulatorServer(copy.deepcopy(tenant), **knobs)
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()
