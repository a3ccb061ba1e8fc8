"""The official tables of ``cqdt score``, published without a report, and their manifest record.

A score run is a published run like any report run: its folder holds, per level and year, the
official tables (CSV per part, one workbook) and the machine-readable result, and its
``manifest.json`` records, in the same form as the batch's (:class:`Outcome` records), the
inputs and every output with its SHA-256, so that ``cqdt correct`` can verify it and
``cqdt rerun`` replay it.
"""

from __future__ import annotations

from pathlib import Path

from cqdt.corrections import folder_hashes
from cqdt.publishing.outcome import Outcome, criteria_record, scored_inputs
from cqdt.results import read_result, write_result
from cqdt.scoring import ScoreResult
from cqdt.tables import write_result_tables
from cqdt.workspace import Workspace

SCORE_KIND = "diem"
"""The kind of a ``cqdt score`` run in its manifest, and the prefix of its folder."""


def publish_scores(workspace: Workspace, result: ScoreResult, run: Path) -> Outcome:
    """The official tables and the machine-readable result of one level and year, written into
    ``run/<level>-<year>/``, and the manifest's record of them (inputs and outputs hashed)."""
    name = f"{result.level}-{result.year}"
    subfolder = run / name
    write_result_tables(result, subfolder, workspace.districts(result.level), workspace.synthetic)
    saved = write_result(result, subfolder, workspace.synthetic)  # for corrections, programs
    return Outcome(
        SCORE_KIND,
        "Bảng xếp hạng chính thức (cqdt score)",
        "",
        result.level,
        result.year,
        name,
        {
            "level": result.level,
            "year": result.year,
            "criteria_dir": workspace.criteria_dir.as_posix(),
            "data_dir": workspace.data_dir.as_posix(),
        },
        scored_inputs(workspace, result),
        criteria=criteria_record(result.criteria),
        synthetic=workspace.synthetic,
        unit_count=len(result.evidence.units),
        outputs=folder_hashes(subfolder),
        levels=read_result(saved).level_counts(),
    )
