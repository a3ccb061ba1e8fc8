"""A batch of reports, in parallel, with index and manifest: whatever their kind.

:func:`run_reports` runs planned :class:`~cqdt.publishing.outcome.Outcome` records (made by a
kind's ``plan``: see :mod:`cqdt.publishing.kinds`) into one new run folder. It knows nothing of
any kind: an outcome names its notebook, parameters, title and folder.

Layout of a batch folder (new for every run, never overwritten)::

    output/bao-cao-20261125-143000/
        index.html                  every report with its outcome, criteria and links
        manifest.json               inputs and outputs with their hashes, versions, parameters,
                                    timings
        huyen-2020/
            bao-cao-huyen-2020.ipynb   executed notebook (kept also when it failed)
            bao-cao-huyen-2020.html    report, code hidden
            bao-cao-huyen-2020.pdf     the same, A4
            huyen-2020.xlsx            tables, one sheet each; CSV per part beside it

One failing report does not stop the others; the command then ends non-zero and names what
failed and why. Should a worker process itself die, its report (and, the pool being broken, every
report not yet done) is marked failed. Ctrl-C stops the workers at once; the reports not finished
are marked interrupted. Either way manifest and index record what was done.
"""

from __future__ import annotations

import gc
import html
import json
import multiprocessing
import multiprocessing.forkserver
import os
import signal
import sys
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict
from datetime import datetime
from pathlib import Path

from tqdm import tqdm

from cqdt import __version__
from cqdt.caveats import output_warnings
from cqdt.criteria import LEVELS
from cqdt.output import (
    INCOMPLETE_SUFFIX,
    file_sha256,
    new_run_folder,
    replaced_atomically,
    staged_folder,
)
from cqdt.publishing.document import ANNEX_PREFIX
from cqdt.publishing.execute import ReusedKernel, ensure_kernel, execute_report
from cqdt.publishing.outcome import FAILED, INTERRUPTED, OK, Outcome
from cqdt.publishing.parameters import NOTEBOOKS
from cqdt.results import read_result, result_file

LINKS = {
    ".html": "HTML",
    ".pdf": "PDF",
    ".xlsx": "Excel",
    ".docx": "Word",
    ".csv": None,  # labelled with its file name: one CSV per part
    ".ipynb": "Sổ tính Jupyter (.ipynb)",
}
"""Output files linked from the index, in this order, with the labels of the report's own files
and of the only file of a type (others, such as annexes and tables, go by their names)."""
WORKER_MODULES = (
    "papermill",
    "nbformat",
    "cqdt.publishing.render",
    "cqdt.publishing.annex_pdf",
    "cqdt.publishing.report_docx",
    "cqdt.publishing.audit",
)
"""What only workers use (3 s to import): imported once, by the process workers fork from."""
WORKER_GC_THRESHOLD = (20_000, 20, 20)
"""Garbage-collection thresholds of a worker (Python's default: 700, 10, 10). Laying out a PDF
makes millions of short-lived objects and few cycles: collecting less often saves about a tenth
of the time of WeasyPrint and reportlab, for some tens of MB more memory at peak."""


def _describe(exc: BaseException) -> str:
    """A one-line Vietnamese account of why a run failed."""
    name = type(exc).__name__
    if "Timeout" in name or isinstance(exc, TimeoutError):
        return f"quá thời gian cho phép: {exc}"
    if name == "NoSuchKernel":
        return f"không tìm thấy nhân Python để chạy sổ báo cáo: {exc}"
    if name == "DeadKernelError":
        return f"nhân Python dừng đột ngột: {exc}"
    if name == "PapermillExecutionError":
        evalue = getattr(exc, "evalue", str(exc))
        ename = getattr(exc, "ename", name)
        if ename in INPUT_ERRORS:  # our own Vietnamese account of bad input: no class name
            return evalue
        if ename == "MemoryError":
            return f"không đủ bộ nhớ để lập báo cáo ({evalue})"
        return f"{ename}: {evalue}"
    return f"{name}: {exc}"


INPUT_ERRORS = frozenset({"InputError", "CriteriaError", "EvidenceError"})
"""Errors raised for bad input files (:mod:`cqdt.problems`): their message says it all."""


def _worker_init() -> None:
    """Worker initializer: Ctrl-C is for the parent, which stops the workers itself; the modules
    imported before the fork are set aside from garbage collection (:func:`gc.freeze`: they are
    never garbage, and are no longer scanned) and collection runs less often
    (:data:`WORKER_GC_THRESHOLD`). Neither changes any output."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLD)


_kernel: ReusedKernel | None = None
"""This worker process's kernel, reused by the reports it runs one after another."""


