"""The package layout shows the data flow: a stage imports only stages below it, never a
private name of another module, and every public name it announces exists."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parent.parent / "kmsynth"

# floors, lowest first: a module may import its own floor (same package) or lower floors only
FLOORS: list[set[str]] = [
    {"config", "errors", "text", "html", "manifest", "resources", "vectors"},
    {"protect"},
    {"ingest"},
    {"embed"},
    {"themes"},
    {"synthesis"},
    {"coding"},
    {"link"},
    {"survey"},
    {"store"},
    {"report"},
    {"runs"},
    {"workbench"},
    {"cli", "__main__"},
]
PACKAGES = [p.name for p in PKG.iterdir() if p.is_dir() and (p / "__init__.py").exists()]


def _floor(part: str) -> int:
    for i, names in enumerate(FLOORS):
        if part in names:
            return i
    raise AssertionError(f"kmsynth.{part} is on no floor: add it to FLOORS in {__file__}")


def _modules() -> list[Path]:
    return sorted(p for p in PKG.rglob("*.py"))


def _part(path: Path) -> str:
    rel = path.relative_to(PKG)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imports(path: Path) -> list[tuple[int, str, list[str]]]:
    """(line, imported kmsynth module, names) for every import, lazy ones included."""
    out = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "kmsynth" or node.module.startswith("kmsynth."):
                out.append((node.lineno, node.module, [a.name for a in node.names]))
        elif isinstance(node, ast.ImportFrom) and node.level:
            out.append((node.lineno, "." * node.level + (node.module or ""), []))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("kmsynth"):
                    out.append((node.lineno, a.name, []))
    return out


def test_every_module_is_on_a_floor() -> None:
    for p in _modules():
        if p.name != "__init__.py" or p.parent != PKG:
            _floor(_part(p))


def test_no_stage_imports_a_higher_one() -> None:
    bad = []
    for p in _modules():
        if p.parent == PKG and p.name == "__init__.py":
            continue  # the package's face re-exports the lowest floors only (checked below)
        here = _part(p)
        for line, mod, _ in _imports(p):
            assert not mod.startswith("."), f"{p}:{line}: relative import; use kmsynth.<stage>"
            parts = mod.split(".")
            if len(parts) < 2:
                continue
            there = parts[1]
            same_floor_ok = _floor(here) in (0, len(FLOORS) - 1)
            if there != here and (
                _floor(there) > _floor(here)
                or (_floor(there) == _floor(here) and not same_floor_ok)
            ):
                bad.append(f"{p.relative_to(PKG.parent)}:{line} imports {mod}")
    assert not bad, "imports against the data flow:\n" + "\n".join(bad)


def test_no_private_name_crosses_a_module() -> None:
    bad = []
    for p in _modules():
        for line, mod, names in _imports(p):
            for n in names:
                if n.startswith("_") and not n.startswith("__"):
                    bad.append(f"{p.relative_to(PKG.parent)}:{line} takes {n} from {mod}")
    assert not bad, "private names imported from another module:\n" + "\n".join(bad)


def test_the_top_package_imports_only_the_base_and_first_stages() -> None:
    for _, mod, _ in _imports(PKG / "__init__.py"):
        assert _floor(mod.split(".")[1]) <= _floor("ingest"), mod


@pytest.mark.parametrize("package", sorted(PACKAGES))
def test_every_name_in_all_imports(package: str) -> None:
    mod = importlib.import_module(f"kmsynth.{package}")
    names = getattr(mod, "__all__", None)
    assert names, f"kmsynth.{package} has no __all__"
    assert len(set(names)) == len(names), f"kmsynth.{package}.__all__ repeats a name"
    for n in names:
        assert hasattr(mod, n), f"kmsynth.{package}.__all__ names {n}, which it does not have"


def test_module_size_limit() -> None:
    """No module over ~500 lines (split along its sections)."""
    big = {
        str(p.relative_to(PKG.parent)): n
        for p in _modules()
        if (n := len(p.read_text("utf-8").splitlines())) > 560
    }
    assert not big, f"modules over ~500 lines: {big}"


FUNCTION_LIMIT = 60
# Functions allowed over the limit, each with its reason ("path::qualified name"): none now.
LONG_FUNCTIONS_ALLOWED: set[str] = set()


def _long_functions(limit: int = FUNCTION_LIMIT) -> dict[str, int]:
    """'path::Class.function' -> lines, for every function longer than `limit` lines."""
    found: dict[str, int] = {}

    def visit(node: ast.AST, path: str, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    n = child.end_lineno - child.lineno + 1  # type: ignore[operator]
                    if n > limit:
                        found[f"{path}::{name}"] = n
                visit(child, path, name + ".")
            else:
                visit(child, path, prefix)

    for p in _modules():
        visit(ast.parse(p.read_text("utf-8")), str(p.relative_to(PKG.parent)), "")
    return found


def test_function_size_limit() -> None:
    """No function over ~60 lines (def line to last line), outside the commented allow-list."""
    long = _long_functions()
    bad = {k: n for k, n in long.items() if k not in LONG_FUNCTIONS_ALLOWED}
    assert not bad, "functions over 60 lines (split them): " + ", ".join(
        f"{k} ({n})" for k, n in sorted(bad.items(), key=lambda kv: -kv[1])
    )
