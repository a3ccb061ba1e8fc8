"""The quick loop stays quick: every end-to-end test is marked ``slow``.

A test is end-to-end when it executes a notebook, renders HTML or PDF, starts a process (a
wheel install, JupyterLab, a browser, a pytest run of its own) or runs a command that publishes
reports (``cqdt report``, ``whatif``, ``sensitivity``, ``correct``): in its own body, through a
helper function, or through a fixture that does (``sample_run``, ``rendered``…). The test
modules are read as syntax trees (nothing is run), so a new end-to-end test without
``@pytest.mark.slow`` (or a module ``pytestmark``) fails here, in the quick loop too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent

END_TO_END_NAMES = {
    "execute_notebook",  # papermill
    "execute_report",  # cqdt's papermill run of one report
    "run_reports",  # the batch: notebooks, HTML, PDF
    "notebook_to_html",
    "html_to_pdf",
    "annex_to_pdf",
    "subprocess",  # wheel install, JupyterLab server, a pytest run of its own
    "sync_playwright",  # the browser
}
"""Names whose use anywhere in a test, helper or fixture makes it end-to-end."""

PUBLISHING_COMMANDS = {"report", "whatif", "sensitivity", "correct", "panel"}
"""Commands that render reports; named as the first item of an argument list, they make a test
end-to-end, except inside ``pytest.raises`` (the command stops on its options)."""

STOP_BEFORE_ANY_WORK = {
    "test_cli.py::test_bad_report_options_stop_before_anything_is_written": "bad option",
    "test_documents.py::test_a_bad_settings_file_stops_the_command_before_any_report": (
        "bad van_ban.yaml, exit 1 before planning"
    ),
    "test_hostile.py::test_missing_inputs_of_the_field_commands_are_named": "missing input",
    "test_hostile.py::test_correct_with_bad_corrected_data_writes_nothing": (
        "bad corrected data, exit 1 before planning"
    ),
    "test_sensitivity.py::test_group_factors_need_a_part_with_two_groups": "bad option",
    "test_whatif.py::test_bad_scenario_writes_nothing": "bad scenario, exit 1",
    "test_yaml_checks.py::test_whatif_refuses_huge_factors_before_reading_any_data": (
        "bad scenario, exit 1"
    ),
    "test_whatif.py::test_year_outside_the_base_criteria": "bad year, exit 1",
    "test_whatif.py::test_unwritable_output_is_a_message_not_a_traceback": "bad --out, exit 2",
    "test_whatif.py::test_scenarios_on_different_criteria_sets_are_refused_before_anything": (
        "scenarios on two criteria sets, exit 1"
    ),
    "test_whatif.py::test_a_year_that_is_not_a_year_is_an_option_error": "bad --year, exit 2",
}
"""Tests that run a publishing command which stops before rendering anything: fast, and
checked to stay so by what they assert (nothing written, a non-zero exit)."""

RENDERING_FIXTURES = {
    "sample_run",
    "official_run",
    "rendered",
    "corrected",
    "command_run",
    "whatif_run",
    "panel_run",
}
"""Fixtures known to render reports: the analysis must find each of them."""


def _is_slow_mark(node: ast.AST) -> bool:
    """``pytest.mark.slow``, called or not."""
    if isinstance(node, ast.Call):
        node = node.func
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "slow"
        and isinstance(node.value, ast.Attribute)
        and node.value.attr == "mark"
    )


def _module_is_slow(tree: ast.Module) -> bool:
    return any(
        isinstance(stmt, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets)
        and any(_is_slow_mark(n) for n in ast.walk(stmt.value))
        for stmt in tree.body
    )


def _is_command(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and node.value in PUBLISHING_COMMANDS


def _inside_raises(function: ast.FunctionDef) -> set[int]:
    """Nodes within ``with pytest.raises(...)`` blocks of a function."""
    inside: set[int] = set()
    for node in ast.walk(function):
        if isinstance(node, ast.With) and any(
            isinstance(item.context_expr, ast.Call)
            and isinstance(item.context_expr.func, ast.Attribute)
            and item.context_expr.func.attr == "raises"
            for item in node.items
        ):
            inside |= {id(n) for statement in node.body for n in ast.walk(statement)}
    return inside


def _renders(function: ast.FunctionDef) -> bool:
    """Whether a function's own body is end-to-end (see the module docstring)."""
    exempt = _inside_raises(function)
    for node in ast.walk(function):
        if isinstance(node, ast.Name) and node.id in END_TO_END_NAMES:
            return True
        if isinstance(node, ast.Attribute) and node.attr in END_TO_END_NAMES:
            return True
        if id(node) in exempt:
            continue
        if isinstance(node, ast.List) and node.elts and _is_command(node.elts[0]):
            return True
        if isinstance(node, ast.Call) and node.args and _is_command(node.args[0]):
            return True
    return False


