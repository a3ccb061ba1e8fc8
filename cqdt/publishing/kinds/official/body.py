"""The body of the official report: cover, summary, ranking tables, analysis, robustness, signature.

Each function presents one section of ``notebooks/bao_cao.ipynb`` from its
:class:`~cqdt.publishing.kinds.official.context.ReportContext`; every number comes from the
package (scoring, comparison, sensitivity), none is computed here.
"""

from __future__ import annotations

import textwrap

import pandas as pd
from IPython.display import HTML

from cqdt.criteria import LEVEL_TITLES
from cqdt.numbers import format_number, format_points
from cqdt.publishing import charts
from cqdt.publishing.document import in_text
from cqdt.publishing.html import (
    CHART_CHUNK,
    counted,
    document_header,
    esc,
    figure_html,
    section,
    table_html,
    ties_note,
    unit_list,
)
from cqdt.publishing.kinds.official.context import (
    ReportContext,
    document_date,
    images,
    ranking_tables,
    report_warning_html,
    subject,
)
from cqdt.register import COMPARABLE, ENDED, MERGED_AWAY, NEW, RENAMED
from cqdt.scoring import ScoreResult, group_rates
from cqdt.sensitivity import at_risk, robustness_table
from cqdt.tables import RATE_COLUMN, part_titles, top_with_ties

NOTABLE_MOVE = 2
"""Fewest places a unit must move to be listed among the biggest climbers or fallers."""
REPRODUCIBLE = (
    "Mọi số liệu trong báo cáo tính lại được từ số liệu khảo sát và bộ tiêu chí nêu trên, cho "
    "đúng cùng kết quả; hồ sơ tái lập (dữ liệu đầu vào và mã kiểm tra, phiên bản phần mềm) "
    "được lưu kèm báo cáo."
)
"""The one sentence of the document on how it can be reproduced (the rest is in the audit
record beside it, never in the document the head signs)."""
LISTED_MOVES = 5
"""Biggest climbers (fallers) named per part, and every unit tied with the last of them."""


def level_count_table(result: ScoreResult) -> pd.DataFrame:
    """Units per level in each part, one row per part."""
    titles = part_titles(result)
    rows = []
    for part in result.criteria.parts:
        counts = result.parts[result.parts["part"] == part.code]["level"].value_counts()
        row = {"Phần": titles[part.code]}
        row.update({f"Mức {t.level}": int(counts.get(t.level, 0)) for t in part.levels})
        rows.append(row)
    return pd.DataFrame(rows)


