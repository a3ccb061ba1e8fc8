"""What collecting forms sends back: one file per unit, and the office's summary.

A commune must receive only its own problems, not its neighbours': :func:`write_unit_feedback`
writes, for every unit that sent a form, ``phan-hoi/<unit code>.xlsx`` and ``.html``: which form
was used (file, when it was saved, SHA-256), which were set aside, and each problem with its
cell, question, what is wrong and how to fix it (or that the form is valid).

:func:`write_summary` writes the office's view, ``tong-hop-thu-thap-<level>-<year>.xlsx`` and
``.html``: units received, valid, with errors and missing, by district for communes; every
registered unit and what became of it (units that sent nothing included); files that belong
to no unit; and every problem. Names are in Vietnamese alphabetical order.
"""

from __future__ import annotations

import html
from datetime import datetime
from pathlib import Path

import pandas as pd

from cqdt.collation import vietnamese_order
from cqdt.collect import MISSING, SEVERAL, VALID, Collected, Finding, how_to_fix
from cqdt.criteria import LEVELS, CriteriaSet
from cqdt.evidence import NOT_APPLICABLE, UNIT
from cqdt.files import write_workbook
from cqdt.output import replaced_atomically, unit_file_stem

FEEDBACK_FOLDER = "phan-hoi"
PROBLEM_COLUMNS = ["Đơn vị", "Tệp phiếu", "Ô", "Trường", "Câu hỏi", "Lỗi", "Cách sửa"]
STATUS_TEXT = {
    VALID: "Phiếu hợp lệ, đã đưa vào bảng khảo sát.",
    "có lỗi": "Phiếu có lỗi, chưa được dùng: sửa các ô dưới đây rồi gửi lại cả phiếu.",
    SEVERAL: "Đơn vị gửi nhiều phiếu, chưa phiếu nào được dùng: giữ một phiếu đúng rồi gửi lại.",
    MISSING: "Chưa nhận được phiếu.",
}


def _cell_order(cells: pd.Series) -> pd.Series:
    """``G12`` sorts after ``G9``: by row number, then column letters."""
    rows = pd.to_numeric(cells.str.extract(r"(\d+)$")[0], errors="coerce").fillna(0)
    return rows * 1000 + cells.str.len()


def problem_table(findings: list[Finding], criteria: CriteriaSet) -> pd.DataFrame:
    """Per unit and cell: the form, the question, what is wrong and how to fix it; units in
    Vietnamese alphabetical order, cells in the order of the form."""
    labels = {f.field: f.label for f in criteria.inputs}
    labels |= {UNIT: "Tên đơn vị", NOT_APPLICABLE: "Tiêu chí không áp dụng"}
    table = pd.DataFrame(
        [
            [
                f.unit or "(chưa rõ)",
                Path(f.form).name,
                f.cell,
                f.field,
                labels.get(f.field, ""),
                f.message,
                how_to_fix(f.code),
            ]
            for f in findings
        ],
        columns=PROBLEM_COLUMNS,
    )
    order = pd.DataFrame(
        {
            "unit": vietnamese_order(table["Đơn vị"]),
            "file": table["Tệp phiếu"],
            "cell": _cell_order(table["Ô"]),
        }
    ).sort_values(["unit", "file", "cell"], kind="stable")
    return table.loc[order.index].reset_index(drop=True)


