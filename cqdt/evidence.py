"""Survey data (evidence): one table per level and year, one row per unit, checked.

Layout of a data folder::

    don_vi.csv            register of units: cap, ma_don_vi, don_vi, thuoc, tu_nam, den_nam
    2020/huyen.csv        survey of district-level units for 2020 (or huyen.xlsx)
    2020/xa.xlsx          ...

A survey table has the column ``don_vi`` (unit name), optionally ``ma_don_vi`` and
``ghi_chu``, the input fields the criteria file declares, and ``khong_ap_dung``: the codes of
criteria that do not apply to that unit, separated by ``;`` (they are then excluded, reference
§5). A blank cell an applicable criterion needs is an error, never a zero.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from cqdt.criteria import LEVELS, RESERVED_FIELDS, CriteriaSet
from cqdt.methods import METHODS, criterion_fields
from cqdt.output import file_sha256
from cqdt.problems import WARNING, EvidenceError, Problem, errors_only
from cqdt.register import units_in

FIXED_COLUMNS = RESERVED_FIELDS
UNIT, UNIT_CODE, NOT_APPLICABLE, NOTE = FIXED_COLUMNS

YES = {"có", "co", "c", "x", "1", "1.0", "yes", "y", "true", "đạt"}
NO = {"không", "khong", "k", "0", "0.0", "no", "n", "false", "chưa", "chưa đạt"}


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

    @property
    def units(self) -> pd.Index:
        return self.values.index


def normalise_names(names: pd.Series) -> pd.Series:
    """Unicode NFC and single spaces, so "Huế" typed two ways is one unit."""
    return (
        names.astype("string").str.normalize("NFC").str.strip().str.replace(r"\s+", " ", regex=True)
    )


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (UTF-8, with or without Excel's BOM) or XLSX file as text cells.

    The index is the line of each row in the file (the header is line 1), so problems name
    the line an analyst sees, blank lines included; fully blank rows are dropped.
    """
    path = Path(path)
    file = str(path)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            raw = pd.read_excel(path, header=None, dtype=object, engine="openpyxl")
            raw = raw.map(lambda v: "" if pd.isna(v) else str(v))
        else:
            raw = pd.read_csv(
                path,
                header=None,
                dtype=str,
                keep_default_na=False,
                skip_blank_lines=False,
                encoding="utf-8-sig",
            )
    except FileNotFoundError as exc:
        raise EvidenceError([Problem(file, "", "", "không tìm thấy tệp")]) from exc
    except pd.errors.EmptyDataError as exc:
        raise EvidenceError([Problem(file, "", "", "tệp rỗng, không có dòng tiêu đề")]) from exc
    except (OSError, ValueError, zipfile.BadZipFile, pd.errors.ParserError) as exc:
        raise EvidenceError(
            [Problem(file, "", "", f"không đọc được tệp (CSV UTF-8 hoặc XLSX): {exc}")]
        ) from exc
    raw = raw.fillna("").apply(lambda col: col.astype(str).str.normalize("NFC").str.strip())
    raw.index = raw.index + 1  # line numbers
    header = normalise_names(raw.iloc[0]).fillna("").tolist()
    duplicated = sorted({h for h in header if h and header.count(h) > 1})
    if duplicated:
        raise EvidenceError(
            [Problem(file, "dòng tiêu đề", h, "cột bị trùng tên") for h in duplicated]
        )
    table = raw.iloc[1:].set_axis(header, axis=1)
    table = table.loc[:, [h != "" or table[h].ne("").any() for h in header]]
    table = table[table.ne("").any(axis=1)]
    if table.empty:
        raise EvidenceError([Problem(file, "", "", "tệp không có dòng dữ liệu nào")])
    return table


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


def _row_problems(
    file: str, table: pd.DataFrame, mask: pd.Series, field_name: str, message: str
) -> list[Problem]:
    """One problem per row where ``mask`` holds (the index is the line in the file)."""
    hits = mask.fillna(False).astype(bool)
    return [
        Problem(file, f"dòng {i}, đơn vị «{table.at[i, UNIT]}»", field_name, message, row=i)
        for i in table.index[hits]
    ]


def _parse_numbers(file: str, table: pd.DataFrame, name: str) -> tuple[pd.Series, list[Problem]]:
    text = table[name]
    numbers = pd.to_numeric(text.where(text != ""), errors="coerce").astype(float)
    numbers = numbers.where(np.isfinite(numbers))  # "inf" is not a count anyone surveyed
    bad = (text != "") & numbers.isna()
    comma = bad & text.where(bad, "").str.fullmatch(r"-?\d+,\d+")
    grouped = text.str.fullmatch(r"\d{1,3}(\.\d{3})+")  # "1.200": 1200 or 1,2? never guess
    problems = _row_problems(file, table, comma, name, "dùng dấu chấm cho phần thập phân (vd 41.4)")
    problems += _row_problems(
        file,
        table,
        grouped,
        name,
        "không rõ dấu chấm là phân cách hàng nghìn hay thập phân: ghi số nguyên không có dấu "
        "phân cách (vd 1200)",
    )
    problems += _row_problems(
        file, table, bad & ~comma, name, "phải là một số (đang là chữ hoặc ký hiệu)"
    )
    problems += _row_problems(file, table, numbers < 0, name, "không được là số âm")
    return numbers.astype(float).where(~grouped), problems


