"""What-if scenarios: a reviewable YAML file of changes to a criteria set, checked and applied.

A scenario file (see ``criteria/README.md``, section 7) names its base criteria set (version
folder and level) and a list of changes::

    title: "B3.3 tối đa 10 điểm"
    base: {version: "1784-2018", level: huyen}
    changes:
      - {change: set_max, code: B3.3, max: 10}          # a criterion's or a group's maximum
      - {change: scale_max, code: B1, factor: 1.5}      # x 1.5 (a weight)
      - {change: drop, code: B3.5}                      # weight 0
      - {change: threshold, part: B, level: I, min_rate: 0.88}   # part omitted: every part
      - {change: rounding, rank_and_classify_on: full}

:func:`load_scenario` checks it like a criteria file: every problem at once, each with its
line, in Vietnamese (:class:`~cqdt.problems.CriteriaError`); maxima and factors are bounded, so
a slip like ``1e308`` is refused before any work. Maximum changes are weights: they become
multipliers of :func:`cqdt.scoring.aggregate`, which re-aggregates the points matrix (part
maxima stay the scale of converted points). Threshold and rounding changes give a modified
:class:`~cqdt.criteria.CriteriaSet`, which the same matrix is re-aggregated with. Nothing is
scored from the survey again. :func:`apply_scenario` gives a :class:`WhatIf`, the before and
after results; :func:`compare` and :func:`level_transitions` tabulate what moved.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal, cast

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from cqdt.comparison import level_change
from cqdt.criteria import LARGEST_POINTS, LEVELS, CriteriaSet, check_criteria, load_criteria
from cqdt.numbers import format_number, round_half_up
from cqdt.output import file_sha256
from cqdt.problems import CriteriaError, Problem, ProblemCode, errors_only
from cqdt.scoring import ScoreResult, aggregate
from cqdt.validation import validation_problems
from cqdt.yamlfile import Location, Placer, line_of, read_yaml, read_yaml_document

SCENARIO_FOLDER = "kich-ban"
"""Where example scenarios live, inside the criteria folder."""
LARGEST_FACTOR = 1000.0
"""The largest ``factor`` of ``scale_max``: beyond it a slip, not a weight."""
SMALLEST_WEIGHT = 0.001
"""The smallest maximum a change may leave a criterion with (``drop`` leaves it out)."""


class _Entry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Base(_Entry):
    """The criteria set a scenario changes: ``<criteria_dir>/<version>/<level>.yaml``."""

    version: str
    level: Literal["tinh", "huyen", "xa"]


class SetMax(_Entry):
    """Give a criterion or a group a new maximum (its weight); a group's criteria keep ratios."""

    change: Literal["set_max"]
    code: str
    max: float = Field(gt=0, le=LARGEST_POINTS)


class ScaleMax(_Entry):
    """Multiply the maximum of a criterion or of every criterion of a group."""

    change: Literal["scale_max"]
    code: str
    factor: float = Field(gt=0, le=LARGEST_FACTOR)


class Drop(_Entry):
    """Leave a criterion (or every criterion of a group) out: weight 0."""

    change: Literal["drop"]
    code: str


class SetThreshold(_Entry):
    """Move the lowest rate (0..1) of a level, in one part or (``part`` omitted) in every part."""

    change: Literal["threshold"]
    part: str | None = None
    level: str
    min_rate: float = Field(ge=0, le=1)


class SetRounding(_Entry):
    """Change the rounding policy; keys left out keep the base's value."""

    change: Literal["rounding"]
    points_decimals: int | None = Field(default=None, ge=0, le=6)
    rate_percent_decimals: int | None = Field(default=None, ge=0, le=6)
    rank_and_classify_on: Literal["published", "full"] | None = None


Change = Annotated[
    SetMax | ScaleMax | Drop | SetThreshold | SetRounding, Field(discriminator="change")
]
WEIGHT_CHANGES = (SetMax, ScaleMax, Drop)
_WEIGHT_KINDS = {"set_max", "scale_max", "drop"}
_KINDS = _WEIGHT_KINDS | {"threshold", "rounding"}


class ScenarioFile(_Entry):
    """A scenario file as written."""

    title: str
    description: str = ""
    base: Base
    changes: list[Change] = []


