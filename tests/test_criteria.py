"""Criteria files: the shipped reconstruction loads; a faulty file reports every problem."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from cqdt.criteria import LEVELS, load_criteria
from cqdt.problems import CriteriaError, ProblemCode
from cqdt.versions import find_criteria
from tests.conftest import MINI_CRITERIA, ROOT, write_criteria


@pytest.mark.parametrize("level", list(LEVELS))
def test_shipped_reconstruction_is_valid_and_says_so(level):
    cs = load_criteria(ROOT / "criteria" / "1784-2018" / f"{level}.yaml")
    assert cs.level == level
    assert cs.status == "reconstructed"
    text = (ROOT / "criteria" / "1784-2018" / f"{level}.yaml").read_text(encoding="utf-8")
    assert "TÁI DỰNG" in text
    assert [p.code for p in cs.parts][:2] == ["A", "B"]
    assert [g.code for g in cs.parts[0].groups] == ["A1", "A2", "A3"]
    assert [g.code for g in cs.parts[1].groups] == ["B1", "B2", "B3", "B4"]


def test_district_maxima_match_published_results():
    cs = load_criteria(ROOT / "criteria" / "1784-2018" / "huyen.yaml")
    maxima = {p.code: p.max for p in cs.parts}
    assert maxima["A"] == 50 and maxima["B"] == 100  # reference §4
    assert "C" in maxima  # the district special group


def test_find_criteria_by_year():
    path = find_criteria(ROOT / "criteria", "xa", 2019)
    assert path.name == "xa.yaml"
    # the sample set has no end date: it stays in force for a year the sample never had
    assert find_criteria(ROOT / "criteria", "xa", 2021) == path
    with pytest.raises(CriteriaError, match="năm 2017"):
        find_criteria(ROOT / "criteria", "xa", 2017)


def versioned(folder: Path, versions: dict[str, tuple[str, str | None]]) -> Path:
    """A criteria folder with the mini set under each version, valid from/to the dates given."""
    for version, (start, end) in versions.items():
        raw = yaml.safe_load(MINI_CRITERIA) | {"version": version, "valid_from": start}
        raw.pop("valid_to")
        if end:
            raw["valid_to"] = end
        (folder / version).mkdir(parents=True)
        write_criteria(folder / version, raw)
    return folder


def test_a_set_without_end_date_stays_in_force_until_a_later_set_starts(tmp_path):
    folder = versioned(tmp_path, {"cu": ("2018-08-13", None), "moi": ("2021-11-15", None)})
    assert find_criteria(folder, "huyen", 2020).parent.name == "cu"
    # a decision taking effect during 2021 governs the evaluation of 2021
    assert find_criteria(folder, "huyen", 2021).parent.name == "moi"
    assert find_criteria(folder, "huyen", 2030).parent.name == "moi"


def test_no_set_in_force_names_the_sets_their_dates_and_what_to_do(tmp_path):
    folder = versioned(tmp_path, {"1784-2018": ("2018-08-13", "2020-12-31")})
    with pytest.raises(CriteriaError) as caught:
        find_criteria(folder, "huyen", 2021)
    (problem,) = caught.value.problems
    assert problem.code == ProblemCode.NOT_EXACTLY_ONE_FILE
    assert "không có bộ tiêu chí cấp huyện nào có hiệu lực năm 2021" in problem.message
    assert (
        f"1784-2018 ({folder / '1784-2018' / 'huyen.yaml'}), hiệu lực từ 13/08/2018 đến "
        "31/12/2020" in problem.message
    )
    assert "sửa valid_to" in problem.message and "thêm thư mục" in problem.message


def test_two_sets_starting_the_same_day_are_refused_by_name(tmp_path):
    folder = versioned(
        tmp_path, {"ban-a": ("2018-08-13", None), "ban-b": ("2018-08-13", "2020-12-31")}
    )
    with pytest.raises(CriteriaError) as caught:
        find_criteria(folder, "huyen", 2019)
    (problem,) = caught.value.problems
    assert "2 bộ tiêu chí cấp huyện cùng bắt đầu hiệu lực ngày 13/08/2018" in problem.message
    assert "ban-a (" in problem.message and "ban-b (" in problem.message


def test_an_empty_criteria_folder_is_named(tmp_path):
    with pytest.raises(CriteriaError, match="không có tệp bộ tiêu chí cấp xã nào"):
        find_criteria(tmp_path, "xa", 2020)


@pytest.mark.parametrize("level", list(LEVELS))
def test_sample_sets_say_which_criteria_may_be_not_applicable_and_which_fields_count(level):
    cs = load_criteria(ROOT / "criteria" / "1784-2018" / f"{level}.yaml")
    allowed = {c.code for c in cs.criteria if c.allow_not_applicable}
    # chosen in the files: rates whose denominator a unit may not have (procedures, budget...)
    assert allowed and allowed < {c.code for c in cs.criteria}
    assert {"A1.1", "A1.2"}.isdisjoint(allowed)  # computers and network always apply
    counts = {f.field for f in cs.inputs if f.type == "count"}
    assert "so_cbcc" in counts and "bang_thong_mbps" not in counts and "kinh_phi_cntt" not in counts


def faulty_criteria() -> dict:
    raw = yaml.safe_load(MINI_CRITERIA)
    a_criteria = raw["parts"][0]["groups"][0]["criteria"]
    a_criteria[1]["code"] = "A1.1"  # duplicate code
    a_criteria[2]["method"] = "ty_le_la"  # unknown method
    del a_criteria[3]["steps"]  # missing parameter
    a_criteria[0]["numerator"] = "khong_khai_bao"  # input not declared
    raw["parts"][1]["groups"][0]["criteria"][2]["max"] = 7  # group no longer adds up (21 != 20)
    raw["parts"][1]["levels"] = [
        {"level": "I", "min_rate": 0.85},
        {"level": "II", "min_rate": 0.9},  # out of order
        {"level": "III", "min_rate": 0},
    ]
    return raw


def line_with(path: Path, text: str, after: int = 0) -> int:
    """The number (from 1) of the first line of ``path`` after line ``after`` holding ``text``."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(n for n, line in enumerate(lines, 1) if n > after and text in line)


