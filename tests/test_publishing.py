"""The report pipeline for real: papermill executes, nbconvert converts, WeasyPrint renders."""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import unicodedata
from pathlib import Path

import nbformat
import pandas as pd
import papermill
import pytest
from pypdf import PdfReader

from cqdt.publishing.batch import _describe, run_reports
from cqdt.publishing.execute import KERNEL_NAME, ensure_kernel, execute_report
from cqdt.publishing.kinds import official
from cqdt.publishing.kinds.official import Parameters as ReportParameters
from cqdt.publishing.render import html_to_pdf, notebook_to_html
from cqdt.tables import RATE_COLUMN, official_table
from cqdt.workspace import Workspace
from tests.conftest import ROOT

SAMPLE = ROOT / "data" / "sample"
CRITERIA = ROOT / "criteria"
HOSTILE = '<script>alert("x")</script> ../Huế/'


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


@pytest.fixture(scope="module")
def hostile_data(tmp_path_factory) -> Path:
    """Sample district data for 2020 with one unit renamed to markup and path characters."""
    data = tmp_path_factory.mktemp("data")
    (data / "2020").mkdir()
    survey = pd.read_csv(SAMPLE / "2020" / "huyen.csv", dtype=str, keep_default_na=False)
    survey.loc[survey["don_vi"] == "Thành phố Huế", "don_vi"] = HOSTILE
    survey.to_csv(data / "2020" / "huyen.csv", index=False, encoding="utf-8-sig")
    return data  # no register (don_vi.csv): the renamed unit is accepted


@pytest.fixture(scope="module")
def rendered(tmp_path_factory, hostile_data) -> dict:
    """One report executed, converted and rendered, shared by the tests below."""
    folder = tmp_path_factory.mktemp("report")
    notebook = folder / "bao-cao.ipynb"
    params = {
        "level": "huyen",
        "year": 2020,
        "criteria_dir": str(CRITERIA),
        "data_dir": str(hostile_data),
        "compare_year": 0,
        "report_date": "2026-11-25",
    }
    execute_report(
        notebook,
        ReportParameters.notebook_path(),
        ReportParameters.checked(params).model_dump(),
        timeout=300,
    )
    page = notebook_to_html(notebook)
    pdf = folder / "bao-cao.pdf"
    html_to_pdf(page, pdf)
    result = Workspace.at(CRITERIA, hostile_data).score("huyen", 2020)
    return {"folder": folder, "notebook": notebook, "html": page, "pdf": pdf, "result": result}


@pytest.mark.slow
def test_html_has_no_code_and_no_remote_resources(rendered):
    page = rendered["html"]
    assert "report.prepare" not in page and "from_namespace" not in page
    assert "jp-InputArea" not in page and "highlight" not in page
    assert "http://" not in page and "https://" not in page
    assert 'lang="vi"' in page


@pytest.mark.slow
def test_html_ranking_tables_equal_the_package_results(rendered):
    result = rendered["result"]
    tables = pd.read_html(
        io.StringIO(rendered["html"]),
        attrs={"class": "dataframe bang xep-hang"},
        decimal=",",
        thousands=".",
    )
    assert len(tables) == len(result.criteria.parts) == 3
    for part, shown in zip(("A", "B", "C"), tables, strict=True):
        expected = official_table(result, part)
        assert list(shown.columns) == list(expected.columns)
        assert shown["Đơn vị"].tolist() == expected["Đơn vị"].tolist()
        assert shown["STT"].tolist() == expected["STT"].astype(int).tolist()
        assert shown[RATE_COLUMN].tolist() == expected[RATE_COLUMN].tolist()  # in % (header)
        for column in (
            "Số điểm thực hiện",
            "Số điểm thực hiện được quy đổi",
            "Số điểm không đưa vào đánh giá",
        ):
            assert shown[column].tolist() == pytest.approx(expected[column].tolist(), abs=1e-9)
        assert shown["Xếp hạng mức độ"].tolist() == expected["Xếp hạng mức độ"].tolist()


@pytest.mark.slow
def test_hostile_unit_name_is_escaped_and_never_a_file_name(rendered):
    page = rendered["html"]
    assert '<script>alert("x")</script>' not in page
    assert "&lt;script&gt;alert(" in page
    names = [p.name for p in rendered["folder"].rglob("*")]
    assert not any("script" in n or "Huế" in n for n in names)
    assert sorted(n for n in names if n.endswith((".csv", ".xlsx", ".docx"))) == [
        "huyen-2020-phan-A.csv",
        "huyen-2020-phan-B.csv",
        "huyen-2020-phan-C.csv",
        "huyen-2020.xlsx",
        "phu-luc-xep-hang-huyen-2020.docx",
    ]


