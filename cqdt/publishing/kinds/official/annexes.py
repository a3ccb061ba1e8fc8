"""The annexes of the official report, and the files written beside it.

Phụ lục I (method, generated from the criteria file) closes the report. Phụ lục II (the ranking
tables in Word) and Phụ lục III (one scorecard per unit: HTML here, printed to PDF and split
into one document per unit by the batch) are documents of their own, named in the report (and
its table of contents) without file names. :func:`write_outputs` writes the official tables
(CSV, Excel), Phụ lục II and the machine-readable result. What the report was made from
(hashes, versions, files) is not in the document: the batch writes it beside, as the audit
record (:mod:`cqdt.publishing.audit`).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from IPython.display import HTML

from cqdt.comparison import unit_profiles
from cqdt.criteria import LEVEL_TITLES, Part
from cqdt.methods import METHODS, criterion_fields
from cqdt.numbers import format_number, format_points
from cqdt.output import replaced_atomically, unit_file_stem
from cqdt.publishing.annex_docx import RankingAnnex, write_ranking_annex
from cqdt.publishing.document import ANNEX_PREFIX, SEPARATE_PREFIX, in_text
from cqdt.publishing.html import STYLESHEET, anchor, esc, table_html, vietnamese_date
from cqdt.publishing.kinds.official.context import (
    ReportContext,
    annex_heading,
    annex_of,
    document_date,
    ranking_tables,
    report_warning_html,
    report_warnings,
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


def _card_tables(result: ScoreResult, profiles: dict[str, pd.DataFrame]) -> dict[str, str]:
    """Every unit's criteria with a subtotal per part, as one table per unit; the cells of all
    units are made at once (a commune report has 145 cards)."""
    order = {c.code: i for i, c in enumerate(result.criteria.criteria)}
    position = {unit: i for i, unit in enumerate(result.evidence.units)}
    table = pd.concat(profiles.values(), ignore_index=True)
    table = table.iloc[
        np.lexsort((table["criterion"].map(order), table["unit"].map(position)))
    ].reset_index(drop=True)
    cells = (
        "<tr><td>"
        + table["criterion"].map(esc)
        + '</td><td class="chu">'
        + table["name"].map(esc)
        + "</td><td>"
        + table["max"].map(format_points)
        + "</td><td>"
        + table["points"].map(format_points)
        + "</td><td>"
        + table["missed"].map(format_points)
        + '</td><td class="chu">'
        + table["explanation"].map(esc)
        + "</td></tr>"
    )
    applicable = table[table["applicable"]]
    totals = applicable.groupby(["unit", "part"])[["max", "points", "missed"]].sum()
    subtotals = {key: row.tolist() for key, row in totals.map(format_points).iterrows()}
    header = "".join(
        f'<th class="{width}">{esc(name)}</th>' for name, width in CARD_COLUMNS.items()
    )
    rows: dict[str, list[str]] = {unit: [] for unit in result.evidence.units}
    for (unit, part), own in cells.groupby([table["unit"], table["part"]], sort=False):
        subtotal = subtotals.get((unit, part), ["0,00"] * 3)
        rows[str(unit)] += [
            *own,
            f'<tr class="cong"><td></td><td class="chu">Cộng phần {esc(part)} (tiêu chí có áp '
            "dụng)</td>" + "".join(f"<td>{t}</td>" for t in subtotal) + "<td></td></tr>",
        ]
    return {
        unit: f'<table class="bang phieu"><thead><tr>{header}</tr></thead>'
        f"<tbody>{''.join(own)}</tbody></table>"
        for unit, own in rows.items()
    }


SCORECARD_ANNEX = f"{ANNEX_PREFIX}phieu-diem"
"""File-name prefix of the scorecard annex (HTML, PDF, and a folder of one PDF per unit)."""
SCORECARD_TITLE = "Phụ lục III"
RANKING_TITLE = "Phụ lục II"
"""Numbers of the annexes that are files of their own (Phụ lục I is in the report)."""


def _scorecard(
    ctx: ReportContext,
    unit: str,
    number: int,
    parts: pd.DataFrame,
    profile: pd.DataFrame,
    table: str,
) -> str:
    """One unit's card (its ``profile`` and criteria ``table`` made for all units at once),
    readable on its own when sent to the unit."""
    result = ctx.result
    names = {c.code: c.name for c in result.criteria.criteria}
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
    own_id = f"{SEPARATE_PREFIX}{number:03d}" + (f"-{unit_file_stem(code)}" if code else "")
    return (  # its own heading: the unit's file is a document of its own
        f'<section class="scorecard" id="{own_id}">'
        f'<p class="ban-hanh-phieu">{esc(in_text(ctx.document.issuer).upper())}</p>'
        f'<p class="tieu-de-phieu">PHIẾU ĐIỂM {esc(subject(ctx).upper())}</p>'
        f"<h3>{esc(unit)}{f' ({esc(district)})' if district else ''}</h3>"
        f'<p class="kem-theo">({esc(SCORECARD_TITLE)}, {esc(annex_of(ctx)[0].lower())}'
        f"{esc(annex_of(ctx)[1:])})</p><p>{standing}.</p>"
        f"<p>Tiêu chí không đưa vào đánh giá: {excluded_text}.</p>"
        f"<p>Các tiêu chí còn thiếu nhiều điểm nhất: {gain_text}.</p>"
        f"{next_level_html(ctx.next_level, unit)}"
        f"{table}</section>"
    )


def annex_document(ctx: ReportContext, title: str, body: str) -> str:
    """A stand-alone annex (HTML page with the report's style, marks and page header)."""
    mark_html, sentences = report_warning_html(ctx)
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
    profiles = unit_profiles(result)
    tables = _card_tables(result, profiles)
    cards = [
        _scorecard(ctx, unit, number, parts, profiles[unit], tables[unit])
        for number, unit in enumerate(result.evidence.units, start=1)
    ]
    stem = f"{SCORECARD_ANNEX}-{ctx.params.level}-{ctx.params.year}"
    folder = Path(ctx.params.output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    title = f"{SCORECARD_TITLE}: Phiếu điểm từng đơn vị"
    page = annex_document(ctx, title, intro + "".join(cards))
    with replaced_atomically(folder / f"{stem}.html") as temporary:
        temporary.write_text(page, encoding="utf-8")
    return separate_annex(
        title,
        f"Phiếu điểm của {len(cards)} đơn vị, mỗi đơn vị một phiếu: điểm từng tiêu chí và "
        "cách tính, tiêu chí không đưa vào đánh giá, tiêu chí còn thiếu nhiều điểm nhất. Phụ "
        "lục lập thành tài liệu riêng kèm theo báo cáo; phiếu của mỗi đơn vị là một văn bản "
        "riêng (có số trang riêng) để gửi đơn vị.",
    )


def separate_annex(title: str, text: str) -> HTML:
    """The report's entry for an annex that is a document of its own: heading (in the table
    of contents) and what it holds, no file names (they are in the audit record)."""
    return HTML(
        f'<section class="section"><h2 class="phu-luc-rieng" id="{anchor(title)}">'
        f"{esc(title.upper())}</h2><p>{esc(text)}</p></section>"
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
    valid_to = f" đến {vietnamese_date(cs.valid_to)}" if cs.valid_to else ""
    body = f"""
<p>Căn cứ: {esc(cs.decision)}. Bộ tiêu chí: {esc(cs.title)}, phiên bản {esc(cs.version)},
hiệu lực từ {vietnamese_date(cs.valid_from)}{valid_to};
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


def ranking_annex(ctx: ReportContext) -> RankingAnnex:
    """The ranking tables as Phụ lục II of the report (a Word document, to issue and edit)."""
    sentences, mark = report_warnings(ctx)
    return RankingAnnex(
        title=f"{RANKING_TITLE}: Bảng xếp hạng mức độ chính quyền điện tử",
        subtitle=f"{LEVEL_TITLES[ctx.result.level]}, năm {ctx.params.year}",
        annex_of=annex_of(ctx),
        tables=ranking_tables(ctx),
        warnings=sentences,
        marking=mark,
        author=in_text(ctx.document.issuer),
        day=document_date(ctx),
    )


def write_outputs(ctx: ReportContext) -> HTML:
    """Write the tables (CSV per part, one XLSX), Phụ lục II (the ranking tables in Word) and
    the machine-readable result (:mod:`cqdt.results`) beside the notebook; return the report's
    entry for Phụ lục II. The files are listed in the audit record, not in the report."""
    folder = Path(ctx.params.output_dir)
    write_result_tables(ctx.result, folder, ctx.districts, ctx.synthetic)
    docx = folder / f"{ANNEX_PREFIX}xep-hang-{ctx.params.level}-{ctx.params.year}.docx"
    write_ranking_annex(ranking_annex(ctx), docx)
    write_result(ctx.result, folder, ctx.synthetic)
    return separate_annex(
        f"{RANKING_TITLE}: Bảng xếp hạng",
        "Các bảng xếp hạng của mục II, lập thành tài liệu Word riêng kèm theo báo cáo (để ban "
        "hành, sửa đổi); cùng các bảng dưới dạng bảng tính.",
    )