def test_faulty_file_reports_every_problem_at_once(tmp_path: Path):
    path = write_criteria(tmp_path, faulty_criteria())
    with pytest.raises(CriteriaError) as caught:
        load_criteria(path)
    errors = [p for p in caught.value.problems if p.severity == "lỗi"]
    # in file order, each at the line it is about (yaml.safe_dump sorts keys: groups come
    # before levels and max in a part)
    a11 = line_with(path, "code: A1.1")
    a14 = line_with(path, "code: A1.4")
    part_b = line_with(path, "code: B")
    assert [(p.place, p.field, p.code) for p in errors] == [
        (
            f"dòng {line_with(path, 'numerator: khong_khai_bao')}, phần A › nhóm A1 › tiêu chí A1.1",
            "khong_khai_bao",
            ProblemCode.UNDECLARED_INPUT,
        ),
        (f"dòng {line_with(path, 'code: A1.1', a11)}, mã A1.1", "code", ProblemCode.DUPLICATE_CODE),
        (
            f"dòng {line_with(path, 'method: ty_le_la')}, phần A › nhóm A1 › tiêu chí A1.3",
            "method",
            ProblemCode.UNKNOWN_METHOD,
        ),
        (f"dòng {a14}, phần A › nhóm A1 › tiêu chí A1.4", "steps", ProblemCode.MISSING_PARAMETER),
        (
            f"dòng {line_with(path, '    max: 20', part_b)}, phần B › nhóm B1",
            "max",
            ProblemCode.MAXIMA_MISMATCH,
        ),
        (
            f"dòng {line_with(path, 'levels:', part_b)}, phần B",
            "levels",
            ProblemCode.THRESHOLDS_NOT_DECREASING,
        ),
    ]
    messages = [str(p) for p in errors]
    text = "\n".join(messages)
    assert "phương pháp «ty_le_la» không có" in text
    assert "tổng điểm tối đa các tiêu chí (21) khác điểm tối đa của nhóm (20)" in text
    assert all(str(path) in m for m in messages)


