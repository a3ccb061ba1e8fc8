"""The ``cqdt`` command: validate inputs, score, publish reports."""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from cqdt import __version__
from cqdt.criteria import LEVELS, read_criteria
from cqdt.output import new_run_folder, staged_folder
from cqdt.problems import ERROR, InputError, Problem, errors_only
from cqdt.scoring import ScoreResult
from cqdt.tables import write_result_tables
from cqdt.workspace import Workspace

if TYPE_CHECKING:  # imported when used: SALib and scipy are slow to load
    from cqdt.sensitivity import Settings

DESCRIPTION = """\
Chấm điểm, xếp hạng và công bố mức độ chính quyền điện tử (CQĐT) theo
Quyết định 1784/QĐ-UBND của UBND tỉnh Thừa Thiên Huế, ở ba cấp: tỉnh (sở, ban, ngành),
huyện và xã.

Dữ liệu: <thư mục dữ liệu>/don_vi.csv (danh mục đơn vị) và <năm>/<cấp>.csv hoặc .xlsx
(phiếu khảo sát). Bộ tiêu chí: <thư mục tiêu chí>/<phiên bản>/<cấp>.yaml.
"""


def _vietnamese(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Vietnamese help headings (argparse has no public hook for them)."""
    parser._positionals.title = "lệnh"
    parser._optionals.title = "tùy chọn"
    parser.add_argument("-h", "--help", action="help", help="hiện hướng dẫn này rồi thoát")
    return parser


def _add_inputs(parser: argparse.ArgumentParser) -> None:
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
        argparse.ArgumentParser(
            prog="cqdt",
            description=DESCRIPTION,
            formatter_class=argparse.RawDescriptionHelpFormatter,
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
    report.add_argument(
        "--jobs",
        type=_integer_from(0),
        default=0,
        metavar="N",
        help="số báo cáo chạy song song (mặc định: 0 = số lõi CPU của máy)",
    )
    report.add_argument(
        "--timeout",
        type=_integer_from(1),
        default=900,
        metavar="GIÂY",
        help="thời gian tối đa cho mỗi ô lệnh của sổ báo cáo (mặc định: 900 giây)",
    )
    report.add_argument(
        "--no-pdf", action="store_true", help="không xuất PDF (nhanh hơn, chỉ HTML và Excel)"
    )
    _add_sensitivity(commands)
    return parser


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
    sensitivity.error = _option_error  # argparse's own messages are English
    for option, default, metavar, text in SENSITIVITY_OPTIONS:
        sensitivity.add_argument(option, default=default, metavar=metavar, help=text)
    sensitivity.add_argument(
        "--no-pdf", action="store_true", help="không xuất PDF (nhanh hơn, chỉ HTML và Excel)"
    )


SENSITIVITY_OPTIONS = [
    ("--criteria", "criteria", "THƯ_MỤC", "thư mục bộ tiêu chí (mặc định: criteria)"),
    ("--data", "data/sample", "THƯ_MỤC", "thư mục dữ liệu khảo sát (mặc định: data/sample)"),
    ("--level", "huyen", "CẤP", "cấp đánh giá: tinh, huyen hoặc xa (mặc định: huyen)"),
    ("--year", "", "NĂM", "năm đánh giá (mặc định: năm mới nhất có dữ liệu của cấp)"),
    (
        "--scheme",
        "uniform",
        "CÁCH",
        "cách lấy mẫu trọng số: uniform (hệ số nhân U(1−δ, 1+δ); mặc định), dirichlet "
        "(Dirichlet quanh tỷ trọng chính thức) hoặc simplex (đều trên đơn hình)",
    ),
    (
        "--by",
        "criterion",
        "MỨC",
        "mỗi nhân tố là: criterion (một tiêu chí; mặc định) hoặc group (một nhóm tiêu chí)",
    ),
    ("--n", "10000", "N", "số mẫu trọng số (mặc định: 10000)"),
    (
        "--delta",
        "0.2",
        "δ",
        "biên độ δ của hệ số nhân, trong (0, 1); dùng cho uniform, chỉ số Sobol và phân tích "
        "một nhân tố (mặc định: 0.2)",
    ),
    (
        "--concentration",
        "100",
        "C",
        "độ tập trung của Dirichlet quanh tỷ trọng chính thức, số dương (mặc định: 100; càng "
        "lớn càng gần tỷ trọng chính thức)",
    ),
    ("--seed", "1784", "SỐ", "hạt giống ngẫu nhiên, số nguyên (mặc định: 1784)"),
    (
        "--top-k",
        "3",
        "K",
        "k của «xác suất trong k hạng đầu» và «dịch chuyển quá k bậc» (mặc định: 3)",
    ),
    ("--out", "output", "THƯ_MỤC", "thư mục kết quả (mặc định: output)"),
    ("--timeout", "900", "GIÂY", "thời gian tối đa cho mỗi ô lệnh của sổ báo cáo (mặc định: 900)"),
]
"""Options of ``cqdt sensitivity``: flag, default (text, checked later), metavar, help."""


ARGPARSE_WORDS = {
    "unrecognized arguments": "tùy chọn không được biết",
    "expected one argument": "cần một giá trị",
    "ambiguous option": "tùy chọn viết tắt không rõ",
    "argument ": "tùy chọn ",
}


def _option_error(message: str) -> None:
    """A bad command line, in Vietnamese and without argparse's English usage line."""
    for english, vietnamese in ARGPARSE_WORDS.items():
        message = message.replace(english, vietnamese)
    print(f"Lỗi: {message}. Xem: cqdt sensitivity --help", file=sys.stderr)
    raise SystemExit(2)


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(f"  {problem}", file=sys.stderr if problem.severity == ERROR else sys.stdout)


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
            f"(cấp {args.level}, năm {args.year}); cần dạng <năm>/<cấp>.csv"
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
            _print_problems(err.problems)
    return results, failed


def cmd_validate(args: argparse.Namespace) -> int:
    workspace, selected = _selected(args, required=False)
    failed = 0
    for path in sorted(Path(args.criteria).glob("*/*.yaml")):
        criteria, problems = read_criteria(path)
        if criteria is None or errors_only(problems):
            failed += 1
            print(f"Bộ tiêu chí {path}: có lỗi", file=sys.stderr)
        else:
            print(f"Bộ tiêu chí {path}: hợp lệ, {criteria.status_label}")
        _print_problems(problems)
    results, failures = _score_each(workspace, selected)
    failed += failures
    for label, result in results:
        print(f"Dữ liệu {label}: hợp lệ, {len(result.evidence.units)} đơn vị")
        _print_problems(result.evidence.warnings)
    if not selected:
        print(f"Không có tệp khảo sát nào trong {args.data} ứng với lựa chọn.")
    print("Kết quả kiểm tra: " + (f"{failed} tệp có lỗi" if failed else "không có lỗi"))
    return 1 if failed else 0


def cmd_score(args: argparse.Namespace) -> int:
    workspace, selected = _selected(args)
    results, failed = _score_each(workspace, selected)
    if not results:
        print("Không có tệp nào chấm được; không ghi kết quả.", file=sys.stderr)
        return 1
    target = new_run_folder(args.out, "diem")
    with staged_folder(target) as folder:
        for label, result in results:
            written = write_result_tables(result, folder / f"{result.level}-{result.year}")
            print(f"{label}: đã chấm {len(result.evidence.units)} đơn vị, ghi {len(written)} tệp")
    print(f"Kết quả ghi tại: {target}")
    return 1 if failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    from cqdt.publishing.batch import run_batch  # heavy imports only when publishing

    workspace, selected = _selected(args)
    return run_batch(
        workspace,
        selected,
        out=Path(args.out),
        compare_year=args.compare_year,
        jobs=args.jobs,
        timeout=args.timeout,
        pdf=not args.no_pdf,
    )


def _parsed(text: str, option: str, kind: type, rule: str) -> int | float:
    """``text`` as an int or a finite float, or stop with a Vietnamese error naming ``option``."""
    try:
        value = kind(text.strip())
    except ValueError:
        value = None
    if value is None or (kind is float and not math.isfinite(value)):
        raise SystemExit(f"Lỗi: {option} {rule}, không phải «{text}»")
    return value


def _sensitivity_settings(args: argparse.Namespace) -> Settings:
    """Every option of ``cqdt sensitivity`` checked, before any work."""
    from cqdt.sensitivity import DELTA_RULE, Settings

    if args.level not in LEVELS:
        raise SystemExit(f"Lỗi: --level phải là tinh, huyen hoặc xa, không phải «{args.level}»")
    if args.year and not re.fullmatch(r"\d{4}", args.year):
        raise SystemExit(f"Lỗi: --year phải là một năm (ví dụ 2020), không phải «{args.year}»")
    delta = _parsed(args.delta, "--delta (δ)", float, "phải là một số lớn hơn 0 và nhỏ hơn 1")
    if delta <= 0:
        raise SystemExit(f"Lỗi: {DELTA_RULE}, không phải «{args.delta}»")
    try:
        return Settings(
            scheme=args.scheme,
            by=args.by,
            n=_parsed(args.n, "số mẫu N (--n)", int, "phải là số nguyên dương"),
            delta=delta,
            concentration=_parsed(
                args.concentration, "độ tập trung (--concentration)", float, "phải là số dương"
            ),
            seed=_parsed(args.seed, "hạt giống ngẫu nhiên (--seed)", int, "phải là số nguyên"),
            top_k=_parsed(args.top_k, "--top-k", int, "phải là số nguyên dương"),
        )
    except ValueError as err:
        raise SystemExit(f"Lỗi: {err}") from None


def cmd_sensitivity(args: argparse.Namespace) -> int:
    from cqdt.publishing.batch import plan, run_reports
    from cqdt.publishing.parameters import SensitivityParameters
    from cqdt.sensitivity import check_fits

    settings = _sensitivity_settings(args)
    timeout = _parsed(args.timeout, "--timeout", int, "phải là số nguyên dương (giây)")
    if timeout < 1:
        raise SystemExit(f"Lỗi: --timeout phải là số nguyên dương (giây), không phải «{timeout}»")
    workspace = Workspace.at(args.criteria, args.data)
    years = workspace.surveys(args.level)["year"]
    year = int(args.year) if args.year else int(years.max()) if len(years) else 0
    if year not in set(years):
        raise SystemExit(
            f"Lỗi: không tìm thấy tệp khảo sát {LEVELS[args.level]} năm {args.year or '(bất kỳ)'} "
            f"trong {args.data}; cần dạng <năm>/{args.level}.csv"
        )
    results, failed = _score_each(workspace, [(args.level, year)])
    if failed:
        return 1
    result = results[0][1]
    try:
        check_fits(settings, result.criteria, len(result.points))
    except ValueError as err:
        raise SystemExit(f"Lỗi: {err}") from None
    (outcome,) = plan(workspace, [(args.level, year)], "none")
    outcome.kind = SensitivityParameters.kind
    outcome.parameters = SensitivityParameters(
        level=args.level,
        year=year,
        criteria_dir=outcome.parameters["criteria_dir"],
        data_dir=outcome.parameters["data_dir"],
        report_date=outcome.parameters["report_date"],
        scheme=settings.scheme,
        by=settings.by,
        n=settings.n,
        delta=float(settings.delta),
        concentration=float(settings.concentration),
        seed=settings.seed,
        top_k=settings.top_k,
    ).model_dump()
    print(
        f"Phân tích độ nhạy {LEVELS[args.level]} năm {year}: {settings.n} mẫu trọng số "
        f"({settings.scheme}, theo {settings.by}), hạt giống {settings.seed}"
    )
    return run_reports(
        [outcome], Path(args.out), SensitivityParameters.kind, 1, timeout, not args.no_pdf
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cqdt`` command."""
    for stream in (sys.stdout, sys.stderr):  # Vietnamese even on a cp1252 console or pipe
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # as parse_args would say it, in Vietnamese for the newer commands
        fail = _option_error if args.command == "sensitivity" else parser.error
        fail(f"unrecognized arguments: {' '.join(unknown)}")
    commands = {
        "validate": cmd_validate,
        "score": cmd_score,
        "report": cmd_report,
        "sensitivity": cmd_sensitivity,
    }
    try:
        return commands[args.command](args)
    except KeyboardInterrupt as stop:
        detail = str(stop) or "phần đã ghi (nếu có) nằm trong thư mục *-chua-hoan-thanh"
        print(f"Đã dừng theo yêu cầu; {detail}.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
