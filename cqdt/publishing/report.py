"""What a report shows, section by section, as HTML fragments for the report notebook.

The notebook calls :func:`prepare` once, then one function per section; every number comes
from :mod:`cqdt.scoring` and :mod:`cqdt.comparison`, none is computed here. Every text that
comes from data (unit names above all) is HTML-escaped.
"""

from __future__ import annotations

import base64
import html
import io
import platform
import textwrap
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from cqdt import __version__
from cqdt.caveats import marking, output_warnings
from cqdt.comparison import compare_years, unit_profile
from cqdt.criteria import LEVEL_TITLES, LEVELS, Part
from cqdt.methods import METHODS, criterion_fields
from cqdt.numbers import format_number, format_points
from cqdt.output import file_sha256, replaced_atomically, safe_name
from cqdt.problems import InputError
from cqdt.publishing import charts
from cqdt.publishing.annex_docx import RankingAnnex, write_ranking_annex
from cqdt.publishing.document import (
    ANNEX_PREFIX,
    SEPARATE_PREFIX,
    DocumentSettings,
    find_document_settings,
)
from cqdt.publishing.parameters import ReportParameters
from cqdt.register import COMPARABLE, ENDED, MERGED_AWAY, NEW, RENAMED
from cqdt.scoring import ScoreResult
from cqdt.tables import (
    RATE_COLUMN,
    official_table,
    part_titles,
    rounding_rule,
    write_result_tables,
)
from cqdt.workspace import Workspace

CHART_CHUNK = 30
"""Units per chart, so bar charts of ~150 communes stay readable and fit a page."""
NOTABLE_MOVE = 2
"""Fewest places a unit must move to be listed among the biggest climbers or fallers."""
LIST_IN_TEXT = 6
"""Names listed in a sentence; longer lists become tables."""


@dataclass(frozen=True)
class ReportContext:
    """The inputs and results one report presents."""

    params: ReportParameters
    workspace: Workspace
    result: ScoreResult
    previous: ScoreResult | None
    comparison: pd.DataFrame | None
    no_comparison_reason: str
    synthetic: bool
    document: DocumentSettings = field(default_factory=DocumentSettings)
    districts: pd.Series | None = None
    """Unit -> district (communes), from the register; ``None`` when it does not say."""


def prepare(params: ReportParameters) -> ReportContext:
    """Score the report's year (errors stop the report) and, if asked, the comparison year."""
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
    )


# --- HTML helpers ------------------------------------------------------------------------


def esc(value: object) -> str:
    return html.escape(str(value))


def figure_html(fig: Figure, alt: str) -> str:
    """A figure as an inline PNG, so the HTML file stands alone and WeasyPrint needs no fetch.

    The image is printed at the figure's own size, so a font size in the chart is the size on
    paper (charts are at most :data:`charts.PRINT_WIDTH` wide).
    """
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    width = f"{fig.get_figwidth():.2f}in"
    return (
        f'<figure><img src="data:image/png;base64,{data}" style="width:{width}" '
        f'alt="{esc(alt)}"/></figure>'
    )


def table_html(table: pd.DataFrame, css_class: str = "bang") -> str:
    """A table with Vietnamese number formats; the text is escaped by pandas."""
    shown = table.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: format_number(v, 2, fixed=True))
    return shown.to_html(index=False, escape=True, classes=css_class, border=0, na_rep="–")


def section(title: str, body: str, new_page: bool = True) -> HTML:
    """A numbered section; its heading (with an id) goes into the table of contents."""
    css = "section new-page" if new_page else "section"
    return HTML(
        f'<section class="{css}"><h2 id="{_anchor(title)}">{esc(title)}</h2>{body}</section>'
    )


def _level_counts(result: ScoreResult) -> pd.DataFrame:
    titles = part_titles(result)
    rows = []
    for part in result.criteria.parts:
        counts = result.parts[result.parts["part"] == part.code]["level"].value_counts()
        row = {"Phần": titles[part.code]}
        row.update({f"Mức {t.level}": int(counts.get(t.level, 0)) for t in part.levels})
        rows.append(row)
    return pd.DataFrame(rows)


def _unit_list(names: pd.Series) -> str:
    """A few names in a sentence; a long list as a table of names, read down its columns."""
    if len(names) > LIST_IN_TEXT:
        return _name_table(names)
    return ", ".join(esc(n) for n in names) if len(names) else "không có"


