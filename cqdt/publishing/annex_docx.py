"""The ranking annex as a Word document (.docx), because decisions are issued and edited in Word.

One landscape A4 document: the annex title in bold capitals, the line saying which document it
belongs to, the warnings (reconstructed criteria, synthetic data; also in every page header),
then each official ranking table with its caption, numbers in Vietnamese format exactly as in
the PDF. Written with python-docx; Times New Roman as Nghị định 30/2020 asks (Word has it).
The helpers here (A4 layout, tables, properties) also serve the whole report in Word
(:mod:`cqdt.publishing.report_docx`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Length, Mm, Pt, RGBColor

from cqdt.numbers import format_number
from cqdt.output import fix_office_times, replaced_atomically

FONT = "Times New Roman"
WARNING_COLOUR = RGBColor(0xB7, 0x1C, 0x1C)


@dataclass(frozen=True)
class RankingAnnex:
    """What the annex shows: title lines, warnings, and (caption, official table) pairs."""

    title: str
    subtitle: str
    annex_of: str
    tables: list[tuple[str, pd.DataFrame]]
    warnings: list[str] = field(default_factory=list)
    marking: str = ""
    """Short warning for the page header (empty when there is nothing to warn about)."""
    author: str = ""
    """The issuing body, as the document's author property."""
    day: date | None = None
    """The document's date: its created and modified properties (the same bytes on a re-run)."""


def _cell_text(value: object) -> str:
    if isinstance(value, float):
        return format_number(value, 2, fixed=True)
    # pandas-stubs take only pandas' scalar types; pd.isna takes any object
    return "–" if pd.isna(value) else str(value)  # type: ignore[call-overload]


def repeat_header(row) -> None:
    """Mark a table row as a header row, repeated at the top of every page."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def column_widths(rows: list[list[str]], total: Length) -> list[int]:
    """Widths (EMU) sharing ``total`` by what the columns hold: the longest cell, never less
    than the longest word of the header (and a little room) nor 8 characters (``100,00``),
    at most 24 (longer text wraps)."""
    weights = []
    for column in zip(*rows, strict=True):
        longest_word = max((len(w) for w in column[0].split()), default=1) + 2
        weights.append(min(max(max(len(c) for c in column[1:] or [""]), longest_word, 8), 24))
    return [int(total * w / sum(weights)) for w in weights]


def set_widths(grid, widths: list[int]) -> None:
    """Column widths (EMU) of a table, in its grid and every cell (Word reads the cells,
    LibreOffice the grid)."""
    for column, width in zip(grid.columns, widths, strict=True):
        column.width = width
    total = grid._tbl.tblPr.find(qn("w:tblW"))
    if total is None:
        total = OxmlElement("w:tblW")
        grid._tbl.tblPr.append(total)
    total.set(qn("w:w"), str(sum(widths) // 635))  # twentieths of a point
    total.set(qn("w:type"), "dxa")
    margins = OxmlElement("w:tblCellMar")  # narrow cell margins (1 mm): numbers fit
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "57")
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    grid._tbl.tblPr.append(margins)
    for row in grid.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width


def grid_table(
    document,
    rows: list[list[str]],
    width: Length,
    size: float,
    numeric: list[bool],
    header: bool = True,
    bordered: bool = True,
):
    """A table of text rows, columns as wide as their content, numbers right-aligned; with
    ``header``, the first row is bold and repeated on every page."""
    grid = document.add_table(rows=len(rows), cols=len(rows[0]))
    if bordered:
        grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    widths = column_widths(rows if header else [[""] * len(rows[0]), *rows], width)
    set_widths(grid, widths)
    for r, (row, values) in enumerate(zip(grid.rows, rows, strict=True)):
        for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(value)
            run.font.size = Pt(size)
            if header and r == 0:
                run.bold = True
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif numeric[c]:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if header:
        repeat_header(grid.rows[0])
    return grid


def paragraph(document, text: str, size: float, bold=False, italic=False, centre=True):
    """A paragraph of one run; returns the run."""
    added = document.add_paragraph()
    run = added.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if centre:
        added.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return run


def new_document(landscape: bool = False, left_mm: float = 30) -> DocumentObject:
    """An A4 document as Nghị định 30/2020 sets it out: Times New Roman 13 pt (the PDF's
    Liberation Serif has its metrics), margins 20 mm top and bottom, ``left_mm`` left, 15 mm
    right, Vietnamese as its language (so Word does not mark every word misspelt)."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), "vi-VN")
    style.element.rPr.append(language)
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(left_mm), Mm(15)
    return document


def text_width(document) -> Length:
    """The width between the margins of the document's (first) section."""
    section = document.sections[0]
    return Length(section.page_width - section.left_margin - section.right_margin)


def save_document(document, path: Path, title: str, author: str, day: date | None) -> Path:
    """Save ``document`` to ``path`` (replaced atomically) with its properties: ``author`` (the
    issuing body), ``title``, language vi-VN, created and modified on ``day`` (the document's
    date, also the zip entries' times: the same document gives the same bytes)."""
    properties = document.core_properties
    properties.author = properties.last_modified_by = author
    properties.title = title
    properties.language = "vi-VN"
    when = datetime.combine(day or date(2000, 1, 1), datetime.min.time())
    properties.created = properties.modified = when
    properties.revision = 1
    with replaced_atomically(path) as temporary:
        document.save(str(temporary))  # python-docx's hints say str or a stream
        fix_office_times(temporary, when)
    return path


def write_ranking_annex(annex: RankingAnnex, path: Path) -> Path:
    """Write the annex to ``path`` (replaced atomically); return ``path``."""
    document = new_document(landscape=True)
    if annex.marking:
        header = document.sections[0].header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = header.add_run(annex.marking)
        run.bold, run.font.size, run.font.color.rgb = True, Pt(9), WARNING_COLOUR

    paragraph(document, annex.title.upper(), 14, bold=True)
    paragraph(document, annex.subtitle, 13, bold=True)
    paragraph(document, f"({annex.annex_of})", 13, italic=True)
    for warning in annex.warnings:
        run = paragraph(document, warning, 12, bold=True, centre=False)
        run.font.color.rgb = WARNING_COLOUR

    width = text_width(document)
    for caption, table in annex.tables:
        paragraph(document, caption, 13, bold=True, centre=False)
        rows = [[str(c) for c in table.columns]]
        rows += [[_cell_text(v) for v in values] for values in table.itertuples(index=False)]
        numeric = [pd.api.types.is_numeric_dtype(table[c]) for c in table.columns]
        grid_table(document, rows, width, 11, numeric)
    return save_document(document, path, annex.title, annex.author, annex.day)
