"""Published documents: administrative form, Word annex, warnings in every output file.

The reports are rendered once per session (``sample_run``, ``official_run`` in conftest).
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from cqdt.caveats import RECONSTRUCTED_WARNING, SYNTHETIC_WARNING
from cqdt.files import NOTE_COLUMN
from cqdt.problems import InputError
from cqdt.publishing.document import load_document_settings
from cqdt.tables import OFFICIAL_COLUMNS, RATE_COLUMN, official_table
from cqdt.workspace import Workspace
from tests.conftest import CRITERIA, SAMPLE

WARNINGS = [RECONSTRUCTED_WARNING, SYNTHETIC_WARNING]
MARKS = ["BẢN TÁI DỰNG TIÊU CHÍ", "DỮ LIỆU GIẢ LẬP"]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text))


def pdf_pages(path: Path) -> list[str]:
    return [squash(page.extract_text()) for page in PdfReader(path).pages]


def page_header(page) -> str:
    """Text in a PDF page's top margin (above the 20 mm margin of A4: y > 785 pt)."""
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip() and cm[5] + tm[5] * cm[3] > 785:
            found.append(text.strip())

    page.extract_text(visitor_text=visit)
    return " ".join(found)


def docx_text(path: Path) -> str:
    document = Document(path)
    texts = [p.text for p in document.paragraphs]
    texts += [p.text for s in document.sections for p in s.header.paragraphs]
    texts += [p.text for s in document.sections for p in s.footer.paragraphs]
    texts += [c.text for t in document.tables for row in t.rows for c in row.cells]
    return squash(" ".join(texts))


def docx_tables(path: Path) -> list[pd.DataFrame]:
    tables = []
    for table in Document(path).tables:
        rows = [[c.text for c in row.cells] for row in table.rows]
        tables.append(pd.DataFrame(rows[1:], columns=rows[0]))
    return tables


def vietnamese_number(text: pd.Series) -> pd.Series:
    return text.str.replace(".", "").str.replace(",", ".").astype(float)


def report_folder(run: Path) -> Path:
    return run / "huyen-2020"


def files(run: Path) -> list[Path]:
    return sorted(p for p in report_folder(run).rglob("*") if p.is_file())


# --- administrative parts -----------------------------------------------------------------


@pytest.mark.slow
def test_first_page_has_the_standard_header_and_the_last_the_signature(sample_run):
    pdf = report_folder(sample_run) / "bao-cao-huyen-2020.pdf"
    pages = pdf_pages(pdf)
    first = pages[0]
    for text in (
        "ỦY BAN NHÂN DÂN TỈNH THỪA THIÊN HUẾ",
        "SỞ THÔNG TIN VÀ TRUYỀN THÔNG",
        "/BC-STTTT",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Huế, ngày 25 tháng 11 năm 2026",  # the report date given, not the run date
        "BÁO CÁO",
        "Kết quả đánh giá mức độ chính quyền điện tử cấp huyện năm 2020",
        "MỤC LỤC",
    ):
        assert text in first, text
    headers = [page_header(page) for page in PdfReader(pdf).pages]
    assert headers == ["", *(str(n) for n in range(2, len(pages) + 1))]  # top centre, from 2
    whole = " ".join(pages)
    for text in ("Nơi nhận:", "- Lưu: VT, CNTT.", "KT. GIÁM ĐỐC", "PHÓ GIÁM ĐỐC", "Nguyễn Văn A"):
        assert text in whole, text
    annex = max(i for i, page in enumerate(pages) if "PHỤ LỤC I: PHƯƠNG PHÁP ĐÁNH GIÁ" in page)
    kem_theo = "(Kèm theo Báo cáo số /BC-STTTT ngày 25 tháng 11 năm 2026 của Sở Thông tin và "
    assert kem_theo + "Truyền thông)" in pages[annex].replace("\u00a0", "")  # the header's style


@pytest.mark.slow
def test_document_parts_come_from_the_settings_file(official_run):
    folder = report_folder(official_run)
    first = pdf_pages(folder / "bao-cao-huyen-2020.pdf")[0]
    for text in (
        "SỞ KHOA HỌC VÀ CÔNG NGHỆ",
        "Số: 15/BC-SKHCN",
        "Thừa Thiên Huế, ngày 15 tháng 01 năm 2021",  # settings date: no report date was given
    ):
        assert text in first, text
    whole = " ".join(pdf_pages(folder / "bao-cao-huyen-2020.pdf"))
    assert "- UBND tỉnh;" in whole and "- Lưu: VT, KHCN." in whole
    assert "GIÁM ĐỐC Trần Thị Bình" in whole and "KT." not in whole
    annex = docx_text(folder / "phu-luc-xep-hang-huyen-2020.docx")
    kem_theo = "(Kèm theo Báo cáo số 15/BC-SKHCN ngày 15 tháng 01 năm 2021 của Sở Khoa học và "
    assert kem_theo + "Công nghệ)" in annex