def unit_table(collected: Collected, districts: pd.Series | None) -> pd.DataFrame:
    """Every registered unit, in Vietnamese order: status, form used, forms set aside."""
    units = collected.units
    table = pd.DataFrame(
        {
            "Mã đơn vị": units["code"],
            "Đơn vị": units["unit"],
            "Thuộc": units["unit"].map(districts) if districts is not None else "",
            "Tình trạng": units["status"],
            "Số lỗi": units["errors"],
            "Phiếu được dùng": units["form"],
            "Lưu lúc (ghi trong tệp)": units["saved"],
            "SHA-256 của phiếu": units["sha256"],
            "Phiếu không dùng": units["set_aside"],
            "Tệp phản hồi": [
                f"{FEEDBACK_FOLDER}/{unit_file_stem(c)}.xlsx" if s != MISSING else ""
                for c, s in zip(units["code"], units["status"], strict=True)
            ],
        }
    )
    if districts is None:
        table = table.drop(columns="Thuộc")
        order = pd.DataFrame({"unit": vietnamese_order(table["Đơn vị"])})
    else:  # the office follows up district by district
        order = pd.DataFrame(
            {
                "district": vietnamese_order(table["Thuộc"].fillna("")),
                "unit": vietnamese_order(table["Đơn vị"]),
            }
        )
    order = order.sort_values(list(order.columns), kind="stable")
    return table.loc[order.index].reset_index(drop=True)


def count_table(collected: Collected, districts: pd.Series | None) -> pd.DataFrame:
    """Units received, valid, with errors and missing; by district when the register says
    which district each commune belongs to, with the total last."""
    units = collected.units.assign(
        group=collected.units["unit"].map(districts).fillna("") if districts is not None else ""
    )
    counts = units.groupby("group", sort=False).agg(
        total=("unit", "size"),
        received=("status", lambda s: int((s != MISSING).sum())),
        valid=("status", lambda s: int((s == VALID).sum())),
        missing=("status", lambda s: int((s == MISSING).sum())),
    )
    counts["errors"] = counts["received"] - counts["valid"]
    order = vietnamese_order(pd.Series(counts.index, index=counts.index))
    counts = counts.loc[order.sort_values(kind="stable").index]
    total = counts.sum().to_frame("Cộng").T
    table = pd.concat([counts, total]) if len(counts) > 1 else total
    return pd.DataFrame(
        {
            "Thuộc" if districts is not None else "Phạm vi": table.index,
            "Số đơn vị": table["total"].to_numpy(),
            "Đã gửi phiếu": table["received"].to_numpy(),
            "Hợp lệ": table["valid"].to_numpy(),
            "Có lỗi": table["errors"].to_numpy(),
            "Chưa gửi": table["missing"].to_numpy(),
        }
    )


def unattributed_table(collected: Collected) -> pd.DataFrame:
    """Files that belong to no registered unit of the level and year, and why."""
    return pd.DataFrame(
        [
            [Path(f.form).name, f.unit, f.cell, f.message, how_to_fix(f.code)]
            for f in collected.unattributed
        ],
        columns=["Tệp", "Đơn vị ghi trong phiếu", "Ô", "Lỗi", "Cách sửa"],
    )


STYLE = """body{font-family:"DejaVu Sans","Liberation Sans",sans-serif;margin:2rem;max-width:70rem}
table{border-collapse:collapse;margin:0 0 1.5rem}td,th{border:1px solid #999;padding:4px 8px;
vertical-align:top;text-align:left}th{background:#d9e2f3}.ok{color:#1b5e20}.loi{color:#b71c1c}"""


def _page(title: str, body: str) -> str:
    esc = html.escape
    return (
        f'<!DOCTYPE html>\n<html lang="vi"><head><meta charset="utf-8"/><title>{esc(title)}'
        f"</title><style>{STYLE}</style></head><body><h1>{esc(title)}</h1>\n{body}\n</body></html>\n"
    )


def _html_table(table: pd.DataFrame, header: bool = True) -> str:
    return table.to_html(index=False, header=header, escape=True, border=0, na_rep="")


def _write_page(path: Path, title: str, body: str) -> Path:
    with replaced_atomically(path) as temporary:
        temporary.write_text(_page(title, body), encoding="utf-8")
    return path


