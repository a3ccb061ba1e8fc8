"""Criteria sets: the criteria of one level as data, read from YAML and checked.

A criteria file (see ``criteria/README.md``) declares the decision it implements, its level,
version, validity dates and status, the input fields it reads, and the parts -> groups ->
criteria tree with maximum points, scoring methods, level thresholds, rounding and tie rules.

:func:`load_criteria` reads and checks a file; every problem is reported at once in
:class:`~cqdt.problems.CriteriaError`. Which file is in force in a year is
:func:`cqdt.versions.find_criteria`.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cqdt.methods import METHODS, criterion_fields
from cqdt.numbers import format_number
from cqdt.output import file_sha256
from cqdt.problems import WARNING, CriteriaError, Problem, ProblemCode, errors_only
from cqdt.yamlfile import read_yaml

LEVELS = {"tinh": "cấp tỉnh", "huyen": "cấp huyện", "xa": "cấp xã"}
"""Level keys and their Vietnamese names."""

LEVEL_TITLES = {
    "tinh": "Cơ quan chuyên môn thuộc UBND tỉnh (sở, ban, ngành)",
    "huyen": "UBND huyện, thị xã, thành phố Huế",
    "xa": "UBND xã, phường, thị trấn",
}


RESERVED_FIELDS = (
    "don_vi",
    "ma_don_vi",
    "khong_ap_dung",
    "ghi_chu",
    "tep_phieu",
    "sha256_phieu",
    "thoi_gian_doc",
)
"""Survey columns with a fixed meaning (the last three: where a collected row came from); no
input field may take these names."""

CODE = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"
"""Codes must survive being listed in ``khong_ap_dung`` (split on ``;``, ``,`` and spaces)."""
FIELD = r"^[a-z][a-z0-9_]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Step(_Strict):
    min: float = Field(ge=0)
    points: float = Field(ge=0)


class Case(_Strict):
    field: str = Field(pattern=FIELD)
    points: float = Field(ge=0)


class InputField(_Strict):
    """A column of the survey table.

    ``number``: any non-negative number (money, bandwidth, points); ``count``: a whole number
    of things (staff, documents, applications), so that "85%" typed into a count cell, stored
    by Excel as 0.85, is refused rather than scored; ``yes_no``: «Có» or «Không».
    """

    field: str = Field(pattern=FIELD)
    label: str
    type: Literal["number", "count", "yes_no"] = "number"


class Criterion(_Strict):
    """One criterion: maximum points, scoring method and the method's parameters."""

    code: str = Field(pattern=CODE)
    name: str
    max: float = Field(gt=0)
    method: str
    note: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    field: str | None = None
    steps: list[Step] | None = None
    points_per_item: float | None = Field(default=None, gt=0)
    cases: list[Case] | None = None
    allow_not_applicable: bool = True
    """Whether a unit may mark this criterion not applicable (``khong_ap_dung``): the official
    tables say which criteria can be excluded; one that always applies says ``false``."""


class Group(_Strict):
    code: str = Field(pattern=CODE)
    name: str
    max: float = Field(gt=0)
    criteria: list[Criterion] = Field(min_length=1)


class LevelThreshold(_Strict):
    """A classification level and the lowest rate (0..1) that reaches it."""

    level: str
    min_rate: float = Field(ge=0, le=1)


class Part(_Strict):
    """A part scored, converted and classified on its own (readiness, results, ...)."""

    code: str = Field(pattern=CODE)
    name: str
    max: float = Field(gt=0)
    levels: list[LevelThreshold]
    groups: list[Group] = Field(min_length=1)


class Rounding(_Strict):
    """Rounding policy.

    ``published``: criterion points are rounded to ``points_decimals`` before summing; the
    rate is computed from those sums, published with ``rate_percent_decimals`` in %, and
    units are ranked and classified on it. ``full``: everything in full precision, rounded
    for display only.
    """

    points_decimals: int = Field(default=2, ge=0, le=6)
    rate_percent_decimals: int = Field(default=2, ge=0, le=6)
    rank_and_classify_on: Literal["published", "full"] = "published"


