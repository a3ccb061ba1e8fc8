"""The explorer: the same scenario machinery as `cqdt whatif`, and its notebook under papermill."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import nbformat
import pandas as pd
import papermill
import pytest
import yaml

from cqdt.explorer import STALE_CLASS, Explorer, ExplorerParameters
from cqdt.exploring import (
    criterion_factors,
    explore,
    group_factors,
    max_edit,
    ranking,
    threshold_edit,
)
from cqdt.problems import InputError, ProblemCode
from cqdt.publishing.execute import ensure_kernel
from cqdt.tables import official_table
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def mini(mini_versioned):
    return mini_versioned


def test_threshold_slider_moves_one_unit_up(mini):
    criteria_dir, official = mini
    # level I from 87.5 % in every part: part B Một 87.5 % -> I (was II); Hai 85 % stays II
    what_if = explore(official, criteria_dir, edits=[threshold_edit("I", 0.875)])
    table = ranking(what_if, "B")
    assert table["Đơn vị"].tolist() == ["Đơn vị Một", "Đơn vị Hai", "Đơn vị Ba"]
    assert table["Mức"].tolist() == ["I", "II", "III"]
    assert table["Mức chính thức"].tolist() == ["II", "II", "III"]
    assert table["Điểm quy đổi"].tolist() == [17.5, 17.0, 5.0]
    assert table["Thay đổi hạng"].tolist() == ["0", "0", "0"]


def test_a_threshold_of_one_part_leaves_the_others(mini):
    criteria_dir, official = mini
    what_if = explore(official, criteria_dir, edits=[threshold_edit("II", 0.4, part="A")])
    levels = what_if.comparison.set_index(["unit", "part"])["level"]
    assert levels[("Đơn vị Hai", "A")] == "II"  # 40 % reaches the new level II of part A
    assert levels[("Đơn vị Ba", "B")] == "III"  # 25 % in part B, whose thresholds are kept


def test_thresholds_that_cross_are_reported_not_raised(mini):
    criteria_dir, official = mini
    with pytest.raises(InputError, match="ngưỡng xếp mức phải giảm dần") as caught:
        explore(official, criteria_dir, edits=[threshold_edit("I", 0.8)])
    assert {p.code for p in caught.value.problems} == {ProblemCode.THRESHOLDS_NOT_DECREASING}


def test_factors_are_relative_to_the_official_maxima(mini):
    criteria_dir, official = mini
    # B1.1 x 2 = 12 points: Một 8 + 8 + 5.5 = 21.5/26, Hai 12 + 5 + 6 = 23/26 (test_scenarios)
    what_if = explore(official, criteria_dir, edits=[max_edit(official.criteria, "B1.1", 2)])
    assert what_if.scenario.changes[0].max == 12
    b = what_if.comparison[what_if.comparison["part"] == "B"].set_index("unit")
    assert round(b.loc["Đơn vị Hai", "rate_published"] * 100, 2) == 88.46
    assert criterion_factors(what_if.scenario)["B1.1"] == 2
    assert group_factors(what_if.scenario)["B1"] == 26 / 20
    # a factor of 1 gives the official maximum: nothing moves
    same = explore(official, criteria_dir, edits=[max_edit(official.criteria, "A1", 1.0)])
    assert (same.comparison["rank_change"] == 0).all()
    assert (
        same.comparison["converted_published"] == same.comparison["converted_published_before"]
    ).all()


@pytest.fixture
def explorer():
    return Explorer(
        ExplorerParameters(
            level="huyen",
            year=2020,
            criteria_dir=str(ROOT / "criteria"),
            data_dir=str(ROOT / "data" / "sample"),
        )
    )


def test_explorer_widgets_follow_the_package(explorer):
    slider = explorer.weights.children[0].children[0]
    assert slider.description == "A1" and slider.value == 1
    assert "Cơ sở hạ tầng thông tin" in explorer.weights.children[0].children[1].value
    slider.value = 1.1
    expected = ranking(
        explore(
            explorer.official,
            ROOT / "criteria",
            edits=[max_edit(explorer.official.criteria, "A1", 1.1)],
        ),
        "A",
    )
    assert f"<td>{expected['Đơn vị'][0]}</td>" in explorer.table.value
    first_points = f"{expected['Điểm quy đổi'][0]:.2f}".replace(".", ",")
    assert first_points in explorer.table.value


def test_sliders_show_the_scenario_in_force_and_moving_back_is_honoured(explorer):
    explorer.scenario.value = str(ROOT / "criteria" / "kich-ban" / "huyen-muc-i-88.yaml")
    level_i = explorer.thresholds.children[0]
    assert explorer.values()[1] == {"I": 0.88, "II": 0.85}
    # Thị xã Hương Trà (88.53 % in part B) is level I under the scenario
    explorer.part.value = "B"
    assert _row(explorer, "Thị xã Hương Trà")[3] == "I"
    level_i.value = 0.9  # back to the official threshold: an edit, not a silent restore
    assert explorer.values()[1]["I"] == 0.9
    assert _row(explorer, "Thị xã Hương Trà")[3] == "II"
    document = explorer.document()
    assert document["changes"][-1] == {"change": "threshold", "level": "I", "min_rate": 0.9}
    explorer.scenario.value = str(ROOT / "criteria" / "kich-ban" / "huyen-b33-10-diem.yaml")
    assert explorer.edits == {}  # another scenario: start from it
    assert explorer.values()[0]["B3"] == pytest.approx(37 / 35)  # B3.3 from 8 to 10 points
    explorer.criterion.value = "B3.3"
    assert explorer.criterion_factor.value == 1.25


def test_slider_ranges_exclude_invalid_values(explorer):
    level_i, level_ii = explorer.thresholds.children
    assert (level_i.min, level_i.max) == (0.86, 1.0)  # above level II (85 %)
    assert (level_ii.min, level_ii.max) == (0.01, 0.89)  # above 0 (level III), below level I
    level_i.value = 0.5  # clamped, never crossing level II
    assert level_i.value == 0.86 and explorer.message.value == ""
    factor = explorer.weights.children[0].children[0]
    factor.value = 0
    assert factor.value == 0.05  # a group's maximum never reaches 0


def test_a_failed_update_marks_the_results_out_of_date(tmp_path):
    criteria = tmp_path / "criteria"
    shutil.copytree(ROOT / "criteria", criteria)
    changing = criteria / "kich-ban" / "huyen-doi.yaml"
    changing.write_bytes((ROOT / "criteria" / "kich-ban" / "huyen-muc-i-88.yaml").read_bytes())
    explorer = Explorer(
        ExplorerParameters(
            level="huyen",
            year=2020,
            criteria_dir=str(criteria),
            data_dir=str(ROOT / "data" / "sample"),
        )
    )
    before = explorer.table.value
    changing.write_text(changing.read_text(encoding="utf-8") + "  - {change: drop, code: Z9}\n")
    explorer.scenario.value = str(changing)  # the file went wrong after it was listed
    assert "mã «Z9» không phải mã tiêu chí hay nhóm nào" in explorer.message.value
    assert "Bảng dưới đây chưa cập nhật" in explorer.status.value
    assert STALE_CLASS in explorer.results._dom_classes and explorer.table.value == before
    explorer.scenario.value = ""
    assert explorer.status.value == "" and STALE_CLASS not in explorer.results._dom_classes


def test_export_writes_the_scenario_and_its_tables(explorer, tmp_path):
    explorer.params = explorer.params.model_copy(update={"output_dir": str(tmp_path)})
    explorer.weights.children[1].children[0].value = 1.5
    written = explorer.export_tables()
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith("kham-pha-huyen-2020-")
    assert sorted(p.name for p in written) == sorted(p.name for p in folder.iterdir())
    assert {"kich-ban.yaml", "kham-pha-huyen-2020.xlsx", "len-muc-huyen-2020.xlsx"} <= {
        p.name for p in written
    }
    saved = yaml.safe_load((folder / "kich-ban.yaml").read_text(encoding="utf-8"))
    assert saved["changes"] == [{"change": "set_max", "code": "A2", "max": 22.5}]
    assert "cqdt whatif" not in explorer.saved.value  # the export names its files
    path = explorer.save_scenario()  # a second folder: nothing overwritten
    assert len(list(tmp_path.iterdir())) == 2 and "cqdt whatif" in explorer.saved.value
    assert yaml.safe_load(path.read_text(encoding="utf-8"))["changes"] == saved["changes"]


def _row(explorer, unit: str) -> list[str]:
    (table,) = pd.read_html(io.StringIO(explorer.table.value))
    return [str(v) for v in table[table["Đơn vị"] == unit].iloc[0].tolist()]


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


def test_what_units_need_for_the_next_level_is_computed_when_asked(explorer):
    assert explorer.needs.value == ""  # closed: not computed at every move
    explorer.needs_box.selected_index = 0
    (table,) = pd.read_html(io.StringIO(explorer.needs.value), thousands=".", decimal=",")
    official = official_table(explorer.official, "A").set_index("Đơn vị")
    below = official[official["Xếp hạng mức độ"] != "I"]
    assert sorted(table["Đơn vị"]) == sorted(below.index)
    row = table.set_index("Đơn vị").loc[below.index[0]]
    # the shortfall, by hand from the published table: 90 % or 85 % of the required points
    target = 0.9 if below.iloc[0]["Xếp hạng mức độ"] == "II" else 0.85
    required = below.iloc[0]["Số điểm tối đa cần thực hiện"]
    assert row["Còn thiếu"] == round(target * required - below.iloc[0]["Số điểm thực hiện"], 2)
