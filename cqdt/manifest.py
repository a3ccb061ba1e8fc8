"""A run's ``manifest.json`` read back: is a published run still what was published?

Every run that publishes (``cqdt score``, ``report``, ``whatif``, ``sensitivity``, ``correct``)
records in ``manifest.json``, for each of its reports, the folder, the parameters, the inputs
(path and SHA-256) and every output file with its SHA-256 (:mod:`cqdt.publishing.batch` writes
it). Before anything reads a published run (``cqdt correct``, ``cqdt rerun``, the change
report's notebook), :func:`check_published` recomputes the hash of every file listed and
refuses, naming each file that differs, is missing, or was added afterwards, and a run without
manifest: edited numbers are never presented as what was published.

Paths of inputs may be relative (to the folder the command ran in, resolved here from the
current folder) or absolute: :func:`resolve` reads both.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cqdt.output import file_sha256
from cqdt.problems import InputError, Problem, ProblemCode

MANIFEST = "manifest.json"
NOT_LISTED = frozenset({MANIFEST, "index.html"})
"""Files of a run folder that are not outputs of a report: the record and the index page."""


def manifest_path(run_or_manifest: str | Path) -> Path:
    """The manifest of a run folder, or the manifest file itself."""
    path = Path(run_or_manifest)
    return path / MANIFEST if path.is_dir() else path


def _refused(path: Path, message: str, code: ProblemCode) -> InputError:
    return InputError([Problem(str(path), "", "", message, code=code)])


def read_manifest(run_or_manifest: str | Path) -> dict[str, Any]:
    """The manifest of a run; :class:`InputError` in Vietnamese when it is missing or unreadable."""
    path = manifest_path(run_or_manifest)
    if not path.is_file():
        raise _refused(
            path,
            "không có manifest.json: không kiểm tra được các tệp của lần chạy này có còn như khi "
            "công bố không, nên không dùng. Chọn thư mục do cqdt score, report hoặc correct ghi "
            "(lần chạy của cqdt score phiên bản cũ không có manifest.json: chấm lại)",
            ProblemCode.MISSING_MANIFEST,
        )
    try:
        manifest = json.loads(path.read_bytes().decode("utf-8"))
        runs = manifest["runs"]
        if not isinstance(runs, list) or not all(
            isinstance(r, dict) and isinstance(r.get("outputs"), dict) for r in runs
        ):
            raise TypeError
    except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        raise _refused(
            path,
            "không phải manifest.json của cqdt (không đọc được, hoặc thiếu danh sách «runs» và "
            "tệp kết quả): không sửa tay tệp này",
            ProblemCode.NOT_A_MANIFEST,
        ) from None
    return manifest


def listed_outputs(run: Path, manifest: dict[str, Any]) -> dict[Path, str]:
    """Every output file the manifest lists, as a path under ``run``, with its SHA-256."""
    return {
        run / str(record.get("folder", ".")) / name: str(digest)
        for record in manifest["runs"]
        for name, digest in record["outputs"].items()
    }


def verify_run(run: str | Path) -> list[Problem]:
    """Every way the files of a run differ from its manifest: changed, missing, added."""
    run = Path(run)
    manifest = read_manifest(run)
    listed = listed_outputs(run, manifest)
    problems = []
    for path, digest in listed.items():
        shown = path.relative_to(run).as_posix()
        if not path.is_file():
            problems.append(
                Problem(
                    str(run),
                    shown,
                    "",
                    "tệp có trong manifest.json nhưng không còn trong thư mục",
                    code=ProblemCode.PUBLISHED_FILE_MISSING,
                )
            )
        elif (actual := file_sha256(path)) != digest:
            problems.append(
                Problem(
                    str(run),
                    shown,
                    "",
                    "tệp đã bị sửa sau khi công bố: mã SHA-256 khác với manifest.json (ghi "
                    f"{digest[:12]}…, nay {actual[:12]}…)",
                    code=ProblemCode.PUBLISHED_FILE_CHANGED,
                )
            )
    present = {
        p
        for p in run.rglob("*")
        if p.is_file()
        and p.relative_to(run).as_posix() not in NOT_LISTED
        and not any(part.startswith(".") for part in p.relative_to(run).parts)
    }
    problems += [
        Problem(
            str(run),
            path.relative_to(run).as_posix(),
            "",
            "tệp không có trong manifest.json (được thêm vào sau khi công bố?)",
            code=ProblemCode.UNLISTED_FILE,
        )
        for path in sorted(present - set(listed))
    ]
    return problems


def check_published(run: str | Path) -> dict[str, Any]:
    """The manifest of a published run whose every file is as published; otherwise
    :class:`InputError` naming each file that is not (nothing is read from the run before)."""
    problems = verify_run(run)
    if problems:
        raise InputError(problems)
    return read_manifest(run)


def resolve(path: str | Path) -> Path:
    """A path recorded in a manifest: relative ones from the current folder, absolute as is."""
    return Path(path).expanduser().absolute()


def changed_inputs(records: list[dict[str, Any]]) -> list[Problem]:
    """Inputs of the manifest's reports whose file is missing or whose SHA-256 differs."""
    problems = []
    seen = set()
    for record in records:
        for role, entry in record.get("inputs", {}).items():
            path = resolve(entry["path"])
            if path in seen:
                continue
            seen.add(path)
            if not path.is_file():
                problems.append(
                    Problem(
                        entry["path"],
                        f"đầu vào «{role}»",
                        "",
                        "không tìm thấy tệp đầu vào ghi trong manifest.json (chạy lệnh từ đúng "
                        "thư mục làm việc của lần chạy gốc?)",
                        code=ProblemCode.FILE_NOT_FOUND,
                    )
                )
            elif file_sha256(path) != entry["sha256"]:
                problems.append(
                    Problem(
                        entry["path"],
                        f"đầu vào «{role}»",
                        "",
                        "tệp đầu vào đã khác so với lần chạy gốc (mã SHA-256 khác với "
                        "manifest.json): không chạy lại được trên cùng đầu vào",
                        code=ProblemCode.INPUT_CHANGED,
                    )
                )
    return problems
