"""Fleets that scale out: each tenant its own job writing to shared storage, then
``ws1-audit fleet DIR...``; and the process pool that renders a one-machine fleet's PDFs."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pandas as pd
from pypdf import PdfReader
from signing_helpers import PASSPHRASE, make_pki
from test_fleet import three_tenants, ws1

from audit import fleet
from audit.fleet_jobs import read_error_note, tenant_folders
from audit.results import sealed
from audit.simulator import load_scenario
from audit.verify import verify_files

__all__ = ["three_tenants"]  # the fixture, shared with test_fleet


def _job(config: Path, out: Path, env: dict[str, str], fmt: str = "json,md") -> int:
    """One tenant's job: ``ws1-audit run`` into its folder of the shared storage."""
    args = ["--quiet", "run", "--record-failure", "--config", str(config), "--out", str(out)]
    return ws1(*args, "--format", fmt, env=env).returncode


def test_fleet_summarises_jobs_run_anywhere(
    three_tenants: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    folder, env = three_tenants
    shared = tmp_path / "shared" / "2026-11-23"
    codes = {
        name: _job(folder / f"{name}.toml", shared / slug, env)
        for name, slug in (
            ("Contoso Ready", "contoso"),
            ("Fabrikam", "fabrikam"),
            ("Northwind", "northwind"),
        )
    }
    assert codes == {"Contoso Ready": 0, "Fabrikam": 1, "Northwind": 4}
    assert [p.name for p in (shared / "northwind").iterdir()] == ["error.txt"]
    name, code, reason = read_error_note(shared / "northwind" / "error.txt")
    assert (name, code) == ("Northwind", 4) and "401" in reason

    out = tmp_path / "summary"
    proc = ws1("fleet", str(shared), "--out", str(out))
    assert proc.returncode == 4, proc.stdout + proc.stderr  # the worst: collection failed
    assert "Fleet of 3 tenants: exit 4" in proc.stdout and "FAILED    northwind" in proc.stdout
    frame = pd.read_csv(out / "fleet.csv", encoding="utf-8-sig")
    assert list(frame["slug"]) == ["contoso", "fabrikam", "northwind"]
    assert list(frame["tenant"]) == ["Contoso Ready", "Fabrikam", "Northwind"]
    assert list(frame["verdict"]) == ["ready", "not-ready", "failed"]
    assert list(frame["exit_code"]) == [0, 1, 4]
    assert frame["config"][0] == str(shared / "contoso")
    html = (out / "fleet.html").read_text(encoding="utf-8")
    assert 'href="../shared/2026-11-23/contoso/results.json"' in html
    assert 'href="../shared/2026-11-23/northwind/error.txt"' in html
    assert "fleet.csv" in PdfReader(out / "fleet.pdf").attachments

    # the failed tenant's next job succeeds: its error note goes, the fleet is ready but one
    fixed = dict(env, PW_WRONG=env["PW_READY"])
    assert _job(folder / "Northwind.toml", shared / "northwind", fixed) == 1
    assert sorted(
        p.name for p in (shared / "northwind").iterdir() if not p.name.startswith(".")
    ) == [
        "results.json",
        "snapshot.json",
        "summary.md",
    ]
    again = ws1("fleet", str(shared / "contoso"), str(shared / "northwind"), "--out", str(out))
    assert again.returncode == 1 and "Fleet of 2 tenants: exit 1" in again.stdout


def test_a_broken_results_json_is_a_row_not_a_stop(tmp_path: Path) -> None:
    good = tmp_path / "jobs" / "good"
    good.mkdir(parents=True)
    ready = json.loads((Path(__file__).parent / "data" / "results_ready.json").read_text())
    (good / "results.json").write_text(json.dumps(sealed(ready)), encoding="utf-8")
    bad = tmp_path / "jobs" / "bad"
    bad.mkdir()
    data = json.loads((good / "results.json").read_text(encoding="utf-8"))
    data["content_sha256"] = "0" * 64  # sealed, then edited
    (bad / "results.json").write_text(json.dumps(data), encoding="utf-8")
    (tmp_path / "jobs" / "notes").mkdir()  # a folder without a tenant is ignored
    proc = ws1("fleet", str(tmp_path / "jobs"), "--out", str(tmp_path / "out"))
    assert proc.returncode == 3, proc.stdout + proc.stderr
    frame = pd.read_csv(tmp_path / "out" / "fleet.csv", encoding="utf-8-sig")
    assert list(frame["slug"]) == ["bad", "good"] and list(frame["exit_code"]) == [3, 0]
    assert "integrity check failed" in frame["problem"][0]


def test_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    proc = ws1("fleet", str(tmp_path / "empty"))
    assert proc.returncode == 3 and "holds no results.json or error.txt" in proc.stderr
    missing = ws1("fleet", str(tmp_path / "nope"))
    assert missing.returncode == 3
    (tmp_path / "a" / "x").mkdir(parents=True)
    (tmp_path / "a" / "x" / "error.txt").write_text("tenant: X\nexit code: 4 (c)\nerror: e\n")
    assert tenant_folders([tmp_path / "a", tmp_path / "a" / "x"]) == [tmp_path / "a" / "x"]


def test_a_fleet_renders_its_pdfs_in_a_process_pool_and_signs_them(
    simulator: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    from test_fleet import tenant_file

    pki = make_pki(tmp_path / "pki")
    tenant = load_scenario("ready")
    url = simulator(tenant).url
    report = f'\n[report]\nsign_key = "{pki.signer_p12}"\nsign_passphrase_env = "SIGN_PW"\n'
    paths = [tenant_file(tmp_path / "cfg", n, url, "PW", report) for n in ("a", "b")]
    monkeypatch.setenv("PW", tenant["credentials"]["password"])
    monkeypatch.setenv("SIM_TENANT_CODE", tenant["credentials"]["tenant_code"])
    monkeypatch.setenv("SIGN_PW", PASSPHRASE)
    for processes in (2, 0):
        out = tmp_path / f"out{processes}"
        options = fleet.FleetOptions(
            out=out, formats=lambda _c: ["json", "pdf", "handover"], render_processes=processes
        )
        result = fleet.run_fleet(paths, options)
        assert [r.exit_code for r in result.tenants] == [1, 1], [r.problem for r in result.tenants]
        for slug in ("a", "b"):
            files = [out / slug / n for n in ("report.pdf", "handover.pdf", "results.json")]
            assert {p for p in files} <= set(result.tenants[0].written + result.tenants[1].written)
            outcomes = verify_files(files, [pki.ca_cert])
            assert all(o.ok for o in outcomes), [o.line() for o in outcomes]
            text = "".join(
                p.extract_text() for p in PdfReader(io.BytesIO(files[0].read_bytes())).pages
            )
            assert "Results SHA-256" in text
