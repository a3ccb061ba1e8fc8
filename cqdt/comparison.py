"""Year-over-year comparison and unit profiles, computed from score results only."""

from __future__ import annotations

import pandas as pd

from cqdt.numbers import round_half_up
from cqdt.scoring import ScoreResult


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
    order = {
        part.code: {t.level: i for i, t in enumerate(part.levels)}
        for part in current.criteria.parts
    }
    position = merged.apply(lambda r: order.get(r["part"], {}).get(r["level"]), axis=1)
    before = merged.apply(lambda r: order.get(r["part"], {}).get(r["level_before"]), axis=1)
    both = position.notna() & before.notna()
    change = pd.Series(pd.NA, index=merged.index, dtype="string")
    change[both & (position < before)] = "lên"
    change[both & (position > before)] = "xuống"
    change[both & (position == before)] = "giữ"
    merged["level_change"] = change
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
