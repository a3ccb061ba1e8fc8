"""Survey forms in Excel: written from the criteria in force, read back when filled in.

:func:`write_unit_form` writes the form one unit fills in: an instructions sheet, then the
sheet «Phiếu» with one row per input field (criterion codes, question, unit of measure, the
values allowed, enforced by Excel data validation, and the answer cell). The unit's name is
chosen from the register (a drop-down list). Every cell is locked except the answers; the
sheets are protected WITHOUT a password (protection prevents slips, not a determined edit;
a department that needs to change a form can unprotect it from Review › Unprotect Sheet).

:func:`write_level_workbook` writes the whole level in one table (one row per registered
unit), which is itself a survey table that scoring reads (``<year>/<level>.xlsx``).

:func:`read_unit_form` reads a filled form back as one survey row with the cell of each
answer, so that problems can point at the cell the unit has to correct.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cqdt.content import XLSX, file_kind
from cqdt.criteria import LEVEL_TITLES, LEVELS, CriteriaSet, Criterion
from cqdt.evidence import NOT_APPLICABLE, UNIT, UNIT_CODE
from cqdt.files import HEADER_FILL, text_not_formula
from cqdt.methods import criterion_fields
from cqdt.output import FIXED_TIME, file_sha256, fix_office_times, replaced_atomically
from cqdt.problems import EvidenceError, Problem, ProblemCode
from cqdt.reading import has_formulas_or_errors, normalise_name, open_workbook

FORM_SHEET, GUIDE_SHEET, LIST_SHEET, META_SHEET = "Phiếu", "Hướng dẫn", "Danh mục", "cqdt"
CRITERIA_SHEET = "Tiêu chí"
FORM_KIND = "phieu-khao-sat-cqdt"
HEADER_ROW = 6
"""Row of the table header in «Phiếu»; field rows follow."""
UNIT_CELL, NOT_APPLICABLE_CELL = "C3", "C4"
ANSWER_COLUMN = 7
COLUMNS = [
    "Trường",
    "Mã tiêu chí",
    "Câu hỏi",
    "Đơn vị tính",
    "Giá trị cho phép",
    "Để trống được khi",
    "Trả lời",
]
CRITERIA_COLUMNS = [
    "Mã tiêu chí",
    "Tiêu chí",
    "Phần",
    "Nhóm",
    "Điểm tối đa",
    "Trường (câu hỏi) dùng",
    "Được ghi không áp dụng",
]
YES_NO_CHOICES = ("Có", "Không")
ANSWER_FILL = PatternFill("solid", fgColor="FFF2CC")


@dataclass(frozen=True)
class FieldRow:
    """What the form asks for one input field."""

    field: str
    codes: str
    question: str
    measure: str
    allowed: str
    minimum: float | None
    maximum: float | None
    yes_no: bool
    whole: bool = False
    """A count: Excel accepts whole numbers only."""
    blank_when: str = ""
    """When the answer may stay blank: which criteria must be marked not applicable."""


def blank_when(crits: list[Criterion]) -> str:
    """When a field may stay blank: only if every criterion reading it is marked not applicable,
    which each of them must allow (Vietnamese, for the form)."""
    if not crits:
        return "Có (không tiêu chí nào dùng)"
    always = [c.code for c in crits if not c.allow_not_applicable]
    if len(always) == len(crits):
        return "Không, luôn phải trả lời"
    if always:
        return f"Không: {', '.join(always)} luôn được đánh giá"
    codes = [c.code for c in crits]
    return f"Khi ghi {' và '.join(codes)} không áp dụng"


def field_rows(criteria: CriteriaSet) -> list[FieldRow]:
    """One row per declared input field, with what the criteria reading it allow."""
    users: dict[str, list[Criterion]] = {f.field: [] for f in criteria.inputs}
    for crit in criteria.criteria:
        for name in dict.fromkeys(criterion_fields(crit)):
            users[name].append(crit)
    labels = {f.field: f.label for f in criteria.inputs}
    rows = []
    for spec in criteria.inputs:
        crits = users[spec.field]
        codes = ", ".join(c.code for c in crits)
        blank = blank_when(crits)
        if spec.type == "yes_no":
            rows.append(
                FieldRow(
                    spec.field,
                    codes,
                    spec.label,
                    "Có/Không",
                    "Có hoặc Không",
                    None,
                    None,
                    True,
                    blank_when=blank,
                )
            )
            continue
        direct = [c for c in crits if c.method == "direct"]
        maximum = min((c.max for c in direct), default=None)
        # a rate's numerator is a part of its denominator (the checker refuses more); a
        # rate_vs_best's is not (bandwidth per staff): no such limit there
        below = [
            labels[c.denominator]
            for c in crits
            if c.method == "rate" and c.numerator == spec.field and c.denominator is not None
        ]
        unit = re.search(r"\(([^()]+)\)\s*$", spec.label)
        measure = unit.group(1) if unit else ("điểm" if direct else "số")
        whole = spec.type == "count"
        if maximum is not None:
            allowed = f"từ 0 đến {maximum:g} điểm"
        else:
            allowed = "số nguyên không âm (số lượng)" if whole else "số không âm"
        if below:
            allowed += "; không lớn hơn «" + "», «".join(below) + "»"
        rows.append(
            FieldRow(
                spec.field, codes, spec.label, measure, allowed, 0, maximum, False, whole, blank
            )
        )
    return rows


def criteria_rows(criteria: CriteriaSet) -> list[list[object]]:
    """One row per criterion (:data:`CRITERIA_COLUMNS`): what it is, the fields it reads and
    whether a unit may mark it not applicable."""
    return [
        [
            c.code,
            c.name,
            p.code,
            g.code,
            c.max,
            ", ".join(dict.fromkeys(criterion_fields(c))),
            "Có" if c.allow_not_applicable else "Không",
        ]
        for p in criteria.parts
        for g in p.groups
        for c in g.criteria
    ]


def _locked_sheet(sheet: Worksheet) -> None:
    sheet.protection.sheet = True  # no password: see the module docstring
    sheet.protection.formatColumns = False
    sheet.protection.formatRows = False


def _answer(cell) -> None:
    cell.protection = Protection(locked=False)
    cell.fill = ANSWER_FILL


def _first_sheet(book: Workbook) -> Worksheet:
    """The worksheet a new workbook is made with."""
    sheet = book.active
    assert isinstance(sheet, Worksheet)
    return sheet


def _guide(book: Workbook, criteria: CriteriaSet, year: int, lines: list[str]) -> None:
    sheet = _first_sheet(book)
    sheet.title = GUIDE_SHEET
    sheet["A1"] = f"PHIẾU KHẢO SÁT MỨC ĐỘ CHÍNH QUYỀN ĐIỆN TỬ {LEVELS[criteria.level].upper()}"
    sheet["A1"].font = Font(bold=True, size=13)
    sheet["A2"] = f"{LEVEL_TITLES[criteria.level]} — năm {year}"
    sheet["A3"] = f"Căn cứ: {criteria.decision}; bộ tiêu chí phiên bản {criteria.version}"
    for i, line in enumerate(lines, start=5):
        sheet.cell(i, 1, line).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.column_dimensions["A"].width = 110
    _locked_sheet(sheet)


def _meta(book: Workbook, criteria: CriteriaSet, year: int, kind: str) -> None:
    sheet = book.create_sheet(META_SHEET)
    for row in (
        ("loai", kind),
        ("cap", criteria.level),
        ("nam", year),
        ("bo_tieu_chi", criteria.version),
    ):
        sheet.append(row)
    sheet.sheet_state = "hidden"
    _locked_sheet(sheet)


def _unit_list(book: Workbook, names: list[str]) -> str:
    sheet = book.create_sheet(LIST_SHEET)
    for name in names:
        sheet.append([name])
    text_not_formula(c for (c,) in sheet.iter_rows())
    sheet.sheet_state = "hidden"
    _locked_sheet(sheet)
    return f"'{LIST_SHEET}'!$A$1:$A${max(len(names), 1)}"


def _validate(sheet: Worksheet, row: FieldRow, cell: str) -> None:
    if row.yes_no:
        rule = DataValidation(type="list", formula1='"' + ",".join(YES_NO_CHOICES) + '"')
    elif row.whole:
        rule = DataValidation(type="whole", operator="greaterThanOrEqual", formula1="0")
    elif row.maximum is not None:
        rule = DataValidation(
            type="decimal", operator="between", formula1="0", formula2=f"{row.maximum:g}"
        )
    else:
        rule = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0")
    rule.error = f"Giá trị cho phép: {row.allowed}"
    rule.errorTitle = "Giá trị không hợp lệ"
    rule.showErrorMessage = True
    rule.add(cell)
    sheet.add_data_validation(rule)


def _save(book: Workbook, path: Path, when: datetime) -> Path:
    book.properties.creator = "cqdt"
    with replaced_atomically(path) as temporary:
        book.save(temporary)
        fix_office_times(temporary, when)
    return path


FORM_GUIDE = [
    "Cách điền phiếu:",
    "1. Mở trang «Phiếu». Ở ô Tên đơn vị (ô màu vàng), chọn tên đơn vị của mình trong danh sách.",
    "2. Ghi câu trả lời vào cột «Trả lời» (ô màu vàng), mỗi dòng một câu hỏi. Số ghi dạng số "
    "(ví dụ 1200 hoặc 41,5 theo cách gõ số của máy), không kèm chữ hay đơn vị tính. Câu hỏi "
    "Có/Không: chọn trong danh sách.",
    "3. Nếu một tiêu chí không áp dụng với đơn vị, ghi mã tiêu chí đó vào ô «Tiêu chí không áp "
    "dụng» (nhiều mã cách nhau bởi dấu ;). Chỉ được ghi các tiêu chí có «Có» ở cột «Được ghi "
    "không áp dụng» của trang «Tiêu chí». Câu hỏi được để trống khi đó là các câu có cột «Để "
    "trống được khi» nêu đúng các tiêu chí đã ghi. Không để trống câu trả lời mà tiêu chí cần: ô "
    "trống không được tính là 0, phiếu sẽ bị trả lại.",
    "Câu hỏi số lượng (số CBCC, văn bản, hồ sơ...) ghi số nguyên; không ghi tỷ lệ hay phần trăm.",
    "4. Chỉ các ô trả lời được sửa; các ô khác bị khoá (không đặt mật khẩu) để tránh sửa nhầm. "
    "Không đổi tên, thêm hay xoá trang tính, dòng, cột.",
    "5. Lưu tệp dạng Excel (.xlsx) và gửi lại cho Sở Thông tin và Truyền thông.",
]


def _criteria_sheet(book: Workbook, criteria: CriteriaSet) -> None:
    """The criteria, each with the fields it reads and whether it may be marked not applicable."""
    sheet = book.create_sheet(CRITERIA_SHEET)
    sheet.append(CRITERIA_COLUMNS)
    for row in criteria_rows(criteria):
        sheet.append(row)
    for cell in sheet[1]:
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
    for letter, width in zip("ABCDEFG", (10, 60, 7, 7, 10, 40, 14), strict=True):
        sheet.column_dimensions[letter].width = width
    text_not_formula(c for row in sheet.iter_rows() for c in row)
    _locked_sheet(sheet)


def write_unit_form(
    criteria: CriteriaSet, year: int, units: list[str], path: Path, when: datetime = FIXED_TIME
) -> Path:
    """The form one unit fills in (see the module docstring); ``units``: register names."""
    book = Workbook()
    _guide(book, criteria, year, FORM_GUIDE)
    sheet = book.create_sheet(FORM_SHEET)
    sheet["A1"] = f"PHIẾU KHẢO SÁT CQĐT {LEVELS[criteria.level].upper()} NĂM {year}"
    sheet["A1"].font = Font(bold=True, size=13)
    optional = [c.code for c in criteria.criteria if c.allow_not_applicable]
    sheet["A3"] = "Tên đơn vị"
    sheet["A4"] = "Tiêu chí không áp dụng (mã, cách nhau bởi ;); chỉ được ghi: " + (
        ", ".join(optional) or "không tiêu chí nào"
    )
    for cell in (UNIT_CELL, NOT_APPLICABLE_CELL):
        _answer(sheet[cell])
    names = DataValidation(type="list", formula1=_unit_list(book, units), showErrorMessage=True)
    names.error, names.errorTitle = "Chọn tên đơn vị trong danh sách", "Tên đơn vị"
    names.add(UNIT_CELL)
    sheet.add_data_validation(names)
    for j, title in enumerate(COLUMNS, start=1):
        header = sheet.cell(HEADER_ROW, j, title)
        header.font, header.fill = Font(bold=True), HEADER_FILL
        header.alignment = Alignment(wrap_text=True, vertical="center")
    for i, row in enumerate(field_rows(criteria), start=HEADER_ROW + 1):
        values = [row.field, row.codes, row.question, row.measure, row.allowed, row.blank_when]
        for j, value in enumerate(values, start=1):
            sheet.cell(i, j, value).alignment = Alignment(wrap_text=True, vertical="top")
        answer = sheet.cell(i, ANSWER_COLUMN)
        _answer(answer)
        _validate(sheet, row, answer.coordinate)
    for letter, width in zip("ABCDEFG", (22, 12, 60, 14, 30, 24, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    _locked_sheet(sheet)
    _criteria_sheet(book, criteria)
    _meta(book, criteria, year, FORM_KIND)
    book.active = 1
    return _save(book, path, when)


def write_level_workbook(
    criteria: CriteriaSet,
    year: int,
    register: pd.DataFrame,
    path: Path,
    when: datetime = FIXED_TIME,
) -> Path:
    """One row per registered unit, one column per field: a survey table scoring reads."""
    rows = field_rows(criteria)
    book = Workbook()
    sheet = _first_sheet(book)
    sheet.title = "Khảo sát"
    header = [UNIT_CODE, UNIT, *(r.field for r in rows), NOT_APPLICABLE]
    sheet.append(header)
    for code, name in zip(register[UNIT_CODE], register[UNIT], strict=True):
        sheet.append([code, name])
    text_not_formula(c for row in sheet.iter_rows(min_row=2) for c in row)
    last = len(register) + 1
    for j, column in enumerate(header, start=1):
        cell = sheet.cell(1, j)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        sheet.column_dimensions[get_column_letter(j)].width = 30 if column == UNIT else 14
        if j > 2:
            for r in range(2, last + 1):
                _answer(sheet.cell(r, j))
    for j, row in enumerate(rows, start=3):
        letter = get_column_letter(j)
        if last > 1:
            _validate(sheet, row, f"{letter}2:{letter}{last}")
    sheet.freeze_panes = "C2"
    _locked_sheet(sheet)
    _guide_level(book, criteria, year, rows)
    _criteria_sheet(book, criteria)
    _meta(book, criteria, year, "bang-tong-hop-cqdt")
    return _save(book, path, when)


def _guide_level(book: Workbook, criteria: CriteriaSet, year: int, rows: list[FieldRow]) -> None:
    sheet = book.create_sheet(GUIDE_SHEET)
    sheet.append(COLUMNS[:6])
    for row in rows:
        sheet.append([row.field, row.codes, row.question, row.measure, row.allowed, row.blank_when])
    sheet.append([])
    sheet.append(
        [
            f"Bảng tổng hợp {LEVELS[criteria.level]} năm {year}: mỗi dòng một đơn vị, mỗi cột "
            "một trường (tên trường ở dòng 1, câu hỏi ở bảng trên). Cột khong_ap_dung: mã tiêu "
            "chí không áp dụng, cách nhau bởi dấu ;. Lưu thành <năm>/<cấp>.xlsx để chấm."
        ]
    )
    text_not_formula(c for row in sheet.iter_rows() for c in row)
    _locked_sheet(sheet)


@dataclass(frozen=True)
class FilledForm:
    """A form read back: its level, year, unit, answers and the cell of each answer.

    ``unreadable`` holds the answers that are no value (a formula Excel never computed, an
    Excel error such as ``#DIV/0!``): each is a problem of its own, not a blank.
    """

    path: Path
    level: str
    year: int
    unit: str
    answers: dict[str, object]
    cells: dict[str, str]
    sha256: str = ""
    saved: datetime | None = None
    """When the form was last saved, as the workbook records it (Excel sets it on every save)."""
    unreadable: tuple[Problem, ...] = ()


def _not_form(file: str) -> EvidenceError:
    return EvidenceError(
        [
            Problem(
                file,
                "",
                "",
                "không phải phiếu khảo sát do «cqdt template» tạo (thiếu trang «Phiếu»)",
                code=ProblemCode.NOT_A_FORM,
            )
        ]
    )


def _unreadable_answers(path: Path, book: Workbook, cells: dict[str, str]) -> list[Problem]:
    """Answer cells holding a formula without a computed value, or an Excel error value."""
    sheet = book[FORM_SHEET]
    formulas = (
        open_workbook(path, data_only=False)[FORM_SHEET] if has_formulas_or_errors(path) else None
    )
    problems = []
    for field, coordinate in cells.items():
        cell = sheet[coordinate]
        formula = formulas[coordinate].value if formulas is not None else None
        if cell.data_type == "e":
            message = f"ô có giá trị lỗi của Excel «{cell.value}»: sửa lại, ghi giá trị đúng"
            code = ProblemCode.EXCEL_ERROR_VALUE
        elif cell.value is None and isinstance(formula, str) and formula.startswith("="):
            message = (
                f"ô chứa công thức «{formula}» nhưng chưa có giá trị tính sẵn: mở phiếu bằng "
                "Excel rồi lưu lại, hoặc ghi giá trị thay cho công thức"
            )
            code = ProblemCode.FORMULA_WITHOUT_VALUE
        else:
            continue
        problems.append(Problem(str(path), f"ô {coordinate}", field, message, code=code))
    return problems


def read_unit_form(path: Path) -> FilledForm:
    """Read a filled form; raise :class:`EvidenceError` if it is not a readable cqdt form.

    The unit's name and the not-applicable codes are read as typed in any Unicode form (NFC,
    trimmed, single spaces), like every name cqdt reads.
    """
    file = str(path)
    if file_kind(path) != XLSX:
        raise EvidenceError(
            [
                Problem(
                    file,
                    "",
                    "",
                    "không phải phiếu Excel (.xlsx): nội dung là chữ (CSV hay văn bản); dùng mẫu "
                    "phiếu .xlsx do Sở gửi",
                    code=ProblemCode.NOT_XLSX,
                )
            ]
        )
    book = open_workbook(path, data_only=True)
    if META_SHEET not in book.sheetnames or FORM_SHEET not in book.sheetnames:
        raise _not_form(file)
    meta: dict[object, Any] = {  # cell values as typed: int() below may refuse them
        row[0]: row[1] for row in book[META_SHEET].iter_rows(values_only=True) if row[0]
    }
    sheet = book[FORM_SHEET]
    if sheet.merged_cells.ranges:
        raise EvidenceError(
            [
                Problem(
                    file,
                    "trang «Phiếu»",
                    "",
                    "phiếu có ô gộp: dùng lại mẫu phiếu gốc",
                    code=ProblemCode.MERGED_CELLS,
                )
            ]
        )
    cells = {UNIT: UNIT_CELL, NOT_APPLICABLE: NOT_APPLICABLE_CELL}
    for row in sheet.iter_rows(min_row=HEADER_ROW + 1, max_col=ANSWER_COLUMN):
        field = row[0].value
        if isinstance(field, str) and field:
            cells[field] = row[ANSWER_COLUMN - 1].coordinate
    unreadable = _unreadable_answers(path, book, cells)
    skipped = {p.field for p in unreadable}
    answers = {
        field: None if field in skipped else sheet[cell].value for field, cell in cells.items()
    }
    for field in (UNIT, NOT_APPLICABLE):
        answers[field] = normalise_name(answers[field])
    try:
        year = int(meta.get("nam", 0))  # missing or not a number: 0, as when int() refuses
    except (TypeError, ValueError):
        year = 0
    saved = book.properties.modified
    return FilledForm(
        path,
        str(meta.get("cap", "")),
        year,
        str(answers[UNIT]),
        answers,
        cells,
        file_sha256(path),
        saved if isinstance(saved, datetime) else None,
        tuple(unreadable),
    )
