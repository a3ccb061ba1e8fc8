"""Replaying a recorded run, as an auditor asks: same inputs, same parameters, the same bytes?

:func:`replay` reads a run's ``manifest.json`` (:mod:`cqdt.manifest`), checks every input it
records against its SHA-256 (a changed or missing input stops everything, each one named),
runs the same reports with the same parameters into a new folder
``<out>/chay-lai-<date>-<time>/<kind>-<date>-<time>/`` (a score run is scored again, a report
run goes through the batch) and compares every output with the hash the manifest recorded:
identical, different, missing or new. The comparison is printed and written beside the new run
(``doi-chieu.txt``), which stays a run like any other, verifiable by its own manifest.

Paths in a manifest may be relative (to the folder the command ran in) or absolute; relative
ones are read from the current folder, so run ``cqdt rerun`` where the original command ran.
A parameter is a path when its name ends in ``_dir``, ``_file`` or ``_run`` (``output_dir``
excepted: it is the report's own folder). Those a record lists in ``paths`` stay as recorded
(relative): the batch makes them absolute for the notebook only, as in the original run, so the
audit record that quotes them is the same.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from pathlib import Path
from typing import Any

from cqdt.manifest import changed_inputs, read_manifest, resolve
from cqdt.output import new_run_folder, replaced_atomically, staged_folder
from cqdt.problems import InputError, Problem, ProblemCode
from cqdt.publishing.batch import run_reports, write_manifest
from cqdt.publishing.kinds import KINDS
from cqdt.publishing.outcome import Outcome
from cqdt.publishing.scores import SCORE_KIND, publish_scores
from cqdt.workspace import Workspace

REPLAY_PREFIX = "chay-lai"
COMPARISON_FILE = "doi-chieu.txt"
PLANNED_FIELDS = {f.name for f in dataclasses.fields(Outcome)} - {
    "status",
    "error",
    "outputs",
    "seconds",
    "levels",
}
"""What a manifest record says about a report before it ran: everything else is its outcome."""


def _is_path(name: str) -> bool:
    return name != "output_dir" and name.endswith(("_dir", "_file", "_run"))


def resolved_parameters(
    parameters: dict[str, Any], kept: frozenset[str] = frozenset()
) -> dict[str, Any]:
    """A record's parameters with every relative path read from the current folder, except
    those ``kept`` as recorded."""
    return {
        name: str(resolve(value))
        if _is_path(name) and name not in kept and isinstance(value, str) and value
        else value
        for name, value in parameters.items()
    }


def planned_again(record: dict[str, Any]) -> Outcome:
    """The report a manifest record describes, as planned before it ran."""
    planned = {k: v for k, v in record.items() if k in PLANNED_FIELDS}
    kept = frozenset(record.get("paths", ()))  # made absolute by the batch, as the first time
    planned["parameters"] = resolved_parameters(record["parameters"], kept)
    return Outcome(**planned)


def _check(manifest_file: Path, records: list[dict[str, Any]]) -> None:
    """Every input as recorded, every kind known, one kind per run; else :class:`InputError`."""
    known = {*KINDS, SCORE_KIND}
    problems = [
        Problem(
            str(manifest_file),
            f"báo cáo «{record.get('kind')}»",
            "kind",
            f"không chạy lại được loại này; các loại: {', '.join(sorted(known))}",
            code=ProblemCode.NOT_A_MANIFEST,
        )
        for record in records
        if record.get("kind") not in known
    ]
    if not records:
        problems.append(
            Problem(
                str(manifest_file),
                "",
                "runs",
                "manifest.json không ghi báo cáo nào để chạy lại",
                code=ProblemCode.NOT_A_MANIFEST,
            )
        )
    if len({r.get("kind") == SCORE_KIND for r in records}) > 1:
        problems.append(
            Problem(
                str(manifest_file),
                "",
                "runs",
                "manifest.json ghi lẫn bảng điểm và báo cáo: không phải của một lần chạy cqdt",
                code=ProblemCode.NOT_A_MANIFEST,
            )
        )
    problems += changed_inputs(records)
    if problems:
        raise InputError(problems)


def _rescore(records: list[dict[str, Any]], out: Path) -> tuple[Path, int]:
    """Score every record again into a new score run; its folder and 0."""
    started = datetime.now()
    target = new_run_folder(out, SCORE_KIND, started)
    with staged_folder(target) as folder:
        outcomes = []
        for record in records:
            params = resolved_parameters(record["parameters"])
            workspace = Workspace.at(params["criteria_dir"], params["data_dir"])
            result = workspace.score(record["level"], int(record["year"]))
            outcomes.append(publish_scores(workspace, result, folder))
        write_manifest(outcomes, folder, started, jobs=1)
    return target, 0


def differences(recorded: dict[str, Any], replayed: dict[str, Any]) -> list[str]:
    """Every output of the recorded run that the replay did not give byte for byte (Vietnamese
    lines: changed, missing, new), report folder by report folder."""
    again = {r["folder"]: r["outputs"] for r in replayed["runs"]}
    lines = []
    for record in recorded["runs"]:
        folder, before = record["folder"], record["outputs"]
        after = again.get(folder, {})
        for name in sorted(before.keys() | after.keys()):
            if name not in after:
                lines.append(f"{folder}/{name}: lần chạy lại không tạo ra tệp này")
            elif name not in before:
                lines.append(f"{folder}/{name}: tệp mới, lần chạy gốc không có")
            elif before[name] != after[name]:
                lines.append(f"{folder}/{name}: khác (mã SHA-256 khác)")
    return lines


def replay(manifest: Path, out: Path, jobs: int = 0, timeout: int = 900) -> int:
    """Replay a recorded run (see the module docstring); 0 when every output is identical,
    1 when any differs or a report failed. Bad inputs raise :class:`InputError` first."""
    manifest_file = manifest / "manifest.json" if manifest.is_dir() else manifest
    recorded = read_manifest(manifest_file)
    records = recorded["runs"]
    _check(manifest_file, records)
    folder = new_run_folder(out, REPLAY_PREFIX)
    if records[0]["kind"] == SCORE_KIND:
        run, code = _rescore(records, folder)
    else:
        planned = [planned_again(r) for r in records]
        pdf = any(name.endswith(".pdf") for r in records for name in r["outputs"])  # --no-pdf?
        code = run_reports(
            planned, folder, prefix=records[0]["kind"], jobs=jobs, timeout=timeout, pdf=pdf
        )
        (run,) = (p for p in folder.iterdir() if p.is_dir())
    lines = differences(recorded, read_manifest(run))
    count = sum(len(r["outputs"]) for r in records)
    verdict = (
        f"Mọi {count} tệp kết quả giống hệt từng byte với lần chạy gốc ({manifest_file})."
        if not lines
        else f"{len(lines)} tệp không giống lần chạy gốc ({manifest_file}):"
    )
    text = "\n".join([verdict, *(f"  {line}" for line in lines)]) + "\n"
    with replaced_atomically(folder / COMPARISON_FILE) as temporary:
        temporary.write_text(text, encoding="utf-8")
    print(text, end="")
    print(f"Lần chạy lại ghi tại: {run}")
    return 1 if lines or code else 0
