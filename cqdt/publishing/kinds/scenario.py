"""The what-if report: one or several scenarios applied to one year (``cqdt whatif``).

:func:`plan` checks every scenario and the data of every year asked for (nothing is written when
anything is wrong) and plans one report per year; the notebook ``notebooks/kich_ban.ipynb``
calls :func:`prepare`, then one function per section. With several scenarios the report puts
them side by side (official, then each scenario's converted points, rank and level), as COINr
compares coins. Every number comes from :mod:`cqdt.scenarios` and :mod:`cqdt.whatif_tables`.
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

from cqdt.criteria import LEVEL_TITLES, LEVELS
from cqdt.numbers import format_number, format_points
from cqdt.output import safe_name
from cqdt.problems import CriteriaError, InputError, Problem, ProblemCode
from cqdt.publishing import charts
from cqdt.publishing.context import document_warnings, warning_html
from cqdt.publishing.html import esc, figure_html, file_name, landscape, section, table_html
from cqdt.publishing.outcome import Outcome, criteria_record, hashed_input
from cqdt.publishing.parameters import NotebookParameters
from cqdt.scenarios import Scenario, WhatIf, apply_scenario, load_scenario
from cqdt.scoring import ScoreResult
from cqdt.tables import CONVERTED_COLUMN, part_titles
from cqdt.whatif_tables import (
    OFFICIAL,
    comparison_table,
    level_count_table,
    rescaling_table,
    scenario_labels,
    side_by_side,
    transition_table,
    write_whatif_tables,
)
from cqdt.workspace import Workspace

SIDE_BY_SIDE = 4
"""Scenarios per side-by-side table: with the official columns, it fits a landscape A4 page."""


class Parameters(NotebookParameters):
    """What-if scenarios applied to one year (``notebooks/kich_ban.ipynb``).

    ``level`` must be the scenarios' base level (the notebook checks it).
    """

    kind: ClassVar[str] = "kich-ban"
    title: ClassVar[str] = "Báo cáo kịch bản giả định"
    notebook: ClassVar[str] = "kich_ban.ipynb"

    scenario_files: list[str] = Field(min_length=1)
    """The scenario YAML files (see ``criteria/README.md``), compared in this order."""


@dataclass(frozen=True)
class ScenarioContext:
    """The inputs and results one what-if report presents."""

    params: Parameters
    what_ifs: tuple[WhatIf, ...]
    synthetic: bool

    @property
    def result(self) -> ScoreResult:
        """The official result the scenarios change (what the document warnings look at)."""
        return self.what_ifs[0].before

    @property
    def labels(self) -> list[str]:
        return scenario_labels(len(self.what_ifs))


def load_scenarios(files: Sequence[str | Path], criteria_dir: str | Path) -> list[Scenario]:
    """Check every scenario file; raise :class:`InputError` listing the problems of all of them,
    and if they do not share one base criteria set (they are compared on the same year)."""
    scenarios, problems = [], []
    for file in files:
        try:
            scenarios.append(load_scenario(file, criteria_dir))
        except InputError as err:
            problems += err.problems
    if problems:
        raise InputError(problems)
    first = scenarios[0].base
    others = [
        s for s in scenarios if (s.base.version, s.base.level) != (first.version, first.level)
    ]
    if others:
        raise InputError(
            [
                Problem(
                    s.source,
                    "base",
                    "version",
                    f"các kịch bản được so sánh phải dựa trên cùng một bộ tiêu chí; kịch bản này "
                    f"dựa trên {s.base.version} {LEVELS[s.base.level]}, kịch bản đầu tiên dựa "
                    f"trên {first.version} {LEVELS[first.level]}",
                    code=ProblemCode.DIFFERENT_BASES,
                )
                for s in others
            ]
        )
    return scenarios


def scenario_years(
    workspace: Workspace, scenario: Scenario, years: Sequence[int] | str
) -> list[int]:
    """The years to apply a scenario to: those asked for, or (``"all"``) every year with a
    survey of its level in which its base criteria are in force. Raise :class:`CriteriaError`
    for a year asked for in which they are not."""
    base = scenario.base
    if isinstance(years, str):  # "all"
        found = [int(y) for y in workspace.surveys(base.level)["year"] if base.covers(int(y))]
        if not found:
            raise CriteriaError([_not_in_force(scenario, "mọi năm có dữ liệu")])
        return found
    outside = [y for y in years if not base.covers(y)]
    if outside:
        raise CriteriaError([_not_in_force(scenario, f"năm {y}") for y in outside])
    return list(years)


def _not_in_force(scenario: Scenario, when: str) -> Problem:
    base = scenario.base
    return Problem(
        scenario.source,
        "base",
        "version",
        f"bộ tiêu chí {base.version} {LEVELS[base.level]} không có hiệu lực {when} (hiệu lực "
        f"{base.valid_from.year}–{base.valid_to.year if base.valid_to else 'nay'})",
        code=ProblemCode.CRITERIA_NOT_IN_FORCE,
    )


def apply_all(workspace: Workspace, scenarios: Sequence[Scenario], year: int) -> tuple[WhatIf, ...]:
    """Score a year with the scenarios' base criteria once and apply every scenario to it."""
    scenario_years(workspace, scenarios[0], [year])
    base = scenarios[0].base
    before = workspace.score(base.level, year, criteria_file=base.source)
    return tuple(apply_scenario(s, before) for s in scenarios)


