"""Survey files: every kind of bad input gets an error naming file, row, unit and field."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from cqdt.evidence import load_evidence
from cqdt.problems import EvidenceError, ProblemCode
from cqdt.register import load_units
from tests.conftest import MINI_SURVEY, ROOT, write_survey


def problems_of(path: Path, criteria, year=2020, units=None) -> list[str]:
    with pytest.raises(EvidenceError) as caught:
        load_evidence(path, criteria, year, units=units)
    return [str(p) for p in caught.value.problems if p.severity == "lỗi"]


def kinds_of(path: Path, criteria, year=2020, units=None) -> list[tuple[str, str, str]]:
    """(place, field, code) of each error: which kind of problem was found where."""
    with pytest.raises(EvidenceError) as caught:
        load_evidence(path, criteria, year, units=units)
    return [(p.place, p.field, p.code) for p in caught.value.problems if p.severity == "lỗi"]


def changed(tmp_path: Path, edit) -> Path:
    table = MINI_SURVEY.copy()
    edit(table)
    return write_survey(tmp_path / "bad.csv", table)


def test_good_survey_loads(mini_survey_file, mini_criteria):
    ev = load_evidence(mini_survey_file, mini_criteria, 2020)
    assert list(ev.units) == ["Đơn vị Một", "Đơn vị Hai", "Đơn vị Ba"]
    assert ev.values.loc["Đơn vị Ba", "co"] == 1.0  # "x" means yes
    assert ev.not_applicable.loc["Đơn vị Ba", "A1.1"]
    assert not ev.not_applicable.loc["Đơn vị Một", "A1.1"]


def test_same_name_typed_two_ways_is_one_unit(tmp_path, mini_criteria):
    decomposed = "Thành phố Hue\u0302\u0301"  # "Huế" in combining marks, as some keyboards type it

    def edit(t):
        t.loc[0, "don_vi"] = "Thành phố Huế"
        t.loc[1, "don_vi"] = decomposed

    errors = problems_of(changed(tmp_path, edit), mini_criteria)
    assert errors == [
        f"[lỗi] {tmp_path / 'bad.csv'}, dòng 3, đơn vị «Thành phố Huế», trường «don_vi»: "
        "đơn vị bị trùng (đã có ở dòng trên)"
    ]


def test_unknown_unit_against_register(tmp_path, mini_criteria):
    units = load_units(ROOT / "data" / "sample" / "don_vi.csv")
    table = MINI_SURVEY.copy()
    table["don_vi"] = ["Thành phố Huế", "Huyện A Lưới", "Huyện Không Có"]
    errors = problems_of(write_survey(tmp_path / "s.csv", table), mini_criteria, units=units)
    assert errors == [
        f"[lỗi] {tmp_path / 's.csv'}, dòng 4, đơn vị «Huyện Không Có», trường «don_vi»: "
        "đơn vị không có trong danh mục cấp huyện năm 2020"
    ]


def test_unit_code_must_be_the_registers(tmp_path, mini_criteria):
    # in the sample register Thành phố Huế is H01 and Huyện A Lưới H09
    units = load_units(ROOT / "data" / "sample" / "don_vi.csv")
    table = MINI_SURVEY.copy()
    table["don_vi"] = ["Thành phố Huế", "Huyện A Lưới", "Huyện Nam Đông"]
    table.insert(0, "ma_don_vi", ['=HYPERLINK("x")', "", "H08"])
    path = write_survey(tmp_path / "s.csv", table)
    errors = problems_of(path, mini_criteria, units=units)
    assert errors == [
        f"[lỗi] {path}, dòng 2, đơn vị «Thành phố Huế», trường «ma_don_vi»: mã đơn vị khác "
        "mã của đơn vị này trong danh mục (sửa hoặc xóa ô mã)"
    ]
    table["ma_don_vi"] = ["H01", "", "H08"]  # a blank code is the register's
    ev = load_evidence(write_survey(tmp_path / "s.csv", table), mini_criteria, 2020, units=units)
    assert ev.codes.to_dict() == {
        "Thành phố Huế": "H01",
        "Huyện A Lưới": "H09",
        "Huyện Nam Đông": "H08",
    }


def test_missing_column(tmp_path, mini_criteria):
    errors = problems_of(changed(tmp_path, lambda t: t.pop("d")), mini_criteria)
    assert errors == [
        f"[lỗi] {tmp_path / 'bad.csv'}, dòng tiêu đề, trường «d»: thiếu cột «Điểm chấm»"
    ]


def test_blank_required_value_is_an_error_not_a_zero(tmp_path, mini_criteria):
    path = changed(tmp_path, lambda t: t.__setitem__("so", ["3", "", "4"]))
    assert kinds_of(path, mini_criteria) == [
        ("dòng 3, đơn vị «Đơn vị Hai»", "so", ProblemCode.BLANK_VALUE)
    ]
    assert "trường «so»: để trống nhưng tiêu chí A1.3 cần" in problems_of(path, mini_criteria)[0]


def test_answers_typed_in_decomposed_unicode_are_read(tmp_path, mini_criteria):
    path = changed(tmp_path, lambda t: t.__setitem__("co", ["Co\u0301", "Kho\u0302ng", "có"]))
    assert load_evidence(path, mini_criteria, 2020).values["co"].tolist() == [1.0, 0.0, 1.0]


def test_text_negative_and_comma_numbers(tmp_path, mini_criteria):
    def edit(t):
        t.loc[0, "so"] = "ba"
        t.loc[0, "v"] = "inf"
        t.loc[1, "v"] = "-2"
        t.loc[2, "d"] = "2,5"

    assert sorted(kinds_of(changed(tmp_path, edit), mini_criteria)) == [
        ("dòng 2, đơn vị «Đơn vị Một»", "so", ProblemCode.NOT_A_NUMBER),
        ("dòng 2, đơn vị «Đơn vị Một»", "v", ProblemCode.NOT_A_NUMBER),
        ("dòng 3, đơn vị «Đơn vị Hai»", "v", ProblemCode.NEGATIVE_NUMBER),
        ("dòng 4, đơn vị «Đơn vị Ba»", "d", ProblemCode.DECIMAL_COMMA),
    ]


def test_numerator_above_denominator_and_zero_denominator(tmp_path, mini_criteria):
    def edit(t):
        t.loc[0, "num"] = "60"  # 60 of 50 staff
        t.loc[1, "den"] = "0"
        t.loc[1, "num"] = "0"

    path = changed(tmp_path, edit)
    assert sorted(kinds_of(path, mini_criteria)) == [
        ("dòng 2, đơn vị «Đơn vị Một»", "num", ProblemCode.NUMERATOR_ABOVE_DENOMINATOR),
        ("dòng 3, đơn vị «Đơn vị Hai»", "den", ProblemCode.ZERO_DENOMINATOR),
    ]
    assert any("tử số lớn hơn mẫu số «den»" in e for e in problems_of(path, mini_criteria))


def test_points_above_maximum(tmp_path, mini_criteria):
    path = changed(tmp_path, lambda t: t.__setitem__("d", ["5", "6.5", "3"]))
    assert kinds_of(path, mini_criteria) == [
        ("dòng 3, đơn vị «Đơn vị Hai»", "d", ProblemCode.POINTS_ABOVE_MAX)
    ]
    assert "điểm tối đa 6 của tiêu chí B1.3" in problems_of(path, mini_criteria)[0]


def test_bad_yes_no_and_unknown_not_applicable_code(tmp_path, mini_criteria):
    def edit(t):
        t.loc[0, "co"] = "có lẽ"
        t.loc[1, "khong_ap_dung"] = "Z9.9"

    path = changed(tmp_path, edit)
    kinds = kinds_of(path, mini_criteria)
    assert ("dòng 2, đơn vị «Đơn vị Một»", "co", ProblemCode.NOT_YES_NO) in kinds
    assert (
        "dòng 3, đơn vị «Đơn vị Hai»",
        "khong_ap_dung",
        ProblemCode.UNKNOWN_CRITERION,
    ) in kinds
    assert any("mã tiêu chí «Z9.9» không có" in e for e in problems_of(path, mini_criteria))


def test_unknown_column_is_a_warning(tmp_path, mini_criteria):
    path = changed(tmp_path, lambda t: t.__setitem__("cot_la", "1"))
    ev = load_evidence(path, mini_criteria, 2020)
    assert [w.code for w in ev.warnings] == [ProblemCode.UNKNOWN_COLUMN]
    assert [str(w) for w in ev.warnings] == [
        f"[cảnh báo] {path}, dòng tiêu đề, trường «cot_la»: cột không có trong bộ tiêu chí, sẽ bị bỏ qua"
    ]


def test_empty_and_unreadable_files(tmp_path, mini_criteria):
    empty = tmp_path / "rong.csv"
    empty.write_bytes(b"")
    assert problems_of(empty, mini_criteria) == [
        f"[lỗi] {empty}: tệp rỗng (0 byte), không có dòng tiêu đề"
    ]
    header_only = tmp_path / "tieu_de.csv"
    header_only.write_text("don_vi,num\n", encoding="utf-8")
    assert problems_of(header_only, mini_criteria) == [
        f"[lỗi] {header_only}: tệp không có dòng dữ liệu nào"
    ]
    garbage = tmp_path / "hong.xlsx"
    garbage.write_bytes(b"day khong phai excel")
    assert "không phải tệp Excel" in problems_of(garbage, mini_criteria)[0]
    assert kinds_of(garbage, mini_criteria) == [("", "", ProblemCode.NOT_EXCEL)]
    missing = tmp_path / "khong_co.csv"
    assert problems_of(missing, mini_criteria) == [f"[lỗi] {missing}: không tìm thấy tệp"]


def test_xlsx_and_csv_with_bom_read_alike(tmp_path, mini_criteria, mini_survey_file):
    xlsx = tmp_path / "survey.xlsx"
    MINI_SURVEY.to_excel(xlsx, index=False)
    from_csv = load_evidence(mini_survey_file, mini_criteria, 2020)
    from_xlsx = load_evidence(xlsx, mini_criteria, 2020)
    pd.testing.assert_frame_equal(from_csv.values, from_xlsx.values)
    assert mini_survey_file.read_bytes().startswith(b"\xef\xbb\xbf")


def test_problems_are_listed_in_file_order(tmp_path, mini_criteria):
    def edit(t):
        t.loc[2, "so"] = "bốn"  # line 4
        t.loc[0, "d"] = "60"  # line 2, above the 6-point maximum

    errors = problems_of(changed(tmp_path, edit), mini_criteria)
    assert [e.split(", ")[1] for e in errors] == ["dòng 2", "dòng 4"]


def test_duplicate_column_headers_are_an_error(tmp_path, mini_criteria):
    path = tmp_path / "trung.csv"
    text = MINI_SURVEY.to_csv(index=False).replace(",d,", ",num ,", 1)  # "num " trims to "num"
    path.write_text(text, encoding="utf-8")
    assert problems_of(path, mini_criteria) == [
        f"[lỗi] {path}, dòng tiêu đề, trường «num»: cột bị trùng tên"
    ]


def test_blank_lines_keep_line_numbers_and_are_skipped(tmp_path, mini_criteria):
    lines = MINI_SURVEY.to_csv(index=False).splitlines()
    lines.insert(2, "")  # a blank line 3 and an all-empty row at line 5
    lines.insert(4, "," * (len(MINI_SURVEY.columns) - 1))
    lines[5] = lines[5].replace(",4,1,", ",bốn,1,")  # Đơn vị Ba, now on line 6
    path = tmp_path / "trong.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = problems_of(path, mini_criteria)
    assert errors == [
        f"[lỗi] {path}, dòng 6, đơn vị «Đơn vị Ba», trường «so»: phải là một số (đang là chữ hoặc ký hiệu)"
    ]


def test_thousands_separator_is_never_guessed(tmp_path, mini_criteria):
    path = changed(tmp_path, lambda t: t.__setitem__("den", ["1.500", "40", ""]))
    assert kinds_of(path, mini_criteria) == [
        ("dòng 2, đơn vị «Đơn vị Một»", "den", ProblemCode.AMBIGUOUS_THOUSANDS)
    ]


def test_a_part_with_every_criterion_excluded_cannot_be_scored(tmp_path, mini_criteria):
    path = changed(
        tmp_path, lambda t: t.__setitem__("khong_ap_dung", ["", "", "A1.1;A1.2;A1.3;A1.4"])
    )
    errors = problems_of(path, mini_criteria)
    assert errors == [
        f"[lỗi] {path}, dòng 4, đơn vị «Đơn vị Ba», trường «khong_ap_dung»: mọi tiêu chí của "
        "phần A đều ghi không áp dụng: phần này không chấm được"
    ]


def test_xlsx_numeric_and_boolean_cells(tmp_path, mini_criteria):
    import openpyxl

    xlsx = tmp_path / "so.xlsx"
    MINI_SURVEY.to_excel(xlsx, index=False)
    book = openpyxl.load_workbook(xlsx)
    sheet = book.active
    sheet["B2"], sheet["C2"], sheet["D2"] = 45, 50.0, True  # num, den as numbers; co as TRUE
    book.save(xlsx)
    ev = load_evidence(xlsx, mini_criteria, 2020)
    assert ev.values.loc["Đơn vị Một", ["num", "den", "co"]].tolist() == [45.0, 50.0, 1.0]


SAMPLE = ROOT / "data" / "sample"


def sample_rows(level: str, year: int = 2020, n: int = 3) -> pd.DataFrame:
    """The first rows of a sample survey, as text."""
    return pd.read_csv(SAMPLE / str(year) / f"{level}.csv", dtype=str, keep_default_na=False).head(
        n
    )


def load_sample(level: str):
    from cqdt.criteria import load_criteria

    return load_criteria(ROOT / "criteria" / "1784-2018" / f"{level}.yaml")


def test_a_fraction_or_percentage_in_a_count_is_refused_naming_the_question(tmp_path):
    xa = load_sample("xa")
    table = sample_rows("xa")
    table.loc[0, "so_cbcc_tap_huan"] = "0.85"  # "85%" typed in Excel is stored as 0.85
    table.loc[1, "bang_thong_mbps"] = "72.5"  # bandwidth is a number, not a count: fine
    path = write_survey(tmp_path / "xa.csv", table)
    assert kinds_of(path, xa) == [
        (
            f"dòng 2, đơn vị «{table.loc[0, 'don_vi']}»",
            "so_cbcc_tap_huan",
            ProblemCode.NOT_A_WHOLE_NUMBER,
        )
    ]
    (message,) = problems_of(path, xa)
    assert "«Số CBCC được tập huấn CNTT trong năm» là số đếm nên phải là số nguyên" in message


def test_a_criterion_that_always_applies_cannot_be_marked_not_applicable(tmp_path):
    xa = load_sample("xa")
    table = sample_rows("xa")
    table.loc[2, "khong_ap_dung"] = "B3.3; A1.1"  # B3.3 may be, A1.1 (computers) may not
    path = write_survey(tmp_path / "xa.csv", table)
    assert kinds_of(path, xa) == [
        (
            f"dòng 4, đơn vị «{table.loc[2, 'don_vi']}»",
            "khong_ap_dung",
            ProblemCode.NOT_APPLICABLE_REFUSED,
        )
    ]
    assert (
        "tiêu chí A1.1 (Tỷ lệ CBCC được trang bị máy tính) luôn được đánh giá"
        in problems_of(path, xa)[0]
    )


def test_marking_not_applicable_exempts_exactly_the_fields_no_applicable_criterion_needs(tmp_path):
    tinh = load_sample("tinh")  # so_tthc: denominator of B1.3 and of B3.3, both may be excluded
    table = sample_rows("tinh")
    table.loc[0, ["khong_ap_dung", "so_tthc_cong_khai", "so_tthc"]] = ["B1.3", "", ""]
    path = write_survey(tmp_path / "tinh.csv", table)
    # so_tthc_cong_khai only B1.3 reads: exempt; so_tthc B3.3 still needs: one error, naming B3.3
    assert kinds_of(path, tinh) == [
        (f"dòng 2, đơn vị «{table.loc[0, 'don_vi']}»", "so_tthc", ProblemCode.BLANK_VALUE)
    ]
    (message,) = problems_of(path, tinh)
    assert message.endswith(
        "để trống nhưng tiêu chí B3.3 cần giá trị này; nếu tiêu chí này không áp dụng cho đơn "
        "vị, ghi B3.3 vào cột «khong_ap_dung»"
    )
    table.loc[0, ["khong_ap_dung", "so_tthc_muc34"]] = ["B1.3;B3.3", ""]
    ev = load_evidence(write_survey(tmp_path / "tinh.csv", table), tinh, 2020)
    assert ev.not_applicable.iloc[0][["B1.3", "B3.3"]].all()


def test_a_blank_cell_several_criteria_need_is_one_problem_naming_them_all(tmp_path):
    xa = load_sample("xa")
    table = sample_rows("xa")
    table.loc[1, "so_cbcc"] = ""  # read by A1.1, A1.3, A2.2, A2.3, B1.3, none may be excluded
    path = write_survey(tmp_path / "xa.csv", table)
    (message,) = problems_of(path, xa)
    assert message.endswith(
        "trường «so_cbcc»: để trống nhưng tiêu chí A1.1, A1.3, A2.2, A2.3, B1.3 cần giá trị này"
    )
