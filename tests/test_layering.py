"""The folders are the layers of DESIGN §5, and imports point down them (read with ``ast``)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "tradesim"

#: Each subpackage or top-level module and its layer; a module imports only from lower layers,
#: or from its own subpackage in the order of :data:`WITHIN`.
LAYER = {
    "dims": 0, "errors": 0, "cache": 0,
    "data": 1,       # HS product axis, the baseline contract, the embedded baselines
    "scenario": 2,   # field table, parsing, schedule, sweep files, target grammar
    "model": 3,      # the equations, pure numpy; years and draws
    "analysis": 4,   # sweeps, comparison, decomposition, goal seeking
    "io": 5,         # files in and out, at the edge
    "present": 6,    # tables, figures, reports
    "testing": 7, "api": 7,
    "web": 8,
    "cli": 9, "__init__": 9,
}
#: Order inside a subpackage: a module imports only modules listed before it.
WITHIN = {
    "data": ["products", "catalogues", "frame", "baseline", "examples"],
    "scenario": ["fields", "parse", "overrides", "target", "sweep_file", "schedule"],
    "model": ["kernels", "sparse", "smart", "supply", "gsim", "gsim_linear", "response",
              "reduced",
              "trajectory"],
    "analysis": ["anchor", "store", "blocks", "summary", "sweep", "comparison", "decomposition",
                 "goal", "calibrate", "backtest"],
    "present": ["labels", "citations", "tables", "figures", "report"],
    "web": ["whatif", "results", "app"],
}
CORE = {"dims", "errors", "data", "scenario", "model", "analysis", "io"}
FILE_IO = {"io", "os", "pathlib", "shutil", "tempfile", "netCDF4", "zarr", "h5py"}

FILES = sorted(p for p in PACKAGE.rglob("*.py"))


def unit(path: Path) -> tuple[str, str]:
    """(layer unit, module) of a file: ``model/gsim.py`` -> ("model", "gsim")."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return (parts[0], parts[1]) if len(parts) == 2 else (parts[0], parts[0])


def tradesim_imports(path: Path) -> set[tuple[str, str]]:
    """Every (unit, module) of tradesim that ``path`` imports."""
    found: set[tuple[str, str]] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        modules: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module == "tradesim":
                modules = [a.name for a in node.names]
            elif node.module.startswith("tradesim."):
                modules = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            modules = [a.name for a in node.names if a.name.startswith("tradesim.")]
        for name in modules:
            parts = name.removeprefix("tradesim.").split(".")
            top = parts[0]
            if top not in LAYER:
                continue  # a name such as __version__
            sub = parts[1] if len(parts) > 1 and parts[1] in WITHIN.get(top, ()) else top
            found.add((top, sub))
    return found


def test_every_file_is_in_a_layer() -> None:
    for path in FILES:
        top, module = unit(path)
        assert top in LAYER, f"{path}: {top!r} is in no layer"
        if top in WITHIN and module != "__init__":
            assert module in WITHIN[top], f"{path}: add {module!r} to WITHIN[{top!r}]"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_point_down(path: Path) -> None:
    top, module = unit(path)
    for dep_top, dep in tradesim_imports(path):
        if dep_top == top and top in WITHIN:
            order = WITHIN[top]
            assert dep == top or module == "__init__" or order.index(dep) < order.index(module), \
                f"{top}/{module} imports {top}/{dep}, listed after it"
        else:
            assert LAYER[dep_top] < LAYER[top] or top == "__init__", \
                f"{top} (layer {LAYER[top]}) imports {dep_top} (layer {LAYER[dep_top]})"


def test_presentation_is_imported_by_nothing_in_the_core() -> None:
    for path in FILES:
        if unit(path)[0] in CORE:
            above = {t for t, _ in tradesim_imports(path)} & {"present", "web", "api", "cli"}
            assert not above, f"{path} imports {above}"


def _imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    roots = {a.name.split(".")[0] for n in ast.walk(tree) if isinstance(n, ast.Import)
             for a in n.names}
    roots |= {n.module.split(".")[0] for n in ast.walk(tree)
              if isinstance(n, ast.ImportFrom) and n.module}
    return roots


def test_model_does_no_file_io() -> None:
    for path in (PACKAGE / "model").glob("*.py"):
        assert not _imported_roots(path) & FILE_IO, path
        assert "io" not in {t for t, _ in tradesim_imports(path)}, path
        calls = {getattr(n.func, "id", getattr(n.func, "attr", "")) for n in
                 ast.walk(ast.parse(path.read_text())) if isinstance(n, ast.Call)}
        assert not calls & {"open", "to_netcdf", "to_zarr", "read_csv", "to_csv"}, path


def test_kernels_know_no_labels_or_files() -> None:
    path = PACKAGE / "model" / "kernels.py"
    assert _imported_roots(path) <= {"__future__", "numpy", "scipy", "tradesim"}
    assert tradesim_imports(path) <= {("dims", "dims")}


def test_no_private_name_crosses_a_module() -> None:
    for path in FILES:
        tree = ast.parse(path.read_text())
        aliases = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tradesim"):
                private = [a.name for a in node.names
                           if a.name.startswith("_") and a.name != "__version__"]
                assert not private, f"{path.name} imports {private} from {node.module}"
                aliases |= {a.asname or a.name for a in node.names}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in aliases and node.attr.startswith("_")
                    and not node.attr.startswith("__")):
                raise AssertionError(f"{path.name} uses {node.value.id}.{node.attr}")


def test_only_the_cli_prints() -> None:
    for path in FILES:
        if path.name == "cli.py":
            continue
        calls = [n for n in ast.walk(ast.parse(path.read_text()))
                 if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "print"]
        assert not calls, f"{path.name} prints"
