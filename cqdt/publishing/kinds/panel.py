"""The multi-year report of one level (``cqdt panel``): every unit over every year.

:func:`plan` checks the years' data (nothing is written when anything is wrong) and plans one
report per level; the notebook ``notebooks/nhieu_nam.ipynb`` calls :func:`prepare`, then one
function per section: units per level each year, level transitions year by year, mergers with
the levels before and after, and each unit's rate, rank and level over the years, followed
through renames and mergers. Every number comes from :mod:`cqdt.panel`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

import pandas as pd
from IPython.display import HTML
from pydantic import Field

from cqdt.comparison import merger_table
from cqdt.criteria import LEVEL_TITLES, LEVELS, Level
from cqdt.files import write_csv, write_workbook
from cqdt.panel import Panel, build_panel, level_table, wide_table
from cqdt.problems import InputError, Problem, ProblemCode
from cqdt.publishing import charts
from cqdt.publishing.context import document_warnings, warning_html
from cqdt.publishing.html import esc, figure_html, file_name, landscape, section, table_html
from cqdt.publishing.outcome import Outcome, criteria_record, hashed_input
from cqdt.publishing.parameters import NotebookParameters
from cqdt.scoring import ScoreResult
from cqdt.tables import INFO_SHEET, NUMBER_FORMATS, part_titles
from cqdt.workspace import Workspace


class Parameters(NotebookParameters):
    """Several years of one level (``notebooks/nhieu_nam.ipynb``); ``year`` is the last."""

    kind: ClassVar[str] = "nhieu-nam"
    title: ClassVar[str] = "Báo cáo diễn biến qua các năm"
    notebook: ClassVar[str] = "nhieu_nam.ipynb"

    years: list[int] = Field(default_factory=list)
    """The years shown, up to ``year``; empty: every year with data up to ``year``."""


@dataclass(frozen=True)
class PanelContext:
    """The inputs and results one multi-year report presents."""

    params: Parameters
    panel: Panel
    synthetic: bool

    @property
    def result(self) -> ScoreResult:
        """The latest year's result (what the document warnings look at)."""
        return self.panel.results[self.panel.years[-1]]

    @property
    def span(self) -> str:
        return f"{self.panel.years[0]}–{self.panel.years[-1]}"


def panel_years(workspace: Workspace, level: Level, years: Sequence[int] | str) -> list[int]:
    """The years to show: those asked for, or (``"all"``) every year with a survey of the level;
    :class:`InputError` when fewer than two or one has no survey."""
    found = [int(y) for y in workspace.surveys(level)["year"]]
    chosen = found if isinstance(years, str) else sorted(int(y) for y in years)
    missing = [y for y in chosen if y not in found]
    problems = [
        Problem(
            str(workspace.data_dir),
            f"{LEVELS[level]}, năm {y}",
            "",
            f"không có tệp khảo sát {y}/{level}.csv hoặc .xlsx",
            code=ProblemCode.NOT_EXACTLY_ONE_FILE,
        )
        for y in missing
    ]
    if not problems and len(chosen) < 2:
        problems.append(
            Problem(
                str(workspace.data_dir),
                LEVELS[level],
                "",
                f"cần dữ liệu của ít nhất hai năm, có: {', '.join(map(str, chosen)) or 'không có'}",
                code=ProblemCode.TOO_FEW_YEARS,
            )
        )
    if problems:
        raise InputError(problems)
    return chosen


def score_panel(workspace: Workspace, level: Level, years: Sequence[int]) -> Panel:
    """Score every year (each with the criteria in force that year) and build the panel."""
    results = {year: workspace.score(level, year) for year in years}
    return build_panel(results, workspace.register())


def prepare(params: Parameters) -> PanelContext:
    """Score every year shown and compare each with the one before."""
    workspace = Workspace.at(params.criteria_dir, params.data_dir)
    years = params.years or [
        int(y) for y in workspace.surveys(params.level)["year"] if int(y) <= params.year
    ]
    if years[-1] != params.year:
        raise ValueError(f"Năm cuối của years ({years[-1]}) phải là year ({params.year})")
    return PanelContext(params, score_panel(workspace, params.level, years), workspace.synthetic)


