"""Generic CSV and XLSX files: written safely, styled, read back, never running a formula.

Every table cqdt writes goes through here: the official tables (:mod:`cqdt.tables`), the
validation report of collected forms, the sensitivity and what-if tables. CSV files are UTF-8
with BOM (Excel shows the diacritics); workbooks have a styled, frozen, filtered header, widths
that fit, A4 landscape printing, and the same bytes for the same tables. Text a spreadsheet
would run as a formula is neutralised in both. Caveats (:mod:`cqdt.caveats`) passed in are
written on every row of a CSV file and above every sheet of a workbook; column number formats
are the caller's (the official ones are :data:`cqdt.tables.NUMBER_FORMATS`).
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd
from openpyxl.cell import Cell, MergedCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cqdt.caveats import marking
from cqdt.output import fix_office_times, replaced_atomically
from cqdt.reading import FORMULA_ESCAPE, FORMULA_STARTS

NOTE_COLUMN = "Lưu ý"
"""Last column of a CSV file whose results are for reference only (see :func:`write_csv`)."""
SHEET_NAME_LIMIT = 31
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
MAX_WIDTH = 70
NOTE_FONT = Font(bold=True, color="B71C1C")


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


def text_not_formula(cells: Iterable[Cell | MergedCell]) -> None:
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


def style_sheet(
    sheet: Worksheet,
    table: pd.DataFrame,
    warnings: Sequence[str] = (),
    header_row: int = 1,
    number_formats: Mapping[str, str] | None = None,
) -> None:
    """Header look, frozen header, filter, widths, number formats and A4 landscape printing.

    ``warnings`` (caveats of :mod:`cqdt.caveats`, written in the rows above ``header_row``)
    are shown in red and their short forms repeated in the printed page header and footer.
    ``number_formats`` gives the Excel number format of a column by its header.
    """
    number_formats = number_formats or {}
    for row, text in enumerate(warnings, start=1):
        sheet.cell(row=row, column=1, value=text).font = NOTE_FONT
    if warnings:
        short = marking(warnings)
        page_header, page_footer = sheet.oddHeader, sheet.oddFooter
        assert page_header is not None and page_footer is not None  # made with the sheet
        for part in (page_header.center, page_footer.left):
            part.text, part.size, part.color = short, 9, "B71C1C"
    header_words = Alignment(horizontal="center", vertical="center", wrap_text=True)
    header_lines = 1
    for i, column in enumerate(table.columns, start=1):
        header = sheet.cell(row=header_row, column=i)
        header.font, header.fill, header.alignment = Font(bold=True), HEADER_FILL, header_words
        longest_word = max(len(word) for word in str(column).split() or [""])
        longest_value = table[column].astype(str).str.len().max() if len(table) else 0
        width = min(max(10, longest_word, longest_value) + 2, MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(i)].width = width
        header_lines = max(header_lines, len(textwrap.wrap(str(column), width - 2)))
        number_format = number_formats.get(column)
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
    fit = sheet.sheet_properties.pageSetUpPr
    assert fit is not None  # openpyxl makes it with the sheet
    fit.fitToPage = True
    sheet.print_title_rows = f"{header_row}:{header_row}"


def write_workbook(
    sheets: dict[str, pd.DataFrame],
    path: Path,
    warnings: Sequence[str] = (),
    number_formats: Mapping[str, str] | None = None,
) -> Path:
    """An XLSX workbook, one styled sheet per table, in order; titles become valid sheet names.

    Row 1 of every sheet is exactly the table's headers, unless there are ``warnings``: then
    every sheet opens with them (one row each, in red, and in the printed header and footer),
    a blank row, and the table. Columns are formatted by header (``number_formats``).
    The same tables give the same bytes (no save time inside: :func:`fix_office_times`).
    """
    header_row = len(warnings) + 2 if warnings else 1
    names = [sheet_name(title) for title in sheets]
    if len({name.casefold() for name in names}) != len(names):  # Excel ignores case
        raise ValueError(f"Tên trang tính bị trùng: {names}")
    with replaced_atomically(path) as temporary:
        with pd.ExcelWriter(temporary, engine="openpyxl") as writer:
            for name, table in zip(names, sheets.values(), strict=True):
                table.to_excel(writer, sheet_name=name, index=False, startrow=header_row - 1)
                sheet = writer.sheets[name]
                for row in sheet.iter_rows(min_row=header_row + 1):
                    text_not_formula(row)
                style_sheet(sheet, table, warnings, header_row, number_formats)
        fix_office_times(temporary)
    return path


def read_sheet(sheet: Worksheet) -> pd.DataFrame:
    """A table written by :func:`write_workbook`, read back: warning lines above it skipped."""
    rows = list(sheet.iter_rows(values_only=True))
    start = next(
        (i for i, row in enumerate(rows) if sum(v is not None and v != "" for v in row) > 1), 0
    )
    return pd.DataFrame(rows[start + 1 :], columns=rows[start])