def _name_table(names: pd.Series, columns: int = 3) -> str:
    rows = -(-len(names) // columns)
    cells = [*names, *[""] * (rows * columns - len(names))]
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(cells[c * rows + r])}</td>" for c in range(columns)) + "</tr>"
        for r in range(rows)
    )
    return f'<table class="danh-sach">{body}</table>'


def _counted(label: str, names: pd.Series) -> str:
    """``Tăng mức (3 đơn vị): a, b, c``; a long list as a table below the label."""
    return (
        f"{label} ({len(names)} đơn vị): {_unit_list(names)}"
        if len(names)
        else f"{label}: không có"
    )


def vietnamese_date(day: date) -> str:
    """``ngày 05 tháng 3 năm 2026``: days below 10 and months 1, 2 take a zero (NĐ 30/2020)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def warnings(ctx: ReportContext) -> list[str]:
    """What the document is, in full sentences: reconstructed criteria, synthetic data.

    Any report's context with ``result`` and ``synthetic`` will do (every kind uses it).
    """
    return output_warnings(ctx.result.criteria.status != "official", ctx.synthetic)


def warning_html(ctx: ReportContext, *marks: str) -> tuple[str, str]:
    """The page marking every printed page repeats (with any extra ``marks``), and the
    warning sentences for a cover; empty strings for official criteria, real data, no marks."""
    found = warnings(ctx)
    mark = " · ".join(m for m in (marking(found), *marks) if m)
    page = f'<p class="page-marking">{esc(mark)}</p>' if mark else ""
    return page, "".join(f'<p class="canh-bao">{esc(w)}</p>' for w in found)


# --- sections ----------------------------------------------------------------------------


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
    """``Kèm theo Báo cáo số …/BC-STTTT ngày 25/11/2026 của Sở Thông tin và Truyền thông``."""
    doc = ctx.document
    return (
        f"Kèm theo Báo cáo số {doc.number_and_symbol} ngày {_short_date(document_date(ctx))} "
        f"của {doc.issuer}"
    )


def annex_heading(ctx: ReportContext, title: str) -> str:
    """An annex's bold capital title and the line saying which document it belongs to."""
    return (
        f'<h2 class="phu-luc" id="{_anchor(title)}">{esc(title.upper())}</h2>'
        f'<p class="kem-theo">({esc(annex_of(ctx))})</p>'
    )


def _file_name(name: str) -> str:
    """A file name that is never broken across lines (it would read as two names)."""
    return f'<span class="tep">{esc(name)}</span>'


def _anchor(title: str) -> str:
    return "muc-" + safe_name(title)


def cover(ctx: ReportContext) -> HTML:
    """First page: the standard header block, document type and summary, what it rests on."""
    cs, p, doc = ctx.result.criteria, ctx.params, ctx.document
    mark_html, sentences = warning_html(ctx)
    return HTML(
        f"""<section class="cover">
<p class="running-header">{esc(subject(ctx))}</p>
{mark_html}
<table class="quoc-hieu"><tr>
<td class="co-quan"><span class="chu-quan">{esc(doc.superior.upper())}</span><br/>
<strong class="ban-hanh">{esc(doc.issuer.upper())}</strong><span class="gach"></span>
<span class="so">Số: {esc(doc.number_and_symbol)}</span></td>
<td class="quoc-hieu"><strong class="qh">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</strong><br/>
<strong class="tieu-ngu">Độc lập - Tự do - Hạnh phúc</strong><br/>
<em class="dia-danh">{esc(doc.place)}, {vietnamese_date(document_date(ctx))}</em></td>
</tr></table>
<h1>BÁO CÁO</h1>
<p class="trich-yeu">{esc(subject(ctx))}</p>
<p class="gach-trich-yeu"></p>
<table class="thong-tin">
<tr><th>Căn cứ</th><td>{esc(cs.decision)}</td></tr>
<tr><th>Đối tượng đánh giá</th><td>{esc(LEVEL_TITLES[cs.level])}</td></tr>
<tr><th>Bộ tiêu chí</th><td>{esc(cs.title)}, phiên bản {esc(cs.version)}</td></tr>
<tr><th>Tình trạng bộ tiêu chí</th><td>{esc(cs.status_label)}</td></tr>
<tr><th>Số đơn vị được đánh giá</th><td>{len(ctx.result.evidence.units)}</td></tr>
<tr><th>Năm so sánh</th><td>{p.compare_year or "không có"}</td></tr>
</table>
{sentences}
<nav class="muc-luc"></nav>
</section>"""
    )


