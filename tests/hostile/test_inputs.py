"""Hostile scenario input (issue 15, classes 4 and 5, input side).

Resource bombs (deep nesting, include amplification, FIFOs and devices, huge files, thousands
of broken tables) are each refused with a message, never a RecursionError, a MemoryError or a
hang; numbers that are accepted stay finite through a run, whether they come from a file or
from the Python dict API.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import re
import stat
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

import tradesim
from tradesim import cli, io
from tradesim.errors import ScenarioError
from tradesim.scenario import fields, parse
from tradesim.testing import assert_finite

HEAD = '[scenario]\nname = "bomb"\nhorizon = 2026\n'


def load(path: Path | str, seconds: float = 60.0) -> ScenarioError:
    """Load a scenario in a thread; it must raise ScenarioError before ``seconds`` pass (a
    hang fails the test instead of stalling the suite)."""
    outcome: list[BaseException | None] = []

    def work() -> None:
        try:
            tradesim.load_scenario(path)
            outcome.append(None)
        except BaseException as err:  # noqa: BLE001 - handed back to the test
            outcome.append(err)

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(seconds)
    assert outcome, f"reading {path} did not finish in {seconds} s"
    err = outcome[0]
    assert isinstance(err, ScenarioError), f"expected ScenarioError, got {err!r}"
    return err


# -- class 4: nesting ---------------------------------------------------------------------

@pytest.mark.parametrize(("body", "message"), [
    ("note = " + "[" * 100_000 + "]" * 100_000, r"arrays or inline tables nest more than 32 "
                                                r"deep \(line 4\)"),
    ("note = " + "{a = " * 2000 + "1" + "}" * 2000, r"arrays or inline tables nest more than 32"),
    ("[x]\n" + "y = " + "[{a = " * 500 + "1" + "}]" * 500, r"arrays or inline tables nest"),
    (".".join(["a"] * 200_000) + " = 1", r"dotted keys nest more than 32 deep \(line 4\)"),
    (".".join(["1"] * 200_000) + " = 1", r"dotted keys nest more than 32 deep"),
    ("[" + ".".join(["a"] * 200_000) + "]", r"dotted keys nest more than 32 deep"),
    ("note = {" + ".".join(["a"] * 200_000) + " = 1}", r"dotted keys nest more than 32 deep"),
    ("[" + ".".join(["a"] * 20) + "]\n" + ".".join(["b"] * 20) + " = 1",
     r"tables nest more than 32 deep"),
], ids=["arrays", "inline-tables", "mixed", "dotted-key", "digit-key", "header",
        "inline-dotted", "header-plus-key"])
def test_deep_nesting_is_refused_with_a_message(tmp_path: Path, body: str, message: str) -> None:
    bomb = tmp_path / "bomb.toml"
    bomb.write_text(HEAD + body + "\n")
    err = load(bomb)
    assert err.problems[0].file == str(bomb)
    assert any(re.search(message, str(p)) for p in err.problems), str(err)


def test_brackets_inside_strings_and_comments_do_not_count(tmp_path: Path) -> None:
    deep = "[" * 200
    text = (HEAD + f'title = "{deep}"\ndescription = \'{deep}\'\n'
            f'sources = ["""{deep}\\"""", \'\'\'{deep}\'\'\']  # {deep}\n')
    (tmp_path / "ok.toml").write_text(text)
    s = tradesim.load_scenario(tmp_path / "ok.toml")
    assert s.title == deep
    assert s.sources[1] == deep


def test_floats_and_dotted_keys_within_the_limit_are_not_nesting(tmp_path: Path) -> None:
    path = tmp_path / "floats.toml"
    inline = ", ".join(f'"{10 + i}" = {1.5 + i % 3}' for i in range(40, 80))
    path.write_text(HEAD + "[elasticities]\n" + f"eta = {{{inline}}}\n" + "".join(
        f'sigma."{10 + i}" = {1.5 + i % 3}\n' for i in range(40)))
    s = tradesim.load_scenario(path)
    assert {p: len(v) for p, v in s.elasticities} == {"eta": 40, "sigma": 40}


def test_a_sweep_file_gets_the_same_limits(tmp_path: Path) -> None:
    sweep = tmp_path / "sweep.toml"
    sweep.write_text('[sweep]\nbase = "x.toml"\nnote = ' + "[" * 50_000 + "]" * 50_000 + "\n")
    with pytest.raises(ScenarioError, match="nest more than 32 deep"):
        io.read_sweep(sweep)


# -- class 4: include amplification --------------------------------------------------------

def write(path: Path, include: list[str] | tuple[str, ...] = (), body: str = "") -> Path:
    name = path.stem.replace("_", "-").lower()
    inc = "include = [" + ", ".join(f'"{i}"' for i in include) + "]\n" if include else ""
    path.write_text(f'[scenario]\nname = "{name}"\nhorizon = 2026\n{inc}{body}')
    return path


def test_a_file_listed_twice_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "leaf.toml")
    main = write(tmp_path / "main.toml", ["leaf.toml", "./leaf.toml"])
    with pytest.raises(ScenarioError, match=r"include: lists the same file twice.*'./leaf"):
        tradesim.load_scenario(main)


def test_doubling_includes_stop_at_the_count_limit(tmp_path: Path) -> None:
    """level k has files a_k and b_k, each including both of level k+1: 2^k reads at level k,
    2^21 in all for 20 levels, refused after MAX_INCLUDES reads."""
    levels = 20
    for k in range(levels, -1, -1):
        nxt = [f"a{k + 1}.toml", f"b{k + 1}.toml"] if k < levels else []
        for side in "ab":
            write(tmp_path / f"{side}{k}.toml", nxt)
    err = load(tmp_path / "a0.toml", seconds=30)
    text = str(err)
    assert f"more than {io.MAX_INCLUDES} files read through include" in text or \
        f"includes nest more than {io.MAX_INCLUDE_DEPTH} files deep" in text, text


def test_many_distinct_includes_stop_at_the_count_limit(tmp_path: Path) -> None:
    names = [write(tmp_path / f"part{i}.toml").name for i in range(io.MAX_INCLUDES + 5)]
    main = write(tmp_path / "main.toml", names)
    with pytest.raises(ScenarioError, match=rf"more than {io.MAX_INCLUDES} files read"):
        tradesim.load_scenario(main)


def test_a_deep_include_chain_is_refused(tmp_path: Path) -> None:
    depth = io.MAX_INCLUDE_DEPTH + 3
    for k in range(depth, -1, -1):
        write(tmp_path / f"c{k}.toml", [f"c{k + 1}.toml"] if k < depth else [])
    with pytest.raises(ScenarioError, match=rf"includes nest more than {io.MAX_INCLUDE_DEPTH} "
                                            r"files deep.*c0.toml -> c1.toml"):
        tradesim.load_scenario(tmp_path / "c0.toml")


def test_includes_within_the_limits_still_work(tmp_path: Path) -> None:
    depth = io.MAX_INCLUDE_DEPTH
    for k in range(depth, -1, -1):
        body = (f'[[tariff]]\nid = "t{k}"\nimporter = "USA"\nexporters = ["VNM"]\n'
                f'products = ["61"]\nrate = 1\n')
        write(tmp_path / f"c{k}.toml", [f"c{k + 1}.toml"] if k < depth else [], body)
    s = tradesim.load_scenario(tmp_path / "c0.toml")
    assert [m.id for m in s.measures] == [f"t{k}" for k in range(depth, -1, -1)]


# -- class 4: files that are not files -----------------------------------------------------

@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.toml"
    os.mkfifo(fifo)
    err = load(fifo, seconds=20)
    assert "is not a regular file (a FIFO (named pipe))" in str(err)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_an_included_fifo_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.toml")
    main = write(tmp_path / "main.toml", ["pipe.toml"])
    err = load(main, seconds=20)
    assert "pipe.toml: is not a regular file (a FIFO" in str(err)


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom", "/dev/null"])
def test_a_device_is_refused_without_reading(device: str) -> None:
    if not Path(device).exists():
        pytest.skip(f"{device} does not exist here")
    err = load(device, seconds=20)
    assert "is not a regular file (a character device)" in str(err)


def test_a_symlink_to_a_device_is_refused(tmp_path: Path) -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    err = load(tmp_path / "zero.toml", seconds=20)
    assert "not a regular file" in str(err)


def test_an_unreadable_file_is_a_message(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads anything")
    locked = write(tmp_path / "locked.toml")
    locked.chmod(0)
    try:
        with pytest.raises(ScenarioError, match=r"cannot read the file \(Permission denied\)"):
            tradesim.load_scenario(locked)
    finally:
        locked.chmod(stat.S_IRUSR | stat.S_IWUSR)


@pytest.mark.parametrize("kind", ["fifo", "device", "deep", "doubling"])
def test_the_cli_refuses_bombs_with_exit_2(tmp_path: Path, kind: str,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bomb.toml"
    if kind == "fifo":
        if not hasattr(os, "mkfifo"):
            pytest.skip("no FIFOs")
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
        if not path.exists():
            pytest.skip("no /dev/zero")
    elif kind == "deep":
        path.write_text(HEAD + "note = " + "[" * 100_000 + "\n")
    else:
        for k in range(12, -1, -1):
            for side in "ab":
                write(tmp_path / f"{side}{k}.toml", [f"a{k + 1}.toml", f"b{k + 1}.toml"]
                      if k < 12 else [])
        path = tmp_path / "a0.toml"
    assert cli.main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("tradesim: error: ")
    assert "Traceback" not in err
    assert str(path) in err


# -- class 4: size and width ---------------------------------------------------------------

def test_a_sparse_huge_file_is_refused_by_its_size(tmp_path: Path) -> None:
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as handle:  # 8 GB on paper, nothing on disk
        handle.truncate(8 * 1024**3)
    err = load(huge, seconds=20)
    assert f"file is too large ({8 * 1024**3} bytes; limit {io.MAX_SCENARIO_BYTES})" in str(err)


def test_thousands_of_broken_tables_give_a_capped_message(tmp_path: Path) -> None:
    bomb = tmp_path / "wide.toml"
    bomb.write_text(HEAD + "[[tariff]]\n" * 80_000)
    err = load(bomb)
    assert len(err.problems) == parse.MAX_PROBLEMS + 1
    assert err.problems[-1].message.startswith(f"stopped after {parse.MAX_PROBLEMS} problems")
    assert len(str(err)) < 50_000


def test_thousands_of_unknown_keys_give_a_capped_message(tmp_path: Path) -> None:
    bomb = tmp_path / "keys.toml"
    bomb.write_text(HEAD + "".join(f"k{i} = 1\n" for i in range(60_000)))
    err = load(bomb)
    assert len(err.problems) == parse.MAX_PROBLEMS + 1


def test_thousands_of_bad_elasticities_give_a_capped_message(tmp_path: Path) -> None:
    bomb = tmp_path / "elasticities.toml"
    bomb.write_text(HEAD + "[elasticities.sigma]\n" + "".join(
        f'"{i:06d}" = 1e9\n' for i in range(50_000)))
    assert len(load(bomb).problems) == parse.MAX_PROBLEMS + 1


def test_a_huge_schedule_gives_a_capped_message(tmp_path: Path) -> None:
    bomb = tmp_path / "schedule.toml"
    bomb.write_text(HEAD + '[[commitment]]\nid = "c"\nbuyer = "VNM"\nseller = "USA"\n'
                    'product = "8802"\n[commitment.schedule]\n' + "".join(
                        f'"{i}" = -1\n' for i in range(50_000)))
    assert len(load(bomb).problems) == parse.MAX_PROBLEMS + 1


@pytest.mark.slow
def test_a_file_at_the_size_limit_of_valid_measures_reads_and_runs(tmp_path: Path) -> None:
    one = ('[[tariff]]\nid = "m{i}"\nimporter = "USA"\nexporters = ["VNM"]\n'
           'products = ["61"]\nrate = 0.001\n')
    n = (io.MAX_SCENARIO_BYTES - 200) // len(one.format(i=99999))
    path = tmp_path / "wide.toml"
    path.write_text(HEAD + "".join(one.format(i=i) for i in range(n)))
    s = tradesim.load_scenario(path)
    assert len(s.measures) == n
    assert_finite(tradesim.simulate(s))


# -- class 5: finite in ----------------------------------------------------------------------

def doc(**parts: object) -> dict:
    return {"scenario": {"name": "finite", "horizon": 2026}, **parts}


def tariff(rate: object, **extra: object) -> dict:
    return {"tariff": [{"id": "t", "importer": "USA", "exporters": ["VNM"], "products": "all",
                        "rate": rate, **extra}]}


def commitment(**spec: object) -> dict:
    return {"commitment": [{"id": "c", "buyer": "VNM", "seller": "USA", "product": "8802",
                            **spec}]}


HUGE_INT = 10**400  # an integer no float holds
FLOAT_MAX = sys.float_info.max


@pytest.mark.parametrize(("document", "message"), [
    (commitment(schedule={"2026": FLOAT_MAX}), r"schedule\.2026: amount must be <= 1e\+13 USD"),
    (commitment(schedule={"2025": 1e13, "2026": 1.0001e13}), r"schedule\.2026: amount must be "
                                                             r"<= 1e\+13 USD"),
    (commitment(schedule={"2026": HUGE_INT}), r"schedule\.2026: amount must be <= 1e\+13 USD"),
    (commitment(schedule={"2026": math.nan}), r"schedule\.2026: amount must be finite \(got nan"),
    (commitment(schedule={"2026": math.inf}), r"schedule\.2026: amount must be finite \(got inf"),
    (commitment(schedule={"2026": "1e9"}), r"schedule\.2026: amount must be a number of USD"),
    (commitment(value_usd=FLOAT_MAX, start=2025, end=2026), r"value_usd: must be <= 1e\+13 USD"),
    (commitment(value_usd=math.inf, start=2025, end=2026), r"value_usd: must be finite \(got inf"),
    (commitment(value_usd=HUGE_INT, start=2025, end=2026), r"value_usd: must be <= 1e\+13 USD"),
    (tariff(HUGE_INT), r"tariff\[0\]\.rate: must be <= 1000 percent"),
    (tariff(-HUGE_INT), r"tariff\[0\]\.rate: must be >= 0 percent"),
    (tariff(np.float32("inf")), r"tariff\[0\]\.rate: must be finite \(got inf\)"),
    (tariff(np.float64("nan")), r"tariff\[0\]\.rate: must be finite \(got nan\)"),
    (tariff(10, share=math.nan), r"tariff\[0\]\.share: must be finite \(got nan\)"),
    (tariff(10, share=HUGE_INT), r"tariff\[0\]\.share: must be <= 1 fraction"),
    ({"scenario": {"name": "x", "horizon": HUGE_INT}}, r"scenario\.horizon: must be <= 2060"),
    ({"scenario": {"name": "x", "base_year": -HUGE_INT}}, r"scenario\.base_year: must be >= "),
    ({"scenario": {"name": "x", "horizon": 2030.0}}, r"scenario\.horizon: must be an integer"),
    ({"scenario": {"name": "x", "horizon": np.bool_(True)}}, r"horizon: must be an integer"),
    ({"elasticities": {"sigma": HUGE_INT}}, r"elasticities\.sigma\.all: must lie in"),
    ({"elasticities": {"sigma": math.inf}}, r"elasticities\.sigma\.all: must be finite"),
    ({"elasticities": {"eta": {"61": math.nan}}}, r"elasticities\.eta\.61: must be finite"),
    ({"elasticities": {"omega": -math.inf}}, r"elasticities\.omega\.all: must be finite"),
    ({"elasticities": {"sigma": "3"}}, r"elasticities\.sigma\.all: must be a number"),
    ({"demand": [{"id": "d", "products": "all", "growth": math.inf, "start": 2025}]},
     r"demand\[0\]\.growth: must be finite"),
    ({"demand": [{"id": "d", "products": "all", "growth": 1e300, "start": 2025}]},
     r"demand\[0\]\.growth: must be <= 500 percent"),
    ({"transshipment": {"origin_switching": math.nan}},
     r"transshipment\.origin_switching: must be finite"),
])
def test_out_of_range_numbers_are_refused_in_the_dict_api(document: dict, message: str) -> None:
    full = {"scenario": {"name": "finite", "horizon": 2026}, **document}
    full["scenario"] = {**{"name": "finite", "horizon": 2026}, **document.get("scenario", {})}
    with pytest.raises(ScenarioError, match=message):
        tradesim.load_scenario(full)


@pytest.mark.parametrize(("line", "message"), [
    ('"2026" = 1.7976931348623157e308', r"schedule\.2026: amount must be <= 1e\+13 USD"),
    ('"2026" = 99999999999999999999999999', r"schedule\.2026: amount must be <= 1e\+13 USD"),
    ('"2026" = nan', r"schedule\.2026: amount must be finite \(got nan\)"),
    ('"2026" = -inf', r"schedule\.2026: amount must be finite \(got -inf\)"),
], ids=["float-max", "big-int", "nan", "minus-inf"])
def test_out_of_range_amounts_are_refused_in_files(tmp_path: Path, line: str,
                                                   message: str) -> None:
    path = tmp_path / "amount.toml"
    path.write_text(HEAD + '[[commitment]]\nid = "c"\nbuyer = "VNM"\nseller = "USA"\n'
                    f'product = "8802"\n[commitment.schedule]\n{line}\n')
    with pytest.raises(ScenarioError, match=message) as info:
        tradesim.load_scenario(path)
    assert str(path) in str(info.value)


def test_numpy_numbers_are_accepted_like_python_ones() -> None:
    a = tradesim.load_scenario(doc(**tariff(np.int64(20), share=np.float32(0.5)),
                                   **commitment(schedule={"2026": np.float64(1e9)})))
    b = tradesim.load_scenario(doc(**tariff(20, share=0.5), **commitment(schedule={"2026": 1e9})))
    assert a == b
    assert type(a.measures[0].rate) is float
    assert type(a.commitments[0].schedule[0][1]) is float


def test_every_numeric_field_has_finite_bounds() -> None:
    for section, table in fields.SECTIONS.items():
        for f in table:
            if f.kind in ("int", "float") or f.unit == "USD":
                where = f"{section}.{f.name}"
                assert f.low is not None, where
                assert f.high is not None, where
                assert math.isfinite(f.low), where
                assert math.isfinite(f.high), where
    for name, (_, low, high) in fields.ELASTICITY_PARAMS.items():
        assert math.isfinite(low), name
        assert math.isfinite(high) or name == "omega", name


def test_the_largest_accepted_amounts_stay_finite(baseline) -> None:
    """Every money field at its maximum, many times over, with the most extreme accepted
    rates and growth: the run is finite (the suite's autouse check looks at every result)."""
    years = range(2025, 2061)
    deals = [{"id": f"c{i}", "buyer": buyer, "seller": seller, "product": product,
              "schedule": {str(y): fields.MAX_USD for y in years}}
             for i, (buyer, seller, product) in enumerate(
                 [("VNM", "USA", "8802"), ("USA", "VNM", "8517"), ("VNM", "USA", "5201")] * 4)]
    document = {"scenario": {"name": "max", "horizon": 2060},
                "tariff": [{"id": "t", "importer": "USA", "exporters": "all", "products": "all",
                            "rate": 1000, "from": dt.date(2025, 1, 1)}],
                "commitment": deals,
                "demand": [{"id": "d", "importer": "USA", "products": "all", "growth": 500,
                            "start": 2025, "end": 2060}],
                "elasticities": {"growth": 1.0, "sigma": 50.0, "eta": 20.0}}
    result = tradesim.simulate(document, baseline)
    assert_finite(result)
    assert np.isfinite(float(result["balance"].sel(year=2060)))


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


def cyclic() -> dict:
    loop: dict = {}
    loop["a"] = loop
    return loop


@pytest.mark.parametrize(("document", "message"), [
    (doc(**tariff(nested(100_000))), r"the document nests more than 32 deep"),
    (doc(elasticities=cyclic()), r"the document nests more than 32 deep"),
    ({**doc(), 5: 1}, r"5: unknown top-level table"),
    ({"scenario": {"name": "x", 7: 1}}, r"scenario\.7: unknown key"),
    (doc(elasticities={"sigma": {61: 3.0}}), r"elasticities\.sigma\.61: keys are HS prefixes"),
    (doc(elasticities={6: 3.0}), r"elasticities\.6: unknown parameter"),
    (None, r"a scenario document must be a table \(got 'NoneType'\)"),
    ([doc()], r"a scenario document must be a table \(got 'list'\)"),
], ids=["deep-list", "cyclic", "int-top-key", "int-key", "int-hs-key", "int-parameter", "none",
        "list"])
def test_hostile_python_documents_are_scenario_errors(document: object, message: str) -> None:
    with pytest.raises(ScenarioError, match=message):
        tradesim.load_scenario(document)  # type: ignore[arg-type]
