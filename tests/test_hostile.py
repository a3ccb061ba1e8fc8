"""Hostile and unusual input: every case a clear Vietnamese message, nothing scored from it."""

from __future__ import annotations

import csv
import io
import shutil
import tracemalloc
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from msoffcrypto.format.ooxml import OOXMLFile

from cqdt.cli import main
from cqdt.criteria import read_criteria
from cqdt.evidence import load_evidence
from cqdt.files import read_sheet
from cqdt.problems import CriteriaError, EvidenceError, ProblemCode
from cqdt.reading import MAX_DATA_ROWS
from cqdt.yamlfile import parse_yaml
from tests.conftest import MINI_CRITERIA, MINI_SURVEY, ROOT, write_survey
from tests.test_scoring import surveys


def errors(path: Path, criteria) -> list[str]:
    with pytest.raises(EvidenceError) as caught:
        load_evidence(path, criteria, 2020)
    return [str(p) for p in caught.value.problems]


def codes(path: Path, criteria) -> list[ProblemCode]:
    """The kind of each problem of a survey file, in file order."""
    with pytest.raises(EvidenceError) as caught:
        load_evidence(path, criteria, 2020)
    return [p.code for p in caught.value.problems]


def survey_book(tmp_path: Path, name: str) -> tuple[Path, openpyxl.Workbook, list[str]]:
    """The mini survey saved as XLSX, opened for editing, with its header."""
    path = tmp_path / name
    MINI_SURVEY.to_excel(path, index=False)
    book = openpyxl.load_workbook(path)
    return path, book, [c.value for c in book.active[1]]


# --- numbers ------------------------------------------------------------------------------


def test_unambiguous_decimals_in_csv_are_accepted(tmp_path, mini_criteria):
    table = MINI_SURVEY.copy()
    table["d"] = ["0.184", "0.125", "3"]  # a leading 0 is never a thousands group
    table["den"] = ["50", "40.5", ""]
    ev = load_evidence(write_survey(tmp_path / "s.csv", table), mini_criteria, 2020)
    assert ev.values["d"].tolist() == [0.184, 0.125, 3.0]
    assert ev.values.loc["Đơn vị Hai", "den"] == 40.5


def test_text_that_reads_two_ways_is_refused_in_every_column_it_appears(tmp_path, mini_criteria):
    table = MINI_SURVEY.copy()
    table["den"] = ["1.200", "40", ""]
    table["so"] = ["3", "12.500", "4"]
    path = write_survey(tmp_path / "s.csv", table)
    assert codes(path, mini_criteria) == [ProblemCode.AMBIGUOUS_THOUSANDS] * 2
    found = errors(path, mini_criteria)
    assert [f.split(": ")[0].split(", ", 1)[1] for f in found] == [
        "dòng 2, đơn vị «Đơn vị Một», trường «den»",
        "dòng 3, đơn vị «Đơn vị Hai», trường «so»",
    ]
    assert all("không rõ dấu chấm là phân cách hàng nghìn hay thập phân" in f for f in found)


def test_numbers_typed_in_excel_are_taken_whatever_their_decimals(tmp_path, mini_criteria):
    xlsx, book, header = survey_book(tmp_path, "so.xlsx")
    sheet = book.active
    sheet.cell(2, header.index("d") + 1).value = 1.2  # as "1.200" would show with 3 decimals
    sheet.cell(2, header.index("d") + 1).number_format = "0.000"
    sheet.cell(3, header.index("d") + 1).value = 0.125
    sheet.cell(2, header.index("den") + 1).value = 1200  # shown as 1.200 in a Vietnamese Excel
    sheet.cell(2, header.index("den") + 1).number_format = "#,##0"
    book.save(xlsx)
    ev = load_evidence(xlsx, mini_criteria, 2020)
    assert ev.values["d"].tolist()[:2] == [1.2, 0.125]
    assert ev.values.loc["Đơn vị Một", "den"] == 1200


# --- YAML -----------------------------------------------------------------------------------


