"""Weight sensitivity: batched evaluation equals aggregate, statistics worked out by hand."""

from __future__ import annotations

import ast
import io
import json
import re
import typing
import unicodedata

import numpy as np
import pandas as pd
import papermill
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from cqdt import sensitivity as sens
from cqdt.caveats import output_warnings
from cqdt.cli import main
from cqdt.criteria import Rounding
from cqdt.files import NOTE_COLUMN
from cqdt.publishing.kinds import official as official_report
from cqdt.scoring import aggregate
from cqdt.sensitivity.evaluate import _published_keys
from cqdt.workspace import Workspace
from tests.conftest import MINI_SURVEY, ROOT, SENSITIVITY_SETTINGS, write_survey

# One part, two groups of one criterion each (points typed directly by the assessor).
# Levels: I from 85 %, II from 75 %, III below.
TWO_GROUPS = """\
decision: "Bộ tiêu chí thử nghiệm độ nhạy"
title: "Hai nhóm"
level: huyen
version: "do-nhay"
valid_from: 2018-01-01
status: reconstructed
inputs:
  - {field: a, label: "Điểm nhóm 1"}
  - {field: b, label: "Điểm nhóm 2"}
parts:
  - code: P
    name: "Phần duy nhất"
    max: 10
    levels: [{level: "I", min_rate: 0.85}, {level: "II", min_rate: 0.75}, {level: "III", min_rate: 0}]
    groups:
      - {code: G1, name: "Nhóm một", max: 5,
         criteria: [{code: c1, name: "Tiêu chí một", max: 5, method: direct, field: a}]}
      - {code: G2, name: "Nhóm hai", max: 5,
         criteria: [{code: c2, name: "Tiêu chí hai", max: 5, method: direct, field: b}]}
"""


def workspace_with(tmp_path, criteria_text: str, rows: list[dict]):
    """A criteria folder and a 2020 district survey in tmp_path; the scored result."""
    (tmp_path / "tc" / "v1").mkdir(parents=True)
    (tmp_path / "tc" / "v1" / "huyen.yaml").write_text(criteria_text, encoding="utf-8")
    (tmp_path / "dl" / "2020").mkdir(parents=True)
    write_survey(tmp_path / "dl" / "2020" / "huyen.csv", pd.DataFrame(rows))
    return Workspace.at(tmp_path / "tc", tmp_path / "dl").score("huyen", 2020)


@pytest.fixture
def three_units(tmp_path):
    # U1: 5 + 3 of 10                 -> 80 %, level II
    # U2: 2 + 5 of 10                 -> 70 %, level III
    # U3: 4 of 5, c2 not applicable   -> 80 %, level II (ties with U1: ranks 1, 3, 1)
    return workspace_with(
        tmp_path,
        TWO_GROUPS,
        [
            {"don_vi": "U1", "a": "5", "b": "3", "khong_ap_dung": ""},
            {"don_vi": "U2", "a": "2", "b": "5", "khong_ap_dung": ""},
            {"don_vi": "U3", "a": "4", "b": "", "khong_ap_dung": "c2"},
        ],
    )


# Weights (multipliers of c1, c2) and what they give, part maximum kept at 10:
#   (2, 1): weighted maxima 10 + 5 = 15
#     U1 (10 + 3) x 10/15 = 8.667 of 10  -> 86.67 %  I    rank 1
#     U2 (4 + 5) x 10/15  = 6 of 10      -> 60 %     III  rank 3
#     U3 8 x 10/15 = 5.333 of 10 - 5 x 10/15 = 6.667 -> 80 % II rank 2
#   (1, 2): U1 (5 + 6)/15 -> 73.33 % III rank 3; U2 (2 + 10)/15 -> 80 % II rank 1;
#           U3 4/(10 - 10 x 10/15 ... ) = 2.667/3.333 -> 80 % II rank 1
#   (1, 1): the official result: U1 80 % II rank 1, U2 70 % III rank 3, U3 80 % II rank 1
SCENARIOS = np.array([[2.0, 1.0], [1.0, 2.0], [1.0, 1.0], [2.0, 1.0]])


def test_hand_worked_ranks_and_levels(three_units):
    evaluation = sens.evaluate(three_units.points, three_units.criteria, SCENARIOS)
    assert evaluation.rank["P"].tolist() == [[1, 3, 2], [3, 1, 1], [1, 3, 1], [1, 3, 2]]
    names = evaluation.levels["P"]
    levels = [[names[i] for i in row] for row in evaluation.level["P"]]
    expected = [["I", "III", "II"], ["III", "II", "II"], ["II", "III", "II"], ["I", "III", "II"]]
    assert levels == expected