@pytest.mark.slow
def test_pdf_text_keeps_vietnamese_diacritics(rendered):
    reader = PdfReader(rendered["pdf"])
    text = squash(" ".join(page.extract_text() for page in reader.pages))
    for name in (
        "Huyện A Lưới",
        "Thị xã Hương Thủy",
        "Huyện Quảng Điền",
        "Xếp hạng mức độ",
        "BẢN TÁI DỰNG",
        "Điều kiện sẵn sàng chính quyền điện tử",
    ):
        assert name in text, name
    pages = [squash(page.extract_text()) for page in reader.pages]
    last = pages[-1]
    assert "BẢN TÁI DỰNG TIÊU CHÍ · CHỈ ĐỂ THAM KHẢO" in last  # every page is marked
    assert reader.pages[0].mediabox.width == pytest.approx(595.3, abs=1)  # A4


@pytest.mark.slow
def test_cover_says_reconstruction_and_synthetic_data(rendered, tmp_path):
    assert "BẢN TÁI DỰNG" in rendered["html"]
    assert "DỮ LIỆU GIẢ LẬP" not in rendered["html"]  # the hostile copy has no marker file
    assert (SAMPLE / "GIA_LAP").exists()


@pytest.mark.slow
def test_notebook_metadata_has_no_timestamps_or_paths(rendered):
    nb = nbformat.read(rendered["notebook"], as_version=4)
    assert not {"start_time", "end_time", "duration", "input_path", "output_path"} & set(
        nb.metadata.papermill
    )
    for cell in nb.cells:
        assert "execution" not in cell.metadata
        assert not {"start_time", "end_time"} & set(cell.metadata.get("papermill", {}))


def test_notebook_parameters_match_the_validated_model():
    declared = papermill.inspect_notebook(str(ReportParameters.notebook_path()))
    assert set(declared) == set(ReportParameters.model_fields)


def test_unknown_or_ill_typed_parameters_are_refused():
    with pytest.raises(ValueError, match=r"tham số «levle» không có trong sổ bao_cao\.ipynb"):
        ReportParameters.checked({"levle": "huyen", "level": "huyen", "year": 2020})
    with pytest.raises(ValueError, match="tham số «year» = '2020'"):
        ReportParameters.checked({"level": "huyen", "year": "2020"})
    with pytest.raises(ValueError, match="report_date"):
        ReportParameters.checked({"level": "huyen", "year": 2020, "report_date": "25/11/2026"})


@pytest.mark.slow
def test_plain_papermill_with_an_unknown_parameter_stops_the_notebook(tmp_path):
    # `papermill bao_cao.ipynb out.ipynb -p levl huyen` only warns; the notebook itself refuses
    output = tmp_path / "out.ipynb"
    with pytest.raises(papermill.PapermillExecutionError, match="«levl» không có trong sổ"):
        papermill.execute_notebook(
            str(ReportParameters.notebook_path()),
            str(output),
            parameters={"levl": "huyen"},
            kernel_name=ensure_kernel(),
            cwd=str(ReportParameters.notebook_path().parent),
            progress_bar=False,
        )
    assert "Thay đổi so với năm" not in output.read_text(encoding="utf-8")  # no report made


def test_kernel_is_registered_for_this_interpreter(tmp_path):
    from jupyter_client.kernelspec import KernelSpecManager

    manager = KernelSpecManager()
    shutil.rmtree(manager.get_kernel_spec(ensure_kernel()).resource_dir)
    assert ensure_kernel() == KERNEL_NAME
    import sys

    assert manager.get_kernel_spec(KERNEL_NAME).argv[0] == sys.executable


@pytest.mark.slow
def test_timeout_is_reported_and_the_notebook_kept(tmp_path):
    slow = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("level = 'huyen'\nyear = 2020")
    params.metadata["tags"] = ["parameters"]
    slow.cells = [params, nbformat.v4.new_code_cell("import time\ntime.sleep(30)")]
    slow.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    source = tmp_path / "cham.ipynb"
    nbformat.write(slow, source)
    output = tmp_path / "out.ipynb"
    with pytest.raises(Exception, match=r"[Tt]imed out|[Tt]imeout") as caught:
        execute_report(
            output,
            source,
            ReportParameters.checked({"level": "huyen", "year": 2020}).model_dump(),
            timeout=2,
        )
    assert _describe(caught.value).startswith("quá thời gian cho phép")
    assert output.exists()


