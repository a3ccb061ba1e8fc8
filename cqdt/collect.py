"""Collecting filled forms into the survey table: which form counts for each unit, and why.

:func:`collect_forms` reads every file in a folder of forms (written by ``cqdt template``),
checks each form with the same checks scoring applies (:func:`cqdt.evidence.check_evidence`, on
the answers as typed: a number typed in Excel keeps its value), and keeps in the survey table
only the forms without errors: nothing is scored from a bad form. It reports every problem of
every form at once, with the unit, the field and the cell.

Which form counts for a unit (README, «Thu phiếu»): a unit with one form, that form. A unit
that sent several is refused, all its forms named, unless the office asks for the latest
(``latest=True``, ``cqdt collect --keep-latest``): then the form saved last, as the workbook
itself records it (Excel stamps every save; copying or e-mailing the file does not change it),
counts, and the earlier ones are set aside and named. Two forms saved at the same moment are
refused either way.

Every collected row carries its provenance: the form file, its SHA-256 and when it was read.
:attr:`Collected.units` says, for every registered unit, what became of it (valid, with errors,
several forms, nothing received); :mod:`cqdt.feedback` turns that into the files sent back.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
import pandas as pd

from cqdt.criteria import LEVELS, CriteriaSet
from cqdt.evidence import (
    AMBIGUOUS,
    FORM_FILE,
    FORM_READ_AT,
    FORM_SHA256,
    NOT_APPLICABLE,
    UNIT,
    UNIT_CODE,
    check_evidence,
)
from cqdt.forms import FilledForm, read_unit_form
from cqdt.problems import ERROR, EvidenceError, Problem, ProblemCode
from cqdt.register import units_in

EVERY_PROBLEM = 1_000_000
"""Forms are few: list every problem of every form."""

VALID, WITH_ERRORS, SEVERAL, MISSING = "hợp lệ", "có lỗi", "nhiều phiếu", "chưa gửi"
"""What became of a registered unit (:attr:`Collected.units`)."""

HOW_TO_FIX = {
    ProblemCode.BLANK_VALUE: (
        "Ghi giá trị vào ô này; nếu tiêu chí không áp dụng với đơn vị (và trang «Tiêu chí» cho "
        "phép), ghi mã tiêu chí vào ô «Tiêu chí không áp dụng» (C4)."
    ),
    ProblemCode.NUMERATOR_ABOVE_DENOMINATOR: (
        "Kiểm tra lại hai số liệu: số này không được lớn hơn số ở câu hỏi mẫu số."
    ),
    ProblemCode.ZERO_DENOMINATOR: (
        "Ghi số lớn hơn 0, hoặc ghi tiêu chí vào ô «Tiêu chí không áp dụng» nếu được phép."
    ),
    ProblemCode.AMBIGUOUS_THOUSANDS: (
        "Nhập lại ô này dạng số (không gõ dấu chấm phân cách hàng nghìn)."
    ),
    ProblemCode.DECIMAL_COMMA: "Nhập lại ô này dạng số trong Excel.",
    ProblemCode.NOT_A_NUMBER: "Chỉ ghi một số, không kèm chữ hay đơn vị tính.",
    ProblemCode.NOT_A_WHOLE_NUMBER: (
        "Ghi số lượng (số nguyên), không ghi tỷ lệ hay phần trăm, không có phần thập phân."
    ),
    ProblemCode.NEGATIVE_NUMBER: "Ghi số không âm.",
    ProblemCode.POINTS_ABOVE_MAX: "Ghi điểm không vượt điểm tối đa của tiêu chí.",
    ProblemCode.NOT_YES_NO: "Chọn «Có» hoặc «Không» trong danh sách.",
    ProblemCode.UNKNOWN_CRITERION: "Chỉ ghi mã tiêu chí có trong cột «Mã tiêu chí» của phiếu.",
    ProblemCode.NOT_APPLICABLE_REFUSED: (
        "Bỏ mã này khỏi ô «Tiêu chí không áp dụng» và trả lời các câu hỏi của tiêu chí."
    ),
    ProblemCode.PART_NOT_APPLICABLE: (
        "Bỏ bớt mã ở ô «Tiêu chí không áp dụng»: mỗi phần phải có ít "
        "nhất một tiêu chí được đánh giá."
    ),
    ProblemCode.FORMULA_WITHOUT_VALUE: "Ghi giá trị thay cho công thức, hoặc mở phiếu bằng Excel.",
    ProblemCode.EXCEL_ERROR_VALUE: "Ghi giá trị đúng thay cho ô báo lỗi.",
    ProblemCode.UNIT_NOT_CHOSEN: "Chọn tên đơn vị trong danh sách ở ô C3.",
    ProblemCode.UNKNOWN_UNIT: "Chọn tên đơn vị trong danh sách ở ô C3 (không gõ tay).",
    ProblemCode.DUPLICATE_FORM: "Giữ lại một phiếu đúng của đơn vị, bỏ các phiếu còn lại.",
    ProblemCode.OTHER_LEVEL_OR_YEAR: "Dùng mẫu phiếu của đúng cấp và năm đánh giá.",
}
"""What a unit should do about each kind of problem of its form."""
DEFAULT_FIX = "Sửa theo nội dung lỗi rồi gửi lại phiếu."
"""For the kinds without advice of their own: the message says what is wrong."""


@dataclass(frozen=True)
class Finding:
    """One problem of one form: the form, the unit, the cell and field, what is wrong."""

    form: str
    unit: str
    cell: str
    field: str
    message: str
    severity: str = ERROR
    code: ProblemCode = dataclasses.field(kw_only=True)

    def problem(self) -> Problem:
        place = ", ".join(
            p
            for p in (
                f"đơn vị «{self.unit}»" if self.unit else "",
                f"ô {self.cell}" if self.cell else "",
            )
            if p
        )
        return Problem(self.form, place, self.field, self.message, self.severity, code=self.code)


UNIT_COLUMNS = ["code", "unit", "status", "form", "saved", "sha256", "set_aside", "errors"]
"""Columns of :attr:`Collected.units`: the form used (file name), when it was saved, its hash,
the forms set aside (file names, ``; ``) and the number of its problems."""


@dataclass
class Collected:
    """What a folder of forms gave: the survey table of good forms and every finding."""

    survey: pd.DataFrame
    """One row per unit whose form counts and has no error, with provenance columns."""
    units: pd.DataFrame
    """Every registered unit of the level and year and what became of it (:data:`UNIT_COLUMNS`)."""
    findings: list[Finding] = dataclasses.field(default_factory=list)
    forms: int = 0
    """Files read in the folder."""
    read_at: str = ""
    """When the forms were read (ISO, seconds)."""

    @property
    def missing(self) -> list[str]:
        """Registered units of the level and year without any form."""
        return list(self.units.loc[self.units["status"] == MISSING, "unit"])

    @property
    def duplicates(self) -> dict[str, list[str]]:
        """Units with several forms none of which counts: unit -> the forms."""
        several = self.units[self.units["status"] == SEVERAL]
        return {
            u: s.split("; ") for u, s in zip(several["unit"], several["set_aside"], strict=True)
        }

    @property
    def replaced(self) -> dict[str, list[str]]:
        """Units whose latest form counts: unit -> the earlier forms set aside."""
        used = self.units[(self.units["status"] != SEVERAL) & (self.units["set_aside"] != "")]
        return {u: s.split("; ") for u, s in zip(used["unit"], used["set_aside"], strict=True)}

    @property
    def unattributed(self) -> list[Finding]:
        """Findings of files that belong to no registered unit of this level and year."""
        known = set(self.units["unit"])
        return [f for f in self.findings if f.unit not in known]


def _saved_text(form: FilledForm) -> str:
    return f"{form.saved:%Y-%m-%d %H:%M:%S} UTC" if form.saved else ""


def _read(path: Path, level: str, year: int, codes: dict[str, str]) -> FilledForm | Finding:
    """One file: a form of a registered unit of this level and year, or what is wrong."""
    try:
        form = read_unit_form(path)
    except EvidenceError as err:
        (p, *_) = err.problems
        return Finding(str(path), "", p.place, p.field, p.message, code=p.code)
    if (form.level, form.year) != (level, year):
        return Finding(
            str(path),
            form.unit,
            "",
            "",
            f"phiếu của {LEVELS.get(form.level, form.level)} năm {form.year}, không phải "
            f"{LEVELS[level]} năm {year}: không dùng",
            code=ProblemCode.OTHER_LEVEL_OR_YEAR,
        )
    if not form.unit:
        return Finding(
            str(path),
            "",
            form.cells[UNIT],
            UNIT,
            "chưa chọn tên đơn vị",
            code=ProblemCode.UNIT_NOT_CHOSEN,
        )
    if form.unit not in codes:
        return Finding(
            str(path),
            form.unit,
            form.cells[UNIT],
            UNIT,
            f"đơn vị không có trong danh mục {LEVELS[level]} năm {year}",
            code=ProblemCode.UNKNOWN_UNIT,
        )
    return form


def _saved_order(form: FilledForm) -> tuple[datetime, str]:
    """Forms of one unit in the order they were saved (by file name when the time is equal)."""
    return form.saved or datetime.min, form.path.name


def _choose(forms: list[FilledForm], latest: bool) -> tuple[FilledForm | None, list[Finding]]:
    """The form that counts for one unit (see the module docstring) and, if none, why."""
    if len(forms) == 1:
        return forms[0], []
    ordered = sorted(forms, key=_saved_order)
    newest = ordered[-1]
    tied = newest.saved is None or ordered[-2].saved == newest.saved
    if latest and not tied:
        return newest, []
    names = ", ".join(f.path.name for f in ordered)
    if tied:
        why = "không biết phiếu nào lưu sau cùng (cùng thời điểm lưu ghi trong tệp)"
    else:
        why = (
            f"phiếu lưu sau cùng là {newest.path.name} ({_saved_text(newest)}); muốn dùng "
            "phiếu đó, thu lại với tùy chọn --keep-latest"
        )
    message = f"đơn vị có {len(forms)} phiếu ({names}): không dùng phiếu nào; {why}"
    return None, [
        Finding(str(f.path), f.unit, "", UNIT, message, code=ProblemCode.DUPLICATE_FORM)
        for f in ordered
    ]


def _unambiguous(value: object) -> object:
    """A typed number as text that reads back as the same number: ``12.345`` (which the
    thousands rule refuses in text) becomes ``12.3450``; other values unchanged."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    text = repr(value)
    return text + "0" if pd.Series([text]).str.fullmatch(AMBIGUOUS).iloc[0] else text


