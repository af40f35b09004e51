"""The hooks a ws1-audit plugin may implement. Each spec's docstring is its contract.

Plugins register through the entry-point group ``ws1_audit`` (``[project.entry-points.ws1_audit]``
in their pyproject) and import what they use from :mod:`audit.plugin`; the guide, with a
worked example, is ``docs/plugins.md``. Hooks receive a ``register`` callback rather than
returning values, so the host validates every registration and knows which plugin made it.
An implementation may accept fewer arguments than the spec names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from audit.checkapi import Check
    from audit.collect_context import CollectContext
    from reports.base import Renderer

PROJECT = "ws1_audit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def ws1_audit_register_checks(register: Callable[[Check], None]) -> None:
    """Call ``register(check)`` once per check this plugin provides.

    Called once per process, when the registry first loads, plugin by plugin. ``check`` is
    an :class:`audit.plugin.Check`. Its metadata is validated on registration; an invalid
    check or a duplicate id is reported and the check becomes ``error``.
    """


@hookspec
def ws1_audit_register_renderers(register: Callable[[Renderer], None]) -> None:
    """Call ``register(renderer)`` once per output format this plugin provides.

    Called right after the checks registered. ``renderer`` is an :class:`audit.plugin.Renderer`
    (format name, file names, render function); a nameless or duplicate one is reported.
    """


@hookspec
async def ws1_audit_collect(context: CollectContext) -> None:
    """Optional extra collection for plugin checks. May be a coroutine function.

    Called once per collection, after the core collection. Use ``context.client`` (the same
    client, budget and recorder as the core collection, so the requests land in the snapshot)
    and ``context.dropship_og``. Read your data back in your check from
    ``inventory.extra[<purpose>]``.
    """