def copy_sample_with_broken_year(root: Path) -> Path:
    data = root / "data"
    for year in ("2019", "2020"):
        (data / year).mkdir(parents=True)
        shutil.copy(SAMPLE / year / "huyen.csv", data / year / "huyen.csv")
    shutil.copy(SAMPLE / "don_vi.csv", data / "don_vi.csv")
    broken = pd.read_csv(data / "2019" / "huyen.csv", dtype=str, keep_default_na=False)
    assert broken.loc[2, "don_vi"] == "Thị xã Hương Trà"  # line 4 of the file
    broken.loc[2, "so_cbcc"] = "bốn mươi"
    broken.to_csv(data / "2019" / "huyen.csv", index=False, encoding="utf-8-sig")
    return data


@pytest.mark.slow
def test_batch_finishes_the_others_reports_the_failure_and_repeats_identically(tmp_path, capsys):
    data = copy_sample_with_broken_year(tmp_path)
    workspace = Workspace.at(CRITERIA, data)
    selected = [("huyen", 2019), ("huyen", 2020)]
    runs = []
    for name in ("out1", "out2"):
        code = run_reports(
            official.plan(workspace, selected, compare_year="none"),
            tmp_path / name,
            jobs=2,
            timeout=300,
            pdf=False,
        )
        assert code == 1
        (run,) = (tmp_path / name).iterdir()
        runs.append(run)
    err = capsys.readouterr().err
    assert "LỖI cấp huyện năm 2019" in err and "so_cbcc" in err

    manifest = json.loads((runs[0] / "manifest.json").read_text(encoding="utf-8"))
    by_year = {r["year"]: r for r in manifest["runs"]}
    assert by_year[2019]["status"] == "lỗi"
    assert (
        "dòng 4, đơn vị «Thị xã Hương Trà», trường «so_cbcc»: phải là một số"
        in by_year[2019]["error"]
    )
    assert by_year[2020]["status"] == "thành công"
    assert by_year[2020]["inputs"]["survey"]["sha256"]
    assert {"execute", "html"} <= set(by_year[2020]["seconds"])
    # the failed run keeps its executed notebook, with the error in it
    failed_nb = runs[0] / "huyen-2019" / "bao-cao-huyen-2019.ipynb"
    assert "phải là một số" in failed_nb.read_text(encoding="utf-8")
    # every output file is recorded with the hash of what is on disk
    for run in manifest["runs"]:
        assert run["compare_year"] is None and run["parameters"]["compare_year"] == 0
        assert run["criteria"]["status"] == "reconstructed" and run["synthetic"] is False
        folder = runs[0] / run["folder"]
        on_disk = {p.name for p in folder.iterdir() if not p.name.startswith(".")}
        assert not any(p.is_dir() for p in folder.iterdir())  # no PDF: no per-unit scorecards
        assert set(run["outputs"]) == on_disk
        for name, digest in run["outputs"].items():
            assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name
    assert "bao-cao-huyen-2020.html" in by_year[2020]["outputs"]
    assert by_year[2020]["unit_count"] == len(pd.read_csv(data / "2020" / "huyen.csv"))

    index = (runs[0] / "index.html").read_text(encoding="utf-8")
    assert 'href="huyen-2020/bao-cao-huyen-2020.html"' in index and "Lỗi:" in index
    assert f"Lần chạy {runs[0].name}," in index and ".dang-ghi" not in index
    assert "BẢN TÁI DỰNG" in index and "GIẢ LẬP" not in index  # no marker in this data folder
    assert "Sổ tính Jupyter (.ipynb)" in index and ">huyen-2020-phan-A.csv</a>" in index

    # identical inputs give identical bytes: every file the manifest lists, Word and notebook
    # included (a reused kernel goes on counting cells; the notebook is numbered from 1 again)
    first, second = (r / "huyen-2020" for r in runs)
    listed = by_year[2020]["outputs"]
    assert {".csv", ".xlsx", ".docx", ".json", ".html", ".ipynb"} <= {
        Path(n).suffix for n in listed
    }
    for name in listed:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    executed = nbformat.read(first / "bao-cao-huyen-2020.ipynb", as_version=4)
    counts = [c.execution_count for c in executed.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1))


