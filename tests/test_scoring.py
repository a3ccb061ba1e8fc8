"""Scoring against numbers worked out by hand and from the reference document."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from cqdt.criteria import load_criteria
from cqdt.evidence import load_evidence
from cqdt.numbers import round_half_up
from cqdt.scoring import aggregate, score, shared_rank
from tests.conftest import MINI_CRITERIA, MINI_SURVEY, write_criteria, write_survey


@pytest.fixture
def result(mini_criteria, mini_survey_file):
    return score(mini_criteria, load_evidence(mini_survey_file, mini_criteria, 2020))


def part_row(result, unit, part):
    rows = result.parts
    return rows[(rows["unit"] == unit) & (rows["part"] == part)].iloc[0]


def test_criterion_points_by_hand(result):
    # Đơn vị Một: 45/50*4 = 3.6; yes 2; 3 items*0.5 = 1.5; v=5 -> 2.
    # B: ratios 2, 3, 1 -> best 3: 2/3*6 = 4; level-4 case 8; assessor 5.5
    assert result.points.loc["Đơn vị Một"].round(6).tolist() == [3.6, 2, 1.5, 2, 4, 8, 5.5]
    # Đơn vị Hai: 20/40*4 = 2; no 0; 10*0.5 capped 2; v=0 -> 0; 3/3*6 = 6; level-3 case 5; 6
    assert result.points.loc["Đơn vị Hai"].round(6).tolist() == [2, 0, 2, 0, 6, 5, 6]
    # Đơn vị Ba: A1.1 not applicable; yes 2; 4*0.5 = 2; v=1 -> 1; 1/3*6 = 2; no case 0; 3
    row = result.points.loc["Đơn vị Ba"]
    assert pd.isna(row["A1.1"])
    assert row.drop("A1.1").round(6).tolist() == [2, 2, 1, 2, 0, 3]


def test_part_a_exclusion_conversion_and_levels(result):
    one = part_row(result, "Đơn vị Một", "A")
    assert (one["excluded"], one["required"], one["achieved"]) == (0, 10, pytest.approx(9.1))
    assert one["converted_published"] == 9.1 and one["level"] == "I" and one["rank"] == 1
    # Đơn vị Ba: 4 points excluded; 5 achieved of 6 required -> 83.33 % -> 8.33 converted, III
    three = part_row(result, "Đơn vị Ba", "A")
    assert three["excluded"] == 4 and three["required"] == 6 and three["achieved"] == 5
    assert three["rate_published"] == pytest.approx(0.8333)
    assert three["converted_published"] == 8.33 and three["level"] == "III" and three["rank"] == 2
    two = part_row(result, "Đơn vị Hai", "A")
    assert two["converted_published"] == 4.0 and two["level"] == "III" and two["rank"] == 3


def test_part_b_levels_at_the_thresholds(result):
    # 17.5/20 = 87.5 % -> II; 17/20 = 85 % exactly -> II (threshold is inclusive); 5/20 -> III
    assert part_row(result, "Đơn vị Một", "B")["level"] == "II"
    assert part_row(result, "Đơn vị Hai", "B")["level"] == "II"
    assert part_row(result, "Đơn vị Ba", "B")["level"] == "III"
    assert part_row(result, "Đơn vị Hai", "B")["converted_published"] == 17.0


def test_group_subtotals(result):
    groups = result.groups.set_index(["unit", "group"])
    assert groups.loc[("Đơn vị Ba", "A1"), "excluded"] == 4
    assert groups.loc[("Đơn vị Ba", "A1"), "achieved"] == 5
    assert groups.loc[("Đơn vị Một", "B1"), "achieved"] == pytest.approx(17.5)
    maxima = result.groups["group"].map({"A1": 10, "B1": 20})
    assert (result.groups["max"] == maxima).all()


def test_explanation_says_how_points_came(result):
    rows = result.explain("Đơn vị Một").set_index("criterion")
    assert rows.loc["A1.1", "explanation"] == "45/50 × 4,00 (tỷ lệ 90,00%)"
    assert rows.loc["A1.2", "explanation"] == "Có (có: 2,00 điểm)"
    assert rows.loc["A1.4", "explanation"] == "5; các bậc: ≥ 1: 1; ≥ 5: 2"
    # Đơn vị Hai has the best ratio, 30/10 = 3; 100/50 = 2 of it is 2/3 of 6 points
    assert rows.loc["B1.1", "explanation"] == "(100/50) ÷ (30/10 của Đơn vị Hai, cao nhất) × 6,00"
    assert rows.loc["B1.2", "explanation"] == (
        "lấy trường hợp cao nhất đạt được; «Mức 4» (8,00 điểm): có; «Mức 3» (5,00 điểm): có"
    )
    assert rows.loc["B1.3", "explanation"] == "Tổ thẩm định chấm 5,50 điểm"
    assert (
        result.explain("Đơn vị Ba")
        .set_index("criterion")
        .loc["A1.1", "explanation"]
        .startswith("không áp dụng")
    )


def reference_set(tmp_path: Path):
    """Maximum 50 of which a 4-point criterion does not apply (reference §5 example)."""
    raw = yaml.safe_load(MINI_CRITERIA)
    raw["inputs"] = [{"field": "p", "label": "Điểm"}, {"field": "q", "label": "Điểm"}]
    raw["parts"] = [
        {
            "code": "A",
            "name": "Sẵn sàng",
            "max": 50,
            "levels": [
                {"level": "I", "min_rate": 0.9},
                {"level": "II", "min_rate": 0.85},
                {"level": "III", "min_rate": 0},
            ],
            "groups": [
                {
                    "code": "A1",
                    "name": "Nhóm",
                    "max": 50,
                    "criteria": [
                        {
                            "code": "X1",
                            "name": "Chính",
                            "max": 46,
                            "method": "direct",
                            "field": "p",
                        },
                        {
                            "code": "X2",
                            "name": "Không áp dụng",
                            "max": 4,
                            "method": "direct",
                            "field": "q",
                        },
                    ],
                }
            ],
        }
    ]
    path = write_criteria(tmp_path, raw)
    return load_criteria(path)


def test_reference_example_41_40_of_46_is_90_percent_level_one(tmp_path):
    cs = reference_set(tmp_path)
    points = pd.DataFrame({"X1": [41.40], "X2": [float("nan")]}, index=["Đơn vị"])
    parts, _ = aggregate(points, cs)
    row = parts.iloc[0]
    assert row["excluded"] == 4 and row["required"] == 46
    assert row["rate_published"] == 0.9 and row["converted_published"] == 45.0
    assert row["level"] == "I"  # the threshold "rate >= 90 %" is inclusive


def test_classification_on_published_or_full_precision(tmp_path):
    # 41.398/46 = 89.9957 %: published as 90.00 %, so level I when classing on published values
    cs = reference_set(tmp_path)
    points = pd.DataFrame({"X1": [41.398], "X2": [float("nan")]}, index=["Đơn vị"])
    parts, _ = aggregate(points, cs)
    assert parts.iloc[0]["rate_published"] == 0.9 and parts.iloc[0]["level"] == "I"
    full = cs.model_copy(
        update={"rounding": cs.rounding.model_copy(update={"rank_and_classify_on": "full"})}
    )
    parts, _ = aggregate(points, full)
    assert parts.iloc[0]["level"] == "II"


def test_printed_numbers_add_up(tmp_path):
    # 2 criteria of 1.004 points each: 2.008 in full, but 1.00 + 1.00 = 2.00 is printed
    cs = reference_set(tmp_path)
    points = pd.DataFrame({"X1": [1.004], "X2": [1.004]}, index=["Đơn vị"])
    parts, _ = aggregate(points, cs)
    assert parts.iloc[0]["achieved"] == 2.0  # sum of the published 1.00 and 1.00
    assert parts.iloc[0]["rate_published"] == 0.04  # 2.00 / 50


def test_equal_printed_rate_gives_equal_rank_and_converted_points(tmp_path):
    # a: 37.42 of 38 (12 excluded) = 98.4737 %; b: 29.54 of 30 (20 excluded) = 98.4667 %.
    # Both print 98.47 %, so both rank 1 and print 98.47 % x 50 = 49.235 -> 49.24.
    raw = yaml.safe_load(MINI_CRITERIA)
    raw["inputs"] = [{"field": f, "label": "Điểm"} for f in ("p", "q", "r")]
    raw["parts"] = [
        {
            "code": "A",
            "name": "Sẵn sàng",
            "max": 50,
            "levels": [{"level": "I", "min_rate": 0.9}, {"level": "II", "min_rate": 0}],
            "groups": [
                {
                    "code": "A1",
                    "name": "Nhóm",
                    "max": 50,
                    "criteria": [
                        {"code": "X1", "name": "Một", "max": 30, "method": "direct", "field": "p"},
                        {"code": "X2", "name": "Hai", "max": 8, "method": "direct", "field": "q"},
                        {"code": "X3", "name": "Ba", "max": 12, "method": "direct", "field": "r"},
                    ],
                }
            ],
        }
    ]
    path = write_criteria(tmp_path, raw)
    nan = float("nan")
    points = pd.DataFrame(
        {"X1": [29.54, 29.54], "X2": [7.88, nan], "X3": [nan, nan]}, index=["a", "b"]
    )
    parts, _ = aggregate(points, load_criteria(path))
    assert parts["required"].tolist() == [38, 30]
    assert parts["rate_published"].tolist() == [0.9847, 0.9847]
    assert parts["converted_published"].tolist() == [49.24, 49.24]
    assert parts["rank"].tolist() == [1, 1]


def test_multipliers_must_name_known_criteria_and_be_non_negative(result, mini_criteria):
    for bad in ({"A1.1 ": 2.0}, {"A1.1": -1.0}, {"A1.1": float("inf")}):
        with pytest.raises(ValueError, match="Hệ số trọng số"):
            aggregate(result.points, mini_criteria, multipliers=pd.Series(bad))
    zero = pd.Series(0.0, index=["A1.1", "A1.2", "A1.3", "A1.4"])
    with pytest.raises(ValueError, match="phần A bằng 0"):
        aggregate(result.points, mini_criteria, multipliers=zero)


def test_full_precision_ties_survive_float_noise(tmp_path):
    # 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit; they are the same score
    cs = reference_set(tmp_path)
    full = cs.model_copy(
        update={"rounding": cs.rounding.model_copy(update={"rank_and_classify_on": "full"})}
    )
    points = pd.DataFrame(
        {"X1": [0.1 + 0.2 + 0.3, 0.3 + 0.2 + 0.1], "X2": [1.0, 1.0]}, index=["a", "b"]
    )
    parts, _ = aggregate(points, full)
    assert parts["rank"].tolist() == [1, 1]


def test_ties_share_a_rank():
    assert shared_rank(pd.Series([9.0, 8.0, 8.0, 7.0])).tolist() == [1, 2, 2, 4]


def test_ties_on_published_values_share_a_rank(tmp_path):
    cs = reference_set(tmp_path)
    # 45.004 and 45.001 both publish as 45.00: they share rank 1; 44 is third
    points = pd.DataFrame(
        {"X1": [45.004 * 46 / 50, 45.001 * 46 / 50, 44 * 46 / 50], "X2": [float("nan")] * 3},
        index=["a", "b", "c"],
    )
    parts, _ = aggregate(points, cs)
    assert parts["rank"].tolist() == [1, 1, 3]


def test_round_half_up_like_excel():
    assert round_half_up(pd.Series([2.675, 0.125, 1.005, -2.5]), 2).tolist() == [
        2.68,
        0.13,
        1.01,
        -2.5,
    ]
    assert round_half_up(0.5, 0) == 1.0


def test_multipliers_reweight_without_rescoring(result, mini_criteria):
    # doubling A1.2's weight: Đơn vị Hai has 0 of 2 there -> A achieved 4 of 12 -> 1/3 -> 3.33
    weights = pd.Series({"A1.2": 2.0})
    parts, _ = aggregate(result.points, mini_criteria, multipliers=weights)
    two = parts[(parts["unit"] == "Đơn vị Hai") & (parts["part"] == "A")].iloc[0]
    assert two["rate"] == pytest.approx(4 / 12)
    assert two["converted_published"] == 3.33
    unchanged, _ = aggregate(result.points, mini_criteria)
    pd.testing.assert_frame_equal(unchanged, result.parts)


# --- properties -------------------------------------------------------------------------

counts = st.integers(min_value=0, max_value=500)
yes_no = st.sampled_from(["Có", "Không"])


@st.composite
def surveys(draw, n_min=1, n_max=8):
    n = draw(st.integers(min_value=n_min, max_value=n_max))
    rows = []
    for i in range(n):
        den = draw(st.integers(min_value=1, max_value=500))
        y = draw(st.integers(min_value=1, max_value=100))
        rows.append(
            {
                "don_vi": f"Đơn vị {i}",
                "num": str(draw(st.integers(0, den))),
                "den": str(den),
                "co": draw(yes_no),
                "so": str(draw(counts)),
                "v": str(draw(counts)),
                "x": str(draw(counts)),
                "y": str(y),
                "m4": draw(yes_no),
                "m3": draw(yes_no),
                "d": str(draw(st.integers(0, 60)) / 10),
                "khong_ap_dung": draw(st.sampled_from(["", "", "A1.1", "B1.3", "A1.2;B1.1"])),
            }
        )
    return pd.DataFrame(rows)


def scored(criteria, table, tmp_path):
    path = write_survey(tmp_path / "p.csv", table)
    return score(criteria, load_evidence(path, criteria, 2020))


@settings(max_examples=40, deadline=None)
@given(table=surveys())
def test_points_within_bounds_and_parts_are_sums(mini_criteria, tmp_path_factory, table):
    result = scored(mini_criteria, table, tmp_path_factory.mktemp("p"))
    maxima = mini_criteria.criteria_table().set_index("criterion")["max"]
    points = result.points
    assert ((points.ge(0) & points.le(maxima)) | points.isna()).all().all()
    part_of = mini_criteria.criteria_table().set_index("criterion")["part"]
    published = points.apply(lambda column: round_half_up(column, 2))  # rounded, then summed
    for code in ("A", "B"):
        rows = result.parts[result.parts["part"] == code].set_index("unit")
        expected = published.loc[:, part_of == code].sum(axis=1)
        pd.testing.assert_series_equal(rows["achieved"], expected, check_names=False)
        excluded = points.loc[:, part_of == code].isna().mul(maxima[part_of == code]).sum(axis=1)
        pd.testing.assert_series_equal(rows["excluded"], excluded, check_names=False)
        assert ((rows["rate"] >= 0) & (rows["rate"] <= 1)).all()


@settings(max_examples=40, deadline=None)
@given(
    table=surveys(),
    unit=st.integers(0, 7),
    field=st.sampled_from(["num", "so", "v", "d", "co", "m4"]),
)
def test_improving_an_input_never_lowers_converted_points(
    mini_criteria, tmp_path_factory, table, unit, field
):
    unit %= len(table)
    tmp = tmp_path_factory.mktemp("m")
    before = scored(mini_criteria, table, tmp).parts
    better = table.copy()
    value = better.loc[unit, field]
    if field in ("co", "m4"):
        better.loc[unit, field] = "Có"
    elif field == "num":
        better.loc[unit, field] = better.loc[unit, "den"]
    elif field == "d":
        better.loc[unit, field] = "6"
    else:
        better.loc[unit, field] = str(int(value) + 3)
    after = scored(mini_criteria, better, tmp).parts
    name = better.loc[unit, "don_vi"]
    old = before[before["unit"] == name].set_index("part")["converted"]
    new = after[after["unit"] == name].set_index("part")["converted"]
    assert (new >= old - 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(table=surveys(n_min=2), seed=st.integers(0, 1000))
def test_row_order_changes_nothing(mini_criteria, tmp_path_factory, table, seed):
    tmp = tmp_path_factory.mktemp("o")
    original = scored(mini_criteria, table, tmp).parts
    shuffled = scored(mini_criteria, table.sample(frac=1, random_state=seed), tmp).parts
    key = ["part", "unit"]
    pd.testing.assert_frame_equal(
        original.sort_values(key).reset_index(drop=True),
        shuffled.sort_values(key).reset_index(drop=True),
    )


def test_every_method_explains_a_unit_it_does_not_apply_to(tmp_path, mini_criteria):
    every = ";".join(
        c.code for c in mini_criteria.criteria if c.code != "A1.2" and c.code != "B1.3"
    )
    table = MINI_SURVEY.copy()
    table.loc[2, "khong_ap_dung"] = every  # A1.2 and B1.3 keep each part scorable
    table.loc[2, ["num", "den", "so", "v", "x", "y", "m4", "m3"]] = ""
    result = scored(mini_criteria, table, tmp_path)
    rows = result.explain("Đơn vị Ba").set_index("criterion")
    assert (
        rows.drop(["A1.2", "B1.3"])["explanation"] == "không áp dụng: không đưa vào đánh giá"
    ).all()
