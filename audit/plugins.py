"""Plugin loading and the registries of checks and renderers.

Built-in checks (``checks``) and renderers (``reports``) are plugin modules loaded exactly
like third-party ones, which come from the entry-point group ``ws1_audit``. Environment:

- ``WS1_AUDIT_BLOCK_PLUGINS``: comma-separated entry-point names not to load.
- ``WS1_AUDIT_NO_ENTRYPOINTS=1``: load only the built-ins (used by the tests).

A plugin that fails to load, a check with bad metadata or a duplicate id never stops a run:
each becomes a :class:`LoadProblem` that the runner reports as an ``error`` result.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import metadata
from typing import TYPE_CHECKING, Any

import pluggy

from audit import hookspecs
from audit.checkapi import Check, CheckDefinitionError

if TYPE_CHECKING:
    from reports.base import Renderer

DEFAULT_PLUGINS: tuple[str, ...] = ("checks", "reports")


@dataclass
class LoadProblem:
    """Something a plugin could not contribute: reported as an ``error`` result."""

    id: str
    plugin: str
    message: str


@dataclass
class Registry:
    """The loaded plugins' checks and renderers, in registration order."""

    manager: pluggy.PluginManager
    checks: dict[str, Check] = field(default_factory=dict)
    check_plugins: dict[str, str] = field(default_factory=dict)
    renderers: dict[str, Renderer] = field(default_factory=dict)
    problems: list[LoadProblem] = field(default_factory=list)


def _entry_points() -> list[metadata.EntryPoint]:
    if os.environ.get("WS1_AUDIT_NO_ENTRYPOINTS") == "1":
        return []
    blocked = {
        n.strip() for n in os.environ.get("WS1_AUDIT_BLOCK_PLUGINS", "").split(",") if n.strip()
    }
    return [ep for ep in metadata.entry_points(group=hookspecs.PROJECT) if ep.name not in blocked]


def load_plugins(extra: tuple[Any, ...] = ()) -> Registry:
    """Build the plugin manager, load built-ins, entry points and ``extra`` plugin objects."""
    manager = pluggy.PluginManager(hookspecs.PROJECT)
    manager.add_hookspecs(hookspecs)
    registry = Registry(manager)
    for name in DEFAULT_PLUGINS:
        manager.register(importlib.import_module(name), name=name)
    for ep in _entry_points():
        try:
            manager.register(ep.load(), name=ep.name)
        except Exception as exc:  # a broken plugin must not stop the run
            registry.problems.append(
                LoadProblem(
                    f"plugin_{ep.name}", ep.name, f"plugin {ep.name!r} failed to load: {exc}"
                )
            )
    for plugin in extra:
        manager.register(plugin)
    try:
        manager.check_pending()
    except pluggy.PluginValidationError as exc:
        registry.problems.append(LoadProblem("plugin_validation", "?", str(exc)))
    _call_register_hook(registry, "ws1_audit_register_checks", "checks", _accept_check)
    _call_register_hook(registry, "ws1_audit_register_renderers", "renderers", _accept_renderer)
    return registry


#: Validates one registered object and files it in the registry (or a problem):
#: ``accept(registry, plugin_name, obj)``.
Accept = Callable[[Registry, str, Any], None]


def _call_register_hook(registry: Registry, hook: str, what: str, accept: Accept) -> None:
    """Call a ``register`` hook through pluggy, one plugin at a time, in registration order.

    Each plugin gets its own ``register`` callback, bound to its name, so every registration
    is validated and attributed; calling plugins one by one means a plugin that raises is a
    problem of its own and the others still register.
    """
    manager = registry.manager
    plugins = [(name, p) for name, p in manager.list_name_plugin() if p is not None]
    for name, plugin in plugins:
        others = [p for _, p in plugins if p is not plugin]
        call = manager.subset_hook_caller(hook, remove_plugins=others)
        try:
            call(register=functools.partial(accept, registry, name))
        except Exception as exc:  # a plugin's registration must not stop the run
            registry.problems.append(
                LoadProblem(f"plugin_{name}", name, f"registering {what} failed: {exc}")
            )


def _accept_check(registry: Registry, plugin: str, check: Check) -> None:
    cid = getattr(getattr(check, "meta", None), "id", None) or f"{plugin}_unnamed"
    try:
        if not isinstance(check, Check):
            raise CheckDefinitionError(f"{plugin} registered {type(check).__name__}, not a Check")
        check.meta.validate()
    except CheckDefinitionError as exc:
        registry.problems.append(LoadProblem(str(cid), plugin, str(exc)))
        return
    if cid in registry.checks:
        registry.problems.append(
            LoadProblem(
                f"{cid}__duplicate_{plugin}",
                plugin,
                f"duplicate check id {cid!r}: already registered by {registry.check_plugins[cid]}",
            )
        )
        return
    registry.checks[cid] = check
    registry.check_plugins[cid] = plugin


def _accept_renderer(registry: Registry, plugin: str, renderer: Renderer) -> None:
    name = getattr(renderer, "name", None)
    if not isinstance(name, str) or not name:
        registry.problems.append(
            LoadProblem(f"renderer_{plugin}", plugin, "renderer without a name")
        )
        return
    if name in registry.renderers:
        registry.problems.append(
            LoadProblem(f"renderer_{name}", plugin, f"duplicate renderer {name!r}")
        )
        return
    registry.renderers[name] = renderer


_cached: Registry | None = None


def get_registry() -> Registry:
    """The process-wide registry, loaded once (lazily)."""
    global _cached
    if _cached is None:
        _cached = load_plugins()
    return _cached
