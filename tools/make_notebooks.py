"""Write notebooks 02-05 from the cell lists below (stored without outputs).

Run ``python tools/make_notebooks.py`` after editing a cell here; CI executes every notebook
(``tests/test_notebooks.py``). Notebooks use the public API only: ``tradesim.*`` and the
documented modules ``tradesim.present.tables``, ``tradesim.present.figures``, ``tradesim.analysis.sweep`` and
``tradesim.io``. Cell ids are fixed so a rebuild without changes is a no-op in git.
"""

from __future__ import annotations

from pathlib import Path

import nbformat

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"

SETUP = """\
%matplotlib inline
from pathlib import Path

import pandas as pd

import tradesim
from tradesim.present import figures, tables

root = Path.cwd() if (Path.cwd() / 'scenarios').exists() else Path.cwd().parent
scenarios = root / 'scenarios'
baseline = tradesim.load_baseline()"""

STORY = [
    ("md", """\
# 02 — The 2025 story

What the tariff announcements of 2025 would do to the US goods balance with Vietnam, each held
to 2032 against a no-change baseline:

1. **2 April 2025**: a 46 % "reciprocal" tariff on Vietnam (`liberation-day-46`);
2. **9–11 April**: the 90-day pause at 10 %, with smartphones, computers and chips exempted
   (`pause-10-electronics`);
3. **7 August**: the framework: 20 %, 40 % on goods found transshipped (`framework-2025`);
4. **February 2026**: the Supreme Court strikes down the IEEPA tariffs; Section 122 for 150 days,
   Section 232 stays (`turn-2026`).

Every story file also carries the tariffs the US put on Vietnam's competitors in the same world.
Balance = US exports to Vietnam − US imports from Vietnam, US statistics, bn USD."""),
    ("code", SETUP),
    ("code", """\
names = ['baseline', 'liberation-day-46', 'pause-10-electronics', 'framework-2025', 'turn-2026']
story = tradesim.compare([scenarios / f'{n}.toml' for n in names], baseline)
tables.comparison_table(story).round(1)"""),
    ("code", "figures.balance_scenarios(story, title='The 2025 tariff story: US balance with Vietnam')"),
    ("md", """\
## The electronics exemption

On 11 April 2025 smartphones, computers, chips and a few other electronics lines were taken out
of the reciprocal tariff. How much of what the US buys from Vietnam does that cover, and what
tariff does the rest pay?"""),
    ("code", """\
pause = story.sel(scenario='pause-10-electronics', year=2026)
us_vn = pause.sel(importer='USA', exporter='VNM')
untouched = us_vn['tariff'] == us_vn['tariff_baseline']
share = float(us_vn['value_baseline'].where(untouched).sum() / us_vn['value_baseline'].sum())
print(f'US imports from Vietnam on which the 2026 tariff is unchanged under the pause: '
      f'{share:.0%} of the baseline value')
assert 0.2 < share < 0.6"""),
    ("code", """\
framework = story.sel(scenario='framework-2025', drop=True)
framework.attrs['scenario'] = 'framework-2025'
figures.effective_tariff(framework, 2030)"""),
    ("md", """\
## Where the change comes from

The change in the balance from 2024 to 2030 under the framework, split into the trend (baseline
growth), the tariffs on Vietnam (tariff response), the tariffs on its competitors (diversion:
demand that moves back to, or away from, Vietnam) and purchase commitments. The parts add up to
the total exactly."""),
    ("code", """\
parts = tradesim.decompose(scenarios / 'framework-2025.toml', baseline)
table = tables.decomposition_table(parts)
assert abs(table.drop(columns='total').sum(axis=1) - table['total']).max() < 1e-9
table.round(1)"""),
    ("code", "figures.decomposition_bars(parts, 2030)"),
    ("code", "figures.product_waterfall(framework, 2030)"),
    ("md", """\
## Who takes Vietnam's share?

Under the April 46 % rate held, apparel (HS 61 and 62) would move to other suppliers. The bars
are the change in each supplier's share of US apparel imports in 2030."""),
    ("code", """\
april = story.sel(scenario='liberation-day-46', drop=True)
figures.diversion_bars(april, 2030, products=['61', '62'],
                    title='US apparel imports (HS 61-62), 2030: who gains the share Vietnam loses')"""),
    ("code", """\
change = tables.comparison_table(story).loc[2030]
for name in names[1:]:
    print(f"{name:>22}: {change[name]:7.1f} bn USD in 2030 "
          f"({change[name] - change['baseline']:+.1f} bn against the baseline)")"""),
]

