"""The code's shape, read with `ast` (nothing is imported): no module of `compliance/` or
`registers/` imports a private name from another module, and their imports form no cycle,
counting the imports made inside functions too (a cycle dodged by a function-local import is
still a cycle). Records are loaded by the kernel's one loader, and each register's fields are
declared once, in its schemas (no `fields.py` converters, no hand-written `openapi.py`)."""

from __future__ import annotations

import ast
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("compliance", "registers")

# Cycles still to remove, each as the sorted list of its modules. Empty: there are none.
KNOWN_CYCLES: list[list[str]] = []


@dataclass
class Imports:
    """What the modules import: every module edge, the module-level ones apart, and the
    private names imported across modules."""

    modules: dict[str, Path] = field(default_factory=dict)
    every: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    top: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    private: list[str] = field(default_factory=list)


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _owner(name: str, modules: dict[str, Path]) -> str | None:
    """The project module `name` is, or is in (its longest known prefix)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _base(module: str, path: Path, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for _level in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


def _module_level(tree: ast.Module) -> set[int]:
    """The import nodes run when the module is imported (its body, and its if/try blocks)."""
    found = set()
    pending = list(tree.body)
    while pending:
        node = pending.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.add(id(node))
        elif isinstance(node, ast.If | ast.Try):
            pending.extend(ast.iter_child_nodes(node))
        elif isinstance(node, ast.ExceptHandler):
            pending.extend(node.body)
    return found


def read_imports(root: Path = ROOT, packages=PACKAGES) -> Imports:
    imports = Imports()
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            imports.modules[module_name(path, root)] = path
    for module, path in imports.modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        module_level = _module_level(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = []
            if isinstance(node, ast.Import):
                targets = [_owner(alias.name, imports.modules) for alias in node.names]
            else:
                base = _base(module, path, node)
                for alias in node.names:
                    full = f"{base}.{alias.name}"
                    target = full if full in imports.modules else _owner(base, imports.modules)
                    targets.append(target)
                    private = alias.name.startswith("_") and not alias.name.startswith("__")
                    if private and target is not None and target != module:
                        imports.private.append(f"{module}: from {base} import {alias.name}")
            for target in targets:
                if target is None or target == module:
                    continue
                imports.every[module].add(target)
                if id(node) in module_level:
                    imports.top[module].add(target)
    return imports


def cycles(graph: dict[str, set[str]], nodes) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(graph.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            advanced = False
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph.get(successor, ())))))
                    advanced = True
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return sorted(found)


def test_no_private_name_is_imported_across_modules():
    assert read_imports().private == []


def test_no_import_cycle_at_module_level():
    imports = read_imports()
    assert cycles(imports.top, imports.modules) == []


def test_no_import_cycle_counting_function_local_imports():
    imports = read_imports()
    assert cycles(imports.every, imports.modules) == KNOWN_CYCLES


def test_the_reader_finds_a_cycle_through_a_function_and_a_private_import(tmp_path):
    """The checks above can fail: a cycle closed by a function-local import, and a private
    name imported from a sibling module, are found."""
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from pkg.b import public\n")
    (package / "b.py").write_text("def public():\n    from pkg import a\n")
    (package / "c.py").write_text("from .a import _hidden\nfrom pkg.b import __doc__\n")
    imports = read_imports(tmp_path, ("pkg",))
    assert cycles(imports.top, imports.modules) == []
    assert cycles(imports.every, imports.modules) == [["pkg.a", "pkg.b"]]
    assert imports.private == ["pkg.c: from pkg.a import _hidden"]


def loaders(root: Path = ROOT, packages=PACKAGES) -> list[str]:
    """The functions named `*_or_404`, as `module.function`."""
    found = []
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(), str(path))):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    node.name.endswith("_or_404")
                ):
                    found.append(f"{module_name(path, root)}.{node.name}")
    return found


def test_the_kernel_loader_is_the_only_one():
    assert loaders() == ["compliance.access.get_or_404"]


def test_no_register_keeps_converters_or_a_hand_written_api_document():
    leftovers = [
        str(path.relative_to(ROOT))
        for name in ("fields.py", "openapi.py")
        for path in (ROOT / "registers").glob(f"*/{name}")
    ]
    assert leftovers == []


def test_the_loader_check_can_fail(tmp_path):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "views.py").write_text("def thing_or_404(thing_id):\n    return thing_id\n")
    assert loaders(tmp_path, ("pkg",)) == ["pkg.views.thing_or_404"]
