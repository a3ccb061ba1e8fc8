"""A many-page annex (the scorecards) straight to PDF with reportlab, one file per unit too.

WeasyPrint lays out the 145 scorecards of a commune report in about 25 s of CPU (text layout of
35,000 table cells); reportlab does the same in about 2 s (numbers are set as plain strings,
only names and explanations are wrapped as paragraphs), which keeps the whole batch fast; each
unit's pages are then copied into a file of their own (pypdf), with no second layout. The annex
HTML written by the report notebook
(:func:`cqdt.publishing.kinds.official.annexes.annex_document`) stays the single source: it is
read back here, part by part (title, "Kèm theo" line, warnings, introduction, then one
``section`` per unit with its own heading lines, paragraphs and table), and set in the same
shipped serif font (embedded), A4, Nghị định 30 margins, page numbers top centre from page 2, the
warnings' short form at the foot of every page.

Each unit's file is a document of its own: it starts with the unit's heading (issuer, title,
"Kèm theo" line) and is numbered from its own first page, while the annex keeps its continuous
numbers. The page number is drawn as a small form (PDF XObject) of its own on every page, so
the copy of a page in a unit's file shows the unit's page number by swapping that one form
(:func:`_split`): the pages are not laid out again.
"""

from __future__ import annotations

import io
import re
from functools import cache, partial
from pathlib import Path
from typing import Any, Literal
from xml.sax.saxutils import escape

import lxml.html
from pypdf import PdfReader, PdfWriter
from pypdf.generic import DictionaryObject, NameObject
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import xObjectName
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from cqdt.output import replaced_atomically, safe_name
from cqdt.publishing.document import SEPARATE_PREFIX

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "cqdt-Liberation-Serif"
WIDTHS = (7, 33, 7.5, 7.5, 7.5, 37.5)
"""Column widths (% of the text width) of a scorecard table, as in the HTML."""
TEXT_WIDTH = (210 - 30 - 15) * mm
CELL_SIZE = 8.5
"""Font size of table cells (the smallest printed text)."""
HEADER_FILL = colors.HexColor("#e3e8f2")
WARNING_COLOUR = colors.HexColor("#b71c1c")


@cache
def _fonts() -> str:
    """Register the shipped serif (4 styles) once per process; return the family name."""
    styles: tuple[tuple[str, str, Literal[0, 1], Literal[0, 1]], ...] = (
        ("", "Regular", 0, 0),
        ("-Bold", "Bold", 1, 0),
        ("-Italic", "Italic", 0, 1),
        ("-BoldItalic", "BoldItalic", 1, 1),
    )
    for style, suffix, bold, italic in styles:
        pdfmetrics.registerFont(TTFont(FONT + style, str(FONTS / f"LiberationSerif-{suffix}.ttf")))
        addMapping(FONT, bold, italic, FONT + style)
    return FONT


@cache
def _styles() -> dict[str, ParagraphStyle]:
    font = _fonts()
    body = ParagraphStyle("body", fontName=font, fontSize=11, leading=13.5, alignment=TA_JUSTIFY)
    cell = ParagraphStyle("cell", fontName=font, fontSize=CELL_SIZE, leading=CELL_SIZE + 1.5)
    return {
        "title": ParagraphStyle(
            "title", fontName=font + "-Bold", fontSize=13.5, leading=17, alignment=TA_CENTER
        ),
        "issuer": ParagraphStyle(
            "issuer", fontName=font + "-Bold", fontSize=12, leading=15, alignment=TA_CENTER
        ),
        "card-title": ParagraphStyle(
            "card-title",
            fontName=font + "-Bold",
            fontSize=12.5,
            leading=15.5,
            alignment=TA_CENTER,
            spaceBefore=4,
        ),
        "unit": ParagraphStyle(
            "unit",
            fontName=font + "-Bold",
            fontSize=13,
            leading=16,
            alignment=TA_CENTER,
            spaceBefore=2,
        ),
        "centre": ParagraphStyle(
            "centre", parent=body, fontName=font + "-Italic", alignment=TA_CENTER, spaceAfter=6
        ),
        "warning": ParagraphStyle(
            "warning",
            parent=body,
            fontName=font + "-Bold",
            textColor=WARNING_COLOUR,
            borderColor=WARNING_COLOUR,
            borderWidth=1,
            borderPadding=4,
            spaceBefore=6,
            spaceAfter=8,
        ),
        "body": body,
        "small": ParagraphStyle(
            "small", parent=body, fontName=font + "-Italic", fontSize=9.5, textColor=colors.grey
        ),
        "heading": ParagraphStyle(
            "heading", fontName=font + "-Bold", fontSize=13, leading=16, spaceBefore=2
        ),
        "cell": cell,
        "bold-cell": ParagraphStyle("bold-cell", parent=cell, fontName=font + "-Bold"),
        "head": ParagraphStyle("head", parent=cell, fontName=font + "-Bold", alignment=TA_CENTER),
    }


