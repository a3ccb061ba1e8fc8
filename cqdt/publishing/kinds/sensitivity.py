"""The weight sensitivity report of one level and year (``cqdt sensitivity``).

:func:`plan` checks the settings against the level's criteria and data and plans one report;
the notebook ``notebooks/do_nhay.ipynb`` calls :func:`prepare` once (it scores and runs
:func:`cqdt.sensitivity.analyse`), then one function per section. Every number shown is a cell
of the tables of the study (``study.tables``), which the report also writes beside itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pandas as pd
from IPython.display import HTML

from cqdt import sensitivity as sens
from cqdt.criteria import LEVEL_TITLES, LEVELS, Level
from cqdt.numbers import format_number
from cqdt.publishing import charts
from cqdt.publishing.context import document_warnings, warning_html
from cqdt.publishing.html import (
    CHART_CHUNK,
    esc,
    figure_html,
    section,
    table_html,
    vietnamese_date,
)
from cqdt.publishing.outcome import Outcome, hashed_input
from cqdt.publishing.parameters import NotebookParameters
from cqdt.scoring import ScoreResult
from cqdt.sensitivity.settings import SettingsFields
from cqdt.tables import part_titles
from cqdt.workspace import Workspace

AT_RISK_NAMED = 10
"""Units at risk named one by one in a sentence; the rest are counted."""


# SettingsFields is made by pydantic's create_model (from the one settings definition): a
# class mypy cannot see the fields of, so not a valid base to it
class Parameters(SettingsFields, NotebookParameters):  # type: ignore[misc, valid-type]
    """The weight sensitivity report of one level and year (``notebooks/do_nhay.ipynb``).

    Its settings fields (scheme, by, n, delta, …) come from their one definition,
    :mod:`cqdt.sensitivity.settings`, with the bounds of a published study (δ > 0).
    """

    kind: ClassVar[str] = "do-nhay"
    title: ClassVar[str] = "Phân tích độ nhạy của trọng số"
    notebook: ClassVar[str] = "do_nhay.ipynb"


@dataclass(frozen=True)
class SensitivityContext:
    """The inputs and results one sensitivity report presents."""

    params: Parameters
    result: ScoreResult
    study: sens.SensitivityResult
    synthetic: bool


def prepare(params: Parameters) -> SensitivityContext:
    """Score the level and year, then run the sensitivity study (errors stop the report)."""
    workspace = Workspace.at(params.criteria_dir, params.data_dir)
    result = workspace.score(params.level, params.year)
    study = sens.analyse(result, sens.settings_of(params))
    return SensitivityContext(params, result, study, workspace.synthetic)


def plan(
    workspace: Workspace, level: Level, year: int | None, settings: sens.Settings, report_date: str
) -> list[Outcome]:
    """Check the settings against the level's criteria and data and plan one report.

    ``year`` ``None`` is the latest year with data. ``ValueError`` (Vietnamese) when there is no
    survey or the settings do not fit the criteria; :class:`~cqdt.problems.InputError` when the
    data have errors: nothing is run then.
    """
    years = workspace.surveys(level)["year"]
    chosen = year or (int(years.max()) if len(years) else 0)
    if chosen not in set(years):
        raise ValueError(
            f"không tìm thấy tệp khảo sát {LEVELS[level]} năm {year or '(bất kỳ)'} trong "
            f"{workspace.data_dir}; cần dạng <năm>/{level}.csv"
        )
    result = workspace.score(level, chosen)  # bad data stops here, nothing written
    sens.check_fits(settings, result.criteria, len(result.points))
    params = Parameters(
        level=level,
        year=chosen,
        criteria_dir=str(workspace.criteria_dir.resolve()),
        data_dir=str(workspace.data_dir.resolve()),
        report_date=report_date,
        **sens.offered_values(settings),
    )
    inputs = {
        "survey": hashed_input(result.evidence.source),
        "criteria": hashed_input(result.criteria.source),
    }
    if workspace.units_file.exists():
        inputs["units"] = hashed_input(workspace.units_file)
    cs = result.criteria
    outcome = params.outcome(
        f"{level}-{chosen}",
        inputs,
        criteria={"version": cs.version, "status": cs.status, "label": cs.status_label},
        synthetic=workspace.synthetic,
        unit_count=len(result.points),
        note=f"Phân tích độ nhạy {LEVELS[level]} năm {chosen}: {settings.n} mẫu trọng số "
        f"({settings.scheme}, theo {settings.by}), hạt giống {settings.seed}",
    )
    return [outcome]


def percent(value: float) -> str:
    """``97,5%``."""
    return f"{format_number(value * 100, 1)}%"


def _ordered(study: sens.SensitivityResult, part: str) -> pd.DataFrame:
    """The units of a part, best nominal rank first (units without a rank last)."""
    rows = sens.part_rows(study.units, part)
    return rows.sort_values(["nominal_rank", "unit"], na_position="last")


def _named(rows: pd.DataFrame) -> str:
    """``Phú Vang (38%), A Lưới (22%)``: chance of changing level; the rest counted."""
    head = rows.head(AT_RISK_NAMED)
    named = [
        f"{esc(unit)} ({percent(1 - p_keep)})"
        for unit, p_keep in zip(head["unit"], head["p_keep"], strict=True)
    ]
    if len(rows) > AT_RISK_NAMED:
        named.append(f"và {len(rows) - AT_RISK_NAMED} đơn vị khác")
    return ", ".join(named)


def conclusion_sentences(study: sens.SensitivityResult, titles: dict[str, str]) -> list[str]:
    """The conclusion, one sentence per part and one on the groups, from the tables' numbers."""
    sentences = []
    overall = study.overall.set_index("part")
    for part, title in titles.items():
        rows = sens.part_rows(study.units, part).dropna(subset=["p_keep"])
        risky = sens.at_risk(study, part)
        keep = len(rows) - len(risky)
        text = (
            f"Phần {esc(title)}: {keep}/{len(rows)} đơn vị giữ mức trong ít nhất "
            f"{percent(sens.KEEP_LEVEL_SHARE)} số mẫu"
        )
        if len(risky):
            text += f"; đổi mức (tỷ lệ số mẫu): {_named(risky)}"
        text += (
            f". Tương quan Spearman trung vị với xếp hạng chính thức "
            f"{format_number(overall['spearman_median'].loc[part], 3)}; trung bình mỗi đơn vị "
            f"dịch chuyển {format_number(overall['mean_abs_shift'].loc[part], 2)} bậc."
        )
        sentences.append(text)
    sobol = study.sobol[study.sobol["output"] == "share_level_changed"]
    if len(sobol) and sobol["ST"].max() > 0:
        # pandas-stubs: .loc does not take the Hashable label idxmax() gives
        top = sobol.loc[sobol["ST"].idxmax()]  # type: ignore[call-overload]
        sentences.append(
            f"Nhóm có ảnh hưởng lớn nhất đến việc đổi mức là {esc(top['group'])} "
            f"({esc(top['name'])}), chỉ số Sobol toàn phần {format_number(top['ST'], 2)}."
        )
    sentences.append(convergence_sentence(study))
    return sentences


