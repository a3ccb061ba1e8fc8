"""The audit record of one report: what it was made from and what it produced, kept beside it.

An office keeps this record with the issued document but never prints it in the document the
head signs (which says in one sentence that it can be reproduced): the input files with their
SHA-256 (paths relative to the folder the command ran in), the parameters, the command, the
versions of cqdt, Python and the libraries that compute and render, and every file of the
report with its SHA-256. The batch writes it once the report's files exist
(``ho-so-tai-lap-<kind>-<level>-<year>.html`` and ``.pdf``), for any kind of report.
"""

from __future__ import annotations

import html
import shlex
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from cqdt import __version__
from cqdt.caveats import marking, output_warnings
from cqdt.criteria import LEVELS
from cqdt.output import file_sha256, replaced_atomically
from cqdt.publishing.html import STYLESHEET, marks_html
from cqdt.publishing.outcome import Outcome

AUDIT_PREFIX = "ho-so-tai-lap-"
"""File-name prefix of the audit record (HTML and PDF), beside the report it describes."""
INPUT_ROLES = {
    "survey": "Tệp khảo sát",
    "criteria": "Bộ tiêu chí",
    "compare_survey": "Tệp khảo sát của năm so sánh",
    "units": "Danh mục đơn vị",
    "document": "Thông tin văn bản (cơ quan, người ký, nơi nhận)",
}
"""Vietnamese names of the input roles a kind's plan records (others are shown as named)."""
LIBRARIES = (
    *("pandas", "numpy", "matplotlib", "papermill", "nbconvert", "weasyprint", "reportlab"),
    *("python-docx", "pypdf", "openpyxl", "SALib"),
)
"""Libraries whose version is recorded: they compute, lay out or write the outputs."""


def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "không có"


def _rows(pairs: list[tuple[str, str]], code: bool = False) -> str:
    cell = "<td><code>{}</code></td>" if code else "<td>{}</td>"
    return "".join(
        f"<tr><th>{html.escape(k)}</th>{cell.format(html.escape(v))}</tr>" for k, v in pairs
    )


def audit_page(outcome: Outcome, outputs: dict[str, str], command: list[str]) -> str:
    """The audit record of ``outcome`` as an HTML page; ``outputs`` are the report's files
    (relative name -> SHA-256), ``command`` the command line that ran."""
    esc = html.escape
    reconstructed = bool(outcome.criteria) and outcome.criteria.get("status") != "official"
    warnings = output_warnings(reconstructed, outcome.synthetic)
    page_mark, sentences = marks_html(marking(warnings), warnings)
    subject = f"{outcome.title} {LEVELS[outcome.level]} năm {outcome.year}"
    inputs = "".join(
        f"<tr><th>{esc(INPUT_ROLES.get(role, role))}</th><td>{esc(item['path'])}</td>"
        f"<td><code>{esc(item['sha256'])}</code></td></tr>"
        for role, item in outcome.inputs.items()
    )
    parameters = [(name, str(value)) for name, value in outcome.parameters.items()]
    software = [("cqdt", __version__), ("Python", sys.version.split()[0])]
    software += [(name, _version(name)) for name in LIBRARIES]
    files = "".join(
        f"<tr><td>{esc(name)}</td><td><code>{esc(digest)}</code></td></tr>"
        for name, digest in outputs.items()
    )
    return f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"/>
<title>Hồ sơ tái lập — {esc(subject)}</title>
<style>{STYLESHEET.read_text(encoding="utf-8")}</style></head>
<body class="ho-so">
{page_mark}
<h1>HỒ SƠ TÁI LẬP</h1>
<p class="trich-yeu">{esc(subject)}</p>
{sentences}
<p>Hồ sơ này đi kèm báo cáo, không thuộc văn bản ban hành. Chạy lại cùng lệnh, từ cùng thư
mục làm việc, trên các tệp đầu vào có cùng mã SHA-256 dưới đây, cho đúng các tệp kết quả có
cùng mã SHA-256 (cùng ngày báo cáo). Đường dẫn tính từ thư mục làm việc lúc chạy lệnh; nhật ký
của cả lần chạy: <code>manifest.json</code>.</p>
<h2>Tệp đầu vào</h2>
<table class="bang ho-so"><thead><tr><th>Vai trò</th><th>Tệp</th><th>SHA-256</th></tr></thead>
<tbody>{inputs}</tbody></table>
<h2>Lệnh và tham số</h2>
<table class="thong-tin">{_rows([("Lệnh đã chạy", shlex.join(command))], code=True)}
{_rows(parameters)}</table>
<h2>Phần mềm</h2>
<table class="thong-tin">{_rows(software)}</table>
<h2>Tệp kết quả của báo cáo</h2>
<table class="bang ho-so"><thead><tr><th>Tệp</th><th>SHA-256</th></tr></thead>
<tbody>{files}</tbody></table>
</body></html>
"""


def write_audit(outcome: Outcome, folder: Path, command: list[str], pdf: bool = True) -> list[Path]:
    """Write the audit record of the report in ``folder`` (HTML, and PDF if ``pdf``), listing
    every file already there (sub-folders included, the record itself excepted)."""
    stem = f"{AUDIT_PREFIX}{outcome.stem}"
    outputs = {
        path.relative_to(folder).as_posix(): file_sha256(path)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
        and not path.name.startswith(stem)
        and not any(part.startswith(".") for part in path.relative_to(folder).parts)
    }
    page = audit_page(outcome, outputs, command)
    written = [folder / f"{stem}.html"]
    with replaced_atomically(written[0]) as temporary:
        temporary.write_text(page, encoding="utf-8")
    if pdf:
        from cqdt.publishing.render import html_to_pdf  # WeasyPrint: only where PDFs are made

        written.append(folder / f"{stem}.pdf")
        with replaced_atomically(written[1]) as temporary:
            html_to_pdf(page, temporary)
    return written
