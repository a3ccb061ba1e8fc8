"""The report kinds registry: every kind is one module with the same small interface."""

from __future__ import annotations

import ast
from pathlib import Path

import papermill
import pytest

from cqdt.publishing.kinds import KINDS, kind_module
from cqdt.publishing.parameters import NOTEBOOKS, NotebookParameters


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_is_one_module_with_parameters_plan_prepare_and_its_notebook(kind):
    module = kind_module(kind)
    model = module.Parameters
    assert issubclass(model, NotebookParameters) and model.kind == kind
    assert callable(module.plan) and callable(module.prepare) and callable(module.write_outputs)
    # the notebook declares exactly the model's parameters and calls the module's sections
    notebook = NOTEBOOKS / model.notebook
    assert set(papermill.inspect_notebook(str(notebook))) == set(model.model_fields)
    source = notebook.read_text(encoding="utf-8")
    assert f"from cqdt.publishing.kinds import {KINDS[kind]} as report" in source
    assert "report.Parameters.from_namespace(globals())" in source


def test_an_unknown_kind_is_named_with_the_known_ones():
    with pytest.raises(KeyError, match="không có loại báo cáo «bao-cao-moi»; các loại: bao-cao"):
        kind_module("bao-cao-moi")


def test_kinds_never_import_one_another():
    kinds = Path(kind_module("bao-cao").__file__).parents[1]
    for kind, name in KINDS.items():
        own = kinds / name
        files = sorted(own.glob("*.py")) if own.is_dir() else [kinds / f"{name}.py"]
        others = tuple(f"cqdt.publishing.kinds.{n}" for k, n in KINDS.items() if k != kind)
        for file in files:
            tree = ast.parse(file.read_text(encoding="utf-8"))
            imported = [
                node.module
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom) and node.module
            ]
            assert not [m for m in imported if m.startswith(others)], file
