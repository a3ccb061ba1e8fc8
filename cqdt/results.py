"""The machine-readable result of a scoring run: what was published, for programs to read.

Every run that publishes official tables (``cqdt score``, ``cqdt report``, ``cqdt correct``)
writes, beside them, ``ket-qua-<level>-<year>.json``: per unit and part the maximum, excluded
and required points, achieved points, rate, converted points, level and rank (full precision and
as published), per unit and criterion the points and how they were computed, the rounding
policy, the criteria version and input hashes, and the warnings every output carries
(reconstructed criteria, synthetic data). Corrections, level counts and any later
program read this file instead of parsing Vietnamese sheets.

JSON rather than Parquet: no extra dependency (pyarrow alone is larger than the whole toolkit),
readable in any text editor and by any language, and the same result always gives the same
bytes (columns in a fixed order, numbers written with Python's shortest exact ``repr``), so a
run's files can be compared by hash.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from cqdt import __version__
from cqdt.caveats import output_warnings
from cqdt.criteria import Rounding
from cqdt.output import replaced_atomically
from cqdt.problems import InputError, Problem, ProblemCode
from cqdt.scoring import ScoreResult

FORMAT = "cqdt-ket-qua"
FORMAT_VERSION = 1
PART_COLUMNS = [
    "unit",
    "part",
    "max",
    "excluded",
    "required",
    "achieved",
    "rate",
    "converted",
    "rate_published",
    "converted_published",
    "level",
    "rank",
]
"""Columns of the per-unit, per-part table (:attr:`ScoreResult.parts`)."""
CRITERION_COLUMNS = ["unit", "criterion", "applicable", "max", "points", "explanation"]
"""Columns of the per-unit, per-criterion table; points are ``null`` where not applicable."""


def result_file(folder: str | Path, level: str, year: int) -> Path:
    """Where a run folder keeps the result of one level and year."""
    return Path(folder) / f"ket-qua-{level}-{year}.json"


@dataclass(frozen=True)
class SavedResult:
    """A result read back from its file: what was published and what it was computed from."""

    path: Path
    level: str
    year: int
    criteria: dict[str, str]
    """version, status, file name and SHA-256 of the criteria set."""
    survey: dict[str, str]
    """file name and SHA-256 of the survey."""
    warnings: list[str]
    """What the result is, when it is not official: reconstructed criteria, synthetic data."""
    rounding: Rounding
    parts: pd.DataFrame
    """:data:`PART_COLUMNS`, one row per unit and part."""
    criterion_points: pd.DataFrame
    """:data:`CRITERION_COLUMNS`, one row per unit and criterion."""

    def level_counts(self) -> dict[str, dict[str, int]]:
        """Units per level in each part (part -> level -> count, levels in name order)."""
        counts = self.parts.groupby(["part", "level"], sort=True).size()
        by_part: dict[str, dict[str, int]] = {}
        for (part, level), n in zip(counts.index.tolist(), counts.tolist(), strict=True):
            by_part.setdefault(part, {})[level] = n
        return by_part


def _columns(frame: pd.DataFrame, names: list[str]) -> dict[str, list[Any]]:
    """Columns as plain lists, NaN and NA as ``None`` (JSON has no NaN)."""
    columns = {}
    for name in names:
        values = frame[name].astype(object).tolist()
        columns[name] = [
            None
            if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))
            else value
            for value in values
        ]
    return columns


def write_result(result: ScoreResult, folder: str | Path, synthetic: bool = False) -> Path:
    """Write the result of one level and year into ``folder`` (see the module docstring);
    ``synthetic`` says the data are synthetic (sample data)."""
    criteria, evidence = result.criteria, result.evidence
    parts = result.parts.assign(rank=result.parts["rank"].astype("Int64"))
    explained = result.explanations
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "cqdt_version": __version__,
        "level": result.level,
        "year": result.year,
        "criteria": {
            "version": criteria.version,
            "status": criteria.status,
            "file": Path(criteria.source).name,
            "sha256": criteria.sha256,
        },
        "survey": {"file": Path(evidence.source).name, "sha256": evidence.sha256},
        "warnings": output_warnings(criteria.status != "official", synthetic),
        "rounding": criteria.rounding.model_dump(),
        "parts": _columns(parts, PART_COLUMNS),
        "criteria_points": _columns(explained, CRITERION_COLUMNS),
    }
    path = result_file(folder, result.level, result.year)
    path.parent.mkdir(parents=True, exist_ok=True)
    with replaced_atomically(path) as temporary:
        temporary.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return path


def _broken(path: Path, what: str) -> InputError:
    return InputError(
        [
            Problem(
                str(path),
                "",
                "",
                f"không phải tệp kết quả của cqdt ({what}): chọn thư mục kết quả do cqdt score "
                "hoặc cqdt report ghi, không sửa tay các tệp trong đó",
                code=ProblemCode.NOT_A_RESULT,
            )
        ]
    )


def read_result(path: str | Path) -> SavedResult:
    """Read a result file; :class:`~cqdt.problems.InputError` in Vietnamese if it is not one."""
    path = Path(path)
    try:
        document = json.loads(path.read_bytes().decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise _broken(path, "không đọc được nội dung JSON") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _broken(path, "thiếu dấu hiệu định dạng")
    if document.get("format_version") != FORMAT_VERSION:
        version = document.get("format_version")
        raise _broken(path, f"phiên bản định dạng {version!r} không đọc được")
    try:
        parts = pd.DataFrame(document["parts"], columns=PART_COLUMNS)
        points = pd.DataFrame(document["criteria_points"], columns=CRITERION_COLUMNS)
        parts["rank"] = parts["rank"].astype("Int64")
        for column in ("max", "excluded", "required", "achieved", "rate", "converted"):
            parts[column] = parts[column].astype(float)
        for column in ("rate_published", "converted_published"):
            parts[column] = parts[column].astype(float)
        points["points"] = points["points"].astype(float)
        return SavedResult(
            path,
            str(document["level"]),
            int(document["year"]),
            dict(document["criteria"]),
            dict(document["survey"]),
            [str(w) for w in document["warnings"]],
            Rounding.model_validate(document["rounding"]),
            parts,
            points,
        )
    except (KeyError, TypeError, ValueError):
        raise _broken(path, "thiếu hoặc sai cột") from None