def _text(element) -> str:
    """The element's text, spaces collapsed (not the no-break ones left for a number)."""
    return escape(re.sub(r"[ \t\r\n]+", " ", element.text_content()).strip())


def _table(section) -> Table:
    """A scorecard table: names and explanations wrap (paragraphs), codes and numbers are plain
    strings (set without a paragraph layout: most of the cells, most of the time saved)."""
    styles = _styles()
    header = [Paragraph(_text(th), styles["head"]) for th in section.xpath(".//thead//th")]
    rows: list[list[Any]]
    look: list[Any]
    rows, look = (
        [header],
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#555555")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
            ("FONT", (0, 1), (-1, -1), FONT, CELL_SIZE, CELL_SIZE + 1.5),
            ("ALIGN", (0, 1), (0, -1), "CENTER"),
            ("ALIGN", (2, 1), (4, -1), "RIGHT"),
        ],
    )
    for number, tr in enumerate(section.xpath(".//tbody/tr"), start=1):
        subtotal = "cong" in tr.classes
        text_style = styles["bold-cell" if subtotal else "cell"]
        rows.append(
            [
                Paragraph(_text(td), text_style) if "chu" in td.classes else _plain(td)
                for td in tr.xpath("./td")
            ]
        )
        if subtotal:  # a part's subtotal: bold, shaded
            look += [
                ("BACKGROUND", (0, number), (-1, number), HEADER_FILL),
                ("FONT", (0, number), (-1, number), FONT + "-Bold", CELL_SIZE, CELL_SIZE + 1.5),
            ]
    widths = [w / 100 * TEXT_WIDTH for w in WIDTHS]
    return Table(rows, colWidths=widths, repeatRows=1, style=TableStyle(look))


def _plain(cell) -> str:
    """A short cell (code, number) as plain text: no markup, never wrapped."""
    return re.sub(r"\s+", " ", cell.text_content()).strip()


CARD_STYLES = {"ban-hanh-phieu": "issuer", "tieu-de-phieu": "card-title", "kem-theo": "centre"}
"""Classes of a card's heading lines (issuer, title, "Kèm theo") and their styles."""


def _section_story(section) -> list[Flowable]:
    styles = _styles()
    story: list[Flowable] = []
    for element in section.iterchildren():
        if element.tag == "h3":
            story.append(Paragraph(_text(element), styles["unit"]))
        elif element.tag == "p":
            kind = next((c for c in element.classes if c in CARD_STYLES), "")
            style = CARD_STYLES.get(kind) or ("small" if "cua-phieu" in element.classes else "body")
            story.append(Paragraph(_text(element), styles[style]))
        elif element.tag == "table":
            story += [Spacer(0, 3), _table(element)]
    return story


PAGE_NUMBER = "so-trang-{}"
"""Name of the form that draws page ``n``'s number (empty on page 1)."""


def _number_form(canvas: Canvas, name: str, page: int) -> None:
    """Define form ``name``: the number ``page`` top centre, nothing on a first page."""
    canvas.beginForm(name, 0, 0, A4[0], A4[1])
    if page > 1:
        canvas.setFont(FONT, 13)
        canvas.setFillColor(colors.black)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, str(page))
    canvas.endForm()


def _page_decoration(canvas: Canvas, document, marking: str) -> None:
    """Page number top centre (not on the first page; a form of its own, see :func:`_split`),
    the warnings' short form at the foot."""
    canvas.saveState()
    if marking:
        canvas.setFont(FONT + "-Bold", 9)
        canvas.setFillColor(WARNING_COLOUR)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, marking)
    name = PAGE_NUMBER.format(document.page)
    _number_form(canvas, name, document.page)
    canvas.doForm(name)
    canvas.restoreState()


class _Start(Flowable):
    """An invisible mark where a separate part starts; the page it lands on is noted."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name
        self.width = self.height = 0

    def draw(self) -> None:
        pass


class _Document(SimpleDocTemplate):
    """A document that notes the page on which each separate part starts."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.starts: list[tuple[str, int]] = []

    def afterFlowable(self, flowable) -> None:
        if isinstance(flowable, _Start):
            self.starts.append((flowable.name, self.page))


