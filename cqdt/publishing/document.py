"""The parts of an administrative document (Nghị định 30/2020/NĐ-CP), set per run.

Issuing body and its superior, number and symbol, place and date, addressees ("Nơi nhận") and
the signatory block are settings of a run, never code: administration has been reorganised
since the sample years. They come from a small YAML file, by default ``van_ban.yaml`` in the
data folder (documented in ``data/sample/van_ban.yaml``); without one, the defaults describe the
period of the sample data. :func:`load_document_settings` checks the file (unknown keys,
repeated keys, wrong types) and reports every problem in Vietnamese at once, each with its line.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cqdt.problems import InputError, Problem, ProblemCode
from cqdt.validation import validation_problems
from cqdt.yamlfile import read_yaml_document

SETTINGS_FILE = "van_ban.yaml"
"""The settings file looked for in the data folder."""
ANNEX_PREFIX = "phu-luc-"
"""HTML files a report notebook writes with this prefix are annexes the batch prints to PDF."""
SEPARATE_PREFIX = "rieng-"
"""Id prefix of the parts of an annex that are also printed as files of their own."""
NUMBER_SPACE = "\u00a0" * 8
"""Room left for a number written by hand."""
SAMPLE_SIGNATORY = "Nguyễn Văn A"
"""The placeholder name of the sample settings (no one signs as "Nguyễn Văn A")."""
SAMPLE_MARK = "THÔNG TIN BAN HÀNH MẪU"
"""Short form of :func:`sample_warning`, for the foot of every page."""


class _Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Signatory(_Settings):
    """Who signs: ``KT. GIÁM ĐỐC`` / ``PHÓ GIÁM ĐỐC`` / name (bold, below the seal space)."""

    authority: str = "KT. GIÁM ĐỐC"
    """Signing authority (``KT.``, ``TM.``, ``Q.``...), empty when the head signs."""
    title: str = "PHÓ GIÁM ĐỐC"
    name: str = SAMPLE_SIGNATORY


class DocumentSettings(_Settings):
    """The administrative parts of a published report (Nghị định 30/2020, Phụ lục I)."""

    superior: str = "Ủy ban nhân dân tỉnh Thừa Thiên Huế"
    """The superior body, printed in capitals above the issuer."""
    issuer: str = "Sở Thông tin và Truyền thông"
    """The issuing body: in capitals in the header, as written in "Kèm theo ... của ..."."""
    number: str = ""
    """The document number; empty leaves room for the records office to write it by hand."""
    symbol: str = Field(default="BC-STTTT", min_length=1)
    """The symbol after the number: ``Số: 15/BC-STTTT``."""
    place: str = Field(default="Huế", min_length=1)
    date: dt.date | None = None
    """The date printed on the report; empty for the report date (or the run date)."""
    recipients: list[str] = [
        "UBND tỉnh (để báo cáo)",
        "Các sở, ban, ngành",
        "UBND các huyện, thị xã, thành phố Huế",
        "Giám đốc, các PGĐ Sở",
        "Lưu: VT, CNTT.",
    ]
    """Addressees under "Nơi nhận:", the last one ``Lưu: VT, ...``."""
    signatory: Signatory = Signatory()

    @field_validator("superior", "issuer")
    @classmethod
    def _lines(cls, name: str) -> str:
        """One space between words; line breaks written in the file are kept for the header."""
        return "\n".join(" ".join(line.split()) for line in name.splitlines() if line.strip())

    @property
    def number_and_symbol(self) -> str:
        """``15/BC-STTTT``, or a blank for the number: ``      /BC-STTTT``."""
        return f"{self.number or NUMBER_SPACE}/{self.symbol}"


def in_text(name: str) -> str:
    """A body's name as written in a sentence: on one line, whatever breaks the header has."""
    return " ".join(name.split())


def sample_warning(doc: DocumentSettings) -> str:
    """The sentence a document carries while its issuer or signatory is the sample's; empty once
    real ones are given.

    The issuer is the sample's when no settings file gave one (the default describes the sample
    data); the signatory when it is still the placeholder :data:`SAMPLE_SIGNATORY`.
    """
    parts = ["cơ quan ban hành"] * ("issuer" not in doc.model_fields_set)
    parts += ["người ký"] * (doc.signatory.name == SAMPLE_SIGNATORY)
    if not parts:
        return ""
    return (
        f"{' và '.join(parts).capitalize()} là THÔNG TIN MẪU, không phải của một văn bản thật: "
        f"ghi thông tin thật vào tệp {SETTINGS_FILE} trước khi ban hành."
    )


def load_document_settings(path: str | Path | None) -> DocumentSettings:
    """Read and check a settings file; ``None`` gives the defaults.

    Raises :class:`~cqdt.problems.InputError` naming, for every problem at once (a repeated
    key, an unknown one, a wrong value), the file, its line, the key and what is wrong.
    """
    if path is None:
        return DocumentSettings()
    file = str(path)
    document = read_yaml_document(path)  # syntax, encoding: named in Vietnamese
    raw = document.data
    if raw is None and not document.repeated:
        return DocumentSettings()
    if not isinstance(raw, dict):
        raise InputError(
            [
                Problem(
                    file, "", "", "phải là các cặp «khóa: giá trị»", code=ProblemCode.NOT_A_MAPPING
                )
            ]
        )
    try:
        settings = DocumentSettings.model_validate(raw)
    except ValidationError as err:
        problems = validation_problems(err, DocumentSettings, raw, file, document.lines)
        raise InputError(document.repeated + problems) from None
    if document.repeated:
        raise InputError(document.repeated)
    return settings


def find_document_settings(data_dir: str | Path, path: str | Path = "") -> DocumentSettings:
    """The settings of ``path`` if given, else of the data folder's ``van_ban.yaml`` if any."""
    default = Path(data_dir) / SETTINGS_FILE
    return load_document_settings(path or (default if default.exists() else None))
