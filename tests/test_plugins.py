"""Plugin loading: built-ins register like third-party plugins; problems never stop a run."""

from __future__ import annotations

from audit import hookspecs
from audit.plugin import Check, CheckContext, CheckMeta, Outcome, Renderer, hookimpl
from audit.plugins import load_plugins


def _check(cid: str, severity: str = "low") -> Check:
    return Check(
        CheckMeta(cid, "t", severity, "r", "why", ("1. x",)), lambda ctx: Outcome("pass", "ok")
    )


class DuplicatePlugin:
    @hookimpl
    def ws1_audit_register_checks(self, register):  # type: ignore[no-untyped-def]
        register(_check("uem_version"))
        register(_check("extra_one"))
        register(_check("Bad-Id"))
        register(_check("bad_severity", "urgent"))


class RaisingPlugin:
    @hookimpl
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


def test_a_problem_names_the_plugin_that_caused_it() -> None:
    raising = RaisingPlugin()
    registry = load_plugins(extra=(raising,))
    name = registry.manager.get_name(raising)
    [problem] = registry.problems
    assert (problem.id, problem.plugin) == (f"plugin_{name}", name)
    assert problem.message == "registering checks failed: cannot import vendor sdk"
    assert len(registry.checks) == 16  # the plugin that raised stopped nobody else


class RendererPlugin:
    """Registers a duplicate and a nameless renderer, and a check with no id."""

    @hookimpl
    def ws1_audit_register_renderers(self, register):  # type: ignore[no-untyped-def]
        register(Renderer("json", ("x.json",), "a second json", lambda r, o, p: []))
        register(Renderer("", ("y",), "no name", lambda r, o, p: []))

    @hookimpl
    def ws1_audit_register_checks(self, register):  # type: ignore[no-untyped-def]
        register(object())


def test_renderer_problems_and_non_checks_are_reported_with_the_plugin() -> None:
    plugin = RendererPlugin()
    registry = load_plugins(extra=(plugin,))
    name = registry.manager.get_name(plugin)
    found = {(p.id, p.plugin, p.message) for p in registry.problems}
    assert found == {
        ("renderer_json", name, "duplicate renderer 'json'"),
        (f"renderer_{name}", name, "renderer without a name"),
        (f"{name}_unnamed", name, f"{name} registered object, not a Check"),
    }
    assert registry.renderers["json"].description != "a second json"


class NoArgumentPlugin:
    """An implementation may accept fewer arguments than the spec names."""

    calls = 0

    @hookimpl
    def ws1_audit_register_checks(self) -> None:
        NoArgumentPlugin.calls += 1


def test_an_implementation_may_take_fewer_arguments() -> None:
    registry = load_plugins(extra=(NoArgumentPlugin(),))
    assert NoArgumentPlugin.calls == 1
    assert registry.problems == []


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