def test_a_repeated_yaml_key_is_an_error_never_last_wins(tmp_path):
    path = tmp_path / "huyen.yaml"
    path.write_text(
        MINI_CRITERIA.replace("status: reconstructed", "status: reconstructed\nstatus: official"),
        encoding="utf-8",
    )
    criteria, problems = read_criteria(path)
    assert criteria is None
    line = MINI_CRITERIA.splitlines().index("status: reconstructed") + 1
    assert [str(p) for p in problems] == [
        f"[lỗi] {path}, dòng {line + 1}, trường «status»: khoá «status» bị lặp lại (đã có ở dòng "
        f"{line}): mỗi khoá chỉ được ghi một lần trong một mục, không có giá trị nào được lấy thay"
    ]


def test_repeated_keys_deep_inside_are_all_reported():
    text = "a: 1\nb:\n  - {code: X, max: 1, max: 2}\n  - c: 1\n    c: 2\na: 3\n"
    with pytest.raises(CriteriaError) as caught:
        parse_yaml(text, "t.yaml")
    assert [(p.place, p.field, p.code) for p in caught.value.problems] == [
        ("dòng 3", "max", ProblemCode.REPEATED_YAML_KEY),
        ("dòng 5", "c", ProblemCode.REPEATED_YAML_KEY),
        ("dòng 6", "a", ProblemCode.REPEATED_YAML_KEY),
    ]


def test_yaml_merge_keys_are_not_repetitions():
    assert parse_yaml("base: &b {x: 1}\nuse:\n  <<: *b\n  y: 2\n", "t.yaml")["use"] == {
        "x": 1,
        "y": 2,
    }


# --- files that are not what they seem ------------------------------------------------------


