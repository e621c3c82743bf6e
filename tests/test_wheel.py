"""The wheel carries what users run: shipped scenarios and sweeps, data, templates, the page."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> zipfile.ZipFile:
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                           str(out), str(ROOT)], capture_output=True, text=True, timeout=600,
                          check=False)
    if done.returncode != 0 and "Could not find a version" in done.stderr:
        pytest.skip("no package index to fetch the build backend from")
    assert done.returncode == 0, done.stderr
    (path,) = out.glob("tradesim-*.whl")
    return zipfile.ZipFile(path)


def test_the_wheel_ships_scenarios_sweeps_and_page(wheel: zipfile.ZipFile) -> None:
    names = set(wheel.namelist())
    shipped = {p.name for p in (ROOT / "scenarios").glob("*.toml")}
    assert {f"tradesim/data/scenarios/{n}" for n in shipped} <= names
    assert "tradesim/data/scenarios/replay/us-china-2018-19.toml" in names
    assert {f"tradesim/data/sweeps/{p.name}" for p in (ROOT / "sweeps").glob("*.toml")} <= names
    assert "tradesim/data/embedded/SOURCES.md" in names
    assert "tradesim/web/static/index.html" in names
    assert any(n.startswith("tradesim/present/templates/") for n in names)
    # the packaged copy is the file itself, not a link
    text = wheel.read("tradesim/data/scenarios/framework-2025.toml").decode()
    assert text == (ROOT / "scenarios" / "framework-2025.toml").read_text()
