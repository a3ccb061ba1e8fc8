"""The caveats every output carries: reconstructed criteria, synthetic data, reference only.

A caveat is a full Vietnamese sentence (written above tables, on covers) with a short form
(:data:`WARNING_MARKS`) for printed page headers and footers. Reports, tables and the generic
file writers all take them from here, so none of them needs another to know what they say.
"""

from __future__ import annotations

from collections.abc import Sequence

RECONSTRUCTED_WARNING = (
    "Bộ tiêu chí là BẢN TÁI DỰNG, chưa đối chiếu với phụ lục chính thức của quyết định; "
    "điểm số và xếp hạng chỉ để tham khảo."
)
SYNTHETIC_WARNING = (
    "Dữ liệu là DỮ LIỆU GIẢ LẬP (dữ liệu mẫu), không phải kết quả khảo sát thật của các đơn vị."
)
WARNING_MARKS = {
    RECONSTRUCTED_WARNING: "BẢN TÁI DỰNG TIÊU CHÍ",
    SYNTHETIC_WARNING: "DỮ LIỆU GIẢ LẬP",
}
"""The short form of each warning, for page headers and footers."""


def output_warnings(reconstructed: bool, synthetic: bool) -> list[str]:
    """The warnings every output file carries: none for official criteria and real data."""
    return [RECONSTRUCTED_WARNING] * reconstructed + [SYNTHETIC_WARNING] * synthetic


def marking(warnings: Sequence[str]) -> str:
    """``BẢN TÁI DỰNG TIÊU CHÍ · DỮ LIỆU GIẢ LẬP · CHỈ ĐỂ THAM KHẢO``; empty without warnings."""
    marks = [WARNING_MARKS[w] for w in warnings]
    return " · ".join([*marks, "CHỈ ĐỂ THAM KHẢO"]) if marks else ""
