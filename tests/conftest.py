"""Shared fixtures: a small criteria set whose every number is worked out by hand in tests."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from cqdt.criteria import CriteriaSet, load_criteria

ROOT = Path(__file__).resolve().parents[1]

MINI_CRITERIA = """\
decision: "Bộ tiêu chí thử nghiệm"
title: "Bộ tiêu chí nhỏ để kiểm thử"
level: huyen
version: "thu-nghiem"
valid_from: 2018-01-01
valid_to: 2020-12-31
status: reconstructed
inputs:
  - {field: num, label: "Tử số"}
  - {field: den, label: "Mẫu số"}
  - {field: co, label: "Có hay không", type: yes_no}
  - {field: so, label: "Số mục"}
  - {field: v, label: "Giá trị theo bậc"}
  - {field: x, label: "Tử số so với cao nhất"}
  - {field: y, label: "Mẫu số so với cao nhất"}
  - {field: m4, label: "Mức 4", type: yes_no}
  - {field: m3, label: "Mức 3", type: yes_no}
  - {field: d, label: "Điểm chấm"}
parts:
  - code: A
    name: "Điều kiện sẵn sàng"
    max: 10
    levels: [{level: "I", min_rate: 0.9}, {level: "II", min_rate: 0.85}, {level: "III", min_rate: 0}]
    groups:
      - code: A1
        name: "Hạ tầng"
        max: 10
        criteria:
          - {code: A1.1, name: "Tỷ lệ", max: 4, method: rate, numerator: num, denominator: den}
          - {code: A1.2, name: "Có/không", max: 2, method: yes_no, field: co}
          - {code: A1.3, name: "Theo mục", max: 2, method: per_item, field: so, points_per_item: 0.5}
          - {code: A1.4, name: "Theo bậc", max: 2, method: steps, field: v,
             steps: [{min: 1, points: 1}, {min: 5, points: 2}]}
  - code: B
    name: "Kết quả"
    max: 20
    levels: [{level: "I", min_rate: 0.9}, {level: "II", min_rate: 0.85}, {level: "III", min_rate: 0}]
    groups:
      - code: B1
        name: "Giao dịch"
        max: 20
        criteria:
          - {code: B1.1, name: "So với cao nhất", max: 6, method: rate_vs_best, numerator: x, denominator: y}
          - {code: B1.2, name: "Mức cao nhất", max: 8, method: highest_case,
             cases: [{field: m4, points: 8}, {field: m3, points: 5}]}
          - {code: B1.3, name: "Chấm trực tiếp", max: 6, method: direct, field: d}
"""

# Three units worked by hand in test_scoring.py.
MINI_SURVEY = pd.DataFrame(
    [
        {
            "don_vi": "Đơn vị Một",
            "num": "45",
            "den": "50",
            "co": "Có",
            "so": "3",
            "v": "5",
            "x": "100",
            "y": "50",
            "m4": "Có",
            "m3": "Có",
            "d": "5.5",
            "khong_ap_dung": "",
        },
        {
            "don_vi": "Đơn vị Hai",
            "num": "20",
            "den": "40",
            "co": "Không",
            "so": "10",
            "v": "0",
            "x": "30",
            "y": "10",
            "m4": "Không",
            "m3": "Có",
            "d": "6",
            "khong_ap_dung": "",
        },
        {
            "don_vi": "Đơn vị Ba",
            "num": "",
            "den": "",
            "co": "x",
            "so": "4",
            "v": "1",
            "x": "10",
            "y": "10",
            "m4": "không",
            "m3": "0",
            "d": "3",
            "khong_ap_dung": "A1.1",
        },
    ]
)


def write_criteria(folder: Path, raw: dict) -> Path:
    """A criteria document written as ``<folder>/huyen.yaml``."""
    path = folder / "huyen.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return path


def write_survey(path: Path, table: pd.DataFrame) -> Path:
    table.to_csv(path, index=False, encoding="utf-8-sig")
    return path


@pytest.fixture(scope="session")
def mini_criteria_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("criteria") / "huyen.yaml"
    path.write_text(MINI_CRITERIA, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def mini_criteria(mini_criteria_file: Path) -> CriteriaSet:
    return load_criteria(mini_criteria_file)


@pytest.fixture
def mini_survey_file(tmp_path: Path) -> Path:
    return write_survey(tmp_path / "survey.csv", MINI_SURVEY)


@pytest.fixture(scope="session")
def mini_versioned(tmp_path_factory: pytest.TempPathFactory):
    """A criteria folder holding MINI as version ``thu-nghiem``, and MINI_SURVEY scored with it."""
    from cqdt.evidence import load_evidence
    from cqdt.scoring import score

    criteria_dir = tmp_path_factory.mktemp("criteria")
    (criteria_dir / "thu-nghiem").mkdir()
    path = criteria_dir / "thu-nghiem" / "huyen.yaml"
    path.write_text(MINI_CRITERIA, encoding="utf-8")
    cs = load_criteria(path)
    survey = write_survey(tmp_path_factory.mktemp("survey") / "huyen.csv", MINI_SURVEY)
    return criteria_dir, score(cs, load_evidence(survey, cs, 2020))


@pytest.fixture
def mini_workspace(tmp_path: Path) -> tuple[Path, Path]:
    """A criteria folder with the mini criteria and a data folder with the mini survey (2020)."""
    criteria = tmp_path / "criteria" / "thu-nghiem"
    criteria.mkdir(parents=True)
    (criteria / "huyen.yaml").write_text(MINI_CRITERIA, encoding="utf-8")
    data = tmp_path / "data"
    (data / "2020").mkdir(parents=True)
    write_survey(data / "2020" / "huyen.csv", MINI_SURVEY)
    return tmp_path / "criteria", data


# --- reports rendered once per test session, shared by the tests that read them -------------

SAMPLE = ROOT / "data" / "sample"
CRITERIA = ROOT / "criteria"

OWN_DOCUMENT = """\
superior: "Ủy ban nhân dân tỉnh Thừa Thiên Huế"
issuer: "Sở Khoa học và Công nghệ"
number: "15"
symbol: "BC-SKHCN"
place: "Thừa Thiên Huế"
date: 2021-01-15
recipients: ["UBND tỉnh", "Lưu: VT, KHCN."]
signatory: {authority: "", title: "GIÁM ĐỐC", name: "Trần Thị Bình"}
"""
"""Document settings of the official run, every part different from the defaults."""


def _batch(out: Path, workspace, **options) -> Path:
    from cqdt.publishing.batch import run_reports
    from cqdt.publishing.kinds import official

    planned = official.plan(workspace, [("huyen", 2020)], **options)
    code = run_reports(planned, out, jobs=1, timeout=300)
    assert code == 0
    (run,) = out.iterdir()
    return run


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``cqdt report`` of the sample district level, 2020, every output (PDF, annexes, Word).

    Synthetic data and reconstructed criteria; the default document settings of the sample.
    """
    from cqdt.workspace import Workspace

    out = tmp_path_factory.mktemp("sample-run")
    return _batch(out, Workspace.at(CRITERIA, SAMPLE), report_date="2026-11-25")