@dataclass(frozen=True)
class Scenario:
    """A checked scenario: its base criteria set and what it changes."""

    title: str
    description: str
    base: CriteriaSet
    criteria: CriteriaSet
    """The base with the scenario's thresholds and rounding."""
    weights: pd.Series
    """The maximum of every criterion under the scenario (0 = dropped)."""
    changes: tuple[Change, ...]
    source: str = ""
    sha256: str = ""

    @property
    def multipliers(self) -> pd.Series:
        """Weight multiplier per criterion code, for :func:`cqdt.scoring.aggregate`."""
        table = self.base.criteria_table().set_index("criterion")
        return self.weights / table["max"]

    @property
    def weight_only(self) -> bool:
        """Whether the scenario only moves weights (thresholds and rounding untouched)."""
        return all(isinstance(c, WEIGHT_CHANGES) for c in self.changes)

    def describe(self) -> pd.DataFrame:
        """The changes in words, one row each (Vietnamese headers)."""
        words = [describe_change(c, self.base) for c in self.changes]
        return pd.DataFrame({"STT": range(1, len(words) + 1), "Thay đổi": words})


def describe_change(change: Change, base: CriteriaSet) -> str:
    """One change in Vietnamese, e.g. ``Đặt điểm tối đa của B3.3 (Tỷ lệ hồ sơ …) là 10``."""
    names = {g.code: g.name for p in base.parts for g in p.groups}
    names |= {c.code: c.name for c in base.criteria}
    what = f"{getattr(change, 'code', '')} ({names.get(getattr(change, 'code', ''), '?')})"
    match change:
        case SetMax():
            return f"Đặt điểm tối đa của {what} là {format_number(change.max)}"
        case ScaleMax():
            return f"Nhân điểm tối đa của {what} với {format_number(change.factor, 4)}"
        case Drop():
            return f"Bỏ {what} khỏi đánh giá"
        case SetThreshold():
            where = f"phần {change.part}" if change.part else "mọi phần"
            return (
                f"Ngưỡng mức {change.level} ({where}): từ {format_number(change.min_rate * 100)}%"
            )
        case SetRounding():
            words = []
            if change.points_decimals is not None:
                words.append(f"điểm làm tròn {change.points_decimals} chữ số thập phân")
            if change.rate_percent_decimals is not None:
                words.append(f"tỷ lệ (%) làm tròn {change.rate_percent_decimals} chữ số thập phân")
            if change.rank_and_classify_on:
                on = "đã làm tròn" if change.rank_and_classify_on == "published" else "đầy đủ"
                words.append(f"xếp hạng và xếp mức theo số {on}")
            return "Quy tắc làm tròn: " + "; ".join(words or ["như bộ tiêu chí gốc"])
    raise TypeError(change)


def _criteria_of(code: str, base: CriteriaSet) -> list[str] | None:
    """The criterion codes a criterion or group code stands for (None if neither)."""
    for part in base.parts:
        for group in part.groups:
            if group.code == code:
                return [c.code for c in group.criteria]
            if any(c.code == code for c in group.criteria):
                return [code]
    return None


@dataclass
class _Applied:
    """The changes applied to the base so far: weights, the criteria document, problems."""

    weights: pd.Series
    criteria: dict[str, Any]
    problems: list[Problem]
    threshold_lines: dict[Location, int]
    """Line of the last threshold change of each part's ``levels``, for the problems found
    when the changed criteria are checked."""


def _weight_problems(
    change: SetMax | ScaleMax,
    at: Placer,
    loc: Location,
    place: str,
    weights: pd.Series,
    codes: list[str],
) -> list[Problem]:
    """A maximum a change leaves out of range: above what a criterion may be worth, or so
    small it is nearly dropped (``drop`` says that)."""
    field = "max" if isinstance(change, SetMax) else "factor"
    problems = []
    for code in codes:
        weight = weights[code]
        if weight > LARGEST_POINTS:
            shown = format_number(weight, 6) if math.isfinite(weight) else "vô cùng lớn"
            why = f"là {shown}, lớn hơn {format_number(LARGEST_POINTS)} điểm"
        elif weight < SMALLEST_WEIGHT:
            why = (
                f"nhỏ hơn {format_number(SMALLEST_WEIGHT, 3)} điểm; muốn bỏ tiêu chí thì dùng drop"
            )
        else:
            continue
        problems.append(
            at.problem_at(
                (*loc, field),
                place,
                field,
                f"sau thay đổi này điểm tối đa của tiêu chí {code} {why}",
                code=ProblemCode.WEIGHT_OUT_OF_RANGE,
            )
        )
    return problems