def convergence_sentence(study: sens.SensitivityResult) -> str:
    """Whether N was enough, from the largest change of a probability between N/2 and N."""
    if study.converged:
        return (
            f"Với N = {study.settings.n} mẫu, các xác suất thay đổi không quá "
            f"{percent(sens.CONVERGENCE_TOLERANCE)} giữa N/2 và N: kết quả đủ ổn định."
        )
    return (
        f"Các xác suất còn thay đổi hơn {percent(sens.CONVERGENCE_TOLERANCE)} giữa N/2 và "
        f"N = {study.settings.n}: nên chạy lại với N lớn hơn."
    )


# --- sections ----------------------------------------------------------------------------


def cover(ctx: SensitivityContext) -> HTML:
    """Title page: level, year, criteria and its status, the warnings every page carries."""
    cs, p = ctx.result.criteria, ctx.params
    marking, sentences = warning_html(ctx)
    return HTML(
        f"""<section class="cover">
<p class="running-header">Độ nhạy theo trọng số, {esc(LEVELS[cs.level])} năm {p.year}</p>
{marking}
<h1>PHÂN TÍCH ĐỘ NHẠY<br/>CỦA XẾP HẠNG VÀ XẾP MỨC THEO TRỌNG SỐ TIÊU CHÍ</h1>
<p class="subtitle">{esc(LEVEL_TITLES[cs.level])}<br/>Năm {p.year}</p>
<table class="thong-tin">
<tr><th>Căn cứ</th><td>{esc(cs.decision)}</td></tr>
<tr><th>Bộ tiêu chí</th><td>{esc(cs.title)}, phiên bản {esc(cs.version)}</td></tr>
<tr><th>Tình trạng bộ tiêu chí</th><td>{esc(cs.status_label)}</td></tr>
<tr><th>Số đơn vị được đánh giá</th><td>{len(ctx.result.points)}</td></tr>
<tr><th>Ngày lập</th><td>{vietnamese_date(p.date)}</td></tr>
</table>
{sentences}
</section>"""
    )