@pytest.fixture(scope="session")
def official_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same report as if the criteria were official and the data real, own settings file."""
    from cqdt.workspace import Workspace

    root = tmp_path_factory.mktemp("official-run")
    criteria = root / "criteria" / "1784-2018"
    criteria.mkdir(parents=True)
    raw = yaml.safe_load((CRITERIA / "1784-2018" / "huyen.yaml").read_text(encoding="utf-8"))
    raw.update(status="official", note="Phụ lục chính thức (bản dùng trong kiểm thử).")
    write_criteria(criteria, raw)
    data = root / "data"
    for year in ("2019", "2020"):
        (data / year).mkdir(parents=True)
        (data / year / "huyen.csv").write_bytes((SAMPLE / year / "huyen.csv").read_bytes())
    (data / "don_vi.csv").write_bytes((SAMPLE / "don_vi.csv").read_bytes())
    (data / "van_ban.yaml").write_text(OWN_DOCUMENT, encoding="utf-8")
    return _batch(root / "out", Workspace.at(root / "criteria", data))


SENSITIVITY_SETTINGS = {"n": 2000, "seed": 42, "top_k": 2, "sobol_n": 4096, "leave_one_out": True}
"""The settings of the shared ``cqdt sensitivity`` run (:func:`sensitivity_run`)."""


@pytest.fixture(scope="session")
def sensitivity_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``cqdt sensitivity`` of the sample district level, 2020, for real (papermill,
    nbconvert, WeasyPrint), with every optional table; the run folder."""
    from cqdt.cli import main

    out = tmp_path_factory.mktemp("do-nhay")
    options = [
        *["--criteria", str(CRITERIA), "--data", str(SAMPLE), "--level", "huyen"],
        *["--year", "2020", "--out", str(out), "--leave-one-out"],
    ]
    for name, value in SENSITIVITY_SETTINGS.items():
        if name != "leave_one_out":
            options += [f"--{name.replace('_', '-')}", str(value)]
    assert main(["sensitivity", *options]) == 0
    (run,) = out.iterdir()
    return run


@pytest.fixture(scope="session")
def absorbed_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample communes 2018–2020 with one absorption instead of a merger: in 2020 Xã Vinh
    Phú is merged into Xã Vinh Thái, which goes on under its code (no Xã Phú Gia)."""
    data = tmp_path_factory.mktemp("absorbed")
    lines = (SAMPLE / "don_vi.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    changed = {
        "xa,H06-18,": "xa,H06-18,Xã Vinh Phú,Huyện Phú Vang,,2019,H06-19,sáp nhập\n",
        "xa,H06-19,": "xa,H06-19,Xã Vinh Thái,Huyện Phú Vang,,,,\n",
        "xa,H06-21,": "",  # Xã Phú Gia is not made
    }
    (data / "don_vi.csv").write_text(
        "".join(changed.get(line[:10], line) for line in lines), encoding="utf-8"
    )
    for year in (2018, 2019, 2020):
        (data / str(year)).mkdir()
        text = (SAMPLE / str(year) / "xa.csv").read_text(encoding="utf-8-sig")
        (data / str(year) / "xa.csv").write_text(
            text.replace("H06-21,Xã Phú Gia,", "H06-19,Xã Vinh Thái,"), encoding="utf-8"
        )
    return data


@pytest.fixture(scope="session")
def sample_rerun(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``sample_run`` again, from the same inputs and report date, into another folder."""
    from cqdt.workspace import Workspace

    out = tmp_path_factory.mktemp("sample-rerun")
    return _batch(out, Workspace.at(CRITERIA, SAMPLE), report_date="2026-11-25")
