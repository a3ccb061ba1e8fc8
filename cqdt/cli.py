"""The ``cqdt`` command: validate inputs, score, publish reports."""

from __future__ import annotations

import argparse
import os
import re
import shutil
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pandas as pd

from cqdt import __version__
from cqdt.criteria import LEVELS, load_criteria, read_criteria
from cqdt.output import OutputError, check_writable, new_run_folder, staged_folder
from cqdt.problems import ERROR, InputError, Problem, ProblemCode, errors_only
from cqdt.register import units_in
from cqdt.results import write_result
from cqdt.scenarios import SCENARIO_FOLDER, find_scenarios, load_scenario
from cqdt.scoring import ScoreResult
from cqdt.sensitivity.settings import OFFERED, Settings, read_settings
from cqdt.tables import write_result_tables
from cqdt.workspace import Workspace

if TYPE_CHECKING:  # imported when used
    from cqdt.publishing.outcome import Outcome

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
        help="áp dụng một kịch bản giả định (tệp YAML) cho một năm; so sánh trước và sau",
        description="Kiểm tra tệp kịch bản (báo mọi lỗi một lần, không ghi gì nếu có lỗi), chấm "
        "năm được chọn theo bộ tiêu chí gốc của kịch bản, áp dụng các thay đổi và ghi vào một "
        "thư mục mới <thư mục kết quả>/kich-ban-<ngày>-<giờ>/: bảng so sánh từng đơn vị và "
        "phần, bảng chuyển mức (CSV, Excel) và báo cáo HTML, PDF. Định dạng tệp kịch bản: "
        "criteria/README.md, mục 7; ví dụ trong criteria/kich-ban/.",
    )
    _vietnamese(whatif)
    whatif._positionals.title = "đối số"
    whatif.add_argument("scenario", metavar="KỊCH_BẢN", help="tệp kịch bản YAML")
    whatif.add_argument(
        "--year", required=True, type=_integer_from(2000), metavar="NĂM", help="năm đánh giá"
    )
    _add_inputs(whatif, selection=False)
    whatif.add_argument(
        "--out", default="output", metavar="THƯ_MỤC", help="thư mục kết quả (mặc định: output)"
    )
    _add_publishing(whatif, jobs=False)
    _add_sensitivity(commands)
    _add_field_commands(commands)
    return parser


def _add_publishing(parser: argparse.ArgumentParser, jobs: bool = True) -> None:
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
    """``template``, ``collect`` and ``correct``: the field work around a survey."""
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
        "Đọc mọi phiếu .xlsx trong THƯ_MỤC_PHIẾU, kiểm tra từng phiếu, ghi bảng "
        "khảo sát (<năm>/<cấp>.csv, chỉ gồm phiếu không có lỗi) cùng danh mục đơn vị và báo cáo "
        "kiểm tra (Excel, HTML) gửi lại đơn vị vào thư mục mới <thư mục kết quả>/thu-thap-<ngày>-"
        "<giờ>/. Liệt kê đơn vị chưa gửi phiếu, phiếu trùng, phiếu khác cấp hoặc năm; mã thoát 1 "
        "nếu có lỗi.",
    )
    collect.add_argument("folder", metavar="THƯ_MỤC_PHIẾU", help="thư mục chứa các phiếu đã điền")
    _add_level_year(collect)
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


def _missing(path: Path, message: str) -> InputError:
    return InputError([Problem(str(path), "", "", message, code=ProblemCode.MISSING_INPUT)])


def _register(workspace: Workspace) -> pd.DataFrame:
    """The checked register; commands that need it stop when the data folder has none."""
    register = workspace.register()
    if register is None:
        raise _missing(workspace.units_file, "không tìm thấy danh mục đơn vị (chọn --data)")
    return register


