"""Corrections after appeals: corrected data scored against a published run, and what changed.

A published run (a ``cqdt score`` or ``cqdt report`` run folder) holds, for each level and
year, the machine-readable result ``ket-qua-<level>-<year>.json`` (:mod:`cqdt.results`): the
numbers of every part and the points of every criterion with how they were computed.
:func:`read_published` reads what was published from it (never re-scoring the old data: the
published numbers are the reference), and :func:`changes_since` sets the corrected
:class:`~cqdt.scoring.ScoreResult` against it:

- per unit and part: converted points, rate, rank and level before and after;
- per unit and criterion whose points changed: points before and after, and why (how the
  points were computed, before and after, as printed in the detail sheet).

The published run is only read; :func:`folder_hashes` lets the caller prove it is untouched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cqdt.numbers import round_half_up
from cqdt.output import file_sha256
from cqdt.problems import InputError, Problem, ProblemCode
from cqdt.results import read_result, result_file
from cqdt.scoring import ScoreResult
from cqdt.tables import (
    CONVERTED_COLUMN,
    LEVEL_COLUMN,
    RANK_COLUMN,
    RATE_COLUMN,
    UNIT_COLUMN,
    official_table,
)


@dataclass(frozen=True)
class Published:
    """What a run published for one level and year."""

    source: Path
    """The result file it was read from."""
    parts: pd.DataFrame
    """unit, part, rank, rate (%), converted, level: as printed in the official tables."""
    details: pd.DataFrame
    """unit, criterion, points (NaN: not applicable), explanation."""


def find_published_result(run: Path, level: str, year: int) -> Path:
    """The result file of a level and year in a published run folder (:mod:`cqdt.results`)."""
    name = result_file("", level, year).name
    found = sorted(Path(run).glob(f"**/{name}"))
    if len(found) != 1:
        raise InputError(
            [
                Problem(
                    str(run),
                    "",
                    "",
                    f"cần đúng một tệp {name} trong lần chạy đã công bố (thư mục của cqdt score "
                    f"hoặc cqdt report), tìm thấy {len(found)}",
                    code=ProblemCode.NOT_EXACTLY_ONE_FILE,
                )
            ]
        )
    return found[0]


def read_published(run: Path, level: str, year: int) -> Published:
    """The published numbers of a level and year, read from the run's result file and rounded
    exactly as the official tables printed them."""
    saved = read_result(find_published_result(run, level, year))
    rounding, parts, points = saved.rounding, saved.parts, saved.criterion_points
    published_parts = pd.DataFrame(
        {
            "unit": parts["unit"].astype(str),
            "part": parts["part"].astype(str),
            "rank": parts["rank"].astype(int),
            "rate": round_half_up(parts["rate"] * 100, rounding.rate_percent_decimals),
            "converted": parts["converted_published"],
            "level": parts["level"].astype(str),
        }
    )
    details = pd.DataFrame(
        {
            "unit": points["unit"].astype(str),
            "criterion": points["criterion"].astype(str),
            "points": round_half_up(points["points"], rounding.points_decimals).where(
                points["applicable"].astype(bool)
            ),
            "explanation": points["explanation"].astype(str),
        }
    )
    return Published(saved.path, published_parts, details)


def folder_hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by path relative to it (``/`` separated)."""
    return {
        p.relative_to(folder).as_posix(): file_sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@dataclass(frozen=True)
class Changes:
    """Differences between a published run and the corrected result."""

    parts: pd.DataFrame
    """Every unit and part: before/after converted, rate, rank, level; ``changed``."""
    criteria: pd.DataFrame
    """Unit and criterion whose published points changed: before, after, why."""
    added: list[str]
    """Units in the corrected data that were not published."""
    removed: list[str]
    """Units published but absent from the corrected data."""

    @property
    def changed_units(self) -> list[str]:
        units = self.parts.loc[self.parts["changed"], "unit"]
        units = pd.concat([units, self.criteria["unit"]])
        return list(dict.fromkeys(units))


def changes_since(published: Published, corrected: ScoreResult) -> Changes:
    """What changed, part by part and criterion by criterion (see the module docstring)."""
    after = pd.concat(
        [official_table(corrected, p.code).assign(part=p.code) for p in corrected.criteria.parts],
        ignore_index=True,
    ).rename(
        columns={
            UNIT_COLUMN: "unit",
            RANK_COLUMN: "rank",
            RATE_COLUMN: "rate",
            CONVERTED_COLUMN: "converted",
            LEVEL_COLUMN: "level",
        }
    )[["unit", "part", "rank", "rate", "converted", "level"]]
    parts = published.parts.merge(
        after, on=["unit", "part"], how="outer", suffixes=("_before", "_after")
    )
    parts["changed"] = (
        ~np.isclose(parts["converted_before"], parts["converted_after"], atol=1e-9, equal_nan=True)
        | (parts["rank_before"] != parts["rank_after"])
        | (parts["level_before"].fillna("") != parts["level_after"].fillna(""))
    )
    decimals = corrected.criteria.rounding.points_decimals
    explained = corrected.explanations[["unit", "criterion", "points", "explanation"]].copy()
    explained["points"] = round_half_up(explained["points"], decimals)
    merged = published.details.merge(
        explained, on=["unit", "criterion"], how="inner", suffixes=("_before", "_after")
    )
    moved = ~np.isclose(merged["points_before"], merged["points_after"], atol=1e-9, equal_nan=True)
    criteria = merged[moved].reset_index(drop=True)
    criteria["delta"] = criteria["points_after"].fillna(0) - criteria["points_before"].fillna(0)
    before, now = set(published.parts["unit"]), set(after["unit"])
    order = list(dict.fromkeys([*published.parts["unit"], *after["unit"]]))
    return Changes(
        parts.sort_values(["part", "rank_after", "unit"]).reset_index(drop=True),
        criteria,
        [u for u in order if u in now - before],
        [u for u in order if u in before - now],
    )