@pytest.mark.slow
def test_a_dead_worker_fails_its_report_and_the_rest_is_still_recorded(tmp_path, capsys):
    # the notebook's kernel kills its parent, the worker process, as `kill -9` would
    nb = nbformat.v4.new_notebook()
    params = nbformat.v4.new_code_cell("level = 'huyen'\nyear = 2020")
    params.metadata["tags"] = ["parameters"]
    years = sorted(
        (2018, 2019, 2020), key=lambda y: -(SAMPLE / str(y) / "huyen.csv").stat().st_size
    )
    first, crashing, never_run = years  # one worker runs them largest survey first
    crash = f"import os, signal\nif year == {crashing}:\n    os.kill(os.getppid(), signal.SIGKILL)"
    nb.cells = [params, nbformat.v4.new_code_cell(crash)]
    nb.metadata["kernelspec"] = {"name": "python3", "language": "python", "display_name": "P"}
    notebook = tmp_path / "chet.ipynb"
    nbformat.write(nb, notebook)
    workspace = Workspace.at(CRITERIA, SAMPLE)
    selected = [("huyen", y) for y in (2018, 2019, 2020)]
    code = run_reports(
        official.plan(workspace, selected),
        tmp_path / "out",
        jobs=1,
        timeout=60,
        pdf=False,
        notebook=notebook,
    )
    assert code == 1
    (run,) = (tmp_path / "out").iterdir()
    assert not run.name.endswith("-chua-hoan-thanh")  # the run itself completed
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    by_year = {r["year"]: r for r in manifest["runs"]}
    assert by_year[first]["status"] == "thành công"
    assert f"bao-cao-huyen-{first}.html" in by_year[first]["outputs"]
    for year in (crashing, never_run):
        assert by_year[year]["status"] == "lỗi"
        assert by_year[year]["error"].startswith("tiến trình lập báo cáo dừng đột ngột: ")
    index = (run / "index.html").read_text(encoding="utf-8")
    assert f'href="huyen-{first}/bao-cao-huyen-{first}.html"' in index
    assert "Lỗi: tiến trình lập báo cáo dừng đột ngột" in index
    assert f"LỖI cấp huyện năm {crashing}: tiến trình" in capsys.readouterr().err


def test_comparing_a_report_with_its_own_year_means_no_comparison(tmp_path):
    workspace = Workspace.at(CRITERIA, SAMPLE)
    selected = [("huyen", 2019), ("huyen", 2020)]
    planned = official.plan(workspace, selected, "2019")
    assert [(o.year, o.compare_year, o.parameters["compare_year"]) for o in planned] == [
        (2019, None, 0),
        (2020, 2019, 2019),
    ]


@pytest.mark.slow
def test_notebook_runs_from_jupyterlab_with_its_own_defaults(tmp_path):
    # as an analyst opening notebooks/bao_cao.ipynb: cwd is notebooks/, defaults point to ../
    output = tmp_path / "jupyterlab.ipynb"
    notebook = ReportParameters.notebook_path()
    papermill.execute_notebook(
        str(notebook),
        str(output),
        parameters={"output_dir": str(tmp_path / "bang")},
        kernel_name=ensure_kernel(),
        cwd=str(notebook.parent),
        progress_bar=False,
    )
    assert (tmp_path / "bang" / "huyen-2020.xlsx").exists()
    assert "Thay đổi so với năm 2019" in output.read_text(encoding="utf-8")


@pytest.mark.slow
def test_notebook_runs_again_in_the_same_kernel_with_its_edited_parameters(tmp_path):
    # as an analyst in JupyterLab: Run All, edit the parameter cell, Run All again
    from nbclient import NotebookClient

    notebook = nbformat.read(ReportParameters.notebook_path(), as_version=4)
    (cell,) = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    own = (
        f"level = 'huyen'\nyear = {{year}}\ncriteria_dir = {str(CRITERIA)!r}\n"
        f"data_dir = {str(SAMPLE)!r}\ncompare_year = 0\noutput_dir = {str(tmp_path)!r}\n"
    )
    client = NotebookClient(notebook, kernel_name=ensure_kernel())
    shown = []
    with client.setup_kernel(cwd=str(tmp_path)):
        for year in (2020, 2020, 2019):  # the same twice, then the parameter cell edited
            cell.source = own.format(year=year)
            for index, code in enumerate(notebook.cells):
                if code.cell_type == "code":
                    client.execute_cell(code, index)
            cover = next(c for c in notebook.cells if "report.cover" in c.source)
            shown.append(cover.outputs[0]["data"]["text/html"])
        cell.source += "levle = 'xa'\n"  # a misspelt parameter is still refused
        with pytest.raises(Exception, match=r"tham số «levle» không có trong sổ bao_cao\.ipynb"):
            for index, code in enumerate(notebook.cells[:3]):
                if code.cell_type == "code":
                    client.execute_cell(code, index)
    assert shown[0] == shown[1]
    assert "Kết quả đánh giá mức độ chính quyền điện tử cấp huyện năm 2019" in shown[2]
