"""The official report's parameters and context: what one report of a level and year rests on.

:func:`prepare` does every computation the report shows (scoring, the comparison year, the
default robustness study), so the sections only present; the helpers below say what the
document is (its date, summary line and the line annexes carry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import ClassVar

import pandas as pd

from cqdt import sensitivity as sens
from cqdt.comparison import compare_years
from cqdt.criteria import LEVELS
from cqdt.next_level import NextLevel, next_level
from cqdt.problems import InputError
from cqdt.publishing.context import issued_warnings
from cqdt.publishing.document import (
    DocumentSettings,
    find_document_settings,
    in_text,
)
from cqdt.publishing.html import anchor, esc, marks_html, vietnamese_date
from cqdt.publishing.parameters import NotebookParameters
from cqdt.publishing.report_docx import IMAGES_PREFIX
from cqdt.scoring import ScoreResult
from cqdt.tables import official_table, part_titles
from cqdt.workspace import Workspace


class Parameters(NotebookParameters):
    """The official report of one level and year (``notebooks/bao_cao.ipynb``)."""

    kind: ClassVar[str] = "bao-cao"
    title: ClassVar[str] = "Báo cáo kết quả đánh giá"
    notebook: ClassVar[str] = "bao_cao.ipynb"
    paths: ClassVar[tuple[str, ...]] = (
        *NotebookParameters.paths,
        "criteria_file",
        "survey_file",
        "document_file",
    )

    criteria_file: str = ""
    """A criteria file to use instead of the one in force in ``criteria_dir``."""
    survey_file: str = ""
    """A survey file to use instead of ``<data_dir>/<year>/<level>.csv``."""
    compare_year: int = 0
    """The year to compare with; 0 for none."""
    document_file: str = ""
    """Administrative parts of the document (``van_ban.yaml``); empty: the data folder's, if any."""


@dataclass(frozen=True)
class ReportContext:
    """The inputs and results one report presents."""

    params: Parameters
    workspace: Workspace
    result: ScoreResult
    previous: ScoreResult | None
    comparison: pd.DataFrame | None
    no_comparison_reason: str
    synthetic: bool
    document: DocumentSettings = field(default_factory=DocumentSettings)
    districts: pd.Series | None = None
    """Unit -> district (communes), from the register; ``None`` when it does not say."""
    robustness: sens.SensitivityResult | None = None
    """The default weight-sensitivity study (:func:`cqdt.sensitivity.robustness_settings`)."""

    @cached_property
    def next_level(self) -> NextLevel:
        """What each unit needs for the next level (for the scorecards), computed once."""
        return next_level(self.result)


def prepare(params: Parameters) -> ReportContext:
    """Score the report's year (errors stop the report) and, if asked, the comparison year;
    run the default robustness study."""
    workspace = Workspace.at(params.criteria_dir, params.data_dir)
    result = workspace.score(
        params.level,
        params.year,
        survey=params.survey_file or None,
        criteria_file=params.criteria_file or None,
    )
    previous, comparison, reason = None, None, "không chọn năm so sánh"
    if params.compare_year:
        try:
            previous = workspace.score(params.level, params.compare_year)
            comparison = compare_years(result, previous, workspace.register())
            reason = ""
        except InputError as err:
            reason = f"không dùng được dữ liệu năm {params.compare_year}: {err.problems[0]}"
    return ReportContext(
        params,
        workspace,
        result,
        previous,
        comparison,
        reason,
        workspace.synthetic,
        find_document_settings(params.data_dir, params.document_file),
        workspace.districts(params.level),
        sens.analyse(result, sens.robustness_settings()),
    )


def document_date(ctx: ReportContext) -> date:
    """The date on the document: the report date if given, else the settings', else today."""
    if ctx.params.report_date or ctx.document.date is None:
        return ctx.params.date
    return ctx.document.date


def subject(ctx: ReportContext) -> str:
    """The summary line under the document type."""
    return (
        f"Kết quả đánh giá mức độ chính quyền điện tử {LEVELS[ctx.result.level]} "
        f"năm {ctx.params.year}"
    )


def annex_of(ctx: ReportContext) -> str:
    """``Kèm theo Báo cáo số …/BC-STTTT ngày 25 tháng 11 năm 2026 của Sở Thông tin và Truyền
    thông``: the date in the style of the header."""
    doc = ctx.document
    return (
        f"Kèm theo Báo cáo số {doc.number_and_symbol} {vietnamese_date(document_date(ctx))} "
        f"của {in_text(doc.issuer)}"
    )


def report_warnings(ctx: ReportContext) -> tuple[list[str], str]:
    """The report's warning sentences and the marking of its pages
    (:func:`~cqdt.publishing.context.issued_warnings`)."""
    return issued_warnings(ctx, ctx.document)


def report_warning_html(ctx: ReportContext) -> tuple[str, str]:
    """:func:`report_warnings` as HTML: the page marking, and the sentences for a first page."""
    sentences, mark = report_warnings(ctx)
    return marks_html(mark, sentences)


def images(ctx: ReportContext) -> Path:
    """Where the report's charts are copied as PNG for its Word document: a work folder beside
    the report, removed once the Word document is written (:data:`IMAGES_PREFIX`)."""
    return Path(ctx.params.output_dir) / f"{IMAGES_PREFIX}{ctx.params.level}-{ctx.params.year}"


def annex_heading(ctx: ReportContext, title: str) -> str:
    """An annex's bold capital title and the line saying which document it belongs to."""
    return (
        f'<h2 class="phu-luc" id="{anchor(title)}">{esc(title.upper())}</h2>'
        f'<p class="kem-theo">({esc(annex_of(ctx))})</p>'
    )


def ranking_tables(ctx: ReportContext) -> list[tuple[str, pd.DataFrame]]:
    """Caption and official table of every part (with the district column for communes)."""
    titles = part_titles(ctx.result)
    return [
        (
            f"Bảng {i}. Phần {titles[part.code]}",
            official_table(ctx.result, part.code, ctx.districts),
        )
        for i, part in enumerate(ctx.result.criteria.parts, start=1)
    ]
