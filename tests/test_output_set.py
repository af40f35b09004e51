"""An output set is one set: never a mix of two runs, whatever happens to the run.

- SIGINT exits 130 and SIGTERM 143, and the previous complete set stays as it was (an
  interrupted run that had collected keeps its snapshot out of sight, in
  ``.ws1-audit-incomplete/``);
- a second run on a folder another run is writing into refuses with one line (exit 3);
- a write that fails at the end (the file-size limit standing in for a full disk) is exit 3
  naming the file, never 70, and leaves the previous set;
- ``--out`` under a file, a dangling symbolic link, an unwritable place, too little space:
  one line, exit 3, before the first request; ``collect --snapshot`` likewise;
- a run with fewer formats replaces the whole previous set (no stale report.pdf beside a
  new results.json); re-rendering a run into its own folder adds to it and never removes
  the results.json it reads.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hostile_server import wait_for
from robust_helpers import ROOT, cli_in_process, sim_env, write_config, ws1

from audit.simulator import load_scenario


@pytest.fixture(scope="module")
def tenant() -> dict[str, Any]:
    return load_scenario("ready")


def _visible(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if not p.name.startswith(".")}


def _staged(out: Path, name: str = "") -> bool:
    return any((d / name).exists() if name else True for d in out.glob(".ws1-audit-staging-*"))


def _popen(args: list[str], env: dict[str, str], **kwargs: Any) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", "from audit.cli import main; main()", *args],
        cwd=ROOT,
        env={**os.environ, "WS1_AUDIT_NO_ENTRYPOINTS": "1", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        **kwargs,
    )


@pytest.fixture
def previous(tenant: dict[str, Any], simulator: Any, tmp_path: Path) -> dict[str, Any]:
    """An output folder holding a complete earlier run (json, md, csv)."""
    server = simulator(tenant)
    config = write_config(tmp_path / "t.toml", server.url)
    out = tmp_path / "out"
    proc = ws1("run", "--config", str(config), "--out", str(out), "--format", "json,md,csv",
               env=sim_env(tenant))  # fmt: skip
    assert proc.returncode in (0, 1), proc.stderr
    return {"out": out, "files": _visible(out), "config": config, "server": server}


# -- signals ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sig", "code", "name"), [(signal.SIGINT, 130, "SIGINT"), (signal.SIGTERM, 143, "SIGTERM")]
)
def test_an_interrupted_collection_exits_130_or_143_and_leaves_the_previous_set(
    sig: int, code: int, name: str, previous: dict[str, Any], tenant: dict[str, Any]
) -> None:
    previous["server"].latency_ms = 300  # collection takes seconds: time to interrupt it
    out = previous["out"]
    args = ["run", "--config", str(previous["config"]), "--out", str(out), "--format", "json,md"]
    proc = _popen(args, sim_env(tenant))
    try:
        wait_for(lambda: _staged(out) or proc.poll() is not None)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        wait_for(lambda: len(previous["server"].log) > 0)  # it is collecting
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == code, stderr
    assert (
        stderr.decode()
        .strip()
        .endswith(f"interrupted ({name}); outputs already in place were left as they were")
    )
    assert _visible(out) == previous["files"]
    assert not _staged(out) and not (out / ".ws1-audit-incomplete").exists()


def test_sigterm_while_rendering_keeps_the_snapshot_aside(
    previous: dict[str, Any], tenant: dict[str, Any]
) -> None:
    out = previous["out"]
    args = ["run", "--config", str(previous["config"]), "--out", str(out), "--format", "md,pdf,csv"]
    proc = _popen(args, sim_env(tenant))
    try:
        wait_for(lambda: _staged(out, "summary.md") or proc.poll() is not None)
        assert proc.poll() is None, "the run ended before it could be interrupted"
        proc.send_signal(signal.SIGTERM)  # the PDF is being laid out
        _, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143, stderr
    assert _visible(out) == previous["files"]
    kept = out / ".ws1-audit-incomplete"
    assert json.loads((kept / "snapshot.json").read_text())["requests"]  # nothing collected is lost
    assert b"the snapshot collected by this run is kept in" in stderr


# -- two runs, one folder -------------------------------------------------------------------------


def test_a_second_run_on_the_same_folder_refuses_with_one_line(
    previous: dict[str, Any], tenant: dict[str, Any]
) -> None:
    previous["server"].latency_ms = 3000  # the first run holds the folder for many seconds
    out = previous["out"]
    args = ["run", "--config", str(previous["config"]), "--out", str(out), "--format", "json,md"]
    first = _popen(args, sim_env(tenant))
    try:
        wait_for(lambda: _staged(out) or first.poll() is not None)
        assert first.poll() is None
        second = ws1(*args, env=sim_env(tenant))
        previous["server"].latency_ms = 0
        _, stderr = first.communicate(timeout=120)
    finally:
        if first.poll() is None:
            first.kill()
    assert second.returncode == 3 and second.stdout == ""
    assert second.stderr.count("\n") == 1
    assert "another ws1-audit run is writing into this folder" in second.stderr
    assert first.returncode in (0, 1), stderr
    marker = json.loads((out / ".ws1-audit-set.json").read_text())
    results = json.loads((out / "results.json").read_text())
    assert marker["run_id"] == results["run"]["id"]
    assert set(marker["files"]) == {"results.json", "snapshot.json", "summary.md"}
    assert set(_visible(out)) == set(marker["files"])  # the older csv files are gone too


# -- a write failing at the end ---------------------------------------------------------------------


def _limit_file_size() -> None:  # runs in the child before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


def test_a_write_failing_at_the_end_is_exit_3_naming_the_file(
    previous: dict[str, Any], tenant: dict[str, Any]
) -> None:
    out = previous["out"]
    args = ["run", "--config", str(previous["config"]), "--out", str(out), "--format", "json,md"]
    proc = _popen(args, sim_env(tenant), preexec_fn=_limit_file_size)
    _, stderr = proc.communicate(timeout=120)
    text = stderr.decode()
    assert proc.returncode == 3, text
    assert "internal error" not in text
    line = next(x for x in text.splitlines() if x.startswith("ws1-audit: error: "))
    assert "snapshot.json: cannot write: File too large" in line
    assert _visible(out) == previous["files"]


# -- preflight: before the first request ----------------------------------------------------------


def _no_space(path: Any) -> Any:
    from collections import namedtuple

    return namedtuple("usage", "total used free")(1 << 30, 1 << 30, 1024)


PREFLIGHT = [
    pytest.param(
        lambda t: t / "file.txt" / "out", "file.txt is a file, not a folder", id="under-a-file"
    ),
    pytest.param(lambda t: t / "file.txt", "is a file", id="a-file"),
    pytest.param(lambda t: t / "dangling", "dangling symbolic link", id="dangling-symlink"),
    pytest.param(lambda t: Path("/sys/ws1-audit-out"), "cannot write into /sys", id="unwritable"),
    pytest.param(lambda t: t / "out", "only 1 KB free on its disk", id="no-space"),
]


@pytest.mark.parametrize(("where", "words"), PREFLIGHT)
@pytest.mark.parametrize("command", ["run", "collect"])
def test_an_unusable_output_is_one_line_exit_3_before_any_request(
    where: Any,
    words: str,
    command: str,
    tenant: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    request: pytest.FixtureRequest,
) -> None:
    server = simulator(tenant)
    config = write_config(tmp_path / "t.toml", server.url)
    (tmp_path / "file.txt").write_text("not a folder")
    (tmp_path / "dangling").symlink_to(tmp_path / "missing" / "folder")
    if "no-space" in request.node.name:
        monkeypatch.setattr("audit.outset.shutil.disk_usage", _no_space)
    out = where(tmp_path)
    if command == "run":
        args = ["run", "--config", str(config), "--out", str(out)]
    else:
        args = ["collect", "--config", str(config), "--snapshot", str(out / "snapshot.json")]
    code, stdout, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 3 and stdout == "", stderr
    assert stderr.count("\n") == 1 and words in stderr, stderr
    assert server.log == []  # not one request


def test_collect_into_a_folder_name_is_one_line(
    tenant: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = simulator(tenant)
    config = write_config(tmp_path / "t.toml", server.url)
    args = ["collect", "--config", str(config), "--snapshot", str(tmp_path)]
    code, _, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code == 3 and stderr.count("\n") == 1 and "is a directory" in stderr
    assert server.log == []


# -- what one set holds ----------------------------------------------------------------------------


def test_fewer_formats_replace_the_whole_set_and_a_rerender_adds_to_its_own(
    previous: dict[str, Any],
    tenant: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = previous["out"]
    assert {"findings.csv", "summary.md"} <= set(previous["files"])
    args = ["run", "--config", str(previous["config"]), "--out", str(out), "--format", "json"]
    code, _, stderr = cli_in_process(args, sim_env(tenant), monkeypatch, capsys)
    assert code in (0, 1), stderr
    assert set(_visible(out)) == {"results.json", "snapshot.json"}  # no stale csv or md
    run_id = json.loads((out / "results.json").read_text())["run"]["id"]
    args = ["render", str(out / "results.json"), "--format", "md", "--out", str(out)]
    code, _, stderr = cli_in_process(args, {}, monkeypatch, capsys)
    assert code == 0, stderr
    assert set(_visible(out)) == {"results.json", "snapshot.json", "summary.md"}
    marker = json.loads((out / ".ws1-audit-set.json").read_text())
    assert marker["run_id"] == run_id and set(marker["files"]) == set(_visible(out))
    # evaluate into the folder it reads the snapshot from: a new run, the snapshot stays
    args = ["evaluate", "--snapshot", str(out / "snapshot.json"), "--out", str(out)]
    code, _, stderr = cli_in_process(args, {}, monkeypatch, capsys)
    assert code in (0, 1), stderr
    assert set(_visible(out)) == {"results.json", "snapshot.json"}
    assert json.loads((out / "results.json").read_text())["run"]["id"] != run_id
