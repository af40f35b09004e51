"""A fake Workspace ONE UEM REST API, served over real HTTP on loopback.

It powers ``ws1-audit demo``, the tests and the benchmark::

    from audit.simulator import SimulatorServer, load_scenario

    with SimulatorServer(load_scenario("ready"), faults="429:0.1") as server:
        ...  # point the collector at server.url / server.token_url / server.discovery_url

Modules: :mod:`.tenant` (the tenant data format, validation, bundled scenarios),
:mod:`.generator` (seeded tenants of any size), :mod:`.render` (API row shapes, one module
per kind of row), :mod:`.endpoints` (the route table, versions, paging) with
:mod:`.routes` (the handlers, one module per kind of thing served) and :mod:`.calls` (what
a handler sees and answers), :mod:`.faults` (fault injection) and :mod:`.server` (HTTP,
authentication, headers, request log). The endpoints and shapes served are those of
``docs/collection.md``.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from typing import Any, TextIO

from audit.simulator.faults import FaultPlan, FaultSpecError
from audit.simulator.generator import generate_tenant
from audit.simulator.server import LogEntry, SimulatorServer
from audit.simulator.tenant import (
    TenantError,
    load_scenario,
    load_tenant,
    scenario_names,
    validate_tenant,
)

__all__ = [
    "FaultPlan",
    "FaultSpecError",
    "LogEntry",
    "SimulatorServer",
    "TenantError",
    "generate_tenant",
    "load_scenario",
    "load_tenant",
    "scenario_names",
    "serve",
    "validate_tenant",
]


def serve(
    tenant: dict[str, Any],
    port: int = 0,
    latency_ms: float = 0,
    faults: FaultPlan | str | None = None,
    *,
    host: str = "127.0.0.1",
    out: TextIO | None = None,
    stop: threading.Event | None = None,
    notes: Callable[[SimulatorServer], Sequence[str]] | None = None,
    **options: Any,
) -> None:
    """Serve ``tenant`` until KeyboardInterrupt (or ``stop`` is set), printing how to connect.

    Prints the API, token and discovery URLs and the tenant's simulated credentials (they
    are not secrets: they ship with the scenario) to ``out`` (default stdout), then the lines
    ``notes(server)`` returns (the CLI adds a config that audits the tenant). ``options``
    go to :class:`SimulatorServer` (``ssl_context``, ``page_size_cap``, ``seed``, ...).
    """
    stream = out or sys.stdout
    creds = tenant.get("credentials", {})
    with SimulatorServer(
        tenant, host=host, port=port, latency_ms=latency_ms, faults=faults, **options
    ) as server:
        lines = [
            f"Simulated Workspace ONE UEM tenant {tenant.get('name', '')!r}",
            f"  API URL:        {server.url}",
            f"  token URL:      {server.token_url}",
            f"  discovery URL:  {server.discovery_url}",
            f"  basic auth:     username {creds.get('username')!r}, "
            f"password {creds.get('password')!r}, aw-tenant-code {creds.get('tenant_code')!r}",
            f"  oauth:          client_id {creds.get('client_id')!r}, "
            f"client_secret {creds.get('client_secret')!r}",
            "  (simulated credentials from the tenant data, not secrets)",
        ]
        if latency_ms:
            lines.append(f"  latency:        {latency_ms} ms per request")
        if server.faults:
            lines.append(f"  faults:         {server.faults.spec}")
        if notes is not None:
            lines.extend(notes(server))
        lines.append("Press Ctrl+C to stop.")
        print("\n".join(lines), file=stream, flush=True)
        waiter = stop or threading.Event()
        try:
            while not waiter.wait(0.5):
                pass
        except KeyboardInterrupt:
            pass
