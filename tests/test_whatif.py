"""`cqdt whatif` for real: papermill, nbconvert, WeasyPrint, openpyxl; one run per session."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pandas as pd
import papermill
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cqdt.cli import main
from cqdt.explorer import ExplorerParameters
from cqdt.files import read_sheet
from cqdt.publishing.kinds.scenario import Parameters as ScenarioParameters
from cqdt.scenarios import apply_scenario, load_scenario
from cqdt.workspace import Workspace
from tests.conftest import ROOT

CRITERIA = ROOT / "criteria"
SAMPLE = ROOT / "data" / "sample"
SCENARIO = CRITERIA / "kich-ban" / "huyen-b33-10-diem.yaml"


def whatif(scenario: Path, year: int, out: Path) -> int:
    """`cqdt whatif` on the sample data."""
    command = ["whatif", str(scenario), "--year", str(year), "--out", str(out)]
    return main([*command, "--criteria", str(CRITERIA), "--data", str(SAMPLE)])


@pytest.fixture(scope="session")
def whatif_run(tmp_path_factory) -> dict:
    """One `cqdt whatif` run with PDF, shared by every test here."""
    out = tmp_path_factory.mktemp("whatif")
    code = whatif(SCENARIO, 2020, out)
    (run,) = out.iterdir()
    (folder,) = [p for p in run.iterdir() if p.is_dir()]
    scenario = load_scenario(SCENARIO, CRITERIA)
    official = Workspace.at(CRITERIA, SAMPLE).score("huyen", 2020)
    return {
        "code": code,
        "run": run,
        "folder": folder,
        "what_if": apply_scenario(scenario, official),
    }


def test_run_writes_comparison_transitions_and_report(whatif_run):
    assert whatif_run["code"] == 0
    assert whatif_run["run"].name.startswith("kich-ban-")
    names = sorted(p.name for p in whatif_run["folder"].iterdir())
    assert names == [
        "kich-ban-huyen-2020-chuyen-muc.csv",
        "kich-ban-huyen-2020-so-sanh.csv",
        "kich-ban-huyen-2020.html",
        "kich-ban-huyen-2020.ipynb",
        "kich-ban-huyen-2020.pdf",
        "kich-ban-huyen-2020.xlsx",
    ]
    manifest = json.loads((whatif_run["run"] / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = manifest["runs"]
    assert entry["kind"] == "kich-ban" and entry["status"] == "thành công"
    assert set(entry["inputs"]) == {"scenario", "criteria", "survey", "units"}
    index = (whatif_run["run"] / "index.html").read_text(encoding="utf-8")
    assert "Báo cáo kịch bản giả định" in index


def test_csv_rows_are_the_scenario_applied_to_the_official_points(whatif_run):
    table = pd.read_csv(
        whatif_run["folder"] / "kich-ban-huyen-2020-so-sanh.csv", encoding="utf-8-sig"
    )
    assert len(table) == 9 * 3  # nine district units, parts A, B, C
    expected = whatif_run["what_if"].comparison
    assert table["Đơn vị"].tolist() == expected["unit"].tolist()
    assert table["Điểm quy đổi (sau)"].tolist() == expected["converted_published"].tolist()
    assert table["Hạng (trước)"].tolist() == expected["rank_before"].tolist()
    # B3.3 is in part B only: parts A and C are untouched
    untouched = table[table["Phần"] != "B"]
    assert (untouched["Điểm quy đổi (trước)"] == untouched["Điểm quy đổi (sau)"]).all()
    # by hand: converted = rate x 100 in part B; the rate is achieved / required
    b = table[table["Phần"] == "B"]
    assert (b["Tỷ lệ thực hiện % (sau)"].round(2) == b["Điểm quy đổi (sau)"].round(2)).all()


def test_transition_counts_add_up_to_the_units(whatif_run):
    moves = pd.read_csv(
        whatif_run["folder"] / "kich-ban-huyen-2020-chuyen-muc.csv", encoding="utf-8-sig"
    )
    assert moves.groupby("Phần")["Số đơn vị"].sum().to_dict() == {"A": 9, "B": 9, "C": 9}
    for _, row in moves.iterrows():
        assert len(row["Đơn vị"].split(", ")) == row["Số đơn vị"]


def test_workbook_and_pdf(whatif_run):
    book = load_workbook(whatif_run["folder"] / "kich-ban-huyen-2020.xlsx")
    assert book.sheetnames == ["Thông tin", "Thay đổi", "So sánh", "Chuyển mức"]
    changes = read_sheet(book["Thay đổi"])  # below the warning lines
    assert changes.iloc[0, 1].startswith("Đặt điểm tối đa của B3.3")
    text = " ".join(
        page.extract_text()
        for page in PdfReader(whatif_run["folder"] / "kich-ban-huyen-2020.pdf").pages
    )
    assert "KỊCH BẢN GIẢ ĐỊNH" in text and "Cấp huyện: B3.3 tối đa 10 điểm" in text
    assert "BẢN TÁI DỰNG TIÊU CHÍ" in text and "DỮ LIỆU GIẢ LẬP" in text


def test_html_hides_code_and_shows_the_same_comparison(whatif_run):
    page = (whatif_run["folder"] / "kich-ban-huyen-2020.html").read_text(encoding="utf-8")
    assert "report.prepare" not in page and "from_namespace" not in page
    (first,) = pd.read_html(
        io.StringIO(page), attrs={"class": "dataframe bang so-sanh"}, thousands=".", decimal=","
    )[:1]
    expected = whatif_run["what_if"].comparison
    assert first["Đơn vị"].tolist() == expected[expected["part"] == "A"]["unit"].tolist()


def test_bad_scenario_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "sai.yaml"
    bad.write_text(
        'title: "Sai"\nbase: {version: "1784-2018", level: huyen}\n'
        "changes:\n  - {change: set_max, code: B9.9, max: 10}\n"
        "  - {change: threshold, level: II, min_rate: 0.95}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = whatif(bad, 2020, out)
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "có lỗi, không ghi gì" in err
    assert "mã «B9.9» không phải mã tiêu chí hay nhóm nào" in err
    assert "ngưỡng xếp mức phải giảm dần" in err
    assert "Traceback" not in err


def test_year_outside_the_base_criteria(tmp_path, capsys):
    out = tmp_path / "out"
    code = whatif(SCENARIO, 2017, out)  # the base set starts in 2018 and has no end date
    assert code == 1 and not out.exists()
    assert "không có hiệu lực năm 2017" in capsys.readouterr().err


@pytest.mark.parametrize("model", [ScenarioParameters, ExplorerParameters])
def test_notebook_parameters_are_the_model_fields(model):
    names = set(papermill.inspect_notebook(str(model.notebook_path())))
    assert names == set(model.model_fields)


def test_unwritable_output_is_a_message_not_a_traceback(tmp_path, capsys):
    blocker = tmp_path / "tep"
    blocker.write_text("", encoding="utf-8")
    code = whatif(SCENARIO, 2020, blocker / "out")
    err = capsys.readouterr().err
    assert code == 2 and "là một tệp, không phải thư mục" in err and "Traceback" not in err
