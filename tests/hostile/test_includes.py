"""Hostile includes (issue 15, class 1): an include stays inside the including file's folder,
resolved against that file after symlinks, whatever the current directory."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import tradesim
from tradesim.errors import ScenarioError

HEAD = '[scenario]\nname = "{name}"\nhorizon = 2026\n'


def scenario(path: Path, include: list[str] | None = None) -> Path:
    text = HEAD.format(name=path.stem.replace("_", "-"))
    if include is not None:
        text += "include = [" + ", ".join(f'"{i}"' for i in include) + "]\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """tmp/outside.toml beside tmp/inner/ (the scenarios' folder)."""
    scenario(tmp_path / "outside.toml")
    scenario(tmp_path / "inner" / "ok.toml")
    return tmp_path


@pytest.mark.parametrize("cwd", ["inner", ".", "/"])
def test_a_parent_include_is_refused_from_any_directory(tree: Path, cwd: str,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    main = scenario(tree / "inner" / "main.toml", ["../outside.toml"])
    monkeypatch.chdir(tree / cwd if cwd != "/" else "/")
    with pytest.raises(ScenarioError, match="include path leaves the scenario's folder"):
        tradesim.load_scenario(main)


def test_an_absolute_path_is_refused_even_from_the_root(tree: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    main = scenario(tree / "inner" / "main.toml", [str(tree / "outside.toml")])
    monkeypatch.chdir("/")
    with pytest.raises(ScenarioError, match=r"leaves the scenario's folder \(absolute path\)"):
        tradesim.load_scenario(main)


@pytest.mark.parametrize("url", ["https://example.org/s.toml", "file:///etc/hosts",
                                 "ftp://host/s.toml", "data:text/plain,x"])
def test_a_url_is_refused_as_a_url(tree: Path, url: str) -> None:
    main = scenario(tree / "inner" / "main.toml", [url])
    with pytest.raises(ScenarioError, match="include takes a file path, not a URL"):
        tradesim.load_scenario(main)


def test_a_folder_is_refused_as_a_folder(tree: Path) -> None:
    (tree / "inner" / "sub").mkdir()
    main = scenario(tree / "inner" / "main.toml", ["sub"])
    with pytest.raises(ScenarioError, match="is a folder, not a scenario file"):
        tradesim.load_scenario(main)


def test_a_symlink_that_points_outside_is_refused(tree: Path) -> None:
    os.symlink(tree / "outside.toml", tree / "inner" / "link.toml")
    main = scenario(tree / "inner" / "main.toml", ["link.toml"])
    with pytest.raises(ScenarioError, match="include path leaves the scenario's folder"):
        tradesim.load_scenario(main)


def test_includes_inside_the_folder_still_work(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    scenario(tree / "inner" / "sub" / "deep.toml")
    main = scenario(tree / "inner" / "main.toml", ["ok.toml", "sub/deep.toml", "./ok2.toml"])
    scenario(tree / "inner" / "ok2.toml")
    monkeypatch.chdir("/")
    assert tradesim.load_scenario(main).name == "main"
