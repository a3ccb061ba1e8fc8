"""Several years at once: the panel against each year's official tables, renames, mergers and
absorptions followed, and the multi-year report (``cqdt panel``) rendered once."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from cqdt.cli import main
from cqdt.panel import build_panel, level_table, wide_table
from cqdt.problems import InputError
from cqdt.publishing.kinds import panel as report
from cqdt.tables import official_table
from cqdt.workspace import Workspace
from tests.conftest import ROOT

CRITERIA = ROOT / "criteria"
SAMPLE = ROOT / "data" / "sample"
YEARS = (2018, 2019, 2020)


def panel_of(data: Path, level: str = "xa"):
    workspace = Workspace.at(CRITERIA, data)
    results = {year: workspace.score(level, year) for year in YEARS}
    return results, build_panel(results, workspace.register())


@pytest.fixture(scope="module")
def communes():
    return panel_of(SAMPLE)


def test_each_year_is_its_official_table(communes):
    results, panel = communes
    for year, result in results.items():
        for part in ("A", "B"):
            official = official_table(result, part).set_index("Đơn vị")
            rows = panel.history[(panel.history["year"] == year) & (panel.history["part"] == part)]
            rows = rows.set_index("unit").loc[official.index]
            assert rows["rate"].tolist() == official["Tỷ lệ thực hiện (%)"].tolist()
            assert rows["rank"].tolist() == official["STT"].tolist()
            assert rows["level"].tolist() == official["Xếp hạng mức độ"].tolist()
    wide = wide_table(panel, "A").set_index("Đơn vị")
    a_2019 = official_table(results[2019], "A").set_index("Đơn vị")
    assert wide.loc["Xã Sơn Thủy", "Hạng 2019"] == a_2019.loc["Xã Sơn Thủy", "STT"]
    counts = level_table(panel).set_index(["Phần", "Mức"])
    assert counts["2020"].groupby(level="Phần").sum().to_dict() == {"A": 145, "B": 145}
    assert counts["2018"].groupby(level="Phần").sum().to_dict() == {"A": 152, "B": 152}


def test_transitions_are_counted_among_units_of_both_years(communes):
    # independently: the two official tables joined on the unit's name (no renames in the
    # sample), merged communes left out since they are not in both years
    results, panel = communes
    for before, year in ((2018, 2019), (2019, 2020)):
        for part in ("A", "B"):
            old = official_table(results[before], part).set_index("Đơn vị")["Xếp hạng mức độ"]
            new = official_table(results[year], part).set_index("Đơn vị")["Xếp hạng mức độ"]
            both = pd.concat([old, new], axis=1, join="inner", keys=["before", "now"])
            expected = both.value_counts().to_dict()
            rows = panel.transitions[
                (panel.transitions["part"] == part) & (panel.transitions["year"] == year)
            ]
            got = {(r.level_before, r.level): r.count for r in rows.itertuples()}
            assert got == expected
    assert len(panel.transitions[panel.transitions["year"] == 2020]) > 0


def test_merged_units_are_followed_and_listed_beside_what_they_became(communes):
    _, panel = communes
    wide = wide_table(panel, "A")
    names = wide["Đơn vị"].tolist()
    at = names.index("Xã Bình Tiến")
    assert sorted(names[at + 1 : at + 3]) == ["Xã Bình Điền", "Xã Hồng Tiến"]
    row = wide.set_index("Đơn vị").loc["Xã Bình Điền"]
    assert row["Ghi chú"] == "năm 2020 sáp nhập vào Xã Bình Tiến"
    assert pd.isna(row["Tỷ lệ (%) 2020"]) and pd.notna(row["Tỷ lệ (%) 2019"])
    new = wide.set_index("Đơn vị").loc["Xã Bình Tiến"]
    assert new["Ghi chú"] == "có từ năm 2020: sáp nhập từ Xã Bình Điền; Xã Hồng Tiến"
    assert len(wide) == 145 + 14  # every unit of any year, once


def test_a_renamed_unit_is_one_row_under_its_latest_name(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    register = data / "don_vi.csv"
    lines = register.read_text(encoding="utf-8").splitlines(keepends=True)
    renamed = [
        line.replace(
            ",Xã Sơn Thủy,Huyện A Lưới,,,,", ",Xã Sơn Thủy,Huyện A Lưới,,2019,X-NEW,đổi tên"
        )
        for line in lines
    ]
    renamed.append("xa,X-NEW,Xã Sơn Thủy Mới,Huyện A Lưới,2020,,,\n")
    register.write_text("".join(renamed), encoding="utf-8")
    survey = data / "2020" / "xa.csv"
    survey.write_text(
        survey.read_text(encoding="utf-8-sig").replace(
            "H09-10,Xã Sơn Thủy,",
            "X-NEW,Xã Sơn Thủy Mới,",  # the new name has the new code
        ),
        encoding="utf-8",
    )
    results, panel = panel_of(data)
    wide = wide_table(panel, "A").set_index("Đơn vị")
    assert "Xã Sơn Thủy" not in wide.index
    row = wide.loc["Xã Sơn Thủy Mới"]
    assert row["Ghi chú"] == "năm 2019 là Xã Sơn Thủy"
    for year, name in ((2018, "Xã Sơn Thủy"), (2019, "Xã Sơn Thủy"), (2020, "Xã Sơn Thủy Mới")):
        official = official_table(results[year], "A").set_index("Đơn vị").loc[name]
        assert row[f"Hạng {year}"] == official["STT"]
        assert row[f"Tỷ lệ (%) {year}"] == official["Tỷ lệ thực hiện (%)"]


def test_an_absorbing_unit_goes_on_as_itself(absorbed_data):
    _, panel = panel_of(absorbed_data)
    wide = wide_table(panel, "B").set_index("Đơn vị")
    thai = wide.loc["Xã Vinh Thái"]
    assert thai["Ghi chú"] == "năm 2020 nhận sáp nhập Xã Vinh Phú"
    assert all(pd.notna(thai[f"Hạng {year}"]) for year in YEARS)
    assert wide.loc["Xã Vinh Phú", "Ghi chú"] == "năm 2020 sáp nhập vào Xã Vinh Thái"
    moved = panel.transitions[
        (panel.transitions["year"] == 2020) & (panel.transitions["part"] == "B")
    ]
    assert any("Xã Vinh Thái" in units.split(", ") for units in moved["units"])
    merged = panel.mergers[panel.mergers["successor"] == "Xã Vinh Thái"]
    assert merged["predecessor"].unique().tolist() == ["Xã Vinh Thái", "Xã Vinh Phú"]


def test_fewer_than_two_years_is_refused_before_anything(tmp_path):
    workspace = Workspace.at(CRITERIA, SAMPLE)
    with pytest.raises(InputError, match="cần dữ liệu của ít nhất hai năm, có: 2020"):
        report.panel_years(workspace, "xa", [2020])
    with pytest.raises(InputError, match=r"không có tệp khảo sát 2017/xa\.csv"):
        report.panel_years(workspace, "xa", [2017, 2020])
    assert report.panel_years(workspace, "huyen", "all") == [2018, 2019, 2020]


@pytest.fixture(scope="session")
def panel_run(tmp_path_factory) -> Path:
    """`cqdt panel --level xa` over every year, with PDF, once per session."""
    out = tmp_path_factory.mktemp("panel")
    code = main(
        [
            "panel",
            "--level",
            "xa",
            "--out",
            str(out),
            "--criteria",
            str(CRITERIA),
            "--data",
            str(SAMPLE),
        ]
    )
    assert code == 0
    (run,) = out.iterdir()
    return run


@pytest.mark.slow
def test_panel_report_files_and_record(panel_run):
    folder = panel_run / "nhieu-nam-xa-2018-2020"
    assert sorted(p.name for p in folder.iterdir()) == [
        "ho-so-tai-lap-nhieu-nam-xa-2020.html",  # the audit record every report has
        "ho-so-tai-lap-nhieu-nam-xa-2020.pdf",
        "nhieu-nam-xa-2020-chuyen-muc.csv",
        "nhieu-nam-xa-2020-phan-A.csv",
        "nhieu-nam-xa-2020-phan-B.csv",
        "nhieu-nam-xa-2020-sap-nhap.csv",
        "nhieu-nam-xa-2020-tung-nam.csv",
        "nhieu-nam-xa-2020.html",
        "nhieu-nam-xa-2020.ipynb",
        "nhieu-nam-xa-2020.pdf",
        "nhieu-nam-xa-2020.xlsx",
    ]
    manifest = json.loads((panel_run / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = manifest["runs"]
    assert (entry["kind"], entry["status"], entry["parameters"]["years"]) == (
        "nhieu-nam",
        "thành công",
        [2018, 2019, 2020],
    )
    assert {"survey 2018", "survey 2019", "survey 2020", "units"} <= set(entry["inputs"])
    history = pd.read_csv(folder / "nhieu-nam-xa-2020-tung-nam.csv", encoding="utf-8-sig")
    assert history.groupby("Năm")["Đơn vị"].nunique().to_dict() == {2018: 152, 2019: 152, 2020: 145}
    # the index names the years the report covers, and compares with no other year
    (index,) = pd.read_html(panel_run / "index.html")
    row = index.iloc[0]
    assert (row["Năm"], row["So sánh với năm"]) == ("2018–2020", "không")


@pytest.mark.slow
def test_panel_pdf_reads_as_a_document(panel_run):
    pdf = panel_run / "nhieu-nam-xa-2018-2020" / "nhieu-nam-xa-2020.pdf"
    reader = PdfReader(pdf)
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    assert "DIỄN BIẾN MỨC ĐỘ CHÍNH QUYỀN ĐIỆN TỬ CẤP XÃ, 2018–2020" in text
    for heading in ("I. Số đơn vị theo mức", "II. Chuyển mức từng năm", "III. Sáp nhập"):
        assert heading in text
    assert "BẢN TÁI DỰNG TIÊU CHÍ" in text and "DỮ LIỆU GIẢ LẬP" in text
    wide = [p for p in reader.pages if p.mediabox.width > p.mediabox.height]
    assert wide and "IV. Từng đơn vị qua các năm" in wide[0].extract_text()