DEALS = [
    ("md", """\
# 03 — Purchase commitments and goal seeking

Vietnam answered the tariffs with cuts to its own tariffs on US goods and with purchase
commitments: Boeing jets, engines, farm goods, GPUs. How much do they move the balance, and
**how much more would Vietnam have to buy** for the deal to cut the US deficit by a fifth by
2028? Goal seeking answers with a number and a check."""),
    ("code", SETUP),
    ("code", """\
purchases = tradesim.load_scenario(scenarios / 'vn-purchases.toml')
pd.DataFrame([{'id': c.id, 'product': c.product, 'total, bn USD': c.total_usd / 1e9,
               'years': f'{c.schedule[0][0]}-{c.schedule[-1][0]}',
               'additionality': c.additionality, 'status': c.status}
              for c in purchases.commitments]).round(3)"""),
    ("md", """\
Only the *additional* part of a purchase (`additionality`, the share that is new trade rather
than baseline relabelled) changes the balance, and it is added after the price response, one
dollar for one dollar."""),
    ("code", """\
deal = tradesim.compare([scenarios / f'{n}.toml' for n in
                         ('framework-2025', 'vn-purchases', 'combined-deal')], baseline)
tables.comparison_table(deal).round(1)"""),
    ("code", """\
parts = tradesim.decompose(scenarios / 'combined-deal.toml', baseline)
tables.decomposition_table(parts).round(2)"""),
    ("md", """\
## How much must Vietnam buy?

`deal-extra-purchases.toml` is the combined deal plus one extra, fully additional purchase
(LNG as the stand-in product) every year 2026–2032, with a placeholder amount. `solve_for`
varies that amount until the target holds. The target is a small expression, parsed and never
evaluated as code: here, the 2028 balance at least 0.8 times its baseline value, i.e. the
deficit cut by a fifth."""),
    ("code", """\
answer = tradesim.solve_for(scenarios / 'deal-extra-purchases.toml',
                            'balance(2028) >= 0.8 * baseline',
                            vary='commitment.extra-purchases.value_usd', baseline=baseline)
print(answer.summary())"""),
    ("code", """\
# The check, once more by hand: simulate the solved scenario from scratch.
solved = tradesim.simulate(answer.scenario, baseline).sel(year=2028)
extra = next(c for c in answer.scenario.commitments if c.id == 'extra-purchases')
print(f"extra purchases: {extra.schedule[0][1] / 1e9:.2f} bn USD a year; "
      f"2028 balance {float(solved['balance']) / 1e9:.2f} bn vs "
      f"target {0.8 * float(solved['balance_baseline']) / 1e9:.2f} bn")
assert float(solved['balance']) >= 0.8 * float(solved['balance_baseline'])"""),
    ("md", """\
For scale: US exports to Vietnam were 13 bn USD in 2024. Purchases alone would have to almost
double them on top of the deal. When a target cannot be met within the bounds the answer says
so, with the best value it found:"""),
    ("code", """\
print(tradesim.solve_for(scenarios / 'deal-extra-purchases.toml', 'balance(2028) >= 0',
                         vary='commitment.extra-purchases.value_usd', bounds=(0, 100e9),
                         baseline=baseline).summary())"""),
    ("md", """\
The same machinery works on a tariff: which reciprocal rate on Vietnam would, by itself, cut the
2030 deficit by a fifth under the framework?"""),
    ("code", """\
rate = tradesim.solve_for(scenarios / 'framework-2025.toml', 'deficit(2030) <= 0.8 * baseline',
                          vary='tariff.vn-recip-20.rate', bounds=(0, 100), baseline=baseline)
print(rate.summary())"""),
]

