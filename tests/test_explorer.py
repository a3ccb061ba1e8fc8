"""The explorer: the same scenario machinery as `cqdt whatif`, and its notebook under papermill."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import nbformat
import papermill
import pytest

from cqdt.explorer import Explorer, ExplorerParameters, explore, ranking
from cqdt.problems import InputError, ProblemCode
from cqdt.publishing.execute import ensure_kernel
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def mini(mini_versioned):
    return mini_versioned


def test_threshold_slider_moves_one_unit_up(mini):
    criteria_dir, official = mini
    # level I from 87.5 % in every part: part B Một 87.5 % -> I (was II); Hai 85 % stays II
    what_if = explore(official, criteria_dir, thresholds={"I": 0.875, "II": 0.85})
    table = ranking(what_if, "B")
    assert table["Đơn vị"].tolist() == ["Đơn vị Một", "Đơn vị Hai", "Đơn vị Ba"]
    assert table["Mức"].tolist() == ["I", "II", "III"]
    assert table["Mức chính thức"].tolist() == ["II", "II", "III"]
    assert table["Điểm quy đổi"].tolist() == [17.5, 17.0, 5.0]
    assert table["Thay đổi hạng"].tolist() == ["0", "0", "0"]


def test_sliders_that_cross_are_reported_not_raised(mini):
    criteria_dir, official = mini
    with pytest.raises(InputError, match="ngưỡng xếp mức phải giảm dần") as caught:
        explore(official, criteria_dir, thresholds={"I": 0.8, "II": 0.85})
    assert {p.code for p in caught.value.problems} == {ProblemCode.THRESHOLDS_NOT_DECREASING}


def test_group_factor_of_one_changes_nothing(mini):
    criteria_dir, official = mini
    what_if = explore(official, criteria_dir, group_factors={"A1": 1.0, "B1": 1.0})
    assert what_if.scenario.changes == ()


def test_explorer_widgets_follow_the_package(mini):
    explorer = Explorer(
        ExplorerParameters(
            level="huyen",
            year=2020,
            criteria_dir=str(ROOT / "criteria"),
            data_dir=str(ROOT / "data" / "sample"),
        )
    )
    slider = explorer.weights.children[0]
    assert slider.description == "A1" and slider.value == 1
    slider.value = 1.1
    expected = ranking(
        explore(explorer.official, ROOT / "criteria", group_factors={"A1": 1.1}), "A"
    )
    assert f"<td>{expected['Đơn vị'][0]}</td>" in explorer.table.value
    first_points = f"{expected['Điểm quy đổi'][0]:.2f}".replace(".", ",")
    assert first_points in explorer.table.value
    explorer.thresholds.children[0].value = 0.8  # level I below level II: a message, no crash
    assert "ngưỡng xếp mức phải giảm dần" in explorer.message.value


@pytest.mark.slow
def test_notebook_runs_top_to_bottom_under_papermill(tmp_path):
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(ROOT / "notebooks" / "kham_pha.ipynb", folder)
    for name in ("criteria", "data"):
        (tmp_path / name).symlink_to(ROOT / name)
    out = tmp_path / "out.ipynb"
    papermill.execute_notebook(
        str(folder / "kham_pha.ipynb"),
        str(out),
        kernel_name=ensure_kernel(),
        cwd=str(folder),
        progress_bar=False,
    )
    nb = nbformat.read(out, as_version=4)
    last = nb.cells[-1].outputs[0]
    assert "application/vnd.jupyter.widget-view+json" in last["data"]
    assert not (tmp_path / "output").exists()  # the explorer writes no file


@pytest.mark.parametrize("path", sorted((ROOT / "notebooks").glob("*.ipynb")), ids=lambda p: p.name)
def test_shipped_notebooks_carry_no_outputs(path):
    """Notebooks are shipped clean: a notebook saved from JupyterLab must not be committed."""
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert "widgets" not in nb.metadata


@pytest.mark.slow
@pytest.mark.parametrize(
    ("ci", "code", "outcome", "reason"),
    [
        ("true", 1, "1 error", "Kiểm thử trình duyệt bắt buộc trong CI"),
        ("", 0, "1 skipped", "Bỏ qua kiểm thử trình duyệt"),
    ],
)
def test_missing_browser_fails_under_ci_and_is_skipped_elsewhere(
    tmp_path, ci, code, outcome, reason
):
    env = {**os.environ, "CI": ci, "CQDT_CHROMIUM": str(tmp_path / "khong-co-chromium")}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-rs",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests" / "test_explorer_browser.py"),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == code and outcome in run.stdout and reason in run.stdout
    assert "không tìm thấy trình duyệt chromium" in run.stdout