def _sheet_book(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def test_empty_and_blank_workbooks(tmp_path, mini_criteria):
    empty = tmp_path / "rong.xlsx"
    empty.write_bytes(b"")
    assert errors(empty, mini_criteria) == [
        f"[lỗi] {empty}: tệp rỗng (0 byte), không có dòng tiêu đề"
    ]
    assert codes(empty, mini_criteria) == [ProblemCode.EMPTY_FILE]
    blank = _sheet_book(tmp_path / "trang.xlsx", [])
    assert codes(blank, mini_criteria) == [ProblemCode.BLANK_WORKBOOK]
    (message,) = errors(blank, mini_criteria)
    assert "tệp Excel không có dữ liệu: mọi trang tính đều trống («Sheet»)" in message


def test_password_protected_workbook(tmp_path, mini_criteria):
    plain = tmp_path / "plain.xlsx"
    MINI_SURVEY.to_excel(plain, index=False)
    locked = tmp_path / "khoa.xlsx"
    with plain.open("rb") as source, locked.open("wb") as target:
        office = OOXMLFile(source)
        office.encrypt("mat-khau", target)
    assert codes(locked, mini_criteria) == [ProblemCode.ENCRYPTED_WORKBOOK]
    (message,) = errors(locked, mini_criteria)
    assert "tệp Excel được đặt mật khẩu (mã hoá)" in message and "gỡ mật khẩu" in message


@pytest.mark.parametrize("encoding", ["cp1258", "latin-1"])
def test_csv_in_a_legacy_encoding(tmp_path, mini_criteria, encoding):
    path = tmp_path / "cu.csv"
    text = MINI_SURVEY.to_csv(index=False)  # "Có" on line 2: ó is one byte in both
    path.write_bytes(text.encode(encoding, errors="replace"))
    assert codes(path, mini_criteria) == [ProblemCode.NOT_UTF8]
    (message,) = errors(path, mini_criteria)
    assert f"{path}, dòng 2: tệp không phải mã UTF-8" in message
    assert "CSV UTF-8 (Comma delimited)" in message


def test_csv_in_utf16(tmp_path, mini_criteria):
    path = tmp_path / "u16.csv"
    path.write_bytes(MINI_SURVEY.to_csv(index=False, sep="\t").encode("utf-16"))
    assert codes(path, mini_criteria) == [ProblemCode.UTF16_ENCODING]
    (message,) = errors(path, mini_criteria)
    assert "tệp CSV mã hoá UTF-16" in message


@pytest.mark.parametrize(("sep", "name"), [(";", "dấu chấm phẩy «;»"), ("\t", "dấu tab")])
def test_csv_with_another_delimiter(tmp_path, mini_criteria, sep, name):
    path = tmp_path / "khac.csv"
    path.write_text(MINI_SURVEY.to_csv(index=False, sep=sep), encoding="utf-8-sig")
    assert codes(path, mini_criteria) == [ProblemCode.WRONG_DELIMITER]
    (message,) = errors(path, mini_criteria)
    assert f"{path}, dòng tiêu đề: các cột được phân cách bằng {name}" in message


def test_row_with_more_cells_than_the_header(tmp_path, mini_criteria):
    lines = MINI_SURVEY.to_csv(index=False).splitlines()
    lines[2] = lines[2].replace(",6,", ",6,5,", 1)  # "6,5" typed without quotes
    path = tmp_path / "lech.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert codes(path, mini_criteria) == [ProblemCode.TOO_MANY_CELLS]
    (message,) = errors(path, mini_criteria)
    assert f"{path}, dòng 3: dòng có 13 ô, nhiều hơn 12 cột của dòng tiêu đề" in message


def test_formula_without_cached_value_and_merged_cells_are_named(tmp_path, mini_criteria):
    path, book, header = survey_book(tmp_path, "cong-thuc.xlsx")
    sheet = book.active
    column = openpyxl.utils.get_column_letter(header.index("den") + 1)
    sheet[f"{column}2"] = "=B2*2"  # openpyxl saves no cached value
    sheet.merge_cells("E3:E4")
    book.save(path)
    assert sorted(codes(path, mini_criteria)) == [
        ProblemCode.FORMULA_WITHOUT_VALUE,
        ProblemCode.MERGED_CELLS,
    ]
    found = errors(path, mini_criteria)
    assert any(
        f"dòng 2, ô {column}2, trường «den»: ô chứa công thức «=B2*2» nhưng chưa có giá trị tính sẵn"
        in f
        for f in found
    )
    assert any("dòng 3, ô E3:E4, trường «so»: ô gộp (merged cells)" in f for f in found)


def test_excel_error_values_are_named_not_read_as_blank(tmp_path, mini_criteria):
    path, book, header = survey_book(tmp_path, "loi.xlsx")
    column = openpyxl.utils.get_column_letter(header.index("d") + 1)
    book.active[f"{column}3"] = "#DIV/0!"  # what a broken formula leaves behind
    book.save(path)
    assert codes(path, mini_criteria) == [ProblemCode.EXCEL_ERROR_VALUE]
    (message,) = errors(path, mini_criteria)
    assert f"dòng 3, ô {column}3, trường «d»: ô có giá trị lỗi của Excel «#DIV/0!»" in message


def test_a_workbook_saved_under_a_csv_name_is_read_as_the_workbook_it_is(tmp_path, mini_criteria):
    disguised = tmp_path / "khao-sat.csv"
    MINI_SURVEY.to_excel(disguised, index=False)  # Excel content, CSV name
    plain = write_survey(tmp_path / "that.csv", MINI_SURVEY)
    got, expected = (load_evidence(p, mini_criteria, 2020) for p in (disguised, plain))
    pd.testing.assert_frame_equal(got.values, expected.values)


def test_a_csv_under_an_excel_name_is_refused_saying_what_it_is(tmp_path, mini_criteria):
    path = write_survey(tmp_path / "khao-sat.xlsx", MINI_SURVEY)
    assert codes(path, mini_criteria) == [ProblemCode.NOT_EXCEL]
    (message,) = errors(path, mini_criteria)
    assert "mang đuôi .xlsx nhưng không phải tệp Excel: nội dung là chữ" in message
    assert "đổi đuôi tên tệp thành .csv" in message


def _zip(path: Path, names: dict[str, bytes]) -> Path:
    import zipfile

    with zipfile.ZipFile(path, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return path


NOT_TABLES = {
    "bao-cao.pdf": (b"%PDF-1.7\n...", "tệp PDF"),
    "anh.png": (b"\x89PNG\r\n\x1a\n" + bytes(64), "tệp ảnh PNG"),
    "anh.jpg": (b"\xff\xd8\xff\xe0" + bytes(64), "tệp ảnh JPEG"),
    "trang.xls": (b"<html><body><table><tr><td>don_vi</td></tr></table>", "trang web (HTML)"),
    "nhi-phan.csv": (bytes(range(256)) * 4, "tệp nhị phân"),
}


@pytest.mark.parametrize("name", list(NOT_TABLES))
def test_files_that_are_no_table_say_what_they_are(tmp_path, mini_criteria, name):
    content, what = NOT_TABLES[name]
    path = tmp_path / name
    path.write_bytes(content)
    (message,) = errors(path, mini_criteria)
    assert what in message


def test_archives_that_are_no_workbook_say_what_they_are(tmp_path, mini_criteria):
    word = _zip(tmp_path / "cong-van.xlsx", {"word/document.xml": b"<w/>"})
    assert "tệp Word (.docx)" in errors(word, mini_criteria)[0]
    ods = _zip(
        tmp_path / "bang.ods", {"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}
    )
    assert "OpenDocument (.ods" in errors(ods, mini_criteria)[0]
    other = _zip(tmp_path / "phieu.zip", {"a.csv": b"don_vi\n"})
    assert "tệp nén .zip" in errors(other, mini_criteria)[0]
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04" + bytes(100))
    assert codes(broken, mini_criteria) == [ProblemCode.CORRUPT_WORKBOOK]


@pytest.mark.slow  # the file must pass MAX_DATA_ROWS by far: writing and reading it takes seconds
def test_a_million_wrong_rows_end_quickly_with_the_first_errors_and_a_count(
    tmp_path, mini_criteria
):
    path = tmp_path / "dan-nham.csv"
    header = ",".join(MINI_SURVEY.columns)
    row = "Đơn vị,ba,mười,có lẽ,x,y,z,w,?,?,!,Z9\n"
    path.write_bytes((header + "\n").encode() + row.encode() * 1_000_000)
    tracemalloc.start()
    with pytest.raises(EvidenceError) as caught:
        load_evidence(path, mini_criteria, 2020)
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    err = caught.value
    assert len(err.problems) == 200 and err.omitted > 100_000
    assert "tệp có hơn 100.000 dòng dữ liệu, quá nhiều cho một phiếu" in str(err.problems[0])
    assert err.problems[0].code == ProblemCode.TOO_MANY_ROWS
    assert str(err.problems[1]).startswith(f"[lỗi] {path}, dòng 2, đơn vị «Đơn vị»")
    assert err.lines[-1].startswith(f"  ... và {err.omitted} lỗi nữa")
    # bounded work (no wall-clock assertion): reading stops at MAX_DATA_ROWS, memory stays small
    assert peak < 1500, peak
    assert MAX_DATA_ROWS == 100_000


# --- the command line -----------------------------------------------------------------------


def test_registered_units_missing_from_the_survey_are_said_on_screen_and_in_outputs(
    mini_workspace, tmp_path, capsys
):
    criteria, data = mini_workspace
    (data / "don_vi.csv").write_text(
        "cap,ma_don_vi,don_vi\nhuyen,H1,Đơn vị Một\nhuyen,H2,Đơn vị Hai\nhuyen,H3,Đơn vị Ba\n"
        "huyen,H4,Đơn vị Bốn\n",
        encoding="utf-8",
    )
    out = tmp_path / "ket-qua"
    assert main(["score", "--criteria", str(criteria), "--data", str(data), "--out", str(out)]) == 0
    screen = capsys.readouterr().out
    assert (
        "đơn vị «Đơn vị Bốn», trường «don_vi»: có trong danh mục nhưng không có trong tệp khảo sát"
        in screen
    )
    (run,) = out.iterdir()
    info = read_sheet(openpyxl.load_workbook(run / "huyen-2020" / "huyen-2020.xlsx")["Thông tin"])
    row = info[info["Mục"].str.startswith("Đơn vị trong danh mục không có số liệu")]
    assert row["Nội dung"].tolist() == ["Đơn vị Bốn"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["score", "--level", "tinhh"],
            "tùy chọn --level: giá trị «tinhh» không hợp lệ; chọn một trong",
        ),
        (["score", "--khong-co"], "tùy chọn hoặc tham số không được biết: --khong-co"),
        (["score", "--out"], "tùy chọn --out cần một giá trị"),
        (["lam-gi"], "giá trị «lam-gi» không hợp lệ"),
        ([], "thiếu tham số bắt buộc: LỆNH"),
    ],
)
def test_bad_options_get_a_vietnamese_message(capsys, args, message):
    with pytest.raises(SystemExit) as stopped:
        main(args)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "usage" not in err and "error" not in err and "argument" not in err


def test_out_pointing_at_a_file_or_an_unwritable_folder(mini_workspace, tmp_path, capsys):
    criteria, data = mini_workspace
    a_file = tmp_path / "ket-qua.txt"
    a_file.write_text("x", encoding="utf-8")
    for out, message in (
        (a_file, f"Lỗi: «{a_file}» là một tệp, không phải thư mục"),
        (a_file / "con", f"Lỗi: «{a_file}» là một tệp, không phải thư mục"),
        (
            Path("/proc/cqdt-khong-ghi-duoc"),
            "Lỗi: không ghi được vào thư mục «/proc/cqdt-khong-ghi-duoc»",
        ),
    ):
        for command in ("score", "report"):
            code = main(
                [command, "--criteria", str(criteria), "--data", str(data), "--out", str(out)]
            )
            assert code == 2
            assert message in capsys.readouterr().err
    assert a_file.read_text(encoding="utf-8") == "x"


# --- outputs ----------------------------------------------------------------------------------


def test_formula_like_names_never_become_formulas_in_csv_or_excel(mini_workspace, tmp_path):
    criteria, data = mini_workspace
    table = MINI_SURVEY.copy()
    names = ['=HYPERLINK("http://x")', "+1+1", "@SUM(A1)"]
    table["don_vi"] = names
    write_survey(data / "2020" / "huyen.csv", table)
    out = tmp_path / "o"
    assert main(["score", "--criteria", str(criteria), "--data", str(data), "--out", str(out)]) == 0
    (run,) = out.iterdir()
    with (run / "huyen-2020" / "huyen-2020-phan-A.csv").open(encoding="utf-8-sig") as handle:
        cells = [row[1] for row in csv.reader(handle)][1:]
    assert sorted(cells) == sorted("'" + n for n in names)
    book = openpyxl.load_workbook(run / "huyen-2020" / "huyen-2020.xlsx")
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            assert all(cell.data_type != "f" for cell in row)
    shown = {c.value for c in book["Phần A - Điều kiện sẵn sàng"]["B"]}
    assert set(names) <= shown
    # and cqdt reads its own neutralised CSV back to the same names
    back = pd.read_csv(io.StringIO("don_vi\n'=A1\n"), dtype=object)
    from cqdt.reading import clean_text

    assert clean_text(back["don_vi"]).tolist() == ["=A1"]


# --- properties over generated survey tables ------------------------------------------------


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    table=surveys(n_min=2, n_max=6),
    row=st.integers(0, 5),
    field=st.sampled_from(["den", "so", "v", "x", "d", "co", "m4"]),
    bad=st.sampled_from(["mười", "-3", "1.200", "có lẽ", "2,5", "inf", "#DIV/0!"]),
)
def test_any_single_corrupted_cell_is_named_and_nothing_is_scored(
    mini_criteria, tmp_path_factory, table, row, field, bad
):
    row %= len(table)
    table = table.assign(khong_ap_dung="")  # every criterion applies: every cell is read
    table.loc[row, field] = bad
    path = write_survey(tmp_path_factory.mktemp("h") / "s.csv", table)
    with pytest.raises(EvidenceError) as caught:
        load_evidence(path, mini_criteria, 2020)
    places = {(p.place, p.field) for p in caught.value.problems if p.severity == "lỗi"}
    assert (f"dòng {row + 2}, đơn vị «{table.loc[row, 'don_vi']}»", field) in places


