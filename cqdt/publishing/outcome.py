"""What a planned report is and what became of it: the record every kind and the batch share.

A kind's ``plan`` function turns its inputs into :class:`Outcome` records (parameters checked,
inputs hashed); the batch runs them and fills in status, outputs and timings; the manifest and
the index are written from them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cqdt.output import file_sha256

if TYPE_CHECKING:
    from cqdt.criteria import CriteriaSet
    from cqdt.scoring import ScoreResult
    from cqdt.workspace import Workspace

OK, FAILED, INTERRUPTED = "thành công", "lỗi", "bị dừng"
"""Status of a report, as printed in the index and the manifest."""


@dataclass
class Outcome:
    """One report: what to run (kind, parameters, inputs) and what happened to it."""

    kind: str
    """The report kind (:data:`cqdt.publishing.kinds.KINDS`), first part of its file names."""
    title: str
    """What the document is, in Vietnamese (the index's first column)."""
    notebook: str
    """The notebook that presents it, a file of :data:`cqdt.publishing.parameters.NOTEBOOKS`."""
    level: str
    year: int
    folder: str
    """The report's sub-folder, relative to the run folder."""
    parameters: dict[str, Any]
    """Every parameter of the notebook, as validated by the kind's parameter model; those named
    in :attr:`paths` relative to the working folder the command ran in."""
    inputs: dict[str, dict[str, str]]
    """Input files by role: path relative to the working folder, SHA-256 (:func:`hashed_input`)."""
    compare_year: int | None = None
    first_year: int | None = None
    """For a report over several years (``first_year`` to :attr:`year`): the first."""
    criteria: dict[str, str] = field(default_factory=dict)  # version, status, label
    synthetic: bool = False
    unit_count: int | None = None
    note: str = ""
    """What planning found, in one Vietnamese sentence for the command line (may be empty)."""
    status: str = OK
    error: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # file name -> sha256
    seconds: dict[str, float] = field(default_factory=dict)
    levels: dict[str, dict[str, int]] = field(default_factory=dict)
    """Units per level in each part of the report's saved result (part -> level -> count)."""
    paths: list[str] = field(default_factory=list)
    """The parameters that are paths (relative to the working folder, like the inputs')."""

    @property
    def stem(self) -> str:
        """File name (without suffix) of the report's own outputs: ``<kind>-<level>-<year>``."""
        return f"{self.kind}-{self.level}-{self.year}"

    def notebook_parameters(self) -> dict[str, Any]:
        """The parameters to run the notebook with: paths made absolute from the working folder
        (the notebook runs in the report's folder)."""
        return {
            name: str(Path(value).resolve()) if name in self.paths and value else value
            for name, value in self.parameters.items()
        }


def relative_path(path: str | Path) -> str:
    """``path`` relative to the working directory the command runs in, with ``/`` (absolute
    only when it is on another drive), as the manifest records paths."""
    try:
        shown = os.path.relpath(path)
    except ValueError:  # Windows: another drive
        shown = str(Path(path).resolve())
    return Path(shown).as_posix()


def hashed_input(path: str | Path) -> dict[str, str]:
    """An input file for the manifest: its :func:`relative_path` and its SHA-256."""
    return {"path": relative_path(path), "sha256": file_sha256(path)}


def scored_inputs(workspace: Workspace, result: ScoreResult) -> dict[str, dict[str, str]]:
    """The inputs of one scored level and year, hashed: its survey, its criteria file and the
    unit register when the workspace has one."""
    inputs = {
        "survey": hashed_input(result.evidence.source),
        "criteria": hashed_input(result.criteria.source),
    }
    if workspace.units_file.exists():
        inputs["units"] = hashed_input(workspace.units_file)
    return inputs


def criteria_record(criteria: CriteriaSet) -> dict[str, str]:
    """The criteria set an outcome was computed with, as the manifest and the index show it."""
    return {"version": criteria.version, "status": criteria.status, "label": criteria.status_label}
