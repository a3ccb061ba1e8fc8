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
from collections.abc import Collection, Mapping, Sequence
from datetime import date
from itertools import pairwise
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from cqdt.methods import METHODS, criterion_field_keys, criterion_fields
from cqdt.numbers import format_number
from cqdt.output import file_sha256
from cqdt.problems import WARNING, CriteriaError, Problem, ProblemCode, errors_only
from cqdt.validation import readable_part, validation_problems
from cqdt.yamlfile import Location, Placer, line_of, read_yaml_document

LEVELS = {"tinh": "cấp tỉnh", "huyen": "cấp huyện", "xa": "cấp xã"}
"""Level keys and their Vietnamese names."""

Level = Literal["tinh", "huyen", "xa"]
"""A level key of :data:`LEVELS`, as a type (what report parameters accept)."""

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
LARGEST_POINTS = 1000.0
"""No criterion, group or part is worth more points: keeps every sum finite (a slip like
``1e308`` is refused when the file is read, not found out while scoring)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Step(_Strict):
    min: float = Field(ge=0)
    points: float = Field(ge=0, le=LARGEST_POINTS)


class Case(_Strict):
    field: str = Field(pattern=FIELD)
    points: float = Field(ge=0, le=LARGEST_POINTS)


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
    max: float = Field(gt=0, le=LARGEST_POINTS)
    method: str
    note: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    field: str | None = None
    steps: list[Step] | None = None
    points_per_item: float | None = Field(default=None, gt=0, le=LARGEST_POINTS)
    cases: list[Case] | None = None
    allow_not_applicable: bool = True
    """Whether a unit may mark this criterion not applicable (``khong_ap_dung``): the official
    tables say which criteria can be excluded; one that always applies says ``false``."""


class Group(_Strict):
    code: str = Field(pattern=CODE)
    name: str
    max: float = Field(gt=0, le=LARGEST_POINTS)
    criteria: list[Criterion] = Field(min_length=1)


class LevelThreshold(_Strict):
    """A classification level and the lowest rate (0..1) that reaches it."""

    level: str
    min_rate: float = Field(ge=0, le=1)


class Part(_Strict):
    """A part scored, converted and classified on its own (readiness, results, ...)."""

    code: str = Field(pattern=CODE)
    name: str
    max: float = Field(gt=0, le=LARGEST_POINTS)
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

_ITEMS = ("inputs", "parts", "groups", "criteria", "levels")
"""Lists whose items are set aside when wrong, so the rest of the document is still checked."""

_STAND_INS: dict[str, Any] = {
    "decision": "",
    "title": "",
    "version": "",
    "level": "tinh",
    "status": "reconstructed",
    "valid_from": date.min,
}
"""Values that let the rest of a criteria document be checked when these fields are wrong;
no check of meaning can fault them (``valid_from`` is never after ``valid_to``)."""


def _repeats(named: list[tuple[str, Location]]) -> dict[str, list[Location]]:
    """Names given more than once, each with where it is given."""
    places: dict[str, list[Location]] = {}
    for name, loc in named:
        places.setdefault(name, []).append(loc)
    return {name: locs for name, locs in places.items() if len(locs) > 1}


def _times(at: Placer, locs: list[Location]) -> str:
    """``2 lần: dòng 12, 30`` (the lines when they are known)."""
    found = [line_of(at.lines, loc) for loc in locs]
    return f"{len(locs)} lần" + (": dòng " + ", ".join(map(str, found)) if all(found) else "")


def _method_problems(crit: Criterion, at: Placer, place: str, loc: Location) -> list[Problem]:
    if crit.method not in METHODS:
        known = ", ".join(METHODS)
        message = f"phương pháp «{crit.method}» không có; dùng: {known}"
        return [
            at.problem_at(
                (*loc, "method"), place, "method", message, code=ProblemCode.UNKNOWN_METHOD
            )
        ]
    method = METHODS[crit.method]
    problems = [
        at.problem_at(
            loc,
            place,
            param,
            f"thiếu tham số bắt buộc của phương pháp {crit.method}",
            code=ProblemCode.MISSING_PARAMETER,
        )
        for param in method.params
        if getattr(crit, param) is None
    ]
    all_params = {p for m in METHODS.values() for p in m.params}
    problems += [
        at.problem_at(
            (*loc, param),
            place,
            param,
            f"phương pháp {crit.method} không dùng tham số này",
            code=ProblemCode.UNUSED_PARAMETER,
        )
        for param in sorted(all_params - set(method.params))
        if getattr(crit, param) is not None
    ]
    listed: list[tuple[str, Sequence[Step | Case] | None]] = [
        ("steps", crit.steps),
        ("cases", crit.cases),
    ]
    for label, entries in listed:
        problems += [
            at.problem_at(
                (*loc, label, i, "points"),
                place,
                label,
                f"điểm {format_number(entry.points)} vượt điểm tối đa "
                f"{format_number(crit.max)} của tiêu chí",
                code=ProblemCode.STEP_ABOVE_MAX,
            )
            for i, entry in enumerate(entries or [])
            if entry.points > crit.max
        ]
        if entries is not None and not entries:
            problems.append(
                at.problem_at(
                    (*loc, label), place, label, "danh sách rỗng", code=ProblemCode.EMPTY_LIST
                )
            )
    best = max((e.points for e in (crit.steps or crit.cases or [])), default=crit.max)
    if best < crit.max:
        problems.append(
            at.problem_at(
                (*loc, "max"),
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
            message = "hai bậc có cùng ngưỡng «min»"
            problems.append(
                at.problem_at(
                    (*loc, "steps"), place, "steps", message, code=ProblemCode.DUPLICATE_STEP
                )
            )
        ladder = [s.points for s in sorted(crit.steps, key=lambda s: s.min)]
        if any(a > b for a, b in pairwise(ladder)):
            problems.append(
                at.problem_at(
                    (*loc, "steps"),
                    place,
                    "steps",
                    "bậc có ngưỡng cao hơn lại được ít điểm hơn",
                    code=ProblemCode.STEPS_NOT_INCREASING,
                )
            )
    return problems


def _level_problems(part: Part, at: Placer, loc: Location) -> list[Problem]:
    """The classification levels of one part: named once each, thresholds descending to 0."""
    loc, place = (*loc, "levels"), f"phần {part.code}"
    names = [t.level for t in part.levels]
    rates = [t.min_rate for t in part.levels]
    problems = []
    if len(set(names)) != len(names):
        problems.append(
            at.problem_at(
                loc, place, "levels", "tên mức bị trùng", code=ProblemCode.DUPLICATE_LEVEL
            )
        )
    if not rates:
        message = "chưa khai báo mức xếp hạng"
        problems.append(
            at.problem_at(loc, place, "levels", message, code=ProblemCode.MISSING_LEVELS)
        )
    elif any(a <= b for a, b in pairwise(rates)) or rates[-1] != 0:
        problems.append(
            at.problem_at(
                loc,
                place,
                "levels",
                "ngưỡng xếp mức phải giảm dần từ mức cao nhất và mức cuối có min_rate: 0 "
                f"(đang là {', '.join(format_number(r) for r in rates)})",
                code=ProblemCode.THRESHOLDS_NOT_DECREASING,
            )
        )
    return problems


def _input_problems(cs: CriteriaSet, at: Placer) -> list[Problem]:
    """Input fields declared twice or named like a fixed survey column."""
    problems = [
        at.problem_at(
            locs[1],
            f"trường nhập {name}",
            "field",
            f"khai báo {_times(at, locs)}",
            code=ProblemCode.DUPLICATE_INPUT,
        )
        for name, locs in _repeats(
            [(f.field, ("inputs", i, "field")) for i, f in enumerate(cs.inputs)]
        ).items()
    ]
    problems += [
        at.problem_at(
            ("inputs", i, "field"),
            f"trường nhập {f.field}",
            "field",
            "tên này dành cho cột cố định của phiếu",
            code=ProblemCode.RESERVED_FIELD,
        )
        for i, f in enumerate(cs.inputs)
        if f.field in RESERVED_FIELDS
    ]
    return problems


def _semantic_problems(
    cs: CriteriaSet, at: Placer, shortened: Collection[Location] = ()
) -> list[Problem]:
    """What a well-formed criteria document may still get wrong, each at its line.

    ``shortened``: lists that lost items pydantic refused (see
    :func:`~cqdt.validation.readable_part`); a check that needs all their items is skipped.
    """
    problems = _input_problems(cs, at)
    declared = {f.field: f for f in cs.inputs}
    parts = list(enumerate(cs.parts))
    groups = [(pi, gi, g) for pi, p in parts for gi, g in enumerate(p.groups)]
    coded: list[tuple[str, Location]] = [(p.code, ("parts", pi, "code")) for pi, p in parts]
    coded += [(g.code, ("parts", pi, "groups", gi, "code")) for pi, gi, g in groups]
    coded += [
        (c.code, ("parts", pi, "groups", gi, "criteria", ci, "code"))
        for pi, gi, g in groups
        for ci, c in enumerate(g.criteria)
    ]
    problems += [
        at.problem_at(
            locs[1],
            f"mã {code}",
            "code",
            f"mã bị trùng ({_times(at, locs)})",
            code=ProblemCode.DUPLICATE_CODE,
        )
        for code, locs in _repeats(coded).items()
    ]
    if cs.valid_to and cs.valid_to < cs.valid_from:
        message = "ngày hết hiệu lực trước ngày có hiệu lực"
        problems.append(
            at.problem_at(("valid_to",), "", "valid_to", message, code=ProblemCode.INVALID_DATES)
        )

    used: set[str] = set()
    for pi, part in parts:
        part_loc: Location = ("parts", pi)
        part_place = f"phần {part.code}"
        group_sum = sum(g.max for g in part.groups)
        complete = (*part_loc, "groups") not in shortened
        if complete and not math.isclose(group_sum, part.max, abs_tol=1e-9):
            problems.append(
                at.problem_at(
                    (*part_loc, "max"),
                    part_place,
                    "max",
                    f"tổng điểm tối đa các nhóm ({format_number(group_sum)}) khác điểm tối đa "
                    f"của phần ({format_number(part.max)})",
                    code=ProblemCode.MAXIMA_MISMATCH,
                )
            )
        if (*part_loc, "levels") not in shortened:
            problems += _level_problems(part, at, part_loc)
        for gi, group in enumerate(part.groups):
            group_loc: Location = (*part_loc, "groups", gi)
            group_place = f"{part_place} › nhóm {group.code}"
            crit_sum = sum(c.max for c in group.criteria)
            complete = (*group_loc, "criteria") not in shortened
            if complete and not math.isclose(crit_sum, group.max, abs_tol=1e-9):
                problems.append(
                    at.problem_at(
                        (*group_loc, "max"),
                        group_place,
                        "max",
                        f"tổng điểm tối đa các tiêu chí ({format_number(crit_sum)}) khác điểm "
                        f"tối đa của nhóm ({format_number(group.max)})",
                        code=ProblemCode.MAXIMA_MISMATCH,
                    )
                )
            for ci, crit in enumerate(group.criteria):
                crit_loc: Location = (*group_loc, "criteria", ci)
                place = f"{group_place} › tiêu chí {crit.code}"
                method_problems = _method_problems(crit, at, place, crit_loc)
                problems += method_problems
                if method_problems:
                    continue
                wanted = "yes_no" if crit.method in ("yes_no", "highest_case") else "number"
                for key, name in criterion_field_keys(crit):
                    used.add(name)
                    kind = declared[name].type if name in declared else ""
                    if name not in declared and ("inputs",) not in shortened:
                        problems.append(
                            at.problem_at(
                                (*crit_loc, *key),
                                place,
                                name,
                                "trường nhập chưa khai báo trong «inputs»",
                                code=ProblemCode.UNDECLARED_INPUT,
                            )
                        )
                    elif name in declared and (kind == "yes_no") != (wanted == "yes_no"):
                        problems.append(
                            at.problem_at(
                                (*crit_loc, *key),
                                place,
                                name,
                                f"phương pháp {crit.method} cần trường kiểu "
                                f"{'«yes_no»' if wanted == 'yes_no' else '«number» hoặc «count»'}"
                                f", trường này khai báo kiểu «{kind}»",
                                code=ProblemCode.WRONG_FIELD_TYPE,
                            )
                        )
    if any(loc[-1] in ("parts", "groups", "criteria") for loc in shortened):
        return problems  # a criterion set aside may read the fields that look unused
    problems += [
        at.problem_at(
            ("inputs", i, "field"),
            f"trường nhập {f.field}",
            "field",
            "khai báo nhưng không tiêu chí nào dùng",
            WARNING,
            code=ProblemCode.UNUSED_INPUT,
        )
        for i, f in enumerate(cs.inputs)
        if f.field not in used
    ]
    return problems


def check_criteria(
    raw: Any, file: str, lines: Mapping[Location, int] | None = None
) -> tuple[CriteriaSet | None, list[Problem]]:
    """Check a parsed criteria document; return the set (if well-formed) and every problem.

    ``lines`` (from :func:`~cqdt.yamlfile.read_yaml_document`) put each problem at its line.
    A document pydantic refuses is still checked for meaning as far as it can be read.
    """
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
    lines = lines or {}
    try:
        cs = CriteriaSet.model_validate(raw)
    except ValidationError as err:
        problems = validation_problems(err, CriteriaSet, raw, file, lines)
        readable = readable_part(CriteriaSet, raw, lines, err, _ITEMS, _STAND_INS)
        if readable is not None:
            at = Placer(file, readable.lines)
            problems += _semantic_problems(readable.document, at, readable.shortened)
        return None, problems
    return cs, _semantic_problems(cs, Placer(file, lines))


def read_criteria(path: str | Path) -> tuple[CriteriaSet | None, list[Problem]]:
    """Read and check a criteria file: the set (``None`` if malformed) and every problem."""
    path = Path(path)
    file = str(path)
    try:
        document = read_yaml_document(path)
    except CriteriaError as err:
        return None, err.problems
    cs, problems = check_criteria(document.data, file, document.lines)
    problems = sorted(document.repeated + problems, key=lambda p: p.row)  # in file order
    if cs is not None and path.stem in LEVELS and cs.level != path.stem:
        problems.append(
            Placer(file, document.lines).problem_at(
                ("level",),
                "",
                "level",
                f"tệp tên {path.name} nhưng khai báo cấp «{cs.level}»",
                code=ProblemCode.LEVEL_MISMATCH,
            )
        )
    if cs is None or document.repeated:  # checked as if the last value counted, never used
        return None, problems
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