def test_registered_units_missing_are_in_the_report_too(tmp_path):
    from cqdt.publishing.kinds import official as report

    data = tmp_path / "data"
    (data / "2020").mkdir(parents=True)
    shutil.copyfile(ROOT / "data" / "sample" / "don_vi.csv", data / "don_vi.csv")
    survey = pd.read_csv(
        ROOT / "data" / "sample" / "2020" / "huyen.csv", dtype=str, keep_default_na=False
    )
    survey[survey["don_vi"] != "Huyện A Lưới"].to_csv(data / "2020" / "huyen.csv", index=False)
    params = report.Parameters(
        level="huyen",
        year=2020,
        criteria_dir=str(ROOT / "criteria"),
        data_dir=str(data),
        output_dir=str(tmp_path / "o"),
        report_date="2026-11-25",
    )
    ctx = report.prepare(params)
    assert ctx.result.evidence.missing_units == ("Huyện A Lưới",)
    assert (
        "đơn vị «Huyện A Lưới»: có trong danh mục nhưng không có trong tệp khảo sát"
        in report.summary(ctx).data
    )


def test_missing_inputs_of_the_field_commands_are_named(tmp_path, capsys):
    common = ["--level", "huyen", "--year", "2020", "--out", str(tmp_path / "o")]
    assert main(["collect", str(tmp_path / "khong-co"), *common]) == 1
    assert (
        f"{tmp_path / 'khong-co'}: không phải thư mục chứa phiếu đã điền" in capsys.readouterr().err
    )
    survey = tmp_path / "khong-co.csv"
    assert main(["correct", str(tmp_path), "--survey", str(survey), *common]) == 1
    assert (
        f"{survey}: không tìm thấy tệp khảo sát sau phúc khảo (--survey)" in capsys.readouterr().err
    )
    assert not (tmp_path / "o").exists()