def _worker_kernel() -> ReusedKernel:
    global _kernel
    if _kernel is None:
        _kernel = ReusedKernel()
        multiprocessing.util.Finalize(_kernel, _kernel.shutdown, exitpriority=10)
    return _kernel


def run_one(
    outcome: Outcome,
    root: Path,
    timeout: int,
    pdf: bool,
    notebook: Path | None = None,
    command: tuple[str, ...] = (),
) -> Outcome:
    """Execute, convert and render one report and its annexes into ``root/outcome.folder``,
    then write its audit record (:mod:`cqdt.publishing.audit`; ``command`` is what ran).

    Runs in a worker; its kernel is reused from the worker's previous report. Time spent is
    recorded per stage: ``kernel`` (start or reset), ``execute`` (and in it ``cell:<name>``
    for each cell, by the function it calls), ``html``, ``word`` (the report as a Word
    document), ``pdf`` (main report), ``annex`` (annexes the notebook wrote, with their
    separate parts) and ``audit``.
    """
    folder = root / outcome.folder
    folder.mkdir(parents=True, exist_ok=True)
    stem = outcome.stem
    executed = folder / f"{stem}.ipynb"
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        outcome.seconds[stage] = round(now - clock, 3)
        clock = now

    from cqdt.publishing.annex_pdf import annex_to_pdf
    from cqdt.publishing.audit import write_audit
    from cqdt.publishing.render import html_to_pdf, notebook_to_html
    from cqdt.publishing.report_docx import has_document, write_report_docx

    try:
        kernel = _worker_kernel()
        source = notebook or NOTEBOOKS / outcome.notebook
        parameters = outcome.notebook_parameters()
        cells = execute_report(executed, source, parameters, timeout=timeout, kernel=kernel)
        lap("execute")
        outcome.seconds.update({f"cell:{name}": s for name, s in cells.items()})  # in execute
        outcome.seconds["kernel"] = round(kernel.seconds, 3)  # part of "execute"
        title = f"{outcome.title} {LEVELS[outcome.level]} năm {outcome.year}"
        page = notebook_to_html(executed, title=title)
        with replaced_atomically(folder / f"{stem}.html") as temporary:
            temporary.write_text(page, encoding="utf-8")
        lap("html")
        if has_document(page):
            write_report_docx(page, folder / f"{stem}.docx")
            lap("word")
        if pdf:
            with replaced_atomically(folder / f"{stem}.pdf") as temporary:
                html_to_pdf(page, temporary)
            lap("pdf")
            for annex in sorted(folder.glob(f"{ANNEX_PREFIX}*.html")):
                page = annex.read_text(encoding="utf-8")
                annex_to_pdf(page, folder / f"{annex.stem}.pdf", folder / annex.stem)
            lap("annex")
        saved = result_file(folder, outcome.level, outcome.year)
        if saved.exists():  # kinds that publish official tables save their result
            outcome.levels = read_result(saved).level_counts()
        write_audit(outcome, folder, list(command), pdf)
        lap("audit")
    except Exception as exc:  # every failure is recorded, the batch goes on
        outcome.status, outcome.error = FAILED, _describe(exc)
    return _record_outputs(outcome, root)


