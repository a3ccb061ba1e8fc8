"""YAML files (criteria, scenarios, settings) and notebook parameters: every problem at once,
each at its line (counted by hand in the YAML text below), all in Vietnamese."""

from __future__ import annotations

from pathlib import Path

import papermill
import pytest
from pydantic import BaseModel, Field, ValidationError

from cqdt.cli import main
from cqdt.criteria import read_criteria
from cqdt.problems import CriteriaError, InputError, ProblemCode
from cqdt.publishing.document import load_document_settings
from cqdt.publishing.execute import ensure_kernel
from cqdt.publishing.kinds.official import Parameters as ReportParameters
from cqdt.scenarios import load_scenario
from cqdt.validation import error_message

ENGLISH = ("Input should", "isoformat", " or ", "0.0", "Extra inputs")
"""Fragments of pydantic's own messages that must never reach an analyst."""


def found(problems) -> list[tuple[int, str, str, str, ProblemCode]]:
    """Line, place (without the line), field, message and code of each problem, as listed."""
    return [
        (
            p.row,
            p.place.removeprefix(f"dòng {p.row}").removeprefix(", "),
            p.field,
            p.message,
            p.code,
        )
        for p in problems
    ]


# --- criteria ----------------------------------------------------------------------------------

BROKEN_CRITERIA = """\
decision: "Bộ tiêu chí thử nghiệm"
title: "Nhiều lỗi một lượt"
level: huyen
version: "thu-nghiem"
valid_from: 2018-01-01
status: reconstructed
status: official
inputs:
  - {field: num, label: "Tử số"}
  - {field: den, label: "Mẫu số"}
  - {field: co, label: "Có hay không", type: yes_no}
parts:
  - code: A
    name: "Điều kiện sẵn sàng"
    max: 10
    levels: [{level: "I", min_rate: 90}, {level: "II", min_rate: 0.85}, {level: "III", min_rate: 0}]
    groups:
      - code: A1
        name: "Hạ tầng"
        max: 10
        criteria:
          - {code: A1.1, name: "Tỷ lệ", max: 4, method: rate, numerator: num, denominator: den}
          - {code: A1.2, name: "Có/không", max: hai, method: yes_no, field: co}
          - {code: A1.3, name: "Tỷ lệ khác", max: 4, method: rate, numerator: num, denominator: so}
      - code: A2
        name: "Nhân lực"
        max: 5
        criteria:
          - {code: A2.1, name: "Có", max: 4, method: yes_no, field: co}
"""


def test_criteria_file_reports_structure_meaning_and_a_repeated_key_at_their_lines(tmp_path):
    path = tmp_path / "huyen.yaml"
    path.write_text(BROKEN_CRITERIA, encoding="utf-8")
    criteria, problems = read_criteria(path)
    assert criteria is None
    assert found(problems) == [
        (
            7,
            "",
            "status",
            "khoá «status» bị lặp lại (đã có ở dòng 6): mỗi khoá chỉ được ghi một lần trong một "
            "mục, không có giá trị nào được lấy thay",
            ProblemCode.REPEATED_YAML_KEY,
        ),
        (  # groups A1 (10) + A2 (5): the groups are all readable, so their sum is checked
            15,
            "phần A",
            "max",
            "tổng điểm tối đa các nhóm (15) khác điểm tối đa của phần (10)",
            ProblemCode.MAXIMA_MISMATCH,
        ),
        (
            16,
            "phần A › mức I",
            "min_rate",
            "không được lớn hơn 1; có phải 0,9 (90%)?",
            ProblemCode.INVALID_VALUE,
        ),
        (
            23,
            "phần A › nhóm A1 › tiêu chí A1.2",
            "max",
            "phải là một số",
            ProblemCode.INVALID_VALUE,
        ),
        (
            24,
            "phần A › nhóm A1 › tiêu chí A1.3",
            "so",
            "trường nhập chưa khai báo trong «inputs»",
            ProblemCode.UNDECLARED_INPUT,
        ),
        (
            27,
            "phần A › nhóm A2",
            "max",
            "tổng điểm tối đa các tiêu chí (4) khác điểm tối đa của nhóm (5)",
            ProblemCode.MAXIMA_MISMATCH,
        ),
    ]
    # not reported: A1's total (A1.2 unreadable) and part A's thresholds (level I unreadable)
    assert str(problems[2]) == (
        f"[lỗi] {path}, dòng 16, phần A › mức I, trường «min_rate»: "
        "không được lớn hơn 1; có phải 0,9 (90%)?"
    )


def test_cqdt_validate_prints_each_problem_of_a_criteria_file_with_its_line(tmp_path, capsys):
    (tmp_path / "thu-nghiem").mkdir()
    (tmp_path / "thu-nghiem" / "huyen.yaml").write_text(BROKEN_CRITERIA, encoding="utf-8")
    assert main(["validate", "--criteria", str(tmp_path), "--data", str(tmp_path / "x")]) == 1
    err = capsys.readouterr().err
    assert [line.split(", ")[1] for line in err.splitlines() if "[lỗi]" in line] == [
        f"dòng {n}" for n in (7, 15, 16, 23, 24, 27)
    ]