class CriteriaSet(_Strict):
    """The criteria of one level in one version, as declared in its file."""

    decision: str
    title: str
    level: Literal["tinh", "huyen", "xa"]
    version: str
    valid_from: date
    valid_to: date | None = None
    status: Literal["reconstructed", "official"]
    note: str = ""
    rounding: Rounding = Rounding()
    ties: Literal["shared"] = "shared"
    inputs: list[InputField]
    parts: list[Part] = Field(min_length=1)
    source: str = ""
    sha256: str = ""

    @property
    def criteria(self) -> list[Criterion]:
        """All criteria, in file order."""
        return [c for p in self.parts for g in p.groups for c in g.criteria]

    @property
    def status_label(self) -> str:
        return "bản chính thức" if self.status == "official" else "bản tái dựng (chưa chính thức)"

    def covers(self, year: int) -> bool:
        """Whether this version is in force for an evaluation year."""
        return in_force(self.valid_from, self.valid_to, year)

    def criteria_table(self) -> pd.DataFrame:
        """One row per criterion: its part, group, maximum, method and input fields."""
        rows = [
            {
                "part": p.code,
                "group": g.code,
                "criterion": c.code,
                "name": c.name,
                "max": c.max,
                "method": c.method,
                "method_label": METHODS[c.method].label,
                "fields": ", ".join(criterion_fields(c)),
            }
            for p in self.parts
            for g in p.groups
            for c in g.criteria
        ]
        return pd.DataFrame(rows)


# --- reading and checking ----------------------------------------------------------------

_PYDANTIC_MESSAGES = {
    "missing": "thiếu (bắt buộc phải có)",
    "extra_forbidden": "trường không được biết (gõ nhầm tên?)",
    "float_parsing": "phải là một số",
    "float_type": "phải là một số",
    "int_parsing": "phải là một số nguyên",
    "int_type": "phải là một số nguyên",
    "string_type": "phải là chữ",
    "list_type": "phải là một danh sách",
    "model_type": "phải là một mục có các trường con",
    "date_from_datetime_parsing": "phải là ngày dạng NNNN-TT-NN",
    "date_parsing": "phải là ngày dạng NNNN-TT-NN",
    "date_type": "phải là ngày dạng NNNN-TT-NN",
    "string_pattern_mismatch": "chỉ được gồm chữ không dấu, số và . _ - (không dấu cách, ; hay ,)",
    "too_short": "không được để trống danh sách",
    "string_too_short": "không được để trống",
    "finite_number": "phải là một số hữu hạn",
    "union_tag_invalid": "không phải loại được biết (xem danh sách trong tài liệu)",
    "union_tag_not_found": "thiếu khóa cho biết loại (bắt buộc phải có)",
}


_PYDANTIC_CODES = {
    "missing": ProblemCode.MISSING_FIELD,
    "union_tag_not_found": ProblemCode.MISSING_FIELD,
    "extra_forbidden": ProblemCode.UNKNOWN_FIELD,
}


def pydantic_code(error: dict[str, Any]) -> ProblemCode:
    """The kind of a pydantic validation error: missing, unknown, or else invalid value."""
    return _PYDANTIC_CODES.get(error["type"], ProblemCode.INVALID_VALUE)


def pydantic_message(error: dict[str, Any]) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind in _PYDANTIC_MESSAGES:
        return _PYDANTIC_MESSAGES[kind]
    if kind == "greater_than":
        return f"phải lớn hơn {ctx.get('gt')}"
    if kind == "greater_than_equal":
        return f"không được nhỏ hơn {ctx.get('ge')}"
    if kind == "less_than_equal":
        return f"không được lớn hơn {ctx.get('le')}"
    if kind == "literal_error":
        return f"phải là một trong: {ctx.get('expected')}"
    return "giá trị không hợp lệ"


def _place(raw: Any, loc: tuple[Any, ...]) -> tuple[str, str]:
    """Turn a pydantic location into a Vietnamese place ("phần A › tiêu chí A1.2") and field."""
    names = {
        "parts": "phần",
        "groups": "nhóm",
        "criteria": "tiêu chí",
        "inputs": "trường nhập",
        "changes": "thay đổi",
    }
    place, node, field = [], raw, ""
    i = 0
    while i < len(loc):
        key = loc[i]
        if key in names and i + 1 < len(loc) and isinstance(loc[i + 1], int):
            try:
                node = node[key][loc[i + 1]]
                label = node.get("code") or node.get("field") or f"thứ {loc[i + 1] + 1}"
            except (KeyError, IndexError, TypeError, AttributeError):
                label = f"thứ {loc[i + 1] + 1}"
            place.append(f"{names[key]} {label}")
            i += 2
            if i < len(loc) and isinstance(node, dict) and loc[i] == node.get("change"):
                i += 1  # the tag of a tagged union ("set_max") is not a field
            continue
        field = ".".join(str(k) for k in loc[i:])
        break
    return " › ".join(place), field


def structure_problems(raw: Any, file: str, err: ValidationError) -> list[Problem]:
    """Every pydantic validation error of a parsed YAML document, as Vietnamese problems."""
    problems = []
    for error in err.errors():
        place, field = _place(raw, tuple(error["loc"]))
        problems.append(
            Problem(file, place, field, pydantic_message(error), code=pydantic_code(error))
        )
    return problems


