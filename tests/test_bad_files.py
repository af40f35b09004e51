"""Bad input files: one line naming the file and the problem, exit 3, nothing overwritten.

Configs (unknown key, wrong type, missing value, missing environment variable, malformed
TOML, not UTF-8, missing file), snapshots and results.json (truncated, empty, not JSON,
wrong version, a value edited after writing so that its SHA-256 no longer matches, schema
violations) are handed to every command that reads them; each must stop with exit 3 and
one line on stderr, before any request or output, leaving the previous reports in the
output folder byte for byte.

Outputs are atomic: a render process killed mid-way (SIGKILL while it lays out the PDF)
leaves the previous reports intact, as does a writer killed half way through a file.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from robust_helpers import ROOT, audit_in_process, cli_in_process, config_for, sim_env, write_config

from audit import pipeline
from audit.simulator import SimulatorServer, load_scenario
from audit.snapshot import save_snapshot


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A good snapshot.json and results.json of the ready scenario."""
    base = tmp_path_factory.mktemp("good")
    tenant = load_scenario("ready")
    with SimulatorServer(tenant) as server:
        audit = audit_in_process(config_for(server.url, tenant, base), base, ("json",))
    save_snapshot(audit.snapshot, base / "snapshot.json")
    return {
        "snapshot": (base / "snapshot.json").read_bytes(),
        "results": (base / "results.json").read_bytes(),
        "tenant": tenant,
    }


@pytest.fixture
def previous(good: dict[str, Any], tmp_path: Path) -> dict[str, Any]:
    """An output folder holding a previous run's reports, and their bytes."""
    out = tmp_path / "out"
    results = json.loads(good["results"])
    pipeline.save_results(results, out)
    pipeline.render(results, out, ["md", "csv", "junit", "html"])
    (out / "snapshot.json").write_bytes(good["snapshot"])
    return {"out": out, "files": _contents(out)}


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _one_line(stderr: str, *words: str) -> None:
    assert stderr.count("\n") == 1 and stderr.startswith("ws1-audit: "), stderr
    assert "Traceback" not in stderr
    for word in words:
        assert word in stderr, (word, stderr)


# -- configs ---------------------------------------------------------------------------------

