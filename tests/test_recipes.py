"""The README's scale-out recipes, parsed and run: Kubernetes, GitHub Actions, GitLab CI.

Each recipe's YAML must parse and have the shape its scheduler needs (an indexed Job, a
matrix). Then its per-tenant script runs here exactly as written, once per tenant, against
simulated tenants over loopback (one with a wrong password), with the scheduler's
variables set as the scheduler would set them; then its summary script runs over what the
tenants wrote. Only the mount paths of the Kubernetes recipe are mapped to temporary folders.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml
from robust_helpers import write_config
from test_baseline import attestations_toml

from audit.simulator import load_scenario

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
TENANTS = ("contoso", "fabrikam", "northwind")  # the tenants the recipes' matrices name
WRONG = "wr0ng-Passw0rd-ab12"


def _yaml_blocks(start: str, end: str) -> list[str]:
    section = README[README.index(start) : README.index(end, README.index(start))]
    return re.findall(r"```yaml\n(.*?)```", section, flags=re.S)


def _recipes() -> list[str]:
    return _yaml_blocks("### Scaling out: one job per tenant", "\n## Performance")


def test_every_yaml_recipe_parses() -> None:
    blocks = _yaml_blocks("## Scheduled compliance", "\n## Performance")
    assert len(blocks) == 5  # the single-tenant GitHub and GitLab jobs, then the three below
    for block in blocks:
        assert [d for d in yaml.safe_load_all(block) if d]


@pytest.fixture
def tenants(simulator: Any, tmp_path: Path) -> dict[str, Any]:
    """Three tenant configs per naming scheme: contoso ready, fabrikam not ready, northwind
    with a wrong password; and the credentials of each."""
    ready, not_ready = load_scenario("ready"), load_scenario("not-ready")
    urls = {"contoso": simulator(ready).url, "fabrikam": simulator(not_ready).url}
    urls["northwind"] = urls["contoso"]
    extra = {"contoso": attestations_toml()}
    creds = {t: dict((ready if t != "fabrikam" else not_ready)["credentials"]) for t in TENANTS}
    creds["northwind"]["password"] = WRONG

    def write(folder: Path, tenant: str, password_env: str, code_env: str) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        return write_config(
            folder / f"{tenant}.toml",
            urls[tenant],
            tenant={
                "name": tenant.capitalize(),
                "password_env": password_env,
                "tenant_code_env": code_env,
            },
            report={"formats": ["json", "md"]},
            raw=extra.get(tenant, ""),
        )

    return {"write": write, "creds": creds}


def _env(**extra: str) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)  # the virtualenv's ws1-audit
    return {
        **os.environ,
        "PATH": bin_dir + os.pathsep + os.environ["PATH"],
        "WS1_AUDIT_NO_ENTRYPOINTS": "1",
        **extra,
    }


def _sh(script: str, cwd: Path, env: dict[str, str], shell: str = "sh") -> int:
    proc = subprocess.run(
        [shell, "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        stdin=subprocess.DEVNULL,
    )
    return proc.returncode


def _fleet_rows(path: Path) -> list[tuple[str, int]]:
    frame = pd.read_csv(path, encoding="utf-8-sig")
    return list(zip(frame["tenant"], frame["exit_code"], strict=True))


EXPECTED = [("Contoso", 0), ("Fabrikam", 1), ("Northwind", 4)]


def test_kubernetes_indexed_job_then_the_summary(tenants: dict[str, Any], tmp_path: Path) -> None:
    audit, summary, claim = yaml.safe_load_all(_recipes()[0])
    assert (audit["kind"], summary["kind"], claim["kind"]) == (
        "CronJob",
        "CronJob",
        "PersistentVolumeClaim",
    )
    job = audit["spec"]["jobTemplate"]["spec"]
    assert job["completionMode"] == "Indexed" and job["completions"] == len(TENANTS)
    pod = job["template"]["spec"]
    [container] = pod["containers"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    claims = {
        v["name"]: v.get("persistentVolumeClaim", {}).get("claimName") for v in pod["volumes"]
    }
    assert claims["reports"] == claim["metadata"]["name"]
    [script] = container["args"]
    [fleet_script] = summary["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0][
        "args"
    ]
    local = {mounts["tenants"]: tmp_path / "tenants", mounts["reports"]: tmp_path / "reports"}
    for mount, folder in local.items():  # the only change: the mounts become local folders
        assert mount in script
        script, fleet_script = (
            script.replace(mount, str(folder)),
            fleet_script.replace(mount, str(folder)),
        )
    secrets = {}  # one Secret for all tenants: each config names its own variables
    for t in TENANTS:
        tenants["write"](
            tmp_path / "tenants", t, f"WS1_PASSWORD_{t.upper()}", f"WS1_TENANT_CODE_{t.upper()}"
        )
        secrets |= {
            f"WS1_PASSWORD_{t.upper()}": tenants["creds"][t]["password"],
            f"WS1_TENANT_CODE_{t.upper()}": tenants["creds"][t]["tenant_code"],
        }
    codes = [_sh(script, tmp_path, _env(JOB_COMPLETION_INDEX=str(i), **secrets)) for i in range(3)]
    assert codes == [0, 0, 1]  # not ready is a finding; a tenant that cannot be audited fails
    [day] = [p for p in (tmp_path / "reports").iterdir() if p.name != "history"]
    assert sorted(p.name for p in (tmp_path / "reports" / "history").iterdir()) == [
        "contoso",
        "fabrikam",
    ]
    assert _sh(fleet_script, tmp_path, _env()) == 4
    assert _fleet_rows(day / "fleet.csv") == EXPECTED


def test_github_actions_matrix_then_the_summary(tenants: dict[str, Any], tmp_path: Path) -> None:
    workflow = yaml.safe_load(_recipes()[1])
    audit, fleet = workflow["jobs"]["audit"], workflow["jobs"]["fleet"]
    assert audit["strategy"]["matrix"]["tenant"] == list(TENANTS)
    assert audit["strategy"]["fail-fast"] is False
    assert fleet["needs"] == "audit" and fleet["if"] == "always()"
    [step] = [s for s in audit["steps"] if s.get("name") == "Audit"]
    assert step["env"]["TENANT"] == "${{ matrix.tenant }}"
    [upload] = [s for s in audit["steps"] if "upload-artifact" in s.get("uses", "")]
    [download] = [s for s in fleet["steps"] if "download-artifact" in s.get("uses", "")]
    [summary] = [s for s in fleet["steps"] if s.get("name") == "Fleet summary"]
    work, runner = tmp_path / "repo", tmp_path / "fleet-runner"
    for tenant in TENANTS:  # one matrix job each, in its own checkout
        checkout = work / tenant
        tenants["write"](checkout / "ws1", tenant, "WS1_PASSWORD", "WS1_TENANT_CODE")
        creds = tenants["creds"][tenant]
        env = _env(
            TENANT=tenant, WS1_PASSWORD=creds["password"], WS1_TENANT_CODE=creds["tenant_code"]
        )
        assert _sh(step["run"], checkout, env, "bash") == (1 if tenant == "northwind" else 0)
        # upload-artifact, then download-artifact by pattern: <path>/<artifact name>/
        name = upload["with"]["name"].replace("${{ matrix.tenant }}", tenant)
        source = checkout / upload["with"]["path"].replace("${{ matrix.tenant }}", tenant)
        assert re.fullmatch(download["with"]["pattern"].replace("*", ".*"), name)
        shutil.copytree(source, runner / download["with"]["path"] / name)
    assert _sh(summary["run"], runner, _env(), "bash") == 4
    assert _fleet_rows(runner / "fleet" / "fleet.csv") == EXPECTED


def test_gitlab_parallel_matrix_then_the_summary(tenants: dict[str, Any], tmp_path: Path) -> None:
    pipeline = yaml.safe_load(_recipes()[2])
    assert pipeline["stages"] == ["audit", "fleet"]
    audit, fleet = pipeline["audit"], pipeline["fleet"]
    [matrix] = audit["parallel"]["matrix"]
    assert matrix["TENANT"] == list(TENANTS) and audit["artifacts"]["when"] == "always"
    assert all(rule["when"] == "always" for rule in fleet["rules"])
    work = tmp_path / "project"
    secrets = {}
    for tenant in TENANTS:
        tenants["write"](
            work / "ws1",
            tenant,
            f"WS1_PASSWORD_{tenant.upper()}",
            f"WS1_TENANT_CODE_{tenant.upper()}",
        )
        secrets |= {
            f"WS1_PASSWORD_{tenant.upper()}": tenants["creds"][tenant]["password"],
            f"WS1_TENANT_CODE_{tenant.upper()}": tenants["creds"][tenant]["tenant_code"],
        }
    for tenant in TENANTS:  # GitLab restores each job's artifacts at the same paths
        code = _sh("\n".join(audit["script"]), work, _env(TENANT=tenant, **secrets), "bash")
        assert code == (1 if tenant == "northwind" else 0)
        assert (work / audit["artifacts"]["paths"][0].replace("$TENANT", tenant)).is_dir()
    assert _sh("\n".join(fleet["script"]), work, _env(**secrets), "bash") == 4
    assert _fleet_rows(work / "fleet" / "fleet.csv") == EXPECTED
