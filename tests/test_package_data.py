"""The packaged tables are rebuilt from the shared source data byte for byte, part by part.

``tools/package_data/`` builds ``tradesim/data/embedded/``; these tests run each part into a
temporary folder and compare with the committed files. They need the project's shared source
data beside the checkout (``../shared/data``, or ``TRADESIM_SHARED_DATA``), as CI has it; a
fresh clone without it skips them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EMBEDDED = ROOT / "tradesim" / "data" / "embedded"
SHARED = Path(os.environ.get("TRADESIM_SHARED_DATA", ROOT.parent / "shared" / "data"))

pytestmark = pytest.mark.skipif(not (SHARED / "SOURCES.md").exists(),
                                reason="shared source data not available")
pytest.importorskip("pyarrow")  # the shared HS10 export file is parquet

sys.path.insert(0, str(ROOT / "tools"))
from package_data import (  # noqa: E402
    actuals,
    catalogues,
    elasticities,
    flows,
    products,
    step2025,
    tariffs,
)
from package_data.common import Build  # noqa: E402

#: Parts that need no other part's output, and the file each writes.
INDEPENDENT: list[tuple[Callable[[Build], object], str]] = [
    (flows.build_us_imports_hs6, "us_imports_hs6_2024.csv.gz"),
    (flows.build_us_exports_hs6, "us_exports_to_vn_hs6.csv.gz"),
    (flows.build_us_imports_2017, "us_imports_hs2_2017_consumption.csv"),
    (flows.build_us_imports_hs2_consumption, "us_imports_hs2_consumption_2017_2020.csv.gz"),
    (flows.build_totals, "us_vn_totals.csv"),
    (elasticities.build_elasticities_hs2, "elasticities_hs2.csv"),
    (elasticities.build_elasticities_hs6, "elasticities_hs6_us.csv.gz"),
    (tariffs.build_vn_mfn, "vn_mfn_rates.csv"),
    (products.build_hs6_names, "hs6_names.csv.gz"),
    (actuals.build_naics3_monthly, "us_imports_naics3_monthly_vn_cn_world.csv.gz"),
    (actuals.build_headline_2025, "us_vn_2025_headline_actuals.csv"),
    (step2025.build_step_2025, step2025.HS6_NAICS3),
    (step2025.build_step_2025, step2025.FACTORS),
    (catalogues.build_product_groups, "product_groups.csv"),
    (catalogues.build_product_groups, "product_group_codes.csv.gz"),
    (catalogues.build_product_groups, "hs6_weights.csv.gz"),
    (catalogues.build_purchase_items, "purchase_items.csv"),
    (catalogues.build_names, "hs_names.csv"),
    (catalogues.build_names, "supplier_names.csv"),
]


@pytest.mark.parametrize(("build", "name"), INDEPENDENT, ids=[n for _, n in INDEPENDENT])
def test_each_part_rebuilds_its_file(build: Callable[[Build], object], name: str,
                                     tmp_path: Path) -> None:
    b = Build(SHARED, tmp_path)
    build(b)
    assert (tmp_path / name).read_bytes() == (EMBEDDED / name).read_bytes()
    assert not [text for _, text, fail in b.checks if fail]


def test_the_whole_build_reproduces_every_committed_file(tmp_path: Path) -> None:
    shutil.copy(EMBEDDED / "product_splits.csv", tmp_path)  # keeps contributors' appended rows
    done = subprocess.run([sys.executable, str(ROOT / "tools" / "build_package_data.py"),
                           "--shared", str(SHARED), "--out", str(tmp_path)],
                          capture_output=True, text=True, check=False, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    built = sorted(p.name for p in tmp_path.iterdir())
    assert built == sorted(p.name for p in EMBEDDED.iterdir() if p.is_file())
    for name in built:
        if name in ESTIMATED:
            assert_same_estimates(tmp_path / name, EMBEDDED / name)
        else:
            assert (tmp_path / name).read_bytes() == (EMBEDDED / name).read_bytes(), name


#: Files of numbers an iterative estimator fits (``tools/package_data/calibration.py``: 201
#: Levenberg-Marquardt fits at scipy's default tolerances). The fits stop where the objective
#: is flat to ``ftol`` = 1e-8, and the point where they stop moves with the machine's floating
#: point (numpy's SIMD paths): rebuilt on an AVX2 machine the file committed from an AVX-512
#: one differed by up to 6.6e-6 (relative) in the bootstrap bounds, and the bootstrap bounds
#: themselves lie about 1e-3 from fully converged fits (measured at tolerance 1e-13). Every
#: text field must match exactly, every number to 1e-3.
ESTIMATED = ("reallocation.csv",)


def assert_same_estimates(built: Path, committed: Path) -> None:
    import numpy as np
    import pandas as pd

    a, b = (pd.read_csv(p, dtype=str, keep_default_na=False) for p in (built, committed))
    assert list(a.columns) == list(b.columns), committed.name
    assert a.shape == b.shape, committed.name
    for col in a.columns:
        x, y = pd.to_numeric(a[col], errors="coerce"), pd.to_numeric(b[col], errors="coerce")
        if x.notna().all() and y.notna().all():
            np.testing.assert_allclose(x, y, rtol=1e-3, atol=0, err_msg=f"{committed.name}: {col}")
        else:
            assert a[col].tolist() == b[col].tolist(), f"{committed.name}: {col}"


def test_a_headline_check_beyond_tolerance_fails_the_build(tmp_path: Path) -> None:
    b = Build(SHARED, tmp_path)
    b.check("within", 100.2, 100.0, hard=True)
    b.check("beyond", 101.0, 100.0, hard=True)
    b.check("soft", 101.0, 100.0, hard=False)
    assert [name for name, _, fail in b.checks if fail] == ["beyond"]
