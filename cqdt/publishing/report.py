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
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from cqdt import __version__
from cqdt.comparison import compare_years, unit_profile
from cqdt.criteria import LEVEL_TITLES, LEVELS, Part
from cqdt.methods import METHODS, criterion_fields
from cqdt.numbers import format_number, format_points
from cqdt.output import file_sha256
from cqdt.problems import InputError
from cqdt.publishing import charts
from cqdt.publishing.parameters import ReportParameters
from cqdt.register import COMPARABLE, ENDED, MERGED_AWAY, NEW, RENAMED
from cqdt.scoring import ScoreResult
from cqdt.tables import RATE_COLUMN, official_table, part_titles, rounding_rule, write_result_tables
from cqdt.workspace import Workspace

PROVINCE = "Tỉnh Thừa Thiên Huế"
ISSUER = "Sở Thông tin và Truyền thông"
SYNTHETIC_MARKER = "GIA_LAP"
"""A file of this name in the data folder marks its data as synthetic (sample data)."""
CHART_CHUNK = 30
"""Units per chart, so bar charts of ~150 communes stay readable and fit a page."""


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
    synthetic = (Path(params.data_dir) / SYNTHETIC_MARKER).exists()
    return ReportContext(params, workspace, result, previous, comparison, reason, synthetic)


# --- HTML helpers ------------------------------------------------------------------------


def esc(value: object) -> str:
    return html.escape(str(value))


def figure_html(fig: Figure, alt: str) -> str:
    """A figure as an inline PNG, so the HTML file stands alone and WeasyPrint needs no fetch."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{esc(alt)}"/></figure>'


def table_html(table: pd.DataFrame, css_class: str = "bang") -> str:
    """A table with Vietnamese number formats; the text is escaped by pandas."""
    shown = table.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: format_number(v, 2, fixed=True))
    return shown.to_html(index=False, escape=True, classes=css_class, border=0, na_rep="–")


def _section(title: str, body: str, new_page: bool = True) -> HTML:
    css = "section new-page" if new_page else "section"
    return HTML(f'<section class="{css}"><h2>{esc(title)}</h2>{body}</section>')


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
    return ", ".join(esc(n) for n in names) if len(names) else "không có"


def _counted(label: str, names: pd.Series) -> str:
    """``Tăng mức (3 đơn vị): a, b, c``."""
    return (
        f"{label} ({len(names)} đơn vị): {_unit_list(names)}"
        if len(names)
        else f"{label}: không có"
    )


def vietnamese_date(day: date) -> str:
    """``ngày 05 tháng 3 năm 2026``: days below 10 and months 1, 2 take a zero (NĐ 30/2020)."""
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def markings(ctx: ReportContext) -> list[str]:
    """Warnings every page must carry: reconstructed criteria, synthetic data."""
    marks = []
    if ctx.result.criteria.status != "official":
        marks.append("BẢN TÁI DỰNG TIÊU CHÍ")
    if ctx.synthetic:
        marks.append("DỮ LIỆU GIẢ LẬP")
    return marks


# --- sections ----------------------------------------------------------------------------


def cover(ctx: ReportContext) -> HTML:
    """Title page: province, level, year, decision, criteria version and status."""
    cs, p = ctx.result.criteria, ctx.params
    warnings = []
    if cs.status != "official":
        warnings.append(
            "Bộ tiêu chí dùng trong báo cáo này là <strong>BẢN TÁI DỰNG</strong>, chưa đối chiếu "
            "với phụ lục chính thức của quyết định; điểm số và xếp hạng chỉ để tham khảo."
        )
    if ctx.synthetic:
        warnings.append(
            "Dữ liệu khảo sát là <strong>DỮ LIỆU GIẢ LẬP</strong> (dữ liệu mẫu), không phải kết "
            "quả khảo sát thật của các đơn vị."
        )
    warning_html = "".join(f'<p class="canh-bao">{w}</p>' for w in warnings)
    marks = markings(ctx)
    marking = (
        f'<p class="page-marking">{esc(" · ".join([*marks, "CHỈ ĐỂ THAM KHẢO"]))}</p>'
        if marks
        else ""
    )
    return HTML(
        f"""<section class="cover">