def test_group_maxima_must_add_up_to_part(tmp_path: Path):
    raw = yaml.safe_load(MINI_CRITERIA)
    raw["parts"][0]["max"] = 12
    path = write_criteria(tmp_path, raw)
    with pytest.raises(CriteriaError, match=r"các nhóm \(10\) khác điểm tối đa của phần \(12\)"):
        load_criteria(path)


def test_structural_errors_name_the_criterion_and_field(tmp_path: Path):
    raw = yaml.safe_load(MINI_CRITERIA)
    raw["parts"][0]["groups"][0]["criteria"][1]["max"] = "hai"
    raw["parts"][1]["groups"][0]["criteria"][0]["maxx"] = 3
    path = write_criteria(tmp_path, raw)
    with pytest.raises(CriteriaError) as caught:
        load_criteria(path)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "phần A › nhóm A1 › tiêu chí A1.2, trường «max»: phải là một số" in text
    assert "tiêu chí B1.1, trường «maxx»: trường không được biết" in text
    assert [(p.field, p.code) for p in caught.value.problems] == [
        ("max", ProblemCode.INVALID_VALUE),
        ("maxx", ProblemCode.UNKNOWN_FIELD),
    ]


def test_yes_no_method_needs_a_yes_no_field(tmp_path: Path):
    raw = yaml.safe_load(MINI_CRITERIA)
    raw["parts"][0]["groups"][0]["criteria"][1]["field"] = "so"
    path = write_criteria(tmp_path, raw)
    with pytest.raises(CriteriaError, match="cần trường kiểu «yes_no»") as caught:
        load_criteria(path)
    assert [p.code for p in caught.value.problems if p.severity == "lỗi"] == [
        ProblemCode.WRONG_FIELD_TYPE
    ]


@pytest.mark.parametrize("content", ["", "chỉ là một dòng chữ", "a: [1, 2"])
def test_empty_or_unreadable_criteria_file(tmp_path: Path, content: str):
    path = tmp_path / "huyen.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CriteriaError, match=str(path).replace("\\", "\\\\")):
        load_criteria(path)


def test_codes_fields_and_steps_that_could_never_work(tmp_path: Path):
    raw = yaml.safe_load(MINI_CRITERIA)
    crits = raw["parts"][0]["groups"][0]["criteria"]
    crits[0]["code"] = "A1 1"  # a space: could never be listed in khong_ap_dung
    crits[3]["steps"] = [
        {"min": 1, "points": 2},
        {"min": 5, "points": 1},
    ]  # higher step, fewer points
    raw["inputs"].append({"field": "ghi_chu", "label": "Ghi chú"})  # a fixed survey column
    path = write_criteria(tmp_path, raw)
    with pytest.raises(CriteriaError) as caught:
        load_criteria(path)
    text = "\n".join(str(p) for p in caught.value.problems)
    assert "tiêu chí A1 1, trường «code»: chỉ được gồm chữ không dấu" in text
    raw = yaml.safe_load(MINI_CRITERIA)
    raw["parts"][0]["groups"][0]["criteria"][3]["steps"] = [
        {"min": 1, "points": 2},
        {"min": 5, "points": 1},
    ]
    raw["inputs"].append({"field": "ghi_chu", "label": "Ghi chú"})
    write_criteria(tmp_path, raw)
    with pytest.raises(CriteriaError) as caught:
        load_criteria(path)
    kinds = {(p.place, p.field, p.code) for p in caught.value.problems}
    steps = line_with(path, "steps:")
    reserved = line_with(path, "field: ghi_chu")
    place = f"dòng {steps}, phần A › nhóm A1 › tiêu chí A1.4"
    assert (place, "steps", ProblemCode.STEPS_NOT_INCREASING) in kinds
    assert (f"dòng {reserved}, trường nhập ghi_chu", "field", ProblemCode.RESERVED_FIELD) in kinds
