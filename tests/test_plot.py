"""Figures: image regression on small fixed cases (the toy baseline), at a fixed style, and
layout checks from the renderer's text boxes (nothing overlaps, nothing leaves the image).

References live in ``tests/baseline_images/``; regenerate them on purpose only with
``pytest tests/test_plot.py --regen-golden`` and look at them. On a mismatch the actual image
and a diff are left in the test's temporary folder (the path is in the message).
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pytest
import xarray as xr

import tradesim
from tradesim import io
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


#: Vietnamese totals for the toy (the embedded baselines carry real ones): basis = "vn" works.
MIRROR = {"mirror_imports_ratio": 0.872, "mirror_exports_ratio": 1.15,
          "mirror_source": "2024 totals (us_vn_totals.csv): Vietnam customs (GDC) as reported "
                           "in the press, https://example.org/a-rather-long-address/of-a-page"}


def _fan() -> xr.DataArray:
    years = np.arange(2024, 2029)
    levels = [0.05, 0.25, 0.5, 0.75, 0.95]
    spread = np.array([-2, -1, 0, 1, 2])[:, None] * (years - 2024)[None, :] * 1e9
    return xr.DataArray(-60e9 + spread, coords={"quantile": levels, "year": years},
                        dims=("quantile", "year"))


@pytest.fixture(scope="module")
def results():
    toy = toy_baseline()
    toy.attrs.update(MIRROR)
    story = tradesim.load_scenario(_dates(STORY))
    vn = {**_dates(STORY), "scenario": {**STORY["scenario"], "name": "toy-vn", "basis": "vn"}}
    return {
        "one": tradesim.simulate(story, toy),
        "vn": tradesim.simulate(vn, toy),
        "both": tradesim.compare([story, _dates(PAUSE)], toy),
        "parts": tradesim.decompose(story, toy),
    }


CASES: dict[str, Callable[[dict], matplotlib.figure.Figure]] = {
    "balance_scenarios": lambda r: figures.balance_scenarios(r["both"]),
    "product_waterfall": lambda r: figures.product_waterfall(r["one"], 2028, n=3),
    "diversion_bars": lambda r: figures.diversion_bars(r["one"], 2028),
    "effective_tariff": lambda r: figures.effective_tariff(r["one"], 2028),
    "decomposition_bars": lambda r: figures.decomposition_bars(r["parts"], 2028, n=3),
    "balance_trajectory_vn": lambda r: figures.balance_trajectory(r["vn"]),
}
#: Layout checks also cover the figures without a reference image.
LAYOUT = {**CASES,
          "balance_trajectory": lambda r: figures.balance_trajectory(r["one"]),
          "balance_fan": lambda r: figures.balance_fan(_fan(), title="Fan"),
          "balance_fan_draws": lambda r: figures.balance_fan(
              _fan(), _fan().rename(quantile="draw"), title="Fan, baseline by draw"),
          "long_titles": lambda r: figures.balance_scenarios(
              r["both"].assign(scenario_title=("scenario", [
                  "A very long scenario title that goes on and on about tariffs on Vietnam " * 2,
                  "Another long title: 46 % on Vietnam, 20 % on China, electronics exempt"]))),
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


def _texts(fig: matplotlib.figure.Figure) -> list[str]:
    return [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]


def test_figures_are_labelled(results) -> None:
    for name, make in CASES.items():
        fig = make(results)
        (ax,) = fig.axes
        assert ax.get_xlabel(), name
        assert ax.get_title(), name
        label = ax.get_xlabel() + ax.get_ylabel()
        assert "bn USD" in label or "%" in label or "points" in label, name
        assert any("Source" in t for t in _texts(fig)), name


def _boxes(fig: matplotlib.figure.Figure) -> dict[str, list]:
    """Pixel boxes of what people read, by kind, from a real draw with the Agg renderer."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    box = {}
    for k, ax in enumerate(fig.axes):
        for kind, artist in (("title", ax.title), ("xlabel", ax.xaxis.label),
                             ("ylabel", ax.yaxis.label)):
            if artist.get_text():
                box[f"{kind}{k}"] = artist.get_window_extent(renderer)
        for kind, axis, (lo, hi) in (("xticks", ax.xaxis, sorted(ax.get_xlim())),
                                     ("yticks", ax.yaxis, sorted(ax.get_ylim()))):
            shown = [t.label1 for t in axis.get_major_ticks()  # drawn: inside the view
                     if lo <= t.get_loc() <= hi and t.label1.get_visible() and
                     t.label1.get_text()]
            box[f"{kind}{k}"] = matplotlib.transforms.Bbox.union(
                [t.get_window_extent(renderer) for t in shown])
        if ax.get_legend() is not None:
            box[f"axes-legend{k}"] = ax.get_legend().get_window_extent(renderer)
    for k, sub in enumerate([fig, *fig.subfigs]):
        for j, legend in enumerate(sub.legends):
            box[f"legend{k}.{j}"] = legend.get_window_extent(renderer)
        for j, text in enumerate(sub.texts):
            box[f"footer{k}.{j}"] = text.get_window_extent(renderer)
        if sub._suptitle is not None:
            box[f"suptitle{k}"] = sub._suptitle.get_window_extent(renderer)
    return box


