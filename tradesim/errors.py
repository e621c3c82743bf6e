"""Exception types. Every error a user can cause is a :class:`TradesimError`."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass


class TradesimError(Exception):
    """Base class of every error tradesim raises on purpose."""


@dataclass(frozen=True)
class Problem:
    """One validation problem: where, what, which rule, and how to fix it."""

    path: str
    message: str
    value: object = None
    hint: str = ""
    file: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        text = f"{where}{self.path}: {self.message}" if self.path else where + self.message
        if self.value is not None:
            text += f" (got {self.value!r})"
        if self.hint:
            text += f"; {self.hint}"
        return text


class ScenarioError(TradesimError, ValueError):
    """A scenario (or sweep) document is invalid. ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem] | Problem, file: str = "") -> None:
        items = [problems] if isinstance(problems, Problem) else list(problems)
        if file:
            items = [
                p if p.file else Problem(p.path, p.message, p.value, p.hint, file) for p in items
            ]
        self.problems: tuple[Problem, ...] = tuple(items)
        self.file = file
        head = f"{len(items)} problem(s) in scenario" + (f" {file}" if file else "")
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in items))


class Problems:
    """Collects the problems found while one document is read, so all are reported at once.

    >>> found = Problems("a.toml")
    >>> found.add("tariff[0].rate", "must be >= 0", -5, "rates are percent")
    >>> print(found.items[0])
    a.toml: tariff[0].rate: must be >= 0 (got -5); rates are percent
    """

    def __init__(self, file: str = "") -> None:
        self.file = file
        self.items: list[Problem] = []

    def __bool__(self) -> bool:
        return bool(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def add(self, path: str, message: str, value: object = None, hint: str = "") -> None:
        self.items.append(Problem(path, message, value, hint, self.file))

    def raise_if_any(self) -> None:
        """Raise :class:`ScenarioError` listing every problem collected, if there is one."""
        if self.items:
            raise ScenarioError(self.items, self.file)


def closest(word: str, options: Sequence[str], listing: str = "valid keys") -> str:
    """A hint naming the closest option to ``word``, then all of them after ``listing``.

    >>> closest("rat", ["rate", "mode"])
    "did you mean 'rate'? valid keys: rate, mode"
    >>> closest("zz", ["a", "b"], listing="measure ids")
    'measure ids: a, b'
    """
    match = difflib.get_close_matches(word, list(options), n=1, cutoff=0.5)
    valid = f"{listing}: " + ", ".join(options)
    return f"did you mean '{match[0]}'? {valid}" if match else valid


class DataError(TradesimError, ValueError):
    """A baseline (packaged or user-supplied frame) breaks the data contract."""


class ScheduleError(TradesimError, ValueError):
    """A valid scenario does not fit the baseline (unknown code, scope finer than the axis)."""


class ConvergenceError(TradesimError, RuntimeError):
    """A numerical solver did not converge; the message names where."""


class StoreError(TradesimError, ValueError):
    """A sweep's zarr store does not fit its sweep (exists without ``resume``, or another's)."""
