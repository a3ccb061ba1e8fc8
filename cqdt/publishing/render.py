"""Executed notebook -> HTML (code hidden) -> PDF (A4), offline.

HTML comes from nbconvert with a small template (``templates/cqdt``) that drops every remote
script and JupyterLab's stylesheet for our own; the table of contents is filled in from the
sections' headings. PDF comes from WeasyPrint, which needs no browser and no TeX; it runs no
JavaScript, hence static charts. The PDF embeds the serif font the package ships
(``fonts/``: Liberation Serif, metric-compatible with Times New Roman, SIL OFL); WeasyPrint may
read ``data:`` URLs (charts are inlined) and those font files only, so rendering never touches
the network or any other file.
"""

from __future__ import annotations

import html
import logging
import re
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

import nbformat
from nbconvert import HTMLExporter
from nbconvert.preprocessors import TagRemovePreprocessor
from traitlets.config import Config
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

TEMPLATES = Path(__file__).resolve().parent / "templates"
FONTS = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = "cqdt Liberation Serif"
"""A family name of our own: a system-wide "Liberation Serif" (perhaps an old one without
Vietnamese letters) must never be picked instead of the shipped files."""
REMOVE_TAG = "remove_cell"
"""Cells tagged so (notes for notebook users) are left out of reports."""
TOC = '<nav class="muc-luc"></nav>'
"""Where the table of contents goes (the report's first page)."""
HEADING = re.compile(r'<h2 (?:class="[^"]*" )?id="([^"]+)">(.*?)</h2>', re.S)


def notebook_to_html(notebook: Path, title: str = "") -> str:
    """The report as one self-contained HTML page, without code cells or prompts.

    ``title`` is the page's own ``<title>`` (default: the notebook's title).
    """
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
    if title:
        nb.metadata["title"] = title  # the template prefers the notebook's own title
    name = nb.metadata.get("title", "Báo cáo")
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": name}})
    return with_contents(body.replace('<html lang="en">', '<html lang="vi">'))


def with_contents(page: str) -> str:
    """Fill the table of contents placeholder with a link to every section heading.

    In print, each entry ends with its page number (CSS ``target-counter``).
    """
    if TOC not in page:
        return page
    entries = "".join(
        f'<li><a href="#{anchor}">{html.escape(re.sub(r"<[^>]+>", "", text))}</a></li>'
        for anchor, text in HEADING.findall(page)
    )
    return page.replace(
        TOC, f'<nav class="muc-luc"><p class="tieu-de">MỤC LỤC</p><ul>{entries}</ul></nav>', 1
    )


class _FontFetcher(URLFetcher):
    """``data:`` URLs, and ``file:`` URLs of the shipped fonts only."""

    def fetch(self, url, headers=None):
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if path.parent != FONTS:
                raise ValueError(f"chỉ được đọc phông chữ của gói, không đọc {url}")
        return super().fetch(url, headers)


def _font_faces(fonts: FontConfiguration) -> CSS:
    faces = []
    for style, weight, suffix in (
        ("normal", "normal", "Regular"),
        ("normal", "bold", "Bold"),
        ("italic", "normal", "Italic"),
        ("italic", "bold", "BoldItalic"),
    ):
        url = (FONTS / f"LiberationSerif-{suffix}.ttf").as_uri()
        faces.append(
            f'@font-face {{ font-family: "{FONT_FAMILY}"; src: url("{url}"); '
            f"font-style: {style}; font-weight: {weight}; }}"
        )
    return CSS(string="\n".join(faces), font_config=fonts)


def _document(page: str, base: Path):
    """Lay out ``page`` (fonts embedded), quietly: no CSS or font-subsetting notices in logs."""
    for name in ("weasyprint", "fontTools"):
        logging.getLogger(name).setLevel(logging.ERROR)
    fetcher = _FontFetcher(allowed_protocols={"data", "file"})
    fonts = FontConfiguration()
    return HTML(string=page, base_url=str(base), url_fetcher=fetcher).render(
        stylesheets=[_font_faces(fonts)], font_config=fonts
    )


def html_to_pdf(html: str, pdf: Path) -> None:
    """Render report HTML to an A4 PDF with page numbers and running header."""
    _document(html, pdf.parent).write_pdf(pdf)