def prepare(params: Parameters) -> ScenarioContext:
    """Check the scenarios, score the year with their base criteria and apply them."""
    workspace = Workspace.at(params.criteria_dir, params.data_dir)
    scenarios = load_scenarios(params.scenario_files, params.criteria_dir)
    if scenarios[0].base.level != params.level:
        raise ValueError(
            f"Kịch bản dựa trên bộ tiêu chí {LEVELS[scenarios[0].base.level]}, tham số level là "
            f"«{params.level}»"
        )
    return ScenarioContext(
        params, apply_all(workspace, scenarios, params.year), workspace.synthetic
    )


def plan(
    workspace: Workspace,
    scenario_files: Sequence[Path],
    years: Sequence[int] | str,
    report_date: date,
) -> list[Outcome]:
    """Check the scenarios and the data of every year (raising :class:`InputError`, nothing
    written) and plan one report per year; ``years`` is a list or ``"all"`` (every year with
    data in which the base criteria are in force). Each note sums up what moved."""
    scenarios = load_scenarios(scenario_files, workspace.criteria_dir)
    base = scenarios[0].base
    planned = []
    for year in scenario_years(workspace, scenarios[0], years):
        what_ifs = apply_all(workspace, scenarios, year)  # bad data stops here, nothing written
        params = Parameters(
            level=base.level,
            year=year,
            criteria_dir=str(workspace.criteria_dir.resolve()),
            data_dir=str(workspace.data_dir.resolve()),
            scenario_files=[str(Path(f).resolve()) for f in scenario_files],
            report_date=report_date.isoformat(),
        )
        inputs = {
            f"scenario{'' if len(scenarios) == 1 else f' {n}'}": hashed_input(f)
            for n, f in enumerate(scenario_files, start=1)
        }
        inputs |= {
            name: hashed_input(path)
            for name, path in (
                ("criteria", Path(base.source)),
                ("survey", Path(what_ifs[0].before.evidence.source)),
                ("units", workspace.units_file),
            )
            if path.exists()
        }
        name = (
            safe_name(Path(scenario_files[0]).stem)
            if len(scenarios) == 1
            else f"{len(scenarios)}-kich-ban"
        )
        notes = [f"Kịch bản «{w.scenario.title}», năm {year}: {summary_line(w)}." for w in what_ifs]
        planned.append(
            params.outcome(
                f"{name}-{base.level}-{year}",
                inputs,
                criteria=criteria_record(base),
                synthetic=workspace.synthetic,
                unit_count=len(what_ifs[0].before.evidence.units),
                note="\n".join(notes),
            )
        )
    return planned


