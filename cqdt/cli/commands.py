"""The ``cqdt`` commands: each checks its inputs, then scores or plans and runs reports.

A command that publishes is thin: it asks its report kind (:mod:`cqdt.publishing.kinds`) to plan
from the options, then hands the plan to the batch. Bad input stops a command before anything
is written, with every problem named in Vietnamese.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, cast

import pandas as pd

from cqdt.collect import MISSING, VALID
from cqdt.criteria import LEVELS, Level, load_criteria, read_criteria
from cqdt.output import check_writable, new_run_folder, staged_folder
from cqdt.problems import ERROR, InputError, Problem, ProblemCode, errors_only
from cqdt.register import units_in
from cqdt.scenarios import SCENARIO_FOLDER, find_scenarios, load_scenario
from cqdt.scoring import ScoreResult
from cqdt.sensitivity.settings import Settings, read_settings
from cqdt.workspace import Workspace

if TYPE_CHECKING:  # imported when used
    from cqdt.publishing.outcome import Outcome


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
    from cqdt.collect import collect_forms, survey_for_csv
    from cqdt.feedback import write_summary, write_unit_feedback
    from cqdt.files import write_csv

    folder = Path(args.folder)
    if not folder.is_dir():
        raise _missing(folder, "không phải thư mục chứa phiếu đã điền")
    check_writable(args.out)
    workspace = Workspace.at(args.criteria, args.data)
    criteria = load_criteria(workspace.criteria_file(args.level, args.year))
    register = _register(workspace)
    collected = collect_forms(folder, criteria, args.year, register, latest=args.keep_latest)
    if not collected.forms:
        raise _missing(folder, "không có phiếu .xlsx nào trong thư mục này")
    districts = workspace.districts(args.level)
    target = new_run_folder(args.out, "thu-thap")
    with staged_folder(target) as run:
        (run / str(args.year)).mkdir()
        write_csv(survey_for_csv(collected.survey), run / str(args.year) / f"{args.level}.csv")
        shutil.copyfile(workspace.units_file, run / workspace.units_file.name)
        write_summary(collected, criteria, args.year, run, districts)
        write_unit_feedback(collected, criteria, args.year, run, districts)
    units = collected.units
    print(
        f"Đã đọc {collected.forms} tệp phiếu; {len(collected.survey)} phiếu hợp lệ vào bảng khảo "
        f"sát. Đơn vị: {len(units)} trong danh mục, {(units['status'] != MISSING).sum()} đã gửi, "
        f"{(units['status'] == VALID).sum()} hợp lệ, {len(collected.missing)} chưa gửi."
    )
    _print_problems([f.problem() for f in collected.findings])
    for unit, aside in collected.replaced.items():
        used = units.loc[units["unit"] == unit, "form"].iloc[0]
        print(f"{unit}: dùng phiếu {used} (lưu sau cùng); không dùng: {', '.join(aside)}")
    if collected.missing:
        print(f"Đơn vị chưa có phiếu ({len(collected.missing)}): " + "; ".join(collected.missing))
    print(f"Tổng hợp và phản hồi từng đơn vị (thư mục phan-hoi/) ghi tại: {target}")
    return 1 if collected.findings else 0


def cmd_correct(args: argparse.Namespace) -> int:
    from cqdt.corrections import folder_hashes
    from cqdt.publishing.batch import start_workers
    from cqdt.publishing.kinds import correction

    published = Path(args.published)
    check_writable(args.out)
    start_workers()  # its imports run while this command checks and plans
    workspace = Workspace.at(args.criteria, args.data)
    planned = correction.plan(
        workspace, published, Path(args.survey), args.level, args.year, date.today()
    )
    before = folder_hashes(published)
    code = _run_planned(planned, args, jobs=1)
    if folder_hashes(published) != before:
        print(f"LỖI: thư mục đã công bố {published} bị thay đổi trong khi chạy", file=sys.stderr)
        return 1
    print(f"Thư mục đã công bố không bị thay đổi ({len(before)} tệp, kiểm tra bằng SHA-256).")
    return code


def cmd_rerun(args: argparse.Namespace) -> int:
    from cqdt.publishing.rerun import replay

    check_writable(args.out)
    return replay(Path(args.manifest), Path(args.out), jobs=args.jobs, timeout=args.timeout)


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
) -> tuple[Workspace, list[tuple[Level, int]]]:
    workspace = Workspace.at(args.criteria, args.data)
    found = workspace.surveys(args.level, _years(args.year))
    if found.empty and required:
        raise SystemExit(
            f"Lỗi: không tìm thấy tệp khảo sát nào trong {args.data} "
            f"({LEVELS.get(args.level, 'mọi cấp')}, "
            f"{'mọi năm' if args.year == 'all' else f'năm {args.year}'}); "
            "cần dạng <năm>/<cấp>.csv"
        )
    # survey files are found by level key (evidence.find_evidence): each level is a Level
    levels = [cast(Level, level) for level in found["level"]]
    return workspace, list(zip(levels, found["year"].astype(int), strict=True))


def _score_each(
    workspace: Workspace, selected: list[tuple[Level, int]]
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


def _scored_for_output(
    args: argparse.Namespace,
) -> tuple[Workspace, list[tuple[str, ScoreResult]], int] | None:
    """Check that the output folder can be written, then score the selection: the workspace,
    what was scored and how many failed; None (and why, printed) when nothing could be."""
    check_writable(args.out)
    workspace, selected = _selected(args)
    results, failed = _score_each(workspace, selected)
    if not results:
        print("Không có tệp nào chấm được; không ghi kết quả.", file=sys.stderr)
        return None
    return workspace, results, failed


def _run_planned(planned: list[Outcome], args: argparse.Namespace, jobs: int | None = None) -> int:
    """Run the planned reports into ``--out`` with the command's ``--jobs`` (or ``jobs``),
    ``--timeout`` and ``--no-pdf``; the exit code."""
    from cqdt.publishing.batch import run_reports  # heavy: only when publishing

    workers = args.jobs if jobs is None else jobs
    pdf = not args.no_pdf
    return run_reports(planned, Path(args.out), jobs=workers, timeout=args.timeout, pdf=pdf)


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
    scored = _scored_for_output(args)
    if scored is None:
        return 1
    workspace, results, failed = scored
    from cqdt.publishing.batch import write_manifest
    from cqdt.publishing.scores import SCORE_KIND, publish_scores

    started = datetime.now()
    target = new_run_folder(args.out, SCORE_KIND, started)
    with staged_folder(target) as folder:
        records = []
        for label, result in results:
            records.append(publish_scores(workspace, result, folder))
            print(
                f"{label}: đã chấm {len(result.evidence.units)} đơn vị, ghi "
                f"{len(records[-1].outputs)} tệp"
            )
            _print_problems(result.evidence.warnings)
        write_manifest(records, folder, started, jobs=1)  # what `correct` and `rerun` verify
    print(f"Kết quả ghi tại: {target}")
    return 1 if failed else 0


def cmd_next_level(args: argparse.Namespace) -> int:
    from cqdt.caveats import output_warnings
    from cqdt.next_level import next_level, write_next_level_tables

    scored = _scored_for_output(args)
    if scored is None:
        return 1
    workspace, results, failed = scored
    target = new_run_folder(args.out, "len-muc")
    with staged_folder(target) as folder:
        for label, result in results:
            found = next_level(result)
            warnings = output_warnings(result.criteria.status != "official", workspace.synthetic)
            subfolder = folder / f"{result.level}-{result.year}"
            write_next_level_tables(found, result, subfolder, warnings)
            units = found.needs["unit"].nunique()
            print(
                f"{label}: {units}/{len(result.evidence.units)} đơn vị chưa đạt mức cao nhất ở ít "
                f"nhất một phần ({len(found.needs)} lượt đơn vị × phần)"
            )
    print(f"Kết quả ghi tại: {target}")
    return 1 if failed else 0


def cmd_report(args: argparse.Namespace) -> int:
    from cqdt.publishing.batch import start_workers  # heavy: when publishing
    from cqdt.publishing.document import find_document_settings
    from cqdt.publishing.kinds import official

    check_writable(args.out)
    start_workers()  # its imports run while this command checks and plans
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
    return _run_planned(planned, args)


def cmd_whatif(args: argparse.Namespace) -> int:
    from cqdt.publishing.batch import start_workers  # heavy: when publishing
    from cqdt.publishing.kinds import scenario

    check_writable(args.out)
    start_workers()  # its imports run while this command checks and plans
    workspace = Workspace.at(args.criteria, args.data)
    files = [Path(f) for f in args.scenarios]
    try:
        planned = scenario.plan(workspace, files, args.year, date.today())
    except InputError as err:
        print(f"Kịch bản {', '.join(args.scenarios)}: có lỗi, không ghi gì", file=sys.stderr)
        _print_problems(err.problems)
        return 1
    _print_notes(planned)
    return _run_planned(planned, args)


def cmd_panel(args: argparse.Namespace) -> int:
    from cqdt.publishing.batch import start_workers  # heavy: when publishing
    from cqdt.publishing.kinds import panel

    check_writable(args.out)
    start_workers()  # its imports run while this command checks and plans
    workspace = Workspace.at(args.criteria, args.data)
    chosen = list(LEVELS) if args.level == "all" else [args.level]
    levels = [cast(Level, level) for level in chosen]  # argparse choices: level keys
    planned = panel.plan(workspace, levels, args.year, date.today())
    _print_notes(planned)
    return _run_planned(planned, args)


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
    from cqdt.publishing.batch import start_workers
    from cqdt.publishing.kinds import sensitivity

    settings = _sensitivity_settings(args)
    check_writable(args.out)
    start_workers()  # its imports run while this command checks and plans
    workspace = Workspace.at(args.criteria, args.data)
    try:
        planned = sensitivity.plan(
            workspace, args.level, int(args.year) if args.year else None, settings, ""
        )
    except ValueError as err:
        raise SystemExit(f"Lỗi: {err}") from None
    _print_notes(planned)
    return _run_planned(planned, args, jobs=1)


COMMANDS = {
    "validate": cmd_validate,
    "score": cmd_score,
    "report": cmd_report,
    "whatif": cmd_whatif,
    "template": cmd_template,
    "collect": cmd_collect,
    "correct": cmd_correct,
    "rerun": cmd_rerun,
    "sensitivity": cmd_sensitivity,
    "next-level": cmd_next_level,
    "panel": cmd_panel,
}
"""Each command's function, by the name typed after ``cqdt``."""