UNCERTAINTY = [
    ("md", """\
# 04 — Uncertainty and sweeps

The answers above rest on elasticities estimated with error. A *sweep* runs a scenario over a
grid of key values and over Monte Carlo draws of the elasticities, in vectorised batches
(`tradesim.analysis.sweep`; on the command line `tradesim sweep FILE -o out.zarr` streams a large one to
disk, or to `s3://…`, and can resume; `-o out.nc` writes netCDF). Each grid key is a dimension
of the results, so `results.sel(rate=20)` picks a row of the grid."""),
    ("code", SETUP + """
from tradesim import io
from tradesim.analysis import sweep"""),
    ("md", """\
## A grid: the reciprocal rate × the share of goods found transshipped

`sweeps/framework-rate-grid.toml` varies the framework's rate on Vietnam from 0 to 46 % and the
transshipped share (taxed at 40 %) from 1 % to 16 %: 36 scenarios, each validated like a
scenario file."""),
    ("code", """\
grid = io.read_sweep(root / 'sweeps' / 'framework-rate-grid.toml')
results = sweep.evaluate(grid, baseline)
print(results['rate'].attrs['key_path'], '×', results['share'].attrs['key_path'])
(results['balance'].sel(year=2030) / 1e9).to_pandas().round(1)  # rate (%) × share, bn USD"""),
    ("code", """\
(results['balance'].sel(rate=20) / 1e9).to_pandas().round(1)  # the framework's 20 %, by year"""),
    ("md", """\
## Monte Carlo: elasticity uncertainty for the framework

300 draws here (the shipped `sweeps/framework-mc.toml` takes 10,000): σ lognormal and η
triangular around each product's value, within the literature's interquartile ranges
(`io.elasticity_ranges`), half of each draw's variance common to all products."""),
    ("code", """\
framework = tradesim.load_scenario(scenarios / 'framework-2025.toml')
mc = sweep.parse_sweep({'sweep': {
    'name': 'framework-mc-300',
    'monte_carlo': {'draws': 300, 'seed': 20250807, 'correlation': 0.5,
                    'sigma': 'lognormal', 'eta': 'triangular'},
    'outputs': {'quantiles': [0.05, 0.25, 0.5, 0.75, 0.95],
                'probabilities': ['deficit(2028) vs baseline <= -10%',
                                  'deficit(2030) vs baseline <= -15%']}}}, framework)
draws = sweep.evaluate(mc, baseline, io.elasticity_ranges(baseline))
summary = sweep.summarize(draws, mc)
(summary['balance_quantile'].to_pandas().T / 1e9).round(1)"""),
    ("code", """\
# the baseline differs by draw (anchored to the observed 2025): show its median
figures.balance_fan(summary['balance_quantile'], draws['balance_baseline'].median('draw'),
                    title='August 2025 framework: 300 draws of the elasticities')"""),
    ("code", """\
summary['probability'].to_pandas().round(3)"""),
    ("md", """\
Read the probabilities as "given the model and the elasticity ranges": they do not cover
other kinds of uncertainty (the policy path, growth, the transshipment share)."""),
]

