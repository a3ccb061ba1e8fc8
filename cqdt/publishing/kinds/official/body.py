"""The body of the official report: cover, summary, ranking tables, analysis, robustness, signature.

Each function presents one section of ``notebooks/bao_cao.ipynb`` from its
:class:`~cqdt.publishing.kinds.official.context.ReportContext`; every number comes from the
package (scoring, comparison, sensitivity), none is computed here.
"""

from __future__ import annotations

import textwrap

import pandas as pd
from IPython.display import HTML

from cqdt.comparison import comparable_counts, level_moves, merger_table
from cqdt.criteria import LEVEL_TITLES
from cqdt.numbers import format_number, format_points
from cqdt.publishing import charts
from cqdt.publishing.document import in_text
from cqdt.publishing.html import (
    CHART_CHUNK,
    LIST_IN_TEXT,
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
from cqdt.register import ABSORBED, ENDED, MERGED_AWAY, NEW, RENAMED
from cqdt.scoring import ScoreResult, group_rates
from cqdt.sensitivity import (
    KEEP_LEVEL_SHARE,
    NEAR_CUTOFF_SE,
    SensitivityResult,
    at_risk,
    cutoff_se,
    level_chances,
    near_cutoff,
    precision_rule,
    robustness_table,
)
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
        row: dict[str, str | int] = {"Phần": titles[part.code]}
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
        body.append(_changes_html(ctx, ctx.comparison))
    warnings = ctx.result.evidence.warnings
    if warnings:
        body.append("<h3>Lưu ý về dữ liệu</h3><ul>")
        body += [f"<li>{esc(w.place)}: {esc(w.message)}</li>" for w in warnings]
        body.append("</ul>")
    return section("I. Tóm tắt kết quả", "".join(body))


def _changes_html(ctx: ReportContext, changes: pd.DataFrame) -> str:
    """Level and rank moves per part (units ranked in both years), then renamed, merged and
    new units, with a table pairing each merger's predecessors' levels with its successor's."""
    titles = part_titles(ctx.result)
    first_part = changes[changes["part"] == ctx.result.criteria.parts[0].code]
    counts = comparable_counts(changes)
    counted_in = (
        f"{int(counts.iloc[0])} đơn vị so sánh được"
        if counts.nunique() == 1
        else "đơn vị so sánh được ("
        + "; ".join(f"phần {part}: {n}" for part, n in counts.items())
        + ")"
    )
    body = [
        f"<p>Thay đổi thứ hạng chỉ tính trên <strong>{counted_in}</strong> (được xếp hạng ở cả "
        "hai năm, kể cả đơn vị đổi tên và đơn vị nhận sáp nhập): ở mỗi năm, các đơn vị này được "
        "xếp hạng lại với nhau, nên đơn vị mới hay đã sáp nhập không làm thay đổi thứ hạng của "
        "đơn vị khác. Thứ hạng trong ngoặc là thứ hạng giữa các đơn vị so sánh được.</p>"
    ]
    level_changes = level_moves(changes, ctx.result.criteria)
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
                f"{esc(unit)} ({int(before)} → {int(after)})"
                for unit, before, after in zip(
                    frame["unit"],
                    frame["rank_comparable_before"],
                    frame["rank_comparable"],
                    strict=True,
                )
            )
            return listed or f"không có đơn vị nào đổi từ {NOTABLE_MOVE} bậc trở lên"

        own = level_changes[level_changes["part"] == part.code]
        body.append(
            f"<p><strong>{esc(titles[part.code])}</strong></p><ul class='thay-doi'>"
            f"<li>{_level_moves_html('Tăng mức', own[own['level_change'] == 'lên'])}</li>"
            f"<li>{_level_moves_html('Giảm mức', own[own['level_change'] == 'xuống'])}</li>"
            f"<li>Tăng hạng nhiều nhất{ties_note(len(climbers), LISTED_MOVES)}: "
            f"{moves(climbers)}</li>"
            f"<li>Giảm hạng nhiều nhất{ties_note(len(fallers), LISTED_MOVES)}: "
            f"{moves(fallers)}</li></ul>"
        )
    body += _register_changes_html(changes, first_part, ctx.params.compare_year, ctx.params.year)
    return "".join(body)


