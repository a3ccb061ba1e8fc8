"""Rounding and Vietnamese number display, shared by scoring, tables and reports."""

from __future__ import annotations

import math
from typing import overload

import numpy as np
import pandas as pd


@overload
def round_half_up(values: pd.Series, decimals: int) -> pd.Series: ...
@overload
def round_half_up(values: np.ndarray, decimals: int) -> np.ndarray: ...
@overload
def round_half_up(values: float, decimals: int) -> float: ...
def round_half_up(
    values: pd.Series | np.ndarray | float, decimals: int
) -> pd.Series | np.ndarray | float:
    """Round halves away from zero, as Excel's ROUND and published tables do (not to even).

    A Series gives a Series, an array an array (sensitivity runs round whole batches), a
    number a number.
    """
    rounded = half_up_steps(values, decimals)
    rounded /= 10.0**decimals
    if isinstance(values, pd.Series):
        return pd.Series(rounded, index=values.index, name=values.name)
    if isinstance(values, np.ndarray):
        return rounded
    return float(rounded)


def half_up_steps(values: pd.Series | np.ndarray | float, decimals: int) -> np.ndarray:
    """How many steps of 10^-decimals :func:`round_half_up` gives (a whole number, as float).

    ``round_half_up(x, d) == half_up_steps(x, d) / 10**d`` exactly; the steps are the integer
    keys sensitivity runs rank by. Works in place on one copy, so big batches stay cheap.
    """
    steps = np.array(values, dtype=float)
    steps *= 10.0**decimals
    np.round(steps, 6, out=steps)
    sign = np.sign(steps)
    np.abs(steps, out=steps)
    steps += 0.5
    np.floor(steps, out=steps)
    steps *= sign
    return steps


def _half_up(value: float, decimals: int) -> float:
    """Scalar :func:`round_half_up` in plain Python (formatting calls it once per cell)."""
    factor = 10.0**decimals
    scaled = round(value * factor, 6)
    return math.copysign(math.floor(abs(scaled) + 0.5), scaled) / factor


def format_number(value: float, decimals: int = 2, fixed: bool = False) -> str:
    """Vietnamese display, rounded half up: ``1.234,5``; with ``fixed``, ``45,00``."""
    if pd.isna(value):
        return "–"
    text = f"{_half_up(value, decimals):,.{decimals}f}"
    if not fixed and decimals:
        text = text.rstrip("0").rstrip(".")
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def format_points(value: float) -> str:
    """Points as published: two fixed decimals (``45,00``)."""
    return format_number(value, 2, fixed=True)