# --- sections ------------------------------------------------------------------------------


def cover(ctx: ScenarioContext) -> HTML:
    """Title, scenarios, base criteria, year, and the markings every page carries."""
    p, what_ifs = ctx.params, ctx.what_ifs
    base = what_ifs[0].scenario.base
    marking, sentences = warning_html(ctx, "KỊCH BẢN GIẢ ĐỊNH", "KHÔNG PHẢI KẾT QUẢ CHÍNH THỨC")
    title = (
        what_ifs[0].scenario.title
        if len(what_ifs) == 1
        else f"So sánh {len(what_ifs)} kịch bản với kết quả chính thức"
    )
    scenarios = "".join(
        f"<tr><th>{esc(label)}</th><td>{esc(w.scenario.title)} "
        f"({file_name(Path(w.scenario.source).name)})"
        + (f"<br/>{esc(w.scenario.description)}" if w.scenario.description else "")
        + "</td></tr>"
        for w, label in zip(what_ifs, ctx.labels, strict=True)
    )
    return HTML(
        f"""<section class="cover">
<p class="running-header">Kịch bản giả định: {esc(title)}</p>
{marking}
<h1>KỊCH BẢN GIẢ ĐỊNH<br/>{esc(title)}</h1>
<p class="subtitle">{esc(LEVEL_TITLES[p.level])}<br/>Dữ liệu năm {p.year}</p>
<table class="thong-tin">
{scenarios}
<tr><th>Bộ tiêu chí gốc</th><td>{esc(base.title)}, phiên bản
{esc(base.version)} ({esc(base.status_label)})</td></tr>
<tr><th>Số đơn vị</th><td>{len(ctx.result.evidence.units)}</td></tr>
<tr><th>Cách tính lại</th><td>tổng hợp lại ma trận điểm từng tiêu chí của kết quả chính thức
theo điểm tối đa, ngưỡng mức và quy tắc làm tròn của kịch bản; dữ liệu khảo sát không được
chấm lại</td></tr>
</table>
<p class="canh-bao">Đây là <strong>kịch bản giả định</strong> để tham khảo: «{OFFICIAL}» là kết
quả chấm theo bộ tiêu chí gốc, mỗi kịch bản là kết quả nếu áp dụng các thay đổi của nó.</p>
{sentences}
</section>"""
    )


def changes(ctx: ScenarioContext) -> HTML:
    """Each scenario's changes in words, the criterion maxima it gives and how achieved points
    are brought back to each part's scale (so the tables can be checked by hand)."""
    body = []
    for what_if, label in zip(ctx.what_ifs, ctx.labels, strict=True):
        scenario = what_if.scenario
        if len(ctx.what_ifs) > 1:
            body.append(f"<h3>{esc(label)}: {esc(scenario.title)}</h3>")
        body.append(table_html(scenario.describe(), "bang thay-doi"))
        table = scenario.base.criteria_table()
        weights = scenario.weights.reindex(table["criterion"]).to_numpy()
        moved = table.assign(after=weights)[lambda t: t["max"] != t["after"]]
        if len(moved):
            body.append("<p>Điểm tối đa các tiêu chí thay đổi:</p>")
            body.append(
                table_html(
                    pd.DataFrame(
                        {
                            "Mã": moved["criterion"],
                            "Tiêu chí": moved["name"],
                            "Điểm tối đa (chính thức)": moved["max"].astype(float),
                            "Điểm tối đa (kịch bản)": moved["after"].astype(float),
                        }
                    ),
                    "bang thay-doi",
                )
            )
        body.append(_rescaling_html(what_if))
    return section("I. Các thay đổi của kịch bản", "".join(body), new_page=False)


