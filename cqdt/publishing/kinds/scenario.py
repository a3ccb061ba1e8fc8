"""The what-if report: a scenario applied to one year, before against after (``cqdt whatif``).

:func:`plan` checks a scenario and its inputs and plans one report (nothing is written when
anything is wrong); the notebook ``notebooks/kich_ban.ipynb`` calls :func:`prepare`, then one
function per section. Every number comes from :mod:`cqdt.scenarios`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import ClassVar

import pandas as pd
from IPython.display import HTML

from cqdt.criteria import LEVEL_TITLES, LEVELS
from cqdt.files import write_csv, write_workbook
from cqdt.numbers import format_points
from cqdt.output import safe_name
from cqdt.problems import CriteriaError, Problem, ProblemCode
from cqdt.publishing import charts
from cqdt.publishing.context import document_warnings, warning_html
from cqdt.publishing.html import esc, figure_html, section, table_html
from cqdt.publishing.outcome import Outcome, hashed_input
from cqdt.publishing.parameters import NotebookParameters
from cqdt.scenarios import Scenario, WhatIf, apply_scenario, level_counts, load_scenario
from cqdt.scoring import ScoreResult
from cqdt.tables import INFO_SHEET, NUMBER_FORMATS, info_table, part_titles
from cqdt.workspace import Workspace

COMPARISON_COLUMNS = {
    "part": "Phần",
    "unit": "Đơn vị",
    "achieved_before": "Số điểm thực hiện (trước)",
    "achieved": "Số điểm thực hiện (sau)",
    "rate_before": "Tỷ lệ thực hiện % (trước)",
    "rate": "Tỷ lệ thực hiện % (sau)",
    "converted_published_before": "Điểm quy đổi (trước)",
    "converted_published": "Điểm quy đổi (sau)",
    "points_change": "Chênh lệch điểm quy đổi",
    "rank_before": "Hạng (trước)",
    "rank": "Hạng (sau)",
    "rank_change": "Thay đổi hạng (+ là tăng)",
    "level_before": "Mức (trước)",
    "level": "Mức (sau)",
    "level_change": "Thay đổi mức",
}
TRANSITION_COLUMNS = {
    "part": "Phần",
    "level_before": "Mức trước",
    "level": "Mức sau",
    "count": "Số đơn vị",
    "units": "Đơn vị",
}


class Parameters(NotebookParameters):
    """A what-if scenario applied to one year (``notebooks/kich_ban.ipynb``).

    ``level`` must be the scenario's base level (the notebook checks it).
    """

    kind: ClassVar[str] = "kich-ban"
    title: ClassVar[str] = "Báo cáo kịch bản giả định"
    notebook: ClassVar[str] = "kich_ban.ipynb"

    scenario_file: str
    """The scenario YAML file (see ``criteria/README.md``)."""


@dataclass(frozen=True)
class ScenarioContext:
    """The inputs and results one what-if report presents."""

    params: Parameters
    what_if: WhatIf
    synthetic: bool

    @property
    def result(self) -> ScoreResult:
        """The results under the scenario (what the document warnings look at)."""
        return self.what_if.after


def score_scenario(workspace: Workspace, scenario: Scenario, year: int) -> WhatIf:
    """Score a year with the scenario's base criteria and apply the scenario to it."""
    base = scenario.base
    if not base.covers(year):
        raise CriteriaError(
            [
                Problem(
                    scenario.source,
                    "base",
                    "version",
                    f"bộ tiêu chí {base.version} {LEVELS[base.level]} không có hiệu lực năm "
                    f"{year} (hiệu lực {base.valid_from.year}–"
                    f"{base.valid_to.year if base.valid_to else 'nay'})",
                    code=ProblemCode.CRITERIA_NOT_IN_FORCE,
                )
            ]
        )
    before = workspace.score(base.level, year, criteria_file=base.source)
    return apply_scenario(scenario, before)


def prepare(params: Parameters) -> ScenarioContext:
    """Check the scenario, score the year with its base criteria and apply it."""
    workspace = Workspace.at(params.criteria_dir, params.data_dir)
    scenario = load_scenario(params.scenario_file, params.criteria_dir)
    if scenario.base.level != params.level:
        raise ValueError(
            f"Kịch bản dựa trên bộ tiêu chí {LEVELS[scenario.base.level]}, tham số level là "
            f"«{params.level}»"
        )
    what_if = score_scenario(workspace, scenario, params.year)
    return ScenarioContext(params, what_if, workspace.synthetic)


