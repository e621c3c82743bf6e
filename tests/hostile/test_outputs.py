"""Hostile outputs (issue 15): nothing lost on output (class 2), finite out (class 5, output
half), no raw terminal control characters (class 8, terminal half).

Policy (docs/outputs.md): an output that is an input, a device or another special file is
refused (exit 2); a symlink is followed and its target replaced atomically; a failed write
exits 1 with a plain message and leaves the previous file; killed runs' temporary files are
removed by the next write.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import xarray as xr

from tradesim import cli, io

SCENARIO = """
[scenario]
name = "hostile-out"
title = "{title}"
horizon = 2026

[[tariff]]
id = "recip"
importer = "USA"
exporters = ["VNM"]
products = "all"
rate = 20
"""


def scenario(path: Path, title: str = "plain", extra: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(SCENARIO.format(title=title) + extra)
    return path


def parts(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.part"))


# ------------------------------------------------------------ class 2: inputs are not outputs

def test_report_onto_its_own_scenario_is_refused(tmp_path: Path, capsys) -> None:
    same = scenario(tmp_path / "same.html")
    before = same.read_text()
    assert cli.main(["report", str(same), "-o", str(same)]) == 2
    assert "is an input of this command" in capsys.readouterr().err
    assert same.read_text() == before


def test_run_onto_its_scenario_through_a_symlink_is_refused(tmp_path: Path, capsys) -> None:
    real = scenario(tmp_path / "s.csv")
    (tmp_path / "link.csv").symlink_to(real)
    before = real.read_text()
    assert cli.main(["run", str(real), "-o", str(tmp_path / "link.csv")]) == 2
    assert "refusing to write over it" in capsys.readouterr().err
    assert real.read_text() == before
    assert (tmp_path / "link.csv").is_symlink()


def test_a_hard_link_to_the_scenario_is_refused(tmp_path: Path, capsys) -> None:
    real = scenario(tmp_path / "s.toml")
    os.link(real, tmp_path / "out.csv")
    assert cli.main(["run", str(real), "-o", str(tmp_path / "out.csv")]) == 2
    assert "is an input" in capsys.readouterr().err
    assert "hostile-out" in real.read_text()


def test_an_include_is_an_input_too(tmp_path: Path, capsys) -> None:
    scenario(tmp_path / "part.csv")
    main = scenario(tmp_path / "main.toml").read_text().replace(
        'horizon = 2026', 'horizon = 2026\ninclude = ["part.csv"]').replace(
        '"hostile-out"', '"main"').replace('id = "recip"', 'id = "recip2"')
    (tmp_path / "main.toml").write_text(main)
    assert cli.main(["run", str(tmp_path / "main.toml"), "-o", str(tmp_path / "part.csv")]) == 2
    assert "part.csv" in capsys.readouterr().err
    assert "hostile-out" in (tmp_path / "part.csv").read_text()


def test_compare_onto_its_second_scenario_and_plot_onto_an_input(tmp_path: Path,
                                                                 capsys) -> None:
    a, b = scenario(tmp_path / "a.toml"), scenario(tmp_path / "b.nc")
    assert cli.main(["compare", str(a), str(b), "-o", str(b)]) == 2
    assert "is an input" in capsys.readouterr().err
    png = scenario(tmp_path / "s.png")
    assert cli.main(["run", str(png), "--plot", str(png)]) == 2
    assert "is an input" in capsys.readouterr().err
    assert "hostile-out" in png.read_text()
    (tmp_path / "fig.png").symlink_to(tmp_path / "out.csv")  # --plot and -o: one file
    assert cli.main(["run", str(a), "-o", str(tmp_path / "out.csv"), "--plot",
                     str(tmp_path / "fig.png")]) == 2
    assert "--plot and -o name the same file" in capsys.readouterr().err
    assert not (tmp_path / "out.csv").exists()


# ------------------------------------------------------------ class 2: devices and links

def test_a_symlink_to_dev_null_is_refused_and_the_device_kept(tmp_path: Path, capsys) -> None:
    s = scenario(tmp_path / "s.toml")
    (tmp_path / "out.csv").symlink_to("/dev/null")
    assert cli.main(["run", str(s), "-o", str(tmp_path / "out.csv")]) == 2
    err = capsys.readouterr().err
    assert "is a character device, not a regular file" in err
    assert Path("/dev/null").is_char_device()
    assert cli.main(["run", str(s), "-o", "/dev/null"]) == 2  # no suffix: not a format either
    assert Path("/dev/null").is_char_device()


def test_a_fifo_or_folder_target_is_refused(tmp_path: Path, capsys) -> None:
    s = scenario(tmp_path / "s.toml")
    os.mkfifo(tmp_path / "out.csv")
    (tmp_path / "dir.nc").mkdir()
    assert cli.main(["run", str(s), "-o", str(tmp_path / "out.csv")]) == 2
    assert "FIFO" in capsys.readouterr().err
    assert cli.main(["run", str(s), "-o", str(tmp_path / "dir.nc")]) == 2
    assert "is a folder" in capsys.readouterr().err
    assert (tmp_path / "out.csv").is_fifo()
    assert (tmp_path / "dir.nc").is_dir()
    with pytest.raises(ValueError, match="not a regular file"), io.atomic_path(
            tmp_path / "out.csv"):
        pass


def test_a_device_node_itself_is_never_replaced(tmp_path: Path) -> None:
    node = tmp_path / "null.csv"
    try:
        os.mknod(node, 0o666 | 0o020000, os.makedev(1, 3))  # a character device like /dev/null
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here")
    with pytest.raises(ValueError, match="character device"):
        io.write_tables({"t": pd.DataFrame({"a": [1]})}, node)
    assert node.is_char_device()


def test_writing_to_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path: Path,
                                                                     capsys) -> None:
    s = scenario(tmp_path / "s.toml")
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "2025.csv").write_text("old")
    link = tmp_path / "latest.csv"
    link.symlink_to(runs / "2025.csv")
    assert cli.main(["run", str(s), "-o", str(link)]) == 0
    assert link.is_symlink()
    assert link.resolve() == runs / "2025.csv"
    assert (runs / "2025.csv").read_text().startswith("variable,unit,")
    assert parts(runs) == []
    assert parts(tmp_path) == []
    dangling = tmp_path / "next.csv"
    dangling.symlink_to(runs / "2026.csv")  # a dangling link creates the file it names
    assert cli.main(["run", str(s), "-o", str(dangling)]) == 0
    assert (runs / "2026.csv").is_file()
    assert dangling.is_symlink()
    capsys.readouterr()


# ------------------------------------------------------------ class 2: temporary files

KILLED_WRITER = """
import os, signal, sys
from tradesim import io
with io.atomic_path(sys.argv[1]) as tmp:
    tmp.write_text("half a file")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_sigkilled_write_leaves_a_part_that_the_rerun_removes(tmp_path: Path) -> None:
    target = tmp_path / "r.csv"
    target.write_text("previous")
    run = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(target)], check=False)
    assert run.returncode == -signal.SIGKILL
    left = parts(tmp_path)
    assert len(left) == 1
    assert left[0].read_text() == "half a file"
    assert target.read_text() == "previous"
    io.write_tables({"t": pd.DataFrame({"a": [1.0]})}, target)
    assert parts(tmp_path) == []
    assert target.read_text() == "a\n1.0\n"


