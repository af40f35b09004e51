"""Helpers for the robustness tests (faults, secrets, hostile data, bad files, TLS, read-only).

Everything runs against the simulator on loopback. Two ways to audit:

- :func:`ws1`: the real console entry point in a subprocess (exit codes, stderr lines,
  what a user sees); its backoff is real, so configs keep ``[collect] retries`` small.
- :func:`audit_in_process`: collect -> evaluate -> render in this process, with the
  client's sleeps shortened by a :class:`FastSleeps` handed to it (the sleeps asked for are
  recorded, so a test can still see that ``Retry-After`` was honoured).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import csv
import io
import json
import os
import re
import subprocess
import sys
import zlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from audit import pipeline
from audit.config import Config, parse_config
from audit.demo import simulated_config_data
from audit.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[1]
ALL_FORMATS = ("html", "pdf", "json", "csv", "junit", "md", "handover")
#: Formats that render in well under a second (no PDF).
QUICK_FORMATS = ("html", "json", "csv", "junit", "md")


#: The warning every run against a plain-HTTP simulator prints (pinned by test_tls.py);
#: the helpers below leave it out of ``stderr`` so tests see what else was printed.
PLAIN_HTTP_WARNING = re.compile(r"^ws1-audit: warning: (?:[\w-]+: )?plain HTTP to .*\n", re.M)


def without_http_warning(stderr: str) -> str:
    """``stderr`` without the plain-HTTP warning lines."""
    return PLAIN_HTTP_WARNING.sub("", stderr)


def ws1(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None, timeout: float = 180
) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a subprocess (stdin closed, not a terminal).

    ``stderr`` leaves out the plain-HTTP warning (``stderr_full`` has everything).
    """
    full_env = {**os.environ, "WS1_AUDIT_NO_ENTRYPOINTS": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-c", "from audit.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    proc.stderr_full = proc.stderr  # type: ignore[attr-defined]
    proc.stderr = without_http_warning(proc.stderr)
    return proc


def toml_text(value: Any) -> str:
    """A TOML literal for a string, bool, number or list (json strings are valid TOML)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_text(v) for v in value) + "]"
    return json.dumps(str(value))


def write_config(
    path: Path,
    api_url: str,
    *,
    auth: str = "basic",
    tenant: dict[str, Any] | None = None,
    dropship: dict[str, Any] | None = None,
    collect: dict[str, Any] | None = None,
    report: dict[str, Any] | None = None,
    raw: str = "",
) -> Path:
    """A tenant TOML for a simulated tenant; secrets come from SIM_* environment variables."""
    t: dict[str, Any] = {"name": "Contoso (simulated)", "api_url": api_url}
    if api_url.startswith("http://"):
        t["allow_insecure_http"] = True  # the simulator on loopback speaks plain HTTP
    if auth == "basic":
        t.update(username="auditor", password_env="SIM_PASSWORD", tenant_code_env="SIM_TENANT_CODE")
    else:
        t.update(
            auth="oauth",
            client_id="ws1-audit",
            client_secret_env="SIM_CLIENT_SECRET",
            token_url=api_url + "/connect/token",
        )
    t.update(tenant or {})
    d: dict[str, Any] = {
        "organization_group": "contoso",
        "tags": ["RnD"],
        "email_domain": "contoso.com",
        "autodiscovery_url": api_url,
        "upn": "dropship@contoso.com",
        "username": "dropship-contoso",
    }
    d.update(dropship or {})
    c: dict[str, Any] = {"retries": 1, "timeout_s": 10}
    c.update(collect or {})
    lines: list[str] = []
    for name, section in (("tenant", t), ("dropship", d), ("collect", c), ("report", report or {})):
        if section:
            lines.append(f"[{name}]")
            lines += [f"{k} = {toml_text(v)}" for k, v in section.items()]
    path.write_text("\n".join(lines) + "\n" + raw, encoding="utf-8")
    return path


def sim_env(tenant: dict[str, Any], **override: str) -> dict[str, str]:
    """The environment holding a simulated tenant's credentials (names as in write_config)."""
    creds = tenant["credentials"]
    env = {
        "SIM_PASSWORD": creds["password"],
        "SIM_TENANT_CODE": creds["tenant_code"],
        "SIM_CLIENT_SECRET": creds["client_secret"],
    }
    env.update(override)
    return env


def config_for(
    api_url: str,
    tenant: dict[str, Any],
    base_dir: Path,
    *,
    auth: str = "basic",
    overrides: dict[str, Any] | None = None,
) -> Config:
    """A validated config (in memory) for a simulated tenant (``overrides``: section ->
    keys to set, or a list for ``attestations`` / ``waivers``)."""
    data, env = simulated_config_data(tenant, api_url, auth=auth)
    data["collect"] = {"retries": 4, "timeout_s": 5.0}
    for section, values in (overrides or {}).items():
        if isinstance(values, list):
            data[section] = values
        else:
            data.setdefault(section, {}).update(values)
    return parse_config(data, file="<test>", base_dir=base_dir, env=env)


class FastSleeps(list[float]):
    """A client and OAuth sleep of at most 5 ms, for ``collect(config, sleep=...)`` and
    :func:`audit_in_process`; the list holds the sleeps asked for."""

    async def __call__(self, seconds: float) -> None:
        self.append(seconds)
        await asyncio.sleep(min(seconds, 0.005))


@dataclass
class Audit:
    """One in-process audit: the snapshot, results.json and the files rendered."""

    snapshot: Snapshot
    results: dict[str, Any]
    written: list[Path] = field(default_factory=list)

    def check(self, check_id: str) -> dict[str, Any]:
        return next(c for c in self.results["checks"] if c["id"] == check_id)

    @property
    def statuses(self) -> dict[str, str]:
        return {c["id"]: c["status"] for c in self.results["checks"]}


def audit_in_process(
    config: Config,
    out: Path | None = None,
    formats: tuple[str, ...] = (),
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Audit:
    """collect -> evaluate (-> save results.json and render ``formats`` into ``out``); the
    client waits with ``sleep`` (e.g. :class:`FastSleeps`)."""
    snapshot = pipeline.collect(config, sleep=sleep)
    results = pipeline.evaluate(snapshot, config)
    written: list[Path] = []
    if out is not None:
        written.append(pipeline.save_results(results, out))
        written += pipeline.render(results, out, [f for f in formats if f != "json"])
    return Audit(snapshot, results, written)


def comparable(results: dict[str, Any]) -> list[tuple[Any, ...]]:
    """What must not depend on how the answers arrived: each check's verdict and evidence."""
    return [
        (
            c["id"],
            c["status"],
            c["summary"],
            c["evidence"]["columns"],
            c["evidence"]["rows"],
            c["evidence"].get("total_rows"),
        )
        for c in results["checks"]
    ] + [(results["summary"]["ready"], results["summary"]["score"])]


# -- reading outputs back as text --------------------------------------------------------------


def pdf_text(path: Path) -> str:
    """Everything a PDF says: page text, metadata, attachments, and every decoded stream."""
    from pypdf import PdfReader

    reader = PdfReader(path)
    parts = [page.extract_text() or "" for page in reader.pages]
    parts.append(json.dumps({str(k): str(v) for k, v in (reader.metadata or {}).items()}))
    for name, blobs in reader.attachments.items():
        parts.append(name)
        parts += [b.decode("utf-8", "replace") for b in blobs]
    for num in range(1, int(reader.trailer.get("/Size", 0))):
        try:
            obj = reader.get_object(num)
        except Exception:  # a missing object number: there are gaps
            continue
        if obj is None:
            continue
        try:
            data = obj.get_data()  # type: ignore[attr-defined]
        except Exception:  # not a stream
            continue
        parts.append(data.decode("utf-8", "replace"))
    return "\n".join(parts)


def raw_streams_text(path: Path) -> str:
    """The PDF's bytes with every Flate stream inflated (a check independent of pypdf)."""
    data = path.read_bytes()
    out = [data.decode("latin-1")]
    pos = 0
    while True:
        start = data.find(b"stream", pos)
        if start < 0:
            break
        begin = start + len(b"stream")
        begin += 2 if data[begin : begin + 2] == b"\r\n" else 1
        end = data.find(b"endstream", begin)
        if end < 0:
            break
        with contextlib.suppress(zlib.error):
            out.append(zlib.decompressobj().decompress(data[begin:end]).decode("utf-8", "replace"))
        pos = end
    return "\n".join(out)


def file_text(path: Path) -> str:
    """A written file as searchable text (PDFs decoded, everything else as UTF-8)."""
    if path.suffix == ".pdf":
        return pdf_text(path) + "\n" + raw_streams_text(path)
    return path.read_bytes().decode("utf-8", "replace")


def every_file(folder: Path) -> list[Path]:
    """Every file under ``folder`` (hidden temporary files included)."""
    return sorted(p for p in folder.rglob("*") if p.is_file())


def secret_forms(value: str) -> set[str]:
    """A secret and the forms it could leak in: JSON-escaped, URL-encoded, base64."""
    from urllib.parse import quote, quote_plus

    forms = {value, json.dumps(value)[1:-1], quote(value, safe=""), quote_plus(value)}
    forms.add(base64.b64encode(value.encode()).decode())
    return {f for f in forms if len(f) >= 4}


def secret_byte_forms(value: str) -> set[bytes]:
    """The bytes a secret could leak as in a file: UTF-8, UTF-16 (either byte order, as
    PDF text strings and Windows tools write it), their base64, and the hexadecimal of
    UTF-16BE (a PDF ``<FEFF...>`` string), besides the text forms of :func:`secret_forms`."""
    forms = {f.encode() for f in secret_forms(value)}
    for codec in ("utf-16-le", "utf-16-be"):
        raw = value.encode(codec)
        forms |= {raw, base64.b64encode(raw)}
    hexed = value.encode("utf-16-be").hex()
    forms |= {hexed.encode(), hexed.upper().encode()}
    return forms


def csv_rows(path: Path) -> list[list[str]]:
    """A CSV written by the tool (UTF-8 with BOM), as rows of cells."""
    text = path.read_bytes().decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def cli_in_process(
    args: list[str], env: dict[str, str], monkeypatch: Any, capsys: Any
) -> tuple[int, str, str]:
    """Run ``main(args)`` in this process: (exit code, stdout, stderr).

    Faster than :func:`ws1` (no interpreter start); the exit-code mapping, the one-line
    errors and the outputs are the same code paths.
    """
    import pytest

    from audit.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    capsys.readouterr()
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    code = info.value.code
    return (code if isinstance(code, int) else 0), out, without_http_warning(err)


# -- one full run with a persistent fault, shared by the fault and the secrets tests -------------

#: Distinctive credentials for the simulated tenant of :func:`persistent_fault_run`.
KNOWN_SECRETS = {
    "password": "pw-Kn0wn-Secr3t-71c4",
    "tenant_code": "tc-Kn0wn-ApiKey-0b9e",
    "client_secret": "cs-Kn0wn-Client-5d2a",
}
PERSISTENT_FAULT = "503/api/mam/apps/internal/1:1.0"  # the app details (ids 1xx)


def per_device_fault(status: int | str) -> str:
    """A fault spec failing every per-device read of the Hub (the app search by device UUID,
    the inventory by id: every path ``/api/mdm/devices/<hex digit>...``), not the device
    search."""
    return ",".join(f"{status}/api/mdm/devices/{digit}:1.0" for digit in "0123456789abcdef")


#: The Drop Ship staging account's password in the known-secret tenant's settings (the API
#: sends it in clear text in ``GET .../dropship-provisioning``).
STAGING_PASSWORD = "Stg-Kn0wn-DropShip-4e1f"


@dataclass
class CliRun:
    """A finished CLI run against a simulator that has since stopped."""

    proc: subprocess.CompletedProcess[str]
    out: Path
    log: list[Any]
    tenant: dict[str, Any]
    api_url: str


def known_secret_tenant(name: str = "ready") -> dict[str, Any]:
    """A bundled scenario whose credentials are :data:`KNOWN_SECRETS`."""
    from audit.simulator import load_scenario

    tenant = load_scenario(name)
    tenant["credentials"].update(KNOWN_SECRETS)
    for og in tenant["org_groups"]:
        if og.get("dropship") and og["group_id"] == "contoso":
            og["dropship"]["password"] = STAGING_PASSWORD
    return tenant


_RUNS: dict[str, CliRun] = {}


def persistent_fault_run(base: Path) -> CliRun:
    """``ws1-audit run`` (every format) while app details answer 503 on every attempt.

    Run once per test session (the PDF makes it the slowest run) and shared: the fault
    matrix checks its verdicts and files, the secrets test greps them.
    """
    if "run" not in _RUNS:
        from audit.simulator import SimulatorServer

        tenant = known_secret_tenant()
        base.mkdir(parents=True, exist_ok=True)
        with SimulatorServer(tenant, faults=PERSISTENT_FAULT) as server:
            config = write_config(base / "tenant.toml", server.url, collect={"retries": 1})
            out = base / "out"
            proc = ws1("run", "--config", str(config), "--out", str(out), env=sim_env(tenant))
            _RUNS["run"] = CliRun(proc, out, server.log, tenant, server.url)
    return _RUNS["run"]
