"""The explorer's state as scenario changes: computed, shown and saved without any widget.

The explorer (:mod:`cqdt.explorer`) applies a scenario file's changes, then its own edits, each
a scenario change relative to the official criteria: a group's or a criterion's maximum as a
factor of its official maximum (:func:`max_edit`), a level's threshold in every part or in one
(:func:`threshold_edit`). :func:`explore` applies them with the machinery of ``cqdt whatif``;
the values in force (:func:`group_factors`, :func:`criterion_factors`, :func:`thresholds_of`)
are what its sliders show; :func:`scenario_document` is the state as a scenario file, which
``cqdt whatif`` reproduces exactly since it holds the very changes that were applied.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from cqdt.caveats import output_warnings
from cqdt.criteria import CriteriaSet
from cqdt.next_level import next_level, write_next_level_tables
from cqdt.numbers import format_points
from cqdt.problems import InputError
from cqdt.scenarios import Scenario, WhatIf, apply_scenario, check_scenario, load_scenario
from cqdt.scoring import ScoreResult
from cqdt.whatif_tables import write_whatif_tables

ALL_PARTS = ""
"""The scope of a threshold edit that applies to every part."""


def _official_max(base: CriteriaSet, code: str) -> float:
    """The official maximum of a group or criterion."""
    for part in base.parts:
        for group in part.groups:
            if group.code == code:
                return float(group.max)
            for crit in group.criteria:
                if crit.code == code:
                    return float(crit.max)
    raise KeyError(code)


def max_edit(base: CriteriaSet, code: str, factor: float) -> dict[str, Any]:
    """A group's or a criterion's maximum set to ``factor`` × its official maximum."""
    return {"change": "set_max", "code": code, "max": round(factor * _official_max(base, code), 6)}


def threshold_edit(level: str, rate: float, part: str = ALL_PARTS) -> dict[str, Any]:
    """A level's lowest rate, in one part or (``part`` empty) in every part."""
    edit: dict[str, Any] = {"change": "threshold", "level": level, "min_rate": round(rate, 6)}
    return {**edit, "part": part} if part else edit


def explore(
    official: ScoreResult,
    criteria_dir: str | Path,
    scenario_file: str | Path | None = None,
    edits: Sequence[dict[str, Any]] = (),
) -> WhatIf:
    """The official result under a scenario file's changes, then ``edits`` (scenario changes,
    e.g. from :func:`max_edit` and :func:`threshold_edit`), checked as a scenario file is.

    Raises :class:`~cqdt.problems.InputError` with every problem (e.g. thresholds that no
    longer descend).
    """
    changes = file_changes(scenario_file, criteria_dir) if scenario_file else []
    return explore_changes(official, criteria_dir, [*changes, *edits])


def explore_changes(
    official: ScoreResult, criteria_dir: str | Path, changes: Sequence[dict[str, Any]]
) -> WhatIf:
    """The official result under scenario changes, checked (:func:`explore`)."""
    document = scenario_document(official.criteria, changes)
    scenario, problems = check_scenario(
        document, "khám phá", criteria_dir, loaded=official.criteria
    )
    if scenario is None:
        raise InputError(problems)
    return apply_scenario(scenario, official)


def file_changes(scenario_file: str | Path, criteria_dir: str | Path) -> list[dict[str, Any]]:
    """A scenario file's changes, checked, as they are written in a scenario file."""
    scenario = load_scenario(scenario_file, criteria_dir)
    return [c.model_dump(exclude_none=True) for c in scenario.changes]


def scenario_document(
    base: CriteriaSet,
    changes: Sequence[dict[str, Any]],
    title: str = "Khám phá",
    description: str = "",
) -> dict[str, Any]:
    """The scenario file of a state of the explorer: its base and changes."""
    return {
        "title": title,
        "description": description,
        "base": {"version": Path(base.source).parent.name, "level": base.level},
        "changes": list(changes),
    }


def group_factors(scenario: Scenario) -> dict[str, float]:
    """Each group's maximum under the scenario, as a factor of its official maximum."""
    table = scenario.base.criteria_table().set_index("criterion")
    totals = scenario.weights.groupby(table["group"]).sum()
    return {g.code: float(totals[g.code] / g.max) for p in scenario.base.parts for g in p.groups}


def criterion_factors(scenario: Scenario) -> dict[str, float]:
    """Each criterion's maximum under the scenario, as a factor of its official maximum."""
    return {c.code: float(scenario.weights[c.code] / c.max) for c in scenario.base.criteria}


def thresholds_of(scenario: Scenario, part: str) -> dict[str, float]:
    """The lowest rate of every level but the last, in one part, under the scenario."""
    (own,) = [p for p in scenario.criteria.parts if p.code == part]
    return {t.level: t.min_rate for t in own.levels[:-1]}


def ranking(what_if: WhatIf, part: str) -> pd.DataFrame:
    """One part's ranking under the scenario against the official one (Vietnamese headers)."""
    rows = what_if.comparison[what_if.comparison["part"] == part]
    change = rows["rank_change"].astype(int)
    return pd.DataFrame(
        {
            "Hạng": rows["rank"].astype(str),
            "Đơn vị": rows["unit"],
            "Điểm quy đổi": rows["converted_published"].astype(float),
            "Mức": rows["level"],
            "Hạng chính thức": rows["rank_before"].astype(str),
            "Thay đổi hạng": change.map(lambda n: f"+{n}" if n > 0 else str(n)),
            "Mức chính thức": rows["level_before"],
        }
    ).reset_index(drop=True)


def needs_table(what_if: WhatIf, part: str) -> pd.DataFrame:
    """Units of a part below the best level under the scenario: points short and the plan."""
    found = next_level(what_if.after, what_if.scenario.multipliers, parts=[part])
    plans = (
        found.options[found.options["in_plan"]]
        .assign(
            step=lambda t: (
                t["criterion"] + ": " + t["change"] + " (+" + t["gain"].map(format_points) + ")"
            )
        )
        .groupby("unit", sort=False)["step"]
        .agg("; ".join)
    )
    return pd.DataFrame(
        {
            "Đơn vị": found.needs["unit"],
            "Mức": found.needs["level"],
            "Lên mức": found.needs["next_level"],
            "Còn thiếu": found.needs["short"].astype(float),
            "Cách tính": found.needs["explanation"],
            "Ít thay đổi số liệu nhất": found.needs["unit"].map(plans).fillna("–"),
        }
    )


def write_scenario(document: dict[str, Any], folder: Path) -> Path:
    """``<folder>/kich-ban.yaml`` (a new folder: nothing is ever overwritten)."""
    folder.mkdir(parents=True)
    path = folder / "kich-ban.yaml"
    with path.open("x", encoding="utf-8") as file:
        yaml.safe_dump(document, file, allow_unicode=True, sort_keys=False)
    return path


def write_state(
    folder: Path, document: dict[str, Any], what_if: WhatIf, synthetic: bool
) -> list[Path]:
    """The explorer's state into a new ``folder``: the scenario file (``kich-ban.yaml``), the
    what-if tables and the next-level tables of the scenario's result."""
    path = write_scenario(document, folder)
    after = what_if.after
    warnings = output_warnings(after.criteria.status != "official", synthetic)
    stem = f"kham-pha-{after.level}-{after.year}"
    found = next_level(after, what_if.scenario.multipliers)
    return [
        path,
        *write_whatif_tables([what_if], folder, stem, warnings),
        *write_next_level_tables(found, after, folder, warnings),
    ]
