"""The ranking annex as a Word document (.docx), because decisions are issued and edited in Word.

One landscape A4 document: the annex title in bold capitals, the line saying which document it
belongs to, the warnings (reconstructed criteria, synthetic data; also in every page header),
then each official ranking table with its caption, numbers in Vietnamese format exactly as in
the PDF. Written with python-docx; Times New Roman as Nghị định 30/2020 asks (Word has it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

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


def _repeat_header(row) -> None:
    """Mark a table row as a header row, repeated at the top of every page."""
    properties = row._tr.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    properties.append(header)


def _paragraph(document, text: str, size: float, bold=False, italic=False, centre=True):
    paragraph = document.add_paragraph()
    run = paragraph.add_run(text)
    run.bold, run.italic, run.font.size = bold, italic, Pt(size)
    if centre:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return run


def write_ranking_annex(annex: RankingAnnex, path: Path) -> Path:
    """Write the annex to ``path`` (replaced atomically); return ``path``."""
    document = Document()
    style = document.styles["Normal"]
    style.font.name, style.font.size = FONT, Pt(13)
    style.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    language = OxmlElement("w:lang")  # Vietnamese, so Word does not mark every word misspelt
    language.set(qn("w:val"), "vi-VN")
    style.element.rPr.append(language)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(25), Mm(15)
    if annex.marking:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.CENTER
        run = header.add_run(annex.marking)
        run.bold, run.font.size, run.font.color.rgb = True, Pt(9), WARNING_COLOUR

    _paragraph(document, annex.title.upper(), 14, bold=True)
    _paragraph(document, annex.subtitle, 13, bold=True)
    _paragraph(document, f"({annex.annex_of})", 13, italic=True)
    for warning in annex.warnings:
        run = _paragraph(document, warning, 12, bold=True, centre=False)
        run.font.color.rgb = WARNING_COLOUR

    for caption, table in annex.tables:
        _paragraph(document, caption, 13, bold=True, centre=False)
        grid = document.add_table(rows=1, cols=len(table.columns))
        grid.style = "Table Grid"
        grid.alignment = WD_TABLE_ALIGNMENT.CENTER
        for cell, name in zip(grid.rows[0].cells, table.columns, strict=True):
            cell.text = str(name)
            cell.paragraphs[0].runs[0].bold = True
        _repeat_header(grid.rows[0])
        for values in table.itertuples(index=False):
            for cell, value in zip(grid.add_row().cells, values, strict=True):
                cell.text = _cell_text(value)
        for row in grid.rows:
            for cell in row.cells:
                for run in cell.paragraphs[0].runs:
                    run.font.size = Pt(11)
    properties = document.core_properties
    properties.author = properties.last_modified_by = annex.author
    properties.title = annex.title
    properties.language = "vi-VN"
    when = datetime.combine(annex.day or date(2000, 1, 1), datetime.min.time())
    properties.created = properties.modified = when
    properties.revision = 1
    with replaced_atomically(path) as temporary:
        document.save(str(temporary))  # python-docx's hints say str or a stream
        fix_office_times(temporary, when)
    return path