def _collisions(fig: matplotlib.figure.Figure) -> list[str]:
    """What is wrong with a figure's layout: boxes that overlap or leave the image."""
    box = _boxes(fig)
    problems = [] if any(k.startswith("footer") for k in box) else ["no footer"]
    image = fig.bbox
    for key, b in box.items():
        if (b.x0 < image.x0 - 0.5 or b.y0 < image.y0 - 0.5 or b.x1 > image.x1 + 0.5
                or b.y1 > image.y1 + 0.5):
            problems.append(f"{key} leaves the image: {b}")
    keys = sorted(box)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            if a.startswith("axes-legend") and "ticks" in b:
                continue  # a legend inside the axes sits among the data, never on the ticks
            if box[a].overlaps(box[b]):
                problems.append(f"{a} overlaps {b}")
    footers = [b.y1 for k, b in box.items() if k.startswith("footer")]
    others = [b.y0 for k, b in box.items() if not k.startswith("footer")]
    if footers and others and max(footers) >= min(others):
        problems.append("the footer is not under everything else")
    return problems


@pytest.mark.parametrize("dpi", [figures.DPI, 60])
@pytest.mark.parametrize("name", sorted(LAYOUT))
def test_layout_has_no_collisions(name: str, dpi: int, results) -> None:
    """Axis labels, tick labels, titles, legends and the footer do not overlap, and all of
    them, the footer included, lie inside the image (at the saving resolution and at the
    reference images' one)."""
    fig = LAYOUT[name](results)
    fig.set_dpi(dpi)
    assert _collisions(fig) == []


def test_the_layout_check_finds_collisions() -> None:
    """The check itself: the old layout (a footer at a fixed height under constrained layout,
    a figure legend at the bottom edge, a line longer than the image) is caught."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(8, 4.5), layout="constrained")
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], label="a")
    ax.set(xlabel="year", title="t")
    fig.legend(loc="outside lower center")
    fig.text(0.01, 0.005, "Basis: " + "Vietnamese customs statistics " * 8, fontsize=7)
    problems = _collisions(fig)
    assert any("leaves the image" in p for p in problems)
    assert any("overlaps" in p and "footer" in p for p in problems)


def test_a_long_footer_wraps_inside_the_image(results) -> None:
    fig = figures.balance_trajectory(results["vn"])
    (footer,) = fig.subfigs[1].texts
    assert "Vietnamese customs statistics" in footer.get_text()
    assert footer.get_text().count("\n") >= 1


def test_figures_are_16_9_at_projector_resolution(results, tmp_path: Path) -> None:
    from PIL import Image

    for name in ("balance_scenarios", "decomposition_bars"):
        path = io.write_figure(CASES[name](results), tmp_path / f"{name}.png")
        with Image.open(path) as image:
            assert image.size == (1920, 1080), name


def test_legends_and_labels_are_words_people_use(results) -> None:
    fig = figures.balance_scenarios(results["both"])
    legend = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert legend[1:] == ["46 % on Vietnam, 20 % on China", "10 % on everyone"]  # titles
    fig = figures.diversion_bars(results["one"], 2028)
    suppliers = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Vietnam" in suppliers
    assert "China" in suppliers
    assert not [s for s in suppliers if re.fullmatch(r"[A-Z]{3}", s)]  # no ISO codes
    fig = figures.effective_tariff(results["one"], 2028)
    legend = [t.get_text() for t in fig.subfigs[0].legends[0].get_texts()]
    assert legend[1] == "46 % on Vietnam, 20 % on China"


def test_product_labels_are_sentence_case_and_cut_at_words() -> None:
    toy = toy_baseline()
    names = toy["name"].to_series().astype(str)
    toy = toy.assign_coords(name=("product", [
        "APPAREL ARTICLES AND ACCESSORIES, KNIT OR CROCHET" if c == "61" else n
        for c, n in names.items()]))
    result = tradesim.simulate(_dates(STORY), toy)
    fig = figures.product_waterfall(result, 2028, n=3)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    (apparel,) = [x for x in labels if x.startswith("61 ")]
    assert apparel.startswith("61 Apparel articles")
    assert not re.search(r"[A-Z]{4,}", apparel)
    assert len(apparel) <= 44
    assert apparel.endswith("…")
    assert apparel[-2] != " "
    words = apparel.removesuffix("…").split()
    whole = "61 apparel articles and accessories, knit or crochet".split()
    assert [w.lower() for w in words] == whole[:len(words)]  # whole words, none cut


def test_matplotlib_is_imported_lazily() -> None:
    import subprocess
    import sys

    code = ("import sys, tradesim, tradesim.present.figures, tradesim.present.report; "
            "print('matplotlib' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"
