"""The model of a sensitivity study and how precisely it is read: schemes, the δ a Dirichlet
concentration corresponds to, Sobol on the study's own factors, thresholds and assessor
points, standard errors, «sát ngưỡng», convergence, words for level moves."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from SALib.analyze import sobol as salib_sobol

from cqdt import sensitivity as sens
from cqdt.publishing.kinds.sensitivity import conclusion_sentences, sobol_sentence
from cqdt.sensitivity.effects import indices, sobol_groups
from cqdt.sensitivity.sample import extremes, inputs
from cqdt.sensitivity.settings import sobol_base
from cqdt.workspace import Workspace
from tests.conftest import ROOT
from tests.test_sensitivity import TWO_GROUPS, workspace_with


@pytest.fixture(scope="module")
def district():
    return Workspace.at(ROOT / "criteria", ROOT / "data" / "sample").score("huyen", 2020)


@pytest.fixture
def three_units(tmp_path):
    # as in test_sensitivity: U1 80 % II, U2 70 % III, U3 80 % II (c2 not applicable)
    return workspace_with(
        tmp_path,
        TWO_GROUPS,
        [
            {"don_vi": "U1", "a": "5", "b": "3", "khong_ap_dung": ""},
            {"don_vi": "U2", "a": "2", "b": "5", "khong_ap_dung": ""},
            {"don_vi": "U3", "a": "4", "b": "", "khong_ap_dung": "c2"},
        ],
    )


# --- Dirichlet concentration and δ -------------------------------------------------------


def test_concentration_for_delta_worked_by_hand():
    # two equal shares, δ = 0.2: c + 1 = 3 (2 − 1) / (0.04 × (1 − 0.5)) = 150
    assert sens.concentration_for_delta([0.5, 0.5], 0.2) == pytest.approx(149)
    # and back
    assert sens.delta_for_concentration([0.5, 0.5], 149) == pytest.approx(0.2)
    # shares 0.6, 0.3, 0.1: 1 − Σs² = 0.54; δ = 0.1: c = 3 × 2 / (0.01 × 0.54) − 1 = 1110.11
    assert sens.concentration_for_delta([0.6, 0.3, 0.1], 0.1) == pytest.approx(6 / 0.0054 - 1)


def _relative_variance(weights: np.ndarray, shares: np.ndarray) -> float:
    """Share-weighted mean of Var(w_i / s_i) over a part's factors."""
    return float((shares * (weights / shares).var(axis=0)).sum())


@pytest.mark.parametrize("part", ["A", "B"])
def test_equivalent_concentration_varies_weights_as_much_as_uniform(district, part):
    # independent check against samples drawn directly with numpy, not with the package
    factors = sens.factors(district.criteria, "criterion")
    shares = factors[factors["part"] == part]["share"].to_numpy()
    rng = np.random.default_rng(5)
    uniform = shares * rng.uniform(0.8, 1.2, size=(200_000, len(shares)))
    uniform /= uniform.sum(axis=1, keepdims=True)
    concentration = sens.concentration_for_delta(shares, 0.2)
    dirichlet = rng.dirichlet(concentration * shares, size=200_000)
    # first order in δ: within 1 % at δ = 0.2 (sampling error of each about 0.3 %)
    assert _relative_variance(dirichlet, shares) == pytest.approx(
        _relative_variance(uniform, shares), rel=0.02
    )


def test_concentrations_follow_the_settings(district):
    table = sens.concentrations(district.criteria, sens.Settings(scheme="dirichlet"))
    a = table.set_index("part").loc["A"]
    assert a["factors"] == 14 and a["delta"] == 0.2
    shares = sens.factors(district.criteria, "criterion").query("part == 'A'")["share"]
    assert a["concentration"] == pytest.approx(sens.concentration_for_delta(shares, 0.2))
    given = sens.concentrations(
        district.criteria, sens.Settings(scheme="dirichlet", concentration=100.0)
    )
    b = given.set_index("part").loc["B"]
    assert b["concentration"] == 100
    shares_b = sens.factors(district.criteria, "criterion").query("part == 'B'")["share"]
    assert b["delta"] == pytest.approx(sens.delta_for_concentration(shares_b, 100))
    # the old default of 100 is a far larger change than δ = 0.2 (the finding)
    assert b["delta"] > 0.5


