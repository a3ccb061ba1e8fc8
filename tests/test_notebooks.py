"""Every notebook runs again in the same kernel, as an analyst runs it in JupyterLab.

Run All, edit the parameter cell, Run All again: the new parameters take effect (each run is
checked for what it shows), a misspelt parameter is still refused. The official report's
notebook has its own such test (``test_publishing.py``); the explorer's widgets are built again
on each run and drive the new level.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

from cqdt.cli import main
from cqdt.publishing.execute import ensure_kernel
from cqdt.publishing.parameters import NOTEBOOKS
from tests.conftest import ROOT

CRITERIA = ROOT / "criteria"
SAMPLE = ROOT / "data" / "sample"
SCENARIO = CRITERIA / "kich-ban" / "huyen-b33-10-diem.yaml"


def _published(tmp: Path) -> Path:
    """A published district run (``cqdt score``) for the correction notebook."""
    out = tmp / "cong-bo"
    common = ["--criteria", str(CRITERIA), "--data", str(SAMPLE), "--out", str(out)]
    assert main(["score", *common, "--level", "huyen", "--year", "2020"]) == 0
    (run,) = out.iterdir()
    return run


def _runs(notebook: str, tmp: Path) -> tuple[dict, dict, str, str]:
    """Parameters of a first run, the edits of a second, and what each run shows."""
    common = {
        "level": "huyen",
        "year": 2020,
        "criteria_dir": str(CRITERIA),
        "data_dir": str(SAMPLE),
        "output_dir": str(tmp),
    }
    if notebook == "kham_pha.ipynb":
        return common, {"level": "xa"}, "huyen 2020", "xa 2020"
    if notebook == "kich_ban.ipynb":
        first = {**common, "scenario_files": [str(SCENARIO)]}
        return first, {"year": 2019}, "Dữ liệu năm 2020", "Dữ liệu năm 2019"
    if notebook == "nhieu_nam.ipynb":
        first = {**common, "years": [2019, 2020]}
        return first, {"years": [2018, 2019, 2020]}, "CẤP HUYỆN, 2019–2020", "CẤP HUYỆN, 2018–2020"
    if notebook == "do_nhay.ipynb":
        return {**common, "n": 64}, {"year": 2019}, "năm 2020", "năm 2019"
    if notebook == "dinh_chinh.ipynb":
        first = {
            **common,
            "published_run": str(_published(tmp)),
            "survey_file": str(SAMPLE / "2020" / "huyen.csv"),
            "report_date": "2021-01-14",
        }
        second = {"report_date": "2021-01-15"}
        return first, second, "ngày 14 tháng 01 năm 2021", "ngày 15 tháng 01 năm 2021"
    raise KeyError(notebook)


def _parameter_cell(nb: nbformat.NotebookNode, values: dict) -> None:
    (cell,) = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    cell.source = "\n".join(f"{name} = {value!r}" for name, value in values.items())


def _shown(nb: nbformat.NotebookNode) -> str:
    """Everything the executed cells show: HTML, text, and the explorer's state probe."""
    texts = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            assert output.get("output_type") != "error", output.get("evalue")
            data = output.get("data", {})
            texts.append(data.get("text/html", "") + data.get("text/plain", ""))
            texts.append(output.get("text", ""))
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", " ".join(texts)))


SHIPPED = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb") if p.name != "bao_cao.ipynb")


@pytest.mark.slow
@pytest.mark.parametrize("notebook", SHIPPED)
def test_notebook_runs_again_in_the_same_kernel_with_its_edited_parameters(notebook, tmp_path):
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    if notebook == "kham_pha.ipynb":  # what the explorer drives, read back from the kernel
        probe = "print(explorer.official.level, explorer.official.year)"
        nb.cells.append(nbformat.v4.new_code_cell(probe))
    first, second, shown_first, shown_second = _runs(notebook, tmp_path)
    client = NotebookClient(nb, kernel_name=ensure_kernel(), timeout=300)
    shown = []
    with client.setup_kernel(cwd=str(tmp_path)):
        for values in (first, first, {**first, **second}):  # the same twice, then edited
            _parameter_cell(nb, values)
            for index, cell in enumerate(nb.cells):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
            shown.append(_shown(nb))
        _parameter_cell(nb, {**first, "levle": "xa"})  # a misspelt parameter is still refused
        with pytest.raises(Exception, match=rf"tham số «levle» không có trong sổ {notebook}"):
            for index, cell in enumerate(nb.cells[:3]):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
    assert shown_first in shown[0] and shown_first in shown[1]
    assert shown_second in shown[2] and shown_first not in shown[2]
