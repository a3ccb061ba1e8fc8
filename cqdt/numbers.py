"""Rounding and Vietnamese number display, shared by scoring, tables and reports."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def round_half_up(
    values: pd.Series | np.ndarray | float, decimals: int
) -> pd.Series | np.ndarray | float:
    """Round halves away from zero, as Excel's ROUND and published tables do (not to even).

    A Series gives a Series, an array an array (sensitivity runs round whole batches), a
    number a number.
    """
    factor = 10.0**decimals
    rounded = np.array(values, dtype=float)  # a copy, worked in place: big batches stay cheap
    rounded *= factor
    np.round(rounded, 6, out=rounded)
    sign = np.sign(rounded)
    np.abs(rounded, out=rounded)
    rounded += 0.5
    np.floor(rounded, out=rounded)
    rounded *= sign
    rounded /= factor
    if isinstance(values, pd.Series):
        return pd.Series(rounded, index=values.index, name=values.name)
    if isinstance(values, np.ndarray):
        return rounded
    return float(rounded)


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
