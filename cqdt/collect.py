"""Collecting filled forms into the survey table, and the validation report sent back to units.

:func:`collect_forms` reads every form in a folder (written by ``cqdt template``), checks
each one with the same checks scoring applies (:func:`cqdt.evidence.load_evidence`), and
keeps in the survey table only the forms without errors: nothing is scored from a bad form.
It reports every problem of every form at once, with the unit, the field and the cell, and
which registered units sent no form, which forms are duplicates, which are for another level
or year.

:func:`validation_table` and :func:`write_validation_report` turn the problems into what the
department sends back: per unit and field, what is wrong and how to fix it (Excel and HTML).
"""

from __future__ import annotations

import dataclasses
import html
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from cqdt.criteria import LEVELS, CriteriaSet
from cqdt.evidence import NOT_APPLICABLE, UNIT, UNIT_CODE, load_evidence
from cqdt.files import write_csv, write_workbook
from cqdt.forms import FilledForm, read_unit_form
from cqdt.output import replaced_atomically
from cqdt.problems import ERROR, EvidenceError, Problem, ProblemCode
from cqdt.register import units_in

EVERY_PROBLEM = 1_000_000
"""Forms are few: list every problem of every form."""

HOW_TO_FIX = {
    ProblemCode.BLANK_VALUE: (
        "Ghi giá trị vào ô này; nếu tiêu chí không áp dụng với đơn vị, ghi mã tiêu chí "
        "vào ô «Tiêu chí không áp dụng» (C4)."
    ),
    ProblemCode.NUMERATOR_ABOVE_DENOMINATOR: (
        "Kiểm tra lại hai số liệu: số này không được lớn hơn số ở câu hỏi mẫu số."
    ),
    ProblemCode.ZERO_DENOMINATOR: (
        "Ghi số lớn hơn 0, hoặc ghi tiêu chí vào ô «Tiêu chí không áp dụng»."
    ),
    ProblemCode.AMBIGUOUS_THOUSANDS: (
        "Nhập lại ô này dạng số (không gõ dấu chấm phân cách hàng nghìn)."
    ),
    ProblemCode.DECIMAL_COMMA: "Nhập lại ô này dạng số trong Excel.",
    ProblemCode.NOT_A_NUMBER: "Chỉ ghi một số, không kèm chữ hay đơn vị tính.",
    ProblemCode.NEGATIVE_NUMBER: "Ghi số không âm.",
    ProblemCode.POINTS_ABOVE_MAX: "Ghi điểm không vượt điểm tối đa của tiêu chí.",
    ProblemCode.NOT_YES_NO: "Chọn «Có» hoặc «Không» trong danh sách.",
    ProblemCode.UNKNOWN_CRITERION: "Chỉ ghi mã tiêu chí có trong cột «Mã tiêu chí» của phiếu.",
    ProblemCode.PART_NOT_APPLICABLE: (
        "Bỏ bớt mã ở ô «Tiêu chí không áp dụng»: mỗi phần phải có ít "
        "nhất một tiêu chí được đánh giá."
    ),
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


@dataclass
class Collected:
    """What a folder of forms gave: the survey table of good forms and every finding."""

    survey: pd.DataFrame
    findings: list[Finding] = dataclasses.field(default_factory=list)
    missing: list[str] = dataclasses.field(default_factory=list)
    """Registered units of the level and year without any form."""
    duplicates: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    elsewhere: list[str] = dataclasses.field(default_factory=list)
    """Forms for another level or year."""
    forms: int = 0


def collect_forms(
    folder: Path, criteria: CriteriaSet, year: int, register: pd.DataFrame
) -> Collected:
    """Read and check every ``*.xlsx`` form in ``folder`` (see the module docstring)."""
    level = criteria.level
    known = units_in(register, level, year)
    codes = dict(zip(known[UNIT], known[UNIT_CODE], strict=True))
    files = sorted(p for p in Path(folder).iterdir() if p.is_file() and not p.name.startswith("~$"))
    paths = [p for p in files if p.suffix.lower() == ".xlsx"]
    findings: list[Finding] = [
        Finding(
            str(p),
            "",
            "",
            "",
            "không phải phiếu .xlsx: mở bằng Excel và lưu lại dạng .xlsx",
            code=ProblemCode.NOT_XLSX,
        )
        for p in files
        if p.suffix.lower() != ".xlsx" and not p.name.startswith(".")
    ]
    forms: list[FilledForm] = []
    elsewhere = []
    for path in paths:
        try:
            form = read_unit_form(path)
        except EvidenceError as err:
            findings += [
                Finding(str(path), "", p.place, p.field, p.message, code=p.code)
                for p in err.problems
            ]
            continue
        if (form.level, form.year) != (level, year):
            elsewhere.append(str(path))
            findings.append(
                Finding(
                    str(path),
                    form.unit,
                    "",
                    "",
                    f"phiếu của {LEVELS.get(form.level, form.level)} năm {form.year}, không phải "
                    f"{LEVELS[level]} năm {year}: không dùng",
                    code=ProblemCode.OTHER_LEVEL_OR_YEAR,
                )
            )
        elif not form.unit:
            findings.append(
                Finding(
                    str(path),
                    "",
                    form.cells[UNIT],
                    UNIT,
                    "chưa chọn tên đơn vị",
                    code=ProblemCode.UNIT_NOT_CHOSEN,
                )
            )
        elif form.unit not in codes:
            findings.append(
                Finding(
                    str(path),
                    form.unit,
                    form.cells[UNIT],
                    UNIT,
                    f"đơn vị không có trong danh mục {LEVELS[level]} năm {year}",
                    code=ProblemCode.UNKNOWN_UNIT,
                )
            )
        else:
            forms.append(form)
    by_unit: dict[str, list[FilledForm]] = {}
    for form in forms:
        by_unit.setdefault(form.unit, []).append(form)
    duplicates = {u: [str(f.path) for f in fs] for u, fs in by_unit.items() if len(fs) > 1}
    for unit, copies in duplicates.items():
        names = ", ".join(Path(f).name for f in copies)
        findings += [
            Finding(
                f,
                unit,
                "",
                UNIT,
                f"đơn vị có nhiều phiếu ({names}): không dùng phiếu nào",
                code=ProblemCode.DUPLICATE_FORM,
            )
            for f in copies
        ]
    single = [fs[0] for u, fs in by_unit.items() if u not in duplicates]
    survey, form_findings = _check(single, criteria, year, register, codes)
    findings += form_findings
    missing = [u for u in known[UNIT] if u not in by_unit]
    return Collected(survey, findings, missing, duplicates, elsewhere, len(paths))


def _survey_table(forms: list[FilledForm], criteria: CriteriaSet, codes: dict) -> pd.DataFrame:
    fields = [f.field for f in criteria.inputs]
    rows = [
        {
            UNIT_CODE: codes[form.unit],
            UNIT: form.unit,
            **{name: form.answers.get(name) for name in fields},
            NOT_APPLICABLE: form.answers.get(NOT_APPLICABLE) or "",
        }
        for form in forms
    ]
    return pd.DataFrame(rows, columns=[UNIT_CODE, UNIT, *fields, NOT_APPLICABLE], dtype=object)


def _check(
    forms: list[FilledForm],
    criteria: CriteriaSet,
    year: int,
    register: pd.DataFrame,
    codes: dict,
) -> tuple[pd.DataFrame, list[Finding]]:
    """The survey table of the forms without errors, and the findings of the others."""
    table = _survey_table(forms, criteria, codes)
    if table.empty:
        return table, []
    with tempfile.TemporaryDirectory(prefix="cqdt-thu-thap-") as tmp:
        path = write_csv(table, Path(tmp) / f"{criteria.level}.csv")
        try:
            load_evidence(path, criteria, year, units=register, max_listed=EVERY_PROBLEM)
            return table, []
        except EvidenceError as err:
            problems = [p for p in err.problems if p.severity == ERROR]
    findings, bad = [], set()
    for p in problems:
        form = forms[p.row - 2] if p.row >= 2 else None
        if form is None:  # not about one form: should not happen with tables we build
            findings.append(Finding("", "", "", p.field, p.message, code=p.code))
            continue
        bad.add(p.row - 2)
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
    good = table.drop(index=sorted(bad)).reset_index(drop=True)
    return good, findings


def how_to_fix(code: ProblemCode) -> str:
    """What a unit should do about a kind of problem (:data:`HOW_TO_FIX`)."""
    return HOW_TO_FIX.get(code, DEFAULT_FIX)


def validation_table(findings: list[Finding], criteria: CriteriaSet) -> pd.DataFrame:
    """Per unit and field: the form, the cell, the question, what is wrong and how to fix it."""
    labels = {f.field: f.label for f in criteria.inputs}
    labels |= {UNIT: "Tên đơn vị", NOT_APPLICABLE: "Tiêu chí không áp dụng"}
    table = pd.DataFrame(
        [
            {
                "Đơn vị": f.unit or "(chưa rõ)",
                "Tệp phiếu": Path(f.form).name,
                "Ô": f.cell,
                "Trường": f.field,
                "Câu hỏi": labels.get(f.field, ""),
                "Lỗi": f.message,
                "Cách sửa": how_to_fix(f.code),
            }
            for f in findings
        ],
        columns=["Đơn vị", "Tệp phiếu", "Ô", "Trường", "Câu hỏi", "Lỗi", "Cách sửa"],
    )
    return table.sort_values(["Đơn vị", "Tệp phiếu"], kind="stable").reset_index(drop=True)


def write_validation_report(table: pd.DataFrame, folder: Path, stem: str, title: str) -> list[Path]:
    """The validation report as Excel (one row per problem) and HTML (one section per unit)."""
    xlsx = write_workbook({"Kết quả kiểm tra": table}, folder / f"{stem}.xlsx")
    esc = html.escape
    sections = []
    for unit, rows in table.groupby("Đơn vị", sort=False):
        body = rows.drop(columns="Đơn vị").to_html(index=False, escape=True, border=0)
        sections.append(f"<section><h2>{esc(str(unit))}</h2>{body}</section>")
    content = "".join(sections) or "<p>Không có lỗi: mọi phiếu hợp lệ.</p>"
    page = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"/><title>{esc(title)}</title>
<style>body{{font-family:"DejaVu Sans",sans-serif;margin:2rem}}table{{border-collapse:collapse}}
td,th{{border:1px solid #999;padding:4px 8px;vertical-align:top}}th{{background:#d9e2f3}}
</style></head><body><h1>{esc(title)}</h1>
<p>Mỗi đơn vị một mục: ô cần sửa trong phiếu, lỗi và cách sửa. Sửa xong, gửi lại phiếu.</p>
{content}</body></html>
"""
    path = folder / f"{stem}.html"
    with replaced_atomically(path) as temporary:
        temporary.write_text(page, encoding="utf-8")
    return [xlsx, path]
