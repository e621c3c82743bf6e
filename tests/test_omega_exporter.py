"""Export supply elasticities that differ by exporter (issue 11, item 4): scenario keys by
supplier code and the baseline's optional ``omega_exporter``."""

from __future__ import annotations

import numpy as np
import pytest

import tradesim
from tradesim.errors import ScenarioError, ScheduleError
from tradesim.testing import assert_finite

DOC = {"scenario": {"name": "cn", "horizon": 2027},
       "tariff": [{"id": "cn", "importer": "USA", "exporters": ["CHN", "VNM"],
                   "products": "all", "rate": 25}]}


def run(baseline, omega: dict, method: str = "ces"):
    doc = {**DOC, "scenario": {**DOC["scenario"], "method": method},
           "elasticities": {"omega": omega}}
    return tradesim.simulate(doc, baseline)


@pytest.mark.parametrize("method", ["ces", "smart", "gsim", "gsim-exact"])
def test_an_exporter_with_its_own_omega_absorbs_more_of_the_tariff(baseline, method) -> None:
    common = run(baseline, {"all": 5.0}, method)
    china = run(baseline, {"all": 5.0, "CHN": 1.0}, method)
    at = {"importer": "USA", "year": 2027}
    p_cn = lambda r: float(r["world_price"].sel(**at, exporter="CHN").mean())  # noqa: E731
    assert p_cn(china) < p_cn(common) < 1.0
    assert_finite(china)


def test_the_same_omega_for_every_exporter_is_the_product_level_model(baseline) -> None:
    exporters = [str(e) for e in baseline.indexes["exporter"]]
    each = run(baseline, {"all": 5.0, **{e: 5.0 for e in exporters}})
    np.testing.assert_allclose(each["value"], run(baseline, {"all": 5.0})["value"], rtol=1e-12)


def test_a_baseline_variable_does_what_the_scenario_key_does(baseline) -> None:
    own = baseline["sigma"].isel(product=0, drop=True).expand_dims(
        exporter=baseline.indexes["exporter"]).transpose("importer", "exporter") * np.nan
    own.loc[{"importer": "USA", "exporter": "CHN"}] = 1.0
    with_var = baseline.assign(omega_exporter=own)
    np.testing.assert_allclose(run(with_var, {"all": 5.0})["value"],
                               run(baseline, {"all": 5.0, "CHN": 1.0})["value"], rtol=1e-12)


def test_bad_supplier_keys_get_their_own_message(baseline) -> None:
    with pytest.raises(ScenarioError, match="or, for omega, a supplier code such as CHN"):
        tradesim.load_scenario({**DOC, "elasticities": {"omega": {"china": 1.0}}})
    with pytest.raises(ScenarioError, match=r"must lie in \[0.01, inf\]"):
        tradesim.load_scenario({**DOC, "elasticities": {"omega": {"CHN": 0.0}}})
    with pytest.raises(ScheduleError, match=r"\['NGA'\] not in this baseline"):
        run(baseline, {"all": 5.0, "NGA": 1.0})
