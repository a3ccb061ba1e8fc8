"""Scoring methods: how one criterion turns a unit's inputs into points.

Each method is a plain vectorised function over whole columns (one value per unit), plus the
checks its inputs must pass and a Vietnamese explanation of every number it produces. Units
for which a criterion does not apply arrive with NaN inputs and get NaN points.

The methods are the item types of this family of Vietnamese methods (reference §4):

============== ======================================================================
``rate``         numerator ÷ denominator, clipped to [0, 1], × max
``rate_vs_best`` (numerator ÷ denominator) ÷ the best unit's ratio × max
``steps``        points of the highest threshold reached (``steps: [{min, points}]``)
``yes_no``       max if yes, else 0
``per_item``     count × ``points_per_item``, capped at max
``highest_case`` points of the highest case that applies (``cases: [{field, points}]``)
``direct``       points entered by the assessor, 0..max
============== ======================================================================
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple, Protocol, TypeVar

import pandas as pd

from cqdt.numbers import format_number, format_points
from cqdt.problems import ProblemCode


class StepSpec(Protocol):
    """A threshold of the ``steps`` method: from ``min`` on, ``points``."""

    @property
    def min(self) -> float: ...
    @property
    def points(self) -> float: ...


class CaseSpec(Protocol):
    """A case of the ``highest_case`` method: ``points`` when the yes/no ``field`` is yes."""

    @property
    def field(self) -> str: ...
    @property
    def points(self) -> float: ...


class CriterionSpec(Protocol):
    """What a method reads of a criterion (:class:`cqdt.criteria.Criterion` has all of it).

    Methods depend on this, not on the criteria module, which itself uses the methods to
    check a criteria file: no import cycle between the two.
    """

    @property
    def code(self) -> str: ...
    @property
    def max(self) -> float: ...
    @property
    def method(self) -> str: ...
    @property
    def numerator(self) -> str | None: ...
    @property
    def denominator(self) -> str | None: ...
    @property
    def field(self) -> str | None: ...
    @property
    def steps(self) -> Sequence[StepSpec] | None: ...
    @property
    def points_per_item(self) -> float | None: ...
    @property
    def cases(self) -> Sequence[CaseSpec] | None: ...


Columns = Mapping[str, pd.Series]
"""Input columns by field name, aligned on the unit index (NaN where not applicable)."""


class Check(NamedTuple):
    """Rows that fail a check of a method's inputs, and what to say about them."""

    failed: pd.Series
    """True for the units that fail."""
    field: str
    """The input field to blame."""
    code: ProblemCode
    message: str
    """In Vietnamese, for the analyst."""


Labels = Mapping[str, str]
"""Input field -> its label in the criteria file (what the survey asked)."""

EXACT = 6
"""Decimals shown for survey values in explanations: enough to redo the sum by hand exactly."""


T = TypeVar("T")


def _given(value: T | None) -> T:
    """A parameter its method requires: loading the criteria refuses a criterion without it."""
    assert value is not None, "a method's parameters are checked when the criteria are loaded"
    return value


def _fmt(series: pd.Series, decimals: int = 2, fixed: bool = False) -> pd.Series:
    return series.map(lambda v: format_number(v, decimals, fixed))


def _fraction(columns: Columns, crit: CriterionSpec) -> pd.Series:
    """``numerator/denominator`` as given in the survey, e.g. ``45/50``."""
    numerator, denominator = columns[_given(crit.numerator)], columns[_given(crit.denominator)]
    return _fmt(numerator, EXACT) + "/" + _fmt(denominator, EXACT)


def _ratio(columns: Columns, crit: CriterionSpec) -> pd.Series:
    numerator, denominator = columns[_given(crit.numerator)], columns[_given(crit.denominator)]
    return numerator / denominator.where(denominator != 0)


# --- rate -------------------------------------------------------------------------------


def score_rate(columns: Columns, crit: CriterionSpec) -> pd.Series:
    return _ratio(columns, crit).clip(0, 1) * crit.max


def explain_rate(columns: Columns, crit: CriterionSpec, labels: Labels) -> pd.Series:
    """``45/50 × 4,00 (tỷ lệ 90,00%)``: the exact fraction, so 45 ÷ 50 × 4 redoes the points."""
    ratio = _ratio(columns, crit).clip(0, 1)
    return (
        _fraction(columns, crit)
        + f" × {format_points(crit.max)} (tỷ lệ "
        + _fmt(ratio * 100, fixed=True)
        + "%)"
    )


