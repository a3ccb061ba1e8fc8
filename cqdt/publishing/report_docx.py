"""The whole report as a Word document (.docx), converted from its HTML: the same document.

Offices amend a draft in Word before it is signed. The report's HTML (what its notebook
presented) stays the single source, read back here as the scorecard annex is for reportlab:
the two-column header (a table without borders), document type and summary, headings (Word's
own heading styles, so its table of contents works), paragraphs and lists, every table as a
real Word table (header row repeated on every page, numbers right-aligned, columns as wide as
their content), charts as pictures (the PNG copies written beside the report), the signature
block and addressees, the annexes with their numbers. Layout as Nghị định 30/2020 asks: A4,
margins 20/20/30/15 mm, Times New Roman 13 pt, page numbers top centre from page 2, the
warnings' short form at the foot of every page; language vi-VN; author the issuing body,
created and modified on the report's date (the same report gives the same bytes).

A report presents an administrative document when its first page (``section.cover``) carries
the document's author and date (``data-author``, ``data-date``); only such reports are
written in Word (:func:`has_document`).
"""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import lxml.html
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Inches, Pt
from lxml.html import HtmlElement

from cqdt.publishing.annex_docx import (
    WARNING_COLOUR,
    grid_table,
    new_document,
    save_document,
    set_widths,
    text_width,
)

IMAGES_PREFIX = ".hinh-"
"""Work folders of the charts' PNG copies a report writes for its Word document (hidden: not
outputs; :func:`write_report_docx` removes them once the pictures are in the document)."""
SIZES = {"h1": 14, "h2": 13.5, "h3": 13}
"""Font sizes (pt) of the document type and of the headings, as in the PDF."""
SKIPPED = {"running-header", "page-marking", "gach-trich-yeu"}
"""Classes of HTML elements that are for the screen or the PDF's page furniture only."""


def has_document(page: str) -> bool:
    """Whether the report's HTML presents an administrative document (see module docstring)."""
    return 'class="cover" data-author=' in page


def _text(text: str | None) -> str:
    """HTML text as shown: runs of spaces and line ends become one space (no-break kept)."""
    return re.sub(r"[ \t\r\n]+", " ", text or "")


def _inline(paragraph, element: HtmlElement, bold: bool = False, italic: bool = False) -> None:
    """Add the text of ``element`` and its inline children to ``paragraph``, as runs."""

    def add(text: str | None) -> None:
        if text:
            run = paragraph.add_run(_text(text))
            run.bold, run.italic = bold or None, italic or None

    add(element.text)
    for child in element:
        if child.tag == "br" or "gach" in child.classes:  # a line break, or the header's rule
            paragraph.add_run().add_break()
        elif child.tag in ("table", "ul", "figure"):
            pass  # a block inside a list item: written after it (see _list)
        else:
            _inline(
                paragraph,
                child,
                bold or child.tag in ("strong", "b", "th"),
                italic or child.tag in ("em", "i") or "tep" in child.classes,
            )
        add(child.tail)


