"""Start-up structure: what importing tradesim and running a command load (no timings here;
``benchmarks/startup.py`` times them). Each check runs in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "framework-2025.toml"
#: Heavy modules no plain `run` needs.
HEAVY = ("scipy", "dask", "distributed", "matplotlib", "netCDF4", "zarr", "pint")


def loaded_after(code: str, modules: tuple[str, ...], tmp_path: Path) -> list[str]:
    """Which of ``modules`` are imported after running ``code`` in a new interpreter."""
    probe = (f"{code}\nimport json, sys\n"
             f"print(json.dumps([m for m in {list(modules)!r} if sys.modules.get(m)]))")
    env = {**os.environ, "TRADESIM_CACHE_DIR": str(tmp_path / "cache")}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                         cwd=ROOT, env=env, timeout=600, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_tradesim_loads_no_array_library(tmp_path: Path) -> None:
    assert loaded_after("import tradesim", ("numpy", "pandas", "xarray", *HEAVY),
                        tmp_path) == []


def test_public_names_load_on_first_use(tmp_path: Path) -> None:
    code = ("import tradesim\nassert 'simulate' not in vars(tradesim)\n"
            "assert tradesim.simulate is tradesim.api.simulate\n"
            "assert tradesim.Scenario.__module__ == 'tradesim.scenario.parse'")
    assert loaded_after(code, ("xarray",), tmp_path) == ["xarray"]


def test_unknown_attribute_is_an_attribute_error() -> None:
    import tradesim

    with pytest.raises(AttributeError, match="no attribute 'simulat'"):
        tradesim.simulat  # noqa: B018


def test_the_api_imports_no_heavy_module(tmp_path: Path) -> None:
    assert loaded_after("import tradesim.api, tradesim.io, tradesim.present.tables", HEAVY,
                        tmp_path) == []


def test_help_imports_no_array_library(tmp_path: Path) -> None:
    code = ("from tradesim import cli\ntry:\n    cli.console(['--help'])\n"
            "except SystemExit:\n    pass")
    assert loaded_after(code, ("numpy", "pandas", "xarray", *HEAVY), tmp_path) == []


def test_run_loads_neither_scipy_nor_dask_nor_writers(tmp_path: Path) -> None:
    code = (f"import contextlib, io\nfrom tradesim import cli\n"
            f"with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    assert cli.console(['run', {str(SCENARIO)!r}]) == 0")
    assert loaded_after(code, HEAVY, tmp_path) == []


def test_sweep_keeps_dask_importable(tmp_path: Path) -> None:
    code = ("import sys\nfrom tradesim import cli\ntry:\n    cli.console(['sweep', '--help'])\n"
            "except SystemExit:\n    pass\nassert sys.modules.get('dask', 'absent') is not None\n"
            "import dask.array")
    assert loaded_after(code, ("dask",), tmp_path) == ["dask"]


def test_main_in_process_leaves_dask_alone() -> None:
    from tradesim import cli

    before = sys.modules.get("dask", "absent")
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    assert sys.modules.get("dask", "absent") is before


@pytest.mark.parametrize("argv", [["--help"], ["run", "no-such-file.toml"]])
def test_console_freezes_the_heap_on_every_way_out(argv: list[str], tmp_path: Path) -> None:
    """The program ends with gc.freeze() (the interpreter's exit then skips a collection over
    every object the imports made), whether the command returns, fails or exits."""
    code = (f"import contextlib, gc, io\nfrom tradesim import cli\n"
            f"assert gc.get_freeze_count() == 0\n"
            f"with contextlib.redirect_stdout(io.StringIO()), "
            f"contextlib.redirect_stderr(io.StringIO()):\n"
            f"    try:\n        cli.console({argv!r})\n    except SystemExit:\n        pass\n"
            f"print(gc.get_freeze_count() > 0)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         env={**os.environ, "TRADESIM_CACHE_DIR": str(tmp_path / "cache")},
                         timeout=600, check=True)
    assert out.stdout.strip().splitlines()[-1] == "True"


def test_main_in_process_leaves_the_collector_alone() -> None:
    import gc

    from tradesim import cli

    before = gc.get_freeze_count()
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    assert gc.get_freeze_count() == before
