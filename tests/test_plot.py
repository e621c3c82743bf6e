"""Figures: image regression on small fixed cases (the toy baseline), at a fixed style.

References live in ``tests/baseline_images/``; regenerate them on purpose only with
``pytest tests/test_plot.py --regen-golden`` and look at them. On a mismatch the actual image
and a diff are left in the test's temporary folder (the path is in the message).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import matplotlib
import pytest

import tradesim
from tradesim.data.examples import toy_baseline
from tradesim.present import figures

pytest.importorskip("matplotlib.testing.compare")
from matplotlib.testing.compare import compare_images  # noqa: E402

IMAGES = Path(__file__).parent / "baseline_images"
TOL = 3.0  # RMS over 0-255 grey levels: font hinting differences, not content

STORY = {
    "scenario": {"name": "toy-story", "title": "46 % on Vietnam, 20 % on China",
                 "horizon": 2028},
    "tariff": [
        {"id": "vn", "importer": "USA", "exporters": ["VNM"], "products": "all",
         "exclude": ["8517"], "rate": 46, "from": "2025-04-09"},
        {"id": "cn", "importer": "USA", "exporters": ["CHN"], "products": "all", "rate": 20,
         "from": "2025-03-04"},
    ],
    "commitment": [{"id": "jets", "buyer": "VNM", "seller": "USA", "product": "8802",
                    "schedule": {"2026": 1e9, "2027": 2e9, "2028": 2e9},
                    "displaces": ["ROW"]}],
}
PAUSE = {
    "scenario": {"name": "toy-pause", "title": "10 % on everyone", "horizon": 2028},
    "tariff": [{"id": "ten", "importer": "USA", "exporters": "all", "products": "all",
                "rate": 10, "from": "2025-04-05"}],
}


def _dates(doc: dict) -> dict:
    import datetime as dt

    out = {**doc, "tariff": [dict(m) for m in doc["tariff"]]}
    for m in out["tariff"]:
        if "from" in m:
            m["from"] = dt.date.fromisoformat(m["from"])
    return out


@pytest.fixture(scope="module")
def results():
    toy = toy_baseline()
    story = tradesim.load_scenario(_dates(STORY))
    return {
        "one": tradesim.simulate(story, toy),
        "both": tradesim.compare([story, _dates(PAUSE)], toy),
        "parts": tradesim.decompose(story, toy),
    }


CASES: dict[str, Callable[[dict], matplotlib.figure.Figure]] = {
    "balance_scenarios": lambda r: figures.balance_scenarios(r["both"]),
    "product_waterfall": lambda r: figures.product_waterfall(r["one"], 2028, n=3),
    "diversion_bars": lambda r: figures.diversion_bars(r["one"], 2028),
    "effective_tariff": lambda r: figures.effective_tariff(r["one"], 2028),
    "decomposition_bars": lambda r: figures.decomposition_bars(r["parts"], 2028, n=3),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_figure_matches_reference(name: str, results, tmp_path: Path,
                                  regen_golden: bool) -> None:
    with matplotlib.rc_context():
        matplotlib.rcdefaults()
        fig = CASES[name](results)
        actual = tmp_path / f"{name}.png"
        fig.savefig(actual, dpi=60)
    reference = IMAGES / f"{name}.png"
    if regen_golden:
        IMAGES.mkdir(exist_ok=True)
        shutil.copyfile(actual, reference)
        pytest.skip(f"regenerated {reference.name}")
    assert reference.exists(), f"no reference image {reference.name}: run with --regen-golden"
    diff = compare_images(str(reference), str(actual), tol=TOL)
    assert diff is None, f"{diff} (actual image: {actual})"


def test_figures_are_labelled(results) -> None:
    for name, make in CASES.items():
        fig = make(results)
        (ax,) = fig.axes
        assert ax.get_xlabel(), name
        assert ax.get_title(), name
        label = ax.get_xlabel() + ax.get_ylabel()
        assert "bn USD" in label or "%" in label or "points" in label, name
        assert any("Source" in t.get_text() for t in fig.texts), name


def test_matplotlib_is_imported_lazily() -> None:
    import subprocess
    import sys

    code = ("import sys, tradesim, tradesim.present.figures, tradesim.present.report; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