def test_dirichlet_through_gamma_quantiles_has_the_dirichlet_moments(district):
    # the independent parametrisation (one uniform variable per factor, Gamma quantiles,
    # normalised per part) must give Dirichlet(c s): mean s, variance s (1 − s) / (c + 1)
    chosen = sens.Settings(scheme="dirichlet", concentration=40.0, n=40_000, seed=3)
    weights = sens.sample_multipliers(district.criteria, chosen)
    table = district.criteria.criteria_table()
    part_b = (table["part"] == "B").to_numpy()
    shares = (table["max"] / table.groupby("part")["max"].transform("sum")).to_numpy()[part_b]
    sampled = weights[:, part_b] * shares
    sampled /= sampled.sum(axis=1, keepdims=True)
    assert sampled.mean(axis=0) == pytest.approx(shares, abs=0.002)
    assert sampled.var(axis=0) == pytest.approx(shares * (1 - shares) / 41, rel=0.05)


def test_simplex_is_uniform_on_the_simplex(three_units):
    # two factors, Dirichlet(1, 1): the first share is uniform on [0, 1]
    weights = sens.sample_multipliers(
        three_units.criteria, sens.Settings(scheme="simplex", n=20_000, seed=9)
    )
    share = weights[:, 0] * 0.5 / (weights[:, 0] * 0.5 + weights[:, 1] * 0.5)
    assert np.histogram(share, bins=4, range=(0, 1))[0] / 20_000 == pytest.approx(
        [0.25] * 4, abs=0.015
    )


def test_one_at_a_time_dirichlet_ends_are_the_share_quantiles(district):
    chosen = sens.Settings(scheme="dirichlet", n=1)
    table = sens.variables(district.criteria, chosen)
    rows, _ = extremes(district.criteria, chosen, table)
    own = rows[rows["factor"] == "B2.1"].set_index("end")["value"]
    factors = sens.factors(district.criteria, "criterion").set_index("factor")
    shares = factors[factors["part"] == "B"]["share"]
    concentration = sens.concentration_for_delta(shares, 0.2)
    draws = np.random.default_rng(1).dirichlet(concentration * shares, size=100_000)
    share = draws[:, list(shares.index).index("B2.1")]
    # 5 % and 95 % of draws fall beyond the two ends (sampling error about 0.1 %)
    assert (share < own["low"]).mean() == pytest.approx(0.05, abs=0.004)
    assert (share > own["high"]).mean() == pytest.approx(0.05, abs=0.004)


# --- one model for every analysis ---------------------------------------------------------


def test_sobol_uses_the_study_factors_and_keeps_single_group_parts(district):
    chosen = sens.Settings(by="criterion", threshold_range=1.0, point_range=0.1)
    table = sens.variables(district.criteria, chosen)
    groups = sobol_groups(table, district.criteria)
    # part C has one group: its three criteria are its Sobol groups
    expected = ["C1.1", "C1.2", "C1.3", "ngưỡng I", "ngưỡng II"]
    assert sorted(set(groups[table["part"] == "C"])) == expected
    # part A: its three groups, each threshold, and the assessor's points (A3.5 is direct)
    assert list(pd.unique(groups[table["part"] == "A"])) == [
        "A1",
        "A2",
        "A3",
        "ngưỡng I",
        "ngưỡng II",
        "điểm thẩm định",
    ]
    # one variable per criterion, as in the Monte Carlo
    weights = table[table["kind"] == "weight"]
    assert list(weights["factor"]) == [c.code for c in district.criteria.criteria]