def survey_table(
    forms: list[FilledForm], criteria: CriteriaSet, codes: dict[str, str], read_at: str
) -> pd.DataFrame:
    """The survey rows of ``forms`` (answers as typed), with provenance; index = line 2, 3..."""
    fields = [f.field for f in criteria.inputs]
    rows = [
        {
            UNIT_CODE: codes[form.unit],
            UNIT: form.unit,
            **{name: form.answers.get(name) for name in fields},
            NOT_APPLICABLE: form.answers.get(NOT_APPLICABLE) or "",
            FORM_FILE: form.path.name,
            FORM_SHA256: form.sha256,
            FORM_READ_AT: read_at,
        }
        for form in forms
    ]
    columns = [UNIT_CODE, UNIT, *fields, NOT_APPLICABLE, FORM_FILE, FORM_SHA256, FORM_READ_AT]
    table = pd.DataFrame(rows, columns=columns, dtype=object)
    table.index = table.index + 2
    return table


def survey_for_csv(table: pd.DataFrame) -> pd.DataFrame:
    """The collected table with every typed number written so that it reads back the same."""
    return table.map(_unambiguous)


def _check(
    forms: list[FilledForm],
    criteria: CriteriaSet,
    year: int,
    register: pd.DataFrame,
    codes: dict[str, str],
    read_at: str,
) -> tuple[pd.DataFrame, list[Finding]]:
    """The survey table of the forms without errors, and the findings of the others."""
    table = survey_table(forms, criteria, codes, read_at)
    findings = [
        Finding(str(f.path), f.unit, p.place.removeprefix("ô "), p.field, p.message, code=p.code)
        for f in forms
        for p in f.unreadable
    ]
    lines = dict(zip(table.index, forms, strict=True))
    bad = {line for line, form in lines.items() if form.unreadable}
    unreadable = {(line, p.field) for line, form in lines.items() for p in form.unreadable}
    if not table.empty:
        try:
            check_evidence(table, criteria, year, "", units=register, max_listed=EVERY_PROBLEM)
        except EvidenceError as err:
            for p in err.problems:
                if p.severity != ERROR or (p.row, p.field) in unreadable:
                    continue  # a cell that is no value was named once, above
                form = lines[p.row]
                bad.add(p.row)
                findings.append(
                    Finding(
                        str(form.path),
                        form.unit,
                        form.cells.get(p.field, ""),
                        p.field,
                        p.message,
                        code=p.code,
                    )
                )
    return table.drop(index=sorted(bad)).reset_index(drop=True), findings