def _apply_changes(
    changes: list[tuple[int, Change]], base: CriteriaSet, at: Placer, weights_known: bool
) -> _Applied:
    """Apply the readable changes (with their index in the file) to the base, in order.

    ``weights_known``: no change of weights was refused, so the weights after each change are
    what the analyst wrote, and their ranges and the parts left empty can be checked.
    """
    weights = base.criteria_table().set_index("criterion")["max"].astype(float)
    applied = _Applied(weights, base.model_dump(mode="json"), [], {})
    part_codes = [p.code for p in base.parts]
    emptied: set[str] = set()
    for i, change in changes:
        loc: Location = ("changes", i)
        place = f"thay đổi thứ {i + 1} ({change.change})"
        if isinstance(change, WEIGHT_CHANGES):
            codes = _criteria_of(change.code, base)
            if codes is None:
                kind, what = (
                    (
                        ProblemCode.PART_MAX_FIXED,
                        "là mã phần: điểm tối đa của phần là thang quy đổi, không đổi được; hãy "
                        "đổi điểm của nhóm hoặc tiêu chí",
                    )
                    if change.code in part_codes
                    else (
                        ProblemCode.UNKNOWN_CODE,
                        f"không phải mã tiêu chí hay nhóm nào của bộ tiêu chí {base.version} "
                        f"{LEVELS[base.level]}",
                    )
                )
                message = f"mã «{change.code}» {what}"
                applied.problems.append(
                    at.problem_at((*loc, "code"), place, "code", message, code=kind)
                )
                continue
            current = weights[codes].sum()
            if isinstance(change, Drop):
                weights[codes] = 0.0
            elif current == 0:
                applied.problems.append(
                    at.problem_at(
                        (*loc, "code"),
                        place,
                        "code",
                        f"«{change.code}» đã bị bỏ ở thay đổi trước",
                        code=ProblemCode.ALREADY_DROPPED,
                    )
                )
                continue
            else:
                weights[codes] *= (
                    change.max / current if isinstance(change, SetMax) else change.factor
                )
                if weights_known:
                    applied.problems += _weight_problems(change, at, loc, place, weights, codes)
            for part in base.parts:
                in_part = [c.code for g in part.groups for c in g.criteria]
                if weights_known and part.code not in emptied and not weights[in_part].sum() > 0:
                    emptied.add(part.code)
                    applied.problems.append(
                        at.problem_at(
                            loc,
                            f"phần {part.code}",
                            "changes",
                            "mọi tiêu chí của phần bị bỏ",
                            code=ProblemCode.WHOLE_PART_DROPPED,
                        )
                    )
        elif isinstance(change, SetThreshold):
            if change.part and change.part not in part_codes:
                applied.problems.append(
                    at.problem_at(
                        (*loc, "part"),
                        place,
                        "part",
                        f"phần «{change.part}» không có; các phần: {', '.join(part_codes)}",
                        code=ProblemCode.UNKNOWN_PART,
                    )
                )
                continue
            for index, part in enumerate(applied.criteria["parts"]):
                if change.part not in (None, part["code"]):
                    continue
                levels = {t["level"]: t for t in part["levels"]}
                if change.level not in levels:
                    applied.problems.append(
                        at.problem_at(
                            (*loc, "level"),
                            place,
                            "level",
                            f"phần {part['code']} không có mức «{change.level}»; các mức: "
                            f"{', '.join(levels)}",
                            code=ProblemCode.UNKNOWN_LEVEL,
                        )
                    )
                else:
                    levels[change.level]["min_rate"] = change.min_rate
                    applied.threshold_lines |= {
                        ("parts",): 0,
                        ("parts", index): 0,
                        ("parts", index, "levels"): line_of(at.lines, loc),
                    }
        else:
            applied.criteria["rounding"] |= change.model_dump(exclude_none=True, exclude={"change"})
    return applied


_CHANGE = TypeAdapter(Change)


