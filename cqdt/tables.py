"""The official ranking tables (Vietnamese headers) and their CSV and XLSX files."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path

import pandas as pd
from openpyxl.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.worksheet import Worksheet

from cqdt import __version__
from cqdt.criteria import LEVEL_TITLES, LEVELS, Part
from cqdt.numbers import round_half_up
from cqdt.output import fix_xlsx_times, replaced_atomically
from cqdt.reading import FORMULA_ESCAPE, FORMULA_STARTS
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
NOTE_COLUMN = "Lưu ý"
"""Last column of a CSV file whose results are for reference only (see :func:`write_csv`)."""
INFO_SHEET = "Thông tin"
DETAIL_SHEET = "Điểm chi tiết"
RECONSTRUCTED_WARNING = (
    "Bộ tiêu chí là BẢN TÁI DỰNG, chưa đối chiếu với phụ lục chính thức của quyết định; "
    "điểm số và xếp hạng chỉ để tham khảo."
)
SYNTHETIC_WARNING = (
    "Dữ liệu là DỮ LIỆU GIẢ LẬP (dữ liệu mẫu), không phải kết quả khảo sát thật của các đơn vị."
)
WARNING_MARKS = {
    RECONSTRUCTED_WARNING: "BẢN TÁI DỰNG TIÊU CHÍ",
    SYNTHETIC_WARNING: "DỮ LIỆU GIẢ LẬP",
}
"""The short form of each warning, for page headers and footers."""

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
"""XLSX number format by column header, in every sheet."""

SHEET_NAME_LIMIT = 31
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
MAX_WIDTH = 70


def output_warnings(reconstructed: bool, synthetic: bool) -> list[str]:
    """The warnings every output file carries: none for official criteria and real data."""
    return [RECONSTRUCTED_WARNING] * reconstructed + [SYNTHETIC_WARNING] * synthetic


def marking(warnings: Sequence[str]) -> str:
    """``BẢN TÁI DỰNG TIÊU CHÍ · DỮ LIỆU GIẢ LẬP · CHỈ ĐỂ THAM KHẢO``; empty without warnings."""
    marks = [WARNING_MARKS[w] for w in warnings]
    return " · ".join([*marks, "CHỈ ĐỂ THAM KHẢO"]) if marks else ""


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


def write_csv(table: pd.DataFrame, path: Path, warnings: Sequence[str] = ()) -> Path:
    """CSV in UTF-8 with BOM, so Excel shows the diacritics; formula-like text neutralised.

    With ``warnings``, a last column :data:`NOTE_COLUMN` repeats them on every row: whoever
    opens, filters or copies part of the file sees them, and ``pandas.read_csv`` or Excel read
    the file as before (one more column, no comment lines to skip).
    """
    if warnings:
        table = table.assign(**{NOTE_COLUMN: " ".join(warnings)})
    with replaced_atomically(path) as temporary:
        formula_safe(table).to_csv(temporary, index=False, encoding="utf-8-sig")
    return path


NOTE_FONT = Font(bold=True, color="B71C1C")


def style_sheet(
    sheet: Worksheet, table: pd.DataFrame, warnings: Sequence[str] = (), header_row: int = 1
) -> None:
    """Header look, frozen header, filter, widths, number formats and A4 landscape printing.

    ``warnings`` (written in the rows above ``header_row``) are shown in red and repeated in
    the printed page header and footer.
    """
    for row, text in enumerate(warnings, start=1):
        sheet.cell(row=row, column=1, value=text).font = NOTE_FONT
    if warnings:
        short = marking(warnings)
        for part in (sheet.oddHeader.center, sheet.oddFooter.left):
            part.text, part.size, part.color = short, 9, "B71C1C"
    header_words = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_lines = 1
    for i, column in enumerate(table.columns, start=1):
        header = sheet.cell(row=header_row, column=i)
        header.font, header.fill, header.alignment = Font(bold=True), HEADER_FILL, header_words
        longest_word = max(len(word) for word in str(column).split() or [""])
        longest_value = table[column].astype(str).str.len().max() if len(table) else 0
        width = min(max(10, longest_word, longest_value) + 2, MAX_WIDTH)
        sheet.column_dimensions[header.column_letter].width = width
        header_lines = max(header_lines, len(textwrap.wrap(str(column), width - 2)))
        number_format = NUMBER_FORMATS.get(column)
        wrap = longest_value + 2 > MAX_WIDTH
        if number_format or wrap:
            for (cell,) in sheet.iter_rows(min_row=header_row + 1, min_col=i, max_col=i):
                if number_format:
                    cell.number_format = number_format
                if wrap:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[header_row].height = 15 * header_lines
    sheet.freeze_panes = f"A{header_row + 1}"
    last = sheet.cell(row=header_row + len(table), column=max(len(table.columns), 1))
    sheet.auto_filter.ref = f"A{header_row}:{last.coordinate}"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"


def write_workbook(
    sheets: dict[str, pd.DataFrame], path: Path, warnings: Sequence[str] = ()
) -> Path:
    """An XLSX workbook, one styled sheet per table, in order; titles become valid sheet names.

    Row 1 of every sheet is exactly the table's headers, unless there are ``warnings``: then
    every sheet opens with them (one row each, in red, and in the printed header and footer),
    a blank row, and the table. Columns are formatted by header (:data:`NUMBER_FORMATS`).
    The same tables give the same bytes (no save time inside: :func:`fix_xlsx_times`).
    """
    header_row = len(warnings) + 2 if warnings else 1
    names = [sheet_name(title) for title in sheets]
    if len({name.casefold() for name in names}) != len(names):  # Excel ignores case
        raise ValueError(f"Tên trang tính bị trùng: {names}")
    with replaced_atomically(path) as temporary:
        with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
            for name, table in zip(names, sheets.values(), strict=True):
                table.to_excel(writer, sheet_name=name, index=False, startrow=header_row - 1)
                for row in writer.sheets[name].iter_rows(min_row=header_row + 1):
                    text_not_formula(row)
                style_sheet(writer.sheets[name], table, warnings, header_row)
        fix_xlsx_times(temporary)
    return path


def part_sheet_title(part: Part) -> str:
    """The sheet of a part's table: "Phần A - <name>" if it fits Excel's limit, else "Phần A"."""
    title = f"Phần {part.code} - {part.name}"
    return title if len(sheet_name(title)) == len(title) else f"Phần {part.code}"


def read_sheet(sheet: Worksheet) -> pd.DataFrame:
    """A table written by :func:`write_workbook`, read back: warning lines above it skipped."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(
        (i for i, row in enumerate(rows) if sum(v is not None and v != "" for v in row) > 1), 0
    )
    return pd.DataFrame(rows[start + 1 :], columns=rows[start])


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
    so (:func:`write_csv`, :func:`write_workbook`). ``districts`` adds the district column.
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
    written.append(write_workbook(sheets, folder / f"{stem}.xlsx", warnings))
    return written
