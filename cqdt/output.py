"""Output folders: every run writes to a folder of its own, completed or clearly marked.

Nothing is overwritten: a run folder is new (stamped with date and time), is filled under a
temporary name and takes its final name only once everything in it was written. A run that
fails leaves its partial folder behind, renamed ``*-chua-hoan-thanh``, as the record of what
happened.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

INCOMPLETE_SUFFIX = "-chua-hoan-thanh"
FIXED_TIME = datetime(2000, 1, 1)
"""The time written inside Office files (zip entries, document properties) when no date is
given, so that the same tables give the same bytes on every run."""


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, as recorded in manifests and reports."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def safe_name(text: str) -> str:
    """A file-name-safe ASCII slug: no path separators, dots or markup ever reach a path."""
    ascii_text = unicodedata.normalize("NFKD", text.replace("đ", "d").replace("Đ", "D"))
    ascii_text = ascii_text.encode("ascii", "ignore").decode()
    slug = re.sub(r"[^A-Za-z0-9]+", "-", ascii_text).strip("-").lower()
    return slug or "khong-ten"


def unit_file_stem(code: str) -> str:
    """A unit's file name from its code in the register, as it is when it is a plain code
    (``H01-01``), else made safe; never from the unit's name (README, «Quy tắc nhập số và tệp»)."""
    return code if re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", code) else safe_name(code)


class OutputError(Exception):
    """The output folder cannot be used; the message says why and what to do, in Vietnamese."""


def check_writable(parent: str | Path) -> Path:
    """Make sure run folders can be made in ``parent`` (created later, when needed).

    Raise :class:`OutputError` if ``parent`` or one of its ancestors is a file, or if the
    nearest existing folder cannot be written; a probe folder is made there and removed.
    """
    parent = Path(parent)
    existing = next(p for p in (parent, *parent.parents) if p.exists() or p == p.parent)
    if existing.exists() and not existing.is_dir():
        raise OutputError(
            f"«{existing}» là một tệp, không phải thư mục: chọn thư mục kết quả khác (--out)"
        )
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".cqdt-thu-ghi-", dir=existing))
    except OSError as exc:
        raise OutputError(
            f"không ghi được vào thư mục «{parent}» ({exc.strerror or exc}): chọn thư mục kết "
            "quả khác (--out) hoặc xin quyền ghi vào thư mục này"
        ) from None
    return parent


def new_run_folder(parent: str | Path, prefix: str, now: datetime | None = None) -> Path:
    """A run folder path that does not exist yet: ``<parent>/<prefix>-YYYYMMDD-HHMMSS[-n]``.

    :class:`OutputError` if ``parent`` cannot be written.
    """
    check_writable(parent)
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    base = Path(parent) / f"{prefix}-{stamp}"
    candidate, n = base, 1
    while candidate.exists() or candidate.with_name(candidate.name + INCOMPLETE_SUFFIX).exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


@contextmanager
def staged_folder(final: Path) -> Iterator[Path]:
    """Fill a temporary folder; give it the final name only if the block succeeds."""
    if final.exists():
        raise FileExistsError(f"Thư mục kết quả đã tồn tại, không ghi đè: {final}")
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_name(f".{final.name}.dang-ghi")
    partial.mkdir()
    try:
        yield partial
    except BaseException:
        partial.rename(final.with_name(final.name + INCOMPLETE_SUFFIX))
        raise
    partial.rename(final)


def fix_office_times(path: Path, when: datetime = FIXED_TIME) -> Path:
    """Rewrite an Office Open XML file (XLSX, DOCX) so the times inside are ``when``, not the
    moment it was saved.

    openpyxl and python-docx stamp every zip entry and the document's created/modified
    properties with the current time; this is the only thing that makes two saves of the same
    document differ.
    """
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:)",
                    rb"\g<1>" + stamp + rb"\3",
                    data,
                )
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(info, data)
    return path


@contextmanager
def replaced_atomically(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; move it into place only if the block succeeds.

    A reader never sees a half-written file, and a failure leaves any earlier file intact.
    """
    path = Path(path)
    temporary = path.with_name(f".{path.name}.tmp")
    try:
        yield temporary
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
