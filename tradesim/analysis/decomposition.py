"""Where the change in the balance comes from: growth, tariffs, diversion, commitments.

The change in the US–Vietnam balance from the base year to year ``t`` under a scenario is split
into four parts that telescope, so they add up to the total by construction:

=================== ===============================================================
``baseline_growth`` ``B0(t) − B0(base)``: the no-change projection (trend growth, and any
                    growth override of the scenario)
``tariff_response`` ``B1(t) − B0(t)``: the scenario's *bilateral* measures only (US tariffs on
                    Vietnamese goods, Vietnamese tariffs on US goods): the own-price response
                    of the two flows
``diversion``       ``B2(t) − B1(t)``: adding the measures on third suppliers (US tariffs on
                    China and others, Vietnamese tariffs on others) and origin switching: demand
                    diverted towards or away from the bilateral flows
``commitments``     ``B3(t) − B2(t)``: the purchase commitments, net of what they displace
=================== ===============================================================

``B0`` is the baseline projection, ``B3`` the full scenario, and ``B1``, ``B2`` the scenario
with fewer parts, all evaluated in one vectorised :func:`tradesim.model.trajectory.run`. The order
matters where measures interact (the effect of a tariff on China depends on the tariff on
Vietnam): bilateral measures come first. Every part is by product (then summed by product
group), on US statistics: balance = US exports to Vietnam − US imports from Vietnam.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from tradesim.dims import EXPORTER, IMPORTER, PRODUCT, SCENARIO, US, VN, YEAR
from tradesim.model import trajectory
from tradesim.scenario.parse import Scenario, parse_scenario

__all__ = ["PARTS", "bilateral_only", "decompose", "section_groups", "without_commitments"]

PARTS = ("baseline_growth", "tariff_response", "diversion", "commitments")
PART_NAMES = {"baseline_growth": "baseline growth", "tariff_response": "tariff response",
              "diversion": "diversion", "commitments": "commitments"}
GROUP = "group"
PART = "part"
#: What each variable of :func:`decompose` holds (its ``long_name`` and ``description``).
DESCRIPTIONS = {
    "change": "part of the change in the US-Vietnam balance from the base year to this year: "
              "baseline growth B0(t)-B0(base), tariff response B1(t)-B0(t) (bilateral "
              "measures), diversion B2(t)-B1(t) (third-country measures and origin "
              "switching), commitments B3(t)-B2(t); the parts add up to total",
    "total": "change in the US-Vietnam balance from the base year to this year under the "
             "scenario, B3(t)-B0(base)",
    "balance": "US-Vietnam balance under the scenario, B3(t): US exports to Vietnam minus US "
               "imports from Vietnam (US statistics, product detail)",
    "balance_baseline": "US-Vietnam balance of the baseline projection, B0(t) (US statistics, "
                        "product detail)",
    "balance_base_year": "US-Vietnam balance in the base year, B0(base) (US statistics, product "
                         "detail)",
}


def bilateral_only(scenario: Scenario) -> Scenario:
    """The scenario's measures restricted to the bilateral flows; no commitments or re-routing.

    A US measure keeps only Vietnam among its exporters, a Vietnamese measure only the US;
    measures on neither are dropped (and dropped from others' ``overrides``), so in every
    bilateral cell the tariff is exactly the full scenario's and elsewhere it is the base rate.
    """
    doc = scenario.to_dict()
    kept = []
    for m in doc.get("tariff", []):
        partner = VN if m["importer"] == US else US
        if m["exporters"] == "all" or partner in m["exporters"]:
            kept.append({**m, "exporters": [partner]})
    ids = {m["id"] for m in kept}
    for m in kept:
        m["overrides"] = [o for o in m["overrides"] if o in ids]
    doc["tariff"] = kept
    for key in ("commitment", "transshipment"):
        doc.pop(key, None)
    return parse_scenario(doc, file=scenario.file)


def without_commitments(scenario: Scenario) -> Scenario:
    """The scenario without its purchase commitments."""
    doc = scenario.to_dict()
    doc.pop("commitment", None)
    return parse_scenario(doc, file=scenario.file)


def section_groups(baseline: xr.Dataset, chapters: pd.DataFrame) -> xr.DataArray:
    """Each product's HS section, e.g. ``"XI Textiles and textile articles"`` (product dim).

    Parameters
    ----------
    baseline : Dataset
        Its ``chapter`` coordinate (or the first two digits of the product code) is looked up.
    chapters : DataFrame
        Columns ``hs2``, ``section`` (Roman numeral) and ``section_name``: the packaged
        ``hs_chapters.csv`` (``tradesim.io.packaged_tables()["chapters"]``).
    """
    codes = [str(p) for p in baseline.indexes[PRODUCT]]
    chapter = ([str(c) for c in baseline["chapter"].to_numpy()] if "chapter" in baseline.coords
               else [c[:2] for c in codes])
    table = chapters.assign(hs2=chapters["hs2"].astype(str).str.zfill(2)).set_index("hs2")
    short = table["section_name"].astype(str).str.split(";").str[0].str.strip()
    label = (table["section"].astype(str) + " " + short).reindex(chapter)
    labels = np.where(label.isna(), ["ch. " + c for c in chapter], label.to_numpy(dtype=object))
    return xr.DataArray(labels.astype(str), dims=PRODUCT, coords={PRODUCT: codes},
                        name=GROUP)


def _bilateral(value: xr.DataArray) -> xr.DataArray:
    """Balance by product: US exports to Vietnam − US imports from Vietnam (USD)."""
    exports = value.sel({IMPORTER: VN, EXPORTER: US}, drop=True)
    imports = value.sel({IMPORTER: US, EXPORTER: VN}, drop=True)
    return exports - imports


def decompose(baseline: xr.Dataset, scenario: Scenario,
              groups: xr.DataArray | Mapping[str, str] | None = None) -> xr.Dataset:
    """Split the change in the balance into growth, tariffs, diversion and commitments.

    Parameters
    ----------
    baseline : Dataset
        A validated baseline holding both bilateral flows.
    scenario : Scenario
        The scenario to explain.
    groups : DataArray or mapping, optional
        A label per product (e.g. :func:`section_groups`); default: every product its own
        group.

    Returns
    -------
    Dataset
        ``change`` (part, year, group; USD): the four parts of :data:`PARTS`; ``total``
        (year, group): the scenario balance minus the base-year balance, equal to
        ``change.sum("part")`` up to rounding; ``balance``, ``balance_baseline`` (year, group)
        and ``balance_base_year`` (group). Groups are ordered by their first HS code. All on
        US statistics, whatever the scenario's ``basis``.

    Examples
    --------
    >>> from tradesim.data.examples import toy_baseline
    >>> from tradesim.scenario.parse import parse_scenario
    >>> s = parse_scenario({"scenario": {"name": "d", "horizon": 2026},
    ...     "tariff": [{"id": "t", "importer": "USA", "exporters": "all", "products": ["61"],
    ...                 "rate": 20}]})
    >>> d = decompose(toy_baseline(), s)
    >>> parts = d["change"].sel(year=2026).sum("group") / 1e9
    >>> [round(float(parts.sel(part=p)), 3) for p in PARTS]
    [0.0, 6.693, -3.876, 0.0]
    >>> bool(abs(d["change"].sum("part") - d["total"]).max() < 1e-3)
    True
    """
    runs = trajectory.run(baseline, [bilateral_only(scenario), without_commitments(scenario),
                                     scenario], labels=["bilateral", "measures", "full"])
    b = _bilateral(runs["value"])  # (scenario, year, product)
    b0 = _bilateral(runs["value_baseline"].isel({SCENARIO: 0}, drop=True))
    base = b0.isel({YEAR: 0}, drop=True)
    b1, b2, b3 = (b.isel({SCENARIO: k}, drop=True) for k in range(3))
    parts = xr.concat([b0 - base, b1 - b0, b2 - b1, b3 - b2],
                      dim=pd.Index(list(PARTS), name=PART))
    labels, order = _labels(baseline, groups)
    onehot = xr.DataArray((labels[:, None] == np.array(order)[None, :]).astype(float),
                          dims=(PRODUCT, GROUP),
                          coords={PRODUCT: baseline.indexes[PRODUCT], GROUP: order})
    by = lambda da: xr.dot(da, onehot, dim=PRODUCT)  # noqa: E731
    out = xr.Dataset({
        "change": by(parts).transpose(PART, YEAR, GROUP),
        "total": by(b3 - base).transpose(YEAR, GROUP),
        "balance": by(b3).transpose(YEAR, GROUP),
        "balance_baseline": by(b0).transpose(YEAR, GROUP),
        "balance_base_year": by(base),
    })
    out.coords["part_name"] = (PART, [PART_NAMES[p] for p in PARTS])
    for name, doc in DESCRIPTIONS.items():
        out[name].attrs.update(units="USD", long_name=doc, description=doc)
    out["part_name"].attrs["long_name"] = "part of the balance change, in words"
    out.attrs.update(_attrs(scenario, baseline))
    return out


def _labels(baseline: xr.Dataset,
            groups: xr.DataArray | Mapping[str, str] | None) -> tuple[np.ndarray, list[str]]:
    codes = [str(p) for p in baseline.indexes[PRODUCT]]
    if groups is None:
        labels = np.array(codes, dtype=object)
    elif isinstance(groups, xr.DataArray):
        labels = groups.reindex({PRODUCT: codes}).to_numpy().astype(object)
    else:
        labels = np.array([groups.get(c) for c in codes], dtype=object)
    missing = np.array(codes)[pd.isna(labels)]
    if missing.size:
        raise ValueError(f"groups give no label for products {missing[:5].tolist()}"
                         f"{' …' if missing.size > 5 else ''}")
    labels = labels.astype(str)
    _, first = np.unique(labels, return_index=True)
    return labels, labels[np.sort(first)].tolist()


def _attrs(scenario: Scenario, baseline: xr.Dataset) -> dict[str, Any]:
    return {"scenario": scenario.name, "scenario_title": scenario.title,
            "scenario_digest": scenario.digest(), "base_year": scenario.base_year,
            "basis": "US statistics: balance = US exports to Vietnam - US imports from Vietnam "
                     "(product detail)",
            "order": "baseline growth, then bilateral tariffs, then third-country tariffs and "
                     "origin switching, then commitments",
            "baseline_source": str(baseline.attrs.get("source", ""))}