def _readable_changes(raw: dict[str, Any]) -> tuple[list[tuple[int, Change]], set[str | None]]:
    """The changes of a refused scenario that are well-formed, with their index in the file,
    and the kinds of those that are not (``None`` for a change of no known kind)."""
    items = raw.get("changes")
    readable: list[tuple[int, Change]] = []
    refused: set[str | None] = set()
    for i, item in enumerate(items if isinstance(items, list) else []):
        try:
            readable.append((i, _CHANGE.validate_python(item)))
        except ValidationError:
            kind = item.get("change") if isinstance(item, dict) else None
            refused.add(kind if kind in _KINDS else None)
    if items is not None and not isinstance(items, list):
        refused.add(None)
    return readable, refused


def check_scenario(
    raw: Any,
    file: str,
    criteria_dir: str | Path,
    lines: Mapping[Location, int] | None = None,
    loaded: CriteriaSet | None = None,
) -> tuple[Scenario | None, list[Problem]]:
    """Check a parsed scenario document against its base criteria set; every problem at once.

    ``lines`` (from :func:`~cqdt.yamlfile.read_yaml_document`) put each problem at its line.
    The changes that are well-formed are checked against the base even when others are not;
    a check that needs every change (thresholds still descending, a part left without
    criteria, the range of the maxima) waits until the changes it needs are well-formed.
    ``loaded`` is the base criteria set if the caller has it already (the explorer, at every
    move of a slider): it is used when it is the file the document names, not read again.
    """
    if not isinstance(raw, dict):
        return None, [
            Problem(
                file,
                "",
                "",
                "tệp rỗng hoặc không phải một kịch bản YAML",
                code=ProblemCode.NOT_A_MAPPING,
            )
        ]
    at = Placer(file, lines or {})
    problems: list[Problem] = []
    refused: set[str | None] = set()  # kinds of the changes that are not well-formed
    try:
        doc = ScenarioFile.model_validate(raw)
        base_ref: Base | None = doc.base
        changes = list(enumerate(doc.changes))
    except ValidationError as err:
        problems += validation_problems(err, ScenarioFile, raw, file, at.lines)
        doc = None
        try:
            base_ref = Base.model_validate(raw.get("base"))
        except ValidationError:
            base_ref = None
        changes, refused = _readable_changes(raw)
    if base_ref is None:
        return None, problems  # the changes cannot be checked without their base
    base_file = Path(criteria_dir) / base_ref.version / f"{base_ref.level}.yaml"
    if not base_file.is_file():
        found = sorted(p.parent.name for p in Path(criteria_dir).glob(f"*/{base_ref.level}.yaml"))
        return None, [
            *problems,
            at.problem_at(
                ("base", "version"),
                "base",
                "version",
                f"không có bộ tiêu chí phiên bản «{base_ref.version}» "
                f"{LEVELS[base_ref.level]} (cần tệp {base_file}); các phiên bản có: "
                f"{', '.join(found) or 'không có'}",
                code=ProblemCode.UNKNOWN_VERSION,
            ),
        ]
    try:
        same = loaded is not None and Path(loaded.source).resolve() == base_file.resolve()
        base = loaded if loaded is not None and same else load_criteria(base_file)
    except CriteriaError as err:
        invalid = at.problem_at(
            ("base", "version"),
            "base",
            "version",
            "bộ tiêu chí gốc có lỗi",
            code=ProblemCode.BASE_CRITERIA_INVALID,
        )
        return None, [*problems, invalid, *err.problems]
    weights_known = not refused & {*_WEIGHT_KINDS, None}
    applied = _apply_changes(changes, base, at, weights_known)
    problems += applied.problems
    criteria = None
    if not refused & {"threshold", None}:
        criteria, more = check_criteria(applied.criteria, file, applied.threshold_lines)
        problems += errors_only(more)
    if doc is None or criteria is None or errors_only(problems):
        return None, problems
    scenario = Scenario(
        doc.title,
        doc.description,
        base,
        criteria,
        applied.weights,
        tuple(doc.changes),
        source=file,
    )
    return scenario, problems


def load_scenario(path: str | Path, criteria_dir: str | Path) -> Scenario:
    """Read and check a scenario file; raise :class:`CriteriaError` listing every problem."""
    path = Path(path)
    document = read_yaml_document(path)  # raises CriteriaError if the file is unreadable
    scenario, problems = check_scenario(document.data, str(path), criteria_dir, document.lines)
    problems = document.repeated + problems
    if scenario is None or errors_only(problems):
        raise CriteriaError(problems)
    return replace(scenario, sha256=file_sha256(path))


