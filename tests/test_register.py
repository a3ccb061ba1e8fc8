"""The register of units: successors, mergers and renames; comparisons across the 2020 merger."""

from __future__ import annotations

from pathlib import Path

import pytest

from cqdt.comparison import compare_years
from cqdt.problems import EvidenceError, ProblemCode
from cqdt.register import continuity, load_units
from cqdt.tables import official_table
from cqdt.workspace import Workspace
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
HEADER = "cap,ma_don_vi,don_vi,thuoc,tu_nam,den_nam,ke_thua,thay_doi\n"


def register(tmp_path: Path, rows: str) -> Path:
    path = tmp_path / "don_vi.csv"
    path.write_text(HEADER + rows, encoding="utf-8")
    return path


def test_continuity_by_hand(tmp_path):
    # X1 stays; X2 is renamed X5 in 2020; X3 and X4 merge into X6; X7 ends; X8 is new.
    units = load_units(
        register(
            tmp_path,
            "xa,X1,Xã Một,,,,,\n"
            "xa,X2,Xã Hai,,,2019,X5,đổi tên\n"
            "xa,X3,Xã Ba,,,2019,X6,sáp nhập\n"
            "xa,X4,Xã Bốn,,,2019,X6,Sáp nhập\n"
            "xa,X5,Xã Hai Mới,,2020,,,\n"
            "xa,X6,Xã Sáu,,2020,,,\n"
            "xa,X7,Xã Bảy,,,2019,,\n"
            "xa,X8,Xã Tám,,2020,,,\n"
            "huyen,H1,Huyện Một,,,,,\n",
        )
    )
    table = continuity(units, "xa", 2019, 2020).set_index(["unit_before", "unit"])
    assert table.loc[("Xã Một", "Xã Một"), "status"] == "giữ nguyên"
    assert table.loc[("Xã Hai", "Xã Hai Mới"), "status"] == "đổi tên"
    assert table.loc[("Xã Hai", "Xã Hai Mới"), "predecessors"] == "Xã Hai"
    assert table.loc[("Xã Ba", ""), "status"] == "đã sáp nhập"
    assert table.loc[("Xã Bốn", ""), "successor"] == "Xã Sáu"
    assert table.loc[("", "Xã Sáu"), "predecessors"] == "Xã Ba; Xã Bốn"
    assert table.loc[("Xã Bảy", ""), "status"] == "không còn"
    assert table.loc[("", "Xã Tám"), ["status", "predecessors"]].tolist() == ["mới", ""]
    assert len(table) == 7


def test_successor_chains_over_several_years(tmp_path):
    units = load_units(
        register(
            tmp_path,
            "xa,X1,Xã Một,,,2018,X2,đổi tên\nxa,X2,Xã Hai,,2019,2019,X3,\nxa,X3,Xã Ba,,2020,,,\n",
        )
    )
    (row,) = continuity(units, "xa", 2018, 2020).itertuples()
    assert (row.unit_before, row.unit, row.status) == ("Xã Một", "Xã Ba", "đổi tên")


def test_register_errors_in_vietnamese(tmp_path):
    path = register(
        tmp_path,
        "xa,X1,Xã Một,,,2019,X3,\n"  # line 2: two units into X3, no merger marked
        "xa,X2,Xã Hai,,,2019,X3,\n"  # line 3
        "xa,X3,Xã Ba,,2020,,,\n"
        "xa,X4,Xã Bốn,,,2019,X4,đổi tên\n"  # line 5: its own successor
        "xa,X5,Xã Năm,,,2019,X99,đổi tên\n"  # line 6: unknown successor
        "xa,X6,Xã Sáu,,,2019,X3,chia tách\n"  # line 7: unknown kind of change
        "xa,X6,Xã Bảy,,,,,\n",  # line 8: duplicated code
    )
    with pytest.raises(EvidenceError) as caught:
        load_units(path)
    text = str(caught.value)
    assert (
        f"{path}, dòng 2, đơn vị «Xã Một», trường «thay_doi»: nhiều đơn vị cùng kế thừa vào một "
        "đơn vị: ghi «sáp nhập»" in text
    )
    assert "dòng 3, đơn vị «Xã Hai», trường «thay_doi»: nhiều đơn vị" in text
    assert "dòng 5, đơn vị «Xã Bốn», trường «ke_thua»: đơn vị không thể kế thừa chính nó" in text
    assert (
        "dòng 6, đơn vị «Xã Năm», trường «ke_thua»: mã đơn vị kế thừa không có trong danh mục"
        in text
    )
    assert (
        "dòng 7, đơn vị «Xã Sáu», trường «thay_doi»: phải là «sáp nhập», «đổi tên» hoặc để trống"
        in text
    )
    assert "dòng 8, đơn vị «Xã Bảy», trường «ma_don_vi»: mã đơn vị bị trùng" in text
    assert [(p.row, p.code) for p in caught.value.problems] == [
        (2, ProblemCode.MERGER_NOT_MARKED),
        (3, ProblemCode.MERGER_NOT_MARKED),
        (5, ProblemCode.SELF_SUCCESSOR),
        (6, ProblemCode.UNKNOWN_SUCCESSOR),
        (7, ProblemCode.UNKNOWN_CHANGE),
        (7, ProblemCode.MERGER_NOT_MARKED),
        (8, ProblemCode.DUPLICATE_UNIT_CODE),
    ]