def test_sobol_indices_equal_salib_output_by_output():
    rng = np.random.default_rng(3)
    groups, n = 3, 256
    y = rng.random(((groups + 2) * n, 4))
    y[:, 1] = np.round(y[:, 1] * 3)  # a discrete output
    y[:, 3] = 2.0  # a constant one: no variance, indices 0
    found = indices(y, groups, seed=7)
    problem = {"num_vars": groups, "names": ["a", "b", "c"], "bounds": [[0, 1]] * groups}
    for output in range(3):
        expected = salib_sobol.analyze(problem, y[:, output], calc_second_order=False, seed=7)
        for key in ("S1", "S1_conf", "ST", "ST_conf"):
            assert np.array_equal(np.asarray(expected[key]), found[output][key]), key
    assert all((found[3][key] == 0).all() for key in found[3])


def test_sobol_of_an_additive_model_matches_its_analytic_indices(three_units):
    # y = u1 + 2 u2 with u1, u2 independent U(0, 1): variances 1/12 and 4/12, so
    # S1 = ST = 1/5 and 4/5; computed with SALib's design and our estimator
    from SALib.sample import sobol as salib_sample

    problem = {"num_vars": 2, "names": ["u1", "u2"], "bounds": [[0, 1]] * 2}
    x = salib_sample.sample(problem, 4096, calc_second_order=False, seed=1)
    (found,) = indices((x[:, 0] + 2 * x[:, 1])[:, None], 2, seed=2)
    assert found["S1"] == pytest.approx([0.2, 0.8], abs=0.02)
    assert found["ST"] == pytest.approx([0.2, 0.8], abs=0.02)


def test_sobol_base_is_halved_for_many_units():
    assert sobol_base(16_384, 145) == 16_384
    # 2^24 cells: 10,000 units take at most 1,677 samples per column, so 1,024
    assert sobol_base(16_384, 10_000) == 1024
    assert sobol_base(0, 10_000) == 0


def test_sobol_outputs_are_per_part_with_the_units_at_risk(district):
    study = sens.analyse(district, sens.Settings(n=2000, sobol_n=256, seed=4))
    sobol = study.sobol
    assert set(sobol["part"]) == {"A", "B", "C"}
    # within a part, only that part's groups
    assert set(sobol[sobol["part"] == "B"]["group"]) == {"B1", "B2", "B3", "B4"}
    risky = study.units[(study.units["p_keep"] < 0.95) | study.units["near_cutoff"]]
    converted = sobol[sobol["output"] == "converted"]
    assert set(zip(converted["part"], converted["unit"], strict=True)) == set(
        zip(risky["part"], risky["unit"], strict=True)
    )


# --- thresholds and assessor points -------------------------------------------------------


def test_threshold_uncertainty_worked_by_hand(three_units):
    # U1 and U3 sit at 80 %, U2 at 70 %; level I needs 85 %, level II 75 %. A threshold
    # moves by (2X − 1) x 10 points: X = 0 takes 10 off, X = 1 adds 10, X = 0.25 takes 5 off
    chosen = sens.Settings(threshold_range=10.0, n=1)
    table = sens.variables(three_units.criteria, chosen)
    thresholds = table[table["kind"] == "threshold"]
    assert list(thresholds["factor"]) == ["I", "II"]  # level III (0 %) never moves
    x = np.full((3, len(table)), 0.5)
    x[0, thresholds.index] = [0.0, 0.5]  # I at 75 %: U1, U3 reach it
    x[1, thresholds.index] = [0.5, 1.0]  # II at 85 %: U1, U3 fall to III
    x[2, thresholds.index] = [0.5, 0.25]  # II at 70 %: U2 (70 %) reaches II
    moved = inputs(three_units.criteria, chosen, table, x)
    expected = np.array([[0.75, 0.75], [0.85, 0.85], [0.85, 0.7]])
    assert moved.thresholds["P"][:, :2] == pytest.approx(expected)
    evaluation = sens.evaluate(three_units.points, three_units.criteria, moved)
    names = evaluation.levels["P"]
    levels = [[names[i] for i in row] for row in evaluation.level["P"]]
    assert levels == [["I", "III", "I"], ["III", "III", "III"], ["II", "II", "II"]]


