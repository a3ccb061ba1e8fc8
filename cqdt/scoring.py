"""Scoring: criterion points per unit, then parts, rates, converted points, levels and ranks.

:func:`score` is the one entry point: criteria + evidence -> :class:`ScoreResult`. Its heart
is a matrix of criterion points (units x criteria, NaN where a criterion does not apply).
:func:`aggregate` turns any such matrix into part and group tables, optionally with weight
multipliers per criterion, so what-if scenarios and sensitivity runs re-aggregate the matrix
without scoring the evidence again.

The method (reference §5), for each unit and part:
``required = max - excluded``; ``rate = achieved / required``; ``converted = rate x max``;
the level is the first threshold the rate reaches; ranks share ties (1, 2, 2, 4).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from cqdt.criteria import CriteriaSet, Criterion
from cqdt.evidence import Evidence
from cqdt.methods import METHODS, criterion_fields, score_criterion
from cqdt.numbers import round_half_up

NOT_APPLICABLE_TEXT = "không áp dụng: không đưa vào đánh giá"


def shared_rank(values: pd.Series) -> pd.Series:
    """Rank best (highest) first; equal values share the best rank: 1, 2, 2, 4."""
    return values.rank(method="min", ascending=False).astype("Int64")


def classify(rate: pd.Series, thresholds: list[tuple[str, float]]) -> pd.Series:
    """Level of each rate (0..1): the first threshold, from the best level down, it reaches."""
    level = pd.Series(pd.NA, index=rate.index, dtype="string")
    for name, min_rate in reversed(thresholds):
        level = level.mask(rate >= min_rate - 1e-12, name)
    return level


def _repeat_rows(row: pd.Series, index: pd.Index) -> pd.DataFrame:
    """The same row for every unit (broadcast, not a list of Series: far faster at 10k units)."""
    values = np.broadcast_to(row.to_numpy(), (len(index), len(row))).copy()
    return pd.DataFrame(values, index=index, columns=row.index)


def _criterion_inputs(crit: Criterion, evidence: Evidence) -> tuple[pd.Series, dict]:
    applicable = ~evidence.not_applicable[crit.code]
    columns = {f: evidence.values[f].where(applicable) for f in criterion_fields(crit)}
    return applicable, columns


def criterion_points(criteria: CriteriaSet, evidence: Evidence) -> pd.DataFrame:
    """The points matrix: units x criteria, NaN where a criterion does not apply."""
    matrix = {}
    for crit in criteria.criteria:
        _, columns = _criterion_inputs(crit, evidence)
        matrix[crit.code] = score_criterion(columns, crit)
    points = pd.DataFrame(matrix, index=evidence.units)
    points.columns.name = "criterion"
    return points


def explain_points(criteria: CriteriaSet, evidence: Evidence, points: pd.DataFrame) -> pd.DataFrame:
    """One row per unit and criterion: its inputs, how they became points, and the points."""
    explained = []
    labels = {f.field: f.label for f in criteria.inputs}
    for part in criteria.parts:
        for group in part.groups:
            for crit in group.criteria:
                applicable, columns = _criterion_inputs(crit, evidence)
                text = METHODS[crit.method].explain(columns, crit, labels)
                explained.append(
                    pd.DataFrame(
                        {
                            "unit": evidence.units,
                            "part": part.code,
                            "group": group.code,
                            "criterion": crit.code,
                            "name": crit.name,
                            "applicable": applicable.to_numpy(),
                            "max": crit.max,
                            "points": points[crit.code].to_numpy(),
                            "explanation": text.where(applicable, NOT_APPLICABLE_TEXT).to_numpy(),
                        }
                    )
                )
    return pd.concat(explained, ignore_index=True)


def aggregate(
    points: pd.DataFrame,
    criteria: CriteriaSet,
    multipliers: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Part and group tables from a points matrix (units x criteria, NaN = not applicable).

    With the ``published`` rounding policy, criterion points are rounded as published before
    they are summed, and units are ranked and classified on the published rate, so every
    printed number can be checked by hand from the printed numbers below it. Ranking on the
    rate rather than the converted points keeps the rule "equal rank, equal printed rate".

    ``multipliers`` (per criterion code, default 1) scale a criterion's points and maximum
    together, which is how a weight change acts; part maxima stay as declared, so converted
    points remain on the official scale. Returns ``(parts, groups)`` in long form.
    """
    table = criteria.criteria_table().set_index("criterion")
    weight = pd.Series(1.0, index=table.index)
    if multipliers is not None:
        unknown = sorted(set(multipliers.index) - set(table.index))
        values = multipliers.astype(float)
        if unknown or not (np.isfinite(values) & (values >= 0)).all():
            raise ValueError(
                "Hệ số trọng số phải là số hữu hạn, không âm, cho các mã tiêu chí có trong bộ "
                f"tiêu chí; mã không có: {unknown or 'không'}"
            )
        weight = values.reindex(table.index).fillna(1.0)
    points = points[table.index]
    rounding = criteria.rounding
    on_published = rounding.rank_and_classify_on == "published"
    if on_published:  # what is printed must add up: sum the published criterion points
        points = points.apply(lambda column: round_half_up(column, rounding.points_decimals))
    weighted_max = table["max"] * weight
    achieved = points.mul(weight, axis=1).fillna(0.0)
    excluded = points.isna().mul(weighted_max, axis=1)

    group_of, part_of = table["group"], table["part"]
    groups = pd.concat(
        {
            "max": _repeat_rows(weighted_max.groupby(group_of).sum(), points.index),
            "excluded": excluded.T.groupby(group_of).sum().T,
            "achieved": achieved.T.groupby(group_of).sum().T,
        },
        axis=1,
    ).stack(level=1, future_stack=True)
    groups = groups.reset_index().rename(columns={"level_1": "group"})
    groups.insert(
        1, "part", groups["group"].map(table.drop_duplicates("group").set_index("group")["part"])
    )

    parts = []
    for part in criteria.parts:
        in_part = part_of == part.code
        total = weighted_max[in_part].sum()
        if not total > 0:
            raise ValueError(f"Mọi hệ số trọng số của phần {part.code} bằng 0")
        frame = pd.DataFrame(index=points.index)
        frame["part"] = part.code
        frame["max"] = part.max
        frame["excluded"] = excluded.loc[:, in_part].sum(axis=1) * part.max / total
        frame["required"] = part.max - frame["excluded"]
        frame["achieved"] = achieved.loc[:, in_part].sum(axis=1) * part.max / total
        frame["rate"] = frame["achieved"] / frame["required"].where(frame["required"] > 0)
        frame["converted"] = frame["rate"] * part.max
        frame["rate_published"] = (
            round_half_up(frame["rate"] * 100, rounding.rate_percent_decimals) / 100
        )
        converted = frame["rate_published"] * part.max if on_published else frame["converted"]
        frame["converted_published"] = round_half_up(converted, rounding.points_decimals)
        rate_on = frame["rate_published"] if on_published else frame["rate"]
        frame["level"] = classify(rate_on, [(t.level, t.min_rate) for t in part.levels])
        frame["rank"] = shared_rank(rate_on.round(10))  # float noise must not break ties
        parts.append(frame.reset_index())
    return pd.concat(parts, ignore_index=True), groups