def plan(workspace: Workspace, scenario_file: Path, year: int, report_date: date) -> list[Outcome]:
    """Check a scenario and the year's data (raising :class:`InputError`) and plan its report;
    its note sums up what the scenario changes (:func:`summary_line`)."""
    scenario = load_scenario(scenario_file, workspace.criteria_dir)
    what_if = score_scenario(workspace, scenario, year)  # bad data stops here, nothing written
    base = scenario.base
    params = Parameters(
        level=base.level,
        year=year,
        criteria_dir=str(workspace.criteria_dir.resolve()),
        data_dir=str(workspace.data_dir.resolve()),
        scenario_file=str(scenario_file.resolve()),
        report_date=report_date.isoformat(),
    )
    inputs = {
        name: hashed_input(path)
        for name, path in (
            ("scenario", scenario_file),
            ("criteria", Path(base.source)),
            ("survey", Path(what_if.before.evidence.source)),
            ("units", workspace.units_file),
        )
        if path.exists()
    }
    outcome = params.outcome(
        f"{safe_name(scenario_file.stem)}-{base.level}-{year}",
        inputs,
        criteria={"version": base.version, "status": base.status, "label": base.status_label},
        synthetic=workspace.synthetic,
        unit_count=len(what_if.before.evidence.units),
        note=f"Kịch bản «{scenario.title}», năm {year}: {summary_line(what_if)}.",
    )
    return [outcome]


# --- tables --------------------------------------------------------------------------------


def comparison_table(what_if: WhatIf) -> pd.DataFrame:
    """Per unit and part, before and after, Vietnamese headers; rates in %."""
    table = what_if.comparison.assign(
        rate_before=what_if.comparison["rate_published_before"] * 100,
        rate=what_if.comparison["rate_published"] * 100,
    )
    return table[list(COMPARISON_COLUMNS)].rename(columns=COMPARISON_COLUMNS)


def transition_table(what_if: WhatIf) -> pd.DataFrame:
    """Counts of units from each level to each level, per part, with their names."""
    return what_if.transitions[list(TRANSITION_COLUMNS)].rename(columns=TRANSITION_COLUMNS)


# --- sections ------------------------------------------------------------------------------


def cover(ctx: ScenarioContext) -> HTML:
    """Title, scenario, base criteria, year, and the markings every page carries."""
    scenario, p = ctx.what_if.scenario, ctx.params
    marking, sentences = warning_html(ctx, "KỊCH BẢN GIẢ ĐỊNH", "KHÔNG PHẢI KẾT QUẢ CHÍNH THỨC")
    return HTML(
        f"""<section class="cover">
<p class="running-header">Kịch bản giả định: {esc(scenario.title)}</p>
{marking}
<h1>KỊCH BẢN GIẢ ĐỊNH<br/>{esc(scenario.title)}</h1>
<p class="subtitle">{esc(LEVEL_TITLES[p.level])}<br/>Dữ liệu năm {p.year}</p>
<p>{esc(scenario.description)}</p>
<table class="thong-tin">
<tr><th>Tệp kịch bản</th><td>{esc(Path(scenario.source).name)}</td></tr>
<tr><th>Bộ tiêu chí gốc</th><td>{esc(scenario.base.title)}, phiên bản
{esc(scenario.base.version)} ({esc(scenario.base.status_label)})</td></tr>
<tr><th>Số đơn vị</th><td>{len(ctx.what_if.before.evidence.units)}</td></tr>
<tr><th>Cách tính lại</th><td>{esc(_how(scenario))}</td></tr>
</table>
<p class="canh-bao">Đây là <strong>kịch bản giả định</strong> để tham khảo: «trước» là kết quả
chấm theo bộ tiêu chí gốc, «sau» là kết quả nếu áp dụng các thay đổi dưới đây.</p>
{sentences}
</section>"""
    )


def _how(scenario: Scenario) -> str:
    if scenario.weight_only:
        return "chỉ đổi trọng số: tổng hợp lại ma trận điểm tiêu chí, không chấm lại"
    return (
        "đổi ngưỡng mức hoặc quy tắc làm tròn (và có thể trọng số): tổng hợp lại ma trận điểm "
        "tiêu chí theo bộ tiêu chí đã sửa, không chấm lại"
    )


def changes(ctx: ScenarioContext) -> HTML:
    """What the scenario changes, in words, and the criterion maxima it gives."""
    scenario = ctx.what_if.scenario
    table = scenario.base.criteria_table()
    weights = scenario.weights.reindex(table["criterion"]).to_numpy()
    moved = table.assign(after=weights)[lambda t: t["max"] != t["after"]]
    body = [table_html(scenario.describe())]
    if len(moved):
        body.append("<h3>Điểm tối đa các tiêu chí thay đổi</h3>")
        body.append(
            table_html(
                pd.DataFrame(
                    {
                        "Mã": moved["criterion"],
                        "Tiêu chí": moved["name"],
                        "Điểm tối đa (trước)": moved["max"].astype(float),
                        "Điểm tối đa (sau)": moved["after"].astype(float),
                    }
                )
            )
        )
        body.append(
            "<p>Điểm tối đa của mỗi phần giữ nguyên: điểm quy đổi vẫn trên thang chính thức.</p>"
        )
    return section("I. Các thay đổi của kịch bản", "".join(body), new_page=False)