def test_assessor_points_move_a_unit_on_a_threshold(three_units):
    # U1 at exactly 80 %; with c1 and c2 (both "direct") moving by up to ± 20 % of 5 points,
    # U1's rate moves around 80 %, never below 60 % nor above 100 %
    study = sens.analyse(
        three_units, sens.Settings(point_range=0.2, n=4000, sobol_n=0, seed=2, top_k=1)
    )
    u1 = study.units[study.units["unit"] == "U1"].iloc[0]
    assert 0 < u1["p_level_I"] < 1 and 0 < u1["p_level_III"] < 1
    assert u1["p_level_I"] + u1["p_level_II"] + u1["p_level_III"] == pytest.approx(1)


# --- precision ------------------------------------------------------------------------------


def test_near_cutoff_worked_by_hand(three_units):
    # 10,000 samples: 9,480 official weights and 520 of (2, 1), which put U1 at level I:
    # P(keep U1) = 0.948; the cut-off's error √(0.95 × 0.05 / 10,000) = 0.00218 -> within two
    # (0.00436) of 0.95, so U1 is «sát ngưỡng», not "at risk"; with 600 such samples
    # (P = 0.94, 0.01 away) it is at risk
    near = np.repeat([[1.0, 1.0], [2.0, 1.0]], [9480, 520], axis=0)
    study = sens.analyse(three_units, sens.Settings(sobol_n=0, top_k=1), multipliers=near)
    u1 = study.units.set_index("unit").loc["U1"]
    assert u1["p_keep"] == pytest.approx(0.948) and u1["near_cutoff"]
    assert u1["p_keep_se"] == pytest.approx(np.sqrt(0.948 * 0.052 / 10_000))
    assert list(sens.near_cutoff(study, "P")["unit"]) == ["U1"]
    assert sens.at_risk(study, "P").empty
    risky = np.repeat([[1.0, 1.0], [2.0, 1.0]], [9400, 600], axis=0)
    study = sens.analyse(three_units, sens.Settings(sobol_n=0, top_k=1), multipliers=risky)
    assert list(sens.at_risk(study, "P")["unit"]) == ["U1"]
    # 94 % is printed 94 with its standard error, U1 moves up: words a director reads
    row = study.units.set_index("unit").loc["U1"]
    assert sens.level_chances(row, ["I", "II", "III"], 10_000) == "giữ mức II: 94%; lên mức I: 6%"


def test_precision_rule_and_rounding():
    # largest standard error 50/√N points: 0.5 at 10,000 (whole percent), 0.1 at 250,000
    assert sens.percent_decimals(10_000) == 0 and sens.percent_decimals(250_000) == 1
    assert sens.as_percent(np.array([0.9580, 0.517]), 1000).tolist() == [96.0, 52.0]
    # 94.6 % would print as 95 %, the cut-off, from below: it keeps a decimal
    assert sens.keep_percent(np.array([0.946, 0.9549, 0.9551, 0.62]), 10_000).tolist() == [
        94.6,
        95.0,
        96.0,
        62.0,
    ]
    assert "50/√N" not in sens.precision_rule(10_000)
    assert "lớn nhất 0,5 điểm %" in sens.precision_rule(10_000)


