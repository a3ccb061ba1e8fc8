"""The ``cqdt`` command line: every command and option, in Vietnamese (help and errors).

argparse has no translation of its own: :class:`VietnameseArgumentParser` translates its error
messages and help headings, and every sub-command parser is of that class. The options of
``cqdt sensitivity`` come from the one definition of the sensitivity settings.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from datetime import date
from typing import NoReturn

from cqdt import __version__
from cqdt.criteria import LEVELS
from cqdt.sensitivity.settings import OFFERED, YES_NO

DESCRIPTION = """\
Chấm điểm, xếp hạng và công bố mức độ chính quyền điện tử (CQĐT) theo
Quyết định 1784/QĐ-UBND của UBND tỉnh Thừa Thiên Huế, ở ba cấp: tỉnh (sở, ban, ngành),
huyện và xã.

Dữ liệu: <thư mục dữ liệu>/don_vi.csv (danh mục đơn vị) và <năm>/<cấp>.csv hoặc .xlsx
(phiếu khảo sát). Bộ tiêu chí: <thư mục tiêu chí>/<phiên bản>/<cấp>.yaml.
"""


ARGPARSE_MESSAGES = [
    (
        r"argument (\S+): invalid choice: '?([^']*)'? \(choose from (.*)\)",
        r"tùy chọn \1: giá trị «\2» không hợp lệ; chọn một trong: \3",
    ),
    (r"argument (\S+): expected one argument", r"tùy chọn \1 cần một giá trị"),
    (
        r"argument (\S+): invalid (\w+) value: '?([^']*)'?",
        r"tùy chọn \1: giá trị «\3» không hợp lệ",
    ),
    (
        r"argument (\S+): ignored explicit argument '?([^']*)'?",
        r"tùy chọn \1 không nhận giá trị «\2»",
    ),
    (r"argument (\S+): (.*)", r"tùy chọn \1: \2"),
    (r"the following arguments are required: (.*)", r"thiếu tham số bắt buộc: \1"),
    (r"unrecognized arguments: (.*)", r"tùy chọn hoặc tham số không được biết: \1"),
    (r"ambiguous option: (\S+) could match (.*)", r"tùy chọn \1 viết tắt không rõ, có thể là: \2"),
]
"""argparse's English errors and their Vietnamese (argparse has no translation of its own)."""


class VietnameseHelpFormatter(argparse.HelpFormatter):
    """Help with the usage line headed in Vietnamese."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "Cách dùng: " if prefix is None else prefix)


class RawVietnameseHelpFormatter(VietnameseHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """The same, keeping the line breaks of the description."""


class VietnameseArgumentParser(argparse.ArgumentParser):
    """An argument parser that speaks Vietnamese, in errors as in help.

    Every sub-command parser made with ``add_subparsers().add_parser`` is of this class too,
    so a new command gets Vietnamese errors without doing anything.
    """

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", VietnameseHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        for pattern, replacement in ARGPARSE_MESSAGES:
            translated, found = re.subn(f"^{pattern}$", replacement, message, flags=re.S)
            if found:
                message = translated
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"Lỗi ({self.prog}): {message}\nXem hướng dẫn: {self.prog} --help\n")


def _vietnamese(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Vietnamese help headings (argparse has no public hook for them)."""
    parser._positionals.title = "lệnh"
    parser._optionals.title = "tùy chọn"
    parser.add_argument("-h", "--help", action="help", help="hiện hướng dẫn này rồi thoát")
    return parser


def _add_inputs(parser: argparse.ArgumentParser, selection: bool = True) -> None:
    """--criteria and --data; with ``selection``, also --level and --year (or "all")."""
    parser.add_argument(
        "--criteria",
        default="criteria",
        metavar="THƯ_MỤC",
        help="thư mục bộ tiêu chí (mặc định: criteria)",
    )
    parser.add_argument(
        "--data",
        default="data/sample",
        metavar="THƯ_MỤC",
        help="thư mục dữ liệu khảo sát (mặc định: data/sample, dữ liệu giả lập)",
    )
    if not selection:
        return
    parser.add_argument(
        "--level",
        default="all",
        choices=[*LEVELS, "all"],
        help="cấp đánh giá: tinh, huyen, xa hoặc all (mặc định: all, mọi cấp)",
    )
    parser.add_argument(
        "--year",
        default="all",
        metavar="NĂM",
        help="năm đánh giá, ví dụ 2020, hoặc all (mặc định: all, mọi năm có dữ liệu)",
    )


