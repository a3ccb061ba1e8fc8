"""`cqdt whatif` for real: several scenarios, several years; papermill, nbconvert, WeasyPrint.

One run per session (three scenarios, 2019 and 2020) is shared by every end-to-end test here;
the numbers are checked against a recomputation from the points matrix written out below,
independent of :func:`cqdt.scoring.aggregate`.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pandas as pd
import papermill
import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from cqdt.cli import main
from cqdt.explorer import Explorer, ExplorerParameters
from cqdt.files import read_sheet
from cqdt.numbers import round_half_up
from cqdt.publishing.kinds import scenario as report
from cqdt.publishing.kinds.scenario import Parameters as ScenarioParameters
from cqdt.scenarios import WhatIf, apply_scenario, load_scenario
from cqdt.whatif_tables import comparison_table
from cqdt.workspace import Workspace
from tests.conftest import ROOT

CRITERIA = ROOT / "criteria"
SAMPLE = ROOT / "data" / "sample"
SCENARIO = CRITERIA / "kich-ban" / "huyen-b33-10-diem.yaml"
THRESHOLD = CRITERIA / "kich-ban" / "huyen-muc-i-88.yaml"
OWN = """\
title: "Bỏ B3.5, phần C: mức II từ 80 %"
base: {version: "1784-2018", level: huyen}
changes:
  - {change: drop, code: B3.5}
  - {change: threshold, part: C, level: "II", min_rate: 0.80}
