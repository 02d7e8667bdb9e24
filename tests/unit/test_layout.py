"""The code's shape: one package per subsystem, imports pointing one way,
nothing too large to read. A newcomer finds a concern by its folder's name
(see docs/architecture.md); these keep it so."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "reminder"

# The direction of imports (DESIGN.md, "Layout"): a package may import only
# packages of a lower rank. Shared ground is the modules directly in reminder/.
RANK = {
    "ground": 0,
    "schema": 1,
    "routines": 2,
    "config": 3,
    "progress": 4,
    "notify": 4,
    "sound": 4,
    "autostart": 4,
    "daemon": 5,
    "cli": 6,
}
ENTRY_POINTS = {"__main__.py"}
"""``python -m reminder`` only hands over to the command line."""


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts)


def _package_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else "ground"


def _package_of_module(dotted: str) -> str | None:
    parts = dotted.split(".")
    if parts[0] != "reminder":
        return None
    if len(parts) == 1:
        return "ground"
    return parts[1] if (PACKAGE / parts[1]).is_dir() else "ground"


def _imports(tree: ast.AST) -> list[tuple[int, str]]:
    """Every import in a module, lazy ones inside functions included."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.lineno, node.module))
            # `from reminder import autostart` names a package, not a module
            if node.module == "reminder":
                found += [(node.lineno, f"reminder.{alias.name}") for alias in node.names]
    return found


def test_at_most_six_modules_sit_directly_in_the_package() -> None:
    loose = sorted(
        p.name for p in PACKAGE.glob("*.py") if p.name not in {"__init__.py", "__main__.py"}
    )
    assert len(loose) <= 6, loose


def test_every_module_belongs_to_a_known_subsystem() -> None:
    unknown = {_package_of(p) for p in _modules()} - set(RANK)
    assert not unknown, f"add these packages to RANK and DESIGN's layout: {unknown}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_one_way(path: Path) -> None:
    if path.name in ENTRY_POINTS and path.parent == PACKAGE:
        return
    own = _package_of(path)
    wrong = []
    for line, module in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        target = _package_of_module(module)
        if target is None or target == own:
            continue
        if RANK[target] >= RANK[own]:
            wrong.append(f"line {line}: {own} imports {module} ({target})")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_nothing_is_too_large_to_read(path: Path) -> None:
    source = path.read_text(encoding="utf-8")
    lines = source.count("\n") + 1
    assert lines <= 600, f"{lines} lines; split it by job"
    too_long = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            length = node.end_lineno - node.lineno + 1
            limit = 400 if isinstance(node, ast.ClassDef) else 100
            if length > limit:
                too_long.append(f"{node.name} (line {node.lineno}): {length} lines > {limit}")
    assert not too_long, "\n".join(too_long)


def test_apscheduler_is_imported_by_exactly_one_module() -> None:
    importers = [
        str(p.relative_to(PACKAGE))
        for p in _modules()
        if any(
            m.split(".")[0] == "apscheduler" for _, m in _imports(ast.parse(p.read_text("utf-8")))
        )
    ]
    assert importers == ["daemon/timers.py"]