# --- scenarios ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def criteria_dir(mini_versioned) -> Path:
    return mini_versioned[0]


BROKEN_SCENARIO = """\
title: "Thử"
base: {version: thu-nghiem, level: huyen}
changes:
  - {change: scale_max, code: B1.1, factor: 1e308}
  - {change: drop, code: Z9}
  - {change: threshold, part: B, level: "I", min_rate: 92}
  - {change: set_max, code: B1.2, max: 8, maxx: 9}
title: "Thử lại"
"""


def test_scenario_reports_structure_meaning_and_a_repeated_key_at_their_lines(
    tmp_path, criteria_dir
):
    path = tmp_path / "kb.yaml"
    path.write_text(BROKEN_SCENARIO, encoding="utf-8")
    with pytest.raises(CriteriaError) as caught:
        load_scenario(path, criteria_dir)
    assert found(caught.value.problems) == [
        (4, "thay đổi B1.1", "factor", "không được lớn hơn 1.000", ProblemCode.INVALID_VALUE),
        (  # a well-formed change is checked against the base though others are not
            5,
            "thay đổi thứ 2 (drop)",
            "code",
            "mã «Z9» không phải mã tiêu chí hay nhóm nào của bộ tiêu chí thu-nghiem cấp huyện",
            ProblemCode.UNKNOWN_CODE,
        ),
        (
            6,
            "thay đổi thứ 3",
            "min_rate",
            "không được lớn hơn 1; có phải 0,92 (92%)?",
            ProblemCode.INVALID_VALUE,
        ),
        (
            7,
            "thay đổi B1.2",
            "maxx",
            "trường không được biết (gõ nhầm tên?); ở đây chỉ dùng được: change, code, max",
            ProblemCode.UNKNOWN_FIELD,
        ),
        (
            8,
            "",
            "title",
            "khoá «title» bị lặp lại (đã có ở dòng 1): mỗi khoá chỉ được ghi một lần trong một "
            "mục, không có giá trị nào được lấy thay",
            ProblemCode.REPEATED_YAML_KEY,
        ),
    ]


def test_maxima_out_of_range_after_the_changes_are_refused_at_the_change(tmp_path, criteria_dir):
    path = tmp_path / "kb.yaml"
    path.write_text(
        'title: "Thử"\n'
        "base: {version: thu-nghiem, level: huyen}\n"
        "changes:\n"
        "  - {change: scale_max, code: B1.1, factor: 100}\n"  # 6 -> 600: still a maximum
        "  - {change: scale_max, code: B1, factor: 100}\n"  # B1.1 600 -> 60 000
        "  - {change: scale_max, code: A1.2, factor: 1.0e-300}\n",
        encoding="utf-8",
    )
    with pytest.raises(CriteriaError) as caught:
        load_scenario(path, criteria_dir)
    assert found(caught.value.problems) == [
        (
            5,
            "thay đổi thứ 2 (scale_max)",
            "factor",
            "sau thay đổi này điểm tối đa của tiêu chí B1.1 là 60.000, lớn hơn 1.000 điểm",
            ProblemCode.WEIGHT_OUT_OF_RANGE,
        ),
        (
            6,
            "thay đổi thứ 3 (scale_max)",
            "factor",
            "sau thay đổi này điểm tối đa của tiêu chí A1.2 nhỏ hơn 0,001 điểm; muốn bỏ tiêu "
            "chí thì dùng drop",
            ProblemCode.WEIGHT_OUT_OF_RANGE,
        ),
    ]