def _build(story: list[Flowable], path: Path, title: str, marking: str) -> list[tuple[str, int]]:
    """Write ``story`` to ``path``; return the separate parts and their first pages (1-based)."""
    decorate = partial(_page_decoration, marking=marking)
    with replaced_atomically(path) as temporary:
        document = _Document(
            str(temporary),
            pagesize=A4,
            leftMargin=30 * mm,
            rightMargin=15 * mm,
            topMargin=20 * mm,
            bottomMargin=20 * mm,
            title=title,
            author="cqdt",
            invariant=1,  # no creation date or random id inside: the same annex, the same bytes
        )
        document.build(
            story,
            onFirstPage=decorate,
            onLaterPages=decorate,
            # types-reportlab has initialFontName a number; reportlab takes a font name
            canvasmaker=partial(Canvas, initialFontName=_fonts(), invariant=1),  # type: ignore[arg-type]
        )
    return document.starts


def annex_to_pdf(page: str, pdf: Path, separate: Path) -> list[Path]:
    """Print an annex page to ``pdf``, and each of its separate parts to ``separate/``.

    A separate part is a ``section`` whose id starts with ``rieng-`` (a unit's scorecard); it
    starts a new page and is also written on its own as ``<id without prefix>.pdf``, ready to
    send. Returns the separate files written.
    """
    styles = _styles()
    root = lxml.html.fromstring(page)
    title = _text(root.find(".//title"))
    marks = root.xpath('//p[contains(@class, "page-marking")]')
    marking = _text(marks[0]) if marks else ""
    story: list[Flowable] = []
    for heading in root.xpath('//h2[contains(@class, "phu-luc")]'):
        story.append(Paragraph(_text(heading), styles["title"]))
    for element in root.xpath('//body/p[not(contains(@class, "page-marking"))]'):
        if "running-header" in element.classes:
            continue
        style = {"kem-theo": "centre", "canh-bao": "warning"}.get(
            next(iter(element.classes), ""), "body"
        )
        story.append(Paragraph(_text(element), styles[style]))
    parts = root.xpath(f'//section[starts-with(@id, "{SEPARATE_PREFIX}")]')
    for section in parts:  # each part a document of its own: from a new page
        story += [PageBreak(), _Start(section.get("id")), *_section_story(section)]
    starts = _build(story, pdf, title, marking)
    titles = {s.get("id"): f"{_text(s.find('h3'))} — {title}" for s in parts}
    return _split(pdf, starts, separate, titles)


def _own_numbers(count: int) -> list[Any]:
    """Page-number forms of a document's own pages 1 to ``count`` (none on page 1), in a PDF of
    their own: what a separate part's pages show instead of the annex's numbers."""
    buffer = io.BytesIO()
    # types-reportlab has initialFontName a number; reportlab takes a font name
    canvas = Canvas(buffer, pagesize=A4, initialFontName=_fonts(), invariant=1)  # type: ignore[arg-type]
    for page in range(1, count + 1):
        name = PAGE_NUMBER.format(page)
        _number_form(canvas, name, page)
        canvas.doForm(name)
        canvas.showPage()
    canvas.save()
    pages: list[Any] = list(PdfReader(buffer).pages)
    return [
        page["/Resources"]["/XObject"].raw_get(f"/{xObjectName(PAGE_NUMBER.format(n))}")
        for n, page in enumerate(pages, start=1)
    ]


def _split(
    pdf: Path, starts: list[tuple[str, int]], separate: Path, titles: dict[str, str]
) -> list[Path]:
    """Write the pages of each separate part as a file of its own (no new layout), numbered
    from its own first page: each page's number form is swapped for the part's own."""
    separate.mkdir(parents=True, exist_ok=True)
    reader = PdfReader(pdf)
    ends = [page - 1 for _, page in starts[1:]] + [len(reader.pages)]
    own = _own_numbers(
        max((last - first + 1 for (_, first), last in zip(starts, ends, strict=True)), default=0)
    )
    written = []
    for (name, first), last in zip(starts, ends, strict=True):
        writer = PdfWriter()
        for number, page in enumerate(reader.pages[first - 1 : last], start=1):
            copy: Any = writer.add_page(page)
            resources, forms = DictionaryObject(), DictionaryObject()
            resources.update(copy["/Resources"])
            forms.update(copy["/Resources"]["/XObject"])
            key = NameObject(f"/{xObjectName(PAGE_NUMBER.format(first + number - 1))}")
            forms[key] = own[number - 1].clone(writer)
            resources[NameObject("/XObject")] = forms
            copy[NameObject("/Resources")] = resources
        metadata: dict[str, Any] = dict(reader.metadata or {})
        metadata["/Title"] = titles[name]
        writer.add_metadata(metadata)
        path = separate / f"{safe_name(name.removeprefix(SEPARATE_PREFIX))}.pdf"
        with replaced_atomically(path) as temporary:
            writer.write(temporary)
        written.append(path)
    return written
