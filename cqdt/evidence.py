"""Survey data (evidence): one table per level and year, one row per unit, checked.

Layout of a data folder::

    don_vi.csv            register of units: cap, ma_don_vi, don_vi, thuoc, tu_nam, den_nam
    2020/huyen.csv        survey of district-level units for 2020 (or huyen.xlsx)
    2020/xa.xlsx          ...

A survey table has the column ``don_vi`` (unit name), optionally ``ma_don_vi`` and
``ghi_chu``, the input fields the criteria file declares, and ``khong_ap_dung``: the codes of
criteria that do not apply to that unit, separated by ``;`` (they are then excluded, reference
§5). A blank cell an applicable criterion needs is an error, never a zero.

Numbers (the rule is in README, "Quy tắc nhập số"): a cell typed as a number in Excel is taken
as it is, whatever its decimals; text uses the dot as decimal mark (``41.4``, ``0.184``). Text
that reads two ways is refused, never guessed: ``1.200`` (one to three digits, not starting with
0, then groups of three after dots) may be 1200 with a thousands separator or 1.2; so is a
decimal comma (``2,5``), refused with its own message.

Checks run on whole columns; single cells are looked at only in columns that fail the fast
check, and a file with very many problems lists the first :data:`MAX_LISTED` in file order
with a count of the rest (time and memory stay bounded).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cqdt.criteria import LEVELS, RESERVED_FIELDS, CriteriaSet, InputField
from cqdt.methods import METHODS, criterion_fields
from cqdt.numbers import format_number
from cqdt.output import file_sha256
from cqdt.problems import ERROR, WARNING, EvidenceError, Problem, ProblemCode, errors_only
from cqdt.reading import (
    MAX_DATA_ROWS,
    clean_text,
    is_number,
    is_number_column,
    normalise_names,
    read_table,
)
from cqdt.register import CODE, units_in

FIXED_COLUMNS = RESERVED_FIELDS
UNIT, UNIT_CODE, NOT_APPLICABLE, NOTE, FORM_FILE, FORM_SHA256, FORM_READ_AT = FIXED_COLUMNS
"""The fixed columns; the last three record, in a table made by ``cqdt collect``, the form each
row was read from, its SHA-256 and when it was read (scoring ignores them)."""

YES = {"có", "co", "c", "x", "1", "1.0", "yes", "y", "true", "đạt"}
NO = {"không", "khong", "k", "0", "0.0", "no", "n", "false", "chưa", "chưa đạt"}
ANSWERS: dict[object, float] = {
    **{variant: 1.0 for word in YES for variant in (word, word.capitalize(), word.upper())},
    **{variant: 0.0 for word in NO for variant in (word, word.capitalize(), word.upper())},
    1: 1.0,  # also True and 1.0: a 1/0 column read as numbers, TRUE/FALSE cells in Excel
    0: 0.0,
}
"""Yes/no answers as typed most often, looked up as they are (the fast path)."""
AMBIGUOUS = r"[1-9]\d{0,2}(?:\.\d{3})+"
"""Text like ``1.200``: a thousands separator or a decimal point? Refused, never guessed."""
DECIMAL_COMMA = r"-?\d+,\d+"
UNIT_DTYPE = pd.StringDtype("python", na_value=np.nan)
"""Unit names are stored so whether or not pyarrow is installed (Arrow strings slow scoring)."""
MAX_LISTED = 200
"""Problems listed per file at most; the rest are counted."""
NOT_A_NUMBER_MESSAGE = "phải là một số (đang là chữ hoặc ký hiệu)"
AMBIGUOUS_MESSAGE = (
    "không rõ dấu chấm là phân cách hàng nghìn hay thập phân: ghi số nguyên không có dấu "
    "phân cách (vd 1200), hoặc nhập ô dạng số trong Excel"
)


@dataclass(frozen=True)
class Evidence:
    """Checked survey data of one level and year, ready to score."""

    level: str
    year: int
    source: str
    sha256: str
    values: pd.DataFrame
    """Input values (float; yes/no as 1/0; NaN for blank), indexed by unit name."""
    not_applicable: pd.DataFrame
    """True where a criterion does not apply to a unit (units x criterion codes)."""
    codes: pd.Series
    """Unit code by unit name (empty strings where the survey gives none)."""
    warnings: list[Problem] = field(default_factory=list)
    missing_units: tuple[str, ...] = ()
    """Units of the register (for this level and year) with no row in the survey: not scored."""

    @property
    def units(self) -> pd.Index:
        return self.values.index


def find_evidence(data_dir: str | Path) -> pd.DataFrame:
    """Survey files in a data folder: one row per (level, year) with its path."""
    rows = [
        {"level": path.stem, "year": int(path.parent.name), "path": path}
        for path in sorted(Path(data_dir).glob("*/*"))
        if path.parent.name.isdigit()
        and path.stem in LEVELS
        and path.suffix.lower() in (".csv", ".xlsx")
    ]
    return pd.DataFrame(rows, columns=["level", "year", "path"])


class Findings:
    """Problems of one table, found as masks over whole columns, listed in file order.

    Rows where a mask holds become problems only when listed: a file where every cell is
    wrong costs one integer per bad cell, not one message.
    """

    def __init__(self, file: str, units: pd.Series):
        self.file = file
        self.lines = units.index.to_numpy()
        self.units = units.to_numpy()
        self.masks: list[tuple[np.ndarray, str, str, str, ProblemCode]] = []
        self.other: list[Problem] = []

    def rows(
        self,
        mask: pd.Series | np.ndarray,
        name: str,
        message: str,
        severity: str = ERROR,
        *,
        code: ProblemCode,
    ) -> None:
        """One problem per row where ``mask`` holds (NaN counts as not)."""
        if isinstance(mask, pd.Series):
            mask = mask.fillna(False).to_numpy(dtype=bool)
        hits = np.flatnonzero(mask)
        if hits.size:
            self.masks.append((hits, name, message, severity, code))

    def add(self, problem: Problem) -> None:
        self.other.append(problem)

    def has_errors(self) -> bool:
        return any(m[3] == ERROR for m in self.masks) or bool(errors_only(self.other))

    def listed(self, limit: int = MAX_LISTED) -> tuple[list[Problem], int]:
        """The first ``limit`` problems in file order and the number of the others."""
        problems = sorted(self.other, key=lambda p: p.row)
        positions = [hits for hits, *_ in self.masks]
        if positions:
            which = np.concatenate([np.full(h.size, k) for k, h in enumerate(positions)])
            rows = np.concatenate(positions)
            order = np.lexsort((which, self.lines[rows]))[:limit]
            for k, r in zip(which[order], rows[order], strict=True):
                _, name, message, severity, code = self.masks[k]
                line = int(self.lines[r])
                place = f"dòng {line}, đơn vị «{self.units[r]}»"
                problems.append(
                    Problem(self.file, place, name, message, severity, row=line, code=code)
                )
        total = len(self.other) + sum(len(p) for p in positions)
        problems = sorted(problems, key=lambda p: p.row)[:limit]
        return problems, total - len(problems)


def _numbers(column: pd.Series, spec: InputField, found: Findings) -> tuple[pd.Series, np.ndarray]:
    """Values and blank mask of a number or count field; problems noted in ``found``."""
    name = spec.field
    if is_number_column(column):  # the CSV reader parsed every cell as a number
        numbers = column.to_numpy(dtype=float)
        blank = np.isnan(numbers)
        values = pd.Series(numbers, index=column.index)
    else:  # text or typed cells: looked at one by one
        column = column.astype(object)
        typed = is_number(column)
        text = clean_text(column.where(~typed, ""))
        blank = (text == "").to_numpy() & ~typed
        values = pd.to_numeric(text.where(~blank & ~typed), errors="coerce").astype(float)
        values[typed] = column[typed].astype(float)
        comma = text.str.fullmatch(DECIMAL_COMMA)
        ambiguous = text.str.fullmatch(AMBIGUOUS)
        found.rows(
            comma,
            name,
            "dùng dấu chấm cho phần thập phân (vd 41.4)",
            code=ProblemCode.DECIMAL_COMMA,
        )
        found.rows(ambiguous, name, AMBIGUOUS_MESSAGE, code=ProblemCode.AMBIGUOUS_THOUSANDS)
        unreadable = ~blank & values.isna() & ~comma & ~ambiguous
        found.rows(unreadable, name, NOT_A_NUMBER_MESSAGE, code=ProblemCode.NOT_A_NUMBER)
        values = values.where(~ambiguous)
    numbers = values.to_numpy()
    infinite = np.isinf(numbers)
    found.rows(infinite, name, NOT_A_NUMBER_MESSAGE, code=ProblemCode.NOT_A_NUMBER)
    found.rows(numbers < 0, name, "không được là số âm", code=ProblemCode.NEGATIVE_NUMBER)
    if spec.type == "count":
        found.rows(
            np.isfinite(numbers) & (np.mod(numbers, 1) != 0),
            name,
            f"«{spec.label}» là số đếm nên phải là số nguyên, không phải phân số hay phần trăm "
            "(Excel lưu «85%» thành 0,85): ghi số lượng, không ghi tỷ lệ",
            code=ProblemCode.NOT_A_WHOLE_NUMBER,
        )
    if infinite.any():
        values = values.where(~infinite)
    return values, blank


def _yes_no(column: pd.Series, spec: InputField, found: Findings) -> tuple[pd.Series, np.ndarray]:
    """Values (1/0) and blank mask of a yes/no field; problems noted in ``found``."""
    name = spec.field
    column = column.astype(object)
    codes, typed = pd.factorize(column)  # a handful of distinct answers: look each up once
    lookup = np.array([ANSWERS.get(answer, np.nan) for answer in typed] + [np.nan])
    values = pd.Series(lookup[codes], index=column.index)
    blank = codes == -1
    other = values.isna().to_numpy() & ~blank
    if other.any():  # not typed the usual way: look closer (case, Unicode form, spaces)
        text = clean_text(column[other]).str.lower()
        values[other] = text.map(ANSWERS).astype(float)
        blank[other] = (text == "").to_numpy()
        found.rows(
            values.isna() & ~blank, name, "phải là «Có» hoặc «Không»", code=ProblemCode.NOT_YES_NO
        )
    return values, blank


def _not_applicable(text: pd.Series, criteria: CriteriaSet, found: Findings) -> pd.DataFrame:
    """The not-applicable matrix (rows x criterion codes) from ``khong_ap_dung`` lists; a
    criterion the criteria file says always applies (``allow_not_applicable: false``) is an
    error there."""
    codes = [c.code for c in criteria.criteria]
    matrix = np.zeros((len(text), len(codes)), dtype=bool)
    column = {code: j for j, code in enumerate(codes)}
    unknown: dict[str, list[np.integer]] = {}
    for i in np.flatnonzero((text != "").to_numpy()):
        for code in re.split(r"[;,\s]+", text.iloc[i]):
            if code in column:
                matrix[i, column[code]] = True
            elif code:
                unknown.setdefault(code, []).append(i)
    for code, rows in unknown.items():
        mask = np.zeros(len(text), dtype=bool)
        mask[rows] = True
        found.rows(
            mask,
            NOT_APPLICABLE,
            f"mã tiêu chí «{code}» không có trong bộ tiêu chí",
            code=ProblemCode.UNKNOWN_CRITERION,
        )
    for j, crit in enumerate(criteria.criteria):
        if not crit.allow_not_applicable:
            found.rows(
                matrix[:, j],
                NOT_APPLICABLE,
                f"tiêu chí {crit.code} ({crit.name}) luôn được đánh giá, không được ghi không áp "
                f"dụng (bộ tiêu chí {criteria.version})",
                code=ProblemCode.NOT_APPLICABLE_REFUSED,
            )
    return pd.DataFrame(matrix, index=text.index, columns=codes)


def _blank_but_needed(
    name: str,
    blank: np.ndarray,
    not_applicable: pd.DataFrame,
    criteria: CriteriaSet,
    found: Findings,
) -> None:
    """One problem per blank cell that an applicable criterion needs, naming every such
    criterion; a cell only criteria marked not applicable read may stay blank."""
    users = [c for c in criteria.criteria if name in criterion_fields(c)]
    if not users or not blank.any():
        return
    applicable = ~not_applicable[[c.code for c in users]].to_numpy()
    needed = blank & applicable.any(axis=1)
    patterns = pd.Series(
        [row.tobytes() for row in applicable[needed]], index=np.flatnonzero(needed)
    )
    for _, rows in patterns.groupby(patterns, sort=False):
        needing = [c for c, on in zip(users, applicable[rows.index[0]], strict=True) if on]
        codes = ", ".join(c.code for c in needing)
        message = f"để trống nhưng tiêu chí {codes} cần giá trị này"
        if all(c.allow_not_applicable for c in needing):
            message += (
                f"; nếu {'các tiêu chí này' if len(needing) > 1 else 'tiêu chí này'} không áp "
                f"dụng cho đơn vị, ghi {codes.replace(', ', '; ')} vào cột «{NOT_APPLICABLE}»"
            )
        mask = np.zeros(len(blank), dtype=bool)
        mask[rows.index] = True
        found.rows(mask, name, message, code=ProblemCode.BLANK_VALUE)


def load_evidence(
    path: str | Path,
    criteria: CriteriaSet,
    year: int,
    units: pd.DataFrame | None = None,
    max_listed: int = MAX_LISTED,
) -> Evidence:
    """Read and check a survey table; raise :class:`EvidenceError` listing every problem.

    ``units`` is the register (:func:`load_units`); when given, every unit must be in it for
    this level and year, and register units missing from the survey are reported as warnings
    (and kept in :attr:`Evidence.missing_units`). At most ``max_listed`` problems are listed,
    the others counted (``EvidenceError.omitted``).
    """
    path = Path(path)
    parsed = [*(f.field for f in criteria.inputs), UNIT]  # names are cleaned once, in the check
    return check_evidence(
        read_table(path, parsed=parsed),
        criteria,
        year,
        str(path),
        file_sha256(path),
        units=units,
        max_listed=max_listed,
    )


def check_evidence(
    table: pd.DataFrame,
    criteria: CriteriaSet,
    year: int,
    file: str,
    sha256: str = "",
    units: pd.DataFrame | None = None,
    max_listed: int = MAX_LISTED,
) -> Evidence:
    """Check a survey table already read (index: line of each row; input fields as the file
    holds them, typed numbers as numbers) as :func:`load_evidence` does; ``file`` names it in
    problems. Collected forms are checked so, without a round trip through a file."""
    declared = {f.field: f for f in criteria.inputs}
    if UNIT not in table.columns:
        raise EvidenceError(
            [
                Problem(
                    file,
                    "dòng tiêu đề",
                    UNIT,
                    "thiếu cột tên đơn vị",
                    code=ProblemCode.MISSING_COLUMN,
                )
            ]
        )
    names = normalise_names(table[UNIT])
    found = Findings(file, names)
    if table.attrs.get("limited"):
        found.add(
            Problem(
                file,
                "",
                "",
                f"tệp có hơn {format_number(MAX_DATA_ROWS)} dòng dữ liệu, quá nhiều cho một "
                f"phiếu khảo sát (dán nhầm?): chỉ kiểm tra {format_number(MAX_DATA_ROWS)} dòng "
                "đầu",
                code=ProblemCode.TOO_MANY_ROWS,
            )
        )
    found.rows(names == "", UNIT, "tên đơn vị để trống", code=ProblemCode.BLANK_UNIT_NAME)
    found.rows(
        names.duplicated(keep="first") & (names != ""),
        UNIT,
        "đơn vị bị trùng (đã có ở dòng trên)",
        code=ProblemCode.DUPLICATE_UNIT,
    )

    missing_units: tuple[str, ...] = ()
    typed_codes = (
        table[UNIT_CODE].fillna("").astype(str).str.strip()
        if UNIT_CODE in table
        else pd.Series("", index=table.index)
    )
    unit_codes = typed_codes
    if units is not None:
        known = units_in(units, criteria.level, year)
        label = f"{LEVELS[criteria.level]} năm {year}"
        unknown = ~names.isin(known[UNIT]) & (names != "")
        found.rows(
            unknown, UNIT, f"đơn vị không có trong danh mục {label}", code=ProblemCode.UNKNOWN_UNIT
        )
        # the register's code is the unit's code (file names, results); one typed otherwise is
        # a row pasted from another unit, or a formula, and is refused
        registered = names.map(known.drop_duplicates(UNIT).set_index(UNIT)[CODE]).fillna("")
        found.rows(
            (typed_codes != "") & (registered != "") & (typed_codes != registered),
            UNIT_CODE,
            "mã đơn vị khác mã của đơn vị này trong danh mục (sửa hoặc xóa ô mã)",
            code=ProblemCode.UNIT_CODE_MISMATCH,
        )
        unit_codes = registered.where(registered != "", typed_codes)
        missing_units = tuple(known[UNIT][~known[UNIT].isin(names)])
        for name in missing_units:
            found.add(
                Problem(
                    file,
                    f"đơn vị «{name}»",
                    UNIT,
                    "có trong danh mục nhưng không có trong tệp khảo sát: đơn vị này sẽ không "
                    "được chấm",
                    WARNING,
                    code=ProblemCode.UNIT_NOT_SURVEYED,
                )
            )

    for column in table.columns:
        if column not in declared and column not in FIXED_COLUMNS:
            found.add(
                Problem(
                    file,
                    "dòng tiêu đề",
                    column,
                    "cột không có trong bộ tiêu chí, sẽ bị bỏ qua",
                    WARNING,
                    code=ProblemCode.UNKNOWN_COLUMN,
                )
            )
    missing_columns = [name for name in declared if name not in table.columns]
    for name in missing_columns:
        found.add(
            Problem(
                file,
                "dòng tiêu đề",
                name,
                f"thiếu cột «{declared[name].label}»",
                code=ProblemCode.MISSING_COLUMN,
            )
        )

    parsed: dict[str, pd.Series] = {}
    blanks: dict[str, np.ndarray] = {}  # of the fields that have a column
    for name, spec in declared.items():
        if name in missing_columns:
            parsed[name] = pd.Series(np.nan, index=table.index)
            continue
        parse = _yes_no if spec.type == "yes_no" else _numbers
        parsed[name], blanks[name] = parse(table[name], spec, found)
    values = pd.DataFrame(parsed, index=table.index)

    na_text = table[NOT_APPLICABLE] if NOT_APPLICABLE in table else pd.Series("", index=table.index)
    not_applicable = _not_applicable(na_text, criteria, found)

    for part in criteria.parts:
        codes_in_part = [c.code for g in part.groups for c in g.criteria]
        found.rows(
            not_applicable[codes_in_part].all(axis=1),
            NOT_APPLICABLE,
            f"mọi tiêu chí của phần {part.code} đều ghi không áp dụng: phần này không chấm được",
            code=ProblemCode.PART_NOT_APPLICABLE,
        )

    for name in declared:
        if name not in missing_columns:
            _blank_but_needed(name, blanks[name], not_applicable, criteria, found)
    for crit in criteria.criteria:
        applicable = ~not_applicable[crit.code]
        fields = [f for f in criterion_fields(crit) if f not in missing_columns]
        if len(fields) == len(criterion_fields(crit)):
            keep = applicable.to_numpy()
            columns = {
                name: pd.Series(np.where(keep, values[name].to_numpy(), np.nan), index=values.index)
                for name in fields
            }
            for mask, name, code, message in METHODS[crit.method].check(columns, crit):
                found.rows(mask, name, message, code=code)

    problems, omitted = found.listed(max_listed)
    if found.has_errors():
        raise EvidenceError(problems, omitted)
    index = pd.Index(names.to_numpy(dtype=object), dtype=UNIT_DTYPE, name="unit")
    values.index = index
    not_applicable.index = index
    return Evidence(
        level=criteria.level,
        year=year,
        source=file,
        sha256=sha256,
        values=values,
        not_applicable=not_applicable,
        codes=pd.Series(unit_codes.to_numpy(dtype=object), index=index, name="code"),
        warnings=problems,
        missing_units=missing_units,
    )