def test_hand_worked_statistics(three_units):
    result = sens.analyse(three_units, sens.Settings(top_k=1, sobol_n=0), multipliers=SCENARIOS)
    units = result.units.set_index("unit")
    # ranks over the 4 samples, sorted: U1 1,1,1,3  U2 1,3,3,3  U3 1,1,2,2
    # p-th percentile = the smallest rank reached in at least p % of samples: sorted[ceil(4p)-1]
    assert units["median_rank"].tolist() == [1, 3, 1]
    assert units["rank_p05"].tolist() == [1, 1, 1]
    assert units["rank_p95"].tolist() == [3, 3, 2]
    assert units["nominal_rank"].tolist() == [1, 3, 1]
    assert units["nominal_level"].tolist() == ["II", "III", "II"]
    # top 1: U1 in 3 of 4 samples, U2 in 1, U3 in 2
    assert units["p_top_k"].tolist() == [0.75, 0.25, 0.5]
    # U1 levels I, III, II, I: keeps II once; U2 III, II, III, III; U3 always II
    assert units["p_keep"].tolist() == [0.25, 0.75, 1.0]
    assert units["p_level_I"].tolist() == [0.5, 0, 0]
    assert units["p_level_III"].tolist() == [0.25, 0.75, 0]

    overall = result.overall.iloc[0]
    # |rank shifts| per sample: (0,0,1) (2,2,0) (0,0,0) (0,0,1): means 1/3, 4/3, 0, 1/3
    assert overall["mean_abs_shift"] == pytest.approx(0.5)
    # more than 1 place: 2 of 3 units in sample 2 only -> (2/3)/4
    assert overall["share_moved"] == pytest.approx(1 / 6)
    # correlation of ranks with (1, 3, 1): (1,3,2) -> √3/2, (3,1,1) -> -1/2, (1,3,1) -> 1
    assert overall["spearman_median"] == pytest.approx(np.sqrt(3) / 2)
    assert overall["spearman_p05"] == pytest.approx(-0.5)

    # standard errors √(p(1 − p)/4): U1 and U2 √(3/64), U3 0
    assert units["p_keep_se"].tolist() == pytest.approx([np.sqrt(3 / 64), np.sqrt(3 / 64), 0])
    # 4 samples cannot tell 95 % from 75 % or 100 %: the cut-off's error is √(0.95·0.05/4) =
    # 0.109, so U2 (0.2 away) and U3 (0.05 away) are within two of it; U1 (0.7 away) is not
    assert units["near_cutoff"].tolist() == [False, True, True]
    assert overall["units_at_risk"] == 1 and overall["units_near_cutoff"] == 2

    # independent halves: samples 1-2 and 3-4. P(keep): U1 0 and 1/2, U2 1/2 and 1, U3 1, 1
    convergence = result.convergence.set_index("statistic")
    assert convergence.loc["p_keep", "half_difference"] == pytest.approx(0.5)
    assert convergence.loc["p_keep", "se"] == pytest.approx(np.sqrt(3 / 64))
    # mean shifts: (1/3 + 4/3)/2 = 5/6 and (0 + 1/3)/2 = 1/6
    assert convergence.loc["mean_abs_shift", "first_half"] == pytest.approx(5 / 6)
    assert convergence.loc["mean_abs_shift", "second_half"] == pytest.approx(1 / 6)
    assert np.isnan(convergence.loc["mean_abs_shift", "batch_se"])  # 4 blocks: no batches
    assert not result.converged


def test_one_at_a_time_moves_each_factor_alone(three_units):
    result = sens.analyse(three_units, sens.Settings(delta=0.5, sobol_n=0, n=4, top_k=1))
    oat = result.one_at_a_time
    assert oat["factor"].tolist() == ["c1", "c1", "c2", "c2"]
    assert oat["group"].tolist() == ["G1", "G1", "G2", "G2"]
    # c1's share of the part (officially 1/2) with its multiplier at 0.5 and 1.5:
    # 2.5/(2.5 + 5) = 1/3 and 7.5/(7.5 + 5) = 3/5
    assert oat["value"].tolist() == pytest.approx([1 / 3, 3 / 5, 1 / 3, 3 / 5])
    # c1 x 1.5 (weights 7.5 : 5): U1 (7.5 + 3)/12.5 = 84 % II rank 1; U2 (3 + 5)/12.5 = 64 %;
    # U3 6/7.5 = 80 % II rank 2: one shift of 1 place among 3 units, no level change
    c1_up = oat[(oat["factor"] == "c1") & (oat["end"] == "high")].iloc[0]
    assert c1_up["mean_abs_shift"] == pytest.approx(1 / 3)
    assert c1_up["level_changes"] == 0 and c1_up["units_changed"] == []
    # c2 x 1.5 (5 : 7.5): U1 (5 + 4.5)/12.5 = 76 % II and U2 (2 + 7.5)/12.5 = 76 % II share
    # rank 2 (U2 goes up a level); U3 3.2/(10 - 6) = 80 % rank 1: shifts 1, 1, 0 -> mean 2/3
    c2_up = oat[(oat["factor"] == "c2") & (oat["end"] == "high")].iloc[0]
    assert c2_up["mean_abs_shift"] == pytest.approx(2 / 3)
    assert c2_up["max_abs_shift"] == 1
    assert c2_up["level_changes"] == 1 and c2_up["units_changed"] == ["U2"]


def test_leave_one_group_out_worked_by_hand(three_units):
    result = sens.analyse(three_units, sens.Settings(n=4, sobol_n=0, leave_one_out=True))
    left = result.leave_one_out.set_index(["group", "unit"])
    # without G1 only c2 counts, scaled to the part's 10 points: U1 3/5 = 60 % III rank 2;
    # U2 5/5 = 100 % I rank 1; U3 has c2 not applicable: nothing required, no rank, no level
    assert left.loc["G1", "rank"].tolist() == [2, 1, pd.NA]
    assert left.loc["G1", "level"].tolist() == ["III", "I", pd.NA]
    # without G2: U1 5/5 = 100 % I, U2 2/5 = 40 % III, U3 4/5 = 80 % II: ranks 1, 3, 2
    assert left.loc["G2", "rank"].tolist() == [1, 3, 2]
    assert left.loc["G2", "level"].tolist() == ["I", "III", "II"]
    assert left.loc["G2", "nominal_level"].tolist() == ["II", "III", "II"]
    table = result.tables[sens.LEAVE_OUT_SHEET]
    assert table["Đổi mức"].tolist() == ["có", "có", "có", "có", "", ""]