def _register_changes_html(
    changes: pd.DataFrame, first_part: pd.DataFrame, previous_year: int, year: int
) -> list[str]:
    """Renamed, ended and new units in name order; mergers as a table of levels before and
    after (a unit that absorbed others is its own first predecessor)."""
    body = []
    status = first_part["status"]
    listed = [
        ("Đơn vị đổi tên", status == RENAMED, "tên cũ"),
        ("Đơn vị không còn ở năm nay", status == ENDED, ""),
        (
            "Đơn vị mới, không có ở năm so sánh",
            (status == NEW) & (first_part["predecessors"] == ""),
            "",
        ),
    ]
    for label, chosen, words in listed:
        rows = first_part[chosen].sort_values("unit")
        if len(rows):
            names = [
                f"{esc(r.unit)} ({words} {esc(r.predecessors)})" if words else esc(r.unit)
                for r in rows.itertuples()
            ]
            body.append(f"<p>{esc(label)} ({len(names)} đơn vị): {', '.join(names)}.</p>")
    mergers = merger_table(changes, str(previous_year), str(year))
    if len(mergers):
        away = int((status == MERGED_AWAY).sum())
        into = mergers["Đơn vị năm nay"].nunique()
        absorbing = first_part[status == ABSORBED]["unit"].sort_values()
        kept = (
            f" Đơn vị nhận sáp nhập, vẫn giữ mã và được so sánh: {unit_list(absorbing)}."
            if len(absorbing)
            else ""
        )
        body.append(
            f"<p>Sáp nhập: {away} đơn vị năm {previous_year} nhập vào {into} đơn vị năm "
            f"{year}.{kept} Bảng dưới ghi mức của từng đơn vị trước sáp nhập (năm "
            f"{previous_year}) bên cạnh mức của đơn vị sau sáp nhập (năm {year}).</p>"
            + table_html(mergers, "bang sap-nhap")
        )
    return body


def _level_moves_html(label: str, moves: pd.DataFrame) -> str:
    """``Tăng mức (5 đơn vị): III → II (3: a, b, c); II → I (2: d, e)``; many names as a table
    of the level pairs."""
    if moves.empty:
        return f"{esc(label)}: không có"
    total = int(moves["count"].sum())
    if total <= LIST_IN_TEXT:
        pairs = "; ".join(
            f"{esc(r.level_before)} → {esc(r.level)} ({r.count}: {esc(r.units)})"
            for r in moves.itertuples()
        )
        return f"{esc(label)} ({total} đơn vị): {pairs}"
    table = pd.DataFrame(
        {
            "Mức": moves["level_before"] + " → " + moves["level"],
            "Số đơn vị": moves["count"],
            "Đơn vị": moves["units"],
        }
    )
    return f"{esc(label)} ({total} đơn vị):" + table_html(table, "bang chuyen-muc")


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
            # pandas-stubs do not list a Series among Index.map's mappers; pandas takes one
            district = rates.index.map(ctx.districts).fillna("(không rõ)")  # type: ignore[arg-type]
            title = f"Phần {part.code}: tỷ lệ theo nhóm, trung bình các đơn vị của mỗi huyện"
            fig = charts.group_heatmap(rates.groupby(district).mean(), labels, title)
            body.append(figure_html(fig, title, images(ctx)))
            continue
        for n in range(0, len(rates), CHART_CHUNK):
            title = f"Phần {part.code}: tỷ lệ theo nhóm" + (" (tiếp)" if n else "")
            fig = charts.group_heatmap(rates.iloc[n : n + CHART_CHUNK], labels, title)
            body.append(figure_html(fig, title, images(ctx)))
    body.append("<h3>Phân bố tỷ lệ thực hiện</h3>")
    part_rates = {
        p.code: result.parts[result.parts["part"] == p.code]["rate"] for p in result.criteria.parts
    }
    body.append(
        figure_html(
            charts.rate_distribution(part_rates, result.criteria.parts), "phân bố", images(ctx)
        )
    )
    if ctx.comparison is not None:
        body.append(f"<h3>Thay đổi thứ hạng so với năm {ctx.params.compare_year}</h3>")
        for part in result.criteria.parts:
            rows = ctx.comparison[ctx.comparison["part"] == part.code]
            title = f"Phần {part.code}: thay đổi thứ hạng (đơn vị so sánh được)"
            body.append(figure_html(charts.rank_changes(rows, title), title, images(ctx)))
    return section("III. Phân tích", "".join(body))