def test_sample_register_has_the_2020_mergers():
    units = load_units(SAMPLE / "don_vi.csv")
    merged = units[units["thay_doi"] == "sáp nhập"]
    assert len(merged) == 14  # 7 mergers of two communes each (NQ 834/NQ-UBTVQH14)
    table = continuity(units, "xa", 2019, 2020)
    assert table["status"].value_counts().to_dict() == {
        "giữ nguyên": 138,
        "đã sáp nhập": 14,
        "mới": 7,
    }
    new = table[table["status"] == "mới"].set_index("unit")["predecessors"]
    assert new["Xã Bình Tiến"] == "Xã Bình Điền; Xã Hồng Tiến"
    assert new["Xã Lâm Đớt"] == "Xã Hương Lâm; Xã A Đớt"


@pytest.fixture(scope="module")
def communes():
    workspace = Workspace.at(ROOT / "criteria", SAMPLE)
    now, before = workspace.score("xa", 2020), workspace.score("xa", 2019)
    return now, before, compare_years(now, before, workspace.register())


def test_merged_commune_comparison(communes):
    table = communes[2]
    a = table[table["part"] == "A"]
    assert len(a) == 145 + 14
    comparable = a[a["status"] == "giữ nguyên"]
    assert len(comparable) == 138 and comparable["rank_change"].notna().all()
    merged = a[a["status"] == "đã sáp nhập"].set_index("unit")
    assert merged.loc["Xã Nhâm", "successor"] == "Xã Quảng Nhâm"
    assert merged["rank_change"].isna().all() and merged["rank"].isna().all()
    new = a[a["status"] == "mới"].set_index("unit")
    assert new.loc["Xã Quảng Nhâm", "predecessors"] == "Xã Hồng Quảng; Xã Nhâm"
    assert new["rank_change"].isna().all() and new["rank_before"].isna().all()


def test_rank_changes_count_only_comparable_units(communes):
    now, before, table = communes
    a = table[(table["part"] == "A") & (table["status"] == "giữ nguyên")]
    # the 2019 official table: a unit's rank among comparable units is its official rank less
    # the merged-away communes ranked strictly above it
    published = official_table(before, "A")
    away = set(table[table["status"] == "đã sáp nhập"]["unit"])
    row = a[a["unit"] == "Xã Sơn Thủy"].iloc[0]
    rank = published.set_index("Đơn vị").loc["Xã Sơn Thủy", "STT"]
    above = published[(published["STT"] < rank) & published["Đơn vị"].isin(away)]
    assert row["rank_comparable_before"] == rank - len(above)
    this_year = official_table(now, "A")
    rank_now = this_year.set_index("Đơn vị").loc["Xã Sơn Thủy", "STT"]
    new_above = this_year[
        (this_year["STT"] < rank_now)
        & this_year["Đơn vị"].isin(set(table[table["status"] == "mới"]["unit"]))
    ]
    assert row["rank_comparable"] == rank_now - len(new_above)
    assert row["rank_change"] == row["rank_comparable_before"] - row["rank_comparable"]


def test_without_register_units_match_by_name(communes):
    now, before, _ = communes
    table = compare_years(now, before)
    assert table["status"].value_counts().to_dict() == {
        "giữ nguyên": 276,
        "không còn": 28,
        "mới": 14,
    }


def test_official_report_lists_mergers_and_counts_comparable_units():
    from cqdt.publishing.kinds import official as report

    params = report.Parameters(
        level="xa",
        year=2020,
        compare_year=2019,
        criteria_dir=str(ROOT / "criteria"),
        data_dir=str(SAMPLE),
    )
    page = report.summary(report.prepare(params)).data
    assert "chỉ tính trên <strong>138 đơn vị so sánh được</strong>" in page
    assert "Đơn vị đã sáp nhập, không còn ở năm nay (14 đơn vị)" in page
    assert "Xã Bình Điền (sáp nhập vào Xã Bình Tiến)" in page
    assert "Xã Bình Tiến (sáp nhập từ Xã Bình Điền; Xã Hồng Tiến)" in page
