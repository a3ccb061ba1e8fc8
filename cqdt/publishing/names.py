"""Where the name of a body breaks in a document's header: between words, never inside one.

The header's left column is narrow: «SỞ THÔNG TIN VÀ TRUYỀN THÔNG» needs two lines, and a
browser would break it as «SỞ THÔNG TIN VÀ TRUYỀN / THÔNG». An official breaks it as «SỞ THÔNG
TIN / VÀ TRUYỀN THÔNG»: between the words of the name, with lines of about even length. So
:func:`header_lines` keeps the syllables of known words together (:data:`COMPOUNDS`), keeps a
place name whole with the word that introduces it («TỈNH THỪA THIÊN HUẾ», «THÀNH PHỐ HUẾ»), puts
«VÀ» at the start of a line, and of the breaks left chooses the most even ones. Widths are
measured with the shipped serif's own metrics. A name written on several lines in the settings
file (``van_ban.yaml``) keeps the lines it was given.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from itertools import combinations, pairwise
from pathlib import Path

from fontTools.ttLib import TTFont  # type: ignore[import-untyped]

FONTS = Path(__file__).resolve().parent / "fonts"
HEADER_COLUMN_PT = 0.40 * (210 - 30 - 15) / 25.4 * 72
"""Width of the header's left column (40 % of the A4 text width), in points."""
HEADER_SIZE_PT = 12.5
"""Font size of the names in the header (``table.quoc-hieu`` in ``report.css``)."""
COMPOUNDS = frozenset(
    {
        "ỦY BAN",
        "UỶ BAN",
        "NHÂN DÂN",
        "HỘI ĐỒNG",
        "THÔNG TIN",
        "TRUYỀN THÔNG",
        "KHOA HỌC",
        "CÔNG NGHỆ",
        "KẾ HOẠCH",
        "ĐẦU TƯ",
        "TÀI CHÍNH",
        "NỘI VỤ",
        "TƯ PHÁP",
        "XÂY DỰNG",
        "GIAO THÔNG",
        "VẬN TẢI",
        "TÀI NGUYÊN",
        "MÔI TRƯỜNG",
        "NÔNG NGHIỆP",
        "PHÁT TRIỂN",
        "NÔNG THÔN",
        "LAO ĐỘNG",
        "THƯƠNG BINH",
        "XÃ HỘI",
        "VĂN HÓA",
        "VĂN HOÁ",
        "THỂ THAO",
        "DU LỊCH",
        "GIÁO DỤC",
        "ĐÀO TẠO",
        "Y TẾ",
        "CÔNG THƯƠNG",
        "NGOẠI VỤ",
        "THANH TRA",
        "DÂN TỘC",
        "VĂN PHÒNG",
        "CHÍNH PHỦ",
        "CHÍNH QUYỀN",
        "ĐIỆN TỬ",
        "CHUYỂN ĐỔI",
        "BAN QUẢN LÝ",
        "TRUNG TÂM",
    }
)
"""Words of several syllables found in the names of public bodies, in capitals."""
PLACES = ("THÀNH PHỐ", "THỊ XÃ", "THỊ TRẤN", "TỈNH", "HUYỆN", "QUẬN", "PHƯỜNG", "XÃ")
"""Words that introduce a place name: from them to the end, the name is one piece."""
STARTS_LINE = frozenset({"VÀ"})
"""Words that begin a line rather than end one."""


@cache
def _advances(bold: bool) -> tuple[dict[int, int], int]:
    """Advance width of every character of the shipped serif, and its units per em."""
    font = TTFont(FONTS / f"LiberationSerif-{'Bold' if bold else 'Regular'}.ttf", lazy=True)
    metrics = font["hmtx"].metrics
    widths = {code: metrics[glyph][0] for code, glyph in font.getBestCmap().items()}
    return widths, font["head"].unitsPerEm


def text_width(text: str, size: float = HEADER_SIZE_PT, bold: bool = False) -> float:
    """Width of ``text`` in points, set in the shipped serif at ``size``."""
    widths, per_em = _advances(bold)
    units = sum(widths.get(ord(char), per_em // 2) for char in text)
    return units * size / per_em


def _pieces(name: str) -> list[str]:
    """The name's words: known compounds joined, a place name whole with its introducing word."""
    syllables, pieces = name.split(), []
    i = 0
    while i < len(syllables):
        rest = " ".join(syllables[i:])
        if any(rest.startswith(f"{place} ") for place in PLACES):
            pieces.append(rest)
            break
        for size in (3, 2):
            word = " ".join(syllables[i : i + size])
            if word in COMPOUNDS:
                pieces.append(word)
                i += size
                break
        else:
            pieces.append(syllables[i])
            i += 1
    return pieces


def header_lines(
    name: str, width: float = HEADER_COLUMN_PT, size: float = HEADER_SIZE_PT, bold: bool = False
) -> list[str]:
    """The lines of ``name`` in capitals for a header column ``width`` points wide.

    Fewest lines that fit; among those, the most even (the longest line as short as it can be);
    breaks only between :func:`_pieces`, never after «VÀ». A name with line breaks of its own
    keeps them. A piece too long for any line stays whole (the column widens rather than a word
    breaks).
    """
    if "\n" in name:
        return [" ".join(line.split()).upper() for line in name.splitlines() if line.strip()]
    text = unicodedata.normalize("NFC", " ".join(name.split()).upper())
    pieces = _pieces(text)
    allowed = [i for i in range(1, len(pieces)) if pieces[i - 1] not in STARTS_LINE]
    for breaks in range(0, len(allowed) + 1):
        best: tuple[float, list[str]] | None = None
        for chosen in combinations(allowed, breaks):
            bounds = [0, *chosen, len(pieces)]
            lines = [" ".join(pieces[a:b]) for a, b in pairwise(bounds)]
            longest = max(text_width(line, size, bold) for line in lines)
            if best is None or longest < best[0]:
                best = (longest, lines)
        if best is not None and best[0] <= width:
            return best[1]
    return [" ".join(pieces[i : i + 1]) for i in range(len(pieces))]