@st.composite
def points_and_weights(draw, criteria):
    """A points matrix (hundredths up to each maximum, some not applicable) and weights.

    Units draw their rows from a small pool, so equal rows (ties) are frequent.
    """
    maxima = criteria.criteria_table()["max"].to_numpy()
    units = draw(st.integers(1, 7))
    cell = [
        st.one_of(
            st.just(np.nan),
            st.integers(0, int(m * 100)).map(lambda v: v / 100),
            st.floats(0, float(m)),
        )
        for m in maxima
    ]
    pool = [[draw(c) for c in cell] for _ in range(draw(st.integers(1, units)))]
    cells = [draw(st.sampled_from(pool)) for _ in range(units)]
    weight = st.one_of(st.just(1.0), st.sampled_from([0.5, 2.0]), st.floats(0.01, 3.0))
    samples = draw(st.integers(1, 4))
    weights = [[draw(weight) for _ in maxima] for _ in range(samples)]
    codes = [c.code for c in criteria.criteria]
    points = pd.DataFrame(cells, columns=codes, index=[f"Đơn vị {i}" for i in range(units)])
    return points, np.array(weights)


def with_thresholds(criteria, thresholds: dict[str, np.ndarray]):
    """The criteria with the level thresholds of some parts replaced (one sample's)."""
    parts = [
        part.model_copy(
            update={
                "levels": [
                    level.model_copy(update={"min_rate": float(rate)})
                    for level, rate in zip(part.levels, thresholds[part.code], strict=True)
                ]
            }
        )
        if part.code in thresholds
        else part
        for part in criteria.parts
    ]
    return criteria.model_copy(update={"parts": parts})


@st.composite
def varied_inputs(draw, criteria, samples: int):
    """Thresholds of some parts (each level's anywhere in [0, 1]: they may even cross) and
    assessor points of some parts, one draw per sample; or none."""
    thresholds, noise = {}, {}
    for part in criteria.parts:
        if draw(st.booleans()):
            rates = st.floats(0, 1) | st.sampled_from([0.8, 0.85, 0.9])
            levels = [[draw(rates) for _ in part.levels] for _ in range(samples)]
            thresholds[part.code] = np.array(levels)
        if draw(st.booleans()):
            keys = [draw(st.integers(0, 2**53)) for _ in range(samples)]
            noise[part.code] = np.array(keys, dtype=np.uint64)
    point_range = draw(st.sampled_from([0.05, 0.5, 0.99]))
    return thresholds or None, noise or None, point_range


@pytest.mark.slow  # 150 examples against the sample-by-sample oracle: seconds of work
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), policy=st.sampled_from(["published", "full"]))
def test_batched_evaluation_equals_aggregate_sample_by_sample(mini_criteria, data, policy):
    # "published" ranks by counting rate keys, "full" by sorting full-precision rates; the
    # thresholds and the assessor points (B1.3 is scored "direct") vary too, or not
    criteria = mini_criteria.model_copy(
        update={"rounding": Rounding(rank_and_classify_on=policy, rate_percent_decimals=1)}
    )
    points, weights = data.draw(points_and_weights(criteria))
    thresholds, noise, point_range = data.draw(varied_inputs(criteria, len(weights)))
    inputs = sens.Inputs(weights, thresholds, noise, point_range)
    evaluation = sens.evaluate(points, criteria, inputs)
    codes = [c.code for c in criteria.criteria]
    for s, row in enumerate(weights):
        own = with_thresholds(criteria, {p: t[s] for p, t in (thresholds or {}).items()})
        moved = sens.moved_points(points, criteria, inputs, s)
        parts, _ = aggregate(moved, own, pd.Series(row, index=codes))
        for part in criteria.parts:
            expected = parts[parts["part"] == part.code]
            names = evaluation.levels[part.code]
            level = [names[i] if i >= 0 else None for i in evaluation.level[part.code][s]]
            rank = [int(r) if r else None for r in evaluation.rank[part.code][s]]
            assert level == [None if pd.isna(v) else v for v in expected["level"]]
            assert rank == [None if pd.isna(v) else int(v) for v in expected["rank"]]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_assessor_points_stay_within_their_range_and_bounds(mini_criteria, data):
    points, weights = data.draw(points_and_weights(mini_criteria))
    share = data.draw(st.sampled_from([0.1, 0.5]))
    keys = np.array([data.draw(st.integers(0, 2**53)) for _ in weights], dtype=np.uint64)
    inputs = sens.Inputs(weights, None, {"B": keys}, share)
    for s in range(len(weights)):
        moved = sens.moved_points(points, mini_criteria, inputs, s)
        # only B1.3 (max 6, "direct") moves, by at most share x 6, within [0, 6]
        others = [c for c in points.columns if c != "B1.3"]
        pd.testing.assert_frame_equal(moved[others], points[others])
        before, after = points["B1.3"], moved["B1.3"]
        assert (before.isna() == after.isna()).all()
        assert ((after - before).abs().dropna() <= share * 6 + 1e-12).all()
        assert after.dropna().between(0, 6).all()


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(st.integers(0, 10_000), min_size=1, max_size=20),
    decimals=st.integers(0, 3),
    nudge=st.sampled_from([0.0, 4e-7, -4e-7, 6e-7, -6e-7, 1e-9]),
)
def test_published_keys_round_half_up_at_and_near_the_half(steps, decimals, nudge):
    # rates whose % lie exactly on a half step (12.345 % at 2 decimals -> 12.35 %, key 1235)
    # or off it by a fraction of a step: float noise below 5e-7 step is absorbed (rounded to
    # 6 decimals first), so the half goes up; 6e-7 below the half is a true "down"
    rates = (np.array(steps) + 0.5 + nudge) / 10.0**decimals / 100
    expected = [step + (1 if nudge > -5e-7 else 0) for step in steps]
    keys = _published_keys(rates[None, :], decimals, None, np.empty((1, len(steps)), np.int32))
    assert keys[0].tolist() == expected