def _unit_info(row: pd.Series, level: str, year: int, district: str) -> pd.DataFrame:
    items = [
        ("Đơn vị", row["unit"]),
        ("Mã đơn vị", row["code"]),
        ("Thuộc", district),
        ("Cấp, năm đánh giá", f"{LEVELS[level]}, năm {year}"),
        ("Tình trạng", STATUS_TEXT[row["status"]]),
        ("Phiếu đã kiểm tra", row["form"] or "không có"),
        ("Lưu lúc (ghi trong tệp)", row["saved"]),
        ("SHA-256 của phiếu", row["sha256"]),
        ("Phiếu không dùng", row["set_aside"] or "không có"),
        ("Số lỗi cần sửa", str(row["errors"])),
    ]
    return pd.DataFrame([i for i in items if i[1] != "" or i[0] != "Thuộc"], columns=["", " "])


def write_unit_feedback(
    collected: Collected,
    criteria: CriteriaSet,
    year: int,
    folder: Path,
    districts: pd.Series | None = None,
) -> list[Path]:
    """``<folder>/phan-hoi/<unit code>.xlsx`` and ``.html`` for every unit that sent a form:
    only that unit's problems (see the module docstring)."""
    target = folder / FEEDBACK_FOLDER
    target.mkdir(parents=True, exist_ok=True)
    problems = problem_table(collected.findings, criteria)
    written = []
    for _, row in collected.units[collected.units["status"] != MISSING].iterrows():
        district = str(districts.get(row["unit"], "")) if districts is not None else ""
        info = _unit_info(row, criteria.level, year, district)
        own = problems[problems["Đơn vị"] == row["unit"]].drop(columns="Đơn vị")
        stem = unit_file_stem(row["code"])
        written.append(
            write_workbook({"Thông tin": info, "Lỗi cần sửa": own}, target / f"{stem}.xlsx")
        )
        title = f"Kết quả kiểm tra phiếu khảo sát CQĐT năm {year}: {row['unit']}"
        css = "ok" if row["status"] == VALID else "loi"
        body = (
            f'<p class="{css}"><strong>{html.escape(STATUS_TEXT[row["status"]])}</strong></p>'
            + _html_table(info, header=False)
            + (
                "<h2>Các ô cần sửa</h2>" + _html_table(own)
                if len(own)
                else "<p>Không có lỗi nào trong phiếu.</p>"
            )
        )
        written.append(_write_page(target / f"{stem}.html", title, body))
    return written


def write_summary(
    collected: Collected,
    criteria: CriteriaSet,
    year: int,
    folder: Path,
    districts: pd.Series | None = None,
) -> list[Path]:
    """``tong-hop-thu-thap-<level>-<year>.xlsx`` and ``.html`` for the office (module docstring)."""
    stem = f"tong-hop-thu-thap-{criteria.level}-{year}"
    counts = count_table(collected, districts)
    units = unit_table(collected, districts)
    other = unattributed_table(collected)
    problems = problem_table(collected.findings, criteria)
    sheets = {"Số lượng": counts, "Đơn vị": units, "Tệp không dùng được": other, "Lỗi": problems}
    xlsx = write_workbook(sheets, folder / f"{stem}.xlsx")
    missing = units[units["Tình trạng"] == MISSING]
    read_at = datetime.fromisoformat(collected.read_at)
    title = f"Tổng hợp thu phiếu khảo sát CQĐT {LEVELS[criteria.level]} năm {year}"
    body = (
        f"<p>Đã đọc {collected.forms} tệp lúc {read_at:%H:%M:%S ngày %d/%m/%Y}. Mỗi đơn vị đã gửi "
        f"phiếu có một tệp phản hồi riêng trong thư mục {FEEDBACK_FOLDER}/ (theo mã đơn vị), chỉ "
        "gồm lỗi của đơn vị đó.</p><h2>Số lượng</h2>"
        + _html_table(counts)
        + f"<h2>Đơn vị chưa gửi phiếu ({len(missing)})</h2>"
        + (_html_table(missing[units.columns[:3]]) if len(missing) else "<p>Không có.</p>")
        + "<h2>Từng đơn vị</h2>"
        + _html_table(units)
        + f"<h2>Tệp không dùng được ({len(other)})</h2>"
        + (_html_table(other) if len(other) else "<p>Không có.</p>")
    )
    return [xlsx, _write_page(folder / f"{stem}.html", title, body)]
