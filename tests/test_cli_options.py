"""The command-line conventions users bring from Prowler and InSpec, and --format's rules.

--checks / --exclude-checks / --severity (a check left out is `skipped` with the reason,
never absent), --waivers FILE, run --json, the -c/-o short options, shell completion,
--format (any case, never empty; `render` defaults to every format), and help for every
option.
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import click
import pytest
from test_cli import sim_env, write_config, ws1

from audit.cli import cli
from audit.config import parse_config
from audit.config_keys import DEFAULT_FORMATS
from audit.demo import simulator_notes
from audit.simulator import load_scenario

ROOT = Path(__file__).resolve().parents[1]
UNREACHABLE = "http://127.0.0.1:9"  # nothing listens: a request would fail with exit 4


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    proc = ws1("--quiet", "demo", "-o", str(out), "--format", "json")
    assert proc.returncode == 0, proc.stderr
    return out / "snapshot.json"


def evaluate(snapshot: Path, out: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    proc = ws1("evaluate", "--snapshot", str(snapshot), "-o", str(out), *args)
    results = json.loads((out / "results.json").read_text()) if proc.returncode < 3 else {}
    return proc, results


def by_id(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in results["checks"]}


def test_checks_left_out_are_skipped_with_the_reason(snapshot: Path, tmp_path: Path) -> None:
    proc, results = evaluate(snapshot, tmp_path / "a", "--checks", "uem_version,dropship_tag")
    assert proc.returncode == 1, proc.stderr
    checks = by_id(results)
    assert len(checks) == 16  # never silently absent
    assert checks["uem_version"]["status"] == "fail" and checks["dropship_tag"]["status"] == "fail"
    skipped = [c for c in checks.values() if c["id"] not in ("uem_version", "dropship_tag")]
    assert all(c["status"] == "skipped" for c in skipped)
    assert all(
        c["summary"] == "Left out of this run by --checks (it checked only uem_version, "
        "dropship_tag)."
        for c in skipped
    )
    assert results["run"]["selection"]["checks"] == ["uem_version", "dropship_tag"]
    assert results["summary"]["counts"]["skipped"] == 14

    proc, results = evaluate(snapshot, tmp_path / "b", "--exclude-checks", "uem_version")
    assert by_id(results)["uem_version"]["summary"] == "Left out of this run by --exclude-checks."
    assert by_id(results)["dropship_tag"]["status"] == "fail"

    proc, results = evaluate(snapshot, tmp_path / "c", "--severity", "Critical")
    for check in results["checks"]:
        if check["severity"] == "critical":
            assert check["status"] != "skipped", check["id"]
        else:
            assert check["status"] == "skipped" and "--severity critical" in check["summary"]
    assert "Left out of this run by --severity" in proc.stdout  # the table says why too


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--checks", "uem_version,nope"], "--checks: unknown check 'nope'"),
        (["--exclude-checks", "nope"], "--exclude-checks: unknown check 'nope'"),
        (["--checks", "uem_version", "--exclude-checks", "saas_tenant"], "cannot be combined"),
        (["--severity", "severe"], "--severity: unknown severity 'severe'"),
        (["--checks", ","], "--checks: empty"),
        (["--format", ""], "--format: empty"),
        (["--format", "pdf,docx"], "--format: unknown format 'docx'"),
    ],
)
def test_bad_selections_exit_3_before_any_request(
    tmp_path: Path, args: list[str], message: str
) -> None:
    config = write_config(tmp_path, UNREACHABLE)
    env = {"SIM_PASSWORD": "x", "SIM_TENANT_CODE": "y"}
    proc = ws1("run", "-c", str(config), "-o", str(tmp_path / "out"), *args, env=env)
    assert proc.returncode == 3, proc.stderr  # not 4: no request was made
    assert message in proc.stderr and proc.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()


def test_a_waivers_file_is_applied_and_validated(snapshot: Path, tmp_path: Path) -> None:
    waivers = tmp_path / "fleet-waivers.toml"
    waivers.write_text(
        "[[waivers]]\n"
        'check = "uem_version"\n'
        'justification = "Upgrade to 23.10 booked for the next window (CHG-1)"\n'
        'owner = "EUC team"\n'
        "expires = 2099-12-31\n",
        encoding="utf-8",
    )
    proc, results = evaluate(snapshot, tmp_path / "a", "--waivers", str(waivers))
    check = by_id(results)["uem_version"]
    assert check["status"] == "fail" and check["waiver"]["active"] is True
    assert "uem_version" in results["summary"]["waived"]
    assert results["run"]["waivers_files"] == [str(waivers)]
    assert "[waived]" in proc.stdout

    bad_key = tmp_path / "bad-key.toml"
    bad_key.write_text('[tenant]\nname = "x"\n', encoding="utf-8")
    bad_check = tmp_path / "bad-check.toml"
    bad_check.write_text(waivers.read_text().replace("uem_version", "uem_versoin"), "utf-8")
    bad_type = tmp_path / "bad-type.toml"
    bad_type.write_text(waivers.read_text().replace("2099-12-31", '"soon"'), "utf-8")
    config = write_config(tmp_path, UNREACHABLE)
    env = {"SIM_PASSWORD": "x", "SIM_TENANT_CODE": "y"}
    for path, message in (
        (bad_key, "tenant: unknown key (a waivers file holds only [[waivers]])"),
        (bad_check, "waivers[0].check: unknown check 'uem_versoin'"),
        (bad_type, "waivers[0].expires: expected"),
        (tmp_path / "missing.toml", "cannot read"),
    ):
        proc = ws1("run", "-c", str(config), "--waivers", str(path), env=env)
        assert proc.returncode == 3, (path, proc.stderr)
        assert str(path) in proc.stderr and message in proc.stderr, proc.stderr


def test_the_configs_own_waiver_wins_over_the_shared_file(snapshot: Path, tmp_path: Path) -> None:
    from audit.config import load_waivers
    from audit.pipeline import evaluate
    from audit.results_blocks import RunInfo
    from audit.snapshot import load_snapshot

    shared = tmp_path / "w.toml"
    shared.write_text(
        '[[waivers]]\ncheck = "uem_version"\njustification = "shared"\nowner = "fleet"\n'
        "expires = 2099-12-31\n",
        encoding="utf-8",
    )
    config = parse_config(
        {
            "tenant": {"name": "T", "api_url": "https://as1.awmdm.com", "username": "u"},
            "dropship": {"organization_group": "contoso"},
            "waivers": [
                {
                    "check": "uem_version",
                    "justification": "own",
                    "owner": "tenant",
                    "expires": "2099-12-31",
                }
            ],
        },
        need_secrets=False,
    )
    info = RunInfo(waivers=load_waivers(shared))
    results = evaluate(load_snapshot(snapshot), config, info=info)
    assert by_id(results)["uem_version"]["waiver"]["justification"] == "own"


def test_run_json_prints_the_summary_on_stdout(simulator: Any, tmp_path: Path) -> None:
    tenant = load_scenario("not-ready")
    server = simulator(tenant)
    config = write_config(tmp_path, server.url)
    proc = ws1(
        "run",
        "-c",
        str(config),
        "-o",
        str(tmp_path / "out"),
        "--format",
        "Json,MD",
        "--json",
        env=sim_env(tenant),
    )
    assert proc.returncode == 1, proc.stderr
    doc = json.loads(proc.stdout)  # the whole of stdout is one JSON document
    assert doc["exit_code"] == 1 and doc["summary"]["ready"] is False
    assert len(doc["checks"]) == 16 and {"id", "status", "evidence_kind"} <= set(doc["checks"][0])
    assert sorted(Path(p).name for p in doc["outputs"]) == [
        "results.json",
        "snapshot.json",
        "summary.md",
    ]


def test_render_defaults_to_every_format(snapshot: Path, tmp_path: Path) -> None:
    results = snapshot.parent / "results.json"
    proc = ws1("render", str(results), "-o", str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    expected = {
        "results.json", "report.html", "report.pdf", "findings.csv", "evidence.csv",
        "junit.xml", "summary.md", "handover.pdf", "handover.html",
    }  # fmt: skip
    # (the output set's marker, a dot file, names the run that wrote them)
    assert {p.name for p in tmp_path.iterdir() if not p.name.startswith(".")} == expected
    assert set(DEFAULT_FORMATS) == {"json", "html", "pdf", "csv", "junit", "md", "handover"}


def _complete(**env: str) -> str:
    """stdout of the CLI run by the shell's completion with ``env``."""
    full = {**os.environ, "WS1_AUDIT_NO_ENTRYPOINTS": "1", **env}
    proc = subprocess.run(
        [sys.executable, "-c", "from audit.cli import main; main()"],
        capture_output=True,
        text=True,
        env=full,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_shell_completion_is_click_s() -> None:
    assert "_ws1_audit_completion()" in _complete(_WS1_AUDIT_COMPLETE="bash_source")
    words = _complete(
        _WS1_AUDIT_COMPLETE="bash_complete",
        COMP_WORDS="ws1-audit run --checks uem_version,dropship_t",
        COMP_CWORD="3",
    )
    assert words.split() == ["plain,uem_version,dropship_tag"]


def test_every_option_of_every_command_is_described() -> None:
    assert isinstance(cli, click.Group)
    for name, command in cli.commands.items():
        for param in command.params:
            if isinstance(param, click.Option) and param.name != "help":
                assert param.help, f"ws1-audit {name} {param.opts[0]} has no help"
    for name in ("collect", "evaluate"):
        text = cli.commands[name].get_help(click.Context(cli.commands[name]))
        for param in cli.commands[name].params:
            assert param.opts[0] in text


def test_simulate_banner_prints_a_config_that_audits_it() -> None:
    tenant = load_scenario("not-ready")

    class Server:
        url = "http://127.0.0.1:8080"

    lines = simulator_notes(tenant)(Server())
    toml_lines = [line[4:] for line in lines if line.startswith("    ") and "export" not in line]
    data = tomllib.loads("\n".join(toml_lines))
    export = shlex.split(next(line for line in lines if "export" in line))
    env = dict(item.split("=", 1) for item in export[1:])
    config = parse_config(data, env=env)  # every key a config needs, and the credentials
    assert config.dropship["organization_group"] == "contoso"
    assert config.dropship["tags"] == ["RnD"] and config.dropship["email_domain"] == "contoso.com"
    assert config.dropship["autodiscovery_url"] == Server.url
    assert config.secrets.password == tenant["credentials"]["password"]