def cmd_template(args: argparse.Namespace) -> int:
    from cqdt.forms import write_level_workbook, write_unit_form

    check_writable(args.out)
    workspace = Workspace.at(args.criteria, args.data)
    criteria = load_criteria(workspace.criteria_file(args.level, args.year))
    units = units_in(_register(workspace), args.level, args.year)
    target = new_run_folder(args.out, "phieu")
    stem = f"{args.level}-{args.year}"
    with staged_folder(target) as folder:
        write_unit_form(criteria, args.year, list(units["don_vi"]), folder / f"phieu-{stem}.xlsx")
        write_level_workbook(criteria, args.year, units, folder / f"tong-hop-{stem}.xlsx")
    print(
        f"Phiếu khảo sát {LEVELS[args.level]} năm {args.year} ({len(units)} đơn vị trong danh mục)"
    )
    print(f"Ghi tại: {target}")
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    from cqdt.collect import collect_forms, validation_table, write_validation_report
    from cqdt.files import write_csv

    folder = Path(args.folder)
    if not folder.is_dir():
        raise _missing(folder, "không phải thư mục chứa phiếu đã điền")
    check_writable(args.out)
    workspace = Workspace.at(args.criteria, args.data)
    criteria = load_criteria(workspace.criteria_file(args.level, args.year))
    register = _register(workspace)
    collected = collect_forms(folder, criteria, args.year, register)
    if not collected.forms and not collected.findings:
        raise _missing(folder, "không có phiếu .xlsx nào trong thư mục này")
    target = new_run_folder(args.out, "thu-thap")
    stem = f"{args.level}-{args.year}"
    with staged_folder(target) as run:
        (run / str(args.year)).mkdir()
        write_csv(collected.survey, run / str(args.year) / f"{args.level}.csv")
        shutil.copyfile(workspace.units_file, run / workspace.units_file.name)
        title = f"Kết quả kiểm tra phiếu khảo sát {LEVELS[args.level]} năm {args.year}"
        table = validation_table(collected.findings, criteria)
        write_validation_report(table, run, f"kiem-tra-{stem}", title)
    print(
        f"Đã đọc {collected.forms} phiếu; {len(collected.survey)} phiếu hợp lệ vào bảng khảo sát."
    )
    _print_problems([f.problem() for f in collected.findings])
    if collected.missing:
        print(f"Đơn vị chưa có phiếu ({len(collected.missing)}): " + "; ".join(collected.missing))
    print(f"Ghi tại: {target}")
    return 1 if collected.findings else 0


def cmd_correct(args: argparse.Namespace) -> int:
    from cqdt.corrections import folder_hashes
    from cqdt.publishing.batch import run_reports
    from cqdt.publishing.kinds import correction

    published = Path(args.published)
    check_writable(args.out)
    workspace = Workspace.at(args.criteria, args.data)
    planned = correction.plan(
        workspace, published, Path(args.survey), args.level, args.year, date.today()
    )
    before = folder_hashes(published)
    code = run_reports(planned, Path(args.out), jobs=1, timeout=args.timeout, pdf=not args.no_pdf)
    if folder_hashes(published) != before:
        print(f"LỖI: thư mục đã công bố {published} bị thay đổi trong khi chạy", file=sys.stderr)
        return 1
    print(f"Thư mục đã công bố không bị thay đổi ({len(before)} tệp, kiểm tra bằng SHA-256).")
    return code


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


def _print_problems(problems: Sequence[Problem], omitted: int = 0) -> None:
    for problem in problems:
        print(f"  {problem}", file=sys.stderr if problem.severity == ERROR else sys.stdout)
    if omitted:
        print(f"  ... và {omitted} lỗi nữa không liệt kê", file=sys.stderr)


def _years(value: str) -> str | int:
    if value == "all":
        return value
    if not value.isdigit():
        raise SystemExit(f"Lỗi: --year phải là một năm (ví dụ 2020) hoặc all, không phải «{value}»")
    return int(value)


def _selected(
    args: argparse.Namespace, required: bool = True
) -> tuple[Workspace, list[tuple[str, int]]]:
    workspace = Workspace.at(args.criteria, args.data)
    found = workspace.surveys(args.level, _years(args.year))
    if found.empty and required:
        raise SystemExit(
            f"Lỗi: không tìm thấy tệp khảo sát nào trong {args.data} "
            f"({LEVELS.get(args.level, 'mọi cấp')}, "
            f"{'mọi năm' if args.year == 'all' else f'năm {args.year}'}); "
            "cần dạng <năm>/<cấp>.csv"
        )
    return workspace, list(zip(found["level"], found["year"].astype(int), strict=True))


