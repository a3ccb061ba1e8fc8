"""What a unit needs for the next level: points short and where they are cheapest to gain.

For every unit and part below the best level, :func:`next_level` says how many achieved points
the unit lacks to reach the next threshold (as published: the rounded rate decides), and, for
each applicable criterion, how many points it can still give and the smallest change of the
unit's own data that gives them, from the points matrix and the criterion's method, by
arithmetic, not search:

==============  =================================================================
``rate``          one more in the numerator gives max ÷ denominator points
``rate_vs_best``  one more in the numerator gives max ÷ (denominator × best ratio)
``steps``         reaching a higher step gives its points
``yes_no``        «Có» instead of «Không» gives the maximum
``per_item``      one more item gives its points, up to the maximum
``highest_case``  a higher case («Có») gives its points
``direct``        only the assessors' points: no change of data to propose
==============  =================================================================

The cheapest criteria are those needing the fewest changes of the unit's data (one answer,
one item, one more record…) per point when they give all they still can; a plan takes them in
that order until the shortfall is covered, the last one only as far as needed. It is an order
for reading, not an estimate of cost or effort.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from cqdt.criteria import Criterion
from cqdt.files import write_csv, write_workbook
from cqdt.numbers import format_number, format_points, round_half_up
from cqdt.scoring import ScoreResult
from cqdt.tables import INFO_SHEET, NUMBER_FORMATS, info_table

EXACT = 6
"""Decimals shown for survey values, as in the explanations of the points."""
TOLERANCE = 1e-9


@dataclass(frozen=True)
class NextLevel:
    """What :func:`next_level` finds: the shortfalls, and the criteria that can cover them."""

    needs: pd.DataFrame
    """One row per unit and part below the best level: ``unit``, ``part``, ``level``,
    ``next_level``, ``min_rate``, ``required``, ``achieved``, ``short`` (achieved points
    lacking), ``target`` (achieved + short) and ``explanation`` (to check it by hand)."""
    options: pd.DataFrame
    """One row per unit, part and criterion that can still give points, cheapest first:
    ``criterion``, ``name``, ``points``, ``max``, ``available`` (criterion points it can still
    give), ``changes_per_point``, ``order`` (1 = cheapest), ``in_plan``, ``gain`` (criterion
    points the plan takes), ``gain_part`` (the same on the part's scale), ``change`` (the
    change of the unit's data, in words) and ``how`` (the new points, computed)."""

    def of(self, unit: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        """One unit's needs and options (rows in the order of the whole tables)."""
        needs, options = self._by_unit
        return (
            needs.get(unit, self.needs.iloc[:0]),
            options.get(unit, self.options.iloc[:0]),
        )

    @cached_property
    def _by_unit(self) -> tuple[dict[str, pd.DataFrame], dict[str, pd.DataFrame]]:
        """Both tables split by unit once: a scorecard per unit of 145 asks for every unit."""
        return (
            {str(unit): rows for unit, rows in self.needs.groupby("unit", sort=False)},
            {str(unit): rows for unit, rows in self.options.groupby("unit", sort=False)},
        )


def _ceil(values: pd.Series, decimals: int) -> pd.Series:
    """Round up to ``decimals`` (float noise below a billionth of a step ignored)."""
    factor = 10.0**decimals
    return np.ceil(values * factor - TOLERANCE) / factor


def _text(values: pd.Series) -> pd.Series:
    return values.map(lambda v: format_number(v, EXACT))


def _smaller(values: pd.Series, limit: pd.Series) -> pd.Series:
    """The smaller of two aligned columns, value by value."""
    return values.where(values <= limit, limit)


def shortfalls(result: ScoreResult) -> pd.DataFrame:
    """The units and parts below the best level, with the achieved points lacking for the next.

    With the ``published`` rounding policy the printed rate decides: the target is the fewest
    achieved points, in steps of the points' decimals, whose rate rounded as published reaches
    the next threshold (39,10 ÷ 46,00 = 85,00 %).
    """
    rounding = result.criteria.rounding
    frames = []
    for part in result.criteria.parts:
        position = {t.level: i for i, t in enumerate(part.levels)}
        own = result.parts[result.parts["part"] == part.code]
        upper = own["level"].map(position) - 1
        below = own[upper >= 0].assign(
            next_level=upper.map({i: t.level for i, t in enumerate(part.levels)}),
            min_rate=upper.map({i: t.min_rate for i, t in enumerate(part.levels)}),
        )
        frames.append(below)
    columns = ["unit", "part", "level", "next_level", "min_rate", "required", "achieved"]
    table = pd.concat(frames)[columns].reset_index(drop=True)
    decimals = rounding.points_decimals
    half = 0.5 * 10.0 ** -(rounding.rate_percent_decimals + 2)
    lowest = table["min_rate"] - (half if rounding.rank_and_classify_on == "published" else 0)
    table["achieved"] = round_half_up(table["achieved"], decimals)
    table["required"] = round_half_up(table["required"], decimals)
    table["short"] = _ceil(table["required"] * lowest - table["achieved"], decimals).clip(lower=0)
    table["target"] = round_half_up(table["achieved"] + table["short"], decimals)
    rate = round_half_up(table["target"] / table["required"] * 100, rounding.rate_percent_decimals)
    table["explanation"] = (
        "mức "
        + table["next_level"]
        + " cần tỷ lệ từ "
        + (table["min_rate"] * 100).map(format_number)
        + "%: "
        + table["target"].map(format_points)
        + " ÷ "
        + table["required"].map(format_points)
        + " = "
        + rate.map(lambda r: format_number(r, 2, fixed=True))
        + "%; đơn vị đạt "
        + table["achieved"].map(format_points)
        + ", còn thiếu "
        + table["short"].map(format_points)
        + " điểm"
    )
    return table


@dataclass(frozen=True)
class _Standing:
    """One criterion for some units: its inputs, the units' published points, field labels."""

    crit: Criterion
    inputs: pd.DataFrame
    points: pd.Series
    labels: Mapping[str, str]
    decimals: int
    best: tuple[float, str]
    """Best ratio over every unit scored, and that unit (``rate_vs_best``)."""

    def label(self, field: str | None) -> str:
        return self.labels.get(field or "", field or "")

    def rounded(self, points: pd.Series) -> pd.Series:
        return round_half_up(points, self.decimals)


Plan = tuple[pd.Series, pd.Series, pd.Series, pd.Series]
"""Per unit: points gained, changes of data, the change in words, the new points computed."""


def _plan_ratio(s: _Standing, wanted: pd.Series) -> Plan:
    """``rate`` and ``rate_vs_best``: more in the numerator (in whole units), as few as give
    ``wanted`` after rounding; a rate stops at its denominator, a ratio at the best unit's."""
    c = s.crit
    num, den = s.inputs[c.numerator], s.inputs[c.denominator]
    best, best_unit = s.best if c.method == "rate_vs_best" else (1.0, "")
    room = np.ceil((best * den - num).clip(lower=0) - TOLERANCE)

    def points(more: pd.Series) -> pd.Series:
        return s.rounded(((num + more) / den / best).clip(upper=1) * c.max)

    more = _smaller(np.ceil(wanted * den * best / c.max - TOLERANCE), room)
    more = more + ((points(more) - s.points < wanted - TOLERANCE) & (more < room))
    fraction = _text(num + more) + "/" + _text(den)
    if c.method == "rate_vs_best":
        fraction = "(" + fraction + f") ÷ ({format_number(best, EXACT)} của {best_unit}, cao nhất)"
    change = f"«{s.label(c.numerator)}»: " + _text(num) + " → " + _text(num + more)
    change += f" (trên «{s.label(c.denominator)}» " + _text(den) + ")"
    how = fraction + f" × {format_points(c.max)} = " + points(more).map(format_points)
    return points(more) - s.points, more, change, how


def _plan_steps(s: _Standing, wanted: pd.Series) -> Plan:
    """The lowest higher step that gives ``wanted``, else the highest."""
    value = s.inputs[s.crit.field]
    at = pd.Series(np.nan, index=value.index)
    gives = pd.Series(np.nan, index=value.index)
    for step in sorted(s.crit.steps or [], key=lambda x: -x.min):
        higher = (step.min > value) & (step.points > s.points)
        take = higher & ((step.points - s.points >= wanted - TOLERANCE) | at.isna())
        at, gives = at.mask(take, step.min), gives.mask(take, step.points)
    change = f"«{s.label(s.crit.field)}»: " + _text(value) + " → " + _text(at)
    how = "bậc từ " + _text(at) + ": " + gives.map(format_points) + " điểm"
    return gives - s.points, at - value, change, how


def _plan_yes_no(s: _Standing, wanted: pd.Series) -> Plan:
    gain = s.crit.max - s.points
    change = pd.Series(f"«{s.label(s.crit.field)}»: Không → Có", index=gain.index)
    how = pd.Series(f"có: {format_points(s.crit.max)} điểm", index=gain.index)
    return gain, gain * 0 + 1, change, how


def _plan_per_item(s: _Standing, wanted: pd.Series) -> Plan:
    count, each = s.inputs[s.crit.field], s.crit.points_per_item
    assert each is not None  # the criteria file is checked: per_item has its points
    room = np.ceil((s.crit.max - s.points) / each - TOLERANCE)
    more = _smaller(np.ceil(wanted / each - TOLERANCE), room)
    new = ((count + more) * each).clip(upper=s.crit.max)
    change = f"«{s.label(s.crit.field)}»: " + _text(count) + " → " + _text(count + more)
    how = _text(count + more) + f" × {format_points(each)} = " + new.map(format_points)
    return new - s.points, more, change, how + f" (tối đa {format_points(s.crit.max)})"


def _plan_highest_case(s: _Standing, wanted: pd.Series) -> Plan:
    """The lowest higher case that gives ``wanted``, else the highest."""
    gives = pd.Series(np.nan, index=s.points.index)
    named = pd.Series("", index=s.points.index)
    for case in sorted(s.crit.cases or [], key=lambda x: -x.points):
        higher = case.points > s.points
        take = higher & ((case.points - s.points >= wanted - TOLERANCE) | gives.isna())
        gives, named = gives.mask(take, case.points), named.mask(take, s.label(case.field))
    how = "trường hợp " + gives.map(format_points) + " điểm"
    return gives - s.points, gives * 0 + 1, "«" + named + "»: Không → Có", how


def _plan_direct(s: _Standing, wanted: pd.Series) -> Plan:
    """Assessors' points: what they would have to give; no change of data to count."""
    gain = _smaller(_ceil(wanted, s.decimals), s.crit.max - s.points)
    change = "điểm do tổ thẩm định chấm: " + s.points.map(format_points) + " → "
    how = pd.Series("chấm trực tiếp, không có số liệu để đề xuất", index=gain.index)
    return gain, gain * np.nan, change + (s.points + gain).map(format_points), how


def _plan(standing: _Standing, wanted: pd.Series) -> Plan:
    """The change of data that gives ``wanted`` points (all it can: as close as its method
    allows), the gain on the published grid of points."""
    gain, changes, change, how = PLANNERS[standing.crit.method](standing, wanted)
    return round_half_up(gain, standing.decimals), changes, change, how


PLANNERS: dict[str, Callable[[_Standing, pd.Series], Plan]] = {
    "rate": _plan_ratio,
    "rate_vs_best": _plan_ratio,
    "steps": _plan_steps,
    "yes_no": _plan_yes_no,
    "per_item": _plan_per_item,
    "highest_case": _plan_highest_case,
    "direct": _plan_direct,
}
"""How each method turns wanted points into a change of the unit's data."""


def _best_ratios(result: ScoreResult) -> dict[str, tuple[float, str]]:
    """The best ratio of every ``rate_vs_best`` criterion, over every unit scored, and whose."""
    best = {}
    for crit in result.criteria.criteria:
        if crit.method == "rate_vs_best":
            values = result.evidence.values
            ratio = values[crit.numerator] / values[crit.denominator].where(
                values[crit.denominator] != 0
            )
            ratio = ratio.where(~result.evidence.not_applicable[crit.code])
            best[crit.code] = (float(ratio.max()), str(ratio.idxmax()))
    return best


def next_level(
    result: ScoreResult,
    multipliers: pd.Series | None = None,
    units: Sequence[str] | None = None,
    parts: Sequence[str] | None = None,
) -> NextLevel:
    """What each unit (or only ``units``) needs for the next level, in every part (or only
    ``parts``) below the best; ``multipliers`` are the scenario's criterion weights
    (:attr:`cqdt.scenarios.Scenario.multipliers`), so the explorer asks the same question of a
    what-if result."""
    needs = shortfalls(result)
    if units is not None:
        needs = needs[needs["unit"].isin(units)].reset_index(drop=True)
    if parts is not None:
        needs = needs[needs["part"].isin(parts)].reset_index(drop=True)
    table = result.criteria.criteria_table().set_index("criterion")
    weight = pd.Series(1.0, index=table.index)
    if multipliers is not None:
        weight = multipliers.astype(float).reindex(table.index).fillna(1.0)
    scale = {
        p.code: p.max / (table["max"] * weight)[table["part"] == p.code].sum()
        for p in result.criteria.parts
    }
    decimals = result.criteria.rounding.points_decimals
    labels = {f.field: f.label for f in result.criteria.inputs}
    best = _best_ratios(result)
    standings: dict[str, _Standing] = {}
    frames: list[pd.DataFrame] = []
    for crit in result.criteria.criteria:
        part = str(table.at[crit.code, "part"])
        wanting = needs[needs["part"] == part]["unit"]
        if weight[crit.code] == 0 or wanting.empty:
            continue
        points = round_half_up(result.points.loc[wanting, crit.code], decimals)
        room = (crit.max - points)[lambda r: r > TOLERANCE]  # NaN (not applicable) drops too
        if room.empty:
            continue
        inputs = result.evidence.values.loc[room.index]
        standing = _Standing(
            crit, inputs, points[room.index], labels, decimals, best.get(crit.code, (1.0, ""))
        )
        standings[crit.code] = standing
        gain, changes, change, how = _plan(standing, room)
        factor = weight[crit.code]
        frames.append(
            pd.DataFrame(
                {
                    "unit": room.index,
                    "part": part,
                    "criterion": crit.code,
                    "name": crit.name,
                    "points": (standing.points * factor).to_numpy(),
                    "max": crit.max * factor,
                    "available": (gain * factor).to_numpy(),
                    "available_part": (gain * factor * scale[part]).to_numpy(),
                    "changes_per_point": (changes / gain).to_numpy(),
                    "change": change.to_numpy(),
                    "how": how.to_numpy(),
                    "_code": crit.code,
                    "_position": len(frames),
                }
            )
        )
    options = _planned(needs, frames, standings, weight, scale)
    order = {unit: i for i, unit in enumerate(result.evidence.units)}
    part_order = {p.code: i for i, p in enumerate(result.criteria.parts)}

    def in_order(table: pd.DataFrame, *within: str) -> pd.DataFrame:
        keys = table.assign(_u=table["unit"].map(order), _p=table["part"].map(part_order))
        return table.loc[keys.sort_values(["_u", "_p", *within]).index].reset_index(drop=True)

    return NextLevel(in_order(needs), in_order(options, "order"))


def _planned(
    needs: pd.DataFrame,
    frames: list[pd.DataFrame],
    standings: dict[str, _Standing],
    weight: pd.Series,
    scale: dict[str, float],
) -> pd.DataFrame:
    """Options cheapest first; those the plan takes, with the change for the points it takes."""
    columns = [
        "unit",
        "part",
        "criterion",
        "name",
        "points",
        "max",
        "available",
        "changes_per_point",
        "order",
        "in_plan",
        "gain",
        "gain_part",
        "change",
        "how",
    ]
    if not frames:
        return pd.DataFrame(columns=columns)
    options = pd.concat(frames, ignore_index=True)
    options = options.sort_values(
        ["unit", "part", "changes_per_point", "available_part", "_position"],
        ascending=[True, True, True, False, True],
        na_position="last",
    ).reset_index(drop=True)
    options["order"] = options.groupby(["unit", "part"]).cumcount() + 1
    short = options.merge(needs[["unit", "part", "short"]], on=["unit", "part"], how="left")[
        "short"
    ]
    taken_before = (
        options.groupby(["unit", "part"])["available_part"].cumsum() - options["available_part"]
    )
    options["in_plan"] = (taken_before < short - TOLERANCE).to_numpy()
    wanted_part = _smaller(short - taken_before, options["available_part"]).where(
        options["in_plan"]
    )
    options["gain"] = np.nan
    options["gain_part"] = np.nan
    for code, rows in options[options["in_plan"]].groupby("_code"):
        standing = standings[str(code)]
        own = _Standing(
            standing.crit,
            standing.inputs.loc[rows["unit"]],
            standing.points.loc[rows["unit"]],
            standing.labels,
            standing.decimals,
            standing.best,
        )
        factor = weight[code] * scale[str(rows["part"].iloc[0])]
        wanted = pd.Series((wanted_part[rows.index] / factor).to_numpy(), index=rows["unit"])
        gain, _, change, how = _plan(own, wanted)
        options.loc[rows.index, "gain"] = (gain * weight[code]).to_numpy()
        options.loc[rows.index, "gain_part"] = (gain * factor).to_numpy()
        options.loc[rows.index, "change"] = change.to_numpy()
        options.loc[rows.index, "how"] = how.to_numpy()
    return options[columns]


NEEDS_COLUMNS = {
    "unit": "Đơn vị",
    "part": "Phần",
    "level": "Mức",
    "next_level": "Mức cần đạt",
    "required": "Số điểm tối đa cần thực hiện",
    "achieved": "Số điểm thực hiện",
    "target": "Số điểm thực hiện cần đạt",
    "short": "Còn thiếu",
    "explanation": "Cách tính",
}
OPTIONS_COLUMNS = {
    "unit": "Đơn vị",
    "part": "Phần",
    "order": "Thứ tự",
    "criterion": "Mã tiêu chí",
    "name": "Tiêu chí",
    "points": "Điểm đạt",
    "max": "Điểm tối đa",
    "available": "Còn có thể tăng",
    "changes_per_point": "Số thay đổi cho mỗi điểm",
    "in_plan": "Trong phương án",
    "gain": "Điểm tăng theo phương án",
    "change": "Thay đổi số liệu",
    "how": "Điểm mới, cách tính",
}


def needs_table(found: NextLevel) -> pd.DataFrame:
    """The shortfalls with Vietnamese headers (official names for the official columns)."""
    return found.needs[list(NEEDS_COLUMNS)].rename(columns=NEEDS_COLUMNS)


def options_table(found: NextLevel) -> pd.DataFrame:
    """The options, cheapest first, with Vietnamese headers."""
    table = found.options.assign(
        in_plan=found.options["in_plan"].map({True: "Có", False: "Không"}),
        changes_per_point=found.options["changes_per_point"].round(4),
    )
    return table[list(OPTIONS_COLUMNS)].rename(columns=OPTIONS_COLUMNS)


def write_next_level_tables(
    found: NextLevel, result: ScoreResult, folder: Path, warnings: Sequence[str] = ()
) -> list[Path]:
    """``len-muc-<level>-<year>.csv`` (the shortfalls), ``…-tieu-chi.csv`` (the options) and
    one workbook with both, opening on «Thông tin» (criteria, survey and their checksums)."""
    stem = f"len-muc-{result.level}-{result.year}"
    needs, options = needs_table(found), options_table(found)
    formats = {
        **NUMBER_FORMATS,
        "Số điểm thực hiện cần đạt": "0.00",
        "Còn có thể tăng": "0.00",
        "Điểm tăng theo phương án": "0.00",
        "Số thay đổi cho mỗi điểm": "0.0000",
        "Thứ tự": "0",
    }
    folder.mkdir(parents=True, exist_ok=True)
    sheets = {INFO_SHEET: info_table(result), "Cần đạt": needs, "Các tiêu chí": options}
    return [
        write_csv(needs, folder / f"{stem}.csv", warnings),
        write_csv(options, folder / f"{stem}-tieu-chi.csv", warnings),
        write_workbook(sheets, folder / f"{stem}.xlsx", warnings, formats),
    ]
