"""What-if scenarios: hand-computed on the MINI criteria, every bad scenario in Vietnamese."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml

from cqdt.problems import CriteriaError, ProblemCode
from cqdt.scenarios import apply_scenario, find_scenarios, load_scenario
from cqdt.tables import official_table
from cqdt.workspace import Workspace
from tests.conftest import ROOT

CRITERIA = ROOT / "criteria"


@pytest.fixture(scope="module")
def criteria_dir(mini_versioned) -> Path:
    return mini_versioned[0]


@pytest.fixture(scope="module")
def before(mini_versioned):
    return mini_versioned[1]


def scenario_file(folder: Path, changes: list, **base) -> Path:
    raw = {
        "title": "Thử",
        "base": {"version": "thu-nghiem", "level": "huyen", **base},
        "changes": changes,
    }
    path = folder / "kich-ban.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def run(tmp_path, criteria_dir, before, changes):
    scenario = load_scenario(scenario_file(tmp_path, changes), criteria_dir)
    return apply_scenario(scenario, before)


def row(table, unit, part="B"):
    return table[(table["unit"] == unit) & (table["part"] == part)].iloc[0]


def test_doubling_a_weight_swaps_two_units(tmp_path, criteria_dir, before):
    # Part B before: Một 4 + 8 + 5.5 = 17.5/20 = 87.5 % (rank 1, II); Hai 6 + 5 + 6 = 17/20 =
    # 85 % (rank 2, II). B1.1 x 2 (max 12): weights 12 + 8 + 6 = 26.
    # Một: 8 + 8 + 5.5 = 21.5/26 = 82.69 % -> 16.54 converted, III; Hai: 12 + 5 + 6 = 23/26 =
    # 88.46 % -> 17.69 converted, II. Ranks swap.
    what = run(
        tmp_path, criteria_dir, before, [{"change": "scale_max", "code": "B1.1", "factor": 2}]
    )
    assert what.scenario.weight_only
    one, two = row(what.comparison, "Đơn vị Một"), row(what.comparison, "Đơn vị Hai")
    assert (one["rank_before"], one["rank"], one["rank_change"]) == (1, 2, -1)
    assert (two["rank_before"], two["rank"], two["rank_change"]) == (2, 1, 1)
    assert one["rate_published"] == pytest.approx(0.8269)
    assert two["rate_published"] == pytest.approx(0.8846)
    assert (one["converted_published"], two["converted_published"]) == (16.54, 17.69)
    assert (one["level_before"], one["level"], one["level_change"]) == ("II", "III", "xuống")
    assert one["points_change"] == pytest.approx(16.54 - 17.5)
    # set_max to 12 is the same weight as x 2
    same = run(tmp_path, criteria_dir, before, [{"change": "set_max", "code": "B1.1", "max": 12}])
    pd.testing.assert_frame_equal(same.comparison, what.comparison)


def test_group_maximum_scales_its_criteria_together(tmp_path, criteria_dir, before):
    # B1 is the whole of part B: any new maximum leaves every rate as it was
    what = run(tmp_path, criteria_dir, before, [{"change": "set_max", "code": "B1", "max": 40}])
    assert (what.comparison["rank_change"] == 0).all()
    assert what.scenario.weights[["B1.1", "B1.2", "B1.3"]].tolist() == [12, 16, 12]


def test_threshold_change_moves_one_unit_from_ii_to_i(tmp_path, criteria_dir, before):
    # Level I of part B from 87.5 %: Một (87.5 %) reaches it, Hai (85 %) stays II.
    what = run(
        tmp_path,
        criteria_dir,
        before,
        [{"change": "threshold", "part": "B", "level": "I", "min_rate": 0.875}],
    )
    assert not what.scenario.weight_only
    assert row(what.comparison, "Đơn vị Một")["level"] == "I"
    assert row(what.comparison, "Đơn vị Hai")["level"] == "II"
    moves = what.transitions[what.transitions["part"] == "B"].set_index(["level_before", "level"])
    assert moves.loc[("II", "I"), "count"] == 1
    assert moves.loc[("II", "I"), "units"] == "Đơn vị Một"
    assert moves.loc[("II", "II"), "units"] == "Đơn vị Hai"
    # part A untouched (Một 91 % was already I)
    assert (what.comparison[what.comparison["part"] == "A"]["level_change"] == "giữ").all()


def test_dropping_a_criterion_rates_the_rest(tmp_path, criteria_dir, before):
    # Without B1.2: Một 4 + 5.5 = 9.5/12 = 79.17 %; Hai 6 + 6 = 12/12 = 100 %; Ba 2 + 3 = 5/12.
    what = run(tmp_path, criteria_dir, before, [{"change": "drop", "code": "B1.2"}])
    assert row(what.comparison, "Đơn vị Một")["rate_published"] == pytest.approx(0.7917)
    assert row(what.comparison, "Đơn vị Hai")["converted_published"] == 20
    assert row(what.comparison, "Đơn vị Ba")["rate_published"] == pytest.approx(0.4167)


def test_no_changes_reproduces_the_official_tables(tmp_path, criteria_dir, before):
    what = run(tmp_path, criteria_dir, before, [])
    for part in ("A", "B"):
        pd.testing.assert_frame_equal(
            official_table(what.after, part), official_table(before, part)
        )
    assert (what.comparison["rank_change"] == 0).all()
    assert (what.comparison["level_change"] == "giữ").all()


def test_no_changes_on_the_shipped_criteria_reproduces_the_sample_tables(tmp_path):
    path = tmp_path / "rong.yaml"
    path.write_text(
        'title: "Không đổi"\nbase: {version: "1784-2018", level: xa}\nchanges: []\n',
        encoding="utf-8",
    )
    official = Workspace.at(CRITERIA, ROOT / "data" / "sample").score("xa", 2020)
    what = apply_scenario(load_scenario(path, CRITERIA), official)
    for part in ("A", "B"):
        pd.testing.assert_frame_equal(
            official_table(what.after, part), official_table(official, part)
        )


def test_bad_scenario_reports_every_problem_at_once(tmp_path, criteria_dir):
    path = scenario_file(
        tmp_path,
        [
            {"change": "set_max", "code": "B1.1", "max": -3},
            {"change": "scale_max", "code": "B1.2", "factor": "gấp đôi"},
            {"change": "doi_ten", "code": "B1.2"},
        ],
    )
    with pytest.raises(CriteriaError) as caught:
        load_scenario(path, criteria_dir)
    text = str(caught.value)
    assert "thay đổi B1.1, trường «max»: phải lớn hơn 0" in text
    assert "thay đổi B1.2, trường «factor»: phải là một số" in text
    assert "không phải loại được biết" in text


def test_unknown_codes_and_thresholds_out_of_order(tmp_path, criteria_dir):
    path = scenario_file(
        tmp_path,
        [
            {"change": "drop", "code": "Z9"},
            {"change": "set_max", "code": "A", "max": 20},
            {"change": "threshold", "part": "B", "level": "II", "min_rate": 0.95},
            {"change": "threshold", "part": "Q", "level": "I", "min_rate": 0.5},
            {"change": "threshold", "level": "IV", "min_rate": 0.5},
        ],
    )
    with pytest.raises(CriteriaError) as caught:
        load_scenario(path, criteria_dir)
    text = str(caught.value)
    assert "mã «Z9» không phải mã tiêu chí hay nhóm nào của bộ tiêu chí thu-nghiem" in text
    assert "mã «A» là mã phần" in text
    assert "phần B, trường «levels»: ngưỡng xếp mức phải giảm dần" in text
    assert "phần «Q» không có" in text
    assert "phần A không có mức «IV»" in text
    assert "Có 6 lỗi" in text
    assert [p.code for p in caught.value.problems] == [  # in file order: the thresholds of
        ProblemCode.UNKNOWN_CODE,  # part B no longer descend from the third change on
        ProblemCode.PART_MAX_FIXED,
        ProblemCode.THRESHOLDS_NOT_DECREASING,
        ProblemCode.UNKNOWN_PART,
        ProblemCode.UNKNOWN_LEVEL,
        ProblemCode.UNKNOWN_LEVEL,
    ]


def test_dropping_a_whole_part_is_an_error(tmp_path, criteria_dir):
    path = scenario_file(tmp_path, [{"change": "drop", "code": "A1"}])
    with pytest.raises(CriteriaError, match="mọi tiêu chí của phần bị bỏ") as caught:
        load_scenario(path, criteria_dir)
    assert [p.code for p in caught.value.problems] == [ProblemCode.WHOLE_PART_DROPPED]


def test_base_version_that_does_not_exist(tmp_path, criteria_dir):
    path = scenario_file(tmp_path, [], version="2099")
    with pytest.raises(CriteriaError) as caught:
        load_scenario(path, criteria_dir)
    assert "không có bộ tiêu chí phiên bản «2099» cấp huyện" in str(caught.value)
    assert "các phiên bản có: thu-nghiem" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message", "code"),
    [
        ("- a\n- b\n", "không phải một kịch bản YAML", ProblemCode.NOT_A_MAPPING),
        ("title: [\n", "sai cú pháp YAML", ProblemCode.YAML_SYNTAX),
        (
            "title: x\nbase: {version: thu-nghiem}\n",
            "trường «base.level»: thiếu",
            ProblemCode.MISSING_FIELD,
        ),
    ],
)
def test_unreadable_scenarios(tmp_path, criteria_dir, text, message, code):
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CriteriaError, match=message) as caught:
        load_scenario(path, criteria_dir)
    assert [p.code for p in caught.value.problems] == [code]


def test_shipped_scenarios_are_valid():
    found = find_scenarios(CRITERIA)
    assert len(found) >= 3
    for path in found:
        scenario = load_scenario(path, CRITERIA)
        assert scenario.changes and scenario.sha256
    assert all("xa" in p.name for p in find_scenarios(CRITERIA, "xa"))


def test_repeated_key_is_an_error_not_the_last_value(tmp_path, criteria_dir):
    path = tmp_path / "lap.yaml"
    path.write_text(
        'title: "Lặp"\nbase: {version: thu-nghiem, level: huyen}\n'
        "changes:\n  - {change: drop, code: B1.1}\n"
        "changes:\n  - {change: drop, code: B1.2}\n",
        encoding="utf-8",
    )
    with pytest.raises(
        CriteriaError,
        match=r"dòng 5, trường «changes»: khoá «changes» bị lặp lại \(đã có ở dòng 3\)",
    ):
        load_scenario(path, criteria_dir)


def test_validate_checks_scenario_files_too(tmp_path, criteria_dir, capsys):
    from cqdt.cli import main

    folder = tmp_path / "criteria"
    shutil.copytree(criteria_dir, folder)
    (folder / "kich-ban").mkdir()
    (folder / "kich-ban" / "tot.yaml").write_text(
        'title: "Tốt"\nbase: {version: thu-nghiem, level: huyen}\nchanges: []\n', encoding="utf-8"
    )
    (folder / "kich-ban" / "hong.yaml").write_text("title: [\n", encoding="utf-8")
    code = main(["validate", "--criteria", str(folder), "--data", str(tmp_path / "khong-co")])
    captured = capsys.readouterr()
    assert code == 1
    assert "tot.yaml: hợp lệ, 0 thay đổi" in captured.out
    assert "hong.yaml: có lỗi" in captured.err and "sai cú pháp YAML" in captured.err
