"""The status table a person reads after `run`/`demo`: through a real terminal (a pty).

Every check that is not `pass` shows its one-line summary, shortened at a word to the
terminal's width; blocking findings come first, most severe first; the table ends with
where to look next. Tenant text cannot rewrite the terminal: control and bidi characters
are shown as [U+XXXX].
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import pty
import re
import struct
import subprocess
import sys
import termios
import threading
from pathlib import Path
from typing import Any

import pytest
from reports_fixtures import load

from audit.terminal import json_summary, next_steps, table_lines
from audit.vocabulary import SEVERITY_RANK

ROOT = Path(__file__).resolve().parents[1]
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def on_a_terminal(*args: str, columns: int = 80, stdout: bool = True) -> tuple[int, str]:
    """Run the CLI with stderr (and stdout, unless ``stdout=False``) on a pty ``columns``
    wide: (exit code, what the terminal received)."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    chunks: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the pty closes with the child
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    try:
        proc = subprocess.run(
            [sys.executable, "-c", "from audit.cli import main; main()", *args],
            stdout=follower if stdout else subprocess.DEVNULL,
            stderr=follower,
            stdin=subprocess.DEVNULL,
            env={**env, "WS1_AUDIT_NO_ENTRYPOINTS": "1"},
            cwd=ROOT,
            timeout=300,
        )
    finally:
        os.close(follower)
    reader.join(30)
    os.close(leader)
    text = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    return proc.returncode, text


@pytest.fixture(scope="module")
def demo_on_a_terminal(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    out = tmp_path_factory.mktemp("demo")
    code, text = on_a_terminal("--quiet", "demo", "--out", str(out), "--format", "json,md")
    assert code == 0, text
    return text, out


def test_every_finding_says_why_within_the_terminal_width(
    demo_on_a_terminal: tuple[str, Path],
) -> None:
    text, out = demo_on_a_terminal
    results = json.loads((out / "results.json").read_text(encoding="utf-8"))
    lines = [ANSI.sub("", line) for line in text.splitlines()]
    # paths are never shortened (they are for copying); every other line fits
    long = [line for line in lines if len(line) > 80 and str(out) not in line]
    assert not long, long
    rows = [i for i, line in enumerate(lines) if re.match(r"  [A-Z]+ +[a-z]+ +[a-z_]+", line)]
    assert len(rows) == len(results["checks"])
    by_id = {c["id"]: c for c in results["checks"]}
    order = [lines[i].split()[2] for i in rows]
    for i, cid in zip(rows, order, strict=True):
        check = by_id[cid]
        following = lines[i + 1]
        if check["status"] == "pass":
            assert not following.startswith("    ") or following.startswith("  ("), cid
            continue
        # the summary, on one line under the row, shortened at a word with an ellipsis
        assert following.startswith("    "), cid
        shown = following.strip()
        summary = " ".join(check["summary"].split())
        if shown.endswith("…"):
            assert summary.startswith(shown[:-1]) and summary[len(shown) - 1] in " ,;:", cid
        else:
            assert shown == summary, cid
    # blocking first, most severe first; then the other findings; the passes last
    groups = [
        0 if by_id[c]["blocking"] else (2 if by_id[c]["status"] == "pass" else 1) for c in order
    ]
    assert groups == sorted(groups)
    for group in (0, 1, 2):
        ranks = [
            -SEVERITY_RANK[by_id[c]["severity"]]
            for c, g in zip(order, groups, strict=True)
            if g == group
        ]
        assert ranks == sorted(ranks)
    assert order[0] in ("uem_version", "saas_tenant", "dropship_customer_og")
    # the verdict explains the score; where to look next names the reports written
    assert "NOT READY (fail-on medium)" in lines[0] and "score 11/100: the severity" in lines[1]
    look = lines.index("Look next:")
    assert lines[look + 1].strip().startswith(str(out / "summary.md"))


def test_a_wide_terminal_shows_the_summaries_whole(tmp_path: Path) -> None:
    code, text = on_a_terminal(
        "--quiet", "demo", "--out", str(tmp_path), "--format", "json", columns=400
    )
    assert code == 0, text
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    for check in results["checks"]:
        if check["status"] != "pass":
            assert f"    {check['summary']}\n" in text, check["id"]


def test_tenant_text_cannot_rewrite_the_terminal() -> None:
    results = copy.deepcopy(load("results_not_ready.json"))
    results["tenant"]["name"] = "Evil\x1b[2J\x1b]0;pwned\x07 \u202eCorp"
    check = next(c for c in results["checks"] if c["status"] == "fail")
    check["summary"] = "Bad\rline\x1b[31m red \u2066isolate\u2069"
    lines = table_lines(results, width=200)
    text = "\n".join(lines)
    assert "\x1b" not in text and "\r" not in text and "\u202e" not in text
    assert lines[0].startswith("Evil[U+001B][2J[U+001B]]0;pwned[U+0007] [U+202E]Corp:")
    assert "Bad[U+000D]line[U+001B][31m red [U+2066]isolate[U+2069]" in text


def test_not_a_terminal_is_not_shortened_and_next_steps_name_the_reports() -> None:
    results = load("results_not_ready.json")
    next(c for c in results["checks"] if c["status"] == "fail")["summary"] = "word " * 100
    lines = table_lines(results, width=None)
    assert any(line.strip() == ("word " * 100).strip() for line in lines)
    paths = [Path("out/results.json"), Path("out/report.html"), Path("out/handover.pdf")]
    steps = next_steps(paths)
    assert steps[0] == "Look next:" and "out/report.html" in steps[1]
    assert "out/handover.pdf" in steps[2] and len(steps) == 3
    assert next_steps([Path("out/results.json")]) == []


def test_json_summary_carries_the_verdict_and_every_check() -> None:
    results: dict[str, Any] = load("results_not_ready.json")
    doc = json_summary(results, [Path("out/results.json")], 1)
    assert doc["exit_code"] == 1 and doc["summary"] == results["summary"]
    assert [c["id"] for c in doc["checks"]] == [c["id"] for c in results["checks"]]
    manual = next(c for c in doc["checks"] if c["id"] == "software_distribution")
    assert manual["evidence_kind"] == "none" and manual["blocking"] is True
    assert doc["outputs"] == ["out/results.json"]
