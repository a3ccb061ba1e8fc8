"""The annexes of the official report, and the files written beside it.

Phụ lục I (method, generated from the criteria file) and Phụ lục II (how to reproduce the
report) close the report; Phụ lục III, one scorecard per unit, is a document of its own (HTML
here, printed to PDF and split per unit by the batch). :func:`write_outputs` writes the
official tables (CSV, Excel), the ranking annex in Word and the machine-readable result.
"""

from __future__ import annotations

import platform
from pathlib import Path

import pandas as pd
from IPython.display import HTML

from cqdt import __version__
from cqdt.caveats import marking
from cqdt.comparison import unit_profile
from cqdt.criteria import LEVEL_TITLES, Part
from cqdt.methods import METHODS, criterion_fields
from cqdt.numbers import format_number, format_points
from cqdt.output import file_sha256, replaced_atomically, unit_file_stem
from cqdt.publishing.annex_docx import RankingAnnex, write_ranking_annex
from cqdt.publishing.context import document_warnings, warning_html
from cqdt.publishing.document import ANNEX_PREFIX, SEPARATE_PREFIX
from cqdt.publishing.html import STYLESHEET, esc, file_name, short_date, table_html
from cqdt.publishing.kinds.official.context import (
    ReportContext,
    annex_heading,
    annex_of,
    document_date,
    ranking_tables,
    subject,
)
from cqdt.publishing.next_level import next_level_html
from cqdt.results import write_result
from cqdt.scoring import ScoreResult
from cqdt.tables import rounding_rule, write_result_tables

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


def _scorecard(ctx: ReportContext, unit: str, number: int, parts: pd.DataFrame) -> str:
    """One unit's card, readable on its own when sent to the unit."""
    result = ctx.result
    names = {c.code: c.name for c in result.criteria.criteria}
    profile = unit_profile(result, unit)
    standing = "; ".join(
        f"Phần {esc(p.code)}: xếp thứ {parts.loc[(unit, p.code), 'rank']!s}, mức "
        f"{esc(parts.loc[(unit, p.code), 'level'])}, "
        f"{format_points(parts['converted_published'].loc[(unit, p.code)])}"
        f"/{format_points(p.max)} điểm quy đổi"
        for p in result.criteria.parts
    )
    gains = profile[profile["missed"] > 0].nlargest(3, "missed")
    gain_text = (
        "; ".join(
            f"{esc(criterion)} {esc(name)} (còn thiếu {format_points(missed)} điểm)"
            for criterion, name, missed in zip(
                gains["criterion"], gains["name"], gains["missed"], strict=True
            )
        )
        or "không có"
    )
    excluded = profile[~profile["applicable"]]["criterion"]
    excluded_text = "; ".join(f"{esc(c)} {esc(names[c])}" for c in excluded) or "không có"
    district = ctx.districts.get(unit, "") if ctx.districts is not None else ""
    code = str(result.evidence.codes.get(unit, ""))  # file names by code, never by name
    anchor = f"{SEPARATE_PREFIX}{number:03d}" + (f"-{unit_file_stem(code)}" if code else "")
    return (
        f'<section class="scorecard" id="{anchor}">'
        f'<p class="cua-phieu">Phiếu điểm — {esc(subject(ctx))}</p>'
        f"<h3>{esc(unit)}{f' ({esc(district)})' if district else ''}</h3><p>{standing}.</p>"
        f"<p>Tiêu chí không đưa vào đánh giá: {excluded_text}.</p>"
        f"<p>Các tiêu chí còn thiếu nhiều điểm nhất: {gain_text}.</p>"
        f"{next_level_html(ctx.next_level, unit)}"
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
        f"{file_name(stem + '.pdf')} (bản HTML: {file_name(stem + '.html')}); phiếu của "
        f"từng đơn vị, để gửi đơn vị, nằm trong thư mục {file_name(stem + '/')}.</p>"
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
    valid_to = f" đến ngày {short_date(cs.valid_to)}" if cs.valid_to else ""
    body = f"""
<p>Căn cứ: {esc(cs.decision)}. Bộ tiêu chí: {esc(cs.title)}, phiên bản {esc(cs.version)},
hiệu lực từ ngày {short_date(cs.valid_from)}{valid_to};
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
        ("Ngày lập báo cáo", short_date(p.date), ""),
    ]
    table = "".join(
        f"<tr><th>{esc(k)}</th><td>"
        + (f"<code>{esc(v)}</code>" if k.startswith("SHA") else file_name(v))
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


def ranking_annex(ctx: ReportContext) -> RankingAnnex:
    """The ranking tables as the annex of the report (for the Word document)."""
    return RankingAnnex(
        title="Phụ lục: Bảng xếp hạng mức độ chính quyền điện tử",
        subtitle=f"{LEVEL_TITLES[ctx.result.level]}, năm {ctx.params.year}",
        annex_of=annex_of(ctx),
        tables=ranking_tables(ctx),
        warnings=document_warnings(ctx),
        marking=marking(document_warnings(ctx)),
        author=ctx.document.issuer,
        day=document_date(ctx),
    )


def write_outputs(ctx: ReportContext) -> HTML:
    """Write the tables (CSV per part, one XLSX, the Word annex) beside the notebook and list
    them; the machine-readable result (:mod:`cqdt.results`) goes beside them."""
    folder = Path(ctx.params.output_dir)
    written = write_result_tables(ctx.result, folder, ctx.districts, ctx.synthetic)
    docx = folder / f"{ANNEX_PREFIX}xep-hang-{ctx.params.level}-{ctx.params.year}.docx"
    written.append(write_ranking_annex(ranking_annex(ctx), docx))
    write_result(
        ctx.result, folder, ctx.synthetic
    )  # for programs (corrections, the index): not listed
    names = ", ".join(file_name(path.as_posix()) for path in written)  # with its folder
    return HTML(f'<p class="files">Tệp bảng kèm theo: {names}.</p>')