def test_level_moves_in_words():
    row = pd.Series(
        {"nominal_level": "II", "p_level_I": 0.38, "p_level_II": 0.62, "p_level_III": 0.0}
    )
    assert sens.level_chances(row, ["I", "II", "III"], 10_000) == "giữ mức II: 62%; lên mức I: 38%"
    row = pd.Series(
        {"nominal_level": "I", "p_level_I": 0.5, "p_level_II": 0.3, "p_level_III": 0.15}
    )
    assert sens.level_chances(row, ["I", "II", "III"], 10_000) == (
        "giữ mức I: 50%; xuống mức II: 30%; xuống mức III: 15%; không xếp được mức: 5%"
    )
    # 94,6 % just under the 95 % cut-off is said as the tables print it, never «95%»
    row = pd.Series(
        {"nominal_level": "II", "p_level_I": 0.054, "p_level_II": 0.946, "p_level_III": 0.0}
    )
    assert sens.level_chances(row, ["I", "II", "III"], 10_000) == (
        "giữ mức II: 94,6%; lên mức I: 5%"
    )


# --- convergence ----------------------------------------------------------------------------


def test_one_sample_makes_no_claim_of_stability(three_units):
    study = sens.analyse(three_units, sens.Settings(n=1, sobol_n=0, top_k=1))
    assert not study.converged
    from cqdt.publishing.kinds.sensitivity import convergence_sentence

    assert "không thể nói kết quả đã ổn định" in convergence_sentence(study)


def test_batch_means_agree_with_the_binomial_error_and_the_running_estimate_ends_at_p(district):
    study = sens.analyse(district, sens.Settings(n=20_000, sobol_n=0, seed=8))
    rows = study.convergence[study.convergence["statistic"] == "p_keep"]
    # 20 batches: the batch-means error of the largest is within 40 % of the binomial one
    ratio = rows["batch_se"] / rows["se"]
    assert ((ratio > 0.6) & (ratio < 1.4)).all()
    assert study.converged  # 2 x 0.5 / √20,000 = 0.7 point < 2
    for (part, unit), own in study.running.groupby(["part", "unit"]):
        final = study.units[(study.units["part"] == part) & (study.units["unit"] == unit)]
        assert own["samples"].iloc[-1] == 20_000
        assert own["p_keep"].iloc[-1] == pytest.approx(final["p_keep"].iloc[0])


def test_halves_are_independent_and_average_to_the_whole(district):
    study = sens.analyse(district, sens.Settings(n=3000, sobol_n=0, seed=8))
    conv = study.convergence.set_index(["part", "statistic"])
    row = conv.loc[("A", "mean_abs_shift")]
    assert (row["first_half"] + row["second_half"]) / 2 == pytest.approx(row["value"])


# --- conclusions only as far as the intervals allow ------------------------------------------


def test_sobol_sentence_names_a_group_only_when_its_interval_is_clear():
    rows = pd.DataFrame(
        {
            "group": ["A1", "A2", "A3"],
            "name": ["Một", "Hai", "Ba"],
            "ST": [0.70, 0.30, 0.01],
            "ST_conf": [0.05, 0.05, 0.01],
        }
    )
    clear = sobol_sentence(rows, "Số đơn vị đổi mức", 16_384)
    assert "phụ thuộc nhiều nhất vào A1 (Một)" in clear and "0,70 ± 0,05" in clear
    # a small share of variance is said as such, never as "no effect" on levels
    assert "A3 gây dưới 5% phương sai của đầu ra này (ST dưới 0,05)" in clear
    assert "không đáng kể" not in clear and "có thể làm một đơn vị sát ngưỡng đổi mức" in clear
    overlapping = rows.assign(ST=[0.50, 0.45, 0.01], ST_conf=[0.06, 0.06, 0.01])
    unclear = sobol_sentence(overlapping, "Số đơn vị đổi mức", 512)
    assert "chưa đủ chính xác" in unclear and "chồng lên nhau" in unclear
    assert "phụ thuộc nhiều nhất" not in unclear
    narrow = rows.assign(ST=[0.70, 0.20, 0.01], ST_conf=[0.05, 0.004, 0.01])
    assert "0,20 ± dưới 0,01" in sobol_sentence(narrow, "Số đơn vị đổi mức", 16_384)
    constant = rows.assign(ST=0.0, ST_conf=0.0)
    assert "không đổi ở mọi mẫu" in sobol_sentence(constant, "Số đơn vị đổi mức", 512)


