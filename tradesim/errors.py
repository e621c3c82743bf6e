"""Exception types. Every error a user can cause is a :class:`TradesimError`."""

from __future__ import annotations

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


class DataError(TradesimError, ValueError):
    """A baseline (packaged or user-supplied frame) breaks the data contract."""


class ScheduleError(TradesimError, ValueError):
    """A valid scenario does not fit the baseline (unknown code, scope finer than the axis)."""


class ConvergenceError(TradesimError, RuntimeError):
    """A numerical solver did not converge; the message names where."""