def _method_problems(crit: Criterion, file: str, place: str) -> list[Problem]:
    if crit.method not in METHODS:
        known = ", ".join(METHODS)
        return [
            Problem(
                file,
                place,
                "method",
                f"phương pháp «{crit.method}» không có; dùng: {known}",
                code=ProblemCode.UNKNOWN_METHOD,
            )
        ]
    method = METHODS[crit.method]
    problems = []
    for param in method.params:
        if getattr(crit, param) is None:
            problems.append(
                Problem(
                    file,
                    place,
                    param,
                    f"thiếu tham số bắt buộc của phương pháp {crit.method}",
                    code=ProblemCode.MISSING_PARAMETER,
                )
            )
    all_params = {p for m in METHODS.values() for p in m.params}
    for param in sorted(all_params - set(method.params)):
        if getattr(crit, param) is not None:
            problems.append(
                Problem(
                    file,
                    place,
                    param,
                    f"phương pháp {crit.method} không dùng tham số này",
                    code=ProblemCode.UNUSED_PARAMETER,
                )
            )
    for label, entries in (("steps", crit.steps), ("cases", crit.cases)):
        for entry in entries or []:
            if entry.points > crit.max:
                problems.append(
                    Problem(
                        file,
                        place,
                        label,
                        f"điểm {format_number(entry.points)} vượt điểm tối đa "
                        f"{format_number(crit.max)} của tiêu chí",
                        code=ProblemCode.STEP_ABOVE_MAX,
                    )
                )
        if entries is not None and not entries:
            problems.append(
                Problem(file, place, label, "danh sách rỗng", code=ProblemCode.EMPTY_LIST)
            )
    best = max((e.points for e in (crit.steps or crit.cases or [])), default=crit.max)
    if best < crit.max:
        problems.append(
            Problem(
                file,
                place,
                "max",
                f"mức điểm cao nhất ({format_number(best)}) thấp hơn điểm tối đa "
                f"({format_number(crit.max)}): không đơn vị nào đạt đủ điểm tiêu chí này",
                WARNING,
                code=ProblemCode.MAX_UNREACHABLE,
            )
        )
    if crit.steps:
        mins = [s.min for s in crit.steps]
        if len(set(mins)) != len(mins):
            problems.append(
                Problem(
                    file,
                    place,
                    "steps",
                    "hai bậc có cùng ngưỡng «min»",
                    code=ProblemCode.DUPLICATE_STEP,
                )
            )
        ladder = [s.points for s in sorted(crit.steps, key=lambda s: s.min)]
        if any(a > b for a, b in pairwise(ladder)):
            problems.append(
                Problem(
                    file,
                    place,
                    "steps",
                    "bậc có ngưỡng cao hơn lại được ít điểm hơn",
                    code=ProblemCode.STEPS_NOT_INCREASING,
                )
            )
    return problems