def signature(ctx: ReportContext) -> HTML:
    """Closing sentence, then addressees left and signatory right (Nghị định 30/2020).

    They are kept together, so the signature never stands alone on a page.
    """
    doc, sign = ctx.document, ctx.document.signatory
    recipients = [f"- {r}" + ("" if r.endswith((".", ";")) else ";") for r in doc.recipients]
    if recipients and recipients[-1].endswith(";"):
        recipients[-1] = recipients[-1][:-1] + "."
    authority = [line for line in (sign.authority, sign.title) if line]
    closing = f"Trên đây là báo cáo {subject(ctx)[0].lower()}{subject(ctx)[1:]} của {doc.issuer}."
    return HTML(
        f"""<div class="ket-thuc"><p>{esc(closing)}</p><table class="ky"><tr>
<td class="noi-nhan"><p class="nhan"><strong><em>Nơi nhận:</em></strong></p>
{"".join(f"<p>{esc(r)}</p>" for r in recipients)}</td>
<td class="chu-ky"><p><strong>{"<br/>".join(esc(a.upper()) for a in authority)}</strong></p>
<p class="cho-ky"></p><p><strong>{esc(sign.name)}</strong></p></td>
</tr></table></div>"""
    )


def summary(ctx: ReportContext) -> HTML:
    """Counts per level, best and weakest units, and changes since the comparison year."""
    result, titles = ctx.result, part_titles(ctx.result)
    body = [
        f"<p>Số đơn vị được đánh giá: <strong>{len(result.evidence.units)}</strong> "
        f"({esc(LEVEL_TITLES[result.level])}).</p>",
        "<h3>Số đơn vị theo mức</h3>",
        table_html(_level_counts(result)),
        "<h3>Đơn vị có điểm quy đổi cao nhất và thấp nhất</h3><ul>",
    ]
    for part in result.criteria.parts:
        rows = result.parts[result.parts["part"] == part.code]
        best = rows[rows["rank"] == rows["rank"].min()]["unit"]
        worst = rows[rows["rank"] == rows["rank"].max()]["unit"]
        body.append(
            f"<li>{esc(titles[part.code])}: cao nhất <strong>{_unit_list(best)}</strong> "
            f"({format_points(rows['converted_published'].max())} điểm quy đổi); thấp nhất "
            f"<strong>{_unit_list(worst)}</strong> "
            f"({format_points(rows['converted_published'].min())} điểm quy đổi).</li>"
        )
    body.append("</ul>")
    if ctx.comparison is None:
        body.append("<h3>Thay đổi so với năm trước</h3>")
        body.append(f"<p>Không có số liệu so sánh: {esc(ctx.no_comparison_reason)}.</p>")
    else:
        body.append(f"<h3>Thay đổi so với năm {ctx.params.compare_year}</h3>")
        body.append(_changes_html(ctx))
    warnings = ctx.result.evidence.warnings
    if warnings:
        body.append("<h3>Lưu ý về dữ liệu</h3><ul>")
        body += [f"<li>{esc(w.place)}: {esc(w.message)}</li>" for w in warnings]
        body.append("</ul>")
    return section("I. Tóm tắt kết quả", "".join(body))