def method(ctx: SensitivityContext) -> HTML:
    """The question in plain words, and how the weights were sampled."""
    s = ctx.study.settings
    by = "mỗi tiêu chí" if s.by == "criterion" else "mỗi nhóm tiêu chí"
    scheme = {
        "uniform": f"nhân trọng số của {by} với một hệ số rút ngẫu nhiên đều trong khoảng "
        f"[{format_number(1 - s.delta)}; {format_number(1 + s.delta)}] (δ = "
        f"{format_number(s.delta)})",
        "dirichlet": f"rút tỷ trọng của {by} trong phần theo phân phối Dirichlet quanh tỷ trọng "
        f"chính thức, độ tập trung {format_number(s.concentration)} (càng lớn càng gần tỷ "
        "trọng chính thức)",
        "simplex": f"rút tỷ trọng của {by} trong phần đều trên mọi cách chia có thể "
        "(Dirichlet toàn số 1)",
    }[s.scheme]
    body = f"""
<p><strong>Câu hỏi:</strong> nếu trọng số của các tiêu chí khác đi một cách hợp lý, thứ hạng
và mức (I, II, III) của từng đơn vị có còn giữ nguyên không? Một mức phụ thuộc nhiều vào
trọng số thì cần thận trọng khi công bố.</p>
<p><strong>Cách làm:</strong> lấy {s.n} bộ trọng số ngẫu nhiên: {esc(scheme)}. Điểm tối đa của
mỗi phần giữ nguyên, nên mỗi bộ là một cách chia lại điểm trong phần. Với mỗi bộ, điểm từng
tiêu chí đã chấm được cộng lại, quy đổi, làm tròn và xếp hạng, xếp mức đúng như khi công bố
(không chấm lại dữ liệu). Hạt giống ngẫu nhiên {s.seed}: chạy lại với cùng tham số cho đúng
cùng kết quả.</p>
<p>Thứ hạng mức 5% (95%) là thứ hạng mà đơn vị đạt hoặc tốt hơn trong ít nhất 5% (95%) số
mẫu. Tương quan Spearman được tính giữa thứ hạng của mẫu và thứ hạng chính thức (các đơn vị
đồng hạng giữ cùng thứ hạng). Ảnh hưởng riêng của từng nhóm được đo bằng chỉ số Sobol
(SALib; mỗi nhóm một hệ số nhân độc lập trong [{format_number(1 - s.delta)};
{format_number(1 + s.delta)}], cỡ mẫu gốc {s.sobol_n}) và bằng cách đổi riêng trọng số một
nhóm ±δ.</p>
<h3>Thông số của lần chạy</h3>
{table_html(ctx.study.tables[sens.SETTINGS_SHEET], "bang thong-so")}
"""
    return section("I. Câu hỏi và phương pháp", body)


def _units_table(ctx: SensitivityContext, part: str) -> pd.DataFrame:
    """The units table of one part, best nominal rank first, as written to the CSV."""
    table = ctx.study.tables[sens.UNITS_SHEET]
    table = table[table["Phần"] == part].drop(columns="Phần")
    return table.sort_values(["Hạng chính thức", "Đơn vị"], na_position="last")


def convergence(ctx: SensitivityContext) -> HTML:
    """Whether N was enough: the statistics at N/2 and N."""
    study = ctx.study
    body = f"<p>{convergence_sentence(study)}</p>" + table_html(
        study.tables[sens.CONVERGENCE_SHEET], "bang hoi-tu"
    )
    return section("II. Số mẫu có đủ không", body)


def rank_uncertainty(ctx: SensitivityContext) -> HTML:
    """Per part: overall figures, then nominal rank, median and 5–95 % interval per unit."""
    study, titles = ctx.study, part_titles(ctx.result)
    k = study.settings.top_k
    body = [
        "<p>Mỗi phần: tương quan Spearman giữa thứ hạng của mẫu và thứ hạng chính thức (1 là "
        "giữ nguyên thứ tự), số bậc trung bình một đơn vị dịch chuyển, tỷ lệ đơn vị dịch "
        f"chuyển quá {k} bậc (trung bình trên các mẫu) và số đơn vị đổi mức trong hơn 5% số "
        "mẫu.</p>",
        table_html(study.tables[sens.OVERALL_SHEET], "bang tong-the"),
    ]
    for part, title in titles.items():
        body.append(f"<h3>Phần {esc(title)}</h3>")
        rows = _ordered(study, part).dropna(subset=["nominal_rank"])
        for n in range(0, len(rows), CHART_CHUNK):
            chart_title = f"Phần {part}: thứ hạng theo trọng số" + (" (tiếp)" if n else "")
            fig = charts.rank_intervals(rows.iloc[n : n + CHART_CHUNK], chart_title)
            body.append(figure_html(fig, chart_title))
    return section("III. Độ bất định của thứ hạng", "".join(body))