class _Writer:
    """Writes the blocks of the report's HTML into a Word document, in order."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.document = new_document()
        self.width = text_width(self.document)
        self.started = False
        self.new_page = False

    def paragraph(self, element: HtmlElement, style: str | None = None, **look):
        added = self.document.add_paragraph(style=style)
        added.paragraph_format.page_break_before, self.new_page = self.new_page, False
        _inline(added, element, look.get("bold", False), look.get("italic", False))
        if look.get("centre"):
            added.alignment = WD_ALIGN_PARAGRAPH.CENTER
        for run in added.runs:
            if "size" in look:
                run.font.size = Pt(look["size"])
            if look.get("warning"):
                run.bold, run.font.color.rgb = True, WARNING_COLOUR
        return added

    def block(self, element: HtmlElement) -> None:
        classes = set(element.classes)
        if classes & SKIPPED or not isinstance(element.tag, str):
            return
        tag = element.tag
        if "new-page" in classes and self.started:
            self.new_page = True  # on the section's first paragraph (its heading)
        if tag in ("section", "div"):
            for child in element:
                self.block(child)
        elif tag == "h1":
            self.paragraph(element, bold=True, centre=True, size=SIZES["h1"])
        elif tag in ("h2", "h3"):
            heading = self.paragraph(element, f"Heading {1 if tag == 'h2' else 2}")
            if "phu-luc" in classes or "phu-luc-rieng" in classes:
                heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        elif tag == "p":
            self.paragraph(
                element,
                centre=bool(classes & {"trich-yeu", "kem-theo", "tieu-de"}),
                bold="trich-yeu" in classes,
                italic="kem-theo" in classes,
                warning="canh-bao" in classes,
            )
        elif tag == "ul":
            self.bullets(element)
        elif tag == "table":
            self.table(element)
        elif tag == "figure":
            self.figure(element)
        elif tag == "nav":
            self.contents(element)
        self.started = True

    def bullets(self, element: HtmlElement) -> None:
        for item in element.findall("li"):
            self.paragraph(item, "List Bullet")
            for child in item:
                if child.tag in ("table", "ul"):
                    self.block(child)

    def figure(self, element: HtmlElement) -> None:
        image = element.find("img")
        if image is None or not image.get("data-raster"):
            return
        raster = image.get("data-raster", "")
        width = re.search(r"width:([\d.]+)in", image.get("style", ""))
        self.document.add_picture(
            str(self.folder / raster), width=Inches(float(width.group(1))) if width else None
        )
        self.document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER

    def contents(self, element: HtmlElement) -> None:
        """The table of contents: Word's own field (page numbers filled in when Word updates
        fields on opening), showing the entries until then."""
        title = element.find("p")
        if title is not None:
            self.paragraph(title, bold=True, centre=True)
        field = self.document.add_paragraph()
        for part, text in (("begin", None), (None, 'TOC \\o "1-1" \\h'), ("separate", None)):
            run = field.add_run()
            if part:
                mark: Any = OxmlElement("w:fldChar")
                mark.set(qn("w:fldCharType"), part)
                run._r.append(mark)
            else:
                code: Any = OxmlElement("w:instrText")
                code.set(qn("xml:space"), "preserve")
                code.text = text
                run._r.append(code)
        for number, entry in enumerate(element.iter("a")):
            if number:
                field.add_run().add_break()
            field.add_run(_text(entry.text_content()))
        end: Any = OxmlElement("w:fldChar")
        end.set(qn("w:fldCharType"), "end")
        field.add_run()._r.append(end)

    def table(self, element: HtmlElement) -> None:
        classes = set(element.classes)
        if classes & {"quoc-hieu", "ky"}:
            self.layout_table(element)
            return
        rows = [
            [_text(cell.text_content()).strip() for cell in tr.findall("./*")]
            for tr in element.iter("tr")
        ]
        if not rows or not rows[0]:
            return
        header = element.find(".//thead") is not None
        numeric = [
            all(re.fullmatch(r"[–\d.,%\s-]*", row[c]) for row in rows[header:])
            for c in range(len(rows[0]))
        ]
        size = 9 if len(rows[0]) > 6 else 10.5
        bordered = "danh-sach" not in classes
        grid_table(self.document, rows, self.width, size, numeric, header, bordered)

    def layout_table(self, element: HtmlElement) -> None:
        """The header block and the signature block: side by side, no borders."""
        cells = element.findall(".//td")
        grid = self.document.add_table(rows=1, cols=len(cells))
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        shares = [0.4, 0.6] if "quoc-hieu" in element.classes else [0.45, 0.55]
        grid.autofit = False
        set_widths(grid, [int(self.width * share) for share in shares[: len(cells)]])
        for cell, source in zip(grid.rows[0].cells, cells, strict=True):
            first = cell.paragraphs[0]
            blocks = source.findall("p") or [source]
            for n, block in enumerate(blocks):
                target = first if n == 0 else cell.add_paragraph()
                _inline(target, block)
                noi_nhan = "noi-nhan" in source.classes
                target.alignment = (
                    WD_ALIGN_PARAGRAPH.LEFT if noi_nhan else WD_ALIGN_PARAGRAPH.CENTER
                )
                size = 12.0 if (noi_nhan and n == 0) or not noi_nhan else 11.0
                if "quoc-hieu" in element.classes:
                    size = 12.5
                for run in target.runs:
                    run.font.size = Pt(size)
                if "cho-ky" in block.classes:  # room for signature and seal
                    for _ in range(3):
                        target.add_run().add_break()


def _page_furniture(document, marking: str) -> None:
    """Page number top centre from page 2 (a PAGE field), the marking at the foot of every
    page."""
    section = document.sections[0]
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    number._p.append(field)
    if marking:
        for footer in (section.footer, section.first_page_footer):
            paragraph = footer.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            run = paragraph.add_run(marking)
            run.bold, run.font.size, run.font.color.rgb = True, Pt(9), WARNING_COLOUR


def _heading_styles(document) -> None:
    """Word's heading styles in the document's font, black, sizes as in the PDF."""
    for level, size in ((1, SIZES["h2"]), (2, SIZES["h3"])):
        style = document.styles[f"Heading {level}"]
        style.font.name, style.font.size, style.font.bold = "Times New Roman", Pt(size), True
        style.font.color.rgb = None
        style.element.rPr.rFonts.set(qn("w:asciiTheme"), "")
        for attribute in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            style.element.rPr.rFonts.attrib.pop(qn(attribute), None)


def write_report_docx(page: str, path: Path) -> Path:
    """Write the report ``page`` (its HTML, from :func:`cqdt.publishing.render.notebook_to_html`)
    as a Word document to ``path``; the chart copies are read from ``path``'s folder, then
    their work folders (:data:`IMAGES_PREFIX`) removed."""
    root = lxml.html.fromstring(page)
    cover = root.find(".//section[@class='cover']")
    marks = root.xpath('//p[contains(@class, "page-marking")]')
    writer = _Writer(path.parent)
    _heading_styles(writer.document)
    _page_furniture(writer.document, _text(marks[0].text_content()).strip() if marks else "")
    for output in root.xpath('//div[contains(@class, "jp-RenderedHTML")]'):
        for element in output:
            writer.block(element)
    for folder in path.parent.glob(f"{IMAGES_PREFIX}*"):  # the pictures are in the document
        shutil.rmtree(folder)
    title = _text(root.findtext(".//title") or "").strip()
    day = date.fromisoformat(cover.get("data-date", "")) if cover is not None else None
    author = cover.get("data-author", "") if cover is not None else ""
    return save_document(writer.document, path, title, author, day)