def _rescaling_html(what_if: WhatIf) -> str:
    """The note on rescaled achieved points, with the factor of every part it applies to."""
    table = rescaling_table(what_if)
    rescaled = table[table["Hệ số quy về thang của phần"] != 1]
    if rescaled.empty:
        return (
            "<p>Tổng điểm tối đa của các tiêu chí trong mỗi phần không đổi: số điểm thực hiện "
            "cộng thẳng từ điểm các tiêu chí, như bảng chính thức.</p>"
        )
    words = "; ".join(
        f"phần {esc(r[0])}: {format_points(r[1])} ÷ {format_points(r[2])} = "
        f"{format_number(r[3], 4)}"
        for r in rescaled.itertuples(index=False)
    )
    return (
        "<p><strong>Số điểm thực hiện được quy về thang của phần.</strong> Điểm tối đa của mỗi "
        "phần giữ nguyên (điểm quy đổi vẫn trên thang chính thức), nên khi tổng điểm tối đa các "
        "tiêu chí của phần đổi, số điểm thực hiện và số điểm không đưa vào đánh giá của đơn vị "
        "(cộng theo điểm tối đa mới) được nhân với điểm tối đa của phần ÷ tổng điểm tối đa mới: "
        f"{words}. Phép nhân này không đổi tỷ lệ thực hiện; vì vậy số điểm thực hiện có thể "
        "đổi cả khi tỷ lệ gần như không đổi. Tỷ lệ = số điểm thực hiện ÷ số điểm tối đa cần "
        "thực hiện; điểm quy đổi = tỷ lệ × điểm tối đa của phần.</p>"
    )


def transitions(ctx: ScenarioContext) -> HTML:
    """Units per level, official and under each scenario, and who moved between levels."""
    titles = part_titles(ctx.result)
    body = [table_html(level_count_table(ctx.what_ifs, ctx.labels))]
    for what_if, label in zip(ctx.what_ifs, ctx.labels, strict=True):
        moves = transition_table(what_if)
        moved = moves[moves["Mức trước"] != moves["Mức sau"]]
        heading = "Chuyển mức" + (f" — {label}" if len(ctx.what_ifs) > 1 else "")
        body.append(f"<h3>{esc(heading)}</h3>")
        if moved.empty:
            body.append("<p>Không đơn vị nào đổi mức.</p>")
        for part in ctx.result.criteria.parts:
            own = moved[moved["Phần"] == part.code]
            if len(own):
                body.append(f"<p><strong>{esc(titles[part.code])}</strong></p><ul>")
                body += [
                    f"<li>Mức {esc(r['Mức trước'])} → {esc(r['Mức sau'])}: {r['Số đơn vị']} "
                    f"đơn vị ({esc(r['Đơn vị'])})</li>"
                    for _, r in own.iterrows()
                ]
                body.append("</ul>")
    return section("II. Số đơn vị theo mức và chuyển mức", "".join(body))


def _two_rows(table: pd.DataFrame) -> pd.DataFrame:
    """``Hạng (sau)`` headers split over two header rows (``Hạng`` above ``sau``) and the
    ranks as text, so wide tables stay narrow."""
    shown = table.copy()
    for column in shown.columns:
        if str(column).startswith(("Hạng", "Thay đổi hạng")):
            shown[column] = shown[column].astype(str)
    shown.columns = pd.MultiIndex.from_tuples(
        [
            (name[: name.rindex(" (")], name[name.rindex(" (") + 2 : -1])
            if name.endswith(")") and " (" in name and not name.endswith("(%)")
            else (name, "")
            for name in map(str, shown.columns)
        ]
    )
    return shown


SHORT = {CONVERTED_COLUMN: "Điểm quy đổi", "Hạng": "Hạng", "Mức": "Mức"}
"""Measures of the side-by-side table, as headed under each scenario's name."""


