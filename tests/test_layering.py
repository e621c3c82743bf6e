"""Imports point down the layers of DESIGN §5; nothing in the core imports io or cli."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tradesim"

#: DESIGN §5, with the data layer split in three: products (the HS axis) < data (the
#: contract) < baseline (building the embedded baseline from packaged tables).
LAYER = {
    "dims": 1, "errors": 1,
    "schema": 2, "products": 2,
    "data": 3,
    "baseline": 4, "scenario": 4,
    "schedule": 5, "kernels": 5, "sweep_spec": 5,
    "supply": 6, "smart": 6,
    "gsim": 7,
    "model": 8,
    "trajectory": 9,
    "sweep": 10, "target": 10, "comparison": 10, "decomposition": 10,
    "goal": 10.5,  # goal builds its variants with sweep.parse_sweep
    "report": 11,
    "plot": 12,
}
EDGE = {"io": 13, "api": 14, "examples": 14, "testing": 14, "publish": 14, "cli": 15,
        "__init__": 15}
CORE_FORBIDDEN = {"io", "api", "cli"}


def tradesim_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "tradesim":
                found |= {a.name for a in node.names}
            elif node.module.startswith("tradesim."):
                found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found |= {a.name.split(".")[1] for a in node.names
                      if a.name.startswith("tradesim.")}
    return found


MODULES = sorted(p.stem for p in PACKAGE.glob("*.py"))


def test_every_module_has_a_layer() -> None:
    assert set(MODULES) <= set(LAYER) | set(EDGE)


@pytest.mark.parametrize("module", MODULES)
def test_imports_point_down(module: str) -> None:
    level = {**LAYER, **EDGE}
    for dep in tradesim_imports(PACKAGE / f"{module}.py"):
        if dep not in level:  # e.g. `from tradesim import __version__` style names
            continue
        assert level[dep] < level[module] or (module in EDGE and dep in LAYER), \
            f"{module} (layer {level[module]}) imports {dep} (layer {level[dep]})"
        if module in LAYER:
            assert dep not in CORE_FORBIDDEN, f"core module {module} imports {dep}"


def test_kernels_know_no_labels_or_files() -> None:
    source = (PACKAGE / "kernels.py").read_text()
    tree = ast.parse(source)
    roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
             for a in n.names}
    roots |= {n.module.split(".")[0] for n in ast.walk(tree)
              if isinstance(n, ast.ImportFrom) and n.module}
    assert roots <= {"__future__", "numpy", "scipy", "tradesim"}
    assert tradesim_imports(PACKAGE / "kernels.py") <= {"dims"}


def test_only_the_cli_prints() -> None:
    for path in PACKAGE.glob("*.py"):
        if path.stem == "cli":
            continue
        calls = [n for n in ast.walk(ast.parse(path.read_text()))
                 if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print"]
        assert not calls, f"{path.name} prints"