def _compare_year(value: str) -> str:
    if value in ("previous", "none") or re.fullmatch(r"\d{4}", value):
        return value
    raise argparse.ArgumentTypeError(
        f"năm so sánh phải là một năm bốn chữ số (ví dụ 2019), previous hoặc none, "
        f"không phải «{value}»"
    )


def _iso_date(value: str) -> str:
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"ngày phải viết dạng NNNN-TT-NN (ví dụ 2021-01-15), không phải «{value}»"
        ) from None


def year_list(value: str) -> list[int] | str:
    """An argparse type: ``all``, one year, or years separated by commas (``2018,2020``)."""
    if value == "all":
        return value
    parts = [part.strip() for part in value.split(",")]
    if not all(re.fullmatch(r"\d{4}", part) for part in parts):
        raise argparse.ArgumentTypeError(
            f"năm phải là một năm bốn chữ số (2020), vài năm cách nhau bằng dấu phẩy (2018,2020) "
            f"hoặc all, không phải «{value}»"
        )
    return sorted({int(part) for part in parts})


def _integer_from(minimum: int) -> Callable[[str], int]:
    """An argparse type: a whole number not below ``minimum``."""

    def parse(value: str) -> int:
        if not value.isdecimal() or int(value) < minimum:  # isdecimal: no sign, no spaces
            raise argparse.ArgumentTypeError(
                f"phải là số nguyên từ {minimum} trở lên, không phải «{value}»"
            )
        return int(value)

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, with every option documented in Vietnamese."""
    parser = _vietnamese(
        VietnameseArgumentParser(
            prog="cqdt",
            description=DESCRIPTION,
            formatter_class=RawVietnameseHelpFormatter,
            add_help=False,
        )
    )
    parser.add_argument(
        "--version", action="version", version=f"cqdt {__version__}", help="hiện phiên bản"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="LỆNH")

    validate = commands.add_parser(
        "validate",
        add_help=False,
        help="kiểm tra bộ tiêu chí và dữ liệu khảo sát, liệt kê mọi lỗi một lần",
        description="Kiểm tra mọi bộ tiêu chí trong thư mục tiêu chí và mọi tệp khảo sát được "
        "chọn. Liệt kê tất cả lỗi và cảnh báo; mã thoát 1 nếu có bất kỳ lỗi nào.",
    )
    _vietnamese(validate)
    _add_inputs(validate)

    score = commands.add_parser(
        "score",
        add_help=False,
        help="chấm điểm và ghi bảng xếp hạng chính thức (CSV, XLSX)",
        description="Chấm điểm từng cấp và năm được chọn, ghi bảng xếp hạng theo mẫu chính "
        "thức (mỗi phần một bảng CSV, cùng một tệp Excel gồm mọi bảng và điểm chi tiết) vào "
        "một thư mục mới <thư mục kết quả>/diem-<ngày>-<giờ>/<cấp>-<năm>/. Tệp lỗi không được "
        "chấm; mã thoát 1 nếu có cấp/năm bị lỗi.",
    )
    _vietnamese(score)
    _add_inputs(score)
    score.add_argument(
        "--out", default="output", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: output)"
    )

    report = commands.add_parser(
        "report",
        add_help=False,
        help="chạy sổ báo cáo cho từng cấp, năm; xuất HTML, PDF, Excel",
        description="Chạy sổ báo cáo (papermill) cho từng cấp và năm, chuyển thành HTML và PDF "
        "(ẩn mã lệnh), ghi bảng Excel, trang mục lục index.html và nhật ký chạy manifest.json "
        "vào một thư mục mới <thư mục kết quả>/bao-cao-<ngày>-<giờ>/.",
    )
    _vietnamese(report)
    _add_inputs(report)
    report.add_argument(
        "--out", default="output", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: output)"
    )
    report.add_argument(
        "--compare-year",
        default="previous",
        type=_compare_year,
        metavar="NĂM",
        help="năm so sánh: một năm cụ thể (bỏ qua với báo cáo của chính năm đó), previous (năm "
        "liền trước nếu có; mặc định) hoặc none",
    )
    _add_publishing(report)
    report.add_argument(
        "--report-date",
        type=_iso_date,
        default=None,
        metavar="NNNN-TT-NN",
        help="ngày ghi trên báo cáo (mặc định: ngày trong tệp văn bản, nếu không có thì hôm nay)",
    )
    report.add_argument(
        "--document",
        default="",
        metavar="TỆP",
        help="tệp các phần của văn bản: cơ quan ban hành, số, ký hiệu, nơi nhận, người ký "
        "(mặc định: van_ban.yaml trong thư mục dữ liệu nếu có; xem data/sample/van_ban.yaml)",
    )

    whatif = commands.add_parser(
        "whatif",
        add_help=False,
        help="áp dụng một hay nhiều kịch bản giả định (tệp YAML) cho một, vài hay mọi năm; so "
        "sánh với kết quả chính thức",
        description="Kiểm tra các tệp kịch bản (báo mọi lỗi của mọi tệp một lần, không ghi gì "
        "nếu có lỗi), chấm từng năm được chọn theo bộ tiêu chí gốc của các kịch bản, áp dụng "
        "các thay đổi và ghi vào một thư mục mới <thư mục kết quả>/kich-ban-<ngày>-<giờ>/, mỗi "
        "năm một báo cáo: bảng so sánh từng đơn vị và phần, bảng đối chiếu chính thức với từng "
        "kịch bản, bảng chuyển mức (CSV, Excel) và báo cáo HTML, PDF. Các kịch bản phải cùng bộ "
        "tiêu chí gốc. Định dạng tệp kịch bản: criteria/README.md, mục 7; ví dụ trong "
        "criteria/kich-ban/.",
    )
    _vietnamese(whatif)
    whatif._positionals.title = "đối số"
    whatif.add_argument(
        "scenarios", nargs="+", metavar="KỊCH_BẢN", help="một hay nhiều tệp kịch bản YAML"
    )
    whatif.add_argument(
        "--year",
        required=True,
        type=year_list,
        metavar="NĂM",
        help="năm đánh giá: một năm (2020), vài năm cách nhau bằng dấu phẩy (2018,2020) hoặc all "
        "(mọi năm có dữ liệu mà bộ tiêu chí gốc có hiệu lực)",
    )
    _add_inputs(whatif, selection=False)
    whatif.add_argument(
        "--out", default="output", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: output)"
    )
    _add_publishing(whatif)
    _add_sensitivity(commands)
    _add_field_commands(commands)
    _add_exploring(commands)
    return parser


def _add_exploring(commands: argparse._SubParsersAction) -> None:
    """``next-level`` and ``panel``: what units need, and how they fared over the years."""
    needs = _command(
        commands,
        "next-level",
        "mỗi đơn vị còn thiếu bao nhiêu điểm để lên mức, ở tiêu chí nào ít thay đổi nhất",
        "Chấm từng cấp và năm được chọn, rồi với mỗi đơn vị và phần chưa đạt mức cao nhất: số "
        "điểm còn thiếu để lên mức trên (kèm phép chia kiểm tra được) và các tiêu chí còn cho "
        "được điểm, mỗi tiêu chí với thay đổi số liệu nhỏ nhất và điểm mới tính lại, xếp từ ít "
        "thay đổi nhất. Ghi CSV và Excel vào một thư mục mới <thư mục kết quả>/len-muc-<ngày>-"
        "<giờ>/<cấp>-<năm>/.",
    )
    _add_inputs(needs)
    needs.add_argument(
        "--out", default="output", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: output)"
    )
    panel = _command(
        commands,
        "panel",
        "báo cáo diễn biến nhiều năm của một cấp: tỷ lệ, hạng, mức từng đơn vị qua các năm",
        "Chấm mọi năm được chọn của cấp (mỗi năm theo bộ tiêu chí có hiệu lực năm đó), so sánh "
        "mỗi năm với năm liền trước theo danh mục đơn vị, và lập báo cáo HTML, PDF cùng bảng "
        "CSV, Excel: số đơn vị theo mức từng năm, chuyển mức từng năm, các cuộc sáp nhập với mức "
        "trước và sau, tỷ lệ, hạng, mức của từng đơn vị qua các năm (theo dõi qua đổi tên, sáp "
        "nhập), vào một thư mục mới <thư mục kết quả>/nhieu-nam-<ngày>-<giờ>/.",
    )
    _add_inputs(panel, selection=False)
    panel.add_argument(
        "--level",
        default="all",
        choices=[*LEVELS, "all"],
        help="cấp đánh giá: tinh, huyen, xa hoặc all (mỗi cấp một báo cáo; mặc định: all)",
    )
    panel.add_argument(
        "--year",
        default="all",
        type=year_list,
        metavar="NĂM",
        help="các năm, cách nhau bằng dấu phẩy (2018,2020), ít nhất hai; hoặc all (mặc định: mọi "
        "năm có dữ liệu)",
    )
    panel.add_argument(
        "--out", default="output", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: output)"
    )
    _add_publishing(panel)


def _add_publishing(parser: argparse.ArgumentParser, jobs: bool = True, pdf: bool = True) -> None:
    """Options of commands that publish reports: parallel jobs, timeout, PDF or not."""
    if jobs:
        parser.add_argument(
            "--jobs",
            type=_integer_from(0),
            default=0,
            metavar="N",
            help="số báo cáo chạy song song (mặc định: 0 = số lõi CPU của máy)",
        )
    parser.add_argument(
        "--timeout",
        type=_integer_from(1),
        default=900,
        metavar="GIÂY",
        help="thời gian tối đa cho mỗi ô lệnh của sổ báo cáo (mặc định: 900 giây)",
    )
    if pdf:
        parser.add_argument(
            "--no-pdf", action="store_true", help="không xuất PDF (nhanh hơn, chỉ HTML và Excel)"
        )


def _add_level_year(parser: argparse.ArgumentParser) -> None:
    """--criteria, --data (for the register), one --level and one --year, --out."""
    parser.add_argument(
        "--criteria", default="criteria", metavar="THƯ_MỤC", help="thư mục bộ tiêu chí"
    )
    parser.add_argument(
        "--data",
        default="data/sample",
        metavar="THƯ_MỤC",
        help="thư mục dữ liệu có danh mục đơn vị don_vi.csv (mặc định: data/sample)",
    )
    parser.add_argument("--level", required=True, choices=list(LEVELS), help="cấp: tinh, huyen, xa")
    parser.add_argument(
        "--year", required=True, type=_integer_from(2000), metavar="NĂM", help="năm đánh giá"
    )
    parser.add_argument(
        "--out", default="output", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: output)"
    )


def _command(
    commands: argparse._SubParsersAction, name: str, summary: str, description: str
) -> argparse.ArgumentParser:
    """A sub-command with Vietnamese help."""
    return _vietnamese(
        commands.add_parser(name, add_help=False, help=summary, description=description)
    )


def _add_field_commands(commands: argparse._SubParsersAction) -> None:
    """``template``, ``collect``, ``correct`` and ``rerun``: the field work around a survey and
    the audit of a published run."""
    template = _command(
        commands,
        "template",
        "tạo phiếu khảo sát Excel cho đơn vị và bảng tổng hợp cả cấp",
        "Tạo từ bộ tiêu chí có hiệu lực: phiếu khảo sát Excel cho một đơn vị (chọn "
        "tên đơn vị trong danh mục, chỉ ô trả lời được sửa) và bảng tổng hợp cả cấp (mỗi đơn vị "
        "một dòng), vào thư mục mới <thư mục kết quả>/phieu-<ngày>-<giờ>/.",
    )
    _add_level_year(template)
    collect = _command(
        commands,
        "collect",
        "đọc thư mục phiếu đã điền, kiểm tra, ghi bảng khảo sát và báo cáo kiểm tra",
        "Đọc mọi phiếu trong THƯ_MỤC_PHIẾU, kiểm tra từng phiếu, ghi vào thư mục mới <thư mục "
        "kết quả>/thu-thap-<ngày>-<giờ>/: bảng khảo sát (<năm>/<cấp>.csv, chỉ gồm phiếu không có "
        "lỗi, kèm tệp phiếu, mã SHA-256 và thời điểm đọc), danh mục đơn vị, bảng tổng hợp cho Sở "
        "(số đơn vị đã gửi, hợp lệ, có lỗi, chưa gửi, theo huyện với cấp xã) và mỗi đơn vị một tệp "
        "phản hồi (Excel, HTML) trong phan-hoi/<mã đơn vị>, chỉ gồm lỗi của đơn vị đó. Mã thoát 1 "
        "nếu có lỗi.",
    )
    collect.add_argument("folder", metavar="THƯ_MỤC_PHIẾU", help="thư mục chứa các phiếu đã điền")
    _add_level_year(collect)
    collect.add_argument(
        "--keep-latest",
        action="store_true",
        help="đơn vị gửi nhiều phiếu: dùng phiếu lưu sau cùng (theo thời điểm lưu ghi trong tệp "
        "Excel), các phiếu trước được ghi là không dùng; không có tùy chọn này thì không dùng "
        "phiếu nào của đơn vị đó",
    )
    correct = _command(
        commands,
        "correct",
        "chấm lại dữ liệu sau phúc khảo và lập báo cáo đính chính so với kết quả đã công bố",
        "Chấm dữ liệu đã đính chính (--survey) và so với kết quả đã công bố trong "
        "THƯ_MỤC_CÔNG_BỐ (một thư mục của cqdt score hoặc cqdt report; chỉ đọc, kiểm tra bằng "
        "mã băm). Lập báo cáo đính chính (HTML, PDF, Excel): đơn vị nào đổi điểm, thứ hạng, mức, "
        "theo từng tiêu chí và vì sao, vào thư mục mới <thư mục kết quả>/dinh-chinh-<ngày>-<giờ>/.",
    )
    correct.add_argument("published", metavar="THƯ_MỤC_CÔNG_BỐ", help="lần chạy đã công bố")
    correct.add_argument(
        "--survey", required=True, metavar="TỆP", help="tệp khảo sát sau phúc khảo (CSV, XLSX)"
    )
    _add_level_year(correct)
    _add_publishing(correct, jobs=False)
    rerun = _command(
        commands,
        "rerun",
        "chạy lại một lần chạy đã ghi trong manifest.json và đối chiếu từng byte",
        "Đọc manifest.json của một lần chạy (cqdt score, report, whatif, sensitivity, correct), "
        "kiểm tra mọi tệp đầu vào ghi trong đó bằng mã SHA-256 (tệp đã khác hoặc không còn: "
        "dừng, nêu tên từng tệp), chạy lại đúng các báo cáo với đúng tham số vào thư mục mới "
        "<thư mục kết quả>/chay-lai-<ngày>-<giờ>/ rồi so từng tệp kết quả với mã băm đã ghi: "
        "giống hệt từng byte hay không, tệp nào khác. Chạy lệnh từ đúng thư mục làm việc của "
        "lần chạy gốc (đường dẫn tương đối trong manifest.json tính từ đó). Mã thoát 0 khi mọi "
        "tệp giống hệt, 1 khi có tệp khác.",
    )
    rerun._positionals.title = "đối số"
    rerun.add_argument(
        "manifest", metavar="MANIFEST", help="tệp manifest.json, hoặc thư mục lần chạy chứa nó"
    )
    rerun.add_argument(
        "--out", default="output", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: output)"
    )
    _add_publishing(rerun, pdf=False)  # PDFs are made again if the recorded run made them


def _add_sensitivity(commands: argparse._SubParsersAction) -> None:
    """``cqdt sensitivity``: values stay text here and are checked in Vietnamese before any work."""
    sensitivity = commands.add_parser(
        "sensitivity",
        add_help=False,
        help="phân tích độ nhạy của xếp hạng và xếp mức theo trọng số tiêu chí",
        description="Lấy mẫu trọng số (có hạt giống, lặp lại được), tính lại xếp hạng và xếp "
        "mức cho mỗi mẫu, ghi bảng theo đơn vị và tổng thể (CSV, Excel) cùng báo cáo HTML, PDF "
        "vào một thư mục mới <thư mục kết quả>/do-nhay-<ngày>-<giờ>/.",
    )
    _vietnamese(sensitivity)
    for flag, default, metavar, text in SENSITIVITY_INPUTS:
        sensitivity.add_argument(flag, default=default, metavar=metavar, help=text)
    for option in OFFERED:  # the sensitivity settings, from their one definition
        if option.kind is bool:  # a flag without a value: its text when given, «có»
            yes = next(text for text, value in YES_NO.items() if value)
            sensitivity.add_argument(
                option.flag,
                dest=option.name,
                action="store_const",
                const=yes,
                default=option.default_text,
                help=option.help_text,
            )
            continue
        sensitivity.add_argument(
            option.flag,
            dest=option.name,
            default=option.default_text,
            metavar=option.metavar,
            help=option.help_text,
        )
    sensitivity.add_argument(
        "--out", default="output", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: output)"
    )
    _add_publishing(sensitivity, jobs=False)


SENSITIVITY_INPUTS = [
    ("--criteria", "criteria", "THƯ_MỤC", "thư mục bộ tiêu chí (mặc định: criteria)"),
    ("--data", "data/sample", "THƯ_MỤC", "thư mục dữ liệu khảo sát (mặc định: data/sample)"),
    ("--level", "huyen", "CẤP", "cấp đánh giá: tinh, huyen hoặc xa (mặc định: huyen)"),
    ("--year", "", "NĂM", "năm đánh giá (mặc định: năm mới nhất có dữ liệu của cấp)"),
]
"""What ``cqdt sensitivity`` studies: flag, default (text, checked later), metavar, help."""
