"""What an input file really is, told by its bytes, whatever its name says.

A survey saved by Excel under a ``.csv`` name is a workbook; a CSV renamed ``.xlsx`` is text;
web systems export HTML tables named ``.xls``; a unit may send a PDF, a photo or a Word file.
:func:`file_kind` looks at the first bytes (and, for a zip archive, at the names inside it) and
answers ``"csv"`` or ``"xlsx"``, so the reader follows the content (a workbook is read as one
whatever its name); anything else stops with a Vietnamese :class:`~cqdt.problems.EvidenceError`
that says what the file is and what to do. Text under an Excel name is refused, not read as a
CSV: it is as often a broken download as a renamed table, and the message says which to do.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from cqdt.problems import EvidenceError, Problem, ProblemCode

CSV, XLSX = "csv", "xlsx"
"""The two kinds of table cqdt reads."""
EXCEL_SUFFIXES = (".xlsx", ".xlsm", ".xls")
"""Names that promise a workbook: text under them is refused, not guessed to be a CSV."""
HEAD_BYTES = 4096
"""Bytes read to tell a file's kind."""
SAVE_AS_XLSX = "mở bằng Excel và lưu lại dạng «Excel Workbook (*.xlsx)»"
SAVE_AS_CSV = "mở bằng Excel, chọn Lưu thành (Save As) › «CSV UTF-8 (Comma delimited) (*.csv)»"

_ZIP, _OLE2 = b"PK\x03\x04", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_NOT_TABLES = [
    (b"%PDF", "tệp PDF"),
    (b"\x89PNG", "tệp ảnh PNG"),
    (b"\xff\xd8\xff", "tệp ảnh JPEG"),
    (b"GIF8", "tệp ảnh GIF"),
    (b"Rar!", "tệp nén RAR"),
    (b"7z\xbc\xaf", "tệp nén 7-Zip"),
    (b"{\\rtf", "văn bản RTF"),
]
"""Signatures of files people send instead of a table."""
_MARKUP = re.compile(rb"^\s*(?:<\?xml[^>]*>\s*)?<(!doctype html|html|table|\?mso|workbook)", re.I)
_PACKAGES = [
    ("xl/workbook.xml", XLSX),
    ("word/document.xml", "tệp Word (.docx)"),
    ("ppt/presentation.xml", "tệp PowerPoint (.pptx)"),
]


def unreadable(file: str, message: str, place: str = "", *, code: ProblemCode) -> EvidenceError:
    """The error of a file that cannot be read as a table: one problem, no field."""
    return EvidenceError([Problem(file, place, "", message, code=code)])


def _not_a_table(file: str, what: str) -> EvidenceError:
    return unreadable(
        file,
        f"đây là {what}, không phải bảng số liệu CSV hay Excel (.xlsx): chọn đúng tệp khảo sát, "
        f"hoặc mở bảng số liệu bằng Excel và lưu dạng .xlsx hoặc CSV UTF-8",
        code=ProblemCode.NOT_A_TABLE,
    )


def _zip_kind(path: Path, file: str) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError):
        raise unreadable(
            file,
            "tệp Excel (.xlsx) bị hỏng, không mở được (tải về chưa hết hoặc lưu bị lỗi?): "
            f"{SAVE_AS_XLSX} rồi gửi lại",
            code=ProblemCode.CORRUPT_WORKBOOK,
        ) from None
    for name, kind in _PACKAGES:
        if name in names:
            if kind == XLSX:
                return XLSX
            raise _not_a_table(file, kind)
    if b"opendocument.spreadsheet" in mimetype:
        raise unreadable(
            file,
            "tệp bảng tính OpenDocument (.ods, LibreOffice): mở bằng LibreOffice hoặc Excel và lưu "
            "dạng «Excel 2007-365 (.xlsx)»",
            code=ProblemCode.NOT_EXCEL,
        )
    if b"opendocument" in mimetype:
        raise _not_a_table(file, "văn bản OpenDocument (LibreOffice)")
    raise _not_a_table(file, "tệp nén .zip; giải nén rồi chọn tệp CSV hoặc .xlsx bên trong")


def file_kind(path: str | Path) -> str:
    """``CSV`` or ``XLSX`` by content; every other file raises :class:`EvidenceError` saying
    what it is (empty, old or encrypted Excel, PDF, picture, Word, archive, web page...)."""
    path = Path(path)
    file = str(path)
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except FileNotFoundError:
        raise unreadable(file, "không tìm thấy tệp", code=ProblemCode.FILE_NOT_FOUND) from None
    except IsADirectoryError:
        raise unreadable(
            file, "là một thư mục, không phải tệp bảng số liệu", code=ProblemCode.NOT_A_FILE
        ) from None
    except OSError as exc:
        raise unreadable(
            file, f"không mở được tệp: {exc.strerror or exc}", code=ProblemCode.UNREADABLE_FILE
        ) from None
    if not head:
        raise unreadable(
            file, "tệp rỗng (0 byte), không có dòng tiêu đề", code=ProblemCode.EMPTY_FILE
        )
    if head.startswith(_OLE2):
        if _ENCRYPTED in path.read_bytes()[: 8 * 2**20]:
            raise unreadable(
                file,
                "tệp Excel được đặt mật khẩu (mã hoá), không đọc được: mở bằng Excel, gỡ mật "
                "khẩu (File › Info › Protect Workbook › Encrypt with Password, xoá mật khẩu) "
                "rồi lưu lại",
                code=ProblemCode.ENCRYPTED_WORKBOOK,
            )
        raise unreadable(
            file,
            f"tệp Excel định dạng cũ (.xls, Excel 97–2003): {SAVE_AS_XLSX}",
            code=ProblemCode.OLD_EXCEL_FORMAT,
        )
    if head.startswith(_ZIP):
        return _zip_kind(path, file)
    for signature, what in _NOT_TABLES:
        if head.startswith(signature):
            raise _not_a_table(file, what)
    if _MARKUP.match(head.removeprefix(b"\xef\xbb\xbf")):
        raise unreadable(
            file,
            "tệp là trang web (HTML) hoặc XML, thường do phần mềm khác xuất ra dưới tên .xls "
            f"hay .csv: {SAVE_AS_XLSX}",
            code=ProblemCode.NOT_A_TABLE,
        )
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[1:2] == b"\x00"
    if b"\x00" in head and not utf16:
        raise _not_a_table(file, "một tệp nhị phân (không phải chữ)")
    if path.suffix.lower() in EXCEL_SUFFIXES:
        raise unreadable(
            file,
            f"tệp mang đuôi {path.suffix} nhưng không phải tệp Excel: nội dung là chữ (bảng CSV "
            "hay văn bản). Nếu là bảng CSV, đổi đuôi tên tệp thành .csv; nếu là tệp Excel bị "
            f"hỏng, {SAVE_AS_XLSX}",
            code=ProblemCode.NOT_EXCEL,
        )
    return CSV
