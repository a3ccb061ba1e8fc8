"""The command line: validate and score on real files, results checked against hand-worked values."""

from __future__ import annotations

import shutil

import openpyxl
import pandas as pd
import pytest

from cqdt.cli import main
from cqdt.tables import OFFICIAL_COLUMNS
from tests.conftest import MINI_SURVEY, ROOT, write_survey


def run(*args: str) -> int:
    return main(list(args))


def test_validate_sample_data_passes(capsys):
    code = run(
        "validate", "--criteria", str(ROOT / "criteria"), "--data", str(ROOT / "data" / "sample")
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "Dữ liệu cấp xã năm 2020: hợp lệ, 145 đơn vị" in out
    assert "Kết quả kiểm tra: không có lỗi" in out


def test_validate_reports_every_problem_and_exits_1(mini_workspace, capsys):
    criteria, data = mini_workspace
    bad = MINI_SURVEY.copy()
    bad.loc[0, "num"] = "99"
    bad.loc[1, "so"] = "-1"
    write_survey(data / "2020" / "huyen.csv", bad)
    code = run("validate", "--criteria", str(criteria), "--data", str(data))
    err = capsys.readouterr().err
    assert code == 1
    assert "tử số lớn hơn mẫu số" in err and "không được là số âm" in err


def test_score_writes_official_tables_with_hand_worked_values(mini_workspace, tmp_path, capsys):
    criteria, data = mini_workspace
    out = tmp_path / "ket-qua"
    assert run("score", "--criteria", str(criteria), "--data", str(data), "--out", str(out)) == 0
    (folder,) = out.iterdir()
    assert folder.name.startswith("diem-")
    table = pd.read_csv(folder / "huyen-2020" / "huyen-2020-phan-A.csv", encoding="utf-8-sig")
    # reconstructed criteria: a last column says so on every row
    assert list(table.columns) == [*OFFICIAL_COLUMNS, "Lưu ý"]
    assert table["Lưu ý"].str.startswith("Bộ tiêu chí là BẢN TÁI DỰNG").all()
    assert (
        (folder / "huyen-2020" / "huyen-2020-phan-A.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    )
    # hand-worked in test_scoring: 9.1 (I), 8.33 of 6 required (III), 4.0 (III)
    assert table["Đơn vị"].tolist() == ["Đơn vị Một", "Đơn vị Ba", "Đơn vị Hai"]
    assert table["STT"].tolist() == [1, 2, 3]
    assert table["Số điểm không đưa vào đánh giá"].tolist() == [0, 4, 0]
    assert table["Số điểm tối đa cần thực hiện"].tolist() == [10, 6, 10]
    assert table["Tỷ lệ thực hiện (%)"].tolist() == [91.0, 83.33, 40.0]
    assert table["Số điểm thực hiện được quy đổi"].tolist() == [9.1, 8.33, 4.0]
    assert table["Xếp hạng mức độ"].tolist() == ["I", "III", "III"]

    book = openpyxl.load_workbook(folder / "huyen-2020" / "huyen-2020.xlsx")
    assert book.sheetnames == [
        "Thông tin",
        "Phần A - Điều kiện sẵn sàng",
        "Phần B - Kết quả",
        "Điểm chi tiết",
    ]
    for sheet in book.worksheets:  # the mini criteria are reconstructed, the data not marked
        assert sheet["A1"].value.startswith("Bộ tiêu chí là BẢN TÁI DỰNG"), sheet.title
        assert sheet["A2"].value is None and sheet.oddHeader.center.text.startswith("BẢN TÁI")
    info = [c.value for row in book["Thông tin"].iter_rows(min_row=3) for c in row]
    assert info[:2] == ["Mục", "Nội dung"]
    sheet = book["Phần A - Điều kiện sẵn sàng"]
    assert [c.value for c in sheet[3]] == OFFICIAL_COLUMNS
    # Đơn vị Một, part A: 3.6 + 2 + 1.5 + 2 = 9.1 of 10, rate 91 % as in the CSV
    assert [c.value for c in sheet[4]][1:] == ["Đơn vị Một", 10, 0, 10, 9.1, 91, 9.1, "I"]
    rate = sheet.cell(row=4, column=OFFICIAL_COLUMNS.index("Tỷ lệ thực hiện (%)") + 1)
    assert rate.number_format == "0.00"
    assert sheet.freeze_panes == "A4" and sheet.auto_filter.ref == "A3:I6"

    rows = book["Điểm chi tiết"].iter_rows(min_row=3, values_only=True)
    header = next(rows)
    detail = {(r[header.index("Đơn vị")], r[header.index("Mã tiêu chí")]): r for r in rows}
    # survey order of units, then criteria file order
    units = ["Đơn vị Một", "Đơn vị Hai", "Đơn vị Ba"]
    codes = ["A1.1", "A1.2", "A1.3", "A1.4", "B1.1", "B1.2", "B1.3"]
    assert list(detail) == [(u, c) for u in units for c in codes]
    missing = header.index("Còn thiếu")
    assert detail["Đơn vị Hai", "A1.2"][missing] == 2  # yes/no worth 2, answered Không
    assert detail["Đơn vị Ba", "A1.1"][missing] is None  # not applicable


def test_each_score_run_has_its_own_folder(mini_workspace, tmp_path):
    criteria, data = mini_workspace
    out = tmp_path / "ket-qua"
    for _ in range(2):
        assert (
            run("score", "--criteria", str(criteria), "--data", str(data), "--out", str(out)) == 0
        )
    assert len(list(out.iterdir())) == 2


def test_score_skips_a_bad_file_and_exits_1(mini_workspace, tmp_path, capsys):
    criteria, data = mini_workspace
    (data / "2019").mkdir()
    bad = MINI_SURVEY.copy()
    bad.loc[0, "d"] = "9"  # above the criterion's 6 points
    write_survey(data / "2019" / "huyen.csv", bad)
    out = tmp_path / "ket-qua"
    assert run("score", "--criteria", str(criteria), "--data", str(data), "--out", str(out)) == 1
    (folder,) = out.iterdir()
    assert sorted(p.name for p in folder.iterdir()) == ["huyen-2020", "manifest.json"]
    assert "điểm chấm vượt quá điểm tối đa" in capsys.readouterr().err


def test_score_with_every_file_bad_writes_nothing(mini_workspace, tmp_path, capsys):
    criteria, data = mini_workspace
    bad = MINI_SURVEY.copy()
    bad.loc[0, "d"] = "9"
    write_survey(data / "2020" / "huyen.csv", bad)
    out = tmp_path / "ket-qua"
    assert run("score", "--criteria", str(criteria), "--data", str(data), "--out", str(out)) == 1
    assert not out.exists()
    captured = capsys.readouterr()
    assert "Kết quả ghi tại" not in captured.out
    assert "không ghi kết quả" in captured.err


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("--compare-year", "abc", "năm so sánh phải là một năm bốn chữ số"),
        ("--compare-year", "20", "năm so sánh phải là một năm bốn chữ số"),
        ("--jobs", "-1", "phải là số nguyên từ 0 trở lên, không phải «-1»"),
        ("--jobs", "hai", "phải là số nguyên từ 0 trở lên"),
        ("--timeout", "0", "phải là số nguyên từ 1 trở lên, không phải «0»"),
    ],
)
def test_bad_report_options_stop_before_anything_is_written(
    mini_workspace, tmp_path, capsys, option, value, message
):
    criteria, data = mini_workspace
    out = tmp_path / "ket-qua"
    args = ["report", "--criteria", str(criteria), "--data", str(data), "--out", str(out)]
    with pytest.raises(SystemExit) as stopped:
        run(*args, option, value)
    assert stopped.value.code == 2
    assert f"tùy chọn {option}: {message}" in capsys.readouterr().err
    assert not out.exists()


def test_bad_year_option_is_explained():
    with pytest.raises(SystemExit, match="--year phải là một năm"):
        run("score", "--year", "hai nghìn")


def test_no_survey_files_is_explained(tmp_path):
    with pytest.raises(SystemExit, match="không tìm thấy tệp khảo sát"):
        run("score", "--data", str(tmp_path))


def test_help_documents_every_option(capsys):
    with pytest.raises(SystemExit):
        run("report", "--help")
    out = capsys.readouterr().out
    for option in (
        "--criteria",
        "--data",
        "--level",
        "--year",
        "--out",
        "--compare-year",
        "--jobs",
        "--timeout",
        "--no-pdf",
    ):
        assert option in out


def test_sample_folder_is_copied_not_modified(tmp_path):
    # scoring never writes into the data folder
    data = tmp_path / "sample"
    shutil.copytree(ROOT / "data" / "sample", data)
    before = sorted(p.name for p in data.rglob("*"))
    assert (
        run(
            "score",
            "--level",
            "tinh",
            "--year",
            "2020",
            "--data",
            str(data),
            "--criteria",
            str(ROOT / "criteria"),
            "--out",
            str(tmp_path / "o"),
        )
        == 0
    )
    assert sorted(p.name for p in data.rglob("*")) == before