@pytest.fixture(scope="module")
def district():
    return Workspace.at(ROOT / "criteria", ROOT / "data" / "sample").score("huyen", 2020)


@pytest.mark.parametrize("scheme", ["uniform", "dirichlet"])
def test_zero_delta_keeps_every_level_and_rank(district, scheme):
    # δ = 0: multipliers of 1, or an infinite concentration (the official shares exactly)
    chosen = sens.Settings(scheme=scheme, delta=0.0, n=40, sobol_n=0, leave_one_out=False)
    result = sens.analyse(district, chosen)
    assert (result.units["p_keep"] == 1).all()
    assert (result.units["median_rank"] == result.units["nominal_rank"].astype(float)).all()
    assert (result.overall["mean_abs_shift"] == 0).all()
    assert (result.overall["share_moved"] == 0).all()
    assert (result.overall["units_at_risk"] == 0).all()
    assert (result.one_at_a_time["level_changes"] == 0).all()


def test_same_seed_same_tables_other_seed_other_samples(district):
    chosen = sens.Settings(n=300, seed=7, sobol_n=64, delta=0.4)
    first, again = sens.analyse(district, chosen), sens.analyse(district, chosen)
    for title, table in sens.tables(first).items():
        pd.testing.assert_frame_equal(table, sens.tables(again)[title])
    other = sens.analyse(district, sens.Settings(n=300, seed=8, sobol_n=64, delta=0.4))
    assert not first.per_sample.equals(other.per_sample)


def test_dirichlet_sample_means_approach_official_shares(district):
    criteria = district.criteria
    table = criteria.criteria_table()
    official = table["max"] / table.groupby("part")["max"].transform("sum")

    def mean_error(n: int) -> float:
        chosen = sens.Settings(scheme="dirichlet", concentration=20.0, n=n, seed=11)
        weights = sens.sample_multipliers(criteria, chosen) * table["max"].to_numpy()
        totals = pd.DataFrame(weights).T.groupby(table["part"].to_numpy()).transform("sum").T
        shares = weights / totals.to_numpy()
        return float(np.abs(shares.mean(axis=0) - official.to_numpy()).max())

    # a share's sd is at most sqrt(0.25/21) = 0.11; its mean over 20 000 draws has sd < 0.0008
    assert mean_error(20_000) < 0.004
    assert mean_error(20_000) < mean_error(20)


def test_uniform_multipliers_stay_within_delta_and_groups_share_one(district):
    chosen = sens.Settings(by="group", n=500, delta=0.3, seed=2)
    weights = sens.sample_multipliers(district.criteria, chosen)
    assert weights.min() >= 0.7 and weights.max() <= 1.3
    groups = district.criteria.criteria_table()["group"]
    for group in groups.unique():
        same = weights[:, (groups == group).to_numpy()]
        assert (same == same[:, [0]]).all()


# Three groups; G3 gives every unit the same 3 of 5 points. Rates stay under 90 %, levels
# need 98 %, so no level ever changes; G3's weight scales every unit's rate the same way
# and cannot reorder them: its Sobol indices must be about zero.
THREE_GROUPS = (
    TWO_GROUPS.replace("max: 10", "max: 15")
    .replace("min_rate: 0.85", "min_rate: 0.99")
    .replace("min_rate: 0.75", "min_rate: 0.98")
    .replace(
        '  - {field: b, label: "Điểm nhóm 2"}',
        '  - {field: b, label: "Điểm nhóm 2"}\n  - {field: c, label: "Điểm nhóm 3"}',
    )
    + """\
      - {code: G3, name: "Nhóm ba", max: 5,
         criteria: [{code: c3, name: "Tiêu chí ba", max: 5, method: direct, field: c}]}
"""
)


def test_group_with_equal_points_has_sobol_near_zero(tmp_path):
    rows = [
        {"don_vi": f"Đơn vị {i}", "a": a, "b": b, "c": "3", "khong_ap_dung": ""}
        for i, (a, b) in enumerate([(4.5, 1), (1, 4.5), (3, 3), (4, 2), (2, 4), (2.5, 3.4)])
    ]
    result = workspace_with(tmp_path, THREE_GROUPS, rows)
    study = sens.analyse(result, sens.Settings(n=100, sobol_n=256, delta=0.5, seed=5))
    sobol = study.sobol.set_index(["output", "group"])
    shift = sobol.loc["mean_abs_shift"]
    assert shift.loc["G3", "ST"] < 0.02 and abs(shift.loc["G3", "S1"]) < 0.02
    assert shift.loc["G1", "ST"] > 0.2 and shift.loc["G2", "ST"] > 0.2
    # no level ever changes: nothing to share out, every index 0
    assert (sobol.loc["level_changes"][["S1", "ST"]] == 0).all().all()