def test_a_running_writers_part_is_left_alone(tmp_path: Path) -> None:
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        theirs = tmp_path / f".r.csv.{sleeper.pid}-abcd1234.part"
        theirs.write_text("another tradesim is writing this")
        ancient = tmp_path / ".r.csv.zz9plural.part"  # old naming, no process id
        ancient.write_text("old")
        os.utime(ancient, (0, 0))
        fresh = tmp_path / ".r.csv.fresh123.part"
        fresh.write_text("recent, unknown owner")
        io.write_tables({"t": pd.DataFrame({"a": [1.0]})}, tmp_path / "r.csv")
        assert theirs.exists()
        assert fresh.exists()
        assert not ancient.exists()
    finally:
        sleeper.kill()
        sleeper.wait()
    io.write_tables({"t": pd.DataFrame({"a": [2.0]})}, tmp_path / "r.csv")
    assert not theirs.exists()
    # other files' parts are not touched
    other = tmp_path / ".other.csv.999999999-x.part"
    other.write_text("x")
    io.write_tables({"t": pd.DataFrame({"a": [3.0]})}, tmp_path / "r.csv")
    assert other.exists()


@pytest.mark.parametrize("suffix", [".nc", ".csv", ".xlsx"])
def test_a_crash_inside_each_writer_leaves_no_part(tmp_path: Path, suffix: str, capsys,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    s = scenario(tmp_path / "s.toml")
    target = tmp_path / f"out{suffix}"
    target.write_text("previous")

    def crash(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        Path(args[1] if len(args) > 1 else kwargs["path"]).write_text("half")
        raise OSError(errno.ENOSPC, "No space left on device")

    import openpyxl

    monkeypatch.setattr(xr.Dataset, "to_netcdf", crash)
    monkeypatch.setattr(pd.DataFrame, "to_csv", crash)
    monkeypatch.setattr(openpyxl.Workbook, "save", crash)
    assert cli.main(["run", str(s), "-o", str(target)]) == 1
    err = capsys.readouterr().err
    assert f"could not write {target}: no space left on the device; the previous file is " \
           "unchanged" in err
    assert target.read_text() == "previous"
    assert parts(tmp_path) == []


def test_interrupt_during_a_write_keeps_the_old_file(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "t.csv"
    target.write_text("previous")

    def interrupted(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        Path(args[1]).write_text("half")
        raise KeyboardInterrupt

    monkeypatch.setattr(pd.DataFrame, "to_csv", interrupted)
    with pytest.raises(KeyboardInterrupt):
        io.write_tables({"t": pd.DataFrame({"a": [1.0]})}, target)
    assert target.read_text() == "previous"
    assert parts(tmp_path) == []


# ------------------------------------------------------------ class 2: full, read-only, too large

@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                              str(where)], capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root and CAP_SYS_ADMIN)")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


@pytest.mark.parametrize(("suffix", "extra"), [(".nc", []), (".csv", ["--detail"])])
def test_a_full_disk_exits_1_and_keeps_the_old_file(tmp_path: Path, suffix: str,
                                                    extra: list[str], capsys) -> None:
    s = scenario(tmp_path / "s.toml")
    with tmpfs(tmp_path / "small", "256k") as disk:
        target = disk / f"out{suffix}"
        target.write_text("previous results")
        assert cli.main(["run", str(s), "-o", str(target), *extra]) == 1
        err = capsys.readouterr().err
        assert f"could not write {target}" in err
        assert "the previous file is unchanged" in err
        assert "no space left" in err or "full disk" in err
        assert "internal error" not in err
        assert "Traceback" not in err
        assert target.read_text() == "previous results"
        assert parts(disk) == []


def test_a_read_only_folder_exits_1_and_keeps_the_old_file(tmp_path: Path, capsys) -> None:
    s = scenario(tmp_path / "s.toml")
    with tmpfs(tmp_path / "ro", "1m") as disk:
        target = disk / "out.nc"
        target.write_text("previous results")
        subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True)
        assert cli.main(["run", str(s), "-o", str(target)]) == 1
        err = capsys.readouterr().err
        assert f"could not write {target}: the file system is read-only; the previous file " \
               "is unchanged" in err
        assert target.read_text() == "previous results"


def test_read_only_and_permission_errors_are_plain(tmp_path: Path, capsys,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """The same messages where no tmpfs can be mounted (and as root, chmod does not bite)."""
    import tempfile

    s = scenario(tmp_path / "s.toml")
    for code, words in ((errno.EROFS, "the file system is read-only"),
                        (errno.EACCES, "permission denied"),
                        (errno.EDQUOT, "disk quota exceeded")):
        def refuse(*args, code=code, **kwargs):  # noqa: ANN002, ANN003, ANN202
            raise OSError(code, os.strerror(code))

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
        assert cli.main(["run", str(s), "-o", str(tmp_path / "new.nc")]) == 1
        assert f"could not write {tmp_path / 'new.nc'}: {words}; nothing was written" in \
            capsys.readouterr().err
    assert not (tmp_path / "new.nc").exists()


FSIZE_LIMITED = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, (200_000, 200_000))
from tradesim import cli
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.parametrize(("suffix", "extra", "words"),
                         [(".csv", ["--detail"], "file too large"),
                          (".nc", [], "the netCDF library failed")])
def test_a_file_too_large_exits_1_and_keeps_the_old_file(tmp_path: Path, suffix: str,
                                                         extra: list[str], words: str) -> None:
    s = scenario(tmp_path / "s.toml")
    target = tmp_path / f"out{suffix}"
    target.write_text("previous results")
    run = subprocess.run([sys.executable, "-c", FSIZE_LIMITED, "run", str(s), "-o",
                          str(target), *extra], capture_output=True, text=True, check=False)
    assert run.returncode == 1, run.stderr
    assert words in run.stderr
    assert "the previous file is unchanged" in run.stderr
    assert "internal error" not in run.stderr
    assert target.read_text() == "previous results"
    assert parts(tmp_path) == []


# ------------------------------------------------------------ class 5: finite out

@pytest.fixture
def every_result_is_finite() -> None:
    """Overrides the suite's check: here a non-finite result must reach the edge."""


@pytest.mark.parametrize("suffix", [".nc", ".csv", ".xlsx"])
def test_an_overflowing_amount_is_neither_written_nor_printed(tmp_path: Path, suffix: str,
                                                              capsys) -> None:
    huge = ('\n[[commitment]]\nid = "huge"\nbuyer = "VNM"\nseller = "USA"\nproduct = "8802"\n'
            'value_usd = 1.7e308\nstart = 2025\nend = 2026\n')
    s = scenario(tmp_path / "s.toml", extra=huge)
    target = tmp_path / f"out{suffix}"
    code = cli.main(["run", str(s), "-o", str(target)])
    captured = capsys.readouterr()
    assert code == 2, captured.err
    assert "inf" not in captured.out.lower()
    assert "nan" not in captured.out.lower()
    assert not target.exists()
    assert parts(tmp_path) == []
    assert cli.main(["run", str(s), "--json"]) == 2
    assert capsys.readouterr().out == ""


def test_the_edge_check_names_the_variable_and_cell(tmp_path: Path) -> None:
    ds = xr.Dataset({"balance": ("year", [1.0, float("-inf")], {"units": "USD"})},
                    coords={"year": [2024, 2025]})
    with pytest.raises(io.NonFiniteError, match=r"balance holds -inf at year=2025 \(1 "):
        io.write_result(ds, tmp_path / "r.nc")
    with pytest.raises(io.NonFiniteError, match="column 'v' holds nan at row 'b'"):
        io.check_finite(pd.DataFrame({"v": [1.0, float("nan")]}, index=["a", "b"]))
    with pytest.raises(io.NonFiniteError, match="--json"):
        cli._json_value({"x": [float("nan")]})
    assert list(tmp_path.iterdir()) == []


def test_a_printed_table_with_nan_is_an_error(capsys) -> None:
    with pytest.raises(io.NonFiniteError):
        cli._fmt(pd.DataFrame({"share": [float("nan")]}))


# ------------------------------------------------------------ class 8: terminal

HOSTILE_TITLES = [
    "\\u001b[2J\\u001b[HCleared",  # CSI: clear the screen
    "\\u001b]0;owned\\u0007Title",  # OSC: set the window title, BEL
    "Safe\\u009b31mRed",  # C1 CSI
    "abc\\u202edcba",  # right-to-left override
    "Backspace\\b\\b\\bxxx",
]


@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_control_characters_in_a_title_are_never_printed_raw(tmp_path: Path, title: str,
                                                             capsys) -> None:
    s = scenario(tmp_path / "s.toml", title=title)
    assert cli.main(["run", str(s)]) == 0
    out = capsys.readouterr().out
    raw = [c for c in out if (ord(c) < 32 and c not in "\n\t") or 0x7f <= ord(c) <= 0x9f
           or c == "\u202e"]
    assert raw == []
    assert "Scenario: hostile-out — " in out
    assert "\\x1b" in out or "\\x9b" in out or "\\u202e" in out or "\\x08" in out


def test_json_keeps_the_title_exact_and_the_terminal_safe(tmp_path: Path, capsys) -> None:
    s = scenario(tmp_path / "s.toml", title=HOSTILE_TITLES[1])
    assert cli.main(["run", str(s), "--json"]) == 0
    out = capsys.readouterr().out
    assert out.isascii()
    assert "\x1b" not in out
    assert "\x07" not in out
    assert json.loads(out)["scenario"]["title"] == "\x1b]0;owned\x07Title"


def test_a_hostile_file_name_in_an_error_is_escaped(tmp_path: Path, capsys) -> None:
    assert cli.main(["run", str(tmp_path / "\x1b[31mred.toml")]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "\\x1b[31mred.toml" in err


def test_excel_cells_stay_text(tmp_path: Path, capsys) -> None:
    from openpyxl import load_workbook

    s = scenario(tmp_path / "s.toml", title='=HYPERLINK(\\"http://x\\",\\"y\\")\\u001b[2J')
    assert cli.main(["run", str(s), "-o", str(tmp_path / "r.xlsx")]) == 0
    sheet = load_workbook(tmp_path / "r.xlsx")["provenance"]
    cell = next(r[1] for r in sheet.iter_rows(min_row=2) if r[0].value == "scenario.title")
    assert cell.data_type == "s"  # not a formula
    assert cell.value == '=HYPERLINK("http://x","y")\\x1b[2J'
    capsys.readouterr()


KILLED_STORE_WRITER = """
import os, signal, sys
from tradesim import io
with io.atomic_folder(sys.argv[1]) as tmp:
    (tmp / "zarr.json").write_text("{}")
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_sigkilled_store_write_is_cleaned_by_the_rerun(tmp_path: Path, capsys) -> None:
    s = scenario(tmp_path / "s.toml")
    target = tmp_path / "r.zarr"
    assert cli.main(["run", str(s), "-o", str(target)]) == 0
    run = subprocess.run([sys.executable, "-c", KILLED_STORE_WRITER, str(target)], check=False)
    assert run.returncode == -signal.SIGKILL
    assert len(parts(tmp_path)) == 1
    assert parts(tmp_path)[0].is_dir()
    with xr.open_zarr(target) as back:  # the finished store is untouched
        assert back.sizes["year"] == 3
    assert cli.main(["run", str(s), "-o", str(target)]) == 0
    assert parts(tmp_path) == []
    capsys.readouterr()


def test_a_name_near_the_length_limit_still_gets_a_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / ("n" * 240 + ".csv")
    io.write_tables({"t": pd.DataFrame({"a": [1.0]})}, target)
    assert target.read_text() == "a\n1.0\n"
    assert parts(tmp_path) == []
    with pytest.raises(io.OutputError, match="file name too long; nothing was written"):
        io.write_tables({"t": pd.DataFrame({"a": [1.0]})}, tmp_path / ("n" * 300 + ".csv"))


def test_a_file_where_a_folder_should_be_is_a_plain_error(tmp_path: Path, capsys) -> None:
    s = scenario(tmp_path / "s.toml")
    (tmp_path / "file").write_text("not a folder")
    assert cli.main(["run", str(s), "-o", str(tmp_path / "file" / "out.csv")]) == 1
    err = capsys.readouterr().err
    assert "a part of the path is" in err
    assert "nothing was written" in err
    assert (tmp_path / "file").read_text() == "not a folder"


def test_the_output_checks_never_read_a_fifo(tmp_path: Path) -> None:
    """Listing a command's inputs must not block on a FIFO named as a scenario."""
    os.mkfifo(tmp_path / "s.toml")
    assert io.scenario_inputs(tmp_path / "s.toml") == [(tmp_path / "s.toml").resolve()]