def _record_outputs(outcome: Outcome, root: Path) -> Outcome:
    """Note every file in the report's folder and its sub-folders (if any) with its hash."""
    folder = root / outcome.folder
    files = sorted(p for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else []
    outcome.outputs = {
        p.relative_to(folder).as_posix(): file_sha256(p)
        for p in files
        if not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }
    return outcome


def _collect(future: Future, outcome: Outcome, root: Path) -> Outcome:
    """The outcome a worker returned; if the worker process died instead, ``outcome`` failed."""
    try:
        return future.result()
    except Exception as exc:  # BrokenProcessPool: killed, out of memory, crashed
        outcome.status = FAILED
        outcome.error = f"tiến trình lập báo cáo dừng đột ngột: {_describe(exc)}"
        return _record_outputs(outcome, root)


def _links(o: Outcome) -> str:
    """Links to a report's files: the report's own and single files by type, others by name."""
    esc = html.escape
    own = o.stem
    top = [file for file in o.outputs if "/" not in file]

    def label(file: str, suffix: str) -> str:
        single = sum(f.endswith(suffix) for f in top) == 1
        link = LINKS[suffix]
        return link if link and (file.startswith(own) or single) else file

    links = [
        f'<a href="{esc(o.folder)}/{esc(file)}">{esc(label(file, suffix))}</a>'
        for suffix in LINKS
        for file in top
        if file.endswith(suffix)
    ]
    folders: dict[str, int] = {}
    for file in o.outputs:
        if "/" in file:
            folders[file.split("/")[0]] = folders.get(file.split("/")[0], 0) + 1
    links += [
        f'<a href="{esc(o.folder)}/{esc(name)}/">Thư mục {esc(name)}/ ({count} tệp)</a>'
        for name, count in folders.items()
    ]
    return " · ".join(links)


def _levels_text(o: Outcome) -> str:
    """``A: I 3, II 4, III 2; B: ...`` (units per level in each part), or a dash."""
    return (
        "; ".join(
            f"{part}: " + ", ".join(f"mức {level} {n}" for level, n in counts.items())
            for part, counts in o.levels.items()
        )
        or "—"
    )


def write_index(outcomes: list[Outcome], folder: Path, name: str, started: datetime) -> Path:
    """An HTML page listing every report: criteria, comparison, units and levels, outcome, links.

    ``name`` is the run's final folder name (``folder`` may still be the staging folder).
    """
    esc = html.escape
    rows = []
    for o in outcomes:
        criteria = f"{o.criteria['version']} ({o.criteria['label']})" if o.criteria else "—"
        count = "—" if o.unit_count is None else str(o.unit_count)
        status = {OK: "Thành công", INTERRUPTED: "Bị dừng"}.get(o.status, f"Lỗi: {o.error}")
        cells = (
            o.title,
            LEVELS[o.level].capitalize(),
            f"{o.first_year}–{o.year}" if o.first_year else str(o.year),
            criteria,
            str(o.compare_year or "không"),
            count,
            _levels_text(o),
        )
        rows.append(
            "<tr>"
            + "".join(f"<td>{esc(cell)}</td>" for cell in cells)
            + f'<td class="{"ok" if o.status == OK else "loi"}">{esc(status)}</td>'
            + f"<td>{_links(o)}</td></tr>"
        )
    warnings = output_warnings(
        any(o.criteria and o.criteria["status"] != "official" for o in outcomes),
        any(o.synthetic for o in outcomes),
    )
    warning_html = "".join(f'<p class="canh-bao">{esc(w)}</p>' for w in warnings)
    page = f"""<!DOCTYPE html>
<html lang="vi"><head><meta charset="utf-8"/>
<title>Báo cáo đánh giá mức độ CQĐT — lần chạy {esc(name)}</title>
<style>body{{font-family:"Times New Roman","Liberation Serif",serif;margin:2rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #999;padding:4px 8px}}
th{{background:#d9e2f3}}.ok{{color:#1b5e20}}.loi{{color:#b71c1c}}
.canh-bao{{color:#b71c1c;font-weight:bold;border:2px solid #b71c1c;padding:6px 10px}}</style>
</head><body>
<h1>Báo cáo đánh giá mức độ chính quyền điện tử</h1>
<p>Lần chạy {esc(name)}, ngày {esc(started.strftime("%d/%m/%Y"))}, cqdt {esc(__version__)}.
Nhật ký chạy: <a href="manifest.json">manifest.json</a>.</p>
{warning_html}
<table><thead><tr><th>Tài liệu</th><th>Cấp</th><th>Năm</th><th>Bộ tiêu chí</th>
<th>So sánh với năm</th><th>Số đơn vị</th><th>Số đơn vị theo mức (từng phần)</th>
<th>Kết quả</th><th>Tệp</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table></body></html>
"""
    path = folder / "index.html"
    with replaced_atomically(path) as temporary:
        temporary.write_text(page, encoding="utf-8")
    return path


def command_line() -> list[str]:
    """The command that ran, as typed (``cqdt report …``): the program by its name only, so no
    absolute path of the installation is recorded."""
    program = Path(sys.argv[0]).name
    return ["cqdt" if program in ("__main__.py", "cqdt.exe") else program, *sys.argv[1:]]


def write_manifest(outcomes: list[Outcome], folder: Path, started: datetime, jobs: int) -> Path:
    """The run record: versions, inputs and outputs with hashes, parameters, timings, outcomes."""
    finished = datetime.now()
    manifest = {
        "cqdt_version": __version__,
        "python": sys.version.split()[0],
        "command": command_line(),
        "started": started.isoformat(timespec="seconds"),
        "finished": finished.isoformat(timespec="seconds"),
        "seconds": round((finished - started).total_seconds(), 2),
        "parallel_jobs": jobs,
        "runs": [asdict(o) for o in outcomes],
    }
    path = folder / "manifest.json"
    with replaced_atomically(path) as temporary:
        temporary.write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def run_reports(
    planned: list[Outcome],
    out: Path,
    prefix: str = "",
    jobs: int = 0,
    timeout: int = 900,
    pdf: bool = True,
    notebook: Path | None = None,
) -> int:
    """Run planned reports (in this order) into a new folder ``<out>/<prefix>-<date>-<time>``;
    the prefix is the reports' kind when not given (``bao-cao-…``, ``kich-ban-…``).

    Return 0 if all succeeded, 1 otherwise. On Ctrl-C the workers are stopped, manifest and
    index are written for what finished, and ``KeyboardInterrupt`` is raised again, saying so
    (the folder is left ``*-chua-hoan-thanh``).
    """
    jobs = jobs or os.cpu_count() or 1
    prefix = prefix or planned[0].kind
    started = datetime.now()
    target = new_run_folder(out, prefix, started)
    ensure_kernel()  # once, before workers start, so they never race to register it
    with staged_folder(target) as folder:
        done: dict[Future, Outcome] = {}
        interrupted = False
        context = _worker_context()
        with ProcessPoolExecutor(
            max_workers=min(jobs, len(planned)), mp_context=context, initializer=_worker_init
        ) as pool:
            command = tuple(command_line())
            futures = {
                pool.submit(run_one, o, folder, timeout, pdf, notebook, command): o for o in planned
            }
            bar = tqdm(as_completed(futures), total=len(futures), desc="Báo cáo", unit="báo cáo")
            try:
                for future in bar:
                    outcome = done[future] = _collect(future, futures[future], folder)
                    bar.write(
                        f"  {outcome.title}, {LEVELS[outcome.level]} năm "
                        f"{outcome.year}: {outcome.status}"
                        + (f" — {outcome.error}" if outcome.error else "")
                    )
            except KeyboardInterrupt:
                interrupted = True
                bar.close()
                pool.shutdown(wait=False, cancel_futures=True)
                for worker in multiprocessing.active_children():  # the pool's workers
                    worker.terminate()
        outcomes = [done.get(f) or _interrupted(o, folder) for f, o in futures.items()]
        outcomes.sort(key=lambda o: (o.kind, list(LEVELS).index(o.level), o.year))
        write_manifest(outcomes, folder, started, jobs)
        write_index(outcomes, folder, target.name, started)
        finished = sum(o.status == OK for o in outcomes)
        if interrupted:
            raise KeyboardInterrupt(
                f"{finished}/{len(outcomes)} báo cáo đã lập xong, ghi tại "
                f"{target.with_name(target.name + INCOMPLETE_SUFFIX)}"
            )
    failed = [o for o in outcomes if o.status != OK]
    print(f"Đã lập {finished}/{len(outcomes)} báo cáo tại {target}")
    print(f"Mở {target / 'index.html'} để xem danh sách.")
    for o in failed:
        print(f"LỖI {LEVELS[o.level]} năm {o.year}: {o.error}", file=sys.stderr)
        print(f"  sổ tính đã chạy (giữ lại để kiểm tra): {target / o.folder}", file=sys.stderr)
    return 1 if failed else 0


def _worker_context() -> multiprocessing.context.BaseContext:
    """How workers start: forked from a server that imported :data:`WORKER_MODULES` once.

    Where there is no fork (Windows), each worker is a new interpreter (spawn) and imports them.
    Either way a worker holds no state of the command that started it.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(list(WORKER_MODULES))
    return context


def start_workers() -> None:
    """Start the server workers are forked from now, so its imports (about 3 s on one core) run
    while the command still reads, checks and plans; :func:`run_reports` then finds it ready.

    Optional (``run_reports`` starts it anyway); does nothing where workers are spawned.
    """
    if _worker_context().get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()


def _interrupted(outcome: Outcome, root: Path) -> Outcome:
    outcome.status, outcome.error = INTERRUPTED, "bị dừng theo yêu cầu (Ctrl-C) trước khi xong"
    return _record_outputs(outcome, root)
