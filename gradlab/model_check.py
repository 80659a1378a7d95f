"""The gradient check of the book's model: each parameter's gradient by backward beside central
differences, judged by a relative error with a stated floor (numpy only)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-5  # a correct rule's relative error is ~1e-7 or less here, a wrong one's ~1e-3
FLOOR = 1e-4  # relative errors of partials smaller than this are taken relative to it


@dataclass(frozen=True)
class ParameterCheck:
    """One parameter's gradient by backward beside its central-difference estimate.

    max_error = the largest relative error |analytic - numerical| / max(|analytic|,
    |numerical|, floor) over the entries. The floor (1e-4) keeps a partial near 0 from being
    judged by the central differences' own round-off (~1e-11 here) alone: below the floor the
    error is relative to the floor.
    """

    name: str
    analytic: np.ndarray
    numerical: np.ndarray
    max_error: float
    worst: tuple[int, ...]  # the entry where the error is largest
    tolerance: float
    floor: float = FLOOR

    @property
    def passed(self) -> bool:
        return bool(self.max_error <= self.tolerance)


@dataclass(frozen=True)
class ModelCheck:
    """The gradient check of every parameter; `.max_error` and `.worst` over all of them."""

    parameters: dict[str, ParameterCheck]
    h: float
    tolerance: float
    floor: float = FLOOR

    @property
    def max_error(self) -> float:
        return max(check.max_error for check in self.parameters.values())

    @property
    def worst(self) -> str:
        """The name of the parameter with the largest error."""
        return max(self.parameters.values(), key=lambda check: check.max_error).name

    @property
    def passed(self) -> bool:
        return all(check.passed for check in self.parameters.values())

    def __bool__(self) -> bool:
        return self.passed

    def __getitem__(self, name: str) -> ParameterCheck:
        return self.parameters[name]

    def __str__(self) -> str:
        lines = [f"gradient check (central differences, h = {self.h:g}): "
                 + ("passed" if self.passed else "FAILED"),
                 "  relative error = |backward - central| / max(|backward|, |central|, "
                 f"{_power(self.floor)})"]
        for check in self.parameters.values():
            lines.append(f"  {check.name}: largest relative error {_verdict(check)}")
        return "\n".join(lines)


def compare(name: str, analytic: np.ndarray, numerical: np.ndarray, tolerance: float = TOLERANCE,
            floor: float = FLOOR) -> ParameterCheck:
    """The check of one parameter: each entry's |analytic - numerical| / max(|analytic|,
    |numerical|, floor), the largest and where it is (an undefined partial never passes)."""
    scale = np.maximum(floor, np.maximum(np.abs(analytic), np.abs(numerical)))
    errors = np.abs(analytic - numerical) / scale
    errors = np.where(np.isnan(errors), np.inf, errors)  # an undefined partial never passes
    worst = tuple(int(i) for i in np.unravel_index(int(np.argmax(errors)), errors.shape))
    return ParameterCheck(name, analytic, numerical, float(errors[worst]), worst, tolerance,
                          floor)


def _power(x: float) -> str:
    """1e-05 -> '1e-5'."""
    return f"{x:.0e}".replace("e-0", "e-")


def _verdict(check: ParameterCheck) -> str:
    if check.passed:
        return f"below {_power(check.tolerance)}"
    return f"{check.max_error:.1e} at entry {list(check.worst)} (FAILED)"