def check_rate(columns: Columns, crit: CriterionSpec) -> list[Check]:
    numerator_field, denominator_field = _given(crit.numerator), _given(crit.denominator)
    numerator, denominator = columns[numerator_field], columns[denominator_field]
    return [
        Check(
            denominator == 0,
            denominator_field,
            ProblemCode.ZERO_DENOMINATOR,
            "mẫu số bằng 0, không tính được tỷ lệ",
        ),
        Check(
            numerator > denominator,
            numerator_field,
            ProblemCode.NUMERATOR_ABOVE_DENOMINATOR,
            f"tử số lớn hơn mẫu số «{denominator_field}» (tỷ lệ vượt 100%)",
        ),
    ]


# --- rate_vs_best -----------------------------------------------------------------------


def score_rate_vs_best(columns: Columns, crit: CriterionSpec) -> pd.Series:
    ratio = _ratio(columns, crit)
    best = ratio.max()
    if not best > 0:
        return ratio * 0.0
    return ratio / best * crit.max


def explain_rate_vs_best(columns: Columns, crit: CriterionSpec, labels: Labels) -> pd.Series:
    """``(100/50) ÷ (30/10 của Đơn vị Hai, cao nhất) × 6,00``: exact fractions, best unit named."""
    ratio = _ratio(columns, crit)
    fractions = _fraction(columns, crit)
    if not ratio.max() > 0:
        return "(" + fractions + ") — không đơn vị nào có tỷ lệ lớn hơn 0: 0 điểm"
    best = ratio.idxmax()
    return (
        "("
        + fractions
        + f") ÷ ({fractions.at[best]} của {best}, cao nhất) × "
        + format_points(crit.max)
    )


def check_rate_vs_best(columns: Columns, crit: CriterionSpec) -> list[Check]:
    denominator = _given(crit.denominator)
    return [
        Check(
            columns[denominator] == 0,
            denominator,
            ProblemCode.ZERO_DENOMINATOR,
            "mẫu số bằng 0, không tính được",
        )
    ]


# --- steps ------------------------------------------------------------------------------


def score_steps(columns: Columns, crit: CriterionSpec) -> pd.Series:
    value = columns[_given(crit.field)]
    points = pd.Series(0.0, index=value.index).where(value.notna())
    for step in sorted(_given(crit.steps), key=lambda s: s.min):
        points = points.mask(value >= step.min, step.points)
    return points


def explain_steps(columns: Columns, crit: CriterionSpec, labels: Labels) -> pd.Series:
    ladder = "; ".join(
        f"≥ {format_number(s.min)}: {format_number(s.points)}"
        for s in sorted(_given(crit.steps), key=lambda s: s.min)
    )
    return _fmt(columns[_given(crit.field)], EXACT) + f"; các bậc: {ladder}"


# --- yes_no -----------------------------------------------------------------------------


def score_yes_no(columns: Columns, crit: CriterionSpec) -> pd.Series:
    return columns[_given(crit.field)] * crit.max


def explain_yes_no(columns: Columns, crit: CriterionSpec, labels: Labels) -> pd.Series:
    answer = columns[_given(crit.field)].map({1.0: "Có", 0.0: "Không"})
    return answer + f" (có: {format_points(crit.max)} điểm)"


# --- per_item ---------------------------------------------------------------------------


def score_per_item(columns: Columns, crit: CriterionSpec) -> pd.Series:
    return (columns[_given(crit.field)] * _given(crit.points_per_item)).clip(upper=crit.max)


def explain_per_item(columns: Columns, crit: CriterionSpec, labels: Labels) -> pd.Series:
    return (
        _fmt(columns[_given(crit.field)], EXACT)
        + f" mục × {format_points(_given(crit.points_per_item))} điểm, tối đa "
        + format_points(crit.max)
    )


# --- highest_case -----------------------------------------------------------------------


def score_highest_case(columns: Columns, crit: CriterionSpec) -> pd.Series:
    cases = _given(crit.cases)
    applicable = pd.concat([columns[c.field] for c in cases], axis=1).notna().all(axis=1)
    reached = pd.concat([columns[c.field] * c.points for c in cases], axis=1)
    return reached.max(axis=1).where(applicable)


