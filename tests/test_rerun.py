"""``cqdt rerun``: a recorded run replayed from its manifest, compared byte for byte."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from cqdt.cli import main
from cqdt.publishing.rerun import COMPARISON_FILE, resolved_parameters
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A working folder with its own criteria and data, where commands run with relative paths."""
    shutil.copytree(ROOT / "criteria" / "1784-2018", tmp_path / "criteria" / "1784-2018")
    (tmp_path / "data" / "2020").mkdir(parents=True)
    for name in ("don_vi.csv", "GIA_LAP", "2020/huyen.csv"):
        shutil.copyfile(SAMPLE / name, tmp_path / "data" / name)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def score(out: str) -> Path:
    common = ["--criteria", "criteria", "--data", "data", "--level", "huyen", "--year", "2020"]
    assert main(["score", *common, "--out", out]) == 0
    (run,) = Path(out).iterdir()
    return run


def test_a_score_run_replays_byte_for_byte(workdir, capsys):
    run = score("cong-bo")
    capsys.readouterr()
    assert main(["rerun", str(run / "manifest.json"), "--out", "lai"]) == 0
    screen = capsys.readouterr().out
    assert "Mọi 5 tệp kết quả giống hệt từng byte với lần chạy gốc" in screen
    (replay,) = Path("lai").iterdir()
    assert replay.name.startswith("chay-lai-")
    assert (replay / COMPARISON_FILE).read_text(encoding="utf-8").startswith("Mọi 5 tệp")


def test_a_changed_input_stops_the_replay_naming_it(workdir, capsys):
    run = score("cong-bo")
    survey = workdir / "data" / "2020" / "huyen.csv"
    survey.write_bytes(survey.read_bytes().replace(b"43,41", b"43,43", 1))  # an appeal, unrecorded
    capsys.readouterr()
    assert main(["rerun", str(run), "--out", "lai"]) == 1
    err = capsys.readouterr().err
    assert "data/2020/huyen.csv, đầu vào «survey»: tệp đầu vào đã khác so với lần chạy gốc" in err
    assert not Path("lai").exists()  # before any work


def test_relative_paths_are_read_from_the_folder_the_command_runs_in(
    workdir, tmp_path_factory, monkeypatch, capsys
):
    run = score("cong-bo").absolute()
    record = json.loads((run / "manifest.json").read_text(encoding="utf-8"))["runs"][0]
    assert record["inputs"]["survey"]["path"] == "data/2020/huyen.csv"
    assert resolved_parameters(record["parameters"])["data_dir"] == str(workdir / "data")
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    capsys.readouterr()
    assert main(["rerun", str(run), "--out", "lai"]) == 1
    assert "không tìm thấy tệp đầu vào ghi trong manifest.json" in capsys.readouterr().err


def test_an_output_that_differs_is_listed(workdir, capsys):
    run = score("cong-bo")
    manifest = run / "manifest.json"
    recorded = json.loads(manifest.read_text(encoding="utf-8"))
    recorded["runs"][0]["outputs"]["huyen-2020-phan-B.csv"] = "0" * 64  # as if B had differed
    manifest.write_text(json.dumps(recorded), encoding="utf-8")
    capsys.readouterr()
    assert main(["rerun", str(run), "--out", "lai"]) == 1
    screen = capsys.readouterr().out
    assert "1 tệp không giống lần chạy gốc" in screen
    assert "huyen-2020/huyen-2020-phan-B.csv: khác (mã SHA-256 khác)" in screen


@pytest.mark.slow
def test_a_report_run_replays_byte_for_byte(sample_run, tmp_path, capsys):
    """The session's official report (PDF, annexes, Word, notebook) run again from its manifest."""
    capsys.readouterr()
    assert main(["rerun", str(sample_run), "--out", str(tmp_path), "--jobs", "1"]) == 0
    screen = capsys.readouterr().out
    record = json.loads((sample_run / "manifest.json").read_text(encoding="utf-8"))["runs"][0]
    assert any(name.endswith(".pdf") for name in record["outputs"])
    assert f"Mọi {len(record['outputs'])} tệp kết quả giống hệt từng byte" in screen