CONFIG_CASES = [
    pytest.param(
        {"collect": {"concurency": 3}}, "", {}, "collect.concurency: unknown key", id="unknown-key"
    ),
    pytest.param(
        {"collect": {"concurrency": "eight"}},
        "",
        {},
        "collect.concurrency: expected an integer",
        id="wrong-type",
    ),
    pytest.param(
        {"tenant": {"verify_tls": "no"}},
        "",
        {},
        "tenant.verify_tls: expected true or false",
        id="wrong-type-bool",
    ),
    pytest.param(
        {}, "", {"SIM_PASSWORD": ""}, "environment variable SIM_PASSWORD is not set", id="env-var"
    ),
    pytest.param({}, "[tenant\nname = ", {}, "malformed TOML", id="malformed-toml"),
    pytest.param({}, "[[attestations]]\ncheck = 'x'\n", {}, "attestations[0]", id="bad-table"),
    # values at the edges (item 17)
    pytest.param(
        {"collect": {"concurrency": 0}},
        "",
        {},
        "collect.concurrency: expected an integer at least 1, got 0",
        id="concurrency-0",
    ),
    pytest.param(
        {"collect": {"timeout_s": 0}},
        "",
        {},
        "timeout_s: expected a number above 0",
        id="timeout-0",
    ),
    pytest.param(
        {"collect": {"timeout_s": -5}},
        "",
        {},
        "timeout_s: expected a number above 0",
        id="timeout-neg",
    ),
    pytest.param(
        {"collect": {"timeout_s": float("nan")}},
        "",
        {},
        "timeout_s: expected a number above 0, got nan",
        id="timeout-nan",
    ),
    pytest.param(
        {"collect": {"quota_reserve": 1}},
        "",
        {},
        "quota_reserve: expected a number at least 0 and below 1",
        id="quota-reserve-1",
    ),
    pytest.param(
        {"collect": {"quota_reserve": -0.1}},
        "",
        {},
        "quota_reserve: expected",
        id="quota-reserve-neg",
    ),
    pytest.param(
        {"collect": {"max_response_mb": 0}},
        "",
        {},
        "max_response_mb: expected",
        id="max-response-0",
    ),
    pytest.param(
        {"collect": {"cache_dir": "bad.toml"}},
        "",
        {},
        "is a file; expected a folder",
        id="cache-dir-file",
    ),
    pytest.param(
        {"tenant": {"api_url": "as1234.awmdm.com"}},
        "",
        {},
        "tenant.api_url: expected an https:// URL",
        id="api-url-no-scheme",
    ),
    pytest.param(
        {"tenant": {"api_url": "https://as 1234.awmdm.com"}},
        "",
        {},
        "tenant.api_url: expected a URL with a valid host name",
        id="api-url-bad-host",
    ),
    pytest.param(
        {"tenant": {"api_url": "https://admin:pw@as1234.awmdm.com"}},
        "",
        {},
        "must not carry credentials",
        id="api-url-credentials",
    ),
    pytest.param(
        {"tenant": {"allow_insecure_http": False}},
        "",
        {},
        "is http://: credentials and answers would travel in clear",
        id="http-without-allow",
    ),
    pytest.param(
        {}, "", {"SIM_TENANT_CODE": "tc-Schlüssel-1"}, "cannot carry", id="tenant-code-non-ascii"
    ),
    pytest.param({}, "", {"SIM_TENANT_CODE": "tc-key-0001\r"}, "cannot carry", id="tenant-code-cr"),
    # attestations validated like waivers (item 15)
    pytest.param(
        {},
        "[[attestations]]\ncheck = 'hub_auto_updat'\nvalue = true\nby = 'J'\ndate = 2026-01-05\n",
        {},
        "attestations[0].check: unknown check or setting 'hub_auto_updat'",
        id="attestation-unknown-check",
    ),
    pytest.param(
        {},
        "[[attestations]]\ncheck = 'uem_version'\nvalue = true\nby = 'J'\ndate = 2026-01-05\n",
        {},
        "'uem_version' takes no attestation",
        id="attestation-check-without-attestations",
    ),
    pytest.param(
        {},
        "[[attestations]]\ncheck = 'saas'\nvalue = true\nby = 'J'\ndate = 2999-01-05\n",
        {},
        "attestations[0].date: 2999-01-05 is in the future",
        id="attestation-future",
    ),
    pytest.param(
        {},
        "[[attestations]]\ncheck = 'saas'\nvalue = true\nby = 'J'\ndate = 2026-01-05\n"
        "evidence = 'missing/review.pdf'\n",
        {},
        "attestations[0].evidence: ",
        id="attestation-evidence-unreadable",
    ),
]