# --- found in review: each of these once ran, wrote something, or spoke English --------------


def test_yaml_syntax_errors_and_missing_files_are_named_in_vietnamese(tmp_path):
    broken = tmp_path / "huyen.yaml"
    broken.write_text("level: huyen\nparts: [\n  - code: A\n", encoding="utf-8")
    _, problems = read_criteria(broken)
    (problem,) = problems
    assert problem.place.startswith("dòng ") and problem.code == ProblemCode.YAML_SYNTAX
    assert "sai cú pháp YAML" in problem.message
    _, problems = read_criteria(tmp_path / "khong-co.yaml")
    assert [p.message for p in problems] == ["không tìm thấy tệp"]
    assert [p.code for p in problems] == [ProblemCode.FILE_NOT_FOUND]
    _, problems = read_criteria(tmp_path)
    assert [p.message for p in problems] == ["là một thư mục, không phải tệp YAML"]
    assert [p.code for p in problems] == [ProblemCode.NOT_A_FILE]


def test_collect_names_files_that_are_not_forms_and_refuses_an_empty_folder(tmp_path, capsys):
    forms = tmp_path / "phieu"
    forms.mkdir()
    common = ["--level", "huyen", "--year", "2020", "--out", str(tmp_path / "out")]
    data = ["--criteria", str(ROOT / "criteria"), "--data", str(ROOT / "data" / "sample")]
    assert main(["collect", str(forms), *common, *data]) == 1
    assert "không có phiếu .xlsx nào trong thư mục này" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    (forms / "phieu-hue.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))
    (forms / "phieu-vang.csv").write_text("don_vi,so_cbcc\n", encoding="utf-8")
    assert main(["collect", str(forms), *common, *data]) == 1
    err = capsys.readouterr().err
    assert "phieu-hue.xls: tệp Excel định dạng cũ (.xls, Excel 97–2003)" in err
    assert "phieu-vang.csv: không phải phiếu Excel (.xlsx): nội dung là chữ" in err


def test_correct_with_bad_corrected_data_writes_nothing(tmp_path, capsys):
    published = tmp_path / "cong-bo"
    common = ["--criteria", str(ROOT / "criteria"), "--data", str(ROOT / "data" / "sample")]
    assert (
        main(["score", *common, "--level", "huyen", "--year", "2020", "--out", str(published)]) == 0
    )
    survey = pd.read_csv(ROOT / "data" / "sample" / "2020" / "huyen.csv", dtype=str)
    survey.loc[0, "so_cbcc"] = "bốn mươi"
    bad = write_survey(tmp_path / "sai.csv", survey)
    (run,) = published.iterdir()
    args = ["correct", str(run), "--survey", str(bad), "--level", "huyen", "--year", "2020"]
    assert main([*args, *common, "--out", str(tmp_path / "out")]) == 1
    assert "trường «so_cbcc»: phải là một số" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_validate_counts_a_broken_criteria_file_once_and_the_data_it_stops_apart(tmp_path, capsys):
    (tmp_path / "v").mkdir()
    (tmp_path / "v" / "huyen.yaml").write_text("level: huyen\nlevel: xa\n", encoding="utf-8")
    data = ["--data", str(ROOT / "data" / "sample"), "--level", "huyen", "--year", "2020"]
    assert main(["validate", "--criteria", str(tmp_path), *data]) == 1
    out = capsys.readouterr().out
    assert (
        "Kết quả kiểm tra: 1 tệp tiêu chí hoặc kịch bản có lỗi; 1 cấp, năm không chấm được" in out
    )