def test_settings_reject_bad_values_in_vietnamese():
    with pytest.raises(ValueError, match="cách lấy mẫu «normal» không có"):
        sens.Settings(scheme="normal")
    with pytest.raises(ValueError, match="δ"):
        sens.Settings(delta=1.0)
    with pytest.raises(ValueError, match="số nguyên từ 1 đến"):
        sens.Settings(n=0)
    with pytest.raises(ValueError, match="độ tập trung"):
        sens.Settings(concentration=-1.0)
    with pytest.raises(ValueError, match=r"\(--sobol-n\) phải là 0 hoặc một lũy thừa của 2"):
        sens.Settings(sobol_n=1000)
    with pytest.raises(ValueError, match="--leave-one-out phải là có hoặc không"):
        sens.Settings(leave_one_out=1)
    with pytest.raises(ValueError, match="hạt giống"):
        sens.Settings(seed=1.5)


DEFAULT_TEXTS = {option.name: option.default_text for option in sens.OFFERED}
"""The text of every option of ``cqdt sensitivity`` left at its default."""


def test_command_defaults_read_back_as_the_settings_defaults():
    assert sens.read_settings(DEFAULT_TEXTS) == sens.Settings()


def test_each_choice_setting_offers_exactly_the_values_of_its_type():
    # the Literal of a Settings field (for readers and type checkers) and the values checked
    hints = typing.get_type_hints(sens.Settings)
    choosing = [option for option in sens.OPTIONS if option.choices is not None]
    assert [option.name for option in choosing] == ["scheme", "by"]
    for option in choosing:
        assert typing.get_args(hints[option.name]) == tuple(option.choices)


def test_zero_delta_is_taken_by_the_package_and_refused_for_a_published_study():
    # δ = 0 varies nothing: Settings takes it (see test_zero_delta_keeps_every_level_and_rank),
    # the command and the report's parameters refuse it
    from cqdt.publishing.kinds.sensitivity import Parameters as SensitivityParameters

    assert sens.Settings(delta=0).delta == 0
    with pytest.raises(
        ValueError, match=r"--delta \(δ\) phải lớn hơn 0 và nhỏ hơn 1, không phải «0»"
    ):
        sens.read_settings({**DEFAULT_TEXTS, "delta": "0"})
    with pytest.raises(ValueError, match=r"tham số «delta» = 0\.0 không hợp lệ"):
        SensitivityParameters.checked({"level": "huyen", "year": 2020, "delta": 0.0})


@pytest.mark.parametrize(
    ("name", "inside", "outside"),
    [
        ("n", 1, 0),
        ("n", 1_000_000, 1_000_001),
        ("delta", 0.001, 0.0),
        ("delta", 0.999, 1.0),
        ("concentration", 0.001, -0.001),
        ("concentration", 0, -1),
        ("seed", 0, -1),
        ("top_k", 1, 0),
        ("sobol_n", 0, 3),
        ("sobol_n", 2, 1),
        ("sobol_n", 65_536, 131_072),
        ("point_range", 0, 1),
        ("point_range", 0.999, -0.1),
        ("threshold_range", 19.9, 20),
        ("threshold_range", 0, -1),
    ],
)
def test_command_and_report_parameters_share_each_bound(name, inside, outside):
    from cqdt.publishing.kinds.sensitivity import Parameters as SensitivityParameters

    kind = next(option.kind for option in sens.OPTIONS if option.name == name)
    chosen = {"level": "huyen", "year": 2020}
    assert getattr(sens.read_settings({**DEFAULT_TEXTS, name: str(inside)}), name) == inside
    assert getattr(SensitivityParameters.checked({**chosen, name: kind(inside)}), name) == inside
    with pytest.raises(ValueError, match="phải"):
        sens.read_settings({**DEFAULT_TEXTS, name: str(outside)})
    with pytest.raises(ValueError, match=f"tham số «{name}»"):
        SensitivityParameters.checked({**chosen, name: kind(outside)})


def test_tables_have_vietnamese_headers_and_percent_probabilities(three_units, tmp_path):
    result = sens.analyse(three_units, sens.Settings(top_k=1, sobol_n=0), multipliers=SCENARIOS)
    sheets = sens.tables(result)
    units = sheets[sens.UNITS_SHEET]
    assert units["Xác suất giữ mức (%)"].tolist() == [25.0, 75.0, 100.0]
    # √(0.25 x 0.75 / 4) = 0.2165: 21.7 points
    assert units["Sai số chuẩn (điểm %)"].tolist() == [21.7, 21.7, 0.0]
    assert units["Sát ngưỡng"].tolist() == ["", "có", "có"]
    assert "Xác suất trong 1 hạng đầu (%)" in units.columns
    # U1 80 % against thresholds 85 % and 75 % of 10 points: 0.5 under the level I one
    assert units["Ngưỡng gần nhất"].tolist() == ["mức I", "mức II", "mức I"]
    assert units["Cách ngưỡng (điểm; + là trên ngưỡng)"].tolist() == [-0.5, -0.5, -0.5]
    written = sens.write_tables(result, tmp_path / "out")
    assert sorted(p.name for p in written) == [
        "do-nhay-huyen-2020-hoi-tu.csv",
        "do-nhay-huyen-2020-mot-nhan-to.csv",
        "do-nhay-huyen-2020-sobol.csv",
        "do-nhay-huyen-2020-theo-don-vi.csv",
        "do-nhay-huyen-2020-tong-the.csv",
        "do-nhay-huyen-2020-tuong-duong-delta.csv",
        "do-nhay-huyen-2020-uoc-luong-dan.csv",
        "do-nhay-huyen-2020.xlsx",
    ]
    again = pd.read_csv(
        tmp_path / "out" / "do-nhay-huyen-2020-theo-don-vi.csv", encoding="utf-8-sig"
    )
    assert again["Đơn vị"].tolist() == ["U1", "U2", "U3"]


