"""Year-over-year comparison and unit profiles, computed from score results only."""

from __future__ import annotations

import pandas as pd

from cqdt.criteria import CriteriaSet
from cqdt.numbers import round_half_up
from cqdt.scoring import ScoreResult


def level_change(table: pd.DataFrame, criteria: CriteriaSet) -> pd.Series:
    """``"lên"``, ``"xuống"`` or ``"giữ"`` from columns ``part``, ``level_before``, ``level``.

    Levels are compared by their position in ``criteria``'s level list of the part (names must
    match across versions); an unknown or missing level gives ``NA``.
    """
    order = {(p.code, t.level): i for p in criteria.parts for i, t in enumerate(p.levels)}

    def position(column: str) -> pd.Series:
        keys = pd.Series(list(zip(table["part"], table[column], strict=True)), index=table.index)
        return keys.map(order).astype("Float64")

    now, before = position("level"), position("level_before")
    change = pd.Series(pd.NA, index=table.index, dtype="string")
    change[now < before] = "lên"
    change[now > before] = "xuống"
    change[now == before] = "giữ"
    return change


def compare_years(current: ScoreResult, previous: ScoreResult) -> pd.DataFrame:
    """Per unit and part: rank and level in both years and how they moved.

    ``rank_change`` is positive when a unit climbed (rank 5 -> 2 is +3); ``level_change`` is
    ``"lên"``, ``"xuống"`` or ``"giữ"``, comparing positions in the current criteria's level
    list (level names must match across versions; unknown names give ``NA``). Units present in
    one year only (new or merged communes) appear with the missing year's columns empty.
    """
    keep = ["unit", "part", "rank", "level", "converted_published"]
    merged = current.parts[keep].merge(
        previous.parts[keep], on=["unit", "part"], how="outer", suffixes=("", "_before")
    )
    merged["rank_change"] = merged["rank_before"] - merged["rank"]
    merged["points_change"] = merged["converted_published"] - merged["converted_published_before"]
    merged["level_change"] = level_change(merged, current.criteria)
    return merged.sort_values(["part", "rank"]).reset_index(drop=True)


def unit_profile(result: ScoreResult, unit: str) -> pd.DataFrame:
    """One unit's criteria: published points against maximum, exclusions, points missed.

    Sorted by part then by missed points (largest first), so the top rows of each part are
    where the unit could gain most.
    """
    rows = result.explain(unit)
    points = round_half_up(rows["points"], result.criteria.rounding.points_decimals)
    rows = rows.assign(points=points, missed=(rows["max"] - points).where(rows["applicable"]))
    return rows.sort_values(["part", "missed", "criterion"], ascending=[True, False, True])
