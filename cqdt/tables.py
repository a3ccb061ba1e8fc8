"""The official ranking tables (Vietnamese headers) and their CSV and XLSX files.

What goes in the tables is here; how any table is written, styled and read back is in
:mod:`cqdt.files`, the caveats the files carry in :mod:`cqdt.caveats`.
"""

from __future__ import annotations

from collections.abc import Hashable
from pathlib import Path

import pandas as pd

from cqdt import __version__
from cqdt.caveats import RECONSTRUCTED_WARNING, output_warnings
from cqdt.criteria import LEVEL_TITLES, LEVELS, Part
from cqdt.files import sheet_name, write_csv, write_workbook
from cqdt.numbers import round_half_up
from cqdt.scoring import ScoreResult

RANK_COLUMN = "STT"
UNIT_COLUMN = "Đơn vị"
RATE_COLUMN = "Tỷ lệ thực hiện (%)"
CONVERTED_COLUMN = "Số điểm thực hiện được quy đổi"
LEVEL_COLUMN = "Xếp hạng mức độ"
OFFICIAL_COLUMNS = [
    RANK_COLUMN,
    UNIT_COLUMN,
    "Điểm tối đa",
    "Số điểm không đưa vào đánh giá",
    "Số điểm tối đa cần thực hiện",
    "Số điểm thực hiện",
    RATE_COLUMN,
    CONVERTED_COLUMN,
    LEVEL_COLUMN,
]
"""Columns of the published table; ``STT`` is the rank (ties share it).

The rate is in percent (91.67 means 91.67 %) in every output: HTML, PDF, CSV, Excel, Word.
"""

MISSING_UNITS_LABEL = "Đơn vị trong danh mục không có số liệu khảo sát (không được chấm)"
DISTRICT_COLUMN = "Thuộc"
"""The district of each commune (``thuoc`` in the register), after the unit's name."""
INFO_SHEET = "Thông tin"
DETAIL_SHEET = "Điểm chi tiết"
NUMBER_FORMATS = {
    "STT": "0",
    **dict.fromkeys(
        [
            RATE_COLUMN,
            "Điểm tối đa",
            "Số điểm không đưa vào đánh giá",
            "Số điểm tối đa cần thực hiện",
            "Số điểm thực hiện",
            "Số điểm thực hiện được quy đổi",
            "Điểm đạt",
            "Còn thiếu",
        ],
        "0.00",
    ),
}
"""XLSX number format by column header, in every sheet of the official tables."""


def official_table(
    result: ScoreResult, part: str, districts: pd.Series | None = None
) -> pd.DataFrame:
    """The published table of one part: best first, values rounded as the criteria file says.

    With ``districts`` (unit -> district, from the register), a :data:`DISTRICT_COLUMN` follows
    the unit's name.
    """
    rounding = result.criteria.rounding
    rows = result.parts[result.parts["part"] == part].sort_values(["rank", "unit"])

    def points(column: str) -> pd.Series:
        return round_half_up(rows[column], rounding.points_decimals)

    table = pd.DataFrame(
        {
            RANK_COLUMN: rows["rank"],
            UNIT_COLUMN: rows["unit"],
            "Điểm tối đa": points("max"),
            "Số điểm không đưa vào đánh giá": points("excluded"),
            "Số điểm tối đa cần thực hiện": points("required"),
            "Số điểm thực hiện": points("achieved"),
            RATE_COLUMN: round_half_up(rows["rate"] * 100, rounding.rate_percent_decimals),
            CONVERTED_COLUMN: rows["converted_published"],
            LEVEL_COLUMN: rows["level"],
        }
    )
    if districts is not None:
        table.insert(2, DISTRICT_COLUMN, rows["unit"].map(districts).fillna(""))
    return table.reset_index(drop=True)


def top_with_ties(rows: pd.DataFrame, column: str, n: int, largest: bool = True) -> pd.DataFrame:
    """The ``n`` rows with the largest (or smallest) ``column``, and every row tied with the last
    of them, best first (rows with equal values in their given order).

    A list of "the n best" must never leave out a unit equal to one it shows: the list is longer
    than ``n`` when the ``n``-th value is shared (say so: :func:`cqdt.publishing.html.ties_note`).
    """
    ranked = rows.sort_values(column, ascending=not largest, kind="stable")
    if len(ranked) <= n:
        return ranked
    last = ranked[column].iloc[n - 1]
    return ranked[ranked[column] >= last] if largest else ranked[ranked[column] <= last]


def part_titles(result: ScoreResult) -> dict[str, str]:
    """Part code -> "A. Điều kiện sẵn sàng ..." for headings."""
    return {p.code: f"{p.code}. {p.name}" for p in result.criteria.parts}


