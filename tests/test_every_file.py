"""No input file reaches the "unexpected error" path: every kind of file, in every place a
command reads one, gets a Vietnamese message and exit code 1 (or 2), never a traceback."""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest

from cqdt.cli import main
from tests.conftest import MINI_CRITERIA, MINI_SURVEY, write_survey

pytestmark = pytest.mark.slow  # 300 command runs, about 30 s


def _zip(names: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in names.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _workbook() -> bytes:
    """A real workbook, where a YAML, JSON or CSV is expected."""
    book = openpyxl.Workbook()
    book.active.append(["don_vi", "so"])
    book.active.append(["Đơn vị Một", 3])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


KINDS_OF_FILE: dict[str, bytes | None] = {
    "rỗng": b"",
    "nhị phân": bytes(range(256)) * 8,
    "PDF": b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n",
    "ảnh PNG": b"\x89PNG\r\n\x1a\n" + bytes(100),
    "ảnh JPEG": b"\xff\xd8\xff\xe0" + bytes(100),
    "zip": _zip({"a.txt": b"x"}),
    "Word": _zip({"word/document.xml": b"<w/>", "[Content_Types].xml": b"<x/>"}),
    "ODS": _zip({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
    "xlsx cụt": b"PK\x03\x04" + bytes(200),
    "xlsx hỏng bên trong": _zip({"xl/workbook.xml": b"<not-xml", "[Content_Types].xml": b"?"}),
    "Excel thật": _workbook(),
    "xls cũ": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600),
    "xlsx mã hoá": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"),
    "UTF-16": "don_vi,so\nĐơn vị Một,3\n".encode("utf-16"),
    "Latin-1": "don_vi;so\nÉtat;3\n".encode("latin-1"),
    "HTML": b"<html><body><table><tr><td>don_vi</td></tr></table></body></html>",
    "YAML hỏng": b"a: [1, 2\nb: {c\n",
    "JSON hỏng": b'{"runs": [',
    "JSON lạ": json.dumps({"runs": [{"outputs": {"../../x": 1}, "kind": 3}]}).encode(),
    "chữ thường": "Xin chào, đây là một ghi chú.\n".encode(),
    "thư mục": None,
}
"""Every kind of file people (or accidents) put where a command reads one."""


@pytest.fixture(scope="module")
def base(tmp_path_factory) -> Path:
    """A small, valid working folder: criteria, register, survey, a published score run."""
    root = tmp_path_factory.mktemp("goc")
    (root / "criteria" / "thu-nghiem").mkdir(parents=True)
    (root / "criteria" / "thu-nghiem" / "huyen.yaml").write_text(MINI_CRITERIA, encoding="utf-8")
    (root / "data" / "2020").mkdir(parents=True)
    names = list(MINI_SURVEY["don_vi"])
    rows = ["cap,ma_don_vi,don_vi"] + [f"huyen,H{i:02d},{n}" for i, n in enumerate(names, 1)]
    (root / "data" / "don_vi.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    write_survey(root / "data" / "2020" / "huyen.csv", MINI_SURVEY)
    (root / "kich-ban.yaml").write_text(
        "title: t\nbase: {version: thu-nghiem, level: huyen}\nchanges: []\n", encoding="utf-8"
    )
    assert main(["score", *inputs(root), "--out", str(root / "cong-bo")]) == 0
    (root / "phieu").mkdir()
    return root


def inputs(root: Path) -> list[str]:
    return ["--criteria", str(root / "criteria"), "--data", str(root / "data")]


LEVEL_YEAR = ["--level", "huyen", "--year", "2020"]


def published(root: Path) -> Path:
    (run,) = (root / "cong-bo").iterdir()
    return run


PLACES: dict[str, tuple[Callable[[Path], Path], Callable[[Path], list[str]]]] = {
    "validate: tệp khảo sát .csv": (
        lambda r: r / "data" / "2020" / "huyen.csv",
        lambda r: ["validate", *inputs(r)],
    ),
    "score: tệp khảo sát .xlsx": (
        lambda r: (r / "data" / "2020" / "huyen.csv").rename(r / "data" / "2020" / "huyen.xlsx"),
        lambda r: ["score", *inputs(r), "--out", str(r / "o")],
    ),
    "score: danh mục đơn vị": (
        lambda r: r / "data" / "don_vi.csv",
        lambda r: ["score", *inputs(r), "--out", str(r / "o")],
    ),
    "validate: bộ tiêu chí": (
        lambda r: r / "criteria" / "thu-nghiem" / "huyen.yaml",
        lambda r: ["validate", *inputs(r)],
    ),
    "template: bộ tiêu chí": (
        lambda r: r / "criteria" / "thu-nghiem" / "huyen.yaml",
        lambda r: ["template", *inputs(r), *LEVEL_YEAR, "--out", str(r / "o")],
    ),
    "template: danh mục đơn vị": (
        lambda r: r / "data" / "don_vi.csv",
        lambda r: ["template", *inputs(r), *LEVEL_YEAR, "--out", str(r / "o")],
    ),
    "report: tệp văn bản van_ban.yaml": (
        lambda r: r / "data" / "van_ban.yaml",
        lambda r: ["report", *inputs(r), *LEVEL_YEAR, "--out", str(r / "o")],
    ),
    "whatif: tệp kịch bản": (
        lambda r: r / "kich-ban.yaml",
        lambda r: ["whatif", str(r / "kich-ban.yaml"), "--year", "2020", *inputs(r)],
    ),
    "sensitivity: tệp khảo sát": (
        lambda r: r / "data" / "2020" / "huyen.csv",
        lambda r: ["sensitivity", *inputs(r), "--level", "huyen", "--out", str(r / "o")],
    ),
    "collect: một phiếu": (
        lambda r: r / "phieu" / "phieu.xlsx",
        lambda r: ["collect", str(r / "phieu"), *inputs(r), *LEVEL_YEAR, "--out", str(r / "o")],
    ),
    "correct: tệp khảo sát sau phúc khảo": (
        lambda r: r / "sau-phuc-khao.csv",
        lambda r: [
            "correct",
            str(published(r)),
            "--survey",
            str(r / "sau-phuc-khao.csv"),
            *inputs(r),
            *LEVEL_YEAR,
            "--out",
            str(r / "o"),
        ],
    ),
    "correct: manifest.json đã công bố": (
        lambda r: published(r) / "manifest.json",
        lambda r: [
            "correct",
            str(published(r)),
            "--survey",
            str(r / "data" / "2020" / "huyen.csv"),
            *inputs(r),
            *LEVEL_YEAR,
            "--out",
            str(r / "o"),
        ],
    ),
    "correct: kết quả ket-qua-*.json": (
        lambda r: published(r) / "huyen-2020" / "ket-qua-huyen-2020.json",
        lambda r: [
            "correct",
            str(published(r)),
            "--survey",
            str(r / "data" / "2020" / "huyen.csv"),
            *inputs(r),
            *LEVEL_YEAR,
            "--out",
            str(r / "o"),
        ],
    ),
    "rerun: manifest.json": (
        lambda r: published(r) / "manifest.json",
        lambda r: ["rerun", str(published(r) / "manifest.json"), "--out", str(r / "o")],
    ),
}
"""Where each command reads a file: the path to replace, and the command line."""


VALID_THERE = {
    ("report: tệp văn bản van_ban.yaml", "rỗng"),  # no settings: the defaults (it would render)
    ("score: tệp khảo sát .xlsx", "Excel thật"),  # a workbook survey, of the one unit it names
}
"""Files that are valid input where they are put: not part of this test."""


@pytest.mark.parametrize(
    ("place", "kind"),
    [(p, k) for p in PLACES for k in KINDS_OF_FILE if (p, k) not in VALID_THERE],
)
def test_every_kind_of_file_in_every_place_gets_a_message(base, tmp_path, capsys, place, kind):
    root = Path(shutil.copytree(base, tmp_path / "w"))
    where, command = PLACES[place]
    target = where(root)
    if target.is_dir():
        shutil.rmtree(target)
    elif target.exists():
        target.unlink()
    content = KINDS_OF_FILE[kind]
    if content is None:
        target.mkdir()
    else:
        target.write_bytes(content)
    capsys.readouterr()
    code = main(command(root))
    err = capsys.readouterr().err
    assert "Lỗi không mong đợi" not in err and "Traceback" not in err, err
    assert code in (1, 2), (code, err)
    if not place.startswith("collect"):  # collect writes what it found, the others nothing
        assert not (root / "o").exists()
