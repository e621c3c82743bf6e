"""The field table of scenario files: type, unit, default, bounds and documentation of every key.

Validation (:mod:`tradesim.scenario.parse`), the docs and ``tradesim describe`` all read this one
table.
Rates are written in percent in files and held as fractions inside tradesim.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass

REQUIRED = object()  # sentinel: the key has no default


@dataclass(frozen=True)
class Field:
    """One key of a scenario table."""

    name: str
    kind: str  # "str", "int", "float", "date", "codes", "hs", "hs_list", "ids", "strs", "table"
    default: object
    doc: str
    unit: str = ""
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    low_open: bool = False

    @property
    def required(self) -> bool:
        """Whether the key must be given."""
        return self.default is REQUIRED


BASE_YEAR = 2024
MAX_HORIZON = 2060
#: The most any one money amount may be, USD: 10 trillion, about 40 % of world goods trade
#: (about 24 trillion USD in 2024, WTO) and some 60 times US–Vietnam goods trade; far below
#: where sums of amounts could overflow a float.
MAX_USD = 1e13

SCENARIO_FIELDS: tuple[Field, ...] = (
    Field("name", "str", REQUIRED, "short identifier, lowercase letters, digits and dashes"),
    Field("title", "str", "", "one line for tables and plots"),
    Field("description", "str", "", "what the scenario says"),
    Field("base_year", "int", BASE_YEAR, "year of the baseline (2024; 2017 for the chapter "
          "history baseline)", "year", 2013, BASE_YEAR),
    Field("horizon", "int", 2030, "last simulated year", "year", 2014, MAX_HORIZON),
    Field("basis", "str", "us", "statistics the balance is reported on: US Census or "
          "Vietnamese customs (scaled by the base-year mirror ratios)", choices=("us", "vn")),
    Field("method", "str", "ces", "model: exact CES (default), WITS SMART, GSIM as published "
          "(Francois & Hall's linear model: markets linked through exporters' world prices), "
          "or gsim-exact (the same markets solved exactly with CES demand)",
          choices=("ces", "smart", "gsim", "gsim-exact")),
    Field("sources", "strs", (), "citations for the scenario as a whole"),
    Field("include", "strs", (), "other scenario files whose measures and commitments are added"),
)

TARIFF_FIELDS: tuple[Field, ...] = (
    Field("id", "id", REQUIRED, "unique measure id"),
    Field("importer", "code", REQUIRED, "market that levies the tariff: any importer of the "
          "baseline (USA and VNM in the embedded ones; others on your own baseline)"),
    Field("exporters", "codes", REQUIRED, 'suppliers hit (ISO3, EU, ROW) or "all"'),
    Field("products", "hs_list", REQUIRED, 'HS prefixes, "@group" names (tradesim products '
          '--groups) or "all"'),
    Field("exclude", "hs_list", (), 'HS prefixes or "@group" names carved out of products'),
    Field("rate", "float", REQUIRED, "tariff rate; for mode cut the reduction, for cap the "
          "maximum rate, for swiss the coefficient a (see the modes table)", "percent", 0.0,
          1000.0),
    Field("mode", "str", "add", "how the rate combines with the rate in force",
          choices=("add", "set", "floor", "cut", "cap", "swiss")),
    Field("overrides", "ids", (), "ids of measures this one displaces where both apply"),
    Field("from", "date", None, "first day in force (default: start of base year)"),
    Field("to", "date", None, "last day in force, inclusive (default: end of horizon)"),
    Field("share", "float", 1.0, "fraction of the flow affected", "fraction", 0.0, 1.0,
          low_open=True),
    Field("source", "str", "", "citation"),
    Field("status", "str", "", "in force, announced, assumption ..."),
    Field("note", "str", "", "free text; assumptions"),
)

#: What each ``[[tariff]]`` mode does with ``rate`` (percent in files): mode -> meaning. Within a
#: segment of days with one set of measures in force, each cell goes base -> set -> floor -> add
#: -> cut/cap/swiss (in the order the measures are listed), and only then are days weighted.
MODES: dict[str, str] = {
    "add": "adds `rate` to the rate in force",
    "set": "replaces the base rate by `rate`",
    "floor": "raises the rate to at least `rate` (the \"15 % all-in\" deals)",
    "cut": "linear cut: reduces each line's rate in force by `rate` percent of itself, "
           "r1 = r0 (1 - rate/100); rate <= 100",
    "cap": "maximum rate: r1 = min(r0, rate)",
    "swiss": "Swiss formula r1 = a r0 / (a + r0) with coefficient a = `rate`, a and r0 both in "
             "percent (a = 25: 100 % -> 20 %); a > 0",
}

#: Modes that act on the rate in force (after set, floor and add), line by line.
OPERATORS: tuple[str, ...] = ("cut", "cap", "swiss")

COMMITMENT_FIELDS: tuple[Field, ...] = (
    Field("id", "id", REQUIRED, "unique commitment id"),
    Field("buyer", "code", REQUIRED, "importing market: any importer of the baseline"),
    Field("seller", "code", REQUIRED, "supplier"),
    Field("product", "hs", None, "HS code of the goods bought (required unless `item` is given; "
          "default: the item's code)"),
    Field("item", "str", None, "catalogue item bought instead of a value, e.g. boeing-737-max-8 "
          "(tradesim products --items)"),
    Field("units", "float", None, "items bought, spread evenly over start..end (with `item`)",
          "items", 0.0, 1e9, low_open=True),
    Field("deliveries", "table", None, "items delivered per year, year -> units (with `item`)",
          "items"),
    Field("unit_usd", "float", None, "price per item, replacing the catalogue's (with `item`)",
          "USD", 0.0, 1e12, low_open=True),
    Field("value_usd", "float", None, "total value", "USD", 0.0, MAX_USD),
    Field("start", "int", None, "first delivery year", "year", 1900, MAX_HORIZON),
    Field("end", "int", None, "last delivery year", "year", 1900, MAX_HORIZON),
    Field("schedule", "table", None, "per-year amounts, year -> USD (each finite, in [0, "
          "1e13])", "USD", 0.0, MAX_USD),
    Field("additionality", "float", 1.0, "share of the value that is new trade", "fraction",
          0.0, 1.0),
    Field("displaces", "codes", (), "suppliers that lose the additional sales"),
    Field("source", "str", "", "citation"),
    Field("status", "str", "", "firm, MOU, announced ..."),
    Field("note", "str", "", "free text; assumptions"),
)

DEMAND_FIELDS: tuple[Field, ...] = (
    Field("id", "id", REQUIRED, "unique demand-shift id"),
    Field("importer", "code", "USA", "market whose demand moves: any importer of the baseline"),
    Field("products", "hs_list", REQUIRED, 'HS prefixes, "@group" names or "all"'),
    Field("exclude", "hs_list", (), 'HS prefixes or "@group" names carved out of products'),
    Field("growth", "float", REQUIRED, "the market's demand growth for these products in these "
          "years, from every supplier alike, replacing the baseline's (e.g. the 2025 AI-hardware "
          "boom); applies to the baseline projection and the scenario both", "percent", -90.0,
          500.0),
    Field("start", "int", REQUIRED, "first year of the growth", "year", 1900, MAX_HORIZON),
    Field("end", "int", None, "last year (default: start)", "year", 1900, MAX_HORIZON),
    Field("source", "str", "", "citation"),
    Field("note", "str", "", "free text; assumptions"),
)

#: Elasticity parameters that a scenario may override: name -> (doc, low, high).
ELASTICITY_PARAMS: dict[str, tuple[str, float, float]] = {
    "sigma": ("substitution among suppliers (Armington), > 0", 0.05, 50.0),
    "eta": ("composite import demand elasticity, >= 0", 0.0, 20.0),
    "adjustment": ("lambda: share of the gap to the long run closed each year", 0.01, 1.0),
    "growth": ("baseline growth per year, fraction", -0.5, 1.0),
    "omega": ("export supply elasticity, > 0; inf = full pass-through", 0.01, float("inf")),
    "nest_ratio": ("sigma_nest / sigma: substitution inside the China-Vietnam nest relative to "
                   "sigma, >= 1 (1 = no nest premium)", 1.0, 50.0),
}

TRANSSHIPMENT_FIELDS: tuple[Field, ...] = (
    Field("origin_switching", "float", REQUIRED, "share of a source's lost US sales of a "
          "product re-routed through `via` while via's tariff is below the source's",
          "fraction", 0.0, 1.0),
    Field("sources", "codes", ("CHN",), "suppliers whose lost sales may be re-routed"),
    Field("via", "code", "VNM", "the supplier the goods are re-routed through"),
    Field("source", "str", "", "citation"),
    Field("note", "str", "", "free text; assumptions"),
)

SECTIONS: dict[str, tuple[Field, ...]] = {
    "scenario": SCENARIO_FIELDS,
    "tariff": TARIFF_FIELDS,
    "commitment": COMMITMENT_FIELDS,
    "demand": DEMAND_FIELDS,
    "transshipment": TRANSSHIPMENT_FIELDS,
}

TOP_LEVEL_KEYS: tuple[str, ...] = ("scenario", "tariff", "commitment", "demand", "elasticities",
                                   "transshipment")

#: Codes accepted as exporters/sellers before a baseline is known. The baseline decides which
#: are present; the schedule reports a code the baseline lacks.
KNOWN_CODES: frozenset[str] = frozenset(
    """USA VNM CHN MEX CAN EU JPN KOR TWN IND THA MYS IDN KHM BGD PHL SGP HKG GBR ROW
    GTM SLV HND NIC CRI DOM TTO COL VEN ECU PER CHL BRA ARG CHE NOR TUR RUS ISR SAU ARE IRQ
    KWT PAK LKA AUS NZL ZAF NGA DZA EGY AGO""".split()
)

DATE_TYPES = (_dt.date,)


def describe() -> str:
    """Return the field table as Markdown (used by ``tradesim describe`` and the docs)."""
    lines = []
    for section, fields in SECTIONS.items():
        lines += [f"## [{section}]", "", "| key | type | unit | default | bounds | meaning |",
                  "|---|---|---|---|---|---|"]
        for f in fields:
            default = "required" if f.required else repr(f.default)
            bounds = "/".join(f.choices) if f.choices else (
                f"{f.low} … {f.high}" if f.low is not None else "")
            lines.append(f"| {f.name} | {f.kind} | {f.unit} | {default} | {bounds} | {f.doc} |")
        lines.append("")
    lines += ["## [[tariff]] modes", "", "In each segment of days with one set of measures in "
              "force: base rate, then set, floor, add, then cut/cap/swiss in the order listed; "
              "days are weighted last.", "", "| mode | meaning |", "|---|---|"]
    lines += [f"| {k} | {doc} |" for k, doc in MODES.items()]
    lines.append("")
    lines += ["## [elasticities]", "", "| key | bounds | meaning |", "|---|---|---|"]
    lines += [f"| {k} | {lo} … {hi} | {doc} |" for k, (doc, lo, hi) in ELASTICITY_PARAMS.items()]
    return "\n".join(lines) + "\n"