def plan(
    workspace: Workspace, levels: Sequence[Level], years: Sequence[int] | str, report_date: date
) -> list[Outcome]:
    """One report per level over the years asked for (``"all"``: every year with data); every
    year is scored first, so bad data stop the command before anything is written."""
    planned = []
    for level in levels:
        chosen = panel_years(workspace, level, years)
        panel = score_panel(workspace, level, chosen)
        params = Parameters(
            level=level,
            year=chosen[-1],
            years=chosen,
            criteria_dir=str(workspace.criteria_dir.resolve()),
            data_dir=str(workspace.data_dir.resolve()),
            report_date=report_date.isoformat(),
        )
        inputs = {f"survey {year}": hashed_input(workspace.survey(level, year)) for year in chosen}
        inputs |= {
            f"criteria {year}": hashed_input(panel.results[year].criteria.source) for year in chosen
        }
        if workspace.units_file.exists():
            inputs["units"] = hashed_input(workspace.units_file)
        last = panel.results[chosen[-1]].criteria
        moved = panel.transitions[panel.transitions["level_before"] != panel.transitions["level"]]
        planned.append(
            params.outcome(
                f"nhieu-nam-{level}-{chosen[0]}-{chosen[-1]}",
                inputs,
                first_year=chosen[0],
                criteria=criteria_record(last),
                synthetic=workspace.synthetic,
                unit_count=len(panel.lineage["lineage"].unique()),
                note=f"Diễn biến {LEVELS[level]} {chosen[0]}–{chosen[-1]}: "
                f"{int(moved['count'].sum())} lượt đơn vị đổi mức giữa hai năm liền nhau, "
                f"{panel.mergers.drop_duplicates(['year', 'successor'])['successor'].size} "
                "đơn vị hình thành do sáp nhập.",
            )
        )
    return planned


# --- sections ------------------------------------------------------------------------------


def cover(ctx: PanelContext) -> HTML:
    """Title, level, years, units each year, and the markings every page carries."""
    p, panel = ctx.params, ctx.panel
    marking, sentences = warning_html(ctx)
    counts = ", ".join(
        f"{year}: {len(result.evidence.units)}" for year, result in panel.results.items()
    )
    versions = ", ".join(
        sorted(
            {f"{r.criteria.version} ({r.criteria.status_label})" for r in panel.results.values()}
        )
    )
    return HTML(
        f"""<section class="cover">
<p class="running-header">Diễn biến {esc(LEVELS[p.level])} {ctx.span}</p>
{marking}
<h1>DIỄN BIẾN MỨC ĐỘ CHÍNH QUYỀN ĐIỆN TỬ<br/>{esc(LEVELS[p.level].upper())}, {ctx.span}</h1>
<p class="subtitle">{esc(LEVEL_TITLES[p.level])}</p>
<table class="thong-tin">
<tr><th>Các năm</th><td>{", ".join(map(str, panel.years))}</td></tr>
<tr><th>Số đơn vị được đánh giá</th><td>{esc(counts)}</td></tr>
<tr><th>Bộ tiêu chí</th><td>{esc(versions)}; mỗi năm chấm theo bộ có hiệu lực năm đó</td></tr>
<tr><th>Cách so sánh</th><td>mỗi năm với năm liền trước, theo danh mục đơn vị (đổi tên, sáp
nhập); thứ hạng là thứ hạng chính thức của từng năm</td></tr>
</table>
{sentences}
<nav class="muc-luc"></nav>
</section>"""
    )


def overview(ctx: PanelContext) -> HTML:
    """Units per level each year, as a table and a chart (one panel per part)."""
    table = level_table(ctx.panel)
    parts = ctx.result.criteria.parts
    title = "Số đơn vị theo mức qua các năm"
    chart = figure_html(charts.levels_by_year(table, parts, title), title)
    names = "; ".join(f"{esc(p.code)}. {esc(p.name)}" for p in parts)
    return section(
        "I. Số đơn vị theo mức qua các năm",
        f"<p>Các phần: {names}.</p>{table_html(table)}{chart}",
        new_page=False,
    )


