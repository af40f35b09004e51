"""Many tenants in one run: `run --config a --config b ...` or `--config DIR`.

Three simulated tenants over loopback, one with wrong credentials: three tenant folders, a
fleet summary that names the failed tenant, and the worst exit code.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pytest
from pypdf import PdfReader
from test_baseline import attestations_toml
from test_cli import write_config, ws1

from audit import fleet, pipeline
from audit.errors import UsageError
from audit.simulator import load_scenario
from reports.fleet import render_fleet

WRONG = "wr0ng-Passw0rd-31337"


def tenant_file(folder: Path, name: str, api_url: str, password_env: str, extra: str = "") -> Path:
    """A config named ``<name>.toml`` in ``folder`` for tenant ``name``."""
    sub = folder / f".{name}"
    sub.mkdir(parents=True)
    text = write_config(sub, api_url, extra).read_text(encoding="utf-8")
    text = text.replace('name = "Contoso (simulated)"', f'name = "{name}"').replace(
        "SIM_PASSWORD", password_env
    )
    path = folder / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def three_tenants(simulator: Any, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A folder of three configs: a ready tenant, a not-ready one, one with a wrong password."""
    ready, not_ready = load_scenario("ready"), load_scenario("not-ready")
    s1, s2 = simulator(ready), simulator(not_ready)
    folder = tmp_path / "tenants"
    tenant_file(folder, "Contoso Ready", s1.url, "PW_READY", attestations_toml())
    tenant_file(folder, "Fabrikam", s2.url, "PW_NOT_READY")
    tenant_file(folder, "Northwind", s1.url, "PW_WRONG")
    env = {
        "PW_READY": ready["credentials"]["password"],
        "PW_NOT_READY": not_ready["credentials"]["password"],
        "PW_WRONG": WRONG,
        "SIM_TENANT_CODE": ready["credentials"]["tenant_code"],
    }
    assert ready["credentials"]["tenant_code"] == not_ready["credentials"]["tenant_code"]
    return folder, env