@dataclass(frozen=True)
class ScoreResult:
    """Everything one scoring run produced, and what it was produced from.

    ``points`` is the matrix to re-aggregate (:func:`aggregate`); ``parts`` and ``groups`` are
    the aggregated tables; ``explanations`` says how each number came about.
    """

    criteria: CriteriaSet
    evidence: Evidence
    points: pd.DataFrame
    parts: pd.DataFrame
    groups: pd.DataFrame

    @cached_property
    def explanations(self) -> pd.DataFrame:
        """How every number came about; built on first use (text is the costly part)."""
        return explain_points(self.criteria, self.evidence, self.points)

    @property
    def level(self) -> str:
        return self.criteria.level

    @property
    def year(self) -> int:
        return self.evidence.year

    def explain(self, unit: str) -> pd.DataFrame:
        """How a unit got its points: one row per criterion with inputs and points."""
        return self.explanations[self.explanations["unit"] == unit].reset_index(drop=True)


def score(criteria: CriteriaSet, evidence: Evidence) -> ScoreResult:
    """Score checked evidence against a criteria set."""
    if evidence.level != criteria.level:
        raise ValueError(
            f"Dữ liệu khảo sát cấp «{evidence.level}» không dùng được với bộ tiêu chí cấp "
            f"«{criteria.level}»"
        )
    points = criterion_points(criteria, evidence)
    parts, groups = aggregate(points, criteria)
    return ScoreResult(criteria, evidence, points, parts, groups)


def group_rates(result: ScoreResult, part: str) -> pd.DataFrame:
    """Rate (%) per unit and group of a part, units in rank order (NaN if all excluded).

    A group's rate is its achieved points over its required points, as a part's rate.
    """
    groups = result.groups[result.groups["part"] == part]
    rate = groups["achieved"] / (groups["max"] - groups["excluded"]).where(
        groups["max"] > groups["excluded"]
    )
    table = groups.assign(rate=rate * 100).pivot(index="unit", columns="group", values="rate")
    order = result.parts[result.parts["part"] == part].sort_values(["rank", "unit"])["unit"]
    return table.loc[order]
