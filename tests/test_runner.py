"""The runner: crashing checks become error, waivers flag without changing status, readiness."""

from __future__ import annotations

import datetime as dt

from audit.checkapi import Check, CheckContext, CheckMeta, Evidence, Outcome
from audit.config import Waiver
from audit.inventory import Inventory
from audit.plugins import LoadProblem
from audit.runner import run_checks, summarise

TODAY = dt.date(2026, 11, 24)


def meta(cid: str, severity: str = "high") -> CheckMeta:
    return CheckMeta(cid, f"{cid} holds", severity, "req", "why", ("1. Do it.",))


def fixed(
    cid: str, status: str, severity: str = "high", rows: list[list[object]] | None = None
) -> Check:
    def evaluate(ctx: CheckContext) -> Outcome:
        return Outcome(
            status,
            f"{cid} is {status}",
            Evidence(["Item", "Value"], rows or [["a", 1]], "GET /api/x"),
        )  # type: ignore[arg-type]

    return Check(meta(cid, severity), evaluate)


def crashing(cid: str) -> Check:
    def evaluate(ctx: CheckContext) -> Outcome:
        raise KeyError("ProductVersion")

    return Check(meta(cid), evaluate)


def run(checks: list[Check], **kwargs: object) -> list[dict[str, object]]:
    return run_checks(checks, Inventory(), requirements={}, dropship={}, today=TODAY, **kwargs)  # type: ignore[arg-type]


def test_a_crashing_check_becomes_error_and_the_others_run() -> None:
    out = run([crashing("boom"), fixed("ok", "pass")])
    assert [c["status"] for c in out] == ["error", "pass"]
    assert "KeyError" in out[0]["summary"] and out[0]["evidence"]["rows"][0][0] == "KeyError"


def test_load_problems_become_error_results() -> None:
    out = run(
        [fixed("ok", "pass")],
        problems=[LoadProblem("plugin_broken", "broken", "plugin 'broken' failed to load: boom")],
    )
    assert out[-1]["id"] == "plugin_broken" and out[-1]["status"] == "error"


def test_waiver_flags_a_fail_without_changing_its_status() -> None:
    waiver = Waiver("bad", "vendor fix due", "Jane", TODAY + dt.timedelta(days=10))
    out = run([fixed("bad", "fail")], waivers=[waiver])
    assert out[0]["status"] == "fail"
    assert out[0]["waiver"]["active"] is True and out[0]["blocking"] is False
    assert summarise(out, "medium")["ready"] is True


def test_expired_waiver_no_longer_counts() -> None:
    waiver = Waiver("bad", "vendor fix due", "Jane", TODAY - dt.timedelta(days=1))
    out = run([fixed("bad", "fail")], waivers=[waiver])
    assert out[0]["waiver"]["expired"] is True and out[0]["waiver"]["active"] is False
    assert "expired" in out[0]["waiver"]["note"]
    assert summarise(out, "medium")["ready"] is False


def test_row_scoped_waiver_covers_only_its_rows() -> None:
    waiver = Waiver("bad", "legacy", "Jane", TODAY + dt.timedelta(days=10), rows=("Legacy VPN",))
    covered = run([fixed("bad", "fail", rows=[["Legacy VPN", "OnDemand"]])], waivers=[waiver])
    partial = run(
        [fixed("bad", "fail", rows=[["Legacy VPN", "OnDemand"], ["Chrome", "OnDemand"]])],
        waivers=[waiver],
    )
    assert covered[0]["waiver"]["active"] is True
    assert partial[0]["waiver"]["active"] is False and "1 of 2" in partial[0]["waiver"]["note"]


def test_readiness_respects_fail_on() -> None:
    out = run([fixed("low_one", "fail", "low"), fixed("ok", "pass")], fail_on="medium")
    assert summarise(out, "medium")["ready"] is True
    assert summarise(run([fixed("low_one", "fail", "low")], fail_on="low"), "low")["ready"] is False


def test_manual_and_error_block_but_warn_does_not() -> None:
    for status, ready in (("manual", False), ("error", False), ("warn", True), ("skipped", True)):
        out = run([fixed("x", status)])
        assert summarise(out, "medium")["ready"] is ready, status


def test_score_and_counts() -> None:
    out = run([fixed("a", "pass"), fixed("b", "fail"), fixed("c", "warn"), fixed("d", "skipped")])
    summary = summarise(out, "medium")
    assert summary["counts"] == {
        "pass": 1,
        "fail": 1,
        "warn": 1,
        "manual": 0,
        "error": 0,
        "skipped": 1,
    }
    assert summary["score"] == 50  # pass 5 + warn 2.5 of 15
    assert summary["blocking"] == ["b"]


def test_evidence_cells_become_json_scalars() -> None:
    out = run([fixed("a", "pass", rows=[[["x", "y"], float("nan"), dt.date(2026, 1, 2)]])])
    assert out[0]["evidence"]["rows"] == [["x, y", None, "2026-01-02"]]
