"""Documents an office issues as they are (issue 13).

Standalone scorecards, every output byte-identical on a re-run, print-quality charts, ties
never cut, header lines broken between words, one date style, the audit record beside the
document, the whole report in Word, relative paths and the settings file in the manifest, a
mark on sample settings. Reports are rendered once per session (``sample_run``,
``sample_rerun``, ``official_run`` in conftest).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import matplotlib
import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text
from pypdf import PdfReader

from cqdt.comparison import compare_years
from cqdt.publishing import charts
from cqdt.publishing.document import (
    SAMPLE_MARK,
    DocumentSettings,
    load_document_settings,
    sample_warning,
)
from cqdt.publishing.html import figure_html, ties_note
from cqdt.publishing.kinds.official.body import REPRODUCIBLE
from cqdt.publishing.names import header_lines
from cqdt.scoring import group_rates
from cqdt.tables import OFFICIAL_COLUMNS, official_table, top_with_ties
from cqdt.workspace import Workspace
from tests.conftest import CRITERIA, OWN_DOCUMENT, SAMPLE
from tests.test_documents import (
    docx_tables,
    page_header,
    pdf_pages,
    report_folder,
    squash,
    vietnamese_number,
)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_run(run: Path) -> dict:
    (record,) = json.loads((run / "manifest.json").read_text(encoding="utf-8"))["runs"]
    return record


# --- 1. each unit's scorecard is a document of its own -------------------------------------


@pytest.mark.slow
def test_each_units_scorecard_is_a_document_of_its_own(sample_run):
    folder = report_folder(sample_run)
    annex = folder / "phu-luc-phieu-diem-huyen-2020.pdf"
    annex_pages = PdfReader(annex).pages
    # the annex keeps one numbering, from its first page (its title page) to its last
    assert [page_header(p) for p in annex_pages] == [
        "",
        *(str(n) for n in range(2, len(annex_pages) + 1)),
    ]
    files = sorted((folder / "phu-luc-phieu-diem-huyen-2020").glob("*.pdf"))
    units = Workspace.at(CRITERIA, SAMPLE).score("huyen", 2020).evidence.units
    assert len(files) == len(units) == 9
    pages_seen = 1  # the annex's title page
    for path, unit in zip(files, units, strict=True):
        reader = PdfReader(path)
        first = pdf_pages(path)[0].replace("\u00a0", "")
        assert "SỞ THÔNG TIN VÀ TRUYỀN THÔNG PHIẾU ĐIỂM KẾT QUẢ ĐÁNH GIÁ" in first, path.name
        assert unit in first, path.name
        assert (
            "(Phụ lục III, kèm theo Báo cáo số /BC-STTTT ngày 25 tháng 11 năm 2026 của Sở "
            "Thông tin và Truyền thông)"
        ) in first
        assert "PHỤ LỤC III: PHIẾU ĐIỂM TỪNG ĐƠN VỊ" not in first  # not the annex's title page
        # its own numbering: nothing on its first page, then 2, 3...
        assert [page_header(p) for p in reader.pages] == [
            "",
            *(str(n) for n in range(2, len(reader.pages) + 1)),
        ]
        assert reader.metadata["/Title"].startswith(unit)
        # the same pages as in the annex, where they carry the annex's numbers
        for number, page in enumerate(reader.pages):
            in_annex = annex_pages[pages_seen + number]
            assert (
                page.extract_text().replace("\n", "")[-200:]
                == (in_annex.extract_text().replace("\n", "")[-200:])
            )
            assert page_header(in_annex) == str(pages_seen + number + 1)
        pages_seen += len(reader.pages)
    assert pages_seen == len(annex_pages)


@pytest.mark.slow
def test_the_table_of_contents_lists_every_annex_and_no_file_name(sample_run):
    pages = pdf_pages(report_folder(sample_run) / "bao-cao-huyen-2020.pdf")
    contents = pages[0][pages[0].index("MỤC LỤC") :]
    for title in (
        "PHỤ LỤC I: PHƯƠNG PHÁP ĐÁNH GIÁ",
        "PHỤ LỤC II: BẢNG XẾP HẠNG",
        "PHỤ LỤC III: PHIẾU ĐIỂM TỪNG ĐƠN VỊ",
    ):
        assert title in contents, title
    whole = " ".join(pages)
    for technical in ("SHA-256", "manifest", "Python", ".pdf", ".csv", ".docx", "cqdt"):
        assert technical not in whole, technical
    assert squash(REPRODUCIBLE) in whole


# --- 2. every output byte-identical on a re-run --------------------------------------------


@pytest.mark.slow
def test_a_rerun_gives_the_same_bytes_for_everything_the_manifest_lists(sample_run, sample_rerun):
    first, second = manifest_run(sample_run), manifest_run(sample_rerun)
    listed = first["outputs"]
    suffixes = {Path(name).suffix for name in listed}
    assert {".pdf", ".docx", ".html", ".ipynb", ".xlsx", ".csv", ".json"} <= suffixes
    assert sum(name.startswith("phu-luc-phieu-diem-huyen-2020/") for name in listed) == 9
    assert listed == second["outputs"]
    for name, digest in listed.items():
        one = report_folder(sample_run) / name
        other = report_folder(sample_rerun) / name
        assert sha256(one) == digest, name  # the manifest says what is on disk
        assert one.read_bytes() == other.read_bytes(), name
    assert (sample_run / "index.html").read_bytes().replace(sample_run.name.encode(), b"") == (
        (sample_rerun / "index.html").read_bytes().replace(sample_rerun.name.encode(), b"")
    )


# --- 3. print-quality charts -------------------------------------------------------------


def changes_of_communes(part: str) -> pd.DataFrame:
    workspace = Workspace.at(CRITERIA, SAMPLE)
    result, previous = workspace.score("xa", 2020), workspace.score("xa", 2019)
    changes = compare_years(result, previous, workspace.register())
    return changes[changes["part"] == part]


def commune_charts() -> list:
    """Every kind of chart of the official report, on the 2020 commune data (the longest
    titles and lists: rank changes of 145 communes), and the district bars (decimal ticks)."""
    workspace = Workspace.at(CRITERIA, SAMPLE)
    result, previous = workspace.score("xa", 2020), workspace.score("xa", 2019)
    changes = compare_years(result, previous, workspace.register())
    part = result.criteria.parts[0]
    rows = result.parts[result.parts["part"] == part.code]
    rates = group_rates(result, part.code)
    labels = {g.code: g.code for g in part.groups}
    districts = workspace.districts("xa")
    huyen = workspace.score("huyen", 2020)
    huyen_a = huyen.parts[huyen.parts["part"] == "A"]
    title = "Phần A: thay đổi thứ hạng (đơn vị so sánh được)"
    return [
        charts.rank_changes(changes[changes["part"] == "A"], title),
        charts.rank_changes(changes[changes["part"] == "B"], title.replace("A", "B", 1)),
        charts.points_by_district(rows, districts, part, "Điểm quy đổi phần A theo huyện"),
        charts.group_heatmap(rates.head(30), labels, "Phần A: tỷ lệ theo nhóm"),
        charts.rate_distribution({p.code: rows["rate"] for p in [part]}, [part]),
        charts.ranked_bars(huyen_a, huyen.criteria.parts[0], "Điểm quy đổi phần A"),
    ]


def laid_out(fig) -> tuple:
    """The figure drawn as it is saved; its renderer, to measure texts."""
    charts.svg(fig)
    with matplotlib.rc_context(charts.STYLE):
        canvas = FigureCanvasAgg(fig)
        canvas.draw()
    return canvas.get_renderer()


def drawn_texts(fig) -> list[Text]:
    """Every text the figure draws: tick labels within the axes' limits only (matplotlib keeps
    the others, undrawn)."""
    ticks = set()
    for ax in fig.axes:
        for axis, labels in ((0, ax.get_xticklabels()), (1, ax.get_yticklabels())):
            low, high = sorted(ax.get_xlim() if axis == 0 else ax.get_ylim())
            ticks |= {t for t in labels if not low - 1e-9 <= t.get_position()[axis] <= high + 1e-9}
    return [t for t in fig.findobj(Text) if t.get_text() and t.get_visible() and t not in ticks]


@pytest.mark.slow
def test_no_chart_text_is_wider_than_its_figure_and_titles_wrap():
    figures = commune_charts()
    for fig in figures:
        renderer = laid_out(fig)
        width = fig.bbox.width
        for text in drawn_texts(fig):
            box = text.get_window_extent(renderer)
            assert box.x0 >= -0.5 and box.x1 <= width + 0.5, text.get_text()
        if fig.get_suptitle():
            title = fig._suptitle.get_window_extent(renderer)
            assert title.width <= width, fig.get_suptitle()
    # the commune rank changes (pages 17-18 of the 2020 report): their whole title is shown
    assert figures[0].get_suptitle().endswith("đơn vị giảm nhiều nhất)")
    # a title longer than the figure wraps between words, every line within the figure
    long = "Phần A: thay đổi thứ hạng của các đơn vị so sánh được " * 3
    fig = charts.rank_changes(changes_of_communes("A"), long.strip())
    renderer = laid_out(fig)
    assert fig.get_suptitle().count("\n") >= 1
    assert fig.get_suptitle().replace("\n", " ").startswith(long.strip())
    assert fig._suptitle.get_window_extent(renderer).x1 <= fig.bbox.width


@pytest.mark.slow
def test_charts_are_vector_in_the_reports_serif_with_vietnamese_numbers():
    figures = commune_charts()
    for fig in figures:
        svg = charts.svg(fig).decode("utf-8")
        assert "<text" in svg and "<image" not in svg  # text is text, nothing rasterised
        families = set(re.findall(r"font-family[:=]\s*\"?([^;\"]+)", svg))
        assert families and all(f.startswith(f"'{charts.FONT}'") for f in families), families
        for text in fig.findobj(Text):
            if text.get_text():
                found = font_manager.findfont(text.get_fontproperties(), fallback_to_default=False)
                assert Path(found).parent == charts.FONTS, text.get_text()
        assert fig.get_figheight() <= charts.MAX_HEIGHT  # never squashed to fit a page
        html = figure_html(fig, "x")
        assert 'style="width:' in html and "height" not in html  # its own aspect ratio
        inner = base64.b64decode(re.search(r"base64,([^\"]+)", html).group(1)).decode()
        width, height = (
            float(v) for v in re.search(r'width="([\d.]+)pt" height="([\d.]+)pt"', inner).groups()
        )
        assert width / height == pytest.approx(fig.get_figwidth() / fig.get_figheight(), 1e-3)
    # the district points axis (30 to 50) in steps of 2.5, written the Vietnamese way
    bars = figures[-1]
    laid_out(bars)
    ticks = [t.get_text() for t in bars.axes[0].get_xticklabels()]
    assert "32,5" in ticks and not any("." in t for t in ticks), ticks


@pytest.mark.slow
def test_pdf_charts_are_vector_and_set_in_the_embedded_serif(sample_run):
    reader = PdfReader(report_folder(sample_run) / "bao-cao-huyen-2020.pdf")
    for page in reader.pages:
        for name, xobject in (page["/Resources"].get("/XObject") or {}).items():
            assert xobject.get_object()["/Subtype"] != "/Image", name  # no raster chart
    text = " ".join(pdf_pages(report_folder(sample_run) / "bao-cao-huyen-2020.pdf"))
    assert "Số điểm thực hiện được quy đổi (trục bắt đầu từ 30)" in text  # chart text is text


# --- 4. ties are never cut -----------------------------------------------------------------


def test_top_lists_keep_every_unit_tied_with_the_last_one():
    rows = pd.DataFrame({"unit": list("abcde"), "moved": [5, 4, 4, 3, -2]})
    assert top_with_ties(rows, "moved", 2)["unit"].tolist() == ["a", "b", "c"]
    assert top_with_ties(rows, "moved", 1)["unit"].tolist() == ["a"]
    assert top_with_ties(rows, "moved", 3)["unit"].tolist() == ["a", "b", "c"]
    assert top_with_ties(rows, "moved", 2, largest=False)["unit"].tolist() == ["e", "d"]
    assert top_with_ties(rows, "moved", 9)["unit"].tolist() == ["a", "b", "c", "d", "e"]
    assert ties_note(3, 2) == " (3 đơn vị: 2 đơn vị đầu và 1 đơn vị bằng đơn vị thứ 2)"
    assert ties_note(2, 2) == ""


@pytest.mark.slow
def test_commune_summary_names_every_unit_tied_with_the_last_one_listed(tmp_path):
    from cqdt.publishing.kinds import official

    params = official.Parameters.checked(
        {
            "level": "xa",
            "year": 2020,
            "criteria_dir": str(CRITERIA),
            "data_dir": str(SAMPLE),
            "compare_year": 2019,
            "report_date": "2026-11-25",
            "output_dir": str(tmp_path),
        }
    )
    ctx = official.prepare(params)
    page = squash(official.summary(ctx).data)
    # the ties (part A, 2020 against 2019): both of each pair, or neither
    for pair in (("Phường An Đông", "Xã Phú Diên"), ("Xã Hương Thọ", "Xã Hồng Kim")):
        assert (pair[0] in page) == (pair[1] in page), pair
    for part in ctx.result.criteria.parts:
        rows = ctx.comparison[ctx.comparison["part"] == part.code].dropna(subset=["rank_change"])
        down = rows[rows["rank_change"] <= -2].sort_values("rank_change")["rank_change"]
        if len(down) > 5:  # every unit that fell at least as far as the fifth is named
            for unit in rows[rows["rank_change"] <= down.iloc[4]]["unit"]:
                assert unit in page, (part.code, unit)


# --- 5. header lines and one date style ----------------------------------------------------


def test_header_names_break_between_words_never_inside_one():
    assert header_lines("Sở Thông tin và Truyền thông", bold=True) == [
        "SỞ THÔNG TIN",
        "VÀ TRUYỀN THÔNG",
    ]
    assert header_lines("Ủy ban nhân dân thành phố Huế", bold=True) == [
        "ỦY BAN NHÂN DÂN",
        "THÀNH PHỐ HUẾ",
    ]
    assert header_lines("Sở Khoa học và Công nghệ", bold=True) == ["SỞ KHOA HỌC", "VÀ CÔNG NGHỆ"]
    assert header_lines("Ủy ban nhân dân tỉnh Thừa Thiên Huế") == [
        "ỦY BAN NHÂN DÂN",
        "TỈNH THỪA THIÊN HUẾ",
    ]
    assert header_lines("Sở Y tế", bold=True) == ["SỞ Y TẾ"]  # fits: one line
    # a break written in the settings file is kept as given
    own = DocumentSettings(issuer="Sở Thông tin và\n  Truyền thông")
    assert own.issuer == "Sở Thông tin và\nTruyền thông"
    assert header_lines(own.issuer, bold=True) == ["SỞ THÔNG TIN VÀ", "TRUYỀN THÔNG"]


@pytest.mark.slow
def test_header_lines_and_dates_in_the_printed_report(official_run):
    folder = report_folder(official_run)
    text = PdfReader(folder / "bao-cao-huyen-2020.pdf").pages[0].extract_text()
    lines = text.replace("\u00a0", " ").splitlines()
    assert any(line.strip().startswith("SỞ KHOA HỌC") for line in lines)
    assert not any(line.strip().endswith("CÔNG") for line in lines)  # «CÔNG NGHỆ» whole
    every = " ".join(" ".join(pdf_pages(path)) for path in sorted(folder.rglob("*.pdf"))).replace(
        "\u00a0", ""
    )
    assert "15/1/2021" not in every and "ngày 15 tháng 01 năm 2021" in every
    card = pdf_pages(next((folder / "phu-luc-phieu-diem-huyen-2020").glob("*.pdf")))[0]
    assert "ngày 15 tháng 01 năm 2021 của Sở Khoa học và Công nghệ" in card


# --- 6. the audit record beside the document ---------------------------------------------


@pytest.mark.slow
def test_audit_record_holds_what_the_document_does_not(sample_run):
    folder = report_folder(sample_run)
    record = manifest_run(sample_run)
    audit = folder / "ho-so-tai-lap-bao-cao-huyen-2020.html"
    assert "ho-so-tai-lap-bao-cao-huyen-2020.pdf" in record["outputs"]
    page = squash(audit.read_text(encoding="utf-8"))
    for path in (
        SAMPLE / "2020" / "huyen.csv",
        CRITERIA / "1784-2018" / "huyen.yaml",
        SAMPLE / "van_ban.yaml",
        SAMPLE / "don_vi.csv",
    ):
        assert sha256(path) in page, path.name
    for name in (
        "bao-cao-huyen-2020.pdf",
        "bao-cao-huyen-2020.docx",
        "phu-luc-phieu-diem-huyen-2020/001-h01.pdf",  # Thành phố Huế, code H01
    ):
        assert f"<td>{name}</td><td><code>{sha256(folder / name)}</code>" in page, name
    assert "Python" in page and "weasyprint" in page
    index = (sample_run / "index.html").read_text(encoding="utf-8")
    assert 'href="huyen-2020/ho-so-tai-lap-bao-cao-huyen-2020.pdf"' in index
    assert '<a href="huyen-2020/bao-cao-huyen-2020.docx">Word</a>' in index  # the report itself


# --- 7. the whole report in Word ----------------------------------------------------------


@pytest.mark.slow
def test_word_report_has_the_structure_layout_and_official_tables(sample_run):
    folder = report_folder(sample_run)
    document = Document(folder / "bao-cao-huyen-2020.docx")
    section = document.sections[0]
    sizes = (section.page_width, section.page_height, section.left_margin, section.right_margin)
    sizes += (section.top_margin, section.bottom_margin)
    assert [round(size.mm) for size in sizes] == [210, 297, 30, 15, 20, 20]  # A4, NĐ 30
    assert section.different_first_page_header_footer  # no number on the first page
    assert 'w:instr="PAGE"' in section.header._element.xml
    normal = document.styles["Normal"]
    assert normal.font.name == "Times New Roman"
    assert normal.element.rPr.find(qn("w:lang")).get(qn("w:val")) == "vi-VN"
    properties = document.core_properties
    assert properties.author == "Sở Thông tin và Truyền thông"
    assert properties.created.date().isoformat() == "2026-11-25"
    assert properties.language == "vi-VN"
    # the same sections as the HTML, in order, as Word headings (its table of contents)
    page = (folder / "bao-cao-huyen-2020.html").read_text(encoding="utf-8")
    headings = [
        squash(re.sub(r"<[^>]+>", "", h)).strip()
        for h in re.findall(r'<h2 (?:class="[^"]*" )?id="[^"]+">(.*?)</h2>', page, re.S)
    ]
    shown = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert shown == headings and len(headings) == 7
    # tables are Word tables, equal to the official tables
    result = Workspace.at(CRITERIA, SAMPLE).score("huyen", 2020)
    ranking = [
        t
        for t in docx_tables(folder / "bao-cao-huyen-2020.docx")
        if list(t.columns) == OFFICIAL_COLUMNS
    ]
    assert len(ranking) == 3
    for part, table in zip("ABC", ranking, strict=True):
        expected = official_table(result, part)
        assert table["Đơn vị"].tolist() == expected["Đơn vị"].tolist()
        assert table["STT"].astype(int).tolist() == expected["STT"].tolist()
        for column in OFFICIAL_COLUMNS[2:-1]:
            assert vietnamese_number(table[column]).tolist() == expected[column].tolist(), column
    # charts as pictures, one per chart of the report; the signature block
    assert len(document.inline_shapes) == page.count("<figure>") == 9
    text = squash(
        " ".join(p.text for p in document.paragraphs)
        + " "
        + " ".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    )
    for part in (
        "BÁO CÁO",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Nơi nhận:",
        "KT. GIÁM ĐỐC",
        "Nguyễn Văn A",
        "PHỤ LỤC I: PHƯƠNG PHÁP ĐÁNH GIÁ",
        SAMPLE_MARK,
    ):
        assert part in text or part in section.footer.paragraphs[0].text, part
    assert not list(folder.glob(".hinh-*"))  # the work copies of the charts are gone


@pytest.mark.slow
def test_word_report_opens_in_libreoffice(sample_run, tmp_path):
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        if os.environ.get("CI") == "true":
            pytest.fail("LibreOffice (libreoffice-writer-nogui) is required in CI")
        pytest.skip("LibreOffice is not installed")
    source = report_folder(sample_run) / "bao-cao-huyen-2020.docx"
    subprocess.run(
        [
            office,
            "--headless",
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    pages = pdf_pages(tmp_path / "bao-cao-huyen-2020.pdf")
    assert len(pages) > 5
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in pages[0] and "BÁO CÁO" in pages[0]
    assert "2" in page_header(PdfReader(tmp_path / "bao-cao-huyen-2020.pdf").pages[1])


# --- 9. the manifest: relative paths, the settings file hashed -----------------------------


@pytest.mark.slow
def test_manifest_paths_are_relative_and_the_settings_file_is_recorded(sample_run, official_run):
    sample = manifest_run(sample_run)
    parameters = sample["parameters"]
    for name in ("criteria_dir", "data_dir", "document_file"):
        assert not Path(parameters[name]).is_absolute(), name
    assert (Path.cwd() / parameters["data_dir"]).resolve() == SAMPLE.resolve()
    assert (Path.cwd() / parameters["document_file"]).resolve() == (SAMPLE / "van_ban.yaml")
    assert sample["inputs"]["document"]["sha256"] == sha256(SAMPLE / "van_ban.yaml")
    assert not any(Path(i["path"]).is_absolute() for i in sample["inputs"].values())
    assert parameters["report_date"] == "2026-11-25"
    # found in the data folder (no --document): recorded and hashed all the same
    own = manifest_run(official_run)
    found = Path.cwd() / own["parameters"]["document_file"]
    assert found.name == "van_ban.yaml" and found.read_text(encoding="utf-8") == OWN_DOCUMENT
    assert own["inputs"]["document"]["sha256"] == sha256(found)
    assert own["parameters"]["report_date"] == "2021-01-15"  # the settings' date, recorded


# --- 10. sample settings are marked ------------------------------------------------------


def test_sample_issuer_or_signatory_is_said_so():
    assert "Cơ quan ban hành và người ký" in sample_warning(DocumentSettings())
    sample = load_document_settings(SAMPLE / "van_ban.yaml")  # sets the issuer, not a name
    assert sample_warning(sample).startswith("Người ký là THÔNG TIN MẪU")
    own = DocumentSettings.model_validate(
        {"issuer": "Sở A", "signatory": {"name": "Trần Thị Bình"}}
    )
    assert sample_warning(own) == ""


@pytest.mark.slow
def test_documents_made_with_sample_settings_carry_a_mark_on_every_page(sample_run, official_run):
    folder = report_folder(sample_run)
    for path in [folder / "bao-cao-huyen-2020.pdf", *folder.glob("phu-luc-phieu-diem-*/*.pdf")]:
        assert all(SAMPLE_MARK in page for page in pdf_pages(path)), path.name
    own = report_folder(official_run)
    for path in own.rglob("*.pdf"):
        assert not any(SAMPLE_MARK in page for page in pdf_pages(path)), path.name