BYOD = [
    ("md", """\
# 05 — Bring your own HS6 data

Any long table of one base year's trade works as a baseline: one row per importer × exporter ×
product with columns `importer`, `exporter`, `product` (HS digits, any depth, not overlapping),
`year`, `value` (USD), `tariff` (fraction) and optionally `growth` (fraction a year).
`baseline_from_frame` validates it; then scenario files and every tool run on it unchanged.

Here the "own data" is a slice of the embedded HS6 baseline: apparel, footwear and furniture
imported by the US, and US farm goods and aircraft bought by Vietnam."""),
    ("code", SETUP),
    ("code", """\
hs6 = tradesim.load_baseline('hs6')
frame = hs6[['value', 'tariff', 'growth']].to_dataframe().reset_index()
chapters = frame['product'].str[:2]
keep = ((frame['importer'] == 'USA') & chapters.isin(['61', '62', '64', '94'])) | (
    (frame['importer'] == 'VNM') & chapters.isin(['10', '12', '23', '52', '88']))
mine = frame[keep & (frame['value'] > 0)].assign(year=2024)[
    ['importer', 'exporter', 'product', 'year', 'value', 'tariff', 'growth']]
print(f"{len(mine):,} rows, {mine['product'].nunique():,} HS6 products, "
      f"{mine['exporter'].nunique()} suppliers")
mine.head()"""),
    ("code", """\
own = tradesim.baseline_from_frame(mine, source='notebook 05: HS6 slice of the embedded data')
own"""),
    ("md", """\
A scenario at HS6: 20 % on Vietnamese apparel, footwear and furniture except upholstered
wooden seats (940161), Vietnam's tariff on US cotton and soybeans set to zero, and a soybean
purchase."""),
    ("code", """\
doc = {
    'scenario': {'name': 'hs6-demo', 'title': 'HS6 demo: 20 % on VN consumer goods',
                 'horizon': 2030},
    'tariff': [
        {'id': 'vn-20', 'importer': 'USA', 'exporters': ['VNM'],
         'products': ['61', '62', '64', '94'], 'exclude': ['940161'], 'rate': 20,
         'from': pd.Timestamp('2025-08-07').date()},
        {'id': 'vn-cuts', 'importer': 'VNM', 'exporters': ['USA'],
         'products': ['520100', '120190'], 'rate': 0, 'mode': 'set',
         'from': pd.Timestamp('2025-03-31').date()},
    ],
    'commitment': [{'id': 'soybeans', 'buyer': 'VNM', 'seller': 'USA', 'product': '120190',
                    'value_usd': 1.5e9, 'start': 2026, 'end': 2028, 'additionality': 0.5}],
}
result = tradesim.simulate(doc, own)
tables.balance_table(result).round(2)"""),
    ("code", "tables.top_products(result, 2030, n=8).round(3)"),
    ("code", "figures.diversion_bars(result, 2030, title='Who gains the US market share, HS6 slice')"),
    ("md", """\
Problems in a frame are reported with what and where, never silently fixed:"""),
    ("code", """\
broken = pd.concat([mine.head(3), mine.head(1)])  # one row twice
try:
    tradesim.baseline_from_frame(broken)
except tradesim.DataError as err:
    print('DataError:', err)"""),
]


def notebook(stem: str, cells: list[tuple[str, str]]) -> nbformat.NotebookNode:
    """A notebook with fixed cell ids and no outputs."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Python 3", "language": "python",
                                 "name": "python3"}
    for i, (kind, text) in enumerate(cells):
        cell = (nbformat.v4.new_markdown_cell(text) if kind == "md"
                else nbformat.v4.new_code_cell(text))
        cell["id"] = f"{stem[:2]}-{i:02d}"
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


BOOKS = {
    "02-the-2025-story": STORY,
    "03-commitments-and-goal-seeking": DEALS,
    "04-uncertainty-and-sweeps": UNCERTAINTY,
    "05-bring-your-own-hs6-data": BYOD,
}


def main() -> None:
    """Write every notebook of :data:`BOOKS` into ``notebooks/``."""
    for stem, cells in BOOKS.items():
        path = NOTEBOOKS / f"{stem}.ipynb"
        nbformat.write(notebook(stem, cells), path)
        print(f"wrote {path.relative_to(NOTEBOOKS.parent)}")


if __name__ == "__main__":
    main()
