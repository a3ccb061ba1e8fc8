"""The official ranking tables (Vietnamese headers) and their CSV and XLSX files."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable
from pathlib import Path

import pandas as pd
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from cqdt import __version__
from cqdt.criteria import LEVEL_TITLES, LEVELS
from cqdt.numbers import round_half_up
from cqdt.output import fix_xlsx_times, replaced_atomically
from cqdt.reading import FORMULA_ESCAPE, FORMULA_STARTS
from cqdt.scoring import ScoreResult

OFFICIAL_COLUMNS = [
    "STT",
    "Đơn vị",
    "Điểm tối đa",
    "Số điểm không đưa vào đánh giá",
    "Số điểm tối đa cần thực hiện",
    "Số điểm thực hiện",
    "Tỷ lệ thực hiện",
    "Số điểm thực hiện được quy đổi",
    "Xếp hạng mức độ",
]
"""Columns of the published table; ``STT`` is the rank (ties share it), rate is in %."""

RATE_COLUMN = "Tỷ lệ thực hiện"
MISSING_UNITS_LABEL = "Đơn vị trong danh mục không có số liệu khảo sát (không được chấm)"
INFO_SHEET = "Thông tin"
DETAIL_SHEET = "Điểm chi tiết"
RECONSTRUCTED_WARNING = (
    "Bộ tiêu chí là BẢN TÁI DỰNG, chưa đối chiếu phụ lục chính thức; kết quả chỉ để tham khảo."
)

NUMBER_FORMATS = {
    "STT": "0",
    RATE_COLUMN: "0.00%",
    **dict.fromkeys(
        [
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
"""XLSX number format by column header, in every sheet."""

SHEET_NAME_LIMIT = 31
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
MAX_WIDTH = 70


def official_table(result: ScoreResult, part: str) -> pd.DataFrame:
    """The published table of one part: best first, values rounded as the criteria file says."""
    rounding = result.criteria.rounding
    rows = result.parts[result.parts["part"] == part].sort_values(["rank", "unit"])

    def points(column: str) -> pd.Series:
        return round_half_up(rows[column], rounding.points_decimals)

    table = pd.DataFrame(
        {
            "STT": rows["rank"],
            "Đơn vị": rows["unit"],
            "Điểm tối đa": points("max"),
            "Số điểm không đưa vào đánh giá": points("excluded"),
            "Số điểm tối đa cần thực hiện": points("required"),
            "Số điểm thực hiện": points("achieved"),
            RATE_COLUMN: round_half_up(rows["rate"] * 100, rounding.rate_percent_decimals),
            "Số điểm thực hiện được quy đổi": rows["converted_published"],
            "Xếp hạng mức độ": rows["level"],
        }
    )
    return table.reset_index(drop=True)


def part_titles(result: ScoreResult) -> dict[str, str]:
    """Part code -> "A. Điều kiện sẵn sàng ..." for headings."""
    return {p.code: f"{p.code}. {p.name}" for p in result.criteria.parts}


def sheet_name(title: str) -> str:
    """A valid Excel sheet name: forbidden characters replaced, cut at a word to 31 characters.

    "Phần A - Điều kiện sẵn sàng chính quyền điện tử" -> "Phần A - Điều kiện sẵn sàng".
    """
    name = re.sub(r"[/\\]", "-", title)
    name = " ".join(re.sub(r"[\[\]:*?]", " ", name).split()).strip("'")
    if len(name) > SHEET_NAME_LIMIT:
        cut = name[: SHEET_NAME_LIMIT + 1].rsplit(" ", 1)[0]
        name = cut if len(cut) <= SHEET_NAME_LIMIT else name[:SHEET_NAME_LIMIT]
    return name.rstrip(" -–,;.'") or "Bảng"


def detail_table(result: ScoreResult) -> pd.DataFrame:
    """Points per unit and criterion with the explanation of each, Vietnamese headers.

    Sorted by unit (survey order), then criterion (criteria file order). ``Còn thiếu`` is
    what an applicable criterion still lacks (maximum - points); empty when not applicable.
    """
    decimals = result.criteria.rounding.points_decimals
    order = {
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


def formula_safe(table: pd.DataFrame) -> pd.DataFrame:
    """Text that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@`` first) gets
    a ``'`` in front; cqdt removes it again when it reads the file (cqdt.reading.clean_text)."""
    safe = table.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            cells = safe[column].astype(object)
            risky = cells.map(lambda v: isinstance(v, str) and v.startswith(FORMULA_STARTS))
            safe[column] = cells.mask(risky.astype(bool), FORMULA_ESCAPE + cells.astype(str))
    return safe


