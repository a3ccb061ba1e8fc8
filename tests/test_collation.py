"""Vietnamese alphabetical order: letters first (đ after d, ă â after a), tones second."""

from __future__ import annotations

import unicodedata

import pandas as pd

from cqdt.collation import vietnamese_key, vietnamese_order


def test_names_sort_as_in_a_vietnamese_list():
    names = ["Xã Đông Hà", "Xã Ân", "Xã Dương Hòa", "Xã An", "Xã Ăn", "Xã Yên", "Phường Ơn"]
    # code points would put Đ (U+0110), Â, Ă after Y; a Vietnamese reader looks them up here
    assert sorted(names, key=vietnamese_key) == [
        "Phường Ơn",
        "Xã An",
        "Xã Ăn",
        "Xã Ân",
        "Xã Dương Hòa",
        "Xã Đông Hà",
        "Xã Yên",
    ]


def test_tones_decide_only_between_otherwise_equal_words_in_dictionary_order():
    words = ["má", "mạ", "ma", "mả", "mà", "mã", "mai"]
    assert sorted(words, key=vietnamese_key) == ["ma", "mà", "mả", "mã", "má", "mạ", "mai"]


def test_any_unicode_form_sorts_the_same():
    composed = ["Hương Thủy", "Hương Trà", "Huế"]
    decomposed = [unicodedata.normalize("NFD", n) for n in composed]
    assert [vietnamese_key(n)[:2] for n in composed] == [vietnamese_key(n)[:2] for n in decomposed]
    order = vietnamese_order(pd.Series(composed))
    assert [composed[i] for i in order.sort_values().index] == ["Huế", "Hương Thủy", "Hương Trà"]
