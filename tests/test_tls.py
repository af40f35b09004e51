"""TLS: verified by default, ``ca_bundle`` for a private CA, ``verify_tls = false`` loud.

The simulator serves HTTPS with a certificate from a throw-away CA (``trustme``):

- without ``ca_bundle`` the run fails at once (exit 4) with one line saying verification
  failed and what to set; no request reaches the API;
- with ``ca_bundle`` (and, for the OS trust store, ``SSL_CERT_FILE``) it passes, OAuth
  included;
- ``verify_tls = false`` works, warns on stderr on every run and collect, and is recorded
  in results.json (``run.verify_tls``, ``run.warnings``), the HTML report and the PDF's
  appendix.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from robust_helpers import cli_in_process, sim_env, write_config, ws1

from audit.simulator import SimulatorServer, load_scenario

WARNING = "warning: TLS certificate verification is disabled (verify_tls = false)"


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="module")
def tenant() -> dict[str, Any]:
    return load_scenario("ready")


@pytest.fixture(scope="module")
def https_server(ca: trustme.CA, tenant: dict[str, Any]) -> Iterator[SimulatorServer]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    with SimulatorServer(tenant, ssl_context=context) as server:
        assert server.url.startswith("https://")
        yield server


@pytest.fixture
def server(https_server: SimulatorServer) -> SimulatorServer:
    https_server.reset_log()
    return https_server


@pytest.fixture(scope="module")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ca") / "private-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def test_verification_fails_without_the_ca_bundle(
    server: SimulatorServer,
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path / "t.toml", server.url, collect={"retries": 3})
    out = tmp_path / "out"
    args = ["run", "--config", str(config), "--out", str(out)]
    code, stdout, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 4 and stdout == ""
    assert stderr.count("\n") == 1 and stderr.startswith("ws1-audit: error: ")
    assert "CERTIFICATE_VERIFY_FAILED" in stderr
    assert "TLS verification failed: set tenant.ca_bundle for a private CA" in stderr
    assert "after 1 attempt" in stderr  # a verification failure is not retried
    assert server.log == []  # no request got through the handshake
    assert not out.exists()


def test_a_bundle_of_another_ca_fails_the_same_way(
    server: SimulatorServer,
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    config = write_config(tmp_path / "t.toml", server.url, tenant={"ca_bundle": str(other)})
    args = ["run", "--config", str(config), "--out", str(tmp_path / "out")]
    code, _, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 4 and "TLS verification failed" in stderr and server.log == []


@pytest.mark.parametrize("auth", ["basic", "oauth"])
def test_the_ca_bundle_makes_it_pass(
    auth: str,
    server: SimulatorServer,
    tenant: dict[str, Any],
    ca_file: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(
        tmp_path / "t.toml", server.url, auth=auth, tenant={"ca_bundle": str(ca_file)}
    )
    out = tmp_path / "out"
    args = ["run", "--config", str(config), "--out", str(out), "--format", "json,md"]
    code, _, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 1, stderr  # the ready scenario has manual checks left: not ready
    assert stderr == ""  # no TLS warning when verification is on
    results = json.loads((out / "results.json").read_text())
    assert results["run"]["verify_tls"] is True
    assert not any("TLS" in w for w in results["run"]["warnings"])
    assert results["summary"]["counts"]["error"] == 0
    assert server.count("/api/") > 10
    if auth == "oauth":
        assert server.count("/connect/token", method="POST") >= 1


def test_the_operating_system_trust_store_is_used_by_default(
    server: SimulatorServer, tenant: dict[str, Any], ca_file: Path, tmp_path: Path
) -> None:
    """No ca_bundle, the CA added the way an OS store is extended (OpenSSL's SSL_CERT_FILE)."""
    config = write_config(tmp_path / "t.toml", server.url)
    proc = ws1(
        "collect", "--config", str(config), "--snapshot", str(tmp_path / "s.json"),
        env={**sim_env(tenant), "SSL_CERT_FILE": str(ca_file)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    from audit.uem.wire import tls_context

    context = tls_context(True)  # the OS store, not httpx's bundled Mozilla list
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname


def test_verify_tls_false_works_warns_every_run_and_is_recorded(
    server: SimulatorServer,
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path / "t.toml", server.url, tenant={"verify_tls": False})
    env = sim_env(tenant)
    out = tmp_path / "out"
    for _ in range(2):  # every run, not just the first
        args = ["run", "--config", str(config), "--out", str(out), "--format", "json,html"]
        code, _, stderr = cli_in_process(args, env, monkeypatch, capsys)
        assert code == 1
        assert stderr.splitlines() == [f"ws1-audit: {WARNING}"]
    snapshot = tmp_path / "s.json"
    args = ["collect", "--config", str(config), "--snapshot", str(snapshot)]
    code, _, stderr = cli_in_process(args, env, monkeypatch, capsys)
    assert code == 0 and stderr.splitlines() == [f"ws1-audit: {WARNING}"]
    assert json.loads(snapshot.read_text())["stats"]["verify_tls"] is False

    results = json.loads((out / "results.json").read_text())
    assert results["run"]["verify_tls"] is False
    assert any("TLS certificate verification was disabled" in w for w in results["run"]["warnings"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "TLS certificate verification was disabled" in html

    # evaluating the snapshot later still records it
    args = ["evaluate", "--snapshot", str(snapshot), "--out", str(tmp_path / "eval")]
    code, _, _ = cli_in_process(args, env, monkeypatch, capsys)
    evaluated = json.loads((tmp_path / "eval" / "results.json").read_text())
    assert code == 1 and evaluated["run"]["verify_tls"] is False

    # the PDF's appendix: the HTML WeasyPrint lays out says so in the run metadata
    from reports.base import RenderOptions
    from reports.pdf_report import report_html_for_pdf

    pdf_html = report_html_for_pdf(results, RenderOptions())
    appendix = pdf_html[pdf_html.index('id="appendix"') :]
    assert "TLS verified" in appendix and "no (TLS verification was off)" in appendix
    assert "TLS certificate verification was disabled for this collection" in appendix


def test_an_unusable_ca_bundle_is_a_config_error(
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bogus = tmp_path / "not-a-ca.pem"
    bogus.write_text("this is not a certificate\n")
    config = write_config(
        tmp_path / "t.toml", "https://127.0.0.1:9", tenant={"ca_bundle": str(bogus)}
    )
    args = ["run", "--config", str(config), "--out", str(tmp_path / "out")]
    code, _, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 3 and stderr.count("\n") == 1
    assert "tenant.ca_bundle" in stderr and str(bogus) in stderr


# -- plain HTTP: refused unless allow_insecure_http, then loud on every run (item 3) ------------

HTTP_WARNING = (
    "ws1-audit: warning: plain HTTP to 127.0.0.1: credentials and answers travel unencrypted "
    "(allow_insecure_http = true)"
)


def test_plain_http_needs_the_key_then_warns_every_run_and_is_recorded(
    tenant: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    """Refused without ``allow_insecure_http`` (before any request); with it, warned on
    every run and collect, recorded in results.json, and the reports never say TLS was
    verified."""
    server = simulator(tenant)
    env = sim_env(tenant)
    refused = write_config(tmp_path / "no.toml", server.url, tenant={"allow_insecure_http": False})
    proc = ws1("run", "--config", str(refused), "--out", str(tmp_path / "x"), env=env)
    assert proc.returncode == 3 and proc.stderr_full.count("\n") == 1  # type: ignore[attr-defined]
    assert "tenant.api_url: http://127.0.0.1:" in proc.stderr
    assert "allow_insecure_http = true" in proc.stderr and server.log == []

    config = write_config(tmp_path / "t.toml", server.url)  # the helper sets the key
    out = tmp_path / "out"
    for _ in range(2):  # every run, not just the first
        proc = ws1("run", "--config", str(config), "--out", str(out), "--format", "json,html",
                   env=env)  # fmt: skip
        assert proc.returncode == 1
        assert proc.stderr_full.splitlines() == [HTTP_WARNING]  # type: ignore[attr-defined]
    proc = ws1("collect", "--config", str(config), "--snapshot", str(tmp_path / "s.json"), env=env)
    assert proc.returncode == 0
    assert proc.stderr_full.splitlines() == [HTTP_WARNING]  # type: ignore[attr-defined]
    results = json.loads((out / "results.json").read_text())
    assert results["run"]["insecure_http"] is True
    assert any("plain HTTP" in w for w in results["run"]["warnings"])
    html = (out / "report.html").read_text(encoding="utf-8")
    assert "no (plain HTTP: allow_insecure_http = true)" in html

    from reports.base import RenderOptions
    from reports.pdf_report import report_html_for_pdf

    appendix = report_html_for_pdf(results, RenderOptions())
    appendix = appendix[appendix.index('id="appendix"') :]
    assert "no (plain HTTP: allow_insecure_http = true)" in appendix
    assert "TLS verified</th><td>yes" not in appendix


def test_https_runs_record_no_plain_http(
    server: SimulatorServer,
    ca_file: Path,
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = write_config(tmp_path / "t.toml", server.url, tenant={"ca_bundle": str(ca_file)})
    out = tmp_path / "out"
    args = ["run", "--config", str(config), "--out", str(out), "--format", "json"]
    code, _, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 1 and stderr == ""
    results = json.loads((out / "results.json").read_text())
    assert results["run"]["insecure_http"] is False and results["run"]["verify_tls"] is True


def test_the_demo_sets_the_key_and_prints_no_warning(tmp_path: Path) -> None:
    proc = ws1("demo", "--out", str(tmp_path / "demo"), "--format", "json,md")
    assert proc.returncode == 0
    assert proc.stderr_full == ""  # type: ignore[attr-defined]
    results = json.loads((tmp_path / "demo" / "results.json").read_text())
    assert results["run"]["insecure_http"] is True  # recorded all the same
