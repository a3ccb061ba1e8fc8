"""Reading tabular input files (CSV, XLSX) as cells with line numbers, whatever they turn out to be.

:func:`read_table` sniffs a file by its content, not its name, and turns every way a file can
be unusable into a Vietnamese :class:`~cqdt.problems.EvidenceError` that says what the file is
and what to do: empty, an old ``.xls`` or a password-protected workbook, a workbook whose
sheets are blank, a CSV in another encoding (Windows-1258, Latin-1, UTF-16) or with another
delimiter (``;`` or tab), rows with more cells than the header, merged cells and formulas
without a value Excel computed. Reading is bounded: at most :data:`MAX_DATA_ROWS` rows are
read, however large the file.

Cells come back as text (``""`` for blank, Unicode NFC, trimmed), except for the columns the
caller names in ``parsed``: those keep what the file holds (a CSV column of plain numbers
parsed by pandas' C reader, a typed XLSX number as a number, text untouched), so that the
caller checks them column by column and looks at single cells only where a column fails.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import zipfile
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from cqdt.problems import EvidenceError, Problem, ProblemCode

MAX_DATA_ROWS = 100_000
"""Rows read from one file at most (ten times a national commune survey)."""
MAX_XLSX_BYTES = 10 * 2**20
"""A larger XLSX is not a survey form; openpyxl would need gigabytes to open it."""
FORMULA_ESCAPE = "'"
"""Written before a cell text that starts with = + - @ so spreadsheets never run it."""
FORMULA_STARTS = ("=", "+", "-", "@")

_ZIP, _OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_TOO_MANY = re.compile(r"Expected (\d+) fields in line (\d+), saw (\d+)")
SAVE_AS_CSV = "mở bằng Excel, chọn Lưu thành (Save As) › «CSV UTF-8 (Comma delimited) (*.csv)»"


def _fail(file: str, message: str, place: str = "", *, code: ProblemCode) -> EvidenceError:
    return EvidenceError([Problem(file, place, "", message, code=code)])


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


def _sniff(path: Path, file: str) -> tuple[bytes, int]:
    """First bytes and size of a file; what it is not (empty, .xls, encrypted) raises."""
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
        size = path.stat().st_size
    except FileNotFoundError:
        raise _fail(file, "không tìm thấy tệp", code=ProblemCode.FILE_NOT_FOUND) from None
    except OSError as exc:
        raise _fail(
            file, f"không mở được tệp: {exc.strerror or exc}", code=ProblemCode.UNREADABLE_FILE
        ) from None
    if size == 0:
        raise _fail(file, "tệp rỗng (0 byte), không có dòng tiêu đề", code=ProblemCode.EMPTY_FILE)
    if head.startswith(_OLE2):
        if _ENCRYPTED in path.read_bytes()[: 8 * 2**20]:
            raise _fail(
                file,
                "tệp Excel được đặt mật khẩu (mã hoá), không đọc được: mở bằng Excel, gỡ mật "
                "khẩu (File › Info › Protect Workbook › Encrypt with Password, xoá mật khẩu) "
                "rồi lưu lại",
                code=ProblemCode.ENCRYPTED_WORKBOOK,
            )
        raise _fail(
            file,
            "tệp Excel định dạng cũ (.xls, Excel 97–2003): mở bằng Excel và lưu lại dạng "
            "«Excel Workbook (*.xlsx)»",
            code=ProblemCode.OLD_EXCEL_FORMAT,
        )
    if not head.startswith(_ZIP) and path.suffix.lower() in (".xlsx", ".xlsm"):
        raise _fail(
            file,
            "tệp mang đuôi .xlsx nhưng không phải tệp Excel (có thể bị hỏng)",
            code=ProblemCode.NOT_EXCEL,
        )
    return head, size


def open_workbook(path: str | Path, data_only: bool = True) -> Workbook:
    """Open an XLSX file; every way it can be unusable raises a Vietnamese EvidenceError."""
    path = Path(path)
    file = str(path)
    head, size = _sniff(path, file)
    if not head.startswith(_ZIP):
        raise _fail(file, "không phải tệp Excel (.xlsx)", code=ProblemCode.NOT_EXCEL)
    if size > MAX_XLSX_BYTES:
        raise _fail(
            file,
            f"tệp Excel quá lớn ({size / 2**20:.0f} MB) so với một phiếu khảo sát: kiểm tra xem "
            "có dán nhầm dữ liệu không, hoặc lưu dạng CSV UTF-8",
            code=ProblemCode.FILE_TOO_LARGE,
        )
    try:
        return load_workbook(path, data_only=data_only)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as exc:
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
    head, _ = _sniff(path, file)
    if head.startswith(_ZIP):
        return _read_xlsx(path, file, parsed)
    return _read_csv(path, file, head, parsed)


def _read_csv(path: Path, file: str, head: bytes, parsed: Collection[str]) -> pd.DataFrame:
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
    book = open_workbook(path, data_only=False)
    sheet = next((s for s in book.worksheets if s.max_row > 1 or s["A1"].value is not None), None)
    if sheet is None:
        names = ", ".join(f"«{s.title}»" for s in book.worksheets) or "không có"
        raise _fail(
            file,
            f"tệp Excel không có dữ liệu: mọi trang tính đều trống ({names}); ghi dòng tiêu đề "
            "và số liệu vào trang tính đầu tiên",
            code=ProblemCode.BLANK_WORKBOOK,
        )
    # openpyxl creates every cell up to ``max_row`` it is asked for: bound it by the sheet's
    # own last row, or a 3-row survey costs 100,001 rows of empty cells (seconds per file)
    last = min(sheet.max_row, MAX_DATA_ROWS + 1)
    formulas = {
        cell.coordinate: cell.value
        for row in sheet.iter_rows(max_row=last)
        for cell in row
        if cell.data_type == "f"
    }
    if formulas:  # cached results are only in the data-only view
        sheet = load_workbook(path, data_only=True)[sheet.title]
    rows = list(sheet.iter_rows(max_row=last, values_only=True))
    limited = sheet.max_row > MAX_DATA_ROWS + 1
    header = _header(list(rows[0]))
    _duplicates(file, header)
    table = pd.DataFrame(
        [list(r) + [None] * (len(header) - len(r)) for r in rows[1:]], columns=header, dtype=object
    )
    table.index = table.index + 2
    problems = _sheet_problems(file, sheet, header, formulas, table)
    if problems:
        raise EvidenceError(problems)
    return _finish(file, table, parsed, limited)


def _sheet_problems(
    file: str, sheet, header: list[str], formulas: Mapping[str, object], table: pd.DataFrame
) -> list[Problem]:
    """Merged cells and formulas without a cached value: what they are, never blanks."""
    problems = []
    for merged in sheet.merged_cells.ranges:
        column = header[merged.min_col - 1] if merged.min_col <= len(header) else ""
        problems.append(
            Problem(
                file,
                f"dòng {merged.min_row}, ô {merged.coord}",
                column,
                "ô gộp (merged cells): bỏ gộp ô (Merge & Center › Unmerge Cells) và ghi giá trị "
                "vào từng ô",
                row=merged.min_row,
                code=ProblemCode.MERGED_CELLS,
            )
        )
    for coordinate, formula in formulas.items():
        cell = sheet[coordinate]
        if cell.value is None:
            problems.append(
                Problem(
                    file,
                    f"dòng {cell.row}, ô {coordinate}",
                    header[cell.column - 1] if cell.column <= len(header) else "",
                    f"ô chứa công thức «{formula}» nhưng chưa có giá trị tính sẵn (tệp do chương "
                    "trình khác tạo, chưa mở bằng Excel): mở tệp bằng Excel rồi lưu lại, hoặc "
                    "ghi giá trị thay cho công thức",
                    row=cell.row,
                    code=ProblemCode.FORMULA_WITHOUT_VALUE,
                )
            )
    return problems


def is_number_column(cells: pd.Series) -> bool:
    """Whether a whole column was read as numbers (integers or floats, not TRUE/FALSE)."""
    return pd.api.types.is_float_dtype(cells) or pd.api.types.is_integer_dtype(cells)


def is_number(cells: pd.Series) -> np.ndarray:
    """Which cells hold a number typed as such (not text, not TRUE/FALSE, not missing)."""
    return np.array(
        [isinstance(v, int | float) and not isinstance(v, bool) and v == v for v in cells],
        dtype=bool,
    )


def normalise_names(names: pd.Series) -> pd.Series:
    """Unicode NFC and single spaces, so "Huế" typed two ways is one unit (plain strings)."""
    single = [" ".join(name.split()) for name in clean_text(names)]
    return pd.Series(np.array(single, dtype=object), index=names.index, name=names.name)


__all__ = [
    "MAX_DATA_ROWS",
    "clean_text",
    "is_number",
    "is_number_column",
    "normalise_names",
    "open_workbook",
    "read_table",
]