def text_not_formula(cells: Iterable[Cell]) -> None:
    """Cells openpyxl took for formulas (text starting with ``=``) stay text: never run."""
    for cell in cells:
        if cell.data_type == "f":
            cell.data_type = "s"


def write_csv(table: pd.DataFrame, path: Path) -> Path:
    """CSV in UTF-8 with BOM, so Excel shows the diacritics; formula-like text neutralised."""
    with replaced_atomically(path) as temporary:
        formula_safe(table).to_csv(temporary, index=False, encoding="utf-8-sig")
    return path


def style_sheet(sheet: Worksheet, table: pd.DataFrame) -> None:
    """Header look, frozen header, filter, widths, number formats and A4 landscape printing."""
    header_words = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_lines = 1
    for i, column in enumerate(table.columns, start=1):
        header = sheet.cell(row=1, column=i)
        header.font, header.fill, header.alignment = Font(bold=True), HEADER_FILL, header_words
        longest_word = max(len(word) for word in str(column).split() or [""])
        longest_value = table[column].astype(str).str.len().max() if len(table) else 0
        width = min(max(10, longest_word, longest_value) + 2, MAX_WIDTH)
        sheet.column_dimensions[header.column_letter].width = width
        header_lines = max(header_lines, len(textwrap.wrap(str(column), width - 2)))
        number_format = NUMBER_FORMATS.get(column)
        wrap = longest_value + 2 > MAX_WIDTH
        if number_format or wrap:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=i, max_col=i):
                if number_format:
                    cell.number_format = number_format
                if wrap:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[1].height = 15 * header_lines
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def write_workbook(sheets: dict[str, pd.DataFrame], path: Path) -> Path:
    """An XLSX workbook, one styled sheet per table, in order; titles become valid sheet names.

    Row 1 of every sheet is exactly the table's headers. Columns are formatted by header
    (:data:`NUMBER_FORMATS`): a rate column must hold fractions (0.9167), shown as 91.67%.
    The same tables give the same bytes (no save time inside: :func:`fix_xlsx_times`).
    """
    names = [sheet_name(title) for title in sheets]
    if len({name.casefold() for name in names}) != len(names):  # Excel ignores case
        raise ValueError(f"Tên trang tính bị trùng: {names}")
    with replaced_atomically(path) as temporary:
        with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
            for name, table in zip(names, sheets.values(), strict=True):
                table.to_excel(writer, sheet_name=name, index=False)
                for row in writer.sheets[name].iter_rows(min_row=2):
                    text_not_formula(row)
                style_sheet(writer.sheets[name], table)
        fix_xlsx_times(temporary)
    return path


def write_result_tables(result: ScoreResult, folder: Path) -> list[Path]:
    """Write the official tables (CSV per part, one XLSX with every table) into ``folder``.

    The CSV files keep the rate as a percent number (91.67), as published, since CSV has no
    formats. The XLSX stores it as a fraction (0.9167) formatted ``0.00%``, so it shows the
    same 91.67% and Excel formulas on it are right. The XLSX opens with a "Thông tin" sheet
    (criteria, files and checksums, rounding rule), then one sheet per part, then the
    points of every criterion ("Điểm chi tiết").
    """
    folder.mkdir(parents=True, exist_ok=True)
    stem = f"{result.level}-{result.year}"
    fraction_decimals = result.criteria.rounding.rate_percent_decimals + 2
    sheets = {INFO_SHEET: info_table(result)}
    written = []
    for part in result.criteria.parts:
        table = official_table(result, part.code)
        written.append(write_csv(table, folder / f"{stem}-phan-{part.code}.csv"))
        rate = round_half_up(table[RATE_COLUMN] / 100, fraction_decimals)
        sheets[f"Phần {part.code} - {part.name}"] = table.assign(**{RATE_COLUMN: rate})
    sheets[DETAIL_SHEET] = detail_table(result)
    written.append(write_workbook(sheets, folder / f"{stem}.xlsx"))
    return written