def _robustness_table_html(study: SensitivityResult, titles: dict[str, str]) -> str:
    """The units that do not keep their level in every sample, in some part (the others are
    counted, so a commune report does not print pages of «100»)."""
    table = robustness_table(study, titles)
    units = study.units
    moving = units.loc[~(units["p_keep"] == 1), "unit"]  # a unit with no level is listed too
    shown = table[table["Đơn vị"].isin(moving)]
    kept = len(table) - len(shown)
    if shown.empty:
        return f"<p>Cả {kept} đơn vị giữ mức đã công bố ở mọi phần, trong mọi mẫu.</p>"
    intro = (
        f"<p>Bảng dưới đây nêu {len(shown)} đơn vị có ít nhất một phần không giữ mức trong mọi "
        f"mẫu; {kept} đơn vị còn lại giữ mức đã công bố ở mọi phần, trong mọi mẫu (xác suất "
        "100%).</p>"
        if kept
        else ""
    )
    return intro + table_html(shown, "bang do-vung")


def robustness(ctx: ReportContext) -> HTML:
    """Section "Độ vững của kết quả": P(keep level) per unit and part from the default run,
    the units at risk with the levels they would move to, the units near the cut-off.

    The run (made by :func:`~cqdt.publishing.kinds.official.context.prepare`) uses the
    documented defaults of :func:`cqdt.sensitivity.robustness_settings`; ``cqdt sensitivity``
    gives the full study.
    """
    study = ctx.robustness
    assert study is not None  # prepare() runs it for every report
    settings = study.settings
    n = settings.n
    titles = part_titles(ctx.result)
    names = [c.removeprefix("p_level_") for c in study.units.columns if c.startswith("p_level_")]
    cutoff = format_number(KEEP_LEVEL_SHARE * 100)
    rule = precision_rule(n, errors_shown=False)  # the table below prints no standard errors
    items = []
    for part in titles:
        risky, near = at_risk(study, part), near_cutoff(study, part)
        moves = "; ".join(
            f"{esc(row['unit'])} ({esc(level_chances(row, names, n))})"
            for _, row in risky.iterrows()
        )
        text = f"Phần {esc(titles[part])}, có nguy cơ đổi mức: {moves or 'không có'}"
        if len(near):
            text += f"; sát ngưỡng: {esc(', '.join(near['unit']))}"
        items.append(f"<li>{text}.</li>")
    body = (
        f"<p>Nếu trọng số từng tiêu chí được nhân với một hệ số ngẫu nhiên trong khoảng "
        f"[{format_number(1 - settings.delta)}; {format_number(1 + settings.delta)}] "
        f"({format_number(n, 0)} mẫu, hạt giống {settings.seed}; điểm tối đa mỗi phần giữ "
        "nguyên), mỗi đơn vị giữ mức đã công bố với xác suất dưới đây, làm tròn "
        f"{esc(rule)}. Đơn vị có nguy cơ đổi mức giữ mức trong dưới {cutoff}% số "
        "mẫu; trong ngoặc là mức nó có thể rơi vào. «Sát ngưỡng»: xác suất giữ mức cách "
        f"{cutoff}% không quá {NEAR_CUTOFF_SE} sai số chuẩn tính tại {cutoff}% "
        f"(± {format_number(NEAR_CUTOFF_SE * cutoff_se(n) * 100, 2)} điểm %), nên có ở bên "
        "này hay bên kia là tùy mẫu ngẫu "
        "nhiên chứ không do trọng số. Mức có xác suất giữ thấp phụ thuộc nhiều vào trọng số; "
        "phân tích đầy đủ: báo cáo phân tích độ nhạy riêng.</p>"
        f"<ul>{''.join(items)}</ul>" + _robustness_table_html(study, titles)
    )
    return section("IV. Độ vững của kết quả", body)
