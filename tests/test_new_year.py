"""A year the sample never had (2021), end to end through the command line, as an office runs it.

Template; a dozen commune forms filled with openpyxl as clerks fill them (numbers typed with
three decimals, a name typed in decomposed Unicode, a criterion marked not applicable, a
resubmission); collect; score; report; an appeal through ``correct``; then a published table
edited by hand, which ``correct`` refuses, naming the file. Nothing in the code knows 2021.
"""

from __future__ import annotations

import contextlib
import io
import shutil
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from cqdt.cli import main
from cqdt.criteria import load_criteria
from cqdt.evidence import load_evidence
from cqdt.files import read_sheet
from tests.conftest import ROOT
from tests.test_forms import fill, saved_at

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::UserWarning")]

SAMPLE = ROOT / "data" / "sample"
YEAR = "2021"
LEVEL = ["--level", "xa", "--year", YEAR]
NAM_DONG = [f"H08-{n:02d}" for n in (1, 2, 3, 4, 5, 8, 9, 10, 11, 12)]  # every commune there
QUANG_DIEN = ["H05-01", "H05-02"]
DECOMPOSED, NOT_APPLICABLE, RESUBMITTED, APPEALED = "H08-03", "H08-04", "H08-05", "H08-08"


@dataclass
class Cycle:
    root: Path
    forms: Path
    collected: Path = Path()
    published: Path = Path()
    reported: Path = Path()
    corrected: Path = Path()
    typed: dict[str, dict] = field(default_factory=dict)
    """Code -> the answers the clerk typed in the form that counts."""
    screens: dict[str, tuple[int, str, str]] = field(default_factory=dict)
    """Step -> exit code, standard output, standard error."""

    def run(self, step: str, *args: str) -> int:
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
        self.screens[step] = (code, out.getvalue(), err.getvalue())
        return code


def typed_answers(row: pd.Series, criteria) -> dict:
    """A 2020 sample row as a clerk types it in 2021: numbers as numbers, money and bandwidth
    with three decimals (12.345 million đồng is typed 12.345), answers from the list."""
    answers: dict = {"don_vi": row["don_vi"], "khong_ap_dung": ""}
    for spec in criteria.inputs:
        text = row[spec.field]
        if spec.type == "yes_no" or text == "":
            answers[spec.field] = text
        elif spec.type == "count":
            answers[spec.field] = int(text)
        else:
            answers[spec.field] = (
                round(float(text) + 0.345, 3) if "diem" not in spec.field else float(text)
            )
    return answers


@pytest.fixture(scope="module")
def cycle(tmp_path_factory) -> Cycle:
    root = tmp_path_factory.mktemp("nam-2021")
    shutil.copytree(ROOT / "criteria" / "1784-2018", root / "criteria" / "1784-2018")
    (root / "data").mkdir()
    shutil.copyfile(SAMPLE / "don_vi.csv", root / "data" / "don_vi.csv")
    c = Cycle(root, root / "phieu-da-nhan")
    inputs = ["--criteria", str(root / "criteria"), "--data", str(root / "data")]
    assert c.run("template", "template", *inputs, *LEVEL, "--out", str(root / "phieu")) == 0
    (template_run,) = (root / "phieu").iterdir()
    template = template_run / f"phieu-xa-{YEAR}.xlsx"

    criteria = load_criteria(root / "criteria" / "1784-2018" / "xa.yaml")
    sample = pd.read_csv(SAMPLE / "2020" / "xa.csv", dtype=str, keep_default_na=False)
    c.forms.mkdir()
    for code in NAM_DONG + QUANG_DIEN:
        answers = typed_answers(sample[sample["ma_don_vi"] == code].iloc[0], criteria)
        if code == DECOMPOSED:  # Unikey's «Unicode tổ hợp»: looks the same, other code points
            answers["don_vi"] = unicodedata.normalize("NFD", answers["don_vi"])
        if code == NOT_APPLICABLE:  # no level-3/4 applications this year: B3.3 cannot be computed
            answers |= {"khong_ap_dung": "B3.3", "so_hs_truc_tuyen": "", "so_hs_dvc_muc34": ""}
        if code == RESUBMITTED:  # first sent with 85% typed for trained staff, then corrected
            wrong = answers | {"so_cbcc_tap_huan": 0.85}
            saved_at(
                fill(template, c.forms / f"{code}-lan-1.xlsx", wrong), datetime(2022, 1, 10, 9)
            )
            saved_at(
                fill(template, c.forms / f"{code}-lan-2.xlsx", answers), datetime(2022, 1, 12, 15)
            )
        else:
            fill(template, c.forms / f"{code}.xlsx", answers)
        c.typed[code] = answers

    collect = ["collect", str(c.forms), *inputs, *LEVEL, "--keep-latest"]
    assert c.run("collect", *collect, "--out", str(root / "thu-thap")) == 0
    (c.collected,) = (root / "thu-thap").iterdir()
    data = ["--criteria", str(root / "criteria"), "--data", str(c.collected)]
    assert c.run("score", "score", *data, *LEVEL, "--out", str(root / "cong-bo")) == 0
    (c.published,) = (root / "cong-bo").iterdir()
    report = ["report", *data, *LEVEL, "--report-date", "2022-03-15", "--jobs", "1"]
    assert c.run("report", *report, "--out", str(root / "bao-cao")) == 0
    (c.reported,) = (root / "bao-cao").iterdir()

    appeal = pd.read_csv(c.collected / YEAR / "xa.csv", dtype=str, keep_default_na=False)
    row = appeal["ma_don_vi"] == APPEALED
    appeal.loc[row, "so_may_tinh_cbcc"] = appeal.loc[row, "so_cbcc"]  # every civil servant has one
    appeal.to_csv(root / "xa-sau-phuc-khao.csv", index=False, encoding="utf-8-sig")
    correct = ["correct", str(c.published), "--survey", str(root / "xa-sau-phuc-khao.csv")]
    assert c.run("correct", *correct, *data, *LEVEL, "--out", str(root / "dinh-chinh")) == 0
    (c.corrected,) = (root / "dinh-chinh").iterdir()

    table = c.published / f"xa-{YEAR}" / f"xa-{YEAR}-phan-A.csv"
    edited = pd.read_csv(table, encoding="utf-8-sig")
    edited.loc[len(edited) - 1, "Số điểm thực hiện được quy đổi"] = 30.0  # the last, made first
    edited.to_csv(table, index=False, encoding="utf-8-sig")
    c.run("correct-edited", *correct, *data, *LEVEL, "--out", str(root / "dinh-chinh-2"))
    return c


