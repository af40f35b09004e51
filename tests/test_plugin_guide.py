"""The plugin author's guide (docs/plugins.md) stays true: every hook spec is documented and
exercised by a test, the guide's table is the public face, and the worked example runs."""

from __future__ import annotations

import asyncio
import inspect
import re
import types
from pathlib import Path
from typing import Any

import pytest

from audit import hookspecs, plugin
from audit.inventory import Inventory
from audit.plugin import CheckContext, CollectContext, RenderOptions
from audit.plugins import load_plugins

TESTS = Path(__file__).resolve().parent
GUIDE = (TESTS.parent / "docs" / "plugins.md").read_text(encoding="utf-8")
EXAMPLE = "ws1_audit_admins.py"


def _hookspecs() -> dict[str, inspect.Signature]:
    """Every hook spec of audit/hookspecs.py, by name."""
    marker = f"{hookspecs.PROJECT}_spec"
    return {
        name: inspect.signature(fn)
        for name, fn in vars(hookspecs).items()
        if getattr(fn, marker, None) is not None
    }


def test_the_hookspecs_are_found() -> None:
    assert {"ws1_audit_register_checks", "ws1_audit_collect"} <= set(_hookspecs())


@pytest.mark.parametrize("name", sorted(_hookspecs()))
def test_every_hook_has_a_section_in_the_guide(name: str) -> None:
    arguments = ", ".join(_hookspecs()[name].parameters)
    assert f"\n### `{name}({arguments})`\n" in GUIDE


@pytest.mark.parametrize("name", sorted(_hookspecs()))
def test_every_hook_is_implemented_by_a_test_plugin(name: str) -> None:
    implemented_in = [
        p.name
        for p in TESTS.glob("test_*.py")
        if p.name != Path(__file__).name and re.search(rf"def {name}\(", p.read_text("utf-8"))
    ]
    assert implemented_in, f"no test implements {name}"


def test_the_guides_table_is_the_public_face() -> None:
    table = GUIDE.split("| Name | What it is |", 1)[1].split("\n\n", 1)[0]
    listed = {
        n for row in table.splitlines()[2:] for n in re.findall(r"`(\w+)`", row.split("|")[1])
    }
    assert listed == set(plugin.__all__)


def _example() -> types.ModuleType:
    """The guide's worked example, run as the module it says it is."""
    after = GUIDE.split(f"<!-- example: {EXAMPLE} -->\n```python\n", 1)[1]
    module = types.ModuleType(EXAMPLE.removesuffix(".py"))
    exec(compile(after.split("\n```\n", 1)[0], f"docs/plugins.md:{EXAMPLE}", "exec"), vars(module))
    return module


class _Client:
    """Records what the example's collect hook asks for."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def get_all(self, path: str, **kwargs: Any) -> None:
        self.calls.append((path, kwargs))


def test_the_worked_example_implements_every_hook_and_each_is_called(tmp_path: Path) -> None:
    example = _example()
    assert set(_hookspecs()) <= set(vars(example))
    registry = load_plugins(extra=(example,))
    assert registry.problems == []
    # the register hooks were called
    assert registry.check_plugins["dropship_admin_count"] == "ws1_audit_admins"
    assert registry.renderers["tsv"].filenames == ("findings.tsv",)
    # and the collect hook is, through the same hook the collector calls
    client = _Client()
    context = CollectContext(client, None, {"id": 7, "group_id": "ds", "uuid": "u"})  # type: ignore[arg-type]
    for result in registry.manager.hook.ws1_audit_collect(context=context):
        if inspect.isawaitable(result):
            asyncio.run(result)
    [(path, kwargs)] = client.calls
    assert path == "/api/system/admins/search"
    assert kwargs["purpose"] == example.PURPOSE
    assert kwargs["params"]["organizationgroupid"] == 7


def _evaluate(example: types.ModuleType, extra: dict[str, Any]) -> Any:
    inventory = Inventory()
    inventory.extra.update(extra)
    return example.evaluate(CheckContext(inventory, {}, {}))


def test_the_worked_example_decides_and_renders(tmp_path: Path) -> None:
    example = _example()
    admins = [{"UserName": f"a{i}", "Email": f"a{i}@example.com"} for i in range(6)]
    few = _evaluate(example, {example.PURPOSE: [{"Admins": admins[:2]}]})
    assert (few.status, few.evidence.rows[0]) == ("pass", ["a0", "a0@example.com"])
    many = _evaluate(example, {example.PURPOSE: [{"Admins": admins[:3]}, {"Admins": admins[3:]}]})
    assert many.status == "fail" and len(many.evidence.rows) == 6
    assert _evaluate(example, {}).status == "error"
    results = {"checks": [{"id": "x", "status": "pass", "severity": "low", "title": "T"}]}
    [written] = example.render(results, tmp_path, RenderOptions())
    assert written.read_text() == "id\tstatus\tseverity\ttitle\nx\tpass\tlow\tT\n"