def detail_table(result: ScoreResult) -> pd.DataFrame:
    """Points per unit and criterion with the explanation of each, Vietnamese headers.

    Sorted by unit (survey order), then criterion (criteria file order). ``Còn thiếu`` is
    what an applicable criterion still lacks (maximum - points); empty when not applicable.
    """
    decimals = result.criteria.rounding.points_decimals
    order: dict[Hashable, dict[str, int]] = {  # by column name, as the sort key sees it
        "unit": {unit: i for i, unit in enumerate(result.evidence.units)},
        "criterion": {c.code: i for i, c in enumerate(result.criteria.criteria)},
    }
    e = result.explanations.sort_values(
        ["unit", "criterion"], key=lambda column: column.map(order[column.name])
    )
    points = round_half_up(e["points"], decimals)
    return pd.DataFrame(
        {
            "Đơn vị": e["unit"],
            "Phần": e["part"],
            "Nhóm": e["group"],
            "Mã tiêu chí": e["criterion"],
            "Tiêu chí": e["name"],
            "Điểm tối đa": e["max"],
            "Áp dụng": e["applicable"].map({True: "Có", False: "Không"}),
            "Điểm đạt": points,
            "Còn thiếu": round_half_up(e["max"] - points, decimals).where(e["applicable"]),
            "Cách tính": e["explanation"],
        }
    ).reset_index(drop=True)


def rounding_rule(result: ScoreResult) -> str:
    """The rounding policy of the criteria file, in words."""
    r = result.criteria.rounding
    if r.rank_and_classify_on == "published":
        return (
            f"Làm tròn nửa lên (như hàm ROUND của Excel). Điểm từng tiêu chí làm tròn đến "
            f"{r.points_decimals} chữ số thập phân trước khi cộng; tỷ lệ thực hiện làm tròn đến "
            f"{r.rate_percent_decimals} chữ số thập phân theo %; điểm quy đổi làm tròn đến "
            f"{r.points_decimals} chữ số thập phân. Xếp hạng và xếp mức độ theo tỷ lệ đã làm tròn."
        )
    return (
        f"Làm tròn nửa lên (như hàm ROUND của Excel), chỉ khi trình bày: điểm "
        f"{r.points_decimals} chữ số thập phân, tỷ lệ thực hiện {r.rate_percent_decimals} chữ số "
        f"thập phân theo %. Cộng điểm, xếp hạng và xếp mức độ dùng số chưa làm tròn."
    )


def info_table(result: ScoreResult) -> pd.DataFrame:
    """What the tables were computed from: criteria, survey file, checksums, program version."""
    criteria, evidence = result.criteria, result.evidence
    rows = [
        ("Quyết định", criteria.decision),
        ("Tên bộ tiêu chí", criteria.title),
        ("Cấp đánh giá", f"{LEVELS[criteria.level].capitalize()} ({LEVEL_TITLES[criteria.level]})"),
        ("Năm đánh giá", str(result.year)),
        ("Phiên bản bộ tiêu chí", criteria.version),
        ("Tình trạng bộ tiêu chí", criteria.status_label),
    ]
    if criteria.status != "official":
        rows.append(("CẢNH BÁO", RECONSTRUCTED_WARNING))
    rows += [
        ("Tệp khảo sát", Path(evidence.source).name),
        (MISSING_UNITS_LABEL, "; ".join(evidence.missing_units) or "không có"),
        ("SHA-256 tệp khảo sát", evidence.sha256),
        ("Tệp bộ tiêu chí", Path(criteria.source).name),
        ("SHA-256 tệp bộ tiêu chí", criteria.sha256),
        ("Phiên bản cqdt", __version__),
        ("Quy tắc làm tròn", rounding_rule(result)),
    ]
    return pd.DataFrame(rows, columns=["Mục", "Nội dung"])


def part_sheet_title(part: Part) -> str:
    """The sheet of a part's table: "Phần A - <name>" if it fits Excel's limit, else "Phần A"."""
    title = f"Phần {part.code} - {part.name}"
    return title if len(sheet_name(title)) == len(title) else f"Phần {part.code}"


def write_result_tables(
    result: ScoreResult,
    folder: Path,
    districts: pd.Series | None = None,
    synthetic: bool = False,
) -> list[Path]:
    """Write the official tables (CSV per part, one XLSX with every table) into ``folder``.

    The rate is a percent number (91.67) in both, as published (column "Tỷ lệ thực hiện
    (%)"). The XLSX opens with a "Thông tin" sheet (criteria, files and checksums, rounding
    rule), then one sheet per part, then the points of every criterion ("Điểm chi tiết").
    Unless the criteria are official and the data real (``synthetic`` false), every file says
    so (:func:`cqdt.files.write_csv`, :func:`cqdt.files.write_workbook`). ``districts`` adds the
    district column.
    """
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{result.level}-{result.year}"
    warnings = output_warnings(result.criteria.status != "official", synthetic)
    sheets = {INFO_SHEET: info_table(result)}
    written = []
    for part in result.criteria.parts:
        table = official_table(result, part.code, districts)
        written.append(write_csv(table, folder / f"{stem}-phan-{part.code}.csv", warnings))
        sheets[part_sheet_title(part)] = table
    sheets[DETAIL_SHEET] = detail_table(result)
    written.append(write_workbook(sheets, folder / f"{stem}.xlsx", warnings, NUMBER_FORMATS))
    return written