def _changes_html(ctx: ReportContext) -> str:
    """Level and rank moves per part (comparable units only), then merged-away and new units."""
    changes, titles = ctx.comparison, part_titles(ctx.result)
    first_part = changes[changes["part"] == ctx.result.criteria.parts[0].code]
    comparable = first_part["status"].isin(COMPARABLE)
    body = [
        f"<p>Thay đổi thứ hạng chỉ tính trên <strong>{int(comparable.sum())} đơn vị so sánh "
        f"được</strong> (có ở cả hai năm, kể cả đơn vị đổi tên): ở mỗi năm, các đơn vị này được "
        "xếp hạng lại với nhau, nên đơn vị mới hay đã sáp nhập không làm thay đổi thứ hạng của "
        "đơn vị khác. Thứ hạng trong ngoặc là thứ hạng giữa các đơn vị so sánh được.</p>"
    ]
    for part in ctx.result.criteria.parts:
        rows = changes[changes["part"] == part.code]
        moved = rows.dropna(subset=["rank_change"])
        climbers = moved[moved["rank_change"] >= NOTABLE_MOVE].nlargest(5, "rank_change")
        fallers = moved[moved["rank_change"] <= -NOTABLE_MOVE].nsmallest(5, "rank_change")

        def moves(frame: pd.DataFrame) -> str:
            listed = ", ".join(
                f"{esc(r.unit)} ({int(r.rank_comparable_before)} → {int(r.rank_comparable)})"
                for r in frame.itertuples()
            )
            return listed or f"không có đơn vị nào đổi từ {NOTABLE_MOVE} bậc trở lên"

        body.append(
            f"<p><strong>{esc(titles[part.code])}</strong></p><ul class='thay-doi'>"
            f"<li>{_counted('Tăng mức', rows[rows['level_change'] == 'lên']['unit'])}</li>"
            f"<li>{_counted('Giảm mức', rows[rows['level_change'] == 'xuống']['unit'])}</li>"
            f"<li>Tăng hạng nhiều nhất: {moves(climbers)}</li>"
            f"<li>Giảm hạng nhiều nhất: {moves(fallers)}</li></ul>"
        )
    listed = {
        RENAMED: ("Đơn vị đổi tên", "predecessors", "tên cũ"),
        MERGED_AWAY: ("Đơn vị đã sáp nhập, không còn ở năm nay", "successor", "sáp nhập vào"),
        ENDED: ("Đơn vị không còn ở năm nay", None, ""),
        NEW: ("Đơn vị mới, không có ở năm so sánh", "predecessors", "sáp nhập từ"),
    }
    for status, (label, column, words) in listed.items():
        rows = first_part[first_part["status"] == status]
        if len(rows):
            names = [
                f"{esc(r['unit'])} ({words} {esc(r[column])})"
                if column and r[column]
                else esc(r["unit"])
                for _, r in rows.iterrows()
            ]
            body.append(f"<p>{esc(label)} ({len(names)} đơn vị): {', '.join(names)}.</p>")
    return "".join(body)


def _chunks(rows: pd.DataFrame) -> list[pd.DataFrame]:
    rows = rows.sort_values(["rank", "unit"])
    return [rows.iloc[i : i + CHART_CHUNK] for i in range(0, len(rows), CHART_CHUNK)]


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


def ranking_annex(ctx: ReportContext) -> RankingAnnex:
    """The ranking tables as the annex of the report (for the Word document)."""
    return RankingAnnex(
        title="Phụ lục: Bảng xếp hạng mức độ chính quyền điện tử",
        subtitle=f"{LEVEL_TITLES[ctx.result.level]}, năm {ctx.params.year}",
        annex_of=annex_of(ctx),
        tables=ranking_tables(ctx),
        warnings=warnings(ctx),
        marking=marking(warnings(ctx)),
    )


def rankings(ctx: ReportContext) -> HTML:
    """The official ranking table of every part, each followed by a chart of its points."""
    result = ctx.result
    body = [
        "<p>Cột STT là thứ hạng theo tỷ lệ thực hiện (tức theo số điểm thực hiện được quy "
        "đổi); các đơn vị bằng nhau được cùng thứ hạng. Tỷ lệ thực hiện tính bằng %.</p>"
    ]
    tables = ranking_tables(ctx)
    for i, (part, (caption, table)) in enumerate(zip(result.criteria.parts, tables, strict=True)):
        table[RATE_COLUMN] = table[RATE_COLUMN].map(format_points)
        table["STT"] = table["STT"].astype(str)
        css = ' class="new-page"' if i else ""
        body.append(f"<h3{css}>{esc(caption)}</h3>")
        district = " co-huyen" if ctx.districts is not None else ""
        body.append(table_html(table, "bang xep-hang" + district))
        rows = result.parts[result.parts["part"] == part.code]
        if ctx.districts is not None and len(rows) > CHART_CHUNK:
            title = f"Điểm quy đổi phần {part.code} theo đơn vị cấp huyện"
            fig = charts.points_by_district(rows, ctx.districts, part, title)
            body.append(figure_html(fig, title))
            continue
        for n, chunk in enumerate(_chunks(rows)):
            title = f"Điểm quy đổi phần {part.code}" + (f" (tiếp, {n + 1})" if n else "")
            body.append(figure_html(charts.ranked_bars(chunk, part, title), title))
    return section("II. Bảng xếp hạng", "".join(body))


