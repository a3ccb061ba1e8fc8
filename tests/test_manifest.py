"""A published run is verified against its manifest before anything reads it."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from cqdt.cli import main
from cqdt.manifest import changed_inputs, check_published, read_manifest, verify_run
from cqdt.output import file_sha256
from cqdt.problems import InputError, ProblemCode
from cqdt.publishing.kinds import correction
from cqdt.workspace import Workspace
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"


@pytest.fixture(scope="module")
def scored(tmp_path_factory) -> Path:
    """``cqdt score`` of the sample district level, 2020: a published run, never modified."""
    out = tmp_path_factory.mktemp("cong-bo")
    common = ["--criteria", str(ROOT / "criteria"), "--data", str(SAMPLE), "--out", str(out)]
    assert main(["score", *common, "--level", "huyen", "--year", "2020"]) == 0
    (run,) = out.iterdir()
    return run


@pytest.fixture
def published(scored: Path, tmp_path: Path) -> Path:
    """A copy of the published run a test may tamper with."""
    return Path(shutil.copytree(scored, tmp_path / scored.name))


def plan_correction(run: Path) -> list:
    workspace = Workspace.at(ROOT / "criteria", SAMPLE)
    survey = SAMPLE / "2020" / "huyen.csv"
    return correction.plan(workspace, run, survey, "huyen", 2020, date(2026, 11, 25))


def refusal(run: Path) -> list[tuple[str, ProblemCode]]:
    """(file, kind) of every reason the correction refuses the run, before any work."""
    with pytest.raises(InputError) as caught:
        plan_correction(run)
    return [(p.place, p.code) for p in caught.value.problems]


def test_a_score_run_records_every_file_and_its_hash(scored):
    manifest = read_manifest(scored)
    (record,) = manifest["runs"]
    assert (record["kind"], record["level"], record["year"]) == ("diem", "huyen", 2020)
    files = sorted(p.relative_to(scored / "huyen-2020").as_posix() for p in scored.rglob("*.*")
                   if p.name != "manifest.json")  # fmt: skip
    assert sorted(record["outputs"]) == files
    assert "ket-qua-huyen-2020.json" in files and "huyen-2020.xlsx" in files
    for name, digest in record["outputs"].items():
        assert file_sha256(scored / "huyen-2020" / name) == digest
    assert record["inputs"]["survey"]["sha256"] == file_sha256(SAMPLE / "2020" / "huyen.csv")
    assert verify_run(scored) == [] and changed_inputs(manifest["runs"]) == []
    assert plan_correction(scored)  # an untouched run is accepted


def test_a_published_table_edited_by_hand_is_refused_by_name(published):
    table = published / "huyen-2020" / "huyen-2020-phan-A.csv"
    edited = pd.read_csv(table, encoding="utf-8-sig")
    edited.loc[0, "Số điểm thực hiện được quy đổi"] += 1  # a better score, typed in afterwards
    edited.to_csv(table, index=False, encoding="utf-8-sig")
    assert refusal(published) == [
        ("huyen-2020/huyen-2020-phan-A.csv", ProblemCode.PUBLISHED_FILE_CHANGED)
    ]


def test_a_result_file_removed_or_a_file_added_is_refused(published):
    (published / "huyen-2020" / "huyen-2020.xlsx").unlink()
    (published / "huyen-2020" / "ket-qua-huyen-2020-sua.json").write_text("{}", encoding="utf-8")
    assert sorted(refusal(published)) == [
        ("huyen-2020/huyen-2020.xlsx", ProblemCode.PUBLISHED_FILE_MISSING),
        ("huyen-2020/ket-qua-huyen-2020-sua.json", ProblemCode.UNLISTED_FILE),
    ]


def test_a_run_without_manifest_is_refused(published):
    (published / "manifest.json").unlink()
    assert [code for _, code in refusal(published)] == [ProblemCode.MISSING_MANIFEST]
    with pytest.raises(InputError, match=r"không có manifest\.json"):
        check_published(published)


def test_a_manifest_that_is_not_cqdts_is_refused(published):
    (published / "manifest.json").write_text(json.dumps({"runs": "?"}), encoding="utf-8")
    assert [code for _, code in refusal(published)] == [ProblemCode.NOT_A_MANIFEST]


def test_inputs_are_checked_by_hash_relative_or_absolute(scored, tmp_path, monkeypatch):
    survey = tmp_path / "huyen.csv"
    survey.write_bytes((SAMPLE / "2020" / "huyen.csv").read_bytes())
    digest = file_sha256(survey)
    records = [
        {"inputs": {"survey": {"path": "huyen.csv", "sha256": digest}}},
        {"inputs": {"again": {"path": str(survey), "sha256": digest}}},
    ]
    monkeypatch.chdir(tmp_path)  # a relative path is read from the folder the command runs in
    assert changed_inputs(records) == []
    survey.write_bytes(survey.read_bytes() + b"\n")
    assert [p.code for p in changed_inputs(records)] == [ProblemCode.INPUT_CHANGED]
    survey.unlink()
    assert [p.code for p in changed_inputs(records)] == [ProblemCode.FILE_NOT_FOUND]
