"""Report kinds, registered by name, as papermill registers its engines.

A kind is one module (or package) of this folder, and one notebook in ``notebooks/``. It owns:

- ``Parameters``: its notebook's parameter model (a
  :class:`~cqdt.publishing.parameters.NotebookParameters` naming kind, title and notebook);
- ``plan(...)``: its inputs, checked, turned into the pending reports
  (:class:`~cqdt.publishing.outcome.Outcome`) that the batch runs, whatever their kind;
- ``prepare(params)``: every computation the document shows, as one context object;
- the sections the notebook calls in the order of the document, and ``write_outputs``.

Kinds never import one another; shared blocks live in :mod:`cqdt.publishing.html` and
:mod:`cqdt.publishing.context`. Adding a kind: write its module and its notebook, then register
it in :data:`KINDS` (README, "Phát triển").
"""

from __future__ import annotations

import importlib
from types import ModuleType

KINDS: dict[str, str] = {
    "bao-cao": "official",
    "do-nhay": "sensitivity",
    "kich-ban": "scenario",
    "dinh-chinh": "correction",
    "nhieu-nam": "panel",
}
"""Every kind of report: its name (first part of its file names) -> its module in this folder.
Modules are imported when a kind is used, so running one kind never loads the others."""


def kind_module(kind: str) -> ModuleType:
    """The module of a registered kind; ``KeyError`` naming the known kinds if there is none."""
    if kind not in KINDS:
        raise KeyError(f"không có loại báo cáo «{kind}»; các loại: {', '.join(KINDS)}")
    return importlib.import_module(f"{__name__}.{KINDS[kind]}")