def _uses(function: ast.FunctionDef) -> set[str]:
    """Fixtures it requests and names it refers to (helpers it calls)."""
    names = {a.arg for a in function.args.args}
    return names | {n.id for n in ast.walk(function) if isinstance(n, ast.Name)}


def end_to_end(functions: dict[str, ast.FunctionDef]) -> set[str]:
    """Names of the functions (tests, fixtures, helpers) that are end-to-end, by closure."""
    found = {name for name, f in functions.items() if _renders(f)}
    grew = True
    while grew:
        more = {n for n, f in functions.items() if n not in found and _uses(f) & found}
        found |= more
        grew = bool(more)
    return found


def _functions(tree: ast.Module) -> dict[str, ast.FunctionDef]:
    return {s.name: s for s in tree.body if isinstance(s, ast.FunctionDef)}


def unmarked_end_to_end(tree: ast.Module, shared: dict[str, ast.FunctionDef]) -> list[str]:
    """Tests of a module that are end-to-end and carry no ``slow`` mark."""
    if _module_is_slow(tree):
        return []
    functions = {**shared, **_functions(tree)}
    found = end_to_end(functions)
    return [
        name
        for name, f in _functions(tree).items()
        if name.startswith("test_")
        and name in found
        and not any(_is_slow_mark(d) for d in f.decorator_list)
    ]


def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


@pytest.fixture(scope="module")
def conftest() -> dict[str, ast.FunctionDef]:
    return _functions(_parse(TESTS / "conftest.py"))


def test_every_end_to_end_test_is_marked_slow(conftest):
    unmarked = [
        f"{path.name}::{name}"
        for path in sorted(TESTS.glob("test_*.py"))
        for name in unmarked_end_to_end(_parse(path), conftest)
    ]
    assert [u for u in unmarked if u not in STOP_BEFORE_ANY_WORK] == [], (
        "end-to-end tests must carry @pytest.mark.slow (see README, quick loop)"
    )
    # an exception that no longer runs a publishing command is dropped from the list
    assert sorted(u for u in unmarked if u in STOP_BEFORE_ANY_WORK) == sorted(STOP_BEFORE_ANY_WORK)


def test_the_analysis_finds_the_fixtures_that_render_reports(conftest):
    functions = dict(conftest)
    for path in TESTS.glob("test_*.py"):
        functions.update(_functions(_parse(path)))
    assert RENDERING_FIXTURES - end_to_end(functions) == set()


SAMPLE_MODULE = """
import pytest

def helper(out):
    return main(["whatif", "k.yaml", "--out", str(out)])

@pytest.fixture
def published(tmp_path):
    return helper(tmp_path)

def test_through_a_fixture(published): ...
def test_through_a_helper(tmp_path): assert helper(tmp_path) == 0
def test_command(tmp_path): assert main(["report", "--out", str(tmp_path)]) == 0
def test_papermill(tmp_path): papermill.execute_notebook("a.ipynb", "b.ipynb")
def test_papermill_failing(tmp_path):
    with pytest.raises(Exception):
        papermill.execute_notebook("a.ipynb", "b.ipynb")

@pytest.mark.slow
def test_marked(published): ...
def test_stops_on_its_options():
    with pytest.raises(SystemExit):
        main(["report", "--jobs", "-1"])
def test_scoring_only(tmp_path): assert main(["score", "--out", str(tmp_path)]) == 0
"""


def test_the_guard_names_each_kind_of_unmarked_end_to_end_test():
    tree = ast.parse(SAMPLE_MODULE)
    assert unmarked_end_to_end(tree, {}) == [
        "test_through_a_fixture",
        "test_through_a_helper",
        "test_command",
        "test_papermill",
        "test_papermill_failing",
    ]
    tree.body.append(ast.parse("pytestmark = [pytest.mark.slow]").body[0])
    assert unmarked_end_to_end(tree, {}) == []