def transitions(ctx: PanelContext) -> HTML:
    """Per part and pair of consecutive years: how many compared units went from each level to
    each level (rows: the earlier year), and who went up or down."""
    moves = ctx.panel.transitions
    titles = part_titles(ctx.result)
    body = [
        "<p>Chỉ tính các đơn vị có ở cả hai năm liền nhau (kể cả đơn vị đổi tên, đơn vị nhận "
        "sáp nhập); đơn vị hình thành do sáp nhập ở mục III. Hàng: mức năm trước; cột: mức năm "
        "sau.</p>"
    ]
    for part in ctx.result.criteria.parts:
        levels = [t.level for t in part.levels]
        body.append(f"<h3>Phần {esc(titles[part.code])}</h3>")
        own = moves[moves["part"] == part.code]
        for (before, year), rows in own.groupby(["year_before", "year"]):
            matrix = (
                rows.pivot_table(
                    index="level_before", columns="level", values="count", aggfunc="sum"
                )
                .reindex(index=levels, columns=levels)
                .fillna(0)
                .astype(int)
            )
            matrix.index = [f"Mức {level} năm {before}" for level in matrix.index]
            matrix.columns = [f"Mức {level} năm {year}" for level in matrix.columns]
            body.append(f"<p><strong>{before} → {year}</strong></p>")
            body.append(table_html(matrix.rename_axis("").reset_index(), "bang ma-tran"))
            changed = rows[rows["level_before"] != rows["level"]]
            body.append(
                "<ul>"
                + "".join(
                    f"<li>Mức {esc(r.level_before)} → {esc(r.level)} ({r.count}): "
                    f"{esc(r.units)}</li>"
                    for r in changed.itertuples()
                )
                + "</ul>"
                if len(changed)
                else "<p>Không đơn vị nào đổi mức.</p>"
            )
    return section("II. Chuyển mức từng năm", "".join(body))


def mergers(ctx: PanelContext) -> HTML:
    """Every merger or absorption: each predecessor's level the year before, the successor's
    level the year it took effect, per part."""
    table = merger_rows(ctx.panel)
    if table.empty:
        body = "<p>Không có đơn vị nào sáp nhập trong các năm này.</p>"
    else:
        body = (
            "<p>Mỗi dòng một đơn vị trước sáp nhập: mức của nó năm trước khi sáp nhập và mức "
            "của đơn vị sau sáp nhập năm sáp nhập; đơn vị nhận sáp nhập là đơn vị trước sáp "
            "nhập đầu tiên của chính nó.</p>" + table_html(table, "bang sap-nhap co-nam")
        )
    return section("III. Sáp nhập", body)


def merger_rows(panel: Panel) -> pd.DataFrame:
    """The mergers as one row per predecessor, the levels of each part the year before the
    merger and the year it took effect (:func:`cqdt.comparison.merger_table`)."""
    tables = [
        merger_table(rows, "năm trước", "năm sáp nhập").assign(**{"Năm sáp nhập": year})
        for year, rows in panel.comparisons.items()
    ]
    table = pd.concat(tables, ignore_index=True).rename(
        columns={
            "Đơn vị năm nay": "Đơn vị sau sáp nhập",
            "Đơn vị năm trước": "Đơn vị trước sáp nhập",
        }
    )
    return table[["Năm sáp nhập", *table.columns.drop("Năm sáp nhập")]]


def units(ctx: PanelContext) -> HTML:
    """Per part, every unit over the years (landscape): rate, rank, level, what happened."""
    titles = part_titles(ctx.result)
    body = [
        "<p>Mỗi dòng một đơn vị, theo thứ tự hạng năm cuối; đơn vị đổi tên được theo dõi dưới "
        "tên năm cuối; các đơn vị đã sáp nhập đứng ngay sau đơn vị mà chúng hợp thành. Tỷ lệ "
        "thực hiện tính bằng %, hạng là hạng chính thức của năm đó, «–»: đơn vị không có năm "
        "đó.</p>"
    ]
    for part in ctx.result.criteria.parts:
        table = wide_table(ctx.panel, part.code)
        for year in ctx.panel.years:  # a year without the unit: a dash, as in every table
            for column in (f"Hạng {year}", f"Mức {year}"):
                table[column] = table[column].astype(object).where(table[column].notna(), "–")
                table[column] = table[column].astype(str)
        body.append(f"<h3>Phần {esc(titles[part.code])}</h3>")
        body.append(table_html(_by_year(table), "bang rong nhieu-nam"))
    return landscape(section("IV. Từng đơn vị qua các năm", "".join(body)))


