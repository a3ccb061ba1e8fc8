"""The ``cqdt`` command: validate inputs, score, publish reports."""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path

from cqdt import __version__
from cqdt.criteria import LEVELS, read_criteria
from cqdt.output import new_run_folder, staged_folder
from cqdt.problems import ERROR, InputError, Problem, errors_only
from cqdt.scoring import ScoreResult
from cqdt.tables import write_result_tables
from cqdt.workspace import Workspace

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
    return parser


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
            written = write_result_tables(
                result,
                folder / f"{result.level}-{result.year}",
                workspace.districts(result.level),
                workspace.synthetic,
            )
            print(f"{label}: đã chấm {len(result.evidence.units)} đơn vị, ghi {len(written)} tệp")
    print(f"Kết quả ghi tại: {target}")
    return 1 if failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    from cqdt.publishing.batch import run_batch  # heavy imports only when publishing
    from cqdt.publishing.document import find_document_settings

    workspace, selected = _selected(args)
    try:  # a bad settings file stops the run before any report starts
        find_document_settings(workspace.data_dir, args.document)
    except InputError as err:
        print("Tệp các phần của văn bản có lỗi, không lập báo cáo:", file=sys.stderr)
        _print_problems(err.problems)
        return 1
    return run_batch(
        workspace,
        selected,
        out=Path(args.out),
        compare_year=args.compare_year,
        jobs=args.jobs,
        timeout=args.timeout,
        pdf=not args.no_pdf,
        report_date=args.report_date or "",
        document_file=args.document,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``cqdt`` command."""
    for stream in (sys.stdout, sys.stderr):  # Vietnamese even on a cp1252 console or pipe
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    args = build_parser().parse_args(argv)
    commands = {"validate": cmd_validate, "score": cmd_score, "report": cmd_report}
    try:
        return commands[args.command](args)
    except KeyboardInterrupt as stop:
        detail = str(stop) or "phần đã ghi (nếu có) nằm trong thư mục *-chua-hoan-thanh"
        print(f"Đã dừng theo yêu cầu; {detail}.", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