"""
"""A scenario written for the test: a dropped criterion and a threshold of one part."""


def whatif(scenarios: list[Path], year: str, out: Path) -> int:
    """`cqdt whatif` on the sample data."""
    command = ["whatif", *map(str, scenarios), "--year", year, "--out", str(out)]
    return main([*command, "--criteria", str(CRITERIA), "--data", str(SAMPLE)])


def explored(folder: Path) -> tuple[Path, WhatIf]:
    """An analyst's state of the explorer, saved: a scenario file, a group slider, a criterion
    picked and moved, a threshold of one part; and what the explorer showed for it (2020)."""
    explorer = Explorer(
        ExplorerParameters(
            level="huyen",
            year=2020,
            criteria_dir=str(CRITERIA),
            data_dir=str(SAMPLE),
            output_dir=str(folder),
        )
    )
    explorer.scenario.value = str(SCENARIO)
    explorer.weights.children[0].children[0].value = 1.1  # group A1
    explorer.criterion.value = "B1.2"
    explorer.criterion_factor.value = 2.0
    explorer.scope.value = "C"
    explorer.thresholds.children[1].value = 0.8  # level II of part C only
    assert explorer.status.value == ""
    return explorer.save_scenario(), explorer.what_if


@pytest.fixture(scope="session")
def whatif_run(tmp_path_factory) -> dict:
    """`cqdt whatif` of four scenarios (the last saved from the explorer) on 2019 and 2020,
    with PDF; shared by every test here."""
    out = tmp_path_factory.mktemp("whatif")
    own = out.parent / "bo-b35.yaml"
    own.write_text(OWN, encoding="utf-8")
    saved, shown = explored(out.parent / "kham-pha")
    scenarios = [SCENARIO, THRESHOLD, own, saved]
    code = whatif(scenarios, "2019,2020", out)
    (run,) = out.iterdir()
    workspace = Workspace.at(CRITERIA, SAMPLE)
    loaded = [load_scenario(s, CRITERIA) for s in scenarios]
    official = {year: workspace.score("huyen", year) for year in (2019, 2020)}
    return {
        "code": code,
        "run": run,
        "folder": {year: run / f"4-kich-ban-huyen-{year}" for year in (2019, 2020)},
        "official": official,
        "what_ifs": {
            year: [apply_scenario(s, official[year]) for s in loaded] for year in official
        },
        "explored": shown,
    }


def table(run: dict, year: int, name: str) -> pd.DataFrame:
    return pd.read_csv(
        run["folder"][year] / f"kich-ban-huyen-{year}-{name}.csv", encoding="utf-8-sig"
    )


def by_hand(official, weights: dict[str, float], part: str) -> pd.DataFrame:
    """A part's published rate and converted points under new criterion maxima, recomputed from
    the points matrix as the method says: published criterion points times their new weight,
    summed; required = new total − excluded; rate (%) rounded to 2 decimals; converted = rate ×
    part maximum (the part's scale cancels out of the rate)."""
    criteria = official.criteria.criteria_table().set_index("criterion")
    own = criteria[criteria["part"] == part]
    factor = pd.Series(weights).reindex(own.index).fillna(1.0)
    maxima = own["max"] * factor
    points = official.points[own.index].apply(lambda column: round_half_up(column, 2))
    achieved = (points * factor).sum(axis=1)
    required = maxima.sum() - points.isna().mul(maxima).sum(axis=1)
    rate = round_half_up(achieved / required * 100, 2)
    part_max = next(p.max for p in official.criteria.parts if p.code == part)
    return pd.DataFrame({"rate": rate, "converted": round_half_up(rate * part_max / 100, 2)})


@pytest.mark.slow
def test_run_writes_one_report_per_year_comparing_every_scenario(whatif_run):
    assert whatif_run["code"] == 0
    assert whatif_run["run"].name.startswith("kich-ban-")
    names = sorted(p.name for p in whatif_run["folder"][2020].iterdir())
    assert names == [
        "ho-so-tai-lap-kich-ban-huyen-2020.html",  # the audit record every report has
        "ho-so-tai-lap-kich-ban-huyen-2020.pdf",
        "kich-ban-huyen-2020-chuyen-muc.csv",
        "kich-ban-huyen-2020-doi-chieu.csv",
        "kich-ban-huyen-2020-so-sanh.csv",
        "kich-ban-huyen-2020.html",
        "kich-ban-huyen-2020.ipynb",
        "kich-ban-huyen-2020.pdf",
        "kich-ban-huyen-2020.xlsx",
    ]
    manifest = json.loads((whatif_run["run"] / "manifest.json").read_text(encoding="utf-8"))
    assert [(r["kind"], r["year"], r["status"]) for r in manifest["runs"]] == [
        ("kich-ban", 2019, "thành công"),
        ("kich-ban", 2020, "thành công"),
    ]
    assert set(manifest["runs"][0]["inputs"]) == {
        "scenario 1",
        "scenario 2",
        "scenario 3",
        "scenario 4",
        "criteria",
        "survey",
        "units",
    }


@pytest.mark.slow
def test_side_by_side_is_official_then_each_scenario_recomputed_by_hand(whatif_run):
    beside = table(whatif_run, 2020, "doi-chieu")
    assert list(beside.columns[:5]) == [
        "Phần",
        "Đơn vị",
        "Số điểm thực hiện được quy đổi (chính thức)",
        "Hạng (chính thức)",
        "Mức (chính thức)",
    ]
    official = whatif_run["official"][2020]
    b = beside[beside["Phần"] == "B"].set_index("Đơn vị")
    # scenario 1: B3.3 from 8 to 10 points; scenario 3: B3.5 dropped (weight 0)
    for label, weights in (("Kịch bản 1", {"B3.3": 10 / 8}), ("Kịch bản 3", {"B3.5": 0.0})):
        expected = by_hand(official, weights, "B")
        column = b[f"Số điểm thực hiện được quy đổi ({label})"]
        assert column.to_dict() == expected["converted"].reindex(column.index).to_dict()
    # scenario 2: level I from 88 %, so a unit at 88.53 % is now I; points unchanged
    rates = by_hand(official, {}, "B")["rate"]
    official_points = b["Số điểm thực hiện được quy đổi (chính thức)"]
    assert (b["Số điểm thực hiện được quy đổi (Kịch bản 2)"] == official_points).all()
    expected_level = rates.map(lambda r: "I" if r >= 88 else "II" if r >= 85 else "III")
    assert b["Mức (Kịch bản 2)"].to_dict() == expected_level.reindex(b.index).to_dict()
    # scenario 3, part C: level II from 80 % in that part only
    c = beside[beside["Phần"] == "C"].set_index("Đơn vị")
    rates_c = by_hand(official, {}, "C")["rate"]
    expected_c = rates_c.map(lambda r: "I" if r >= 90 else "II" if r >= 80 else "III")
    assert c["Mức (Kịch bản 3)"].to_dict() == expected_c.reindex(c.index).to_dict()


@pytest.mark.slow
def test_comparison_is_rounded_with_the_required_column_and_adds_up(whatif_run):
    compared = table(whatif_run, 2019, "so-sanh")
    assert compared["Kịch bản"].unique().tolist() == [f"Kịch bản {n}" for n in (1, 2, 3, 4)]
    assert len(compared) == 4 * 9 * 3  # scenarios, district units, parts A, B, C
    for column in compared.columns:
        if compared[column].dtype == float:  # printed as the official tables: 2 decimals
            assert (compared[column].round(2) == compared[column]).all(), column
            assert compared[column].astype(str).str.len().max() <= 7, column
    # by hand, every row: rate = achieved ÷ required, converted = rate × part maximum
    maxima = {"A": 50, "B": 100, "C": 10}
    for side in ("trước", "sau"):
        achieved = compared[f"Số điểm thực hiện ({side})"]
        required = compared[f"Số điểm tối đa cần thực hiện ({side})"]
        rate = compared[f"Tỷ lệ thực hiện (%) ({side})"]
        assert ((achieved / required * 100 - rate).abs() <= 0.011).all()
        converted = compared[f"Số điểm thực hiện được quy đổi ({side})"]
        assert (round_half_up(rate * compared["Phần"].map(maxima) / 100, 2) == converted).all()


@pytest.mark.slow
def test_transition_counts_add_up_to_the_units(whatif_run):
    moves = table(whatif_run, 2020, "chuyen-muc")
    counts = moves.groupby(["Kịch bản", "Phần"])["Số đơn vị"].sum()
    assert (counts == 9).all() and len(counts) == 4 * 3
    for _, row in moves.iterrows():
        assert len(row["Đơn vị"].split(", ")) == row["Số đơn vị"]


@pytest.mark.slow
def test_workbook_uses_the_official_number_formats(whatif_run):
    book = load_workbook(whatif_run["folder"][2020] / "kich-ban-huyen-2020.xlsx")
    assert book.sheetnames == [
        "Thông tin",
        "Thay đổi",
        "Quy về thang của phần",
        "Đối chiếu",
        "So sánh",
        "Chuyển mức",
    ]
    changes = read_sheet(book["Thay đổi"])  # below the warning lines
    assert changes.iloc[0, 2].startswith("Đặt điểm tối đa của B3.3")
    sheet = book["So sánh"]
    header = next(r for r in sheet.iter_rows(values_only=True) if r and r[0] == "Kịch bản")
    row = next(sheet.iter_rows(min_row=sheet.max_row, max_row=sheet.max_row))
    formats = {name: cell.number_format for name, cell in zip(header, row, strict=True)}
    assert formats["Số điểm tối đa cần thực hiện (sau)"] == "0.00"
    assert formats["Tỷ lệ thực hiện (%) (trước)"] == "0.00"
    assert formats["Số điểm thực hiện được quy đổi (sau)"] == "0.00"
    assert formats["Hạng (sau)"] == "0"
    rescaled = read_sheet(book["Quy về thang của phần"])
    b = rescaled[(rescaled["Kịch bản"] == "Kịch bản 1") & (rescaled["Phần"] == "B")].iloc[0]
    assert b["Tổng điểm tối đa các tiêu chí theo kịch bản"] == 102  # 100 − 8 + 10
    assert b["Hệ số quy về thang của phần"] == round(100 / 102, 6)


@pytest.mark.slow
def test_pdf_prints_wide_tables_on_landscape_pages_with_the_rescaling_note(whatif_run):
    reader = PdfReader(whatif_run["folder"][2020] / "kich-ban-huyen-2020.pdf")
    text = " ".join(re.sub(r"\s+", " ", page.extract_text()) for page in reader.pages)
    assert "KỊCH BẢN GIẢ ĐỊNH" in text and "So sánh 4 kịch bản với kết quả chính thức" in text
    assert "BẢN TÁI DỰNG TIÊU CHÍ" in text and "DỮ LIỆU GIẢ LẬP" in text
    assert "phần B: 100,00 ÷ 102,00 = 0,9804" in text  # scenario 1's rescaling, by hand
    wide = [p for p in reader.pages if p.mediabox.width > p.mediabox.height]
    tall = [p for p in reader.pages if p.mediabox.width < p.mediabox.height]
    assert tall and wide  # cover and text upright; the comparisons on landscape pages
    assert all("Đối chiếu" not in p.extract_text() or p in wide for p in reader.pages[2:])


@pytest.mark.slow
def test_html_hides_code_and_shows_the_same_comparison(whatif_run):
    page = (whatif_run["folder"][2020] / "kich-ban-huyen-2020.html").read_text(encoding="utf-8")
    assert "report.prepare" not in page and "from_namespace" not in page
    first = pd.read_html(
        io.StringIO(page),
        attrs={"class": "dataframe bang rong so-sanh"},
        thousands=".",
        decimal=",",
    )[0]
    expected = comparison_table(whatif_run["what_ifs"][2020][0])
    a = expected[expected["Phần"] == "A"]
    assert first.iloc[:, 0].tolist() == a["Đơn vị"].tolist()
    assert (
        first[("Số điểm tối đa cần thực hiện", "sau")].tolist()
        == a["Số điểm tối đa cần thực hiện (sau)"].tolist()
    )


@pytest.mark.slow
def test_the_explorers_saved_state_is_reproduced_exactly_by_whatif(whatif_run):
    # what the explorer showed, against what `cqdt whatif` wrote for the file it saved
    compared = table(whatif_run, 2020, "so-sanh")
    rows = compared[compared["Kịch bản"] == "Kịch bản 4"].set_index(["Phần", "Đơn vị"])
    shown = whatif_run["explored"].comparison.set_index(["part", "unit"])
    shown = shown.loc[rows.index]
    assert (
        rows["Số điểm thực hiện được quy đổi (sau)"].tolist()
        == shown["converted_published"].tolist()
    )
    assert rows["Hạng (sau)"].tolist() == shown["rank"].tolist()
    assert rows["Mức (sau)"].tolist() == shown["level"].tolist()
    assert rows["Số điểm thực hiện (sau)"].tolist() == shown["achieved"].tolist()
    # the state was away from the scenario file alone: A1 and B1.2 moved the points
    alone = compared[compared["Kịch bản"] == "Kịch bản 1"].set_index(["Phần", "Đơn vị"])
    column = "Số điểm thực hiện được quy đổi (sau)"
    for part in ("A", "B"):
        own = rows.loc[part, column]
        assert (own != alone.loc[part, column].reindex(own.index)).any()


def test_one_scenario_has_no_side_by_side_section_and_says_when_nothing_is_rescaled():
    params = ScenarioParameters(
        level="huyen",
        year=2020,
        criteria_dir=str(CRITERIA),
        data_dir=str(SAMPLE),
        scenario_files=[str(THRESHOLD)],
    )
    ctx = report.prepare(params)
    assert report.side_by_side_section(ctx).data == ""
    assert "Tổng điểm tối đa của các tiêu chí trong mỗi phần không đổi" in report.changes(ctx).data
    assert "III. So sánh từng đơn vị" in report.comparison(ctx).data


def test_scenarios_on_different_criteria_sets_are_refused_before_anything(tmp_path, capsys):
    other = tmp_path / "xa.yaml"
    other.write_text(
        'title: "Xã"\nbase: {version: "1784-2018", level: xa}\nchanges: []\n', encoding="utf-8"
    )
    out = tmp_path / "out"
    assert whatif([SCENARIO, other], "2020", out) == 1 and not out.exists()
    assert "phải dựa trên cùng một bộ tiêu chí" in capsys.readouterr().err


def test_bad_scenario_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "sai.yaml"
    bad.write_text(
        'title: "Sai"\nbase: {version: "1784-2018", level: huyen}\n'
        "changes:\n  - {change: set_max, code: B9.9, max: 10}\n"
        "  - {change: threshold, level: II, min_rate: 0.95}\n",
        encoding="utf-8",
    )
    worse = tmp_path / "sai-nua.yaml"
    worse.write_text(
        'title: "Sai nữa"\nbase: {version: "1784-2018", level: huyen}\n'
        "changes:\n  - {change: drop, code: Z1}\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    code = whatif([bad, SCENARIO, worse], "2020", out)
    err = capsys.readouterr().err
    assert code == 1 and not out.exists()
    assert "có lỗi, không ghi gì" in err
    assert "mã «B9.9» không phải mã tiêu chí hay nhóm nào" in err
    assert "ngưỡng xếp mức phải giảm dần" in err
    assert "mã «Z1» không phải mã tiêu chí hay nhóm nào" in err  # the third file too
    assert "Traceback" not in err


def test_year_outside_the_base_criteria(tmp_path, capsys):
    out = tmp_path / "out"
    code = whatif([SCENARIO], "2020,2017", out)  # the base starts in 2018, has no end date
    assert code == 1 and not out.exists()
    assert "không có hiệu lực năm 2017" in capsys.readouterr().err


def test_every_year_means_the_years_with_data_in_which_the_base_is_in_force():
    workspace = Workspace.at(CRITERIA, SAMPLE)
    scenario = load_scenario(SCENARIO, CRITERIA)
    assert report.scenario_years(workspace, scenario, "all") == [2018, 2019, 2020]


@pytest.mark.parametrize("value", ["20x0", "2020;2019", "hai"])
def test_a_year_that_is_not_a_year_is_an_option_error(tmp_path, capsys, value):
    with pytest.raises(SystemExit) as stop:
        whatif([SCENARIO], value, tmp_path / "out")
    assert stop.value.code == 2
    assert f"không phải «{value}»" in capsys.readouterr().err


@pytest.mark.parametrize("model", [ScenarioParameters, ExplorerParameters])
def test_notebook_parameters_are_the_model_fields(model):
    names = set(papermill.inspect_notebook(str(model.notebook_path())))
    assert names == set(model.model_fields)


def test_unwritable_output_is_a_message_not_a_traceback(tmp_path, capsys):
    blocker = tmp_path / "tep"
    blocker.write_text("", encoding="utf-8")
    code = whatif([SCENARIO], "2020", blocker / "out")
    err = capsys.readouterr().err
    assert code == 2 and "là một tệp, không phải thư mục" in err and "Traceback" not in err