def test_whatif_refuses_huge_factors_before_reading_any_data(mini_workspace, tmp_path, capsys):
    criteria, data = mini_workspace
    survey = data / "2020" / "huyen.csv"
    survey.write_text(survey.read_text(encoding="utf-8-sig").replace(",45,", ",bốn lăm,"))
    scenario = tmp_path / "lon.yaml"
    scenario.write_text(
        'title: "Hệ số khổng lồ"\n'
        "base: {version: thu-nghiem, level: huyen}\n"
        "changes:\n"
        "  - {change: scale_max, code: B1, factor: 1.0e+308}\n"
        "  - {change: scale_max, code: B1, factor: 1.0e+308}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    args = ["whatif", str(scenario), "--criteria", str(criteria), "--data", str(data)]
    assert main([*args, "--year", "2020", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"Kịch bản {scenario}: có lỗi, không ghi gì" in err
    for line in (4, 5):
        assert f"dòng {line}, thay đổi B1, trường «factor»: không được lớn hơn 1.000" in err
    assert "bốn lăm" not in err and "phải là một số" not in err  # the survey was never read
    assert "không mong đợi" not in err
    assert not out.exists()


# --- document settings -------------------------------------------------------------------------

BROKEN_SETTINGS = """\
issuer: "Sở A"
number: 123
date: 15/01/2021
signatory:
  title: "GIÁM ĐỐC"
  nme: "Trần Thị Bình"
issuer: "Sở B"
recipients: "UBND tỉnh"
isuer: "Sở C"
"""


def test_settings_file_reports_every_problem_at_its_line(tmp_path):
    path = tmp_path / "van_ban.yaml"
    path.write_text(BROKEN_SETTINGS, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_document_settings(path)
    assert found(caught.value.problems) == [
        (
            2,
            "",
            "number",
            'phải là chữ; nếu là số hiệu, đặt trong dấu nháy: "123"',
            ProblemCode.INVALID_VALUE,
        ),
        (
            3,
            "",
            "date",
            "phải là ngày dạng NNNN-TT-NN (ví dụ 2021-01-15)",
            ProblemCode.INVALID_VALUE,
        ),
        (
            6,
            "",
            "signatory.nme",
            "trường không được biết (gõ nhầm tên?); ở đây chỉ dùng được: authority, title, name",
            ProblemCode.UNKNOWN_FIELD,
        ),
        (
            7,
            "",
            "issuer",
            "khoá «issuer» bị lặp lại (đã có ở dòng 1): mỗi khoá chỉ được ghi một lần trong một "
            "mục, không có giá trị nào được lấy thay",
            ProblemCode.REPEATED_YAML_KEY,
        ),
        (8, "", "recipients", "phải là một danh sách", ProblemCode.INVALID_VALUE),
        (
            9,
            "",
            "isuer",
            "trường không được biết (gõ nhầm tên?); ở đây chỉ dùng được: superior, issuer, "
            "number, symbol, place, date, recipients, signatory",
            ProblemCode.UNKNOWN_FIELD,
        ),
    ]
    assert f"{path}, dòng 2, trường «number»: phải là chữ;" in str(caught.value)


# --- messages and notebook parameters ----------------------------------------------------------


class _Bounded(BaseModel):
    share: float = Field(ge=0.5, le=1)
    count: float = Field(gt=0)
    big: float = Field(lt=12_500.5)


def test_bounds_are_said_in_vietnamese_numbers():
    with pytest.raises(ValidationError) as caught:
        _Bounded.model_validate({"share": 0.25, "count": 0, "big": 1e6})
    assert [error_message(e) for e in caught.value.errors()] == [
        "không được nhỏ hơn 0,5",
        "phải lớn hơn 0",
        "phải nhỏ hơn 12.500,5",
    ]
    with pytest.raises(ValidationError) as caught:
        _Bounded.model_validate({"share": 250, "count": 1, "big": 1})
    assert [error_message(e) for e in caught.value.errors()] == [
        "không được lớn hơn 1"  # 250 cannot be a percentage: no hint
    ]


def test_notebook_parameters_are_refused_in_vietnamese_all_at_once():
    with pytest.raises(ValueError) as caught:
        ReportParameters.checked(
            {"level": "huyenn", "year": 1999, "report_date": "25/11/2026", "levl": "xa"}
        )
    message = str(caught.value)
    assert message.splitlines() == [
        "Tham số không hợp lệ:",
        "  tham số «level» = 'huyenn' không hợp lệ: phải là «tinh», «huyen» hoặc «xa»",
        "  tham số «year» = 1999 không hợp lệ: không được nhỏ hơn 2000",
        "  tham số «report_date» = '25/11/2026' không hợp lệ: phải là ngày dạng NNNN-TT-NN "
        "(ví dụ 2021-01-15)",
        "  tham số «levl» không có trong sổ bao_cao.ipynb (gõ nhầm tên?); các tham số: level, "
        "year, criteria_dir, data_dir, output_dir, report_date, criteria_file, survey_file, "
        "compare_year, document_file",
    ]
    assert not any(fragment in message for fragment in ENGLISH)


@pytest.mark.slow
def test_plain_papermill_with_a_wrong_level_says_so_in_vietnamese(tmp_path):
    # `papermill bao_cao.ipynb out.ipynb -p level huyenn`: the notebook's first cell refuses it
    output = tmp_path / "out.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as caught:
        papermill.execute_notebook(
            str(ReportParameters.notebook_path()),
            str(output),
            parameters={"level": "huyenn", "report_date": "15/01/2021"},
            kernel_name=ensure_kernel(),
            cwd=str(ReportParameters.notebook_path().parent),
            progress_bar=False,
        )
    message = str(caught.value)
    assert "tham số «level» = 'huyenn' không hợp lệ: phải là «tinh», «huyen» hoặc «xa»" in message
    assert "«report_date» = '15/01/2021' không hợp lệ: phải là ngày dạng NNNN-TT-NN" in message
    assert "Input should" not in message and "isoformat" not in message
