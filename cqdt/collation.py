"""Vietnamese alphabetical order, as a Vietnamese reader looks names up in a list.

Sorting by code point puts «Đông Hà» after «Xuân Phú» (Đ is U+0110) and «Ẩn» after «Yên»;
the Vietnamese alphabet is a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y, with the
tone marks deciding only between words that are otherwise equal, in the order of the
dictionaries: no mark, huyền, hỏi, ngã, sắc, nặng. :func:`vietnamese_key` gives that order
(letters case-insensitive, then tones, then case), whatever Unicode form the text is in.
"""

from __future__ import annotations

import unicodedata

import pandas as pd

_LETTER_MARKS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}
"""Breve (ă), circumflex (â ê ô), horn (ơ ư): they make letters of their own."""
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
"""Huyền, hỏi, ngã, sắc, nặng: second order."""


def vietnamese_key(text: str) -> tuple[tuple[tuple[str, int], ...], tuple[int, ...], str]:
    """A sort key: (letters with their marks, tones, the text itself as the last tie-break)."""
    letters: list[tuple[str, int]] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFD", text):
        if char in _LETTER_MARKS and letters:
            base, _ = letters[-1]
            letters[-1] = (base, _LETTER_MARKS[char])
        elif char in _TONES:
            if tones:
                tones[-1] = _TONES[char]
        elif not unicodedata.combining(char):
            lower = char.lower()
            letters.append(("d", 4) if lower == "đ" else (lower, 0))
            tones.append(0)
    return tuple(letters), tuple(tones), text


def vietnamese_order(names: pd.Series) -> pd.Series:
    """Sort keys of a column of names, for ``sort_values(key=...)``: positions in Vietnamese
    alphabetical order."""
    keys = [vietnamese_key(str(name)) for name in names]
    rank = {key: i for i, key in enumerate(sorted(set(keys)))}
    return pd.Series([rank[key] for key in keys], index=names.index)
