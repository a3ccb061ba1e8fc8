"""What every report kind's context gives its sections: what the document is, in warnings.

A kind's context (the object its notebook's ``prepare`` returns) holds at least the scoring
result it presents and whether the data are synthetic; from these come the warnings every
output carries (reconstructed criteria, synthetic data) and the marking of every printed page.
"""

from __future__ import annotations

from typing import Protocol

from cqdt.caveats import marking, output_warnings
from cqdt.publishing.document import SAMPLE_MARK, DocumentSettings, sample_warning
from cqdt.publishing.html import marks_html
from cqdt.scoring import ScoreResult


class Presented(Protocol):
    """Any report context: the result it presents and whether its data are synthetic."""

    @property
    def result(self) -> ScoreResult: ...

    @property
    def synthetic(self) -> bool: ...


def document_warnings(ctx: Presented) -> list[str]:
    """What the document is, in full sentences: reconstructed criteria, synthetic data."""
    return output_warnings(ctx.result.criteria.status != "official", ctx.synthetic)


def warning_html(ctx: Presented, *marks: str) -> tuple[str, str]:
    """The page marking every printed page repeats (with any extra ``marks``), and the
    warning sentences for a cover; empty strings for official criteria, real data, no marks."""
    found = document_warnings(ctx)
    return marks_html(" · ".join(m for m in (marking(found), *marks) if m), found)


def issued_warnings(ctx: Presented, document: DocumentSettings) -> tuple[list[str], str]:
    """The warning sentences and page marking of a document an office issues: those of
    :func:`document_warnings`, and an issuer or signatory still the sample's
    (:func:`~cqdt.publishing.document.sample_warning`)."""
    found = document_warnings(ctx)
    sample = sample_warning(document)
    mark = " · ".join(m for m in (marking(found), SAMPLE_MARK * bool(sample)) if m)
    return [*found, *[sample] * bool(sample)], mark
