"""Problem codes: every problem the package creates says which kind it is, by a declared code."""

from __future__ import annotations

import ast
import re
from itertools import pairwise
from pathlib import Path

import pytest

from cqdt.collect import HOW_TO_FIX, Finding
from cqdt.problems import Problem, ProblemCode
from tests.conftest import ROOT

PACKAGE = ROOT / "cqdt"
RECORDS = {"Problem", "Finding", "problem_at"}
"""The records a check creates (``problem_at`` is :meth:`cqdt.yamlfile.Placer.problem_at`, a
Problem at its line); all must carry a code."""


def calls_of(names: set[str]) -> list[tuple[Path, ast.Call]]:
    """Every call ``Name(...)`` or ``something.name(...)`` of one of ``names`` in the package."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            if getattr(node.func, "id", None) in names or getattr(node.func, "attr", None) in names:
                found.append((path, node))
    return found


def test_a_problem_or_finding_without_a_code_cannot_be_created():
    with pytest.raises(TypeError, match="code"):
        Problem("f.csv", "dòng 2", "so", "phải là một số")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="code"):
        Finding("f.xlsx", "Đơn vị Một", "G7", "so", "phải là một số")  # type: ignore[call-arg]
    problem = Problem("f.csv", "dòng 2", "so", "phải là một số", code=ProblemCode.NOT_A_NUMBER)
    assert str(problem) == "[lỗi] f.csv, dòng 2, trường «so»: phải là một số"  # code not shown


def test_every_problem_and_finding_in_the_package_is_given_a_code_by_name():
    calls = calls_of(RECORDS)
    assert len(calls) > 50  # the search really sees the package's checks
    without = [
        f"{path.relative_to(ROOT)}:{call.lineno}"
        for path, call in calls
        if "code" not in {k.arg for k in call.keywords}
    ]
    assert without == []


def test_every_code_is_used_by_a_check_and_documented():
    source = "\n".join(
        p.read_text(encoding="utf-8") for p in PACKAGE.rglob("*.py") if p.name != "problems.py"
    )
    used = set(re.findall(r"ProblemCode\.([A-Z0-9_]+)", source))
    assert sorted(set(ProblemCode.__members__) - used) == []  # no code nothing creates
    body = next(
        node
        for node in ast.parse((PACKAGE / "problems.py").read_text(encoding="utf-8")).body
        if isinstance(node, ast.ClassDef) and node.name == "ProblemCode"
    ).body
    documented = {
        assign.targets[0].id
        for assign, doc in pairwise(body)
        if isinstance(assign, ast.Assign)
        and isinstance(doc, ast.Expr)
        and isinstance(doc.value, ast.Constant)
        and "\n" not in doc.value.value.strip()
    }
    assert sorted(set(ProblemCode.__members__) - documented) == []


def test_codes_are_stable_snake_case_names_of_their_member():
    for member in ProblemCode:
        assert member.value == member.name.lower()
        assert re.fullmatch(r"[a-z][a-z0-9]*(_[a-z0-9]+)*", member.value)


def test_advice_to_units_is_keyed_by_code():
    assert all(isinstance(code, ProblemCode) for code in HOW_TO_FIX)
    assert all(advice.endswith(".") for advice in HOW_TO_FIX.values())
