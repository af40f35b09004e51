"""The structure issue 14 settled, kept: sizes a reader can take in, and a layering with no
import cycle, in which the checks and the renderers cannot reach the network.

Read from the source with :mod:`ast` (nothing is imported). Run-time imports only: imports
under ``if TYPE_CHECKING:`` are for the type checker and never run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("audit", "checks", "reports")
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60  # outside the simulator, whose routes read best whole


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
            found[name.removesuffix(".__init__")] = path
    return found


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    for node in ast.iter_child_nodes(tree):
        test = getattr(node, "test", None)
        if isinstance(node, ast.If) and getattr(test, "id", getattr(test, "attr", "")) == (
            "TYPE_CHECKING"
        ):
            yield from (n for child in node.orelse for n in [child, *_runtime_nodes(child)])
            continue
        yield node
        yield from _runtime_nodes(node)


def imports(name: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The first-party modules ``name`` imports when it runs (``from a import b`` counts as
    ``a.b`` when that is a module, else ``a``)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: list[str] = []
    for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, *([node.module] if node.module else [])])
            targets += [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
    out: set[str] = set()
    for target in targets:
        while target and target not in known:
            target = target.rpartition(".")[0]
        if target and target != name and not name.startswith(target + "."):
            out.add(target)
    return out


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(name, path, known) for name, path in known.items()}


def reachable(start: str, edges: dict[str, set[str]]) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in edges[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_no_product_module_is_over_400_lines() -> None:
    long = {
        name: n
        for name, path in modules().items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert not long, f"split by concept: {long}"


def test_no_function_is_over_60_lines_outside_the_simulator() -> None:
    long = []
    for name, path in modules().items():
        if name.startswith("audit.simulator"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{name}.{node.name} ({length})")
    assert not long


def test_no_import_cycle_at_run_time() -> None:
    edges = graph()
    cycles = sorted(name for name in edges if name in reachable(name, edges))
    assert not cycles, f"modules on an import cycle: {cycles}"


def test_checks_and_renderers_cannot_reach_the_network() -> None:
    """The walls of DESIGN.md: checks read the inventory, renderers read results.json; none
    of them imports (even through another module) the collector, the client or httpx's
    users, and the simulator imports nothing of the product."""
    edges = graph()
    network = {"audit.collect", "audit.uem.client", "audit.uem.auth", "audit.pipeline"}
    for name in edges:
        if name.startswith(("checks", "reports")) and name not in ("reports", "checks"):
            assert not reachable(name, edges) & network, name
        if name.startswith("audit.simulator"):
            product = {m for m in reachable(name, edges) if not m.startswith("audit.simulator")}
            assert product <= {"audit"}, (name, product)


def test_the_import_graph_is_read_right() -> None:
    """A known edge of each kind of import, so that the tests above cannot pass on an
    empty graph: absolute, relative and ``from package import module``."""
    edges = graph()
    assert "audit.vocabulary" in edges["audit.runner"]
    assert "audit.pipeline" in edges["audit.fleet"]
    assert "audit.plugin" in edges["checks.uem_version"]
    assert all(name in edges for name in ("audit.simulator.server", "reports.pdf_report"))