def _by_year(table: pd.DataFrame) -> pd.DataFrame:
    """Headers over two rows: the year above ``Tỷ lệ (%)``, ``Hạng``, ``Mức``."""
    shown = table.copy()
    headers = []
    for name in map(str, shown.columns):
        measure, _, year = name.rpartition(" ")
        headers.append((year, measure) if year.isdigit() else (name, ""))
    shown.columns = pd.MultiIndex.from_tuples(headers)
    return shown


def write_outputs(ctx: PanelContext) -> HTML:
    """Write the history (long), one wide table per part, transitions and mergers (CSV), and one
    workbook with all of them."""
    folder = Path(ctx.params.output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = Parameters.stem(ctx.params.level, ctx.params.year)
    panel = ctx.panel
    history = panel.history.rename(
        columns={
            "year": "Năm",
            "unit": "Đơn vị",
            "part": "Phần",
            "rate": "Tỷ lệ thực hiện (%)",
            "converted": "Số điểm thực hiện được quy đổi",
            "rank": "Hạng",
            "level": "Mức",
            "lineage": "Theo dõi là",
            "note": "Ghi chú",
        }
    )
    moves = panel.transitions.rename(
        columns={
            "part": "Phần",
            "year_before": "Năm trước",
            "year": "Năm sau",
            "level_before": "Mức năm trước",
            "level": "Mức năm sau",
            "count": "Số đơn vị",
            "units": "Đơn vị",
        }
    )
    merged = merger_rows(panel)
    marks = document_warnings(ctx)
    sheets = {
        INFO_SHEET: _info(ctx),
        "Số đơn vị theo mức": level_table(panel),
        **{f"Phần {p} qua các năm": wide_table(panel, p) for p in panel.parts},
        "Chuyển mức": moves,
        "Sáp nhập": merged,
        "Từng năm": history,
    }
    formats = {**NUMBER_FORMATS, "Hạng": "0"}
    formats |= {f"Tỷ lệ (%) {y}": "0.00" for y in panel.years} | {
        f"Hạng {y}": "0" for y in panel.years
    }
    written = [
        write_csv(history, folder / f"{stem}-tung-nam.csv", marks),
        write_csv(moves, folder / f"{stem}-chuyen-muc.csv", marks),
        write_csv(merged, folder / f"{stem}-sap-nhap.csv", marks),
        *[
            write_csv(wide_table(panel, p), folder / f"{stem}-phan-{p}.csv", marks)
            for p in panel.parts
        ],
        write_workbook(sheets, folder / f"{stem}.xlsx", marks, formats),
    ]
    names = ", ".join(file_name(path.as_posix()) for path in written)
    return HTML(f'<p class="files">Tệp bảng kèm theo: {names}.</p>')


def _info(ctx: PanelContext) -> pd.DataFrame:
    """What the tables were computed from: each year's survey and criteria, with checksums."""
    rows = []
    for year, result in ctx.panel.results.items():
        rows += [
            (f"Năm {year}: tệp khảo sát", Path(result.evidence.source).name),
            (f"Năm {year}: SHA-256 tệp khảo sát", result.evidence.sha256),
            (
                f"Năm {year}: bộ tiêu chí",
                f"{result.criteria.version} ({result.criteria.status_label})",
            ),
            (f"Năm {year}: SHA-256 bộ tiêu chí", result.criteria.sha256),
        ]
    return pd.DataFrame(rows, columns=["Mục", "Nội dung"])


__all__ = [
    "PanelContext",
    "Parameters",
    "cover",
    "mergers",
    "overview",
    "plan",
    "prepare",
    "transitions",
    "units",
    "write_outputs",
]