def test_result_builds_its_tables_once_and_writing_leaves_them_as_built(three_units, tmp_path):
    result = sens.analyse(three_units, sens.Settings(top_k=1, sobol_n=0), multipliers=SCENARIOS)
    assert result.tables is result.tables
    sens.write_tables(result, tmp_path / "out", output_warnings(True, True))
    for title, table in sens.tables(result).items():
        pd.testing.assert_frame_equal(result.tables[title], table)


# --- the command and the report, for real ------------------------------------------------

SAMPLE_ARGS = ["--criteria", str(ROOT / "criteria"), "--data", str(ROOT / "data" / "sample")]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--delta", "0"], "--delta (δ) phải lớn hơn 0 và nhỏ hơn 1, không phải «0»"),
        (["--delta", "1"], "--delta (δ) phải lớn hơn 0 và nhỏ hơn 1"),
        (["--delta", "nhỏ"], "--delta (δ) phải là một số lớn hơn 0 và nhỏ hơn 1"),
        (["--n", "0"], "số mẫu N (--n) phải là số nguyên từ 1 đến 1.000.000, không phải «0»"),
        (["--n", "2000000"], "số mẫu N (--n) phải là số nguyên từ 1 đến 1.000.000"),
        (["--n", "1e3"], "số mẫu N (--n) phải là số nguyên dương, không phải «1e3»"),
        (["--concentration", "-2"], "độ tập trung (--concentration) phải là số dương"),
        (["--scheme", "normal"], "cách lấy mẫu «normal» không có"),
        (["--by", "nhom"], "--by phải là criterion hoặc group, không phải «nhom»"),
        (["--seed", "1.5"], "hạt giống ngẫu nhiên (--seed) phải là số nguyên, không phải «1.5»"),
        (["--seed", "-3"], "(--seed) phải là số nguyên không âm, không phải «-3»"),
        (["--top-k", "10"], "--top-k = 10 lớn hơn số đơn vị được đánh giá (9)"),
        (
            ["--sobol-n", "1000"],
            "cỡ mẫu gốc Sobol (--sobol-n) phải là 0 hoặc một lũy thừa của 2 từ 2 đến 65.536, "
            "không phải «1000»",
        ),
        (["--sobol-n", "nhiều"], "(--sobol-n) phải là số nguyên, không phải «nhiều»"),
        (
            ["--point-range", "1"],
            "(--point-range) phải lớn hơn 0 và nhỏ hơn 1, hoặc 0 (không dùng), không phải «1»",
        ),
        (["--threshold-range", "-2"], "(--threshold-range) phải lớn hơn 0 và nhỏ hơn 20"),
        (["--level", "all"], "--level phải là tinh, huyen hoặc xa"),
    ],
)
def test_bad_options_stop_with_a_vietnamese_error_before_any_work(tmp_path, options, message):
    out = tmp_path / "ket-qua"
    with pytest.raises(SystemExit) as stopped:
        main(["sensitivity", *SAMPLE_ARGS, "--year", "2020", "--out", str(out), *options])
    assert message in str(stopped.value.code)
    assert str(stopped.value.code).startswith("Lỗi: ")
    assert not out.exists()


def test_group_factors_need_a_part_with_two_groups(tmp_path, mini_criteria_file):
    # the mini criteria set has one group per part: a group weight cannot change anything
    (tmp_path / "tc" / "v").mkdir(parents=True)
    (tmp_path / "tc" / "v" / "huyen.yaml").write_bytes(mini_criteria_file.read_bytes())
    (tmp_path / "dl" / "2020").mkdir(parents=True)
    write_survey(tmp_path / "dl" / "2020" / "huyen.csv", MINI_SURVEY)
    args = ["sensitivity", "--criteria", str(tmp_path / "tc"), "--data", str(tmp_path / "dl")]
    with pytest.raises(SystemExit) as stopped:
        main([*args, "--by", "group", "--out", str(tmp_path / "o")])
    assert "--by group: không nhóm nào mang được trọng số riêng" in str(stopped.value.code)
    assert not (tmp_path / "o").exists()


def test_assessor_range_needs_a_criterion_scored_by_an_assessor(mini_criteria):
    # the mini criteria set with its one "direct" criterion scored per item instead
    scored = [
        c.model_copy(update={"method": "per_item", "points_per_item": 1.0})
        if c.method == "direct"
        else c
        for c in mini_criteria.parts[1].groups[0].criteria
    ]
    group = mini_criteria.parts[1].groups[0].model_copy(update={"criteria": scored})
    part = mini_criteria.parts[1].model_copy(update={"groups": [group]})
    criteria = mini_criteria.model_copy(update={"parts": [mini_criteria.parts[0], part]})
    with pytest.raises(ValueError, match=r"--point-range: bộ tiêu chí thu-nghiem .* không có"):
        sens.check_fits(sens.Settings(point_range=0.1), criteria, 3)
    sens.check_fits(sens.Settings(point_range=0.1), mini_criteria, 3)


