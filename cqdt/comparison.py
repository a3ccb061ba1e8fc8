"""Year-over-year comparison and unit profiles, computed from score results only."""

from __future__ import annotations

import pandas as pd

from cqdt.criteria import CriteriaSet
from cqdt.numbers import round_half_up
from cqdt.register import ABSORBED, COMPARABLE, ENDED, MERGED_AWAY, NEW, SAME, continuity
from cqdt.scoring import ScoreResult, shared_rank


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


def _by_name(current: ScoreResult, previous: ScoreResult) -> pd.DataFrame:
    """Without a register: a unit is the same unit when its name is the same."""
    before, now = set(previous.parts["unit"]), set(current.parts["unit"])
    rows = [(u, u, SAME) for u in sorted(before & now)]
    rows += [(u, "", ENDED) for u in sorted(before - now)]
    rows += [("", u, NEW) for u in sorted(now - before)]
    table = pd.DataFrame(rows, columns=["unit_before", "unit", "status"])
    return table.assign(successor="", predecessors="")


def compare_years(
    current: ScoreResult, previous: ScoreResult, units: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Per unit and part: rank and level in both years and how they moved.

    With the register ``units`` (:func:`cqdt.register.load_units`) a unit is matched with
    itself or with the unit it was renamed from; without it, by name. ``status`` says what
    became of the unit (:func:`cqdt.register.continuity`): units merged away (``successor``)
    and new units (``predecessors``) have one year's columns only.

    Rank changes are computed on comparable units only: in each year the comparable units are
    ranked again among themselves (``rank_comparable``, ties shared), so units that appear or
    disappear do not move anyone. ``rank_change`` is positive when a unit climbed (5 -> 2 is
    +3); ``level_change`` is ``"lên"``, ``"xuống"`` or ``"giữ"`` (see :func:`level_change`).
    """
    link = (
        _by_name(current, previous)
        if units is None
        else continuity(units, current.level, previous.year, current.year)
    )
    keep = ["unit", "part", "rank", "level", "converted_published"]
    parts = pd.DataFrame({"part": [p.code for p in current.criteria.parts]})
    table = link.merge(parts, how="cross")
    table = table.merge(current.parts[keep], on=["unit", "part"], how="left")
    before = previous.parts[keep].rename(columns=lambda c: c if c == "part" else f"{c}_before")
    table = table.merge(before, on=["unit_before", "part"], how="left")
    table = table.dropna(subset=["rank", "rank_before"], how="all")
    comparable = table["status"].isin(COMPARABLE) & table[["rank", "rank_before"]].notna().all(
        axis=1
    )
    for column in ("rank", "rank_before"):
        ranks = table[column].where(comparable).astype(float)
        table[column.replace("rank", "rank_comparable")] = ranks.groupby(table["part"]).transform(
            lambda r: shared_rank(-r)
        )
    table["rank_change"] = table["rank_comparable_before"] - table["rank_comparable"]
    table["points_change"] = table["converted_published"] - table["converted_published_before"]
    table["level_change"] = level_change(table, current.criteria)
    table["unit"] = table["unit"].where(table["unit"] != "", table["unit_before"])
    order = ["part", "rank", "rank_before", "unit"]
    return table.sort_values(order, na_position="last").reset_index(drop=True)


def _with_missed(rows: pd.DataFrame, result: ScoreResult) -> pd.DataFrame:
    """Explanation rows with points as published and what each applicable criterion misses."""
    points = round_half_up(rows["points"], result.criteria.rounding.points_decimals)
    return rows.assign(points=points, missed=(rows["max"] - points).where(rows["applicable"]))


def unit_profile(result: ScoreResult, unit: str) -> pd.DataFrame:
    """One unit's criteria: published points against maximum, exclusions, points missed.

    Sorted by part then by missed points (largest first), so the top rows of each part are
    where the unit could gain most.
    """
    rows = _with_missed(result.explain(unit), result)
    return rows.sort_values(["part", "missed", "criterion"], ascending=[True, False, True])


def comparable_counts(comparison: pd.DataFrame) -> pd.Series:
    """Per part, the units ranked in both years: those the rank changes are computed on.

    Counted from the ranks, not from the register: a unit of the register without a survey in
    one year is not ranked that year, so it is not compared.
    """
    ranked = comparison[["rank_comparable", "rank_comparable_before"]].notna().all(axis=1)
    return ranked.groupby(comparison["part"], sort=False).sum().astype(int)


def merged_units(comparison: pd.DataFrame) -> pd.DataFrame:
    """Units made of others (new by merger, or continuing after absorbing some), per part.

    One row per successor, predecessor and part (from :func:`compare_years`): ``successor`` and
    its ``level`` this year, ``predecessor`` and its ``level_before`` (a unit that absorbed
    others is its own first predecessor). Successors in name order, predecessors as listed.
    """
    away = comparison[comparison["status"] == MERGED_AWAY]
    absorbing = comparison[comparison["status"] == ABSORBED]
    predecessors = pd.concat(
        [
            absorbing.assign(successor=absorbing["unit"], _first=0),
            away.assign(_first=1),
        ]
    )[["successor", "unit", "part", "level_before", "_first"]]
    successors = comparison[
        (comparison["status"] == ABSORBED)
        | ((comparison["status"] == NEW) & (comparison["predecessors"] != ""))
    ][["unit", "part", "level"]]
    table = predecessors.rename(columns={"unit": "predecessor"}).merge(
        successors.rename(columns={"unit": "successor"}), on=["successor", "part"], how="left"
    )
    order = table["part"].map({p: i for i, p in enumerate(comparison["part"].unique())})
    table = table.assign(_part=order).sort_values(
        ["successor", "_first", "predecessor", "_part"], kind="stable"
    )
    columns = ["successor", "predecessor", "part", "level_before", "level"]
    return table[columns].reset_index(drop=True)


def merger_table(comparison: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """:func:`merged_units` as one row per predecessor, levels of each part before and after
    (Vietnamese headers): ``Đơn vị năm nay``, ``Đơn vị năm trước``, ``Phần A: mức <before>``,
    ``Phần A: mức <after>``… (``before`` and ``after`` name the years, e.g. ``2019``)."""
    units = merged_units(comparison)
    if units.empty:
        return pd.DataFrame(columns=["Đơn vị năm nay", "Đơn vị năm trước"])
    wide = units.pivot_table(
        index=["successor", "predecessor"],
        columns="part",
        values=["level_before", "level"],
        aggfunc="first",
        sort=False,
    )
    rows = units.drop_duplicates(["successor", "predecessor"])[["successor", "predecessor"]]
    table = pd.DataFrame(
        {"Đơn vị năm nay": rows["successor"], "Đơn vị năm trước": rows["predecessor"]}
    ).reset_index(drop=True)
    keys = list(zip(rows["successor"], rows["predecessor"], strict=True))
    for part in units["part"].unique():
        for column, year_of in (("level_before", before), ("level", after)):
            values = wide[(column, part)].reindex(keys) if (column, part) in wide else None
            table[f"Phần {part}: mức {year_of}"] = (
                values.to_numpy() if values is not None else pd.NA
            )
    return table.fillna("–")


def level_moves(comparison: pd.DataFrame, criteria: CriteriaSet) -> pd.DataFrame:
    """Comparable units that changed level, per part and pair of levels, with their names.

    Columns ``part``, ``level_before``, ``level``, ``level_change`` (``lên``/``xuống``),
    ``count`` and ``units`` (names in alphabetical order, ``", "``-separated); ordered by part,
    then from the level left, then to the level reached, as the criteria list them.
    """
    moved = comparison[comparison["level_change"].isin(["lên", "xuống"])]
    order = {(p.code, t.level): i for p in criteria.parts for i, t in enumerate(p.levels)}
    parts = {p.code: i for i, p in enumerate(criteria.parts)}
    table = (
        moved.groupby(["part", "level_before", "level", "level_change"], sort=False)["unit"]
        .agg(count="size", units=lambda names: ", ".join(sorted(names)))
        .reset_index()
    )
    position = pd.Series(order)  # (part, level) -> position in the part's levels

    def rank_of(column: str) -> pd.Series:
        keys = pd.MultiIndex.from_arrays([table["part"], table[column]])
        return pd.Series(position.reindex(keys).to_numpy(), index=table.index)

    keys = pd.DataFrame(
        {
            "_part": table["part"].map(parts),
            "_from": rank_of("level_before"),
            "_to": rank_of("level"),
        }
    )
    return table.loc[keys.sort_values(["_part", "_from", "_to"]).index].reset_index(drop=True)


def unit_profiles(result: ScoreResult) -> dict[str, pd.DataFrame]:
    """:func:`unit_profile` of every unit, computed at once (a scorecard per unit of 145)."""
    rows = _with_missed(result.explanations, result).sort_values(
        ["unit", "part", "missed", "criterion"], ascending=[True, True, False, True]
    )
    return {str(unit): own for unit, own in rows.groupby("unit", sort=False)}
