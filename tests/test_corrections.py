"""Corrections after appeals, for real: cqdt score publishes, cqdt correct reports the changes.

The change report is rendered twice per session (papermill, nbconvert, WeasyPrint), once per
run, and the two runs are compared byte for byte.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import papermill
import pytest
from hypothesis import HealthCheck, given, settings
from openpyxl import load_workbook
from pypdf import PdfReader

from cqdt.cli import main
from cqdt.corrections import folder_hashes
from cqdt.evidence import load_evidence
from cqdt.files import read_sheet
from cqdt.output import file_sha256
from cqdt.publishing.kinds import KINDS, correction, kind_module
from cqdt.scoring import score
from cqdt.tables import write_result_tables
from tests.conftest import ROOT, write_survey
from tests.test_scoring import surveys

SAMPLE = ROOT / "data" / "sample"
UNIT = "Thị xã Hương Thủy"


@pytest.fixture(scope="module")
def corrected(tmp_path_factory) -> dict:
    """A published run, corrected data for one unit, and two change-report runs."""
    tmp = tmp_path_factory.mktemp("dinh-chinh")
    data = tmp / "data"
    (data / "2020").mkdir(parents=True)
    shutil.copyfile(SAMPLE / "don_vi.csv", data / "don_vi.csv")
    shutil.copyfile(SAMPLE / "2020" / "huyen.csv", data / "2020" / "huyen.csv")
    common = ["--criteria", str(ROOT / "criteria"), "--data", str(data)]
    assert (
        main(
            ["score", *common, "--level", "huyen", "--year", "2020", "--out", str(tmp / "cong-bo")]
        )
        == 0
    )
    (published,) = (tmp / "cong-bo").iterdir()
    survey = pd.read_csv(data / "2020" / "huyen.csv", dtype=str, keep_default_na=False)
    row = survey["don_vi"] == UNIT
    assert survey.loc[row, ["so_cbcc", "so_may_tinh_cbcc"]].values.tolist() == [["43", "41"]]
    survey.loc[row, "so_may_tinh_cbcc"] = "43"  # the appeal: every civil servant has a computer
    fixed = tmp / "huyen-sau-phuc-khao.csv"
    survey.to_csv(fixed, index=False, encoding="utf-8-sig")
    before = folder_hashes(published)
    runs = []
    for n in range(2):
        out = tmp / f"ket-qua-{n}"
        args = ["correct", str(published), "--survey", str(fixed), *common]
        assert main([*args, "--level", "huyen", "--year", "2020", "--out", str(out)]) == 0
        (run,) = out.iterdir()
        runs.append(run)
    return {
        "published": published,
        "before": before,
        "runs": runs,
        "folder": runs[0] / "huyen-2020",
    }


def test_notebook_parameters_are_the_model_fields():
    names = set(papermill.inspect_notebook(str(correction.Parameters.notebook_path())))
    assert names == set(correction.Parameters.model_fields)
    assert "dinh-chinh" in KINDS and kind_module("dinh-chinh") is correction


@pytest.mark.slow
def test_the_published_run_is_left_untouched(corrected):
    assert folder_hashes(corrected["published"]) == corrected["before"]


@pytest.mark.slow
def test_change_tables_criterion_by_criterion_worked_by_hand(corrected):
    book = corrected["folder"] / "dinh-chinh-huyen-2020.xlsx"
    criteria = read_sheet(load_workbook(book)["Thay đổi theo tiêu chí"])
    # A1.1 (rate, max 5): 41/43 x 5 = 4.767 -> 4.77 published; 43/43 x 5 = 5.00 after
    assert criteria[
        ["Đơn vị", "Mã tiêu chí", "Điểm đã công bố", "Điểm sau đính chính"]
    ].values.tolist() == [[UNIT, "A1.1", 4.77, 5.0]]
    assert criteria["Chênh lệch"].tolist() == [0.23]  # rounded as published, not 0.2399…
    assert criteria["Cách tính sau đính chính"].tolist() == ["43/43 × 5,00 (tỷ lệ 100,00%)"]
    parts = read_sheet(load_workbook(book)["Thay đổi theo phần"])
    a = parts[(parts["Phần"] == "A") & (parts["Đơn vị"] == UNIT)].iloc[0]
    # nothing excluded in part A for this unit: converted moves by the same 0.23 of 50
    assert round(a["Điểm quy đổi sau đính chính"] - a["Điểm quy đổi đã công bố"], 2) == 0.23
    assert {type(r) for r in parts["Hạng đã công bố"]} == {int}  # numbers, not text
    others = parts[parts["Đơn vị"] != UNIT]
    assert (others["Điểm quy đổi đã công bố"] == others["Điểm quy đổi sau đính chính"]).all()


@pytest.mark.slow
def test_change_report_html_and_pdf_say_what_changed(corrected):
    page = (corrected["folder"] / "dinh-chinh-huyen-2020.html").read_text(encoding="utf-8")
    assert "ĐÍNH CHÍNH KẾT QUẢ" in page and UNIT in page and "43/43 × 5,00 (tỷ lệ 100,00%)" in page
    assert "report.prepare" not in page
    reader = PdfReader(corrected["folder"] / "dinh-chinh-huyen-2020.pdf")
    text = " ".join(p.extract_text() for p in reader.pages)
    assert "Thị xã" in text and "Tóm tắt thay đổi" in text
    assert not {"/CreationDate", "/ModDate"} & set(reader.metadata or {})
    # no van_ban.yaml in this data folder: issuer and signatory are the sample's, and it says so
    assert "Cơ quan ban hành và người ký là THÔNG TIN MẪU" in page
    assert all("THÔNG TIN BAN HÀNH MẪU" in p.extract_text() for p in reader.pages)


@pytest.mark.slow
def test_two_runs_on_the_same_inputs_give_identical_bytes(corrected):
    first, second = (run / "huyen-2020" for run in corrected["runs"])
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert {".xlsx", ".pdf", ".html", ".csv", ".ipynb"} <= {Path(n).suffix for n in names}
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.slow
def test_manifest_paths_are_relative_and_hashes_verify_the_files(corrected):
    run = corrected["runs"][0]
    manifest = json.loads((run / "manifest.json").read_text(encoding="utf-8"))
    (record,) = manifest["runs"]
    assert record["kind"] == "dinh-chinh"
    for name, digest in record["outputs"].items():
        assert file_sha256(run / record["folder"] / name) == digest
    for entry in record["inputs"].values():
        assert not Path(entry["path"]).is_absolute()
        assert file_sha256(Path(entry["path"])) == entry["sha256"]


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(table=surveys())
def test_result_tables_of_the_same_survey_are_the_same_bytes(
    mini_criteria, tmp_path_factory, table
):
    tmp = tmp_path_factory.mktemp("bytes")
    result = score(
        mini_criteria, load_evidence(write_survey(tmp / "s.csv", table), mini_criteria, 2020)
    )
    first = write_result_tables(result, tmp / "a")
    second = write_result_tables(result, tmp / "b")
    assert [p.read_bytes() for p in first] == [p.read_bytes() for p in second]


@pytest.mark.slow  # two whole `cqdt score` runs of every year: seconds of work
def test_two_score_runs_give_identical_files(tmp_path):
    common = [
        "score",
        "--criteria",
        str(ROOT / "criteria"),
        "--data",
        str(SAMPLE),
        "--level",
        "tinh",
    ]
    for n in range(2):
        assert main([*common, "--out", str(tmp_path / str(n))]) == 0
    (a,), (b,) = (list((tmp_path / str(n)).iterdir()) for n in range(2))
    first, second = folder_hashes(a), folder_hashes(b)
    # the manifest records when and how each run was made; every file it lists is the same
    del first["manifest.json"], second["manifest.json"]
    assert first == second != {}