def test_the_template_is_made_for_a_year_the_sample_never_had(cycle):
    code, out, _ = cycle.screens["template"]
    assert code == 0 and "Phiếu khảo sát cấp xã năm 2021 (145 đơn vị trong danh mục)" in out


def test_collect_keeps_every_valid_form_with_its_typed_numbers_and_provenance(cycle):
    code, out, err = cycle.screens["collect"]
    assert code == 0 and err == ""
    assert "Đã đọc 13 tệp phiếu; 12 phiếu hợp lệ vào bảng khảo sát" in out
    assert (
        f"dùng phiếu {RESUBMITTED}-lan-2.xlsx (lưu sau cùng); không dùng: {RESUBMITTED}-lan-1.xlsx"
        in out
    )
    survey = pd.read_csv(cycle.collected / YEAR / "xa.csv", dtype=str, keep_default_na=False)
    assert sorted(survey["ma_don_vi"]) == sorted(NAM_DONG + QUANG_DIEN)
    decomposed = survey.set_index("ma_don_vi").loc[DECOMPOSED, "don_vi"]
    assert decomposed == unicodedata.normalize("NFC", decomposed) == "Xã Hương Sơn"
    assert (
        survey.set_index("ma_don_vi").loc[RESUBMITTED, "tep_phieu"] == f"{RESUBMITTED}-lan-2.xlsx"
    )
    criteria = load_criteria(cycle.root / "criteria" / "1784-2018" / "xa.yaml")
    evidence = load_evidence(cycle.collected / YEAR / "xa.csv", criteria, 2021)
    codes = dict(zip(survey["don_vi"], survey["ma_don_vi"], strict=True))
    for unit, values in evidence.values.iterrows():
        typed = cycle.typed[codes[unit]]
        assert values["kinh_phi_cntt"] == typed["kinh_phi_cntt"]  # e.g. 20.345, never refused
        assert values["so_cbcc_tap_huan"] == typed["so_cbcc_tap_huan"]
    assert evidence.not_applicable.loc[
        evidence.codes[evidence.codes == NOT_APPLICABLE].index[0], "B3.3"
    ]


def test_the_summary_counts_by_district_and_names_the_units_that_sent_nothing(cycle):
    book = openpyxl.load_workbook(cycle.collected / f"tong-hop-thu-thap-xa-{YEAR}.xlsx")
    counts = read_sheet(book["Số lượng"]).set_index("Thuộc")
    assert counts.loc["Huyện Nam Đông"].tolist() == [10, 10, 10, 0, 0]
    assert counts.loc["Huyện Quảng Điền"].tolist() == [11, 2, 2, 0, 9]
    assert counts.loc["Cộng"].tolist() == [145, 12, 12, 0, 133]
    units = read_sheet(book["Đơn vị"])
    assert (units["Tình trạng"] == "chưa gửi").sum() == 133
    feedback = sorted(p.name for p in (cycle.collected / "phan-hoi").glob("*.html"))
    assert feedback == sorted(f"{code}.html" for code in NAM_DONG + QUANG_DIEN)


def test_score_and_report_work_for_the_new_year(cycle):
    assert cycle.screens["score"][0] == 0 and cycle.screens["report"][0] == 0
    folder = cycle.reported / f"xa-{YEAR}"
    assert (folder / f"bao-cao-xa-{YEAR}.pdf").stat().st_size > 0
    cards = sorted(p.name for p in (folder / f"phu-luc-phieu-diem-xa-{YEAR}").glob("*.pdf"))
    assert len(cards) == 12 and all(name[4:-4].upper() in NAM_DONG + QUANG_DIEN for name in cards)


def test_an_appeal_is_corrected_against_the_published_result(cycle):
    code, out, _ = cycle.screens["correct"]
    assert code == 0 and "Thư mục đã công bố không bị thay đổi" in out
    book = openpyxl.load_workbook(cycle.corrected / f"xa-{YEAR}" / f"dinh-chinh-xa-{YEAR}.xlsx")
    changed = read_sheet(book["Thay đổi theo tiêu chí"])
    unit = cycle.typed[APPEALED]["don_vi"]
    assert set(changed["Đơn vị"]) == {unit} and "A1.1" in set(changed["Mã tiêu chí"])


def test_a_published_table_edited_by_hand_is_refused_naming_the_file(cycle):
    code, _, err = cycle.screens["correct-edited"]
    assert code == 1
    assert f"xa-{YEAR}/xa-{YEAR}-phan-A.csv: tệp đã bị sửa sau khi công bố" in err
    assert not (cycle.root / "dinh-chinh-2").exists()