def _parse_yes_no(file: str, table: pd.DataFrame, name: str) -> tuple[pd.Series, list[Problem]]:
    text = table[name].str.lower()
    values = pd.Series(float("nan"), index=table.index)
    values[text.isin(YES)] = 1.0
    values[text.isin(NO)] = 0.0
    bad = (text != "") & values.isna()
    return values, _row_problems(file, table, bad, name, "phải là «Có» hoặc «Không»")


def load_evidence(
    path: str | Path,
    criteria: CriteriaSet,
    year: int,
    units: pd.DataFrame | None = None,
) -> Evidence:
    """Read and check a survey table; raise :class:`EvidenceError` listing every problem.

    ``units`` is the register (:func:`load_units`); when given, every unit must be in it for
    this level and year, and register units missing from the survey are reported as warnings.
    """
    path = Path(path)
    file = str(path)
    table = read_table(path)
    problems: list[Problem] = []

    if UNIT not in table.columns:
        raise EvidenceError([Problem(file, "dòng tiêu đề", UNIT, "thiếu cột tên đơn vị")])
    table[UNIT] = normalise_names(table[UNIT]).fillna("")
    problems += _row_problems(file, table, table[UNIT] == "", UNIT, "tên đơn vị để trống")
    duplicated = table[UNIT].duplicated(keep="first") & (table[UNIT] != "")
    problems += _row_problems(file, table, duplicated, UNIT, "đơn vị bị trùng (đã có ở dòng trên)")

    if units is not None:
        known = units_in(units, criteria.level, year)
        unknown = ~table[UNIT].isin(known[UNIT]) & (table[UNIT] != "")
        problems += _row_problems(
            file,
            table,
            unknown,
            UNIT,
            f"đơn vị không có trong danh mục {LEVELS[criteria.level]} năm {year}",
        )
        problems += [
            Problem(
                file,
                f"đơn vị «{name}»",
                UNIT,
                "có trong danh mục nhưng không có trong tệp "
                "khảo sát: đơn vị này sẽ không được chấm",
                WARNING,
            )
            for name in known[UNIT][~known[UNIT].isin(table[UNIT])]
        ]

    declared = {f.field: f for f in criteria.inputs}
    problems += [
        Problem(
            file, "dòng tiêu đề", column, "cột không có trong bộ tiêu chí, sẽ bị bỏ qua", WARNING
        )
        for column in table.columns
        if column not in declared and column not in FIXED_COLUMNS
    ]
    missing_columns = [name for name in declared if name not in table.columns]
    problems += [
        Problem(file, "dòng tiêu đề", name, f"thiếu cột «{declared[name].label}»")
        for name in missing_columns
    ]

    values = pd.DataFrame(index=table.index)
    for name, spec in declared.items():
        if name in missing_columns:
            values[name] = float("nan")
            continue
        parse = _parse_yes_no if spec.type == "yes_no" else _parse_numbers
        values[name], found = parse(file, table, name)
        problems += found

    codes = [c.code for c in criteria.criteria]
    na_text = table[NOT_APPLICABLE] if NOT_APPLICABLE in table else pd.Series("", index=table.index)
    na_lists = na_text.fillna("").map(lambda s: [c for c in re.split(r"[;,\s]+", s) if c])
    not_applicable = pd.DataFrame(
        {code: na_lists.map(lambda listed, code=code: code in listed) for code in codes},
        index=table.index,
    )
    for i, listed in na_lists.items():
        problems += [
            Problem(
                file,
                f"dòng {i}, đơn vị «{table.at[i, UNIT]}»",
                NOT_APPLICABLE,
                f"mã tiêu chí «{code}» không có trong bộ tiêu chí",
            )
            for code in listed
            if code not in codes
        ]

    for part in criteria.parts:
        codes_in_part = [c.code for g in part.groups for c in g.criteria]
        problems += _row_problems(
            file,
            table,
            not_applicable[codes_in_part].all(axis=1),
            NOT_APPLICABLE,
            f"mọi tiêu chí của phần {part.code} đều ghi không áp dụng: phần này không chấm được",
        )

    for crit in criteria.criteria:
        applicable = ~not_applicable[crit.code]
        fields = [f for f in criterion_fields(crit) if f not in missing_columns]
        for name in fields:
            blank = applicable & (table[name] == "")
            problems += _row_problems(
                file,
                table,
                blank,
                name,
                f"để trống nhưng tiêu chí {crit.code} cần giá trị này; nếu tiêu chí không áp "
                f"dụng cho đơn vị, ghi {crit.code} vào cột «{NOT_APPLICABLE}»",
            )
        if len(fields) == len(criterion_fields(crit)):
            columns = {name: values[name].where(applicable) for name in fields}
            for mask, name, message in METHODS[crit.method].check(columns, crit):
                problems += _row_problems(file, table, mask, name, message)

    if errors_only(problems):
        raise EvidenceError(problems)
    values.index = pd.Index(table[UNIT], name="unit")
    not_applicable.index = values.index
    unit_codes = table[UNIT_CODE] if UNIT_CODE in table else pd.Series("", index=table.index)
    return Evidence(
        level=criteria.level,
        year=year,
        source=file,
        sha256=file_sha256(path),
        values=values,
        not_applicable=not_applicable,
        codes=pd.Series(unit_codes.fillna("").to_numpy(), index=values.index, name="code"),
        warnings=problems,
    )