def _by_scenario(table: pd.DataFrame) -> pd.DataFrame:
    """Side-by-side headers over two rows: the scenario (``Chính thức``, ``Kịch bản 1``) above
    its measures (``Điểm quy đổi``, ``Hạng``, ``Mức``); ranks as text."""
    shown = table.copy()
    headers = []
    for name in map(str, shown.columns):
        if " (" not in name:
            headers.append((name, ""))
            continue
        measure, label = name[: name.rindex(" (")], name[name.rindex(" (") + 2 : -1]
        if measure == "Hạng":
            shown[name] = shown[name].astype(str)
        headers.append((label[0].upper() + label[1:], SHORT[measure]))
    shown.columns = pd.MultiIndex.from_tuples(headers)
    return shown


def side_by_side_section(ctx: ScenarioContext) -> HTML:
    """Several scenarios: per part, official and every scenario side by side (landscape)."""
    if len(ctx.what_ifs) == 1:
        return HTML("")
    titles = part_titles(ctx.result)
    table = side_by_side(ctx.what_ifs, ctx.labels)
    body = [
        "<p>Mỗi đơn vị một dòng, theo thứ tự hạng chính thức: điểm quy đổi, hạng và mức chính "
        "thức, rồi của từng kịch bản.</p>"
    ]
    for part in ctx.result.criteria.parts:
        rows = table[table["Phần"] == part.code].drop(columns="Phần")
        for start in range(0, len(ctx.labels), SIDE_BY_SIDE):
            chosen = [OFFICIAL, *ctx.labels[start : start + SIDE_BY_SIDE]]
            columns = ["Đơn vị"] + [
                c for c in rows.columns if c.endswith(tuple(f"({x})" for x in chosen))
            ]
            body.append(f"<h3>Phần {esc(titles[part.code])}</h3>")
            body.append(table_html(_by_scenario(rows[columns]), "bang rong doi-chieu"))
    return landscape(section("III. Đối chiếu các kịch bản", "".join(body)))


def comparison(ctx: ScenarioContext) -> HTML:
    """Per scenario and part: the before/after table (landscape) and the rank changes chart."""
    titles = part_titles(ctx.result)
    number = "IV" if len(ctx.what_ifs) > 1 else "III"
    body = [
        "<p>Hạng xếp theo tỷ lệ thực hiện; đơn vị bằng nhau cùng hạng; «Thay đổi hạng» dương là "
        "tăng hạng. Tỷ lệ thực hiện = số điểm thực hiện ÷ số điểm tối đa cần thực hiện (tính "
        "bằng %, làm tròn như bảng chính thức); điểm quy đổi = tỷ lệ × điểm tối đa của phần.</p>"
    ]
    for what_if, label in zip(ctx.what_ifs, ctx.labels, strict=True):
        table = comparison_table(what_if)
        for part in ctx.result.criteria.parts:
            rows = table[table["Phần"] == part.code].drop(columns=["Phần", "Thay đổi mức"])
            name = (
                f"{label}, phần {titles[part.code]}"
                if len(ctx.what_ifs) > 1
                else f"Phần {titles[part.code]}"
            )
            body.append(f"<h3>{esc(name)}</h3>")
            body.append(table_html(_two_rows(rows), "bang rong so-sanh"))
            changes_of = what_if.comparison[what_if.comparison["part"] == part.code]
            if (changes_of["rank_change"] == 0).all():
                body.append("<p>Không đơn vị nào đổi hạng ở phần này.</p>")
                continue
            title = f"Phần {part.code}: thay đổi thứ hạng theo {label.lower()}"
            body.append(figure_html(charts.rank_changes(changes_of, title), title))
    return landscape(section(f"{number}. So sánh từng đơn vị", "".join(body)))


def write_outputs(ctx: ScenarioContext) -> HTML:
    """Write the what-if tables (CSV, one XLSX) and name them with their folder."""
    folder = Path(ctx.params.output_dir)
    stem = Parameters.stem(ctx.params.level, ctx.params.year)
    written = write_whatif_tables(ctx.what_ifs, folder, stem, document_warnings(ctx))
    names = ", ".join(file_name(path.as_posix()) for path in written)
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
    "side_by_side_section",
    "transitions",
    "write_outputs",
]