@pytest.mark.parametrize(("changes", "raw", "env", "words"), CONFIG_CASES)
def test_bad_config_is_one_line_exit_3_and_nothing_is_touched(
    changes: dict[str, Any],
    raw: str,
    env: dict[str, str],
    words: str,
    good: dict[str, Any],
    previous: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = simulator(good["tenant"])
    config = write_config(tmp_path / "bad.toml", server.url, raw=raw, **changes)
    for command in (
        ["run", "--config", str(config), "--out", str(previous["out"])],
        ["collect", "--config", str(config), "--snapshot", str(previous["out"] / "snapshot.json")],
    ):
        code, stdout, stderr = cli_in_process(
            command, sim_env(good["tenant"], **env), monkeypatch, capsys
        )
        assert code == 3 and stdout == ""
        _one_line(stderr, str(config), words)
    assert server.log == []  # nothing was asked of the tenant
    assert _contents(previous["out"]) == previous["files"]


@pytest.mark.parametrize(
    ("content", "words"),
    [
        pytest.param(b"", "missing", id="empty"),
        pytest.param(b"\xff\xfe[tenant]\n", "not UTF-8", id="not-utf8"),
        pytest.param(None, "cannot read", id="missing-file"),
        pytest.param(b"a = " + b"[" * 3000 + b"]" * 3000, "nested too deeply", id="deep-toml"),
        pytest.param(b"# " + b"x" * (2 << 20), "too large", id="huge"),
    ],
)
def test_unreadable_config(
    content: bytes | None,
    words: str,
    previous: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "bad.toml"
    if content is not None:
        config.write_bytes(content)
    args = ["run", "--config", str(config), "--out", str(previous["out"])]
    code, _, stderr = cli_in_process(args, {}, monkeypatch, capsys)
    assert code == 3
    _one_line(stderr, str(config), words)
    assert _contents(previous["out"]) == previous["files"]


# -- snapshots ---------------------------------------------------------------------------------


def _edit_snapshot(raw: bytes) -> bytes:
    data = json.loads(raw)
    info = next(r for r in data["requests"] if r["purpose"] == "system_info")
    info["body"]["ProductVersion"] = "99.1.0.0"  # a better version than the tenant has
    return json.dumps(data).encode()


def _version_snapshot(raw: bytes) -> bytes:
    data = json.loads(raw)
    data["snapshot_version"] = 2
    return json.dumps(data).encode()


SNAPSHOT_CASES = [
    pytest.param(lambda raw: raw[: len(raw) // 2], "invalid JSON", id="truncated"),
    pytest.param(lambda raw: b"", "invalid JSON", id="empty"),
    pytest.param(lambda raw: b"[1, 2]", "expected a JSON object", id="not-an-object"),
    pytest.param(_version_snapshot, "unsupported snapshot_version 2", id="wrong-version"),
    pytest.param(_edit_snapshot, "integrity check failed", id="edited-sha-mismatch"),
    pytest.param(
        lambda raw: json.dumps({**json.loads(raw), "requests": "x"}).encode(),
        "requests must be a list",
        id="wrong-shape",
    ),
]


@pytest.mark.parametrize(("corrupt", "words"), SNAPSHOT_CASES)
def test_bad_snapshot_is_one_line_exit_3_and_nothing_is_touched(
    corrupt: Any,
    words: str,
    good: dict[str, Any],
    previous: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "bad-snapshot.json"
    bad.write_bytes(corrupt(good["snapshot"]))
    out = str(previous["out"])
    for args in (
        ["evaluate", "--snapshot", str(bad), "--out", out],
        ["evaluate", "--snapshot", str(bad), "--out", out, "--format", "html,md,csv"],
    ):
        code, stdout, stderr = cli_in_process(args, {}, monkeypatch, capsys)
        assert code == 3 and stdout == ""
        _one_line(stderr, str(bad), words)
    # --debug adds the traceback; the last line is still the one-line error
    args = ["--debug", "evaluate", "--snapshot", str(bad), "--out", out]
    code, _, stderr = cli_in_process(args, {}, monkeypatch, capsys)
    assert code == 3 and "Traceback" in stderr
    assert stderr.rstrip("\n").splitlines()[-1].startswith(f"ws1-audit: error: {bad}: ")
    assert bad.read_bytes() == corrupt(good["snapshot"])  # the bad file is not "repaired"
    assert _contents(previous["out"]) == previous["files"]


# -- results.json ----------------------------------------------------------------------------------


def _results_edit(raw: bytes) -> bytes:
    data = json.loads(raw)
    failing = next(c for c in data["checks"] if c["status"] != "pass")
    failing["status"] = "pass"  # what someone might do to a results.json by hand
    return json.dumps(data).encode()


def _results_version(raw: bytes) -> bytes:
    return json.dumps({**json.loads(raw), "schema_version": 2}).encode()


def _results_schema(raw: bytes) -> bytes:
    from audit.results import sealed

    data = json.loads(raw)
    data["checks"][0]["status"] = "passed"
    return json.dumps(sealed(data)).encode()  # a correct hash over invalid content


RESULTS_CASES = [
    pytest.param(lambda raw: raw[: len(raw) // 3], "invalid JSON", id="truncated"),
    pytest.param(lambda raw: b"", "invalid JSON", id="empty"),
    pytest.param(_results_version, "unsupported schema_version 2", id="wrong-version"),
    pytest.param(_results_edit, "integrity check failed", id="edited-sha-mismatch"),
    pytest.param(_results_schema, "does not match the results schema", id="schema"),
]


@pytest.mark.parametrize(("corrupt", "words"), RESULTS_CASES)
def test_bad_results_is_one_line_exit_3_and_nothing_is_touched(
    corrupt: Any,
    words: str,
    good: dict[str, Any],
    previous: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad = tmp_path / "bad-results.json"
    bad.write_bytes(corrupt(good["results"]))
    good_copy = tmp_path / "good-results.json"
    good_copy.write_bytes(good["results"])
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_bytes(good["snapshot"])
    out = str(previous["out"])
    commands = [
        ["render", str(bad), "--format", "html,md,csv,json", "--out", out],
        ["diff", str(good_copy), str(bad)],
        ["diff", str(bad), str(good_copy)],
        ["evaluate", "--snapshot", str(snapshot), "--baseline", str(bad), "--out", out],
    ]
    for args in commands:
        code, stdout, stderr = cli_in_process(args, {}, monkeypatch, capsys)
        assert code == 3 and stdout == "", args
        _one_line(stderr, str(bad), words)
    assert _contents(previous["out"]) == previous["files"]


def test_a_bad_baseline_stops_run_before_any_request(
    good: dict[str, Any],
    previous: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = simulator(good["tenant"])
    bad = tmp_path / "baseline.json"
    bad.write_bytes(_results_edit(good["results"]))
    config = write_config(tmp_path / "t.toml", server.url)
    args = ["run", "--config", str(config), "--baseline", str(bad), "--out", str(previous["out"])]
    code, _, stderr = cli_in_process(args, sim_env(good["tenant"]), monkeypatch, capsys)
    assert code == 3
    _one_line(stderr, str(bad), "integrity check failed")
    assert server.log == []
    assert _contents(previous["out"]) == previous["files"]


def test_a_good_results_file_round_trips_with_its_hash(
    good: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: Any
) -> None:
    from audit.results import load_results, results_hash

    path = tmp_path / "results.json"
    path.write_bytes(good["results"])
    data = load_results(path)
    assert data["content_sha256"] == results_hash(data)
    # re-rendering it as json keeps it loadable
    args = ["render", str(path), "--format", "json", "--out", str(tmp_path / "again")]
    code, _, stderr = cli_in_process(args, {}, monkeypatch, capsys)
    assert code == 0, stderr
    assert load_results(tmp_path / "again" / "results.json") == data


# -- atomic outputs ----------------------------------------------------------------------------

OLD = {
    "report.pdf": b"%PDF-1.7\n% the previous report\n%%EOF\n",
    "report.html": b"<!DOCTYPE html><html><body>previous report</body></html>\n",
    "summary.md": b"# previous summary\n",
    "findings.csv": b"id,status\nprevious,pass\n",
}


def _complete(name: str, data: bytes) -> bool:
    """Whether ``data`` is a whole file of its kind (not a torn write)."""
    if name.endswith(".pdf"):
        return data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    if name.endswith(".html"):
        return data.rstrip().endswith(b"</html>")
    return bool(data)


def test_a_render_killed_mid_way_leaves_the_previous_reports_intact(
    good: dict[str, Any], tmp_path: Path
) -> None:
    """The set is staged: SIGKILL while the PDF is laid out changes nothing in --out, and
    the next run removes what the killed one left and puts a whole set in place."""
    out = tmp_path / "out"
    out.mkdir()
    for name, data in OLD.items():
        (out / name).write_bytes(data)
    results = tmp_path / "results.json"
    results.write_bytes(good["results"])
    args = ["render", str(results), "--format", "md,html,pdf,csv", "--out", str(out)]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from audit.cli import main; main()", *args],
        cwd=ROOT,
        env={**os.environ, "WS1_AUDIT_NO_ENTRYPOINTS": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # wait until report.html is staged: the PDF is being laid out now
        deadline = time.monotonic() + 60
        while not list(out.glob(".ws1-audit-staging-*/report.html")):
            assert proc.poll() is None, "render finished before it could be interrupted"
            assert time.monotonic() < deadline
            time.sleep(0.01)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    visible = {p.name: p.read_bytes() for p in out.iterdir() if not p.name.startswith(".")}
    assert visible == OLD  # not one file of the killed run, not one old file lost
    assert list(out.glob(".ws1-audit-staging-*"))  # what it left is out of sight
    proc2 = subprocess.run(
        [sys.executable, "-c", "from audit.cli import main; main()", *args],
        cwd=ROOT,
        env={**os.environ, "WS1_AUDIT_NO_ENTRYPOINTS": "1"},
        capture_output=True,
        timeout=180,
    )
    assert proc2.returncode == 0, proc2.stderr
    assert not list(out.glob(".ws1-audit-staging-*"))
    marker = json.loads((out / ".ws1-audit-set.json").read_text())
    assert marker["run_id"] == json.loads(good["results"])["run"]["id"]
    assert set(marker["files"]) == {"summary.md", "report.html", "report.pdf", "findings.csv",
                                    "evidence.csv"}  # fmt: skip
    for name in marker["files"]:
        assert _complete(name, (out / name).read_bytes()) and (out / name).read_bytes() != OLD.get(
            name
        )


def test_a_writer_killed_half_way_through_a_file_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "report.pdf"
    target.write_bytes(OLD["report.pdf"])
    script = (
        "import sys, time\n"
        "from audit.fileio import atomic_open\n"
        "with atomic_open(sys.argv[1]) as fh:\n"
        "    fh.write(b'%PDF-1.7 half of a new report ' * 1000)\n"
        "    fh.flush()\n"
        "    print('half', flush=True)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(target)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline() == b"half\n"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
        if proc.stdout is not None:
            proc.stdout.close()
    assert target.read_bytes() == OLD["report.pdf"]
    leftovers = [p.name for p in tmp_path.iterdir() if p.name != "report.pdf"]
    assert all(n.startswith(".report.pdf.") and n.endswith(".tmp") for n in leftovers)
    # the next write replaces the file whole
    from audit.fileio import write_atomic

    write_atomic(target, b"%PDF-1.7 new\n%%EOF\n")
    assert target.read_bytes() == b"%PDF-1.7 new\n%%EOF\n"


# -- hostile JSON in files we read: deep, lone surrogates, huge integers (item 12) -------------


def _deep(raw: bytes) -> bytes:
    deep = b'"extra": ' + b"[" * 5000 + b"]" * 5000 + b", "
    return raw.replace(b'"tool": {', b'"tool": {' + deep, 1).replace(
        b'"tool":{', b'"tool":{' + deep, 1
    )


def _surrogate(raw: bytes) -> bytes:
    return raw.replace(b'"name": "', b'"name": "\\ud800', 1).replace(
        b'"name":"', b'"name":"\\udc00', 1
    )


def _huge_int(raw: bytes) -> bytes:
    return raw.replace(b'"schema_version": 1', b'"schema_version": ' + b"1" * 5000, 1).replace(
        b'"snapshot_version":1', b'"snapshot_version":' + b"1" * 5000, 1
    )


def _infinity(raw: bytes) -> bytes:
    data = json.loads(raw)
    data["tool"]["extra"] = float("inf")
    return json.dumps(data).encode()  # Python writes Infinity: not JSON


HOSTILE_JSON = [
    pytest.param(_deep, "nested deeper than 100 levels", id="deep"),
    pytest.param(_surrogate, "lone surrogate", id="lone-surrogate"),
    pytest.param(_huge_int, "4300 digits", id="huge-integer"),
    pytest.param(_infinity, "Infinity is not a JSON number", id="infinity"),
]


@pytest.mark.parametrize(("corrupt", "words"), HOSTILE_JSON)
def test_hostile_json_in_any_input_file_is_exit_3(
    corrupt: Any,
    words: str,
    good: dict[str, Any],
    previous: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bad_results = tmp_path / "bad-results.json"
    bad_results.write_bytes(corrupt(good["results"]))
    bad_snapshot = tmp_path / "bad-snapshot.json"
    bad_snapshot.write_bytes(corrupt(good["snapshot"]))
    history = tmp_path / "history"
    history.mkdir()
    (history / "results-20261124T000000Z-deadbeef.json").write_bytes(corrupt(good["results"]))
    good_snapshot = tmp_path / "snapshot.json"
    good_snapshot.write_bytes(good["snapshot"])
    out = str(previous["out"])
    commands = [
        (["render", str(bad_results), "--format", "html,md", "--out", out], bad_results),
        (["diff", str(bad_results), str(bad_results)], bad_results),
        (["evaluate", "--snapshot", str(bad_snapshot), "--out", out], bad_snapshot),
        (["evaluate", "--snapshot", str(good_snapshot), "--baseline", str(bad_results),
          "--out", out], bad_results),
        (["history", str(history), "--out", str(tmp_path / "trend")], history),
    ]  # fmt: skip
    for args, path in commands:
        code, stdout, stderr = cli_in_process(args, {}, monkeypatch, capsys)
        assert code == 3 and stdout == "", (args, stderr)
        _one_line(stderr, str(path))
        if path != history:
            assert words in stderr, (args, stderr)
    assert _contents(previous["out"]) == previous["files"]


def test_schema_valid_but_inconsistent_results_are_exit_3(
    good: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """What the renderers rely on is in the schema: a correct hash over such content is
    refused with one line, never rendered into exit 70."""
    from audit.results import sealed

    def attestation_without_fields(d: dict[str, Any]) -> None:
        d["checks"][0]["attestation"] = {"check": "x"}

    def drift_of_the_wrong_type(d: dict[str, Any]) -> None:
        d["baseline"] = {"changes": {k: [] for k in ("new", "fixed", "regressed", "unchanged")},
                         "evidence_drift": {"uem_version": {"added": 1, "removed": []}}}  # fmt: skip

    def changes_not_lists(d: dict[str, Any]) -> None:
        d["baseline"] = {"changes": {"new": 1}, "evidence_drift": {}}

    def waiver_without_state(d: dict[str, Any]) -> None:
        d["checks"][0]["waiver"] = {"owner": "x"}

    def tags_not_a_list(d: dict[str, Any]) -> None:
        d["dropship"]["tags"] = 5

    for edit in (
        attestation_without_fields,
        drift_of_the_wrong_type,
        changes_not_lists,
        waiver_without_state,
        tags_not_a_list,
    ):
        data = json.loads(good["results"])
        edit(data)
        path = tmp_path / f"{edit.__name__}.json"
        path.write_text(json.dumps(sealed(data)), encoding="utf-8")
        args = ["render", str(path), "--format", "html,md,csv,junit", "--out", str(tmp_path / "o")]
        code, _, stderr = cli_in_process(args, {}, monkeypatch, capsys)
        assert code == 3, (edit.__name__, stderr)
        _one_line(stderr, str(path), "does not match the results schema")


# -- integrity: the hash is required (item 13) -------------------------------------------------


def test_results_without_content_sha256_are_refused_like_a_stale_hash(
    good: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = json.loads(good["results"])
    del data["content_sha256"]
    path = tmp_path / "unsealed.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    for args in (
        ["render", str(path), "--format", "md", "--out", str(tmp_path / "o")],
        ["diff", str(path), str(path)],
    ):
        code, _, stderr = cli_in_process(args, {}, monkeypatch, capsys)
        assert code == 3
        _one_line(stderr, str(path), "integrity check failed: no content_sha256")


# -- the cache: corrupted means ignored with a warning, and rewritten (item 12) -------------------


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b'{"version": 2, "entries": ', id="truncated"),
        pytest.param(b"[" * 5000 + b"]" * 5000, id="deep"),
        pytest.param(b'{"version": 2, "entries": {"k": 5}}', id="wrong-shape"),
        pytest.param(b'{"version": 2, "entries": {"k": [{"purpose": "\\ud800"}]}}', id="surrogate"),
    ],
)
def test_a_corrupted_cache_is_ignored_with_a_warning_and_rewritten(
    content: bytes,
    good: dict[str, Any],
    simulator: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from audit.cache import ResponseCache

    server = simulator(good["tenant"])
    cache_dir = tmp_path / "cache"
    config = write_config(tmp_path / "t.toml", server.url, collect={"cache_dir": str(cache_dir)})
    scope = f"{server.url}|contoso"
    cache_file = ResponseCache(cache_dir, scope).path
    cache_file.parent.mkdir(parents=True)
    cache_file.write_bytes(content)
    args = ["run", "--config", str(config), "--out", str(tmp_path / "out"), "--format", "json"]
    code, _, stderr = cli_in_process(args, sim_env(good["tenant"]), monkeypatch, capsys)
    assert code in (0, 1), stderr
    assert f"warning: cache {cache_file} ignored and rewritten" in stderr
    assert stderr.count("\n") == 1
    data = json.loads(cache_file.read_bytes())  # rewritten, and usable by the next run
    assert data["version"] == 2 and data["entries"]
    code, _, stderr = cli_in_process(args, sim_env(good["tenant"]), monkeypatch, capsys)
    assert code in (0, 1) and stderr == ""


# -- special files: refused at once, never read (item 14) -----------------------------------------


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


SPECIAL = ["fifo", "/dev/zero", "/dev/null"]


@pytest.mark.parametrize("special", SPECIAL)
def test_a_special_file_as_input_is_refused_at_once(
    special: str, fifo: Path, good: dict[str, Any], tmp_path: Path
) -> None:
    """Each in a subprocess with a timeout: a hang fails the test instead of the suite."""
    from robust_helpers import ws1

    path = str(fifo) if special == "fifo" else special
    snapshot = tmp_path / "snapshot.json"
    snapshot.write_bytes(good["snapshot"])
    for args in (
        ["render", path, "--format", "md", "--out", str(tmp_path / "o")],
        ["evaluate", "--snapshot", path, "--out", str(tmp_path / "o")],
        ["evaluate", "--snapshot", str(snapshot), "--baseline", path, "--out", str(tmp_path / "o")],
        ["run", "--config", path, "--out", str(tmp_path / "o")],
    ):
        proc = ws1(*args, timeout=60)
        assert proc.returncode == 3, (args, proc.stderr)
        _one_line(proc.stderr, path)
        assert "not a regular file" in proc.stderr or "cannot read" in proc.stderr


@pytest.mark.parametrize("special", SPECIAL)
@pytest.mark.parametrize("key", ["logo", "evidence", "ca_bundle"])
def test_a_special_file_named_by_the_config_is_a_config_error(
    special: str, key: str, fifo: Path, good: dict[str, Any], simulator: Any, tmp_path: Path
) -> None:
    from robust_helpers import ws1

    server = simulator(good["tenant"])
    path = str(fifo) if special == "fifo" else special
    kwargs: dict[str, Any] = {}
    if key == "logo":
        kwargs["report"] = {"logo": path}
    elif key == "ca_bundle":
        kwargs["tenant"] = {"ca_bundle": path}
    else:
        kwargs["raw"] = (
            '[[attestations]]\ncheck = "hub_auto_update"\nvalue = true\nby = "Jane"\n'
            f'date = 2026-01-05\nevidence = "{path}"\n'
        )
    config = write_config(tmp_path / "t.toml", server.url, **kwargs)
    proc = ws1("run", "--config", str(config), "--out", str(tmp_path / "o"),
               env=sim_env(good["tenant"]), timeout=60)  # fmt: skip
    assert proc.returncode == 3, proc.stderr
    _one_line(proc.stderr, str(config), "not a regular file")
    assert server.log == []


def test_a_fifo_logo_in_results_is_ignored_at_render_never_read(
    fifo: Path, good: dict[str, Any], tmp_path: Path
) -> None:
    from robust_helpers import ws1

    from audit.results import sealed

    data = json.loads(good["results"])
    data["report"]["logo"] = str(fifo.with_suffix(".png"))
    os.mkfifo(fifo.with_suffix(".png"))
    path = tmp_path / "results.json"
    path.write_text(json.dumps(sealed(data)), encoding="utf-8")
    proc = ws1("render", str(path), "--format", "html", "--out", str(tmp_path / "o"), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o" / "report.html").stat().st_size > 0