def _score_each(
    workspace: Workspace, selected: list[tuple[str, int]]
) -> tuple[list[tuple[str, ScoreResult]], int]:
    """Score every selection; print the problems of those that fail, which are not scored."""
    results, failed = [], 0
    for level, year in selected:
        label = f"{LEVELS[level]} năm {year}"
        try:
            results.append((label, workspace.score(level, year)))
        except InputError as err:
            failed += 1
            print(f"Dữ liệu {label}: có lỗi, không được chấm", file=sys.stderr)
            _print_problems(err.problems, err.omitted)
    return results, failed


def cmd_validate(args: argparse.Namespace) -> int:
    workspace, selected = _selected(args, required=False)
    failed = 0
    for path in sorted(Path(args.criteria).glob("*/*.yaml")):
        if path.parent.name == SCENARIO_FOLDER:
            continue
        criteria, problems = read_criteria(path)
        if criteria is None or errors_only(problems):
            failed += 1
            print(f"Bộ tiêu chí {path}: có lỗi", file=sys.stderr)
        else:
            print(f"Bộ tiêu chí {path}: hợp lệ, {criteria.status_label}")
        _print_problems(problems)
    for path in find_scenarios(args.criteria):
        try:
            scenario = load_scenario(path, args.criteria)
            print(f"Kịch bản {path}: hợp lệ, {len(scenario.changes)} thay đổi")
        except InputError as err:
            failed += 1
            print(f"Kịch bản {path}: có lỗi", file=sys.stderr)
            _print_problems(err.problems)
    results, unscored = _score_each(workspace, selected)
    for label, result in results:
        print(f"Dữ liệu {label}: hợp lệ, {len(result.evidence.units)} đơn vị")
        _print_problems(result.evidence.warnings)
    if not selected:
        print(f"Không có tệp khảo sát nào trong {args.data} ứng với lựa chọn.")
    summary = []
    if failed:
        summary.append(f"{failed} tệp tiêu chí hoặc kịch bản có lỗi")
    if unscored:
        summary.append(f"{unscored} cấp, năm không chấm được")
    print("Kết quả kiểm tra: " + ("; ".join(summary) or "không có lỗi"))
    return 1 if summary else 0


def cmd_score(args: argparse.Namespace) -> int:
    check_writable(args.out)
    workspace, selected = _selected(args)
    results, failed = _score_each(workspace, selected)
    if not results:
        print("Không có tệp nào chấm được; không ghi kết quả.", file=sys.stderr)
        return 1
    target = new_run_folder(args.out, "diem")
    with staged_folder(target) as folder:
        for label, result in results:
            subfolder = folder / f"{result.level}-{result.year}"
            written = write_result_tables(
                result, subfolder, workspace.districts(result.level), workspace.synthetic
            )
            write_result(result, subfolder, workspace.synthetic)  # for corrections, programs
            print(f"{label}: đã chấm {len(result.evidence.units)} đơn vị, ghi {len(written)} tệp")
            _print_problems(result.evidence.warnings)
    print(f"Kết quả ghi tại: {target}")
    return 1 if failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    from cqdt.publishing.batch import run_reports  # heavy imports only when publishing
    from cqdt.publishing.document import find_document_settings
    from cqdt.publishing.kinds import official

    check_writable(args.out)
    workspace, selected = _selected(args)
    try:  # a bad settings file stops the run before any report starts
        find_document_settings(workspace.data_dir, args.document)
    except InputError as err:
        print("Tệp các phần của văn bản có lỗi, không lập báo cáo:", file=sys.stderr)
        _print_problems(err.problems)
        return 1
    for label, result in _score_each(workspace, selected)[0]:  # say what the reports will say
        if result.evidence.warnings:
            print(f"Dữ liệu {label}: lưu ý")
            _print_problems(result.evidence.warnings)
    planned = official.plan(
        workspace, selected, args.compare_year, args.report_date or "", args.document
    )
    return run_reports(
        planned, Path(args.out), jobs=args.jobs, timeout=args.timeout, pdf=not args.no_pdf
    )