def explain_highest_case(columns: Columns, crit: CriterionSpec, labels: Labels) -> pd.Series:
    """Each case by what it is (its field's label), its points and whether the unit has it."""
    cases = [
        f"«{labels.get(c.field, c.field)}» ({format_points(c.points)} điểm): "
        + columns[c.field].map({1.0: "có", 0.0: "không"}).fillna("–")
        for c in _given(crit.cases)
    ]
    return "lấy trường hợp cao nhất đạt được; " + pd.concat(cases, axis=1).agg("; ".join, axis=1)


# --- direct -----------------------------------------------------------------------------


def score_direct(columns: Columns, crit: CriterionSpec) -> pd.Series:
    return columns[_given(crit.field)].astype(float)


def explain_direct(columns: Columns, crit: CriterionSpec, labels: Labels) -> pd.Series:
    return "Tổ thẩm định chấm " + _fmt(columns[_given(crit.field)], fixed=True) + " điểm"


def check_direct(columns: Columns, crit: CriterionSpec) -> list[Check]:
    field = _given(crit.field)
    return [
        Check(
            columns[field] > crit.max,
            field,
            ProblemCode.POINTS_ABOVE_MAX,
            f"điểm chấm vượt quá điểm tối đa {format_number(crit.max)} của tiêu chí {crit.code}",
        )
    ]


def _no_checks(columns: Columns, crit: CriterionSpec) -> list[Check]:
    return []


@dataclass(frozen=True)
class Method:
    """A scoring method: its parameters, scoring, checks and explanation."""

    name: str
    label: str
    field_params: tuple[str, ...]
    """Parameters that name input fields (``cases`` names them inside each case)."""
    other_params: tuple[str, ...]
    score: Callable[[Columns, CriterionSpec], pd.Series]
    explain: Callable[[Columns, CriterionSpec, Labels], pd.Series]
    check: Callable[[Columns, CriterionSpec], list[Check]] = _no_checks

    @property
    def params(self) -> tuple[str, ...]:
        return self.field_params + self.other_params


METHODS: dict[str, Method] = {
    m.name: m
    for m in [
        Method(
            "rate",
            "Tỷ lệ thực hiện × điểm tối đa",
            ("numerator", "denominator"),
            (),
            score_rate,
            explain_rate,
            check_rate,
        ),
        Method(
            "rate_vs_best",
            "Tỷ lệ so với đơn vị cao nhất × điểm tối đa",
            ("numerator", "denominator"),
            (),
            score_rate_vs_best,
            explain_rate_vs_best,
            check_rate_vs_best,
        ),
        Method("steps", "Theo bậc ngưỡng", ("field",), ("steps",), score_steps, explain_steps),
        Method("yes_no", "Có/Không", ("field",), (), score_yes_no, explain_yes_no),
        Method(
            "per_item",
            "Điểm theo từng mục, có mức trần",
            ("field",),
            ("points_per_item",),
            score_per_item,
            explain_per_item,
        ),
        Method(
            "highest_case",
            "Lấy trường hợp cao nhất đạt được",
            (),
            ("cases",),
            score_highest_case,
            explain_highest_case,
        ),
        Method(
            "direct",
            "Điểm do tổ thẩm định chấm trực tiếp",
            ("field",),
            (),
            score_direct,
            explain_direct,
            check_direct,
        ),
    ]
}


def criterion_fields(crit: CriterionSpec) -> list[str]:
    """Input fields a criterion reads, in declaration order."""
    return [name for _, name in criterion_field_keys(crit)]


def criterion_field_keys(crit: CriterionSpec) -> list[tuple[tuple[str | int, ...], str]]:
    """Input fields a criterion reads, each with the key naming it in the criterion
    (``("numerator",)``, ``("cases", 0, "field")``), so a problem can point at its line."""
    method = METHODS[crit.method]
    keys: list[tuple[tuple[str | int, ...], str]] = [
        ((p,), getattr(crit, p)) for p in method.field_params
    ]
    keys += [(("cases", i, "field"), c.field) for i, c in enumerate(crit.cases or [])]
    return keys


def score_criterion(columns: Columns, crit: CriterionSpec) -> pd.Series:
    """Points of one criterion for every unit, NaN where its inputs are NaN (not applicable)."""
    points = METHODS[crit.method].score(columns, crit)
    return points.astype(float).clip(0, crit.max)


__all__ = [
    "METHODS",
    "Method",
    "criterion_field_keys",
    "criterion_fields",
    "score_criterion",
]