<p class="running-header">Đánh giá mức độ CQĐT {esc(LEVELS[cs.level])} năm {p.year}</p>
{marking}
<table class="quoc-hieu"><tr>
<td>ỦY BAN NHÂN DÂN {esc(PROVINCE.upper())}<br/><strong>{esc(ISSUER.upper())}</strong>
<br/><span class="so">Số: &#160;&#160;&#160;&#160;&#160;/BC-STTTT</span></td>
<td><strong>CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</strong><br/>
<strong class="tieu-ngu">Độc lập - Tự do - Hạnh phúc</strong>
<br/><em>Huế, {vietnamese_date(p.date)}</em></td>
</tr></table>
<h1>BÁO CÁO<br/>KẾT QUẢ ĐÁNH GIÁ MỨC ĐỘ CHÍNH QUYỀN ĐIỆN TỬ</h1>
<p class="subtitle">{esc(LEVEL_TITLES[cs.level])}<br/>Năm {p.year}</p>
<table class="thong-tin">
<tr><th>Căn cứ</th><td>{esc(cs.decision)}</td></tr>
<tr><th>Bộ tiêu chí</th><td>{esc(cs.title)}, phiên bản {esc(cs.version)}</td></tr>
<tr><th>Tình trạng bộ tiêu chí</th><td>{esc(cs.status_label)}</td></tr>
<tr><th>Số đơn vị được đánh giá</th><td>{len(ctx.result.evidence.units)}</td></tr>
<tr><th>Năm so sánh</th><td>{ctx.params.compare_year or "không có"}</td></tr>
</table>
{warning_html}
</section>"""
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
    return _section("I. Tóm tắt kết quả", "".join(body))


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
        climbers = moved[moved["rank_change"] > 0].nlargest(5, "rank_change")
        fallers = moved[moved["rank_change"] < 0].nsmallest(5, "rank_change")

        def moves(frame: pd.DataFrame) -> str:
            listed = ", ".join(
                f"{esc(r.unit)} ({int(r.rank_comparable_before)} → {int(r.rank_comparable)})"
                for r in frame.itertuples()
            )
            return listed or "không có"

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


def rankings(ctx: ReportContext) -> HTML:
    """The official ranking table of every part, each followed by its ranked bar chart."""
    result, titles = ctx.result, part_titles(ctx.result)
    body = [
        "<p>Cột STT là thứ hạng theo tỷ lệ thực hiện (tức theo số điểm thực hiện được quy "
        "đổi); các đơn vị bằng nhau được cùng thứ hạng. Tỷ lệ thực hiện tính bằng %.</p>"
    ]
    for i, part in enumerate(result.criteria.parts):
        table = official_table(result, part.code)
        table[RATE_COLUMN] = table[RATE_COLUMN].map(lambda v: format_points(v) + "%")
        table["STT"] = table["STT"].astype(str)
        css = ' class="new-page"' if i else ""
        body.append(f"<h3{css}>Bảng {i + 1}. Phần {esc(titles[part.code])}</h3>")
        body.append(table_html(table, "bang xep-hang"))
        rows = result.parts[result.parts["part"] == part.code]
        for n, chunk in enumerate(_chunks(rows)):
            title = f"Điểm quy đổi phần {part.code}" + (f" (tiếp, {n + 1})" if n else "")
            body.append(figure_html(charts.ranked_bars(chunk, part, title), title))
    return _section("II. Bảng xếp hạng", "".join(body))


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
    return _section("III. Phân tích", "".join(body))


def _card_table(result: ScoreResult, unit: str, profile: pd.DataFrame) -> str:
    """A unit's criteria with a subtotal per part; the unit's name repeats on each page."""
    order = {c.code: i for i, c in enumerate(result.criteria.criteria)}
    rows = []
    for part in result.criteria.parts:
        own = profile[profile["part"] == part.code].sort_values(
            "criterion", key=lambda codes: codes.map(order)
        )
        rows.append(
            pd.DataFrame(
                {
                    "Mã": own["criterion"],
                    "Tiêu chí": own["name"],
                    "Tối đa": own["max"],
                    "Đạt": own["points"],
                    "Còn thiếu": own["missed"],
                    "Cách tính": own["explanation"],
                }
            )
        )
        applicable = own[own["applicable"]]
        rows.append(
            pd.DataFrame(
                [
                    {
                        "Mã": "",
                        "Tiêu chí": f"Cộng phần {part.code} (tiêu chí có áp dụng)",
                        "Tối đa": applicable["max"].sum(),
                        "Đạt": applicable["points"].sum(),
                        "Còn thiếu": applicable["missed"].sum(),
                        "Cách tính": "",
                    }
                ]
            )
        )
    table = table_html(pd.concat(rows, ignore_index=True), "bang phieu")
    return table.replace("<thead>", f'<thead><tr><th colspan="6">{esc(unit)}</th></tr>', 1)


def scorecards(ctx: ReportContext) -> HTML:
    """Annex: one card per unit with points per criterion, exclusions and where to gain."""
    result = ctx.result
    parts = result.parts.set_index(["unit", "part"])
    names = {c.code: c.name for c in result.criteria.criteria}
    cards = [
        "<p>Mỗi đơn vị một phiếu, theo thứ tự trong danh sách khảo sát: điểm từng tiêu chí so "
        "với điểm tối đa, các tiêu chí không đưa vào đánh giá và những tiêu chí còn thiếu nhiều "
        "điểm nhất. Dòng «Cộng phần» bằng cột «Số điểm thực hiện» của bảng xếp hạng.</p>"
    ]
    for unit in result.evidence.units:
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
        cards.append(
            f'<div class="scorecard"><h3>{esc(unit)}</h3><p>{standing}.</p>'
            f"<p>Tiêu chí không đưa vào đánh giá: {excluded_text}.</p>"
            f"<p>Các tiêu chí còn thiếu nhiều điểm nhất: {gain_text}.</p>"
            f"{_card_table(result, unit, profile)}</div>"
        )
    return _section("Phụ lục. Phiếu điểm từng đơn vị", "".join(cards))


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
    """The method, generated from the criteria file: criteria, thresholds, rules."""
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
    return _section("IV. Phương pháp đánh giá", body)


def _short_date(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def reproducibility(ctx: ReportContext) -> HTML:
    """Input files and their hashes, versions and date: enough to regenerate this report."""
    result, p = ctx.result, ctx.params
    rows = [
        (
            "Bộ tiêu chí",
            f"{Path(result.criteria.source).name}, phiên bản {result.criteria.version}",
        ),
        ("SHA-256 bộ tiêu chí", result.criteria.sha256),
        ("Tệp khảo sát", f"{p.year}/{Path(result.evidence.source).name}"),
        ("SHA-256 tệp khảo sát", result.evidence.sha256),
        (
            "SHA-256 danh mục đơn vị",
            file_sha256(ctx.workspace.units_file) if ctx.workspace.units_file.exists() else "–",
        ),
        ("Năm so sánh", str(p.compare_year or "không có")),
        ("Phiên bản cqdt", __version__),
        ("Python, pandas", f"{platform.python_version()}, {pd.__version__}"),
        ("Ngày lập báo cáo", _short_date(p.date)),
    ]
    table = "".join(f"<tr><th>{esc(k)}</th><td><code>{esc(v)}</code></td></tr>" for k, v in rows)
    return _section(
        "V. Thông tin tái lập",
        f'<table class="thong-tin">{table}</table><p>Đường dẫn đầy đủ của các tệp và mọi tham '
        "số chạy được ghi trong nhật ký <code>manifest.json</code> của lần chạy.</p>",
        new_page=False,
    )


def write_outputs(ctx: ReportContext) -> HTML:
    """Write the tables (CSV per part, one XLSX) beside the notebook and list them."""
    folder = Path(ctx.params.output_dir)
    written = write_result_tables(ctx.result, folder)
    names = ", ".join(esc(path.as_posix()) for path in written)  # with its folder
    return HTML(f'<p class="files">Tệp bảng kèm theo: {names}.</p>')


def robustness(ctx: ReportContext) -> HTML:
    """Section "Độ vững của kết quả": P(keep level) per unit and part from the default run.

    The run's settings are the documented constants ``ROBUSTNESS_*`` of
    :mod:`cqdt.sensitivity`; ``cqdt sensitivity`` gives the full study.
    """
    from cqdt import sensitivity as sens  # this section only
    from cqdt.publishing.sensitivity_report import at_risk, robustness_table

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
    return _section("Độ vững của kết quả", body)


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
    "summary",
    "write_outputs",
]
