"""Factors and seeded weight samples: what varies and by how much, one row per sample.

A factor is a criterion or a group (``Settings.by``). Weights act as ``aggregate``
multipliers: a multiplier scales a criterion's points and maximum together and every part
keeps its declared maximum, so each sample is a full set of weights on the official scale.
Schemes: ``uniform`` draws independent multipliers u ~ U(1 − δ, 1 + δ) per factor;
``dirichlet`` draws the factor shares of each part from a Dirichlet centred on the official
shares (concentration × official shares); ``simplex`` draws them uniformly over the simplex
(Dirichlet with all ones).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cqdt.criteria import LEVELS, CriteriaSet
from cqdt.sensitivity.settings import Settings


def factors(criteria: CriteriaSet, by: str) -> pd.DataFrame:
    """One row per factor: code, name, part, official share of its part, and whether it varies.

    A factor "carries" a weight only if its part has another factor: alone in its part, its
    share is always 1, because the part keeps its declared maximum.
    """
    table = criteria.criteria_table()
    names = {g.code: g.name for p in criteria.parts for g in p.groups}
    key = "group" if by == "group" else "criterion"
    rows = table.groupby(key, sort=False).agg(part=("part", "first"), max=("max", "sum"))
    rows["name"] = rows.index.map(names) if by == "group" else table.set_index(key)["name"]
    rows["share"] = rows["max"] / rows.groupby("part")["max"].transform("sum")
    rows["carries"] = rows.groupby("part")["max"].transform("size") > 1
    return rows.reset_index(names="factor")[["factor", "name", "part", "max", "share", "carries"]]


def check_fits(settings: Settings, criteria: CriteriaSet, unit_count: int) -> None:
    """Raise ``ValueError`` (Vietnamese) if the settings cannot apply to these criteria, units."""
    problems = []
    if not factors(criteria, settings.by)["carries"].any():
        what = "nhóm" if settings.by == "group" else "tiêu chí"
        problems.append(
            f"--by {settings.by}: không {what} nào mang được trọng số riêng, vì mỗi phần của bộ "
            f"tiêu chí {criteria.version} ({LEVELS[criteria.level]}) chỉ có một {what} "
            "(phần giữ nguyên điểm tối đa nên đổi trọng số không thay đổi gì)"
        )
    if settings.top_k > unit_count:
        problems.append(
            f"--top-k = {settings.top_k} lớn hơn số đơn vị được đánh giá ({unit_count})"
        )
    if problems:
        raise ValueError("; ".join(problems))


def _factor_draws(table: pd.DataFrame, settings: Settings, rng: np.random.Generator) -> np.ndarray:
    """Multipliers per factor (samples x factors) under the settings' scheme."""
    n = settings.n
    if settings.scheme == "uniform":
        return rng.uniform(1 - settings.delta, 1 + settings.delta, size=(n, len(table)))
    draws = np.ones((n, len(table)))
    for _, rows in table.groupby("part", sort=False):
        share = rows["share"].to_numpy()
        alpha = settings.concentration * share if settings.scheme == "dirichlet" else share * 0 + 1
        draws[:, rows.index] = rng.dirichlet(alpha, size=n) / share
    return draws


def sample_multipliers(criteria: CriteriaSet, settings: Settings) -> np.ndarray:
    """Seeded weight multipliers, one row per sample and one column per criterion (file order).

    Criteria of one factor share its multiplier. Under ``dirichlet`` and ``simplex`` the
    multipliers are sampled shares divided by the official shares, so a factor's weight in its
    part is exactly the sampled share.
    """
    table = factors(criteria, settings.by)
    draws = _factor_draws(table, settings, np.random.default_rng(settings.seed))
    key = "group" if settings.by == "group" else "criterion"
    column = {code: i for i, code in enumerate(table["factor"])}
    return draws[:, criteria.criteria_table()[key].map(column).to_numpy()]


def group_multipliers(criteria: CriteriaSet, groups: list[str], values: np.ndarray) -> np.ndarray:
    """Criterion multipliers (samples x criteria) from one multiplier per listed group."""
    group_of = criteria.criteria_table()["group"]
    multipliers = np.ones((len(values), len(group_of)))
    for i, group in enumerate(groups):
        multipliers[:, (group_of == group).to_numpy()] = values[:, [i]]
    return multipliers
