"""The change report after appeals (``cqdt correct``, ``notebooks/dinh_chinh.ipynb``).

:func:`plan` checks the published run and the corrected data and plans one report; the notebook
calls :func:`prepare`, then one function per section. Every number comes from
:mod:`cqdt.corrections` (the published run's saved result against the corrected
:class:`~cqdt.scoring.ScoreResult`); the header and HTML blocks are the official report's, so
both documents look alike and escape every text that comes from data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

import pandas as pd
from IPython.display import HTML

from cqdt.corrections import (
    Changes,
    Published,
    changes_since,
    find_published_result,
    folder_hashes,
    read_published,
)
from cqdt.criteria import LEVEL_TITLES, LEVELS, Level
from cqdt.files import write_workbook
from cqdt.manifest import check_published
from cqdt.numbers import round_half_up
from cqdt.output import file_sha256
from cqdt.problems import InputError, Problem, ProblemCode
from cqdt.publishing.context import document_warnings, issued_warnings
from cqdt.publishing.document import DocumentSettings, find_document_settings
from cqdt.publishing.html import document_header, esc, marks_html, section, table_html
from cqdt.publishing.outcome import Outcome, hashed_input
from cqdt.publishing.parameters import NotebookParameters
from cqdt.results import write_result
from cqdt.scoring import ScoreResult
from cqdt.tables import write_result_tables
from cqdt.workspace import Workspace


class Parameters(NotebookParameters):
    """The change report after appeals (``notebooks/dinh_chinh.ipynb``)."""

    kind: ClassVar[str] = "dinh-chinh"
    title: ClassVar[str] = "Báo cáo đính chính kết quả sau phúc khảo"
    notebook: ClassVar[str] = "dinh_chinh.ipynb"

    published_run: str
    """The published run folder (``cqdt score`` or ``cqdt report``), only read."""
    survey_file: str
    """The corrected survey file."""
    criteria_file: str = ""
    """A criteria file to use instead of the one in force in ``criteria_dir``."""


@dataclass(frozen=True)
class CorrectionContext:
    """The published run, the corrected result and what changed."""

    params: Parameters
    result: ScoreResult
    published: Published
    changes: Changes
    published_hashes: dict[str, str]
    synthetic: bool
    document: DocumentSettings


def prepare(params: Parameters) -> CorrectionContext:
    """Check the published run against its manifest, score the corrected data (errors stop the
    report) and compare it with the published run."""
    run = Path(params.published_run)
    check_published(run)  # also here: the notebook may be run on its own
    hashes = folder_hashes(run)
    workspace = Workspace.at(params.criteria_dir, params.data_dir)
    result = workspace.score(
        params.level,
        params.year,
        survey=params.survey_file,
        criteria_file=params.criteria_file or None,
    )
    published = read_published(run, params.level, params.year)
    changes = changes_since(published, result)
    if folder_hashes(run) != hashes:
        raise RuntimeError(f"Thư mục kết quả đã công bố bị thay đổi trong khi lập báo cáo: {run}")
    document = find_document_settings(workspace.data_dir)
    return CorrectionContext(
        params, result, published, changes, hashes, workspace.synthetic, document
    )


def part_table(ctx: CorrectionContext, changed_only: bool = True) -> pd.DataFrame:
    """Per unit and part: converted points, rank and level before and after (Vietnamese)."""
    rows = ctx.changes.parts
    if changed_only:
        rows = rows[rows["changed"]]
    return pd.DataFrame(
        {
            "Phần": rows["part"],
            "Đơn vị": rows["unit"],
            "Điểm quy đổi đã công bố": rows["converted_before"],
            "Điểm quy đổi sau đính chính": rows["converted_after"],
            "Hạng đã công bố": rows["rank_before"].astype("Int64"),
            "Hạng sau đính chính": rows["rank_after"].astype("Int64"),
            "Mức đã công bố": rows["level_before"],
            "Mức sau đính chính": rows["level_after"],
        }
    ).reset_index(drop=True)


def criterion_table(ctx: CorrectionContext) -> pd.DataFrame:
    """Per unit and criterion whose points changed: before, after and why (Vietnamese)."""
    rows = ctx.changes.criteria
    names = {c.code: c.name for c in ctx.result.criteria.criteria}
    decimals = ctx.result.criteria.rounding.points_decimals  # 4.77 -> 5.00 is 0.23, not 0.2399…
    return pd.DataFrame(
        {
            "Đơn vị": rows["unit"],
            "Mã tiêu chí": rows["criterion"],
            "Tiêu chí": rows["criterion"].map(names),
            "Điểm đã công bố": rows["points_before"],
            "Điểm sau đính chính": rows["points_after"],
            "Chênh lệch": round_half_up(rows["delta"], decimals),
            "Cách tính đã công bố": rows["explanation_before"],
            "Cách tính sau đính chính": rows["explanation_after"],
        }
    )


def cover(ctx: CorrectionContext) -> HTML:
    """Title block (issuing body and place from the document settings, as the official report),
    date, level, year, the published run corrected, and what the document rests on."""
    p, doc = ctx.params, ctx.document
    found, mark = issued_warnings(ctx, doc)
    marking, sentences = marks_html(mark, found)
    return HTML(
        f"""<section class="cover">
{marking}
{document_header(doc, p.date, numbered=False)}
<h1>BÁO CÁO<br/>ĐÍNH CHÍNH KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ CHÍNH QUYỀN ĐIỆN TỬ</h1>
<p class="subtitle">{esc(LEVEL_TITLES[p.level])}<br/>Năm {p.year}</p>
<table class="thong-tin">
<tr><th>Kết quả đã công bố</th><td>{esc(Path(p.published_run).name)}</td></tr>
<tr><th>Dữ liệu sau phúc khảo</th><td>{esc(Path(p.survey_file).name)}</td></tr>
<tr><th>Số đơn vị có thay đổi</th><td>{len(ctx.changes.changed_units)}</td></tr>
</table>
{sentences}
</section>"""
    )


def summary(ctx: CorrectionContext) -> HTML:
    """Which units changed, and how their ranks and levels moved."""
    c = ctx.changes
    units = c.changed_units
    body = [
        f"<p>So với kết quả đã công bố, <strong>{len(units)}</strong> đơn vị "
        f"{LEVELS[ctx.params.level]} có thay đổi về điểm, thứ hạng hoặc mức: "
        f"{', '.join(esc(u) for u in units) or 'không có'}.</p>"
    ]
    if c.added:
        body.append(f"<p>Đơn vị mới có trong dữ liệu đính chính: {esc(', '.join(c.added))}.</p>")
    if c.removed:
        body.append(
            f"<p>Đơn vị đã công bố nhưng không còn trong dữ liệu: {esc(', '.join(c.removed))}.</p>"
        )
    table = part_table(ctx)
    ranks = ["Hạng đã công bố", "Hạng sau đính chính"]  # a unit added or removed has one: «–»
    table[ranks] = table[ranks].astype(object).where(table[ranks].notna(), "–")
    body.append(
        table_html(table)
        if len(table)
        else "<p>Không có thay đổi về điểm quy đổi, thứ hạng hay mức.</p>"
    )
    return section("I. Tóm tắt thay đổi", "".join(body), new_page=False)


def criterion_changes(ctx: CorrectionContext) -> HTML:
    """Criterion by criterion: published points, corrected points and how each was computed."""
    table = criterion_table(ctx)
    body = (
        table_html(table, "bang tieu-chi")
        if len(table)
        else "<p>Không có tiêu chí nào thay đổi điểm.</p>"
    )
    return section("II. Thay đổi theo từng tiêu chí", body)


def reproducibility(ctx: CorrectionContext) -> HTML:
    """Files compared, with hashes; the published run was only read."""
    rows = [
        ("Kết quả đã công bố", ctx.published.source.name),
        ("SHA-256 kết quả đã công bố", file_sha256(ctx.published.source)),
        ("Dữ liệu sau phúc khảo", Path(ctx.result.evidence.source).name),
        ("SHA-256 dữ liệu sau phúc khảo", ctx.result.evidence.sha256),
        ("Bộ tiêu chí", f"{ctx.result.criteria.version} ({ctx.result.criteria.status_label})"),
        (
            "Số tệp của lần công bố (đúng mã SHA-256 trong manifest.json, không bị sửa)",
            str(len(ctx.published_hashes)),
        ),
    ]
    cells = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in rows)
    return section(
        "III. Thông tin tái lập", f'<table class="thong-tin">{cells}</table>', new_page=False
    )


CHANGE_FORMATS = {
    **dict.fromkeys(["Hạng đã công bố", "Hạng sau đính chính"], "0"),
    **dict.fromkeys(
        [
            "Điểm quy đổi đã công bố",
            "Điểm quy đổi sau đính chính",
            "Điểm đã công bố",
            "Điểm sau đính chính",
            "Chênh lệch",
        ],
        "0.00",
    ),
}
"""Excel number formats of the change tables: ranks as whole numbers, points with 2 decimals."""


def write_outputs(ctx: CorrectionContext) -> HTML:
    """The change tables (Excel) and the corrected official tables, beside the notebook."""
    folder = Path(ctx.params.output_dir)
    stem = Parameters.stem(ctx.params.level, ctx.params.year)
    written = [
        write_workbook(
            {
                "Thay đổi theo phần": part_table(ctx, changed_only=False),
                "Thay đổi theo tiêu chí": criterion_table(ctx),
            },
            folder / f"{stem}.xlsx",
            document_warnings(ctx),
            CHANGE_FORMATS,
        ),
        *write_result_tables(ctx.result, folder, synthetic=ctx.synthetic),
    ]
    write_result(ctx.result, folder, ctx.synthetic)  # the corrected result, for a later correction
    names = ", ".join(esc(path.name) for path in written)
    return HTML(f'<p class="files">Tệp bảng kèm theo: {names}.</p>')


def plan(
    workspace: Workspace, published: Path, survey: Path, level: Level, year: int, report_date: date
) -> list[Outcome]:
    """Check the published run (every file against its manifest, before anything is read from
    it) and the corrected data, raising :class:`~cqdt.problems.InputError`, and plan one change
    report; nothing is written."""
    if not published.is_dir():
        raise InputError(
            [
                Problem(
                    str(published),
                    "",
                    "",
                    "không phải thư mục kết quả đã công bố",
                    code=ProblemCode.MISSING_INPUT,
                )
            ]
        )
    if not survey.is_file():
        raise InputError(
            [
                Problem(
                    str(survey),
                    "",
                    "",
                    "không tìm thấy tệp khảo sát sau phúc khảo (--survey)",
                    code=ProblemCode.MISSING_INPUT,
                )
            ]
        )
    check_published(published)
    result_file = find_published_result(published, level, year)
    result = workspace.score(level, year, survey=survey)  # bad data stops here
    params = Parameters(
        level=level,
        year=year,
        criteria_dir=str(workspace.criteria_dir.resolve()),
        data_dir=str(workspace.data_dir.resolve()),
        published_run=str(published.resolve()),
        survey_file=str(survey.resolve()),
        report_date=report_date.isoformat(),
    )
    inputs = {"published": hashed_input(result_file), "survey": hashed_input(survey)}
    return [params.outcome(f"{level}-{year}", inputs, unit_count=len(result.points))]