def cmd_whatif(args: argparse.Namespace) -> int:
    from cqdt.publishing.batch import run_reports  # heavy imports only when publishing
    from cqdt.publishing.kinds import scenario

    check_writable(args.out)
    workspace = Workspace.at(args.criteria, args.data)
    try:
        planned = scenario.plan(workspace, Path(args.scenario), args.year, date.today())
    except InputError as err:
        print(f"Kịch bản {args.scenario}: có lỗi, không ghi gì", file=sys.stderr)
        _print_problems(err.problems)
        return 1
    _print_notes(planned)
    return run_reports(planned, Path(args.out), jobs=1, timeout=args.timeout, pdf=not args.no_pdf)


def _print_notes(planned: Sequence[Outcome]) -> None:
    """What planning found, one line per report (if it says anything)."""
    for outcome in planned:
        if outcome.note:
            print(outcome.note)


def _sensitivity_settings(args: argparse.Namespace) -> Settings:
    """Every option of ``cqdt sensitivity`` checked, before any work."""
    if args.level not in LEVELS:
        raise SystemExit(f"Lỗi: --level phải là tinh, huyen hoặc xa, không phải «{args.level}»")
    if args.year and not re.fullmatch(r"\d{4}", args.year):
        raise SystemExit(f"Lỗi: --year phải là một năm (ví dụ 2020), không phải «{args.year}»")
    try:
        return read_settings(vars(args))
    except ValueError as err:
        raise SystemExit(f"Lỗi: {err}") from None


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from cqdt.publishing.batch import run_reports
    from cqdt.publishing.kinds import sensitivity

    settings = _sensitivity_settings(args)
    check_writable(args.out)
    workspace = Workspace.at(args.criteria, args.data)
    try:
        planned = sensitivity.plan(
            workspace, args.level, int(args.year) if args.year else None, settings, ""
        )
    except ValueError as err:
        raise SystemExit(f"Lỗi: {err}") from None
    _print_notes(planned)
    return run_reports(planned, Path(args.out), jobs=1, timeout=args.timeout, pdf=not args.no_pdf)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cqdt`` command."""
    for stream in (sys.stdout, sys.stderr):  # Vietnamese even on a cp1252 console or pipe
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = build_parser().parse_args(argv)
    commands = {
        "validate": cmd_validate,
        "score": cmd_score,
        "report": cmd_report,
        "whatif": cmd_whatif,
        "template": cmd_template,
        "collect": cmd_collect,
        "correct": cmd_correct,
        "sensitivity": cmd_sensitivity,
    }
    try:
        return commands[args.command](args)
    except OutputError as err:
        print(f"Lỗi: {err}", file=sys.stderr)
        return 2
    except InputError as err:
        print("Lỗi trong dữ liệu đầu vào, không ghi kết quả:", file=sys.stderr)
        print("\n".join(err.lines), file=sys.stderr)
        return 1
    except OSError as err:
        print(f"Lỗi đọc hoặc ghi tệp «{err.filename}»: {err.strerror or err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as stop:
        detail = str(stop) or "phần đã ghi (nếu có) nằm trong thư mục *-chua-hoan-thanh"
        print(f"Đã dừng theo yêu cầu; {detail}.", file=sys.stderr)
        return 130
    except Exception as err:  # never a traceback for an analyst; CQDT_DEBUG=1 shows it
        if os.environ.get("CQDT_DEBUG"):
            raise
        print(
            f"Lỗi không mong đợi của chương trình ({type(err).__name__}: {err}). Xin báo lại "
            "kèm lệnh đã chạy; đặt biến môi trường CQDT_DEBUG=1 để xem chi tiết.",
            file=sys.stderr,
        )
        return 3


if __name__ == "__main__":
    sys.exit(main())
