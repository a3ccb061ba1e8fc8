"""HTML building blocks shared by every report kind and the explorer.

Plain functions from data to HTML text: escaping, tables with Vietnamese number formats, charts
inlined as images, numbered sections, lists of unit names, dates in the style of Nghị định
30/2020 and the header block of an administrative document. Every text that comes from data
(unit names above all) is escaped here, so no report module writes raw data into a page.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import pandas as pd
from IPython.display import HTML
from matplotlib.figure import Figure

from cqdt.numbers import format_number
from cqdt.output import safe_name
from cqdt.publishing import charts
from cqdt.publishing.document import DocumentSettings
from cqdt.publishing.names import header_lines

CHART_CHUNK = 30
"""Units per chart, so bar charts of ~150 communes stay readable and fit a page."""
LIST_IN_TEXT = 6
"""Names listed in a sentence; longer lists become tables."""
STYLESHEET = Path(__file__).resolve().parent / "templates" / "cqdt" / "report.css"
"""The style of every report page (screen and print), also inlined in stand-alone annexes."""


def esc(value: object) -> str:
    """``value`` as text, HTML-escaped."""
    return html.escape(str(value))


def figure_html(fig: Figure, alt: str, raster: Path | None = None) -> str:
    """A figure as an inline SVG image (vector: sharp in print), so the HTML file stands alone
    and WeasyPrint needs no fetch.

    The image is printed at the figure's own size, so a font size in the chart is the size on
    paper (charts are at most :data:`cqdt.publishing.charts.PRINT_WIDTH` wide and
    :data:`~cqdt.publishing.charts.MAX_HEIGHT` tall, so never scaled). With ``raster`` (a
    folder), a PNG copy is written there and named in ``data-raster`` for the Word document.
    """
    image = charts.svg(fig)
    data = base64.b64encode(image).decode("ascii")
    copy = ""
    if raster is not None:
        raster.mkdir(parents=True, exist_ok=True)
        name = f"{safe_name(alt)[:60]}-{hashlib.sha256(image).hexdigest()[:8]}.png"
        (raster / name).write_bytes(charts.png(fig))
        copy = f' data-raster="{esc(f"{raster.name}/{name}")}"'
    return (
        f'<figure><img src="data:image/svg+xml;base64,{data}" '
        f'style="width:{fig.get_figwidth():.2f}in" alt="{esc(alt)}"{copy}/></figure>'
    )


def ties_note(shown: int, n: int) -> str:
    """Says why a list of "the ``n`` best" shows ``shown`` units: ties with the last one."""
    if shown <= n:
        return ""
    return f" ({shown} đơn vị: {n} đơn vị đầu và {shown - n} đơn vị bằng đơn vị thứ {n})"


def table_html(table: pd.DataFrame, css_class: str = "bang") -> str:
    """A table with Vietnamese number formats; the text is escaped by pandas."""
    shown = table.copy()
    for column in shown.columns:
        if pd.api.types.is_float_dtype(shown[column]):
            shown[column] = shown[column].map(lambda v: format_number(v, 2, fixed=True))
    return shown.to_html(index=False, escape=True, classes=css_class, border=0, na_rep="–")


def anchor(title: str) -> str:
    """The id of a heading, for links from the table of contents."""
    return "muc-" + safe_name(title)


def section(title: str, body: str, new_page: bool = True) -> HTML:
    """A numbered section; its heading (with an id) goes into the table of contents."""
    css = "section new-page" if new_page else "section"
    return HTML(
        f'<section class="{css}"><h2 id="{anchor(title)}">{esc(title)}</h2>{body}</section>'
    )


def landscape(block: HTML) -> HTML:
    """A block (a section with wide tables) printed on landscape A4 pages."""
    return HTML(f'<div class="ngang">{block.data}</div>')


def file_name(name: str) -> str:
    """A file name that is never broken across lines (it would read as two names)."""
    return f'<span class="tep">{esc(name)}</span>'


def name_table(names: Sequence[str], columns: int = 3) -> str:
    """Names in a table read down its columns (long lists of units)."""
    rows = -(-len(names) // columns)
    cells = [*names, *[""] * (rows * columns - len(names))]
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(cells[c * rows + r])}</td>" for c in range(columns)) + "</tr>"
        for r in range(rows)
    )
    return f'<table class="danh-sach">{body}</table>'


def unit_list(names: pd.Series) -> str:
    """A few names in a sentence; a long list as a :func:`name_table`."""
    if len(names) > LIST_IN_TEXT:
        return name_table(list(names))
    return ", ".join(esc(n) for n in names) if len(names) else "không có"


def counted(label: str, names: pd.Series) -> str:
    """``Tăng mức (3 đơn vị): a, b, c``; a long list as a table below the label."""
    return (
        f"{label} ({len(names)} đơn vị): {unit_list(names)}" if len(names) else f"{label}: không có"
    )


def vietnamese_date(day: date) -> str:
    """``ngày 05 tháng 3 năm 2026``: days below 10 and months 1, 2 take a zero (NĐ 30/2020).

    The one style of date in the text of every document (header, "Kèm theo" lines, annexes).
    """
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    return f"ngày {day.day:02d} tháng {month} năm {day.year}"


def marks_html(mark: str, sentences: Sequence[str]) -> tuple[str, str]:
    """The marking every printed page repeats, and the warning sentences for a cover, as HTML;
    empty strings when there is nothing to say."""
    page = f'<p class="page-marking">{esc(mark)}</p>' if mark else ""
    return page, "".join(f'<p class="canh-bao">{esc(w)}</p>' for w in sentences)


def header_name(name: str, bold: bool) -> str:
    """A body's name in the header: capitals, broken where :func:`header_lines` says, each line
    kept whole (no-break spaces), so no browser breaks it inside a word."""
    return "<br/>".join(esc(line).replace(" ", "\u00a0") for line in header_lines(name, bold=bold))


def document_header(doc: DocumentSettings, day: date, numbered: bool = True) -> str:
    """The two-column header of an administrative document (Nghị định 30/2020, Phụ lục I).

    Left: superior body, issuing body (bold) with its rule and, if ``numbered``, the number and
    symbol; right: national name, motto with its rule, place and date in italics.
    """
    number = f'\n<span class="so">Số: {esc(doc.number_and_symbol)}</span>' if numbered else ""
    issuer = f'<strong class="ban-hanh">{header_name(doc.issuer, True)}</strong>'
    return f"""<table class="quoc-hieu"><tr>
<td class="co-quan"><span class="chu-quan">{header_name(doc.superior, False)}</span><br/>
{issuer}<span class="gach"></span>{number}</td>
<td class="quoc-hieu"><strong class="qh">CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM</strong><br/>
<strong class="tieu-ngu">Độc lập - Tự do - Hạnh phúc</strong><br/>
<em class="dia-danh">{esc(doc.place)}, {vietnamese_date(day)}</em></td>
</tr></table>"""
