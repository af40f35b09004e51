"""The command line: exit codes, one-line errors, demo end to end, catalogue, template."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from audit.cli_options import redacted_argv
from audit.simulator import load_scenario

ROOT = Path(__file__).resolve().parents[1]


def ws1(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real console entry point in a subprocess (stdin closed, not a terminal)."""
    from robust_helpers import without_http_warning

    full_env = {**os.environ, "WS1_AUDIT_NO_ENTRYPOINTS": "1", **(env or {})}
    proc = subprocess.run(
        [sys.executable, "-c", "from audit.cli import main; main()", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd or ROOT,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    proc.stderr = without_http_warning(proc.stderr)  # pinned by test_tls.py
    return proc


def write_config(tmp_path: Path, api_url: str, extra: str = "") -> Path:
    path = tmp_path / "tenant.toml"
    path.write_text(
        f"""
[tenant]
name = "Contoso (simulated)"
api_url = "{api_url}"
allow_insecure_http = {"true" if api_url.startswith("http://") else "false"}
username = "auditor"
password_env = "SIM_PASSWORD"
tenant_code_env = "SIM_TENANT_CODE"

[dropship]
organization_group = "contoso"
tags = ["RnD"]
email_domain = "contoso.com"
autodiscovery_url = "{api_url}"
{extra}
""",
        encoding="utf-8",
    )
    return path


def sim_env(tenant: dict[str, Any]) -> dict[str, str]:
    return {
        "SIM_PASSWORD": tenant["credentials"]["password"],
        "SIM_TENANT_CODE": tenant["credentials"]["tenant_code"],
    }


def test_demo_writes_reports_and_exits_0(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    proc = ws1("demo", "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    for name in ("results.json", "snapshot.json", "report.html", "report.pdf"):
        assert (out / name).stat().st_size > 0, name
    results = json.loads((out / "results.json").read_text())
    assert results["run"]["mode"] == "demo" and len(results["checks"]) == 16
    assert "NOT READY" in proc.stdout and "uem_version" in proc.stdout
    assert proc.stderr == ""  # not a terminal: no progress output


def test_config_errors_exit_3_with_one_line(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", "[collect]\nconcurency = 3\n")
    proc = ws1(
        "run",
        "--config",
        str(config),
        "--out",
        str(tmp_path / "out"),
        env={"SIM_PASSWORD": "x", "SIM_TENANT_CODE": "y"},
    )
    assert proc.returncode == 3
    assert proc.stderr.count("\n") == 1 and "collect.concurency: unknown key" in proc.stderr
    assert not (tmp_path / "out").exists()


def test_missing_secret_env_var_exits_3(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9")
    proc = ws1("run", "--config", str(config), env={"SIM_PASSWORD": "", "SIM_TENANT_CODE": ""})
    assert proc.returncode == 3 and "SIM_PASSWORD is not set" in proc.stderr


def test_bad_credentials_exit_4_and_write_nothing(tmp_path: Path, simulator: Any) -> None:
    tenant = load_scenario("ready")
    server = simulator(tenant)
    config = write_config(tmp_path, server.url)
    out = tmp_path / "out"
    proc = ws1(
        "run",
        "--config",
        str(config),
        "--out",
        str(out),
        env={
            "SIM_PASSWORD": "wrong-password",
            "SIM_TENANT_CODE": tenant["credentials"]["tenant_code"],
        },
    )
    assert proc.returncode == 4, proc.stderr
    assert proc.stderr.count("\n") == 1 and "401" in proc.stderr
    assert "wrong-password" not in proc.stderr + proc.stdout
    assert not out.exists() or not any(out.iterdir())


def test_unreachable_tenant_exits_4(tmp_path: Path) -> None:
    config = write_config(tmp_path, "http://127.0.0.1:9", "[collect]\nretries = 0\n")
    proc = ws1(
        "run",
        "--config",
        str(config),
        "--out",
        str(tmp_path / "out"),
        env={"SIM_PASSWORD": "x", "SIM_TENANT_CODE": "y"},
    )
    assert proc.returncode == 4 and proc.stderr.count("\n") == 1


def test_run_collect_evaluate_render_round_trip(tmp_path: Path, simulator: Any) -> None:
    tenant = load_scenario("not-ready")
    server = simulator(tenant)
    config = write_config(tmp_path, server.url)
    env = sim_env(tenant)
    proc = ws1(
        "run",
        "--config",
        str(config),
        "--out",
        str(tmp_path / "run"),
        "--format",
        "json,md",
        env=env,
    )
    assert proc.returncode in (1, 2), proc.stderr
    snap = tmp_path / "snap.json"
    assert ws1("collect", "--config", str(config), "--snapshot", str(snap), env=env).returncode == 0
    proc = ws1("evaluate", "--snapshot", str(snap), "--out", str(tmp_path / "eval"))
    assert proc.returncode in (1, 2)
    proc = ws1(
        "render",
        str(tmp_path / "eval" / "results.json"),
        "--format",
        "md,csv",
        "--out",
        str(tmp_path / "r"),
    )
    assert proc.returncode == 0 and (tmp_path / "r" / "summary.md").exists()
    proc = ws1(
        "diff", str(tmp_path / "run" / "results.json"), str(tmp_path / "eval" / "results.json")
    )
    assert proc.returncode == 0 and "unchanged" in proc.stdout


def test_render_refuses_a_broken_results_file(tmp_path: Path) -> None:
    bad = tmp_path / "results.json"
    bad.write_text('{"schema_version": 1, "checks": []}')
    proc = ws1("render", str(bad), "--format", "md", "--out", str(tmp_path))
    assert proc.returncode == 3 and "integrity check failed: no content_sha256" in proc.stderr
    assert not (tmp_path / "summary.md").exists()


def test_checks_catalogue_json() -> None:
    proc = ws1("checks", "--json")
    catalogue = json.loads(proc.stdout)
    assert len(catalogue) == 16 and {c["id"] for c in catalogue} >= {"uem_version", "dropship_tag"}
    assert all(c["remediation"] and c["requirement"] for c in catalogue)


def test_init_writes_a_template_and_refuses_to_overwrite(tmp_path: Path) -> None:
    target = tmp_path / "t.toml"
    assert ws1("init", str(target)).returncode == 0 and "[dropship]" in target.read_text()
    assert ws1("init", str(target)).returncode == 3


def test_usage_error_exits_3() -> None:
    assert ws1("run").returncode == 3
    assert ws1("render", "x.json", "--format", "docx").returncode == 3


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["run", "--client-secret", "abc"], ["run", "--client-secret", "[REDACTED]"]),
        (["--password=abc"], ["--password=[REDACTED]"]),
        (["--out", "x"], ["--out", "x"]),
    ],
)
def test_redacted_argv(argv: list[str], expected: list[str]) -> None:
    assert redacted_argv(argv) == expected


def test_progress_shows_on_a_terminal_and_not_with_quiet(tmp_path: Path) -> None:
    """Progress goes to stderr only when it is a terminal, and --quiet silences it."""
    from test_terminal import on_a_terminal

    def stderr_on_a_tty(*args: str) -> str:
        code, text = on_a_terminal(*args, stdout=False)
        assert code == 0, text
        return text

    shown = stderr_on_a_tty("demo", "--out", str(tmp_path / "a"), "--format", "json,md")
    assert "Collecting from http://127.0.0.1" in shown and "Hub versions: 12/12" in shown
    assert "Rendering md" in shown
    quiet = stderr_on_a_tty("--quiet", "demo", "--out", str(tmp_path / "b"), "--format", "json")
    assert quiet.strip() == ""


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--port", "99999"], "99999 is not in the range 0<=x<=65535"),
        (["--port", "-1"], "-1 is not in the range 0<=x<=65535"),
        (["--devices", "-3"], "-3 is not in the range x>=0"),
        (["--latency-ms", "-1"], "-1.0 is not in the range x>=0"),
        (["--latency-ms", "nan"], "--latency-ms: expected a number of milliseconds, got nan"),
        (["--port", "IN-USE"], "cannot listen on it: Address already in use"),
    ],
)
def test_simulate_refuses_bad_arguments_with_one_line(args: list[str], words: str) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = str(taken.getsockname()[1])
        full = [port if a == "IN-USE" else a for a in args]
        proc = subprocess.run(
            [sys.executable, "-c", "from audit.cli import main; main()", "simulate", *full],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    assert proc.returncode == 3 and proc.stdout == "", proc.stderr
    assert proc.stderr.count("\n") == 1 and words in proc.stderr, proc.stderr