def collect_forms(
    folder: Path,
    criteria: CriteriaSet,
    year: int,
    register: pd.DataFrame,
    latest: bool = False,
) -> Collected:
    """Read and check every form in ``folder`` (see the module docstring)."""
    level = criteria.level
    known = units_in(register, level, year)
    codes = dict(zip(known[UNIT], known[UNIT_CODE], strict=True))
    read_at = datetime.now().isoformat(timespec="seconds")
    files = sorted(
        p
        for p in Path(folder).iterdir()
        if p.is_file() and not p.name.startswith(("~$", "."))  # Excel's lock files, hidden
    )
    findings: list[Finding] = []
    by_unit: dict[str, list[FilledForm]] = {}
    for path in files:
        read = _read(path, level, year, codes)
        if isinstance(read, Finding):
            findings.append(read)
        else:
            by_unit.setdefault(read.unit, []).append(read)
    counted: list[FilledForm] = []
    for forms in by_unit.values():
        chosen, refused = _choose(forms, latest)
        findings += refused
        if chosen is not None:
            counted.append(chosen)
    survey, form_findings = _check(counted, criteria, year, register, codes, read_at)
    findings += form_findings
    errors = pd.Series([f.unit for f in findings]).value_counts()
    chosen_by_unit = {f.unit: f for f in counted}
    rows = []
    for unit, code in codes.items():
        forms = by_unit.get(unit, [])
        used = chosen_by_unit.get(unit)
        aside = [f.path.name for f in sorted(forms, key=_saved_order) if f is not used]
        if not forms:
            status = MISSING
        elif used is None:
            status = SEVERAL
        else:
            status = WITH_ERRORS if errors.get(unit, 0) else VALID
        rows.append(
            [
                code,
                unit,
                status,
                used.path.name if used else "",
                _saved_text(used) if used else "",
                used.sha256 if used else "",
                "; ".join(aside),
                int(errors.get(unit, 0)),
            ]
        )
    units = pd.DataFrame(rows, columns=UNIT_COLUMNS).astype({"errors": np.int64})
    return Collected(survey, units, findings, len(files), read_at)


def how_to_fix(code: ProblemCode) -> str:
    """What a unit should do about a kind of problem (:data:`HOW_TO_FIX`)."""
    return HOW_TO_FIX.get(code, DEFAULT_FIX)