def test_leave_one_out_is_a_flag_of_the_command():
    texts = {**DEFAULT_TEXTS, "leave_one_out": "có"}
    assert sens.read_settings(texts).leave_one_out is True
    assert sens.read_settings(DEFAULT_TEXTS).leave_one_out is False


def test_missing_option_value_is_explained_without_argparse_english(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["sensitivity", "--n"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "Lỗi (cqdt sensitivity): tùy chọn --n cần một giá trị" in err
    assert "usage" not in err and "argument" not in err


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


@pytest.fixture(scope="module")
def command_run(sensitivity_run) -> dict:
    """The shared `cqdt sensitivity` run, its pages and the same study redone in Python."""
    folder = sensitivity_run / "huyen-2020"
    result = Workspace.at(ROOT / "criteria", ROOT / "data" / "sample").score("huyen", 2020)
    study = sens.analyse(result, sens.Settings(**SENSITIVITY_SETTINGS))
    return {
        "run": sensitivity_run,
        "folder": folder,
        "html": (folder / "do-nhay-huyen-2020.html").read_text(encoding="utf-8"),
        "pdf": folder / "do-nhay-huyen-2020.pdf",
        "study": study,
    }


def test_notebook_parameters_are_the_model_fields():
    from cqdt.publishing.kinds import KINDS, kind_module, sensitivity

    assert "do-nhay" in KINDS and kind_module("do-nhay") is sensitivity
    names = set(papermill.inspect_notebook(str(sensitivity.Parameters.notebook_path())))
    assert names == set(sensitivity.Parameters.model_fields)


def test_notebook_parameter_cell_keeps_the_defaults_of_the_definition():
    # the cell keeps literal values for interactive use in JupyterLab: they must not drift
    from cqdt.publishing.kinds.sensitivity import Parameters as SensitivityParameters

    cell = papermill.inspect_notebook(str(SensitivityParameters.notebook_path()))
    for option in sens.OFFERED:
        assert ast.literal_eval(cell[option.name]["default"]) == option.default, option.name


@pytest.mark.slow
def test_run_folder_has_report_tables_index_and_manifest(command_run):
    names = sorted(p.name for p in command_run["folder"].iterdir())
    assert names == [
        "do-nhay-huyen-2020-bo-tung-nhom.csv",
        "do-nhay-huyen-2020-hoi-tu.csv",
        "do-nhay-huyen-2020-mot-nhan-to.csv",
        "do-nhay-huyen-2020-sobol.csv",
        "do-nhay-huyen-2020-theo-don-vi.csv",
        "do-nhay-huyen-2020-tong-the.csv",
        "do-nhay-huyen-2020-tuong-duong-delta.csv",
        "do-nhay-huyen-2020-uoc-luong-dan.csv",
        "do-nhay-huyen-2020.html",
        "do-nhay-huyen-2020.ipynb",
        "do-nhay-huyen-2020.pdf",
        "do-nhay-huyen-2020.xlsx",
        "ho-so-tai-lap-do-nhay-huyen-2020.html",  # the audit record every report has
        "ho-so-tai-lap-do-nhay-huyen-2020.pdf",
    ]
    manifest = json.loads((command_run["run"] / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = manifest["runs"]
    assert entry["kind"] == "do-nhay" and entry["status"] == "thành công"
    assert entry["parameters"]["n"] == 2000 and entry["parameters"]["seed"] == 42
    assert entry["parameters"]["leave_one_out"] is True
    assert "Phân tích độ nhạy của trọng số" in (command_run["run"] / "index.html").read_text(
        encoding="utf-8"
    )


@pytest.mark.slow
def test_tables_written_and_shown_equal_the_package_results(command_run):
    expected = sens.tables(command_run["study"])
    written = pd.read_csv(
        command_run["folder"] / "do-nhay-huyen-2020-theo-don-vi.csv", encoding="utf-8-sig"
    )
    units = expected[sens.UNITS_SHEET]
    assert written["Xác suất giữ mức (%)"].tolist() == units["Xác suất giữ mức (%)"].tolist()
    assert written["Hạng trung vị"].tolist() == units["Hạng trung vị"].astype(float).tolist()
    shown = pd.read_html(
        io.StringIO(command_run["html"]),
        attrs={"class": "dataframe bang do-nhay-don-vi trai-4"},
        decimal=",",
        thousands=".",
        keep_default_na=False,
    )
    assert len(shown) == 3  # parts A, B, C
    for part, table in zip("ABC", shown, strict=True):
        own = units[units["Phần"] == part].set_index("Đơn vị").loc[table["Đơn vị"]]
        assert table["Hạng chính thức"].tolist() == own["Hạng chính thức"].tolist()
        assert table["Hạng mức 95%"].tolist() == own["Hạng mức 95%"].tolist()
        assert table["Xác suất giữ mức (%)"].tolist() == own["Xác suất giữ mức (%)"].tolist()
        assert table["Sát ngưỡng"].tolist() == own["Sát ngưỡng"].tolist()
        assert table["Điểm quy đổi"].tolist() == pytest.approx(own["Điểm quy đổi"].tolist())
    sobol = pd.read_csv(command_run["folder"] / "do-nhay-huyen-2020-sobol.csv")
    pd.testing.assert_frame_equal(
        sobol.drop(columns=NOTE_COLUMN), expected[sens.SOBOL_SHEET].reset_index(drop=True)
    )


@pytest.mark.slow
def test_conclusion_counts_units_and_says_where_they_would_move(command_run):
    study = command_run["study"]
    units = study.units
    page = squash(command_run["html"])
    names = {"A": "Điều kiện sẵn sàng chính quyền điện tử", "B": "Kết quả chính quyền điện tử"}
    for part, name in names.items():
        own = units[units["part"] == part]
        keep = int((own["p_keep"] >= 0.95).sum())
        assert f"Phần {part}. {name}: {keep}/9 đơn vị giữ mức trong ít nhất 95% số mẫu" in page
    # Phú Vang in part A, worked out from its level probabilities in the study
    vang = units[(units["part"] == "A") & (units["unit"] == "Huyện Phú Vang")].iloc[0]
    keep, down = (round(vang[c] * 100) for c in ("p_level_I", "p_level_II"))
    assert f"Huyện Phú Vang (giữ mức I: {keep}%; xuống mức II: {down}%)" in page


@pytest.mark.slow
def test_report_has_no_code_and_the_pdf_keeps_vietnamese_headings(command_run):
    page = command_run["html"]
    assert "report.prepare" not in page and "from_namespace" not in page
    assert "http://" not in page and "https://" not in page
    text = squash(" ".join(p.extract_text() for p in PdfReader(command_run["pdf"]).pages))
    for heading in (
        "PHÂN TÍCH ĐỘ NHẠY",
        "Câu hỏi và phương pháp",
        "Số mẫu có đủ không",
        "Độ bất định của thứ hạng",
        "Khả năng giữ mức của từng đơn vị",
        "Ảnh hưởng của từng nhân tố khi đổi riêng",
        "Chỉ số Sobol",
        "Bỏ lần lượt từng nhóm",
        "Kết luận",
        "BẢN TÁI DỰNG TIÊU CHÍ",
        "DỮ LIỆU GIẢ LẬP",
        "Độ tập trung Dirichlet tương đương δ = 0,2",
    ):
        assert heading in text
    assert "-0,00" not in text


def official_context(level: str):
    """The official report's context of a sample level in 2020 (it runs the robustness study)."""
    params = official_report.Parameters(
        level=level,
        year=2020,
        criteria_dir=str(ROOT / "criteria"),
        data_dir=str(ROOT / "data" / "sample"),
    )
    return official_report.prepare(params)


def test_official_report_shows_the_documented_robustness_run():
    ctx = official_context("huyen")
    page = squash(official_report.robustness(ctx).data)
    assert "Độ vững của kết quả" in page and "10.000 mẫu, hạt giống 1784" in page
    assert "đến 1%" in page  # the rounding rule
    # its table prints no standard errors, and the text does not say it does
    assert "sai số chuẩn của nó" not in page and "Sai số chuẩn" not in page
    # «sát ngưỡng» checkable from the page: 2 × √(0,95 × 0,05 / 10.000) = 0,44 points
    assert "không quá 2 sai số chuẩn tính tại 95% (± 0,44 điểm %)" in page
    (shown,) = pd.read_html(
        io.StringIO(page), attrs={"class": "dataframe bang do-vung"}, decimal=",", thousands="."
    )
    # the documented default: uniform multipliers per criterion, δ = 0.2, N = 10,000, seed 1784
    documented = sens.Settings(scheme="uniform", by="criterion", n=10_000, delta=0.2, seed=1784)
    study = sens.analyse(ctx.result, documented)
    for part in "ABC":
        own = study.units[study.units["part"] == part].set_index("unit").loc[shown["Đơn vị"]]
        assert shown[f"Phần {part}: mức"].tolist() == own["nominal_level"].tolist()
        shown_keep = shown[f"Phần {part}: xác suất giữ mức (%)"].astype(str)
        assert [float(v.split(" ")[0].replace(",", ".")) for v in shown_keep] == pytest.approx(
            sens.keep_percent(own["p_keep"], 10_000).tolist()
        )
    # a unit at risk is named with the levels it would move to
    vang = study.units[(study.units["part"] == "A") & (study.units["unit"] == "Huyện Phú Vang")]
    words = sens.level_chances(vang.iloc[0], ["I", "II", "III"], 10_000)
    assert f"Huyện Phú Vang ({words})" in page


def test_official_robustness_table_lists_the_units_that_may_move_and_counts_the_rest():
    ctx = official_context("xa")
    page = squash(official_report.robustness(ctx).data)
    (shown,) = pd.read_html(
        io.StringIO(page), attrs={"class": "dataframe bang do-vung"}, decimal=",", thousands="."
    )
    units = ctx.robustness.units
    moving = set(units.loc[units["p_keep"] < 1, "unit"])
    assert set(shown["Đơn vị"]) == moving and 0 < len(moving) < 145
    assert f"{145 - len(moving)} đơn vị còn lại giữ mức đã công bố ở mọi phần" in page
    kept = units[~units["unit"].isin(moving)]
    assert (kept["p_keep"] == 1).all()  # nobody left out who might move


def test_unknown_option_is_explained_without_argparse_english(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["sensitivity", "--samples", "10"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "tùy chọn hoặc tham số không được biết: --samples 10" in err and "usage" not in err
