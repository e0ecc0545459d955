"""The shape of the code (docs/architecture.md): who may import whom, and how long a function may be.

Read from the source with `ast`, so the contract holds for lazy imports inside functions too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {
    "reward_proto": ROOT / "proto" / "reward_proto",
    "reward_server": ROOT / "services" / "reward_server" / "reward_server",
    "trust_grpo": ROOT / "services" / "trainer" / "trust_grpo",
    "tiny_models": ROOT / "tools" / "tiny_models" / "tiny_models",
}
OURS = set(PACKAGES)
WEB = {"fastapi", "starlette", "uvicorn"}  # web frameworks (an HTTP client to an upstream judge is fine)

# (modules a rule covers, by dotted prefix) -> top-level packages they must not import, and why.
CONTRACT: list[tuple[tuple[str, ...], set[str], str]] = [
    (("reward_proto",), OURS - {"reward_proto"}, "the wire contract depends on nothing of ours"),
    (("reward_server",), {"trust_grpo", "tiny_models"}, "the services and the trainer are apart"),
    (("trust_grpo",), {"reward_server", "tiny_models"}, "the services and the trainer are apart"),
    (
        ("reward_server.batcher", "reward_server.service", "reward_server.scorers"),
        WEB,
        "batching, the service and the scorers know nothing of HTTP",
    ),
]
# Longer functions that are declarative tables, not logic.
LONG_TABLES = {
    "reward_server/metrics.py:ServerMetrics.__init__": "declares every metric once",
    "reward_proto/openapi.py:openapi_document": "the OpenAPI document as one literal",
}
MAX_FUNCTION_LINES = 60


def modules(package: str, root: Path) -> Iterator[tuple[str, Path]]:
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        yield ".".join(part for part in parts if part != "__init__"), path


def imported(path: Path, module: str) -> set[str]:
    """Every module `path` imports, anywhere in it, absolute: `from a import b` counts as `a` and
    `a.b`, relative imports are resolved, and `importlib.import_module("x")` / `__import__("x")`
    with a literal name count too."""
    names: set[str] = set()
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parents = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parents, base]).strip(".")
            names.add(base)
            names.update(f"{base}.{alias.name}" for alias in node.names if alias.name != "*")
        elif isinstance(node, ast.Call) and _dynamic_import(node):
            names.add(node.args[0].value)  # type: ignore[attr-defined]
    return names


def _dynamic_import(call: ast.Call) -> bool:
    function = call.func
    name = function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
    literal = (
        bool(call.args) and isinstance(call.args[0], ast.Constant) and isinstance(call.args[0].value, str)
    )
    return name in {"import_module", "__import__"} and literal


def reachable(graph: dict[str, set[str]], start: str) -> dict[str, str]:
    """Every name `start` imports directly or through our own modules, each with the module of
    ours that imports it (following the chain is how a forbidden import hides)."""
    seen: dict[str, str] = {}
    todo = [start]
    while todo:
        module = todo.pop()
        for name in graph.get(module, set()):
            if name not in seen:
                seen[name] = module
                if name in graph:
                    todo.append(name)
    return seen


def violations(packages: dict[str, Path]) -> list[str]:
    graph = {
        module: imported(path, module) for root in packages.values() for module, path in modules("", root)
    }
    found = []
    for module in sorted(graph):
        for covered, forbidden, why in CONTRACT:
            if not module.startswith(covered):
                continue
            bad = {n: by for n, by in reachable(graph, module).items() if n.split(".")[0] in forbidden}
            for name, importer in sorted(bad.items()):
                if not any(name.startswith(f"{other}.") for other in bad):  # `a`, not also `a.b`
                    via = "" if importer == module else f" (through {importer})"
                    found.append(f"{module} imports {name}{via}: {why}")
    return found


def test_the_import_contract_holds() -> None:
    assert [package for package, root in PACKAGES.items() if not root.is_dir()] == []
    assert violations(PACKAGES) == []


def test_the_import_contract_catches_a_forbidden_import(tmp_path: Path) -> None:
    """The checker itself, on a copy of the batcher with forbidden imports added: direct, lazy,
    through another module of ours, and by name."""
    package = tmp_path / "reward_server"
    package.mkdir()
    (package / "__init__.py").write_text("")
    batcher = (PACKAGES["reward_server"] / "batcher.py").read_text()
    (package / "batcher.py").write_text(batcher + "\n\ndef route():\n    from fastapi import APIRouter\n")
    (package / "service.py").write_text("from . import web\n")
    (package / "web.py").write_text("import starlette.routing as routing\n")
    (package / "trainer_side.py").write_text(
        "import importlib\n\nimportlib.import_module('trust_grpo.client')\n"
    )
    assert violations({"reward_server": package}) == [
        "reward_server.batcher imports fastapi: batching, the service and the scorers know nothing of HTTP",
        "reward_server.service imports starlette.routing (through reward_server.web): batching, the"
        " service and the scorers know nothing of HTTP",
        "reward_server.trainer_side imports trust_grpo.client: the services and the trainer are apart",
    ]


def functions(path: Path) -> Iterator[tuple[str, int]]:
    """Each function's qualified name and length in lines (decorators not counted)."""

    def visit(node: ast.AST, prefix: str) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                assert child.end_lineno is not None
                yield f"{prefix}{child.name}", child.end_lineno - child.lineno + 1
                yield from visit(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                yield from visit(child, f"{prefix}{child.name}.")

    yield from visit(ast.parse(path.read_text()), "")


@pytest.mark.parametrize("folder", ["proto", "services", "tools", "benchmarks", "scripts", "tests"])
def test_no_function_is_longer_than_sixty_lines(folder: str) -> None:
    too_long = []
    for path in sorted((ROOT / folder).rglob("*.py")):
        for name, length in functions(path):
            where = f"{path.parent.name}/{path.name}:{name}"
            if length > MAX_FUNCTION_LINES and where not in LONG_TABLES:
                too_long.append(f"{path.relative_to(ROOT)}:{name} has {length} lines")
    assert too_long == []