def keep_level(ctx: SensitivityContext) -> HTML:
    """Per part: probability of keeping the level per unit, units at risk named, the table."""
    study, titles = ctx.study, part_titles(ctx.result)
    body = []
    for i, (part, title) in enumerate(titles.items()):
        css = ' class="new-page"' if i else ""
        body.append(f"<h3{css}>Phần {esc(title)}</h3>")
        risky = sens.at_risk(study, part)
        body.append(
            f"<p>Đơn vị có nguy cơ đổi mức (đổi mức trong hơn "
            f"{percent(1 - sens.KEEP_LEVEL_SHARE)} số mẫu): "
            f"{_named(risky) if len(risky) else 'không có'}.</p>"
        )
        rows = _ordered(study, part).dropna(subset=["p_keep"])
        for n in range(0, len(rows), CHART_CHUNK):
            chart_title = f"Phần {part}: xác suất giữ mức" + (" (tiếp)" if n else "")
            fig = charts.keep_level_bars(
                rows.iloc[n : n + CHART_CHUNK], sens.KEEP_LEVEL_SHARE, chart_title
            )
            body.append(figure_html(fig, chart_title))
        body.append(table_html(_units_table(ctx, part), "bang do-nhay-don-vi"))
    return section("IV. Khả năng giữ mức của từng đơn vị", "".join(body))


def one_at_a_time(ctx: SensitivityContext) -> HTML:
    """Tornado chart: each group's weight alone moved by −δ and +δ."""
    study = ctx.study
    if study.one_at_a_time.empty:
        body = "<p>Không phần nào có từ hai nhóm trở lên: không có trọng số nhóm để thay đổi.</p>"
    else:
        title = "Đổi riêng trọng số từng nhóm"
        body = figure_html(charts.tornado(study.one_at_a_time, study.settings.delta, title), title)
        body += table_html(study.tables[sens.OAT_SHEET], "bang mot-nhan-to")
    return section("V. Ảnh hưởng của từng nhóm khi đổi riêng", body)


def sobol(ctx: SensitivityContext) -> HTML:
    """Sobol indices per group, with their 95 % intervals, for both outputs."""
    study = ctx.study
    if study.sobol.empty:
        body = "<p>Không tính chỉ số Sobol: cần ít nhất hai nhóm mang được trọng số riêng.</p>"
    else:
        body = (
            "<p>S1: phần biến động của đầu ra do riêng nhóm đó gây ra; ST: kể cả khi kết hợp "
            "với các nhóm khác. Chỉ số gần 0 (khoảng tin cậy chứa 0): trọng số của nhóm không "
            "ảnh hưởng đáng kể. Khi đầu ra không đổi ở mọi mẫu, mọi chỉ số được ghi là 0.</p>"
        )
        for output, label in sens.OUTPUTS.items():
            rows = study.sobol[study.sobol["output"] == output]
            body += figure_html(charts.sobol_indices(rows, f"Chỉ số Sobol: {label}"), label)
        body += table_html(study.tables[sens.SOBOL_SHEET], "bang sobol")
    return section("VI. Chỉ số Sobol theo nhóm", body)


def conclusion(ctx: SensitivityContext) -> HTML:
    """The conclusion generated from the tables' numbers."""
    sentences = conclusion_sentences(ctx.study, part_titles(ctx.result))
    body = "<ul>" + "".join(f"<li>{s}</li>" for s in sentences) + "</ul>"
    return section("VII. Kết luận", body, new_page=False)


def write_outputs(ctx: SensitivityContext) -> HTML:
    """Write the tables (CSV each, one XLSX) beside the notebook and list them."""
    written = sens.write_tables(ctx.study, Path(ctx.params.output_dir), document_warnings(ctx))
    names = ", ".join(esc(path.name) for path in written)
    return HTML(f'<p class="files">Tệp bảng kèm theo: {names}.</p>')


__all__ = [
    "Parameters",
    "SensitivityContext",
    "conclusion",
    "conclusion_sentences",
    "convergence",
    "convergence_sentence",
    "cover",
    "keep_level",
    "method",
    "one_at_a_time",
    "plan",
    "prepare",
    "rank_uncertainty",
    "sobol",
    "write_outputs",
]
