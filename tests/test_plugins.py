"""Plugin loading: built-ins register like third-party plugins; problems never stop a run."""

from __future__ import annotations

from audit import hookspecs
from audit.checkapi import Check, CheckContext, CheckMeta, Outcome
from audit.plugins import load_plugins


def _check(cid: str, severity: str = "low") -> Check:
    return Check(
        CheckMeta(cid, "t", severity, "r", "why", ("1. x",)), lambda ctx: Outcome("pass", "ok")
    )


class DuplicatePlugin:
    @hookspecs.hookimpl
    def ws1_audit_register_checks(self, register):  # type: ignore[no-untyped-def]
        register(_check("uem_version"))
        register(_check("extra_one"))
        register(_check("Bad-Id"))
        register(_check("bad_severity", "urgent"))


class RaisingPlugin:
    @hookspecs.hookimpl
    def ws1_audit_register_checks(self, register):  # type: ignore[no-untyped-def]
        raise RuntimeError("cannot import vendor sdk")


def test_builtins_load() -> None:
    registry = load_plugins()
    assert "uem_version" in registry.checks
    assert {"html", "pdf", "json", "csv", "junit", "md", "handover"} <= set(registry.renderers)
    assert registry.problems == []


def test_duplicate_and_invalid_checks_are_reported_not_fatal() -> None:
    registry = load_plugins(extra=(DuplicatePlugin(), RaisingPlugin()))
    messages = " | ".join(p.message for p in registry.problems)
    assert "duplicate check id 'uem_version'" in messages
    assert "not snake_case" in messages
    assert "severity 'urgent'" in messages
    assert "cannot import vendor sdk" in messages
    assert "extra_one" in registry.checks


def test_every_hook_is_documented() -> None:
    for name in ("ws1_audit_register_checks", "ws1_audit_register_renderers", "ws1_audit_collect"):
        assert getattr(hookspecs, name).__doc__.strip()


def test_check_context_attestation_picks_newest() -> None:
    import datetime as dt

    from audit.config import Attestation
    from audit.inventory import Inventory

    old = Attestation("hub_auto_update", False, "a", dt.date(2026, 1, 1))
    new = Attestation("intelligent_hub_automatic_updates", True, "b", dt.date(2026, 6, 1))
    ctx = CheckContext(Inventory(), {}, {}, [old, new])
    assert ctx.attestation("hub_auto_update", "intelligent_hub_automatic_updates") is new
