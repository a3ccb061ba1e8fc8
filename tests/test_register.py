"""The register of units: successors, mergers and renames; comparisons across the 2020 merger."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from cqdt.comparison import comparable_counts, compare_years, level_moves, merger_table
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


def _summary(data: Path) -> str:
    from cqdt.publishing.kinds import official as report

    params = report.Parameters(
        level="xa",
        year=2020,
        compare_year=2019,
        criteria_dir=str(ROOT / "criteria"),
        data_dir=str(data),
    )
    return report.summary(report.prepare(params)).data


def test_official_report_tabulates_mergers_and_says_between_which_levels_units_moved(communes):
    page = _summary(SAMPLE)
    assert "chỉ tính trên <strong>138 đơn vị so sánh được</strong>" in page
    assert "Sáp nhập: 14 đơn vị năm 2019 nhập vào 7 đơn vị năm 2020." in page
    (mergers,) = pd.read_html(io.StringIO(page), attrs={"class": "dataframe bang sap-nhap"})
    assert list(mergers.columns) == [
        "Đơn vị năm nay",
        "Đơn vị năm trước",
        "Phần A: mức 2019",
        "Phần A: mức 2020",
        "Phần B: mức 2019",
        "Phần B: mức 2020",
    ]
    assert mergers[mergers["Đơn vị năm nay"] == "Xã Bình Tiến"]["Đơn vị năm trước"].tolist() == [
        "Xã Bình Điền",
        "Xã Hồng Tiến",
    ]
    # part A: units up from II to I, counted from the two official tables (same name both years)
    now, before, _ = communes
    levels = [r.parts[r.parts["part"] == "A"].set_index("unit")["level"] for r in (before, now)]
    both = pd.concat(levels, axis=1, join="inner", keys=["before", "now"])
    up = both[(both["before"] == "II") & (both["now"] == "I")].index
    rank = {"I": 0, "II": 1, "III": 2}
    climbed = (both["now"].map(rank) < both["before"].map(rank)).sum()
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert f"Tăng mức ({climbed} đơn vị): Mức Số đơn vị Đơn vị II → I {len(up)} " in text
    assert ", ".join(sorted(up)) in text
    assert "Đơn vị mới, không có ở năm so sánh" not in page  # every new commune is a merger


def test_comparable_units_are_those_ranked_in_both_years(tmp_path):
    # Xã Sơn Thủy is in the register in both years but has no survey in 2020: not compared
    data = tmp_path / "data"
    shutil.copytree(SAMPLE, data)
    survey = data / "2020" / "xa.csv"
    lines = survey.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    survey.write_text("".join(ln for ln in lines if "Xã Sơn Thủy," not in ln), encoding="utf-8")
    assert "chỉ tính trên <strong>137 đơn vị so sánh được</strong>" in _summary(data)


def test_a_unit_renamed_into_one_that_already_existed_is_an_absorption(tmp_path):
    path = register(
        tmp_path, "xa,X1,Xã Một,,,2019,X2,đổi tên\nxa,X2,Xã Hai,,,,,\nxa,X3,Xã Ba,,,2019,X2,\n"
    )
    with pytest.raises(EvidenceError) as caught:
        load_units(path)
    # X1 and X3 both go into X2: not marked as a merger; X2 existed alongside them
    assert [(p.row, p.code) for p in caught.value.problems] == [
        (2, ProblemCode.MERGER_NOT_MARKED),
        (4, ProblemCode.MERGER_NOT_MARKED),
    ]
    alone = register(tmp_path, "xa,X1,Xã Một,,,2019,X2,đổi tên\nxa,X2,Xã Hai,,,,,\n")
    with pytest.raises(
        EvidenceError,
        match="dòng 2, đơn vị «Xã Một», trường «thay_doi»: đơn vị "
        "kế thừa đã tồn tại cùng năm với đơn vị này, nên đây không phải đổi tên",
    ):
        load_units(alone)


def test_absorption_into_a_unit_that_goes_on(tmp_path):
    # Vinh Phú is merged into Vinh Thái, which goes on under its own code (no new unit)
    units = load_units(
        register(
            tmp_path,
            "xa,X1,Xã Vinh Phú,,,2019,X2,sáp nhập\nxa,X2,Xã Vinh Thái,,,,,\nxa,X3,Xã Khác,,,,,\n",
        )
    )
    table = continuity(units, "xa", 2019, 2020)
    assert table.to_dict("records") == [
        {
            "unit_before": "Xã Vinh Phú",
            "unit": "",
            "status": "đã sáp nhập",
            "successor": "Xã Vinh Thái",
            "predecessors": "",
        },
        {
            "unit_before": "Xã Vinh Thái",
            "unit": "Xã Vinh Thái",
            "status": "nhận sáp nhập",
            "successor": "",
            "predecessors": "Xã Vinh Phú",
        },
        {
            "unit_before": "Xã Khác",
            "unit": "Xã Khác",
            "status": "giữ nguyên",
            "successor": "",
            "predecessors": "",
        },
    ]


@pytest.fixture(scope="module")
def absorbed(absorbed_data):
    """The sample communes, with Vinh Phú absorbed by Vinh Thái in 2020 (no Phú Gia)."""
    workspace = Workspace.at(ROOT / "criteria", absorbed_data)
    now, before = workspace.score("xa", 2020), workspace.score("xa", 2019)
    return now, before, compare_years(now, before, workspace.register())


def test_the_absorbing_unit_is_compared_with_itself_never_merged_away_and_new(absorbed):
    now, before, table = absorbed
    a = table[table["part"] == "A"].set_index("unit")
    assert a["status"].value_counts().to_dict() == {
        "giữ nguyên": 138,
        "đã sáp nhập": 13,
        "mới": 6,
        "nhận sáp nhập": 1,
    }
    thai = a.loc["Xã Vinh Thái"]
    assert thai["predecessors"] == "Xã Vinh Phú"
    rank_now = official_table(now, "A").set_index("Đơn vị").loc["Xã Vinh Thái", "STT"]
    rank_before = official_table(before, "A").set_index("Đơn vị").loc["Xã Vinh Thái", "STT"]
    assert (thai["rank"], thai["rank_before"]) == (rank_now, rank_before)
    assert pd.notna(thai["rank_change"])
    assert a.loc["Xã Vinh Phú", "successor"] == "Xã Vinh Thái"
    # 139 units ranked in both years: 138 unchanged and the absorbing one
    assert comparable_counts(table).to_dict() == {"A": 139, "B": 139}


def test_merger_table_pairs_predecessors_levels_with_the_successors(absorbed):
    now, before, table = absorbed
    merged = merger_table(table, "2019", "2020").set_index("Đơn vị năm trước")
    level_before = before.parts.set_index(["unit", "part"])["level"]
    level_now = now.parts.set_index(["unit", "part"])["level"]
    for predecessor, successor in [
        ("Xã Vinh Thái", "Xã Vinh Thái"),  # its own first predecessor
        ("Xã Vinh Phú", "Xã Vinh Thái"),
        ("Xã Bình Điền", "Xã Bình Tiến"),
        ("Xã Hồng Tiến", "Xã Bình Tiến"),
    ]:
        row = merged.loc[predecessor]
        assert row["Đơn vị năm nay"] == successor
        for part in "AB":
            assert row[f"Phần {part}: mức 2019"] == level_before[(predecessor, part)]
            assert row[f"Phần {part}: mức 2020"] == level_now[(successor, part)]
    assert len(merged) == 14  # six new communes of two each, and Vinh Thái with Vinh Phú
    assert list(merged["Đơn vị năm nay"]) == sorted(merged["Đơn vị năm nay"])


def test_level_moves_say_from_which_level_to_which(communes):
    now, _, table = communes
    moves = level_moves(table, now.criteria)
    comparable = table[table["status"] == "giữ nguyên"].set_index(["unit", "part"])
    for row in moves.itertuples():
        names = row.units.split(", ")
        assert len(names) == row.count
        for name in names:
            assert comparable.loc[(name, row.part), "level_before"] == row.level_before
            assert comparable.loc[(name, row.part), "level"] == row.level
    changed = comparable[comparable["level"] != comparable["level_before"]]
    assert moves["count"].sum() == len(changed)