def _semantic_problems(cs: CriteriaSet, file: str) -> list[Problem]:
    problems: list[Problem] = []
    declared = {f.field: f for f in cs.inputs}
    counts = Counter(f.field for f in cs.inputs)
    problems += [
        Problem(
            file,
            f"trường nhập {name}",
            "field",
            f"khai báo {n} lần",
            code=ProblemCode.DUPLICATE_INPUT,
        )
        for name, n in counts.items()
        if n > 1
    ]
    problems += [
        Problem(
            file,
            f"trường nhập {name}",
            "field",
            "tên này dành cho cột cố định của phiếu",
            code=ProblemCode.RESERVED_FIELD,
        )
        for name in declared
        if name in RESERVED_FIELDS
    ]
    codes = Counter(
        [p.code for p in cs.parts]
        + [g.code for p in cs.parts for g in p.groups]
        + [c.code for c in cs.criteria]
    )
    problems += [
        Problem(
            file, f"mã {code}", "code", f"mã bị trùng ({n} lần)", code=ProblemCode.DUPLICATE_CODE
        )
        for code, n in codes.items()
        if n > 1
    ]
    if cs.valid_to and cs.valid_to < cs.valid_from:
        problems.append(
            Problem(
                file,
                "",
                "valid_to",
                "ngày hết hiệu lực trước ngày có hiệu lực",
                code=ProblemCode.INVALID_DATES,
            )
        )

    used: set[str] = set()
    for part in cs.parts:
        part_place = f"phần {part.code}"
        group_sum = sum(g.max for g in part.groups)
        if not math.isclose(group_sum, part.max, abs_tol=1e-9):
            problems.append(
                Problem(
                    file,
                    part_place,
                    "max",
                    f"tổng điểm tối đa các nhóm ({format_number(group_sum)}) khác điểm tối đa "
                    f"của phần ({format_number(part.max)})",
                    code=ProblemCode.MAXIMA_MISMATCH,
                )
            )
        names = [t.level for t in part.levels]
        if len(set(names)) != len(names):
            problems.append(
                Problem(
                    file, part_place, "levels", "tên mức bị trùng", code=ProblemCode.DUPLICATE_LEVEL
                )
            )
        rates = [t.min_rate for t in part.levels]
        if not rates:
            problems.append(
                Problem(
                    file,
                    part_place,
                    "levels",
                    "chưa khai báo mức xếp hạng",
                    code=ProblemCode.MISSING_LEVELS,
                )
            )
        elif any(a <= b for a, b in pairwise(rates)) or rates[-1] != 0:
            problems.append(
                Problem(
                    file,
                    part_place,
                    "levels",
                    "ngưỡng xếp mức phải giảm dần từ mức cao nhất và mức cuối có min_rate: 0 "
                    f"(đang là {', '.join(format_number(r) for r in rates)})",
                    code=ProblemCode.THRESHOLDS_NOT_DECREASING,
                )
            )
        for group in part.groups:
            crit_sum = sum(c.max for c in group.criteria)
            if not math.isclose(crit_sum, group.max, abs_tol=1e-9):
                problems.append(
                    Problem(
                        file,
                        f"{part_place} › nhóm {group.code}",
                        "max",
                        f"tổng điểm tối đa các tiêu chí ({format_number(crit_sum)}) khác điểm "
                        f"tối đa của nhóm ({format_number(group.max)})",
                        code=ProblemCode.MAXIMA_MISMATCH,
                    )
                )
            for crit in group.criteria:
                place = f"{part_place} › nhóm {group.code} › tiêu chí {crit.code}"
                method_problems = _method_problems(crit, file, place)
                problems += method_problems
                if method_problems:
                    continue
                wanted = "yes_no" if crit.method in ("yes_no", "highest_case") else "number"
                for name in criterion_fields(crit):
                    used.add(name)
                    kind = declared[name].type if name in declared else ""
                    if name not in declared:
                        problems.append(
                            Problem(
                                file,
                                place,
                                name,
                                "trường nhập chưa khai báo trong «inputs»",
                                code=ProblemCode.UNDECLARED_INPUT,
                            )
                        )
                    elif (kind == "yes_no") != (wanted == "yes_no"):
                        problems.append(
                            Problem(
                                file,
                                place,
                                name,
                                f"phương pháp {crit.method} cần trường kiểu "
                                f"{'«yes_no»' if wanted == 'yes_no' else '«number» hoặc «count»'}"
                                f", trường này khai báo kiểu «{kind}»",
                                code=ProblemCode.WRONG_FIELD_TYPE,
                            )
                        )
    problems += [
        Problem(
            file,
            f"trường nhập {name}",
            "field",
            "khai báo nhưng không tiêu chí nào dùng",
            WARNING,
            code=ProblemCode.UNUSED_INPUT,
        )
        for name in declared
        if name not in used
    ]
    return problems


def check_criteria(raw: Any, file: str) -> tuple[CriteriaSet | None, list[Problem]]:
    """Check a parsed criteria document; return the set (if well-formed) and every problem."""
    if not isinstance(raw, dict):
        return None, [
            Problem(
                file,
                "",
                "",
                "tệp rỗng hoặc không phải một bộ tiêu chí YAML",
                code=ProblemCode.NOT_A_MAPPING,
            )
        ]
    try:
        cs = CriteriaSet.model_validate(raw)
    except ValidationError as err:
        return None, structure_problems(raw, file, err)
    return cs, _semantic_problems(cs, file)


def read_criteria(path: str | Path) -> tuple[CriteriaSet | None, list[Problem]]:
    """Read and check a criteria file: the set (``None`` if malformed) and every problem."""
    path = Path(path)
    file = str(path)
    try:
        raw = read_yaml(path)
    except CriteriaError as err:
        return None, err.problems
    cs, problems = check_criteria(raw, file)
    if cs is None:
        return None, problems
    if path.stem in LEVELS and cs.level != path.stem:
        problems.append(
            Problem(
                file,
                "",
                "level",
                f"tệp tên {path.name} nhưng khai báo cấp «{cs.level}»",
                code=ProblemCode.LEVEL_MISMATCH,
            )
        )
    cs = cs.model_copy(update={"source": file, "sha256": file_sha256(path)})
    return cs, problems


def load_criteria(path: str | Path) -> CriteriaSet:
    """Read and check a criteria file; raise :class:`CriteriaError` listing every problem."""
    cs, problems = read_criteria(path)
    if cs is None or errors_only(problems):
        raise CriteriaError(problems)
    return cs


def in_force(valid_from: date, valid_to: date | None, year: int) -> bool:
    """Whether a version valid from ``valid_from`` to ``valid_to`` covers an evaluation year
    (years only: a decision that takes effect during a year governs that year's evaluation)."""
    return valid_from.year <= year and (valid_to is None or year <= valid_to.year)