def test_conclusion_of_the_district_study_names_what_the_intervals_support(district):
    study = sens.analyse(district, sens.Settings(n=10_000, sobol_n=4096, seed=1784))
    sentences = " ".join(conclusion_sentences(study, {"A": "A", "B": "B", "C": "C"}))
    # Phú Vang's points in part A: its A1 criteria decide (ST about 0.75, A3 about 0.2)
    assert "Điểm quy đổi của Huyện Phú Vang (điểm quyết định mức của đơn vị) phụ thuộc" in (
        sentences
    )
    assert "nhiều nhất vào A1" in sentences
    # part C has one group: what matters there is named by criterion
    assert "vào C1." in sentences
    # and the simplex warning appears only with simplex
    assert "simplex" not in sentences


def test_robustness_table_marks_near_units(three_units):
    near = np.repeat([[1.0, 1.0], [2.0, 1.0]], [9480, 520], axis=0)
    study = sens.analyse(three_units, sens.Settings(sobol_n=0, top_k=1), multipliers=near)
    table = sens.robustness_table(study, {"P": "P"})
    assert table["Phần P: xác suất giữ mức (%)"].tolist() == [
        "94,8 (sát ngưỡng)",
        "100",
        "100",
    ]


def test_a_study_by_group_with_a_part_that_never_changes_level_is_reported():
    # district part C has a single group: studied by group, nothing in it varies, so no unit of
    # C ever changes level and C has no running estimate; the report still has A's and B's
    from cqdt.publishing.kinds.sensitivity.context import Parameters, prepare
    from cqdt.publishing.kinds.sensitivity.sections import convergence

    ctx = prepare(
        Parameters(
            level="huyen",
            year=2020,
            criteria_dir=str(ROOT / "criteria"),
            data_dir=str(ROOT / "data" / "sample"),
            by="group",
            n=4000,
            sobol_n=1024,
        )
    )
    running = ctx.study.running
    c = ctx.study.units[ctx.study.units["part"] == "C"]
    assert (c["p_keep"] == 1).all() and "C" not in set(running["part"])
    assert set(running["part"]) == {"A", "B"}
    assert running["p_keep"].dtype == float and running["samples"].dtype.kind == "i"
    page = convergence(ctx).data
    assert "Phần A: xác suất giữ mức" in page and "Phần B: xác suất giữ mức" in page
    assert "Phần C: xác suất giữ mức" not in page


def test_settings_a_scheme_does_not_use_are_said_unused(district):
    def shown(scheme: str) -> dict[str, str]:
        study = sens.analyse(district, sens.Settings(scheme=scheme, n=1000, sobol_n=0))
        table = sens.settings_table(study)
        return dict(zip(table.iloc[:, 0], table.iloc[:, 1], strict=True))

    unused = "không dùng với cách lấy mẫu này"
    simplex, uniform, dirichlet = shown("simplex"), shown("uniform"), shown("dirichlet")
    assert simplex["δ (biên độ hệ số nhân)"] == unused == simplex["Độ tập trung Dirichlet"]
    assert (
        uniform["δ (biên độ hệ số nhân)"] == "0,2" and uniform["Độ tập trung Dirichlet"] == unused
    )
    assert dirichlet["Độ tập trung Dirichlet"].startswith("theo δ")


def test_the_question_says_when_thresholds_or_assessor_points_vary_too():
    from cqdt.publishing.kinds.sensitivity.context import Parameters, prepare
    from cqdt.publishing.kinds.sensitivity.sections import method

    def page(**varied) -> str:
        params = Parameters(
            level="huyen",
            year=2020,
            criteria_dir=str(ROOT / "criteria"),
            data_dir=str(ROOT / "data" / "sample"),
            n=1000,
            sobol_n=0,
            **varied,
        )
        return method(prepare(params)).data

    assert "còn cho ngưỡng mức dao động cùng với trọng số" in page(threshold_range=2)
    assert "còn cho" not in page()