def test_a_fleet_of_three_with_wrong_credentials(
    three_tenants: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    folder, env = three_tenants
    out = tmp_path / "out"
    configs = [str(folder / f"{n}.toml") for n in ("Contoso Ready", "Fabrikam", "Northwind")]
    args = [a for c in configs for a in ("--config", c)]
    proc = ws1("run", *args, "--out", str(out), "--format", "json,MD,csv,html", env=env)
    assert proc.returncode == 4, proc.stdout + proc.stderr  # the worst tenant's: collection failed
    assert sorted(p.name for p in out.iterdir() if p.is_dir()) == [
        "contoso-ready",
        "fabrikam",
        "northwind",
    ]
    for slug in ("contoso-ready", "fabrikam"):
        assert {"results.json", "snapshot.json", "summary.md"} <= {
            p.name for p in (out / slug).iterdir()
        }
    assert [p.name for p in (out / "northwind").iterdir()] == ["error.txt"]
    note = (out / "northwind" / "error.txt").read_text(encoding="utf-8")
    assert "exit code: 4" in note and "401" in note

    frame = pd.read_csv(out / "fleet.csv", encoding="utf-8-sig")
    assert list(frame["tenant"]) == ["Contoso Ready", "Fabrikam", "Northwind"]
    assert list(frame["verdict"]) == ["ready", "not-ready", "failed"]
    assert list(frame["exit_code"]) == [0, 1, 4]
    rows = frame.to_dict("records")
    assert rows[0]["pass"] == 16 and rows[1]["fail"] >= 8 and pd.isna(rows[2]["pass"])
    assert "401" in str(rows[2]["problem"])
    assert rows[0]["uem_version"] == "pass" and rows[1]["uem_version"] == "fail"
    assert len([c for c in frame.columns if c in pipeline.get_registry().checks]) == 16

    html = (out / "fleet.html").read_text(encoding="utf-8")
    assert "Tenants that could not be audited" in html and "Northwind" in html and "401" in html
    assert 'href="contoso-ready/report.html"' in html
    assert 'href="northwind/error.txt"' in html
    # --format honoured for the fleet summary too: no pdf asked, no fleet.pdf
    assert not (out / "fleet.pdf").exists() and (out / "fleet.json").is_file()
    summary = json.loads((out / "fleet.json").read_text(encoding="utf-8"))
    assert [t["exit_code"] for t in summary["tenants"]] == [0, 1, 4]
    [pdf_path] = render_fleet(summary, tmp_path / "pdf", ["pdf"])
    pdf = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    text = "".join(page.extract_text() for page in pdf.pages)
    assert "Northwind" in text and "not audited" in text.lower()
    assert "fleet.csv" in pdf.attachments

    assert "Fleet of 3 tenants: exit 4" in proc.stdout and "FAILED    northwind" in proc.stdout
    for path in out.rglob("*"):
        if path.is_file() and path.suffix in (".json", ".csv", ".html", ".md", ".txt"):
            assert WRONG not in path.read_text(encoding="utf-8", errors="replace"), path
    assert WRONG not in proc.stdout + proc.stderr


def test_a_config_folder_with_a_bad_config(
    three_tenants: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    folder, env = three_tenants
    (folder / "Northwind.toml").unlink()
    bad = folder / "zeta.toml"
    bad.write_text(
        '[tenant]\nname = "Zeta GmbH"\napi_url = "http://127.0.0.1:9"\nusernme = "x"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    proc = ws1("run", "--config", str(folder), "--out", str(out), "--format", "json,csv", env=env)
    assert proc.returncode == 3, proc.stdout + proc.stderr  # 3 (config) outranks 1 and 0
    note = (out / "zeta-gmbh" / "error.txt").read_text(encoding="utf-8")
    assert "tenant.usernme: unknown key" in note and "exit code: 3" in note
    frame = pd.read_csv(out / "fleet.csv", encoding="utf-8-sig")
    assert list(frame["slug"]) == ["contoso-ready", "fabrikam", "zeta-gmbh"]
    assert list(frame["exit_code"]) == [0, 1, 3]


def test_the_history_and_baseline_of_a_fleet_are_per_tenant(
    three_tenants: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    folder, env = three_tenants
    (folder / "Northwind.toml").unlink()
    hist = tmp_path / "history"
    first = ws1(
        "run",
        "--config",
        str(folder),
        "--out",
        str(tmp_path / "d1"),
        "--format",
        "json",
        "--history",
        str(hist),
        env=env,
    )
    assert first.returncode == 1, first.stdout + first.stderr
    second = ws1(
        "run",
        "--config",
        str(folder),
        "--out",
        str(tmp_path / "d2"),
        "--format",
        "json,csv",
        "--history",
        str(hist),
        env=env,
    )
    assert second.returncode == 1
    assert sorted(p.name for p in hist.iterdir()) == ["contoso-ready", "fabrikam"]
    assert all(
        len(list((hist / s).glob("results-*.json"))) == 2 for s in ("contoso-ready", "fabrikam")
    )
    frame = pd.read_csv(tmp_path / "d2" / "fleet.csv", encoding="utf-8-sig")
    assert list(frame["regressed"]) == [0, 0] and list(frame["fixed"]) == [0, 0]
    third = ws1(
        "run",
        "--config",
        str(folder),
        "--out",
        str(tmp_path / "d3"),
        "--format",
        "json,csv",
        "--baseline",
        str(tmp_path / "d1"),
        env=env,
    )
    assert third.returncode == 1
    assert pd.read_csv(tmp_path / "d3" / "fleet.csv", encoding="utf-8-sig")[
        "regressed"
    ].tolist() == [0, 0]
    trend = ws1("history", str(hist))
    assert (
        trend.returncode == 0
        and (hist / "trend.html").read_text(encoding="utf-8").count("<svg") == 2
    )
    bad = ws1(
        "run", "--config", str(folder), "--baseline", str(tmp_path / "d1" / "fleet.csv"), env=env
    )
    assert bad.returncode == 3 and "earlier fleet run" in bad.stderr


def test_tenants_are_collected_concurrently(
    simulator: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, str]] = []
    names: dict[int | None, str] = {}

    class Spy(httpx.AsyncHTTPTransport):
        """The network, noting when each tenant's requests start and end."""

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            name = names.get(request.url.port, "?")
            events.append(("start", name))
            try:
                return await super().handle_async_request(request)
            finally:
                events.append(("end", name))

    tenant = load_scenario("ready")
    folder = tmp_path / "cfg"
    paths = []
    for n in ("a", "b", "c"):
        server = simulator(tenant, latency_ms=5)
        names[httpx.URL(server.url).port] = n
        paths.append(tenant_file(folder, n, server.url, "PW"))
    monkeypatch.setenv("PW", tenant["credentials"]["password"])
    monkeypatch.setenv("SIM_TENANT_CODE", tenant["credentials"]["tenant_code"])
    options = fleet.FleetOptions(
        out=tmp_path / "out", formats=lambda _c: ["json"], transport=lambda _config: Spy()
    )
    result = fleet.run_fleet(paths, options)
    assert [r.exit_code for r in result.tenants] == [1, 1, 1]  # no attestations: manual checks
    assert [kind for kind, _ in events[:3]] == ["start"] * 3  # all three began before any ended
    first_end = [kind for kind, _ in events].index("end")
    assert {name for _, name in events[:first_end]} == {"a", "b", "c"}  # each tenant's, at once
    assert {r.slug for r in result.tenants} == {"a", "b", "c"}


def test_worst_exit_code_ranks_by_number() -> None:
    assert fleet.worst_exit_code([0, 1, 2, 3, 4]) == 4
    assert fleet.worst_exit_code([1, 3, 2]) == 3 and fleet.worst_exit_code([0, 2, 1]) == 2
    assert fleet.worst_exit_code([4, 70]) == 70 and fleet.worst_exit_code([]) == 0


def test_slugs_and_config_discovery(tmp_path: Path) -> None:
    assert fleet.slugify("Contoso (EU) Ltd.") == "contoso-eu-ltd"
    assert fleet.slugify("Ünïcödé AG") == "unicode-ag" and fleet.slugify("東京") == ""
    (tmp_path / "b.toml").write_text('[tenant]\nname = "Same"\n')
    (tmp_path / "a.toml").write_text('[tenant]\nname = "Same"\n')
    (tmp_path / "notes.txt").write_text("x")
    found = fleet.discover_configs([tmp_path, tmp_path / "a.toml"])
    assert [p.name for p in found] == ["a.toml", "b.toml"]
    runs = fleet._prepare(found, fleet.FleetOptions(out=tmp_path / "out", formats=lambda _c: []))
    assert [r.slug for r in runs] == ["same", "same-2"] and all(r.exit_code == 3 for r in runs)
    (tmp_path / "empty").mkdir()
    with pytest.raises(UsageError, match="holds no"):
        fleet.discover_configs([tmp_path / "empty"])


def test_a_single_config_keeps_the_single_tenant_layout(simulator: Any, tmp_path: Path) -> None:
    tenant = load_scenario("ready")
    path = tenant_file(tmp_path / "cfg", "Solo", simulator(tenant).url, "PW")
    out = tmp_path / "out"
    env = {
        "PW": tenant["credentials"]["password"],
        "SIM_TENANT_CODE": tenant["credentials"]["tenant_code"],
    }
    proc = ws1("run", "--config", str(path), "--out", str(out), "--format", "json", env=env)
    assert proc.returncode == 1 and sorted(p.name for p in out.iterdir()) == [
        ".ws1-audit-set.json",  # the marker naming the run (audit/outset.py)
        ".ws1-audit.lock",
        "results.json",
        "snapshot.json",
    ]