def group_rates(result: ScoreResult, part: str) -> pd.DataFrame:
    """Rate (%) per unit and group of a part, units in rank order (NaN if all excluded)."""
    groups = result.groups[result.groups["part"] == part]
    rate = groups["achieved"] / (groups["max"] - groups["excluded"]).where(
        groups["max"] > groups["excluded"]
    )
    table = groups.assign(rate=rate * 100).pivot(index="unit", columns="group", values="rate")
    order = result.parts[result.parts["part"] == part].sort_values(["rank", "unit"])["unit"]
    return table.loc[order]


def analysis(ctx: ReportContext) -> HTML:
    """Charts: group breakdown per unit, distribution of rates, rank changes."""
    result = ctx.result
    labels = {
        g.code: f"{g.code}\n" + textwrap.fill(g.name, 22)
        for p in result.criteria.parts
        for g in p.groups
    }
    body = ["<h3>Tỷ lệ thực hiện theo nhóm tiêu chí (%)</h3>"]
    for part in result.criteria.parts:
        if len(part.groups) < 2:
            continue  # one group: the ranking table already shows it
        rates = group_rates(result, part.code)
        if ctx.districts is not None and len(rates) > CHART_CHUNK:
            district = rates.index.map(ctx.districts).fillna("(không rõ)")
            title = f"Phần {part.code}: tỷ lệ theo nhóm, trung bình các đơn vị của mỗi huyện"
            fig = charts.group_heatmap(rates.groupby(district).mean(), labels, title)
            body.append(figure_html(fig, title))
            continue
        for n in range(0, len(rates), CHART_CHUNK):
            title = f"Phần {part.code}: tỷ lệ theo nhóm" + (" (tiếp)" if n else "")
            fig = charts.group_heatmap(rates.iloc[n : n + CHART_CHUNK], labels, title)
            body.append(figure_html(fig, title))
    body.append("<h3>Phân bố tỷ lệ thực hiện</h3>")
    rates = {
        p.code: result.parts[result.parts["part"] == p.code]["rate"] for p in result.criteria.parts
    }
    body.append(figure_html(charts.rate_distribution(rates, result.criteria.parts), "phân bố"))
    if ctx.comparison is not None:
        body.append(f"<h3>Thay đổi thứ hạng so với năm {ctx.params.compare_year}</h3>")
        for part in result.criteria.parts:
            rows = ctx.comparison[ctx.comparison["part"] == part.code]
            title = f"Phần {part.code}: thay đổi thứ hạng (đơn vị so sánh được)"
            body.append(figure_html(charts.rank_changes(rows, title), title))
    return section("III. Phân tích", "".join(body))


CARD_COLUMNS = {
    "Mã": "cot-ma",
    "Tiêu chí": "cot-ten",
    "Tối đa": "cot-so",
    "Đạt": "cot-so",
    "Còn thiếu": "cot-so",
    "Cách tính": "cot-cach",
}
"""Scorecard columns and their width classes (fixed table layout: laid out fast)."""


