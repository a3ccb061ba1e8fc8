"""Reading tabular input files (CSV, XLSX) as cells with line numbers, whatever they turn out to be.

:func:`read_table` follows a file's content, not its name (:func:`cqdt.content.file_kind`): a
workbook saved under a ``.csv`` name is read as a workbook, a CSV renamed ``.xlsx`` as text,
and every other file stops with a Vietnamese :class:`~cqdt.problems.EvidenceError` saying what
it is and what to do: empty, an old ``.xls`` or a password-protected workbook, a PDF, a picture,
a web page, a workbook whose sheets are blank, a CSV in another encoding (Windows-1258,
Latin-1, UTF-16) or with another delimiter (``;`` or tab), rows with more cells than the header,
merged cells, formulas without a value Excel computed and Excel error values.

A survey's own size decides the cost of reading it: cell values of a workbook come from
python-calamine (a Rust reader, ten times faster than openpyxl on a 10,000-row sheet), which
also reports merged ranges; openpyxl is opened only on a workbook that holds formulas or error
cells, the cell metadata calamine does not give. At most :data:`MAX_DATA_ROWS` rows are read.

Cells come back as text (``""`` for blank, Unicode NFC, trimmed), except for the columns the
caller names in ``parsed``: those keep what the file holds (a CSV column of plain numbers
parsed by pandas' C reader, a column of typed XLSX numbers as floats, a typed number as a
number, text untouched), so that the caller checks them column by column and looks at single
cells only where a column fails.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter
from python_calamine import CalamineError, CalamineWorkbook, SheetTypeEnum

from cqdt.content import SAVE_AS_CSV, XLSX, file_kind, unreadable
from cqdt.problems import EvidenceError, Problem, ProblemCode

MAX_DATA_ROWS = 100_000
"""Rows read from one file at most (ten times a national commune survey)."""
MAX_XLSX_BYTES = 10 * 2**20
"""A larger XLSX is not a survey form; openpyxl would need gigabytes to open it."""
MAX_SHEET_BYTES = 256 * 2**20
"""Uncompressed worksheet XML read at most (a 100,000-row survey is about 100 MB): a small
archive that unpacks to gigabytes is refused before anything is unpacked."""
MAX_CELL_PROBLEMS = 200
"""Formula and error cells listed at most; the others are counted."""
FORMULA_ESCAPE = "'"
"""Written before a cell text that starts with = + - @ so spreadsheets never run it."""
FORMULA_STARTS = ("=", "+", "-", "@")

_TOO_MANY = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
_fail = unreadable


def _as_text(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a code typed as the number 12 in Excel, not "12.0"
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _clean_cell(value: object) -> str:
    if value is None or value != value:  # None, NaN
        return ""
    text = value if isinstance(value, str) else _as_text(value)
    text = unicodedata.normalize("NFC", text).strip()
    if text[:1] == FORMULA_ESCAPE and text[1:2] in FORMULA_STARTS:
        return text[1:]
    return text


def clean_text(cells: pd.Series) -> pd.Series:
    """Cells as text: blank for missing, NFC, trimmed, the spreadsheet formula escape removed.

    The result has object dtype (plain Python strings), whatever pandas' default string
    storage is, so that indexes built from it stay fast.
    """
    text = [_clean_cell(v) for v in cells.to_numpy(dtype=object)]
    return pd.Series(np.array(text, dtype=object), index=cells.index, name=cells.name)


def blank_cells(cells: pd.Series) -> np.ndarray:
    """Which cells are missing or empty text."""
    if is_number_column(cells):
        return np.isnan(cells.to_numpy(dtype=float))
    values = cells.to_numpy(dtype=object)
    return pd.isna(values) | (values == "")


def _header(cells: Sequence[object]) -> list[str]:
    """Header names, cleaned; a header cell left blank gets a name saying so."""
    names = clean_text(pd.Series(cells, dtype=object)).str.replace(r"\s+", " ", regex=True)
    return [name or f"(cột {get_column_letter(i)} không có tên)" for i, name in enumerate(names, 1)]


def _duplicates(file: str, header: list[str]) -> None:
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise EvidenceError(
            [
                Problem(
                    file, "dòng tiêu đề", h, "cột bị trùng tên", code=ProblemCode.DUPLICATE_COLUMN
                )
                for h in repeated
            ]
        )


def _finish(file: str, table: pd.DataFrame, parsed: Collection[str], limited: bool) -> pd.DataFrame:
    """Clean the text columns, drop blank rows and columns, say when rows were left unread."""
    for name in table.columns:
        if name not in parsed:
            table[name] = clean_text(table[name])
    blank = np.column_stack([blank_cells(table[name]) for name in table.columns])
    unnamed = blank.all(axis=0) & table.columns.str.startswith("(cột ")
    table = table.loc[~np.all(blank[:, ~unnamed], axis=1), ~unnamed]
    if table.empty:
        raise _fail(file, "tệp không có dòng dữ liệu nào", code=ProblemCode.NO_DATA_ROWS)
    if limited:
        table.attrs["limited"] = True
    return table


def open_workbook(path: str | Path, data_only: bool = True) -> Workbook:
    """Open an XLSX file with openpyxl (cell positions, formulas, protection: the forms), by its
    content whatever its name; every way it can be unusable raises a Vietnamese EvidenceError."""
    path = Path(path)
    file = str(path)
    if file_kind(path) != XLSX:
        raise _fail(file, "không phải tệp Excel (.xlsx)", code=ProblemCode.NOT_EXCEL)
    data = path.read_bytes()
    if len(data) > MAX_XLSX_BYTES:
        raise _fail(
            file,
            f"tệp Excel quá lớn ({len(data) / 2**20:.0f} MB) so với một phiếu khảo sát: kiểm tra "
            "xem có dán nhầm dữ liệu không",
            code=ProblemCode.FILE_TOO_LARGE,
        )
    try:
        return load_workbook(io.BytesIO(data), data_only=data_only)
    except Exception as exc:  # openpyxl on a broken archive raises whatever its parser raises
        # (zipfile, KeyError, lxml's XMLSyntaxError...): every one means a workbook it cannot read
        raise _fail(
            file,
            f"không đọc được tệp Excel (.xlsx), có thể bị hỏng: {exc}",
            code=ProblemCode.CORRUPT_WORKBOOK,
        ) from None


def read_table(path: str | Path, parsed: Collection[str] = ()) -> pd.DataFrame:
    """Read a CSV (UTF-8, with or without Excel's BOM) or XLSX file; raise :class:`EvidenceError`.

    The index is the line of each row in the file (the header is line 1), so problems name
    the line an analyst sees; fully blank rows are dropped. Columns named in ``parsed`` are
    returned as the file holds them (see the module docstring); others as clean text.
    ``table.attrs["limited"]`` is set when the file had more than :data:`MAX_DATA_ROWS` rows.
    """
    path = Path(path)
    file = str(path)
    if file_kind(path) == XLSX:
        return _read_xlsx(path, file, parsed)
    return _read_csv(path, file, parsed)


def _read_csv(path: Path, file: str, parsed: Collection[str]) -> pd.DataFrame:
    with path.open("rb") as handle:
        head = handle.read(2)
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[1:2] == b"\x00":
        raise _fail(
            file,
            "tệp CSV mã hoá UTF-16 (Excel «Unicode Text»), chương trình đọc CSV UTF-8: "
            + SAVE_AS_CSV,
            code=ProblemCode.UTF16_ENCODING,
        )
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            first = next(csv.reader(handle), [])
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, file, exc) from None
    line = ",".join(first)
    if len(first) == 1 and (";" in line or "\t" in line):
        delimiter = "dấu chấm phẩy «;»" if ";" in line else "dấu tab"
        raise _fail(
            file,
            f"các cột được phân cách bằng {delimiter} (Excel theo thiết lập vùng miền khác), "
            "chương trình cần dấu phẩy: " + SAVE_AS_CSV,
            "dòng tiêu đề",
            code=ProblemCode.WRONG_DELIMITER,
        )
    header = _header(first)
    _duplicates(file, header)
    options: dict[str, Any] = {
        "header": 0,
        "names": header,
        "keep_default_na": False,
        "na_values": [""],
        "skip_blank_lines": False,
        "encoding": "utf-8-sig",
        "nrows": MAX_DATA_ROWS + 1,
        "dtype": {name: object for name in header if name not in parsed},
    }
    try:
        table = pd.read_csv(path, **options)
        if parsed and _may_be_ambiguous(path, table, parsed):
            table = pd.read_csv(path, **{**options, "dtype": object})
    except UnicodeDecodeError as exc:
        raise _not_utf8(path, file, exc) from None
    except pd.errors.ParserError as exc:
        found = _TOO_MANY.search(str(exc))
        if found:
            expected, line_no, seen = found.groups()
            raise _fail(
                file,
                f"dòng có {seen} ô, nhiều hơn {expected} cột của dòng tiêu đề (thường do dấu "
                "phẩy trong tên hoặc số viết kiểu 2,5 không đặt trong ngoặc kép)",
                f"dòng {line_no}",
                code=ProblemCode.TOO_MANY_CELLS,
            ) from None
        raise _fail(
            file, f"không đọc được tệp CSV: {exc}", code=ProblemCode.UNREADABLE_FILE
        ) from None
    except (OSError, ValueError) as exc:
        raise _fail(
            file, f"không đọc được tệp CSV: {exc}", code=ProblemCode.UNREADABLE_FILE
        ) from None
    table.index = table.index + 2  # line numbers: the header is line 1
    limited = len(table) > MAX_DATA_ROWS
    return _finish(file, table.iloc[:MAX_DATA_ROWS], parsed, limited)


_DOT_AND_THREE = re.compile(rb"\.[0-9]{3}(?:[,\"\r\n]|$)", re.M)
_AMBIGUOUS_BYTES = re.compile(
    rb'(?:^|[,"])[ \t]*[1-9][0-9]{0,2}(?:\.[0-9]{3})+[ \t]*(?=[,"\r\n]|$)', re.M
)


def _may_be_ambiguous(path: Path, table: pd.DataFrame, parsed: Collection[str]) -> bool:
    """Whether a number column read by the C reader may hide text like ``1.200`` (one pass)."""
    numeric = [c for c in parsed if c in table.columns and is_number_column(table[c])]
    if not numeric:
        return False
    data = path.read_bytes()  # a quick literal scan first: most files have no "x.yyy" at all
    return _DOT_AND_THREE.search(data) is not None and _AMBIGUOUS_BYTES.search(data) is not None


def _not_utf8(path: Path, file: str, exc: UnicodeDecodeError) -> EvidenceError:
    data = path.read_bytes()
    position = data.find(exc.object[exc.start : exc.end]) if isinstance(exc.object, bytes) else -1
    line = data.count(b"\n", 0, max(position, 0)) + 1
    return _fail(
        file,
        "tệp không phải mã UTF-8 (có thể là Windows-1258, TCVN3 hay Latin-1 do Excel đời cũ "
        f"lưu; chữ có dấu sẽ bị sai): {SAVE_AS_CSV}",
        f"dòng {line}" if position >= 0 else "",
        code=ProblemCode.NOT_UTF8,
    )


def _read_xlsx(path: Path, file: str, parsed: Collection[str]) -> pd.DataFrame:
    _check_unpacked_size(path, file)
    try:
        book = CalamineWorkbook.from_path(path)
        sheets = [m.name for m in book.sheets_metadata if m.typ == SheetTypeEnum.WorkSheet]
        found = None
        for name in sheets:
            sheet = book.get_sheet_by_name(name)
            rows = sheet.to_python(skip_empty_area=False, nrows=MAX_DATA_ROWS + 1)
            if any(cell != "" for row in rows for cell in row):
                found = sheet, rows
                break
    except CalamineError as exc:
        raise _fail(
            file,
            f"không đọc được tệp Excel (.xlsx), có thể bị hỏng: {exc}",
            code=ProblemCode.CORRUPT_WORKBOOK,
        ) from None
    if found is None:
        names = ", ".join(f"«{name}»" for name in sheets) or "không có"
        raise _fail(
            file,
            f"tệp Excel không có dữ liệu: mọi trang tính đều trống ({names}); ghi dòng tiêu đề "
            "và số liệu vào trang tính đầu tiên",
            code=ProblemCode.BLANK_WORKBOOK,
        )
    sheet, rows = found
    header = _header(list(rows[0]))
    _duplicates(file, header)
    table = pd.DataFrame(rows[1:], columns=header, dtype=object)
    table.index = table.index + 2
    problems = _merged_problems(file, sheet.merged_cell_ranges or [], header)
    if has_formulas_or_errors(path):
        try:
            problems += _formula_problems(path, file, sheet.name, header)
        except Exception as exc:  # calamine read it, openpyxl cannot: as above
            raise _fail(
                file,
                f"không đọc được công thức trong tệp Excel (.xlsx), có thể bị hỏng: {exc}",
                code=ProblemCode.CORRUPT_WORKBOOK,
            ) from None
    if problems:
        raise EvidenceError(problems[:MAX_CELL_PROBLEMS], max(len(problems) - MAX_CELL_PROBLEMS, 0))
    for name in parsed:
        if name in table.columns:
            table[name] = _typed_numbers(table[name])
    last_row = sheet.end[0] + 1 if sheet.end else 0
    return _finish(file, table, parsed, last_row > MAX_DATA_ROWS + 1)


def _check_unpacked_size(path: Path, file: str) -> None:
    """Refuse a workbook whose sheets unpack to more than :data:`MAX_SHEET_BYTES`."""
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(
                info.file_size
                for info in archive.infolist()
                if info.filename.startswith("xl/worksheets/")
            )
    except (zipfile.BadZipFile, OSError):
        return  # calamine says what is wrong with it
    if unpacked > MAX_SHEET_BYTES:
        raise _fail(
            file,
            f"tệp Excel quá lớn ({unpacked / 2**20:.0f} MB khi giải nén) so với một bảng khảo sát: "
            f"kiểm tra xem có dán nhầm dữ liệu không, hoặc lưu dạng CSV UTF-8 ({SAVE_AS_CSV})",
            code=ProblemCode.FILE_TOO_LARGE,
        )


FORMULA_OR_ERROR_TAGS = (b"<f>", b"<f ", b"<f/", b":f>", b":f ", b":f/", b't="e"')
"""What a cell with a formula (``<f>``, or ``<x:f>`` with a namespace prefix) or an Excel error
value (``t="e"``) looks like in a sheet's XML; plain byte searches, far faster than a regex."""
FORMULA_OR_ERROR_HINTS = (b"<f", b":f", b't="e"')
"""Three searches that every tag above passes (and ``<formula1>`` of a data validation too):
a sheet without them, nearly every survey, is settled in three passes over its XML."""


def has_formulas_or_errors(path: Path) -> bool:
    """Whether any sheet holds a formula or an Excel error value (a quick scan of its XML)."""
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                data = archive.read(info)
                hinted = any(hint in data for hint in FORMULA_OR_ERROR_HINTS)
                if hinted and any(tag in data for tag in FORMULA_OR_ERROR_TAGS):
                    return True
    return False


def _column_name(header: list[str], column: int) -> str:
    """The header of a 1-based column, or nothing beyond the header."""
    return header[column - 1] if column <= len(header) else ""


def _merged_problems(
    file: str, ranges: list[tuple[tuple[int, int], tuple[int, int]]], header: list[str]
) -> list[Problem]:
    """Merged cells (calamine's 0-based corners): named, never read as blanks."""
    problems = []
    for (top, left), (bottom, right) in sorted(ranges):
        coord = f"{get_column_letter(left + 1)}{top + 1}:{get_column_letter(right + 1)}{bottom + 1}"
        problems.append(
            Problem(
                file,
                f"dòng {top + 1}, ô {coord}",
                _column_name(header, left + 1),
                "ô gộp (merged cells): bỏ gộp ô (Merge & Center › Unmerge Cells) và ghi giá trị "
                "vào từng ô",
                row=top + 1,
                code=ProblemCode.MERGED_CELLS,
            )
        )
    return problems


def _formula_problems(path: Path, file: str, sheet: str, header: list[str]) -> list[Problem]:
    """Formulas without a cached value and Excel error values: what they are, never blanks.

    openpyxl is needed here (calamine gives neither formulas nor errors): one read-only pass
    for the formulas, one for the values Excel cached.
    """
    source = path.read_bytes()
    formulas: dict[tuple[int, int], str] = {}  # (row, column) -> formula
    view = load_workbook(io.BytesIO(source), read_only=True)[sheet]
    for r, row in enumerate(view.iter_rows(min_row=1, min_col=1), start=1):
        for c, cell in enumerate(row, start=1):
            if cell.data_type == "f":
                formulas[r, c] = str(cell.value)
    problems = []
    values = load_workbook(io.BytesIO(source), read_only=True, data_only=True)[sheet]
    for r, row in enumerate(values.iter_rows(min_row=1, min_col=1), start=1):
        for c, cell in enumerate(row, start=1):
            formula = formulas.get((r, c))
            if formula and cell.value is None:
                message = (
                    f"ô chứa công thức «{formula}» nhưng chưa có giá trị tính sẵn (tệp do "
                    "chương trình khác tạo, chưa mở bằng Excel): mở tệp bằng Excel rồi lưu lại, "
                    "hoặc ghi giá trị thay cho công thức"
                )
                code = ProblemCode.FORMULA_WITHOUT_VALUE
            elif cell.data_type == "e":
                message = (
                    f"ô có giá trị lỗi của Excel «{cell.value}»"
                    + (f" (công thức «{formula}»)" if formula else "")
                    + ": sửa công thức hoặc ghi giá trị đúng"
                )
                code = ProblemCode.EXCEL_ERROR_VALUE
            else:
                continue
            coordinate = f"{get_column_letter(c)}{r}"
            problems.append(
                Problem(
                    file,
                    f"dòng {r}, ô {coordinate}",
                    _column_name(header, c),
                    message,
                    row=r,
                    code=code,
                )
            )
    return problems


def _typed_numbers(cells: pd.Series) -> pd.Series:
    """A column whose filled cells are all typed numbers, as floats (blank: NaN), so it takes
    the checks' fast path; any other column as it is."""
    values = cells.to_numpy(dtype=object)
    filled = values != ""
    kind = pd.api.types.infer_dtype(values[filled], skipna=False)
    if kind not in ("floating", "integer", "mixed-integer-float"):
        return cells
    numbers = np.full(len(values), np.nan)
    numbers[filled] = values[filled].astype(float)
    return pd.Series(numbers, index=cells.index, name=cells.name)


def is_number_column(cells: pd.Series) -> bool:
    """Whether a whole column was read as numbers (integers or floats, not TRUE/FALSE)."""
    return pd.api.types.is_float_dtype(cells) or pd.api.types.is_integer_dtype(cells)


def is_number(cells: pd.Series) -> np.ndarray:
    """Which cells hold a number typed as such (not text, not TRUE/FALSE, not missing)."""
    return np.array(
        [isinstance(v, int | float) and not isinstance(v, bool) and v == v for v in cells],
        dtype=bool,
    )


def normalise_name(value: object) -> str:
    """A name as cqdt compares names: Unicode NFC, trimmed, single spaces ("" for blank), so
    "Huế" typed with combining marks (Unikey's «Unicode tổ hợp») is the register's "Huế"."""
    return " ".join(_clean_cell(value).split())


def normalise_names(names: pd.Series) -> pd.Series:
    """:func:`normalise_name` of every cell (plain strings)."""
    single = [normalise_name(name) for name in names.to_numpy(dtype=object)]
    return pd.Series(np.array(single, dtype=object), index=names.index, name=names.name)


__all__ = [
    "MAX_DATA_ROWS",
    "clean_text",
    "has_formulas_or_errors",
    "is_number",
    "is_number_column",
    "normalise_name",
    "normalise_names",
    "open_workbook",
    "read_table",
]
