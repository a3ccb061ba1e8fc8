"""Executed notebook -> HTML (code hidden) -> PDF (A4), offline.

HTML comes from nbconvert with a small template (``templates/cqdt``) that drops every remote
script and JupyterLab's stylesheet for our own. PDF comes from WeasyPrint, which needs no
browser and no TeX; it runs no JavaScript, hence static charts. WeasyPrint may only read
``data:`` URLs here (charts are inlined), so rendering never touches the network.
"""

from __future__ import annotations

import logging
from pathlib import Path

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets.config import Config
from weasyprint import HTML
from weasyprint.urls import URLFetcher

TEMPLATES = Path(__file__).resolve().parent / "templates"
REMOVE_TAG = "remove_cell"
"""Cells tagged so (notes for notebook users) are left out of reports."""


def notebook_to_html(notebook: Path) -> str:
    """The report as one self-contained HTML page, without code cells or prompts."""
    exporter = HTMLExporter(
        template_name="cqdt",
        extra_template_basedirs=[str(TEMPLATES)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}),  # no code, no pygments
    )
    exporter.register_preprocessor(
        TagRemovePreprocessor(remove_cell_tags={REMOVE_TAG}, enabled=True), enabled=True
    )
    nb = nbformat.read(notebook, as_version=4)
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": nb.metadata.get("title", "Báo cáo")}}
    )
    return body.replace('<html lang="en">', '<html lang="vi">')


def html_to_pdf(html: str, pdf: Path) -> None:
    """Render report HTML to an A4 PDF with page numbers and running header.

    WeasyPrint's CSS and font-subsetting notices are kept out of the batch log.
    """
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    fetcher = URLFetcher(allowed_protocols={"data"})
    HTML(string=html, base_url=str(pdf.parent), url_fetcher=fetcher).write_pdf(pdf)