def _card_table(result: ScoreResult, unit: str, profile: pd.DataFrame) -> str:
    """A unit's criteria with a subtotal per part (the unit's name is in the page header)."""
    order = {c.code: i for i, c in enumerate(result.criteria.criteria)}
    rows = []
    for part in result.criteria.parts:
        own = profile[profile["part"] == part.code].sort_values(
            "criterion", key=lambda codes: codes.map(order)
        )
        applicable = own[own["applicable"]]
        cells = [
            own["criterion"].map(esc),
            own["name"].map(esc),
            own["max"].map(format_points),
            own["points"].map(format_points),
            own["missed"].map(format_points),
            own["explanation"].map(esc),
        ]
        rows += list(
            "<tr><td>"
            + cells[0]
            + '</td><td class="chu">'
            + cells[1]
            + "</td><td>"
            + cells[2]
            + "</td><td>"
            + cells[3]
            + "</td><td>"
            + cells[4]
            + '</td><td class="chu">'
            + cells[5]
            + "</td></tr>"
        )
        totals = (applicable[c].sum() for c in ("max", "points", "missed"))
        rows.append(
            f'<tr class="cong"><td></td><td class="chu">Cộng phần {esc(part.code)} (tiêu chí '
            f"có áp dụng)</td>"
            + "".join(f"<td>{format_points(t)}</td>" for t in totals)
            + "<td></td></tr>"
        )
    header = "".join(
        f'<th class="{width}">{esc(name)}</th>' for name, width in CARD_COLUMNS.items()
    )
    return (
        f'<table class="bang phieu"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


SCORECARD_ANNEX = f"{ANNEX_PREFIX}phieu-diem"
"""File-name prefix of the scorecard annex (HTML, PDF, and a folder of one PDF per unit)."""
STYLESHEET = Path(__file__).resolve().parent / "templates" / "cqdt" / "report.css"


def _scorecard(ctx: ReportContext, unit: str, number: int, parts: pd.DataFrame) -> str:
    """One unit's card, readable on its own when sent to the unit."""
    result = ctx.result
    names = {c.code: c.name for c in result.criteria.criteria}
    profile = unit_profile(result, unit)
    standing = "; ".join(
        f"Phần {esc(p.code)}: xếp thứ {parts.loc[(unit, p.code), 'rank']}, mức "
        f"{esc(parts.loc[(unit, p.code), 'level'])}, "
        f"{format_points(parts.loc[(unit, p.code), 'converted_published'])}"
        f"/{format_points(p.max)} điểm quy đổi"
        for p in result.criteria.parts
    )
    gains = profile[profile["missed"] > 0].nlargest(3, "missed")
    gain_text = (
        "; ".join(
            f"{esc(r.criterion)} {esc(r.name)} (còn thiếu {format_points(r.missed)} điểm)"
            for r in gains.itertuples()
        )
        or "không có"
    )
    excluded = profile[~profile["applicable"]]["criterion"]
    excluded_text = "; ".join(f"{esc(c)} {esc(names[c])}" for c in excluded) or "không có"
    district = ctx.districts.get(unit, "") if ctx.districts is not None else ""
    anchor = f"{SEPARATE_PREFIX}{number:03d}-{safe_name(unit)}"
    return (
        f'<section class="scorecard" id="{anchor}">'
        f'<p class="cua-phieu">Phiếu điểm — {esc(subject(ctx))}</p>'
        f"<h3>{esc(unit)}{f' ({esc(district)})' if district else ''}</h3><p>{standing}.</p>"
        f"<p>Tiêu chí không đưa vào đánh giá: {excluded_text}.</p>"
        f"<p>Các tiêu chí còn thiếu nhiều điểm nhất: {gain_text}.</p>"
        f"{_card_table(result, unit, profile)}</section>"
    )


def annex_document(ctx: ReportContext, title: str, body: str) -> str:
    """A stand-alone annex (HTML page with the report's style, marks and page header)."""
    mark_html, sentences = warning_html(ctx)
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"/>
<title>{esc(title)} — {esc(subject(ctx))}</title>
<style>{STYLESHEET.read_text(encoding="utf-8")}</style></head>
<body class="phu-luc-rieng">
<p class="running-header">{esc(title)} — {esc(subject(ctx))}</p>
{mark_html}
{annex_heading(ctx, title)}
{sentences}
{body}
</body></html>
"""


def scorecards(ctx: ReportContext) -> HTML:
    """The annex of one card per unit, as a document of its own (the main report stays short).

    Writes ``phu-luc-phieu-diem-<level>-<year>.html`` into the output folder; the batch prints
    it to PDF and writes each unit's card to a file of its own, ready to send to the unit.
    Returns the paragraph of the report that names the annex.
    """
    result = ctx.result
    parts = result.parts.set_index(["unit", "part"])
    intro = (
        "<p>Mỗi đơn vị một phiếu, theo thứ tự trong danh sách khảo sát: điểm từng tiêu chí so "
        "với điểm tối đa, cách tính (tính lại được bằng tay từ các số in ra), các tiêu chí "
        "không đưa vào đánh giá và những tiêu chí còn thiếu nhiều điểm nhất. Dòng «Cộng phần» "
        "bằng cột «Số điểm thực hiện» của bảng xếp hạng.</p>"
    )
    cards = [
        _scorecard(ctx, unit, number, parts)
        for number, unit in enumerate(result.evidence.units, start=1)
    ]
    stem = f"{SCORECARD_ANNEX}-{ctx.params.level}-{ctx.params.year}"
    folder = Path(ctx.params.output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    page = annex_document(ctx, "Phụ lục III: Phiếu điểm từng đơn vị", intro + "".join(cards))
    with replaced_atomically(folder / f"{stem}.html") as temporary:
        temporary.write_text(page, encoding="utf-8")
    return HTML(
        f'<p class="files">Phiếu điểm của {len(cards)} đơn vị được lập thành phụ lục riêng: '
        f"{_file_name(stem + '.pdf')} (bản HTML: {_file_name(stem + '.html')}); phiếu của "
        f"từng đơn vị, để gửi đơn vị, nằm trong thư mục {_file_name(stem + '/')}.</p>"
    )


def _threshold_text(part: Part) -> str:
    """``Mức I: từ 90% trở lên; Mức II: từ 85% đến dưới 90%; Mức III: dưới 85%``."""
    texts, upper = [], None
    for t in part.levels:
        low = f"{format_number(t.min_rate * 100)}%"
        if upper is None:
            texts.append(f"Mức {t.level}: từ {low} trở lên")
        elif t.min_rate > 0:
            texts.append(f"Mức {t.level}: từ {low} đến dưới {upper}")
        else:
            texts.append(f"Mức {t.level}: dưới {upper}")
        upper = low
    return "; ".join(texts)


def methodology(ctx: ReportContext) -> HTML:
    """Annex: the method, generated from the criteria file: criteria, thresholds, rules."""
    cs = ctx.result.criteria
    labels = {f.field: f.label for f in cs.inputs}
    rows = [
        {
            "Phần": p.code,
            "Nhóm": f"{g.code}. {g.name}",
            "Mã": c.code,
            "Tiêu chí": c.name,
            "Điểm tối đa": c.max,
            "Phương pháp chấm": METHODS[c.method].label,
            "Dữ liệu dùng": "; ".join(labels[f] for f in criterion_fields(c)),
        }
        for p in cs.parts
        for g in p.groups
        for c in g.criteria
    ]
    thresholds = pd.DataFrame(
        [
            {"Phần": f"{p.code}. {p.name}", "Điểm tối đa": p.max, "Các mức": _threshold_text(p)}
            for p in cs.parts
        ]
    )
    valid_to = f" đến ngày {_short_date(cs.valid_to)}" if cs.valid_to else ""
    body = f"""
<p>Căn cứ: {esc(cs.decision)}. Bộ tiêu chí: {esc(cs.title)}, phiên bản {esc(cs.version)},
hiệu lực từ ngày {_short_date(cs.valid_from)}{valid_to};
tình trạng: <strong>{esc(cs.status_label)}</strong>.</p>
<p>{esc(cs.note)}</p>
<h3>Cách tính</h3>
<ul>
<li>Mỗi phần được chấm, quy đổi và xếp mức riêng.</li>
<li>Tiêu chí không áp dụng với một đơn vị thì không đưa vào đánh giá: điểm tối đa của nó được
ghi vào cột «Số điểm không đưa vào đánh giá»; đơn vị không được cộng cũng không bị trừ.</li>
<li>Số điểm tối đa cần thực hiện = điểm tối đa − số điểm không đưa vào đánh giá.</li>
<li>Tỷ lệ thực hiện = số điểm thực hiện ÷ số điểm tối đa cần thực hiện.</li>
<li>Số điểm thực hiện được quy đổi = tỷ lệ thực hiện × điểm tối đa.</li>
<li>{esc(rounding_rule(ctx.result))}</li>
<li>Đồng hạng: các đơn vị bằng nhau được cùng thứ hạng, thứ hạng sau bỏ qua số chỗ tương
ứng (1, 2, 2, 4).</li>
</ul>
<h3>Ngưỡng xếp mức</h3>
{table_html(thresholds, "bang nguong")}
<h3>Danh mục tiêu chí</h3>
{table_html(pd.DataFrame(rows), "bang tieu-chi")}
"""
    return HTML(
        f'<section class="section new-page">'
        f"{annex_heading(ctx, 'Phụ lục I: Phương pháp đánh giá')}{body}</section>"
    )


def _short_date(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def reproducibility(ctx: ReportContext) -> HTML:
    """Annex: input files and their hashes, versions and date, enough to regenerate the report."""
    result, p = ctx.result, ctx.params
    units = ctx.workspace.units_file
    rows = [
        ("Bộ tiêu chí", Path(result.criteria.source).name, f"phiên bản {result.criteria.version}"),
        ("SHA-256 bộ tiêu chí", result.criteria.sha256, ""),
        ("Tệp khảo sát", f"{p.year}/{Path(result.evidence.source).name}", ""),
        ("SHA-256 tệp khảo sát", result.evidence.sha256, ""),
        ("SHA-256 danh mục đơn vị", file_sha256(units) if units.exists() else "–", ""),
        ("Năm so sánh", str(p.compare_year or "không có"), ""),
        ("Phiên bản cqdt", __version__, ""),
        ("Python, pandas", f"{platform.python_version()}, {pd.__version__}", ""),
        ("Ngày lập báo cáo", _short_date(p.date), ""),
    ]
    table = "".join(
        f"<tr><th>{esc(k)}</th><td>"
        + (f"<code>{esc(v)}</code>" if k.startswith("SHA") else _file_name(v))
        + (f", {esc(note)}" if note else "")
        + "</td></tr>"
        for k, v, note in rows
    )
    title = "Phụ lục II: Thông tin tái lập"
    return HTML(
        f'<section class="section new-page">{annex_heading(ctx, title)}'
        f'<table class="thong-tin">{table}</table><p>Đường dẫn đầy đủ của các tệp và mọi tham '
        "số chạy được ghi trong nhật ký <code>manifest.json</code> của lần chạy.</p></section>"
    )


def write_outputs(ctx: ReportContext) -> HTML:
    """Write the tables (CSV per part, one XLSX, the Word annex) beside the notebook; list them."""
    folder = Path(ctx.params.output_dir)
    written = write_result_tables(ctx.result, folder, ctx.districts, ctx.synthetic)
    docx = folder / f"{ANNEX_PREFIX}xep-hang-{ctx.params.level}-{ctx.params.year}.docx"
    written.append(write_ranking_annex(ranking_annex(ctx), docx))
    names = ", ".join(_file_name(path.as_posix()) for path in written)  # with its folder
    return HTML(f'<p class="files">Tệp bảng kèm theo: {names}.</p>')


def robustness(ctx: ReportContext) -> HTML:
    """Section "Độ vững của kết quả": P(keep level) per unit and part from the default run.

    The run's settings are the documented constants ``ROBUSTNESS_*`` of
    :mod:`cqdt.sensitivity`; ``cqdt sensitivity`` gives the full study.
    """
    from cqdt import sensitivity as sens  # this section only
    from cqdt.sensitivity import at_risk, robustness_table

    settings = sens.robustness_settings()
    study = sens.analyse(ctx.result, settings)
    titles = part_titles(ctx.result)
    label = "Phần {}: đơn vị đổi mức trong hơn 5% số mẫu"
    risky = "".join(
        f"<li>{_counted(label.format(part), at_risk(study, part)['unit'])}</li>" for part in titles
    )
    body = (
        f"<p>Nếu trọng số từng tiêu chí được nhân với một hệ số ngẫu nhiên trong khoảng "
        f"[{format_number(1 - settings.delta)}; {format_number(1 + settings.delta)}] "
        f"({settings.n} mẫu, hạt giống {settings.seed}; điểm tối đa mỗi phần giữ nguyên), "
        "mỗi đơn vị giữ mức đã công bố với xác suất dưới đây. Mức có xác suất giữ thấp phụ "
        "thuộc nhiều vào trọng số; phân tích đầy đủ: lệnh <code>cqdt sensitivity</code>.</p>"
        f"<ul>{risky}</ul>" + table_html(robustness_table(study, titles), "bang do-vung")
    )
    return section("IV. Độ vững của kết quả", body)


__all__ = [
    "ReportContext",
    "analysis",
    "cover",
    "methodology",
    "prepare",
    "rankings",
    "reproducibility",
    "robustness",
    "scorecards",
    "section",
    "signature",
    "summary",
    "write_outputs",
]