def cover(ctx: ReportContext) -> HTML:
    """First page: the standard header block, document type and summary, what it rests on."""
    cs, p, doc = ctx.result.criteria, ctx.params, ctx.document
    mark_html, sentences = report_warning_html(ctx)
    return HTML(
        f"""<section class="cover" data-author="{esc(in_text(doc.issuer))}"
data-date="{document_date(ctx).isoformat()}">
<p class="running-header">{esc(subject(ctx))}</p>
{mark_html}
{document_header(doc, document_date(ctx))}
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
    closing = (
        f"Trên đây là báo cáo {subject(ctx)[0].lower()}{subject(ctx)[1:]} của "
        f"{in_text(doc.issuer)}. {REPRODUCIBLE}"
    )
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
        table_html(level_count_table(result)),
        "<h3>Đơn vị có điểm quy đổi cao nhất và thấp nhất</h3><ul>",
    ]
    for part in result.criteria.parts:
        rows = result.parts[result.parts["part"] == part.code]
        best = rows[rows["rank"] == rows["rank"].min()]["unit"]
        worst = rows[rows["rank"] == rows["rank"].max()]["unit"]
        body.append(
            f"<li>{esc(titles[part.code])}: cao nhất <strong>{unit_list(best)}</strong> "
            f"({format_points(rows['converted_published'].max())} điểm quy đổi); thấp nhất "
            f"<strong>{unit_list(worst)}</strong> "
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
        climbers = top_with_ties(
            moved[moved["rank_change"] >= NOTABLE_MOVE], "rank_change", LISTED_MOVES
        )
        fallers = top_with_ties(
            moved[moved["rank_change"] <= -NOTABLE_MOVE], "rank_change", LISTED_MOVES, False
        )

        def moves(frame: pd.DataFrame) -> str:
            listed = ", ".join(
                f"{esc(r.unit)} ({int(r.rank_comparable_before)} → {int(r.rank_comparable)})"
                for r in frame.itertuples()
            )
            return listed or f"không có đơn vị nào đổi từ {NOTABLE_MOVE} bậc trở lên"

        body.append(
            f"<p><strong>{esc(titles[part.code])}</strong></p><ul class='thay-doi'>"
            f"<li>{counted('Tăng mức', rows[rows['level_change'] == 'lên']['unit'])}</li>"
            f"<li>{counted('Giảm mức', rows[rows['level_change'] == 'xuống']['unit'])}</li>"
            f"<li>Tăng hạng nhiều nhất{ties_note(len(climbers), LISTED_MOVES)}: "
            f"{moves(climbers)}</li>"
            f"<li>Giảm hạng nhiều nhất{ties_note(len(fallers), LISTED_MOVES)}: "
            f"{moves(fallers)}</li></ul>"
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


def chart_chunks(rows: pd.DataFrame) -> list[pd.DataFrame]:
    """A part's rows in rank order, :data:`CHART_CHUNK` units per chart."""
    rows = rows.sort_values(["rank", "unit"])
    return [rows.iloc[i : i + CHART_CHUNK] for i in range(0, len(rows), CHART_CHUNK)]


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
            body.append(figure_html(fig, title, images(ctx)))
            continue
        for n, chunk in enumerate(chart_chunks(rows)):
            title = f"Điểm quy đổi phần {part.code}" + (f" (tiếp, {n + 1})" if n else "")
            body.append(figure_html(charts.ranked_bars(chunk, part, title), title, images(ctx)))
    return section("II. Bảng xếp hạng", "".join(body))


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
            body.append(figure_html(fig, title, images(ctx)))
            continue
        for n in range(0, len(rates), CHART_CHUNK):
            title = f"Phần {part.code}: tỷ lệ theo nhóm" + (" (tiếp)" if n else "")
            fig = charts.group_heatmap(rates.iloc[n : n + CHART_CHUNK], labels, title)
            body.append(figure_html(fig, title, images(ctx)))
    body.append("<h3>Phân bố tỷ lệ thực hiện</h3>")
    rates = {
        p.code: result.parts[result.parts["part"] == p.code]["rate"] for p in result.criteria.parts
    }
    body.append(
        figure_html(charts.rate_distribution(rates, result.criteria.parts), "phân bố", images(ctx))
    )
    if ctx.comparison is not None:
        body.append(f"<h3>Thay đổi thứ hạng so với năm {ctx.params.compare_year}</h3>")
        for part in result.criteria.parts:
            rows = ctx.comparison[ctx.comparison["part"] == part.code]
            title = f"Phần {part.code}: thay đổi thứ hạng (đơn vị so sánh được)"
            body.append(figure_html(charts.rank_changes(rows, title), title, images(ctx)))
    return section("III. Phân tích", "".join(body))


def robustness(ctx: ReportContext) -> HTML:
    """Section "Độ vững của kết quả": P(keep level) per unit and part from the default run.

    The run (made by :func:`~cqdt.publishing.kinds.official.context.prepare`) uses the
    documented defaults of :func:`cqdt.sensitivity.robustness_settings`; ``cqdt sensitivity``
    gives the full study.
    """
    study = ctx.robustness
    settings = study.settings
    titles = part_titles(ctx.result)
    label = "Phần {}: đơn vị đổi mức trong hơn 5% số mẫu"
    risky = "".join(
        f"<li>{counted(label.format(part), at_risk(study, part)['unit'])}</li>" for part in titles
    )
    body = (
        f"<p>Nếu trọng số từng tiêu chí được nhân với một hệ số ngẫu nhiên trong khoảng "
        f"[{format_number(1 - settings.delta)}; {format_number(1 + settings.delta)}] "
        f"({settings.n} mẫu, hạt giống {settings.seed}; điểm tối đa mỗi phần giữ nguyên), "
        "mỗi đơn vị giữ mức đã công bố với xác suất dưới đây. Mức có xác suất giữ thấp phụ "
        "thuộc nhiều vào trọng số; phân tích đầy đủ: báo cáo phân tích độ nhạy riêng.</p>"
        f"<ul>{risky}</ul>" + table_html(robustness_table(study, titles), "bang do-vung")
    )
    return section("IV. Độ vững của kết quả", body)