def find_scenarios(criteria_dir: str | Path, level: str | None = None) -> list[Path]:
    """Scenario files in ``<criteria_dir>/kich-ban/``: all, or those whose base has ``level``."""
    paths = sorted((Path(criteria_dir) / SCENARIO_FOLDER).glob("*.yaml"))
    if level is None:
        return paths
    found = []
    for path in paths:
        try:
            raw = read_yaml(path)
        except CriteriaError:
            continue  # a broken scenario is reported when it is loaded, not listed here
        base = raw.get("base") if isinstance(raw, dict) else None
        if isinstance(base, dict) and base.get("level") == level:
            found.append(path)
    return found


@dataclass(frozen=True)
class WhatIf:
    """A scenario applied to one year's results: the results before and after."""

    scenario: Scenario
    before: ScoreResult
    after: ScoreResult

    @cached_property
    def comparison(self) -> pd.DataFrame:
        """Per unit and part, before and after (see :func:`compare`)."""
        return compare(self.before, self.after)

    @cached_property
    def transitions(self) -> pd.DataFrame:
        return level_transitions(self.comparison, self.after.criteria)


def apply_scenario(scenario: Scenario, before: ScoreResult) -> WhatIf:
    """Re-aggregate ``before``'s points matrix under the scenario (nothing is re-scored)."""
    if before.criteria.sha256 != scenario.base.sha256 or before.level != scenario.base.level:
        raise ValueError(
            f"Kết quả được chấm bằng bộ tiêu chí {before.criteria.version} "
            f"{LEVELS[before.level]}, kịch bản dựa trên {scenario.base.version} "
            f"{LEVELS[scenario.base.level]}"
        )
    parts, groups = aggregate(before.points, scenario.criteria, scenario.multipliers)
    after = ScoreResult(scenario.criteria, before.evidence, before.points, parts, groups)
    return WhatIf(scenario, before, after)


def compare(before: ScoreResult, after: ScoreResult) -> pd.DataFrame:
    """Per unit and part: required and achieved points, rate, converted points, rank and level.

    Columns ``<x>_before`` and ``<x>`` (after), ``rank_change`` (positive = climbed) and
    ``level_change`` (``lên``, ``xuống``, ``giữ``). Points as published (each side rounded as
    its criteria say), so every row can be checked by hand against the tables.
    """
    keep = [
        "unit",
        "part",
        "required",
        "achieved",
        "rate_published",
        "converted_published",
        "rank",
        "level",
    ]

    def published(result: ScoreResult) -> pd.DataFrame:
        rows = result.parts[keep].copy()
        decimals = result.criteria.rounding.points_decimals
        for column in ("required", "achieved"):
            rows[column] = round_half_up(rows[column], decimals)
        return rows

    table = published(after).merge(
        published(before), on=["unit", "part"], suffixes=("", "_before"), validate="1:1"
    )
    table["rank_change"] = table["rank_before"] - table["rank"]
    table["points_change"] = round_half_up(
        table["converted_published"] - table["converted_published_before"],
        after.criteria.rounding.points_decimals,
    )
    table["level_change"] = level_change(table, after.criteria)
    return table.sort_values(["part", "rank", "unit"]).reset_index(drop=True)


def level_transitions(comparison: pd.DataFrame, criteria: CriteriaSet) -> pd.DataFrame:
    """How many units went from each level to each level, per part, and which."""
    order = {p.code: [t.level for t in p.levels] for p in criteria.parts}
    rows = []
    for key, units in comparison.groupby(["part", "level_before", "level"], sort=False)["unit"]:
        part, before, after = cast(tuple[str, str, str], key)  # a part code, two level names
        rank = order.get(part, [])
        rows.append(
            {
                "part": part,
                "level_before": before,
                "level": after,
                "count": len(units),
                "units": ", ".join(sorted(units)),
                "_order": (
                    [p.code for p in criteria.parts].index(part),
                    rank.index(before) if before in rank else len(rank),
                    rank.index(after) if after in rank else len(rank),
                ),
            }
        )
    columns = ["part", "level_before", "level", "count", "units", "_order"]
    table = pd.DataFrame(rows, columns=columns)
    return table.sort_values("_order").drop(columns="_order").reset_index(drop=True)
