"""Every scoring method against examples worked out by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from cqdt.criteria import Criterion
from cqdt.methods import score_criterion
from cqdt.numbers import format_number


def crit(**kw) -> Criterion:
    return Criterion(code="X", name="x", **kw)


def cols(**columns) -> dict[str, pd.Series]:
    return {k: pd.Series(v, dtype=float) for k, v in columns.items()}


def test_rate_is_ratio_times_max_and_clipped():
    c = crit(max=5, method="rate", numerator="n", denominator="d")
    # 45/50 x 5 = 4.5; 0/20 = 0; 60/50 clipped to 1 -> 5
    points = score_criterion(cols(n=[45, 0, 60], d=[50, 20, 50]), c)
    assert points.tolist() == [4.5, 0.0, 5.0]


def test_rate_vs_best_normalises_against_best_unit():
    c = crit(max=3, method="rate_vs_best", numerator="n", denominator="d")
    # ratios 2, 4, 1 -> best 4 -> 2/4*3 = 1.5, 3, 0.75
    points = score_criterion(cols(n=[100, 200, 50], d=[50, 50, 50]), c)
    assert points.tolist() == [1.5, 3.0, 0.75]


def test_rate_vs_best_all_zero_gives_zero_not_nan():
    c = crit(max=3, method="rate_vs_best", numerator="n", denominator="d")
    assert score_criterion(cols(n=[0, 0], d=[5, 5]), c).tolist() == [0.0, 0.0]


def test_steps_take_highest_threshold_reached():
    c = crit(
        max=3,
        method="steps",
        field="v",
        steps=[{"min": 10, "points": 3}, {"min": 1, "points": 1}, {"min": 5, "points": 2}],
    )
    points = score_criterion(cols(v=[0, 1, 4.9, 5, 12]), c)
    assert points.tolist() == [0.0, 1.0, 1.0, 2.0, 3.0]


def test_yes_no():
    c = crit(max=2, method="yes_no", field="f")
    assert score_criterion(cols(f=[1, 0]), c).tolist() == [2.0, 0.0]


def test_per_item_is_capped():
    c = crit(max=4, method="per_item", field="k", points_per_item=1.5)
    # 1 item -> 1.5; 2 -> 3; 3 -> 4.5 capped at 4
    assert score_criterion(cols(k=[1, 2, 3]), c).tolist() == [1.5, 3.0, 4.0]


def test_highest_case_takes_the_best_applicable_case():
    c = crit(
        max=8,
        method="highest_case",
        cases=[{"field": "m4", "points": 8}, {"field": "m3", "points": 5}],
    )
    points = score_criterion(cols(m4=[1, 0, 0, 1], m3=[1, 1, 0, 0]), c)
    assert points.tolist() == [8.0, 5.0, 0.0, 8.0]


def test_direct_points_pass_through():
    c = crit(max=6, method="direct", field="p")
    assert score_criterion(cols(p=[0, 2.25, 6]), c).tolist() == [0.0, 2.25, 6.0]


@pytest.mark.parametrize(
    "method,params,columns",
    [
        ("rate", {"numerator": "a", "denominator": "b"}, {"a": [1, math.nan], "b": [2, math.nan]}),
        ("yes_no", {"field": "a"}, {"a": [1, math.nan]}),
        ("direct", {"field": "a"}, {"a": [1, math.nan]}),
        ("steps", {"field": "a", "steps": [{"min": 1, "points": 1}]}, {"a": [1, math.nan]}),
        ("per_item", {"field": "a", "points_per_item": 1}, {"a": [1, math.nan]}),
        ("highest_case", {"cases": [{"field": "a", "points": 1}]}, {"a": [1, math.nan]}),
        (
            "rate_vs_best",
            {"numerator": "a", "denominator": "b"},
            {"a": [1, math.nan], "b": [2, math.nan]},
        ),
    ],
)
def test_not_applicable_inputs_give_no_points(method, params, columns):
    c = crit(max=1, method=method, **params)
    points = score_criterion(cols(**columns), c)
    assert points.iloc[0] > 0
    assert math.isnan(points.iloc[1])


def test_vietnamese_number_format():
    assert format_number(41.4) == "41,4"
    assert format_number(1234.5) == "1.234,5"
    assert format_number(45.0) == "45"