def transitions(ctx: ScenarioContext) -> HTML:
    """Units per level before and after, and who moved between levels."""
    titles = part_titles(ctx.result)
    moves = transition_table(ctx.what_if)
    moved = moves[moves["Mức trước"] != moves["Mức sau"]]
    body = [table_html(level_counts(ctx.what_if)), "<h3>Chuyển mức</h3>"]
    if moved.empty:
        body.append("<p>Không đơn vị nào đổi mức.</p>")
    for part in ctx.result.criteria.parts:
        own = moved[moved["Phần"] == part.code]
        if len(own):
            body.append(f"<p><strong>{esc(titles[part.code])}</strong></p><ul>")
            body += [
                f"<li>Mức {esc(r['Mức trước'])} → {esc(r['Mức sau'])}: {r['Số đơn vị']} đơn vị "
                f"({esc(r['Đơn vị'])})</li>"
                for _, r in own.iterrows()
            ]
            body.append("</ul>")
    return section("II. Số đơn vị theo mức và chuyển mức", "".join(body))


def comparison(ctx: ScenarioContext) -> HTML:
    """Per part: the before/after table and the rank changes chart."""
    titles = part_titles(ctx.result)
    table = comparison_table(ctx.what_if)
    body = [
        "<p>Hạng xếp theo tỷ lệ thực hiện; đơn vị bằng nhau cùng hạng. «Thay đổi hạng» dương "
        "là tăng hạng.</p>"
    ]
    for part in ctx.result.criteria.parts:
        rows = table[table["Phần"] == part.code].drop(columns="Phần")
        for column in ("Hạng (trước)", "Hạng (sau)", "Thay đổi hạng (+ là tăng)"):
            rows[column] = rows[column].astype(str)
        body.append(f"<h3>Phần {esc(titles[part.code])}</h3>")
        body.append(table_html(rows, "bang so-sanh"))
        changes_of = ctx.what_if.comparison[ctx.what_if.comparison["part"] == part.code]
        if (changes_of["rank_change"] == 0).all():
            body.append("<p>Không đơn vị nào đổi hạng ở phần này.</p>")
            continue
        title = f"Phần {part.code}: thay đổi thứ hạng theo kịch bản"
        body.append(figure_html(charts.rank_changes(changes_of, title), title))
    return section("III. So sánh từng đơn vị", "".join(body))


def write_outputs(ctx: ScenarioContext) -> HTML:
    """Write the comparison and transitions (CSV each, one XLSX) and name them with folder."""
    folder = Path(ctx.params.output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    stem = Parameters.stem(ctx.params.level, ctx.params.year)
    compared, moves = comparison_table(ctx.what_if), transition_table(ctx.what_if)
    info = pd.concat(
        [
            pd.DataFrame(
                [
                    ("Kịch bản", ctx.what_if.scenario.title),
                    ("Tệp kịch bản", Path(ctx.what_if.scenario.source).name),
                    ("SHA-256 tệp kịch bản", ctx.what_if.scenario.sha256),
                ],
                columns=["Mục", "Nội dung"],
            ),
            info_table(ctx.what_if.before),
        ],
        ignore_index=True,
    )
    marks = document_warnings(ctx)
    written = [
        write_csv(compared, folder / f"{stem}-so-sanh.csv", marks),
        write_csv(moves, folder / f"{stem}-chuyen-muc.csv", marks),
        write_workbook(
            {
                INFO_SHEET: info,
                "Thay đổi": ctx.what_if.scenario.describe(),
                "So sánh": compared,
                "Chuyển mức": moves,
            },
            folder / f"{stem}.xlsx",
            marks,
            NUMBER_FORMATS,
        ),
    ]
    names = ", ".join(esc(path.as_posix()) for path in written)
    return HTML(f'<p class="files">Tệp bảng kèm theo: {names}.</p>')


def summary_line(what_if: WhatIf) -> str:
    """One sentence per part: how many units changed rank and level (for the command line)."""
    lines = []
    for part in what_if.after.criteria.parts:
        rows = what_if.comparison[what_if.comparison["part"] == part.code]
        lines.append(
            f"phần {part.code}: {int((rows['rank_change'] != 0).sum())} đơn vị đổi hạng, "
            f"{int(rows['level_change'].isin(['lên', 'xuống']).sum())} đơn vị đổi mức; "
            f"điểm quy đổi thay đổi nhiều nhất "
            f"{format_points(rows['points_change'].abs().max())}"
        )
    return "; ".join(lines)


__all__ = [
    "Parameters",
    "ScenarioContext",
    "changes",
    "comparison",
    "cover",
    "plan",
    "prepare",
    "transitions",
    "write_outputs",
]
