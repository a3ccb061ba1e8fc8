"""A many-page annex (the scorecards) straight to PDF with reportlab, one file per unit too.

WeasyPrint lays out the 145 scorecards of a commune report in about 25 s of CPU (text layout of
35,000 table cells); reportlab does the same in about 4 s, which keeps the whole batch within a
minute; each unit's pages are then copied into a file of their own (pypdf), with no second
layout. The annex HTML written by the report notebook
(:func:`cqdt.publishing.kinds.official.annexes.annex_document`) stays the single source: it is
read back here, part by part (title, "Kèm theo" line, warnings, introduction, then one
``section`` per unit with its heading, paragraphs and table), and set in the same shipped
serif font (embedded), A4, Nghị định 30 margins, page numbers top centre from page 2, the
warnings' short form at the foot of every page.
"""

from __future__ import annotations

import re
from functools import cache, partial
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

import lxml.html
from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.fonts import addMapping
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
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
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=10)
    return {
        "title": ParagraphStyle(
            "title", fontName=font + "-Bold", fontSize=13.5, leading=17, alignment=TA_CENTER
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
        "number": ParagraphStyle("number", parent=cell, alignment=TA_RIGHT),
        "head": ParagraphStyle("head", parent=cell, fontName=font + "-Bold", alignment=TA_CENTER),
    }


def _text(element) -> str:
    """The element's text, spaces collapsed (not the no-break ones left for a number)."""
    return escape(re.sub(r"[ \t\r\n]+", " ", element.text_content()).strip())


def _table(section) -> Table:
    styles = _styles()
    header = [Paragraph(_text(th), styles["head"]) for th in section.xpath(".//thead//th")]
    rows = [header]
    look = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#555555")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
            ("TOPPADDING", (0, 0), (-1, -1), 1),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 2),
        ]
    )
    for number, tr in enumerate(section.xpath(".//tbody/tr"), start=1):
        cells = tr.xpath("./td")
        rows.append(
            [
                Paragraph(_text(td), styles["cell" if "chu" in td.classes else "number"])
                for td in cells
            ]
        )
        if "cong" in tr.classes:  # a part's subtotal: bold, shaded, kept with the rows above
            look.add("BACKGROUND", (0, number), (-1, number), HEADER_FILL)
            for paragraph in rows[-1]:
                paragraph.style = ParagraphStyle(
                    "bold", parent=paragraph.style, fontName=FONT + "-Bold"
                )
    widths = [w / 100 * TEXT_WIDTH for w in WIDTHS]
    return Table(rows, colWidths=widths, repeatRows=1, style=look)


def _section_story(section) -> list[Flowable]:
    styles = _styles()
    story: list[Flowable] = []
    for element in section.iterchildren():
        if element.tag == "h3":
            story.append(Paragraph(_text(element), styles["heading"]))
        elif element.tag == "p":
            style = "small" if "cua-phieu" in element.classes else "body"
            story.append(Paragraph(_text(element), styles[style]))
        elif element.tag == "table":
            story += [Spacer(0, 3), _table(element)]
    return story


def _page_decoration(canvas: Canvas, document, marking: str) -> None:
    """Page number top centre (not on the first page), the warnings' short form at the foot."""
    canvas.saveState()
    if marking:
        canvas.setFont(FONT + "-Bold", 9)
        canvas.setFillColor(WARNING_COLOUR)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, marking)
    if document.page > 1:
        canvas.setFont(FONT, 13)
        canvas.setFillColor(colors.black)
        canvas.drawCentredString(A4[0] / 2, A4[1] - 12 * mm, str(document.page))
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
    for number, section in enumerate(parts):
        if number:
            story.append(PageBreak())
        story += [_Start(section.get("id")), *_section_story(section)]
    starts = _build(story, pdf, title, marking)
    return _split(pdf, starts, separate)


def _split(pdf: Path, starts: list[tuple[str, int]], separate: Path) -> list[Path]:
    """Write the pages of each separate part as a file of its own (no new layout)."""
    separate.mkdir(parents=True, exist_ok=True)
    reader = PdfReader(pdf)
    ends = [page - 1 for _, page in starts[1:]] + [len(reader.pages)]
    written = []
    for (name, first), last in zip(starts, ends, strict=True):
        writer = PdfWriter()
        for page in reader.pages[first - 1 : last]:
            writer.add_page(page)
        writer.add_metadata(reader.metadata or {})
        path = separate / f"{safe_name(name.removeprefix(SEPARATE_PREFIX))}.pdf"
        with replaced_atomically(path) as temporary:
            writer.write(temporary)
        written.append(path)
    return written