def test_settings_file_problems_are_named_in_vietnamese(tmp_path):
    path = tmp_path / "van_ban.yaml"
    path.write_text('issuer: "Sở A"\nplace: "Huế"\nissuer: "Sở B"\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"dòng 3.*khoá «issuer» bị lặp lại \(đã có ở dòng 1\)"):
        load_document_settings(path)
    path.write_text("isuer: Sở A\nrecipients: 5\ndate: 15/01/2021\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_document_settings(path)
    message = str(caught.value)
    assert "trường «isuer»: trường không được biết" in message
    assert "trường «recipients»: phải là một danh sách" in message
    assert "trường «date»" in message
    assert load_document_settings(SAMPLE / "van_ban.yaml").signatory.authority == "KT. GIÁM ĐỐC"


@pytest.mark.slow
def test_pdf_embeds_the_shipped_serif_font_and_keeps_diacritics(sample_run):
    reader = PdfReader(report_folder(sample_run) / "bao-cao-huyen-2020.pdf")
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = (
                font.get("/FontDescriptor")
                or font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            )
            if any(key in descriptor.get_object() for key in ("/FontFile2", "/FontFile3")):
                embedded.add(str(font["/BaseFont"]).split("+")[-1])
    # the shipped font only (a system font would mean a fallback, e.g. for Vietnamese letters)
    assert embedded == {
        f"cqdt-Liberation-Serif{style}" for style in ("", "-Bold", "-Italic", "-Bold-Italic")
    }
    text = " ".join(pdf_pages(report_folder(sample_run) / "bao-cao-huyen-2020.pdf"))
    for name in ("Huyện A Lưới", "Thị xã Hương Thủy", "Điều kiện sẵn sàng chính quyền điện tử"):
        assert name in text


# --- the Word annex ----------------------------------------------------------------------


@pytest.mark.slow
def test_word_annex_has_the_title_and_the_official_tables(sample_run):
    path = report_folder(sample_run) / "phu-luc-xep-hang-huyen-2020.docx"
    text = docx_text(path)
    assert "PHỤ LỤC II: BẢNG XẾP HẠNG MỨC ĐỘ CHÍNH QUYỀN ĐIỆN TỬ" in text  # numbered as in the PDF
    result = Workspace.at(CRITERIA, SAMPLE).score("huyen", 2020)
    tables = docx_tables(path)
    assert len(tables) == len(result.criteria.parts) == 3
    for part, shown in zip("ABC", tables, strict=True):
        expected = official_table(result, part)
        assert list(shown.columns) == OFFICIAL_COLUMNS
        assert shown["Đơn vị"].tolist() == expected["Đơn vị"].tolist()
        assert shown["STT"].astype(int).tolist() == expected["STT"].tolist()
        assert shown["Xếp hạng mức độ"].tolist() == expected["Xếp hạng mức độ"].tolist()
        for column in OFFICIAL_COLUMNS[2:-1]:
            assert vietnamese_number(shown[column]).tolist() == expected[column].tolist(), column


@pytest.mark.slow
def test_word_annex_says_who_issued_it_when_and_in_which_language(sample_run, official_run):
    sample = Document(report_folder(sample_run) / "phu-luc-xep-hang-huyen-2020.docx")
    own = Document(report_folder(official_run) / "phu-luc-xep-hang-huyen-2020.docx")
    # the sample run's date is --report-date 2026-11-25; the other's is its settings' 2021-01-15
    assert sample.core_properties.created.date().isoformat() == "2026-11-25"
    assert own.core_properties.created.date().isoformat() == "2021-01-15"
    assert own.core_properties.author == "Sở Khoa học và Công nghệ"
    assert own.core_properties.modified == own.core_properties.created
    assert own.core_properties.language == "vi-VN"
    normal = own.styles["Normal"].element.rPr
    assert normal.find(qn("w:lang")).get(qn("w:val")) == "vi-VN"


@pytest.mark.slow
def test_scorecard_annex_printed_twice_gives_the_same_bytes(sample_run, tmp_path):
    from cqdt.publishing.annex_pdf import annex_to_pdf

    page = (report_folder(sample_run) / "phu-luc-phieu-diem-huyen-2020.html").read_text("utf-8")
    printed = [annex_to_pdf(page, tmp_path / f"{n}.pdf", tmp_path / str(n)) for n in (1, 2)]
    assert (tmp_path / "1.pdf").read_bytes() == (tmp_path / "2.pdf").read_bytes()
    assert len(printed[0]) == 9  # one file per district
    for first, second in zip(*printed, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


# --- every output says what it is --------------------------------------------------------


@pytest.mark.slow
def test_every_output_file_carries_the_warnings(sample_run):
    folder = report_folder(sample_run)
    seen = set()
    for path in files(sample_run):
        seen.add(path.suffix)
        if path.suffix == ".pdf":
            for number, page in enumerate(pdf_pages(path), start=1):
                assert all(mark in page for mark in MARKS), (path.name, number)
        elif path.suffix in (".html", ".ipynb"):
            text = squash(path.read_text(encoding="utf-8"))
            assert all(w in text for w in WARNINGS), path.name
        elif path.suffix == ".csv":
            table = pd.read_csv(path, encoding="utf-8-sig")  # reads back as before
            assert list(table.columns) == [*OFFICIAL_COLUMNS, NOTE_COLUMN]
            assert (table[NOTE_COLUMN] == " ".join(WARNINGS)).all(), path.name
            part = path.stem[-1]
            expected = official_table(Workspace.at(CRITERIA, SAMPLE).score("huyen", 2020), part)
            assert table["Đơn vị"].tolist() == expected["Đơn vị"].tolist()
            assert table[RATE_COLUMN].tolist() == expected[RATE_COLUMN].tolist()
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path)
            for sheet in book.worksheets:
                assert [sheet["A1"].value, sheet["A2"].value] == WARNINGS, sheet.title
                printed = sheet.oddHeader.center.text + sheet.oddFooter.left.text
                assert all(mark in printed for mark in MARKS), sheet.title
                assert sheet.print_title_rows == "$4:$4"
        elif path.suffix == ".docx":
            text = docx_text(path)
            assert all(w in text for w in WARNINGS) and all(m in text for m in MARKS)
        elif path.suffix == ".json":  # the machine-readable result says it too
            assert json.loads(path.read_text(encoding="utf-8"))["warnings"] == WARNINGS
    assert seen == {".pdf", ".html", ".ipynb", ".csv", ".xlsx", ".docx", ".json"}
    index = squash((sample_run / "index.html").read_text(encoding="utf-8"))
    assert all(w in index for w in WARNINGS)
    assert len(list((folder / "phu-luc-phieu-diem-huyen-2020").glob("*.pdf"))) == 9


@pytest.mark.slow
def test_no_warning_anywhere_when_criteria_are_official_and_data_real(official_run):
    found = set()
    for path in [*files(official_run), official_run / "index.html"]:
        if path.suffix == ".pdf":
            texts = pdf_pages(path)
        elif path.suffix in (".html", ".ipynb", ".csv"):
            texts = [path.read_text(encoding="utf-8-sig")]
        elif path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path)
            texts = [str(c.value) for s in book.worksheets for row in s.iter_rows() for c in row]
            texts += [s.oddHeader.center.text or "" for s in book.worksheets]
            assert all(s["A1"].value in ("Mục", "STT", "Đơn vị") for s in book.worksheets)
        elif path.suffix == ".docx":
            texts = [docx_text(path)]
        else:
            continue
        found.add(path.suffix)
        text = squash(" ".join(texts)).casefold()
        assert "tái dựng" not in text and "giả lập" not in text, path.name
        if path.suffix == ".csv":
            assert NOTE_COLUMN not in pd.read_csv(path, encoding="utf-8-sig").columns
    assert found == {".pdf", ".html", ".ipynb", ".csv", ".xlsx", ".docx"}


# --- details -----------------------------------------------------------------------------


@pytest.mark.slow
def test_index_shows_units_per_level_and_every_page_has_its_own_title(sample_run):
    index = (sample_run / "index.html").read_text(encoding="utf-8")
    result = Workspace.at(CRITERIA, SAMPLE).score("huyen", 2020)
    for part in "ABC":
        counts = official_table(result, part)["Xếp hạng mức độ"].value_counts().sort_index()
        text = f"{part}: " + ", ".join(f"mức {level} {n}" for level, n in counts.items())
        assert text in index, text
    titles = {
        path.name: re.search(r"<title>(.*?)</title>", path.read_text(encoding="utf-8")).group(1)
        for path in report_folder(sample_run).glob("*.html")
    }
    assert titles["bao-cao-huyen-2020.html"] == "Báo cáo kết quả đánh giá cấp huyện năm 2020"
    assert titles["ho-so-tai-lap-bao-cao-huyen-2020.html"] == (
        "Hồ sơ tái lập — Báo cáo kết quả đánh giá cấp huyện năm 2020"
    )
    assert len(set(titles.values())) == len(titles) == 3
    assert "Thư mục phu-luc-phieu-diem-huyen-2020/ (9 tệp)" in index


def test_commune_tables_name_the_district_of_each_commune():
    workspace = Workspace.at(CRITERIA, SAMPLE)
    districts = workspace.districts("xa")
    table = official_table(workspace.score("xa", 2020), "A", districts)
    assert list(table.columns[:3]) == ["STT", "Đơn vị", "Thuộc"]
    register = pd.read_csv(SAMPLE / "don_vi.csv", dtype=str, keep_default_na=False)
    communes = register[register["cap"] == "xa"].drop_duplicates("don_vi")
    expected = communes.set_index("don_vi")["thuoc"]
    assert (table["Thuộc"] == table["Đơn vị"].map(expected)).all()
    assert table["Thuộc"].str.len().gt(0).all()
    assert workspace.districts("huyen") is None  # districts belong to no one


@pytest.mark.slow
def test_sheet_names_are_whole_phrases(sample_run):
    book = openpyxl.load_workbook(report_folder(sample_run) / "huyen-2020.xlsx")
    assert book.sheetnames == ["Thông tin", "Phần A", "Phần B", "Phần C", "Điểm chi tiết"]
    sheet = book["Phần A"]
    header = [c.value for c in sheet[4]]
    rate = sheet.cell(row=5, column=header.index(RATE_COLUMN) + 1)
    table = pd.read_csv(report_folder(sample_run) / "huyen-2020-phan-A.csv", encoding="utf-8-sig")
    assert rate.value == table[RATE_COLUMN].iloc[0]  # one unit (percent) in CSV and Excel
    assert rate.number_format == "0.00"


@pytest.mark.slow
def test_printed_text_is_at_least_the_minimum_size(sample_run):
    """Tables at least 8.5 pt, the page marking 9 pt; only chart text (text in the vector
    charts, 8 pt: test_chart_text_is_at_least_8_pt_at_printed_size) is smaller."""
    sizes = set()

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.add(round(abs(size * tm[3] * cm[3]), 2))

    for page in PdfReader(report_folder(sample_run) / "bao-cao-huyen-2020.pdf").pages:
        page.extract_text(visitor_text=visit)
    assert min(sizes) >= 8 and 13 in sizes  # body text 13 pt
    assert sorted(sizes)[1] >= 8.5  # next to the charts' 8 pt, tables


def test_chart_text_is_at_least_8_pt_at_printed_size():
    from matplotlib.text import Text

    from cqdt.publishing import charts
    from cqdt.publishing.html import figure_html
    from cqdt.scoring import group_rates

    workspace = Workspace.at(CRITERIA, SAMPLE)
    result = workspace.score("xa", 2020)
    part = result.criteria.parts[0]
    rows = result.parts[result.parts["part"] == part.code]
    rates = group_rates(result, part.code)
    labels = {g.code: g.code for g in part.groups}
    figures = [
        charts.ranked_bars(rows.head(30), part, "x"),
        charts.points_by_district(rows, workspace.districts("xa"), part, "x"),
        charts.group_heatmap(rates.head(30), labels, "x"),
        charts.rate_distribution({p.code: rows["rate"] for p in [part]}, [part]),
    ]
    for fig in figures:
        fig.canvas.draw()  # lays out every text
        shown = [t for t in fig.findobj(Text) if t.get_text() and t.get_visible()]
        assert min(t.get_fontsize() for t in shown) >= 8
        assert fig.get_figwidth() <= charts.PRINT_WIDTH  # never shrunk to fit the page
        assert f'style="width:{fig.get_figwidth():.2f}in"' in figure_html(fig, "x")  # 1:1


@pytest.mark.slow
def test_biggest_moves_are_moves_of_two_places_or_more(sample_run):
    page = (report_folder(sample_run) / "bao-cao-huyen-2020.html").read_text(encoding="utf-8")
    listed = re.findall(r"(Tăng|Giảm) hạng nhiều nhất: (.*?)</li>", page)
    assert listed
    for direction, text in listed:
        for before, after in re.findall(r"\((\d+) → (\d+)\)", text):
            moved = int(before) - int(after)
            assert (moved if direction == "Tăng" else -moved) >= 2, text


def test_a_bad_settings_file_stops_the_command_before_any_report(tmp_path, capsys):
    from cqdt.cli import main

    settings = tmp_path / "van_ban.yaml"
    settings.write_text("issuer: A\nissuer: B\n", encoding="utf-8")
    args = ["report", "--criteria", str(CRITERIA), "--data", str(SAMPLE), "--level", "huyen"]
    code = main([*args, "--document", str(settings), "--out", str(tmp_path / "out")])
    assert code == 1
    assert "khoá «issuer» bị lặp lại" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
