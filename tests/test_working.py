"""Every scorecard row can be checked by hand: its printed working gives its printed points.

The working is read back from text only (as an official would read it), recomputed here with
plain arithmetic and rounded half up to 2 decimals, and compared with the printed points.
"""

from __future__ import annotations

import re

import lxml.html
import pytest

from cqdt.numbers import round_half_up
from cqdt.tables import detail_table
from cqdt.workspace import Workspace
from tests.conftest import CRITERIA, SAMPLE

N = r"(-?[\d.]+(?:,\d+)?)"
"""A number as printed: 1.234,5."""


def number(text: str) -> float:
    return float(text.replace(".", "").replace(",", "."))


def by_hand(working: str) -> float | None:
    """Points recomputed from the printed working; ``None`` for a criterion not applied."""
    if working.startswith("không áp dụng"):
        return None
    if m := re.fullmatch(rf"{N}/{N} × {N} \(tỷ lệ {N}%\)", working):
        a, b, most, _ = map(number, m.groups())
        return a / b * most
    if m := re.fullmatch(rf"\({N}/{N}\) ÷ \({N}/{N} của .+, cao nhất\) × {N}", working):
        a, b, c, d, most = map(number, m.groups())
        return (a / b) / (c / d) * most
    if re.search(r"không đơn vị nào có tỷ lệ lớn hơn 0: 0 điểm$", working):
        return 0.0
    if m := re.fullmatch(rf"{N}; các bậc: (.*)", working):
        value = number(m.group(1))
        steps = re.findall(rf"≥ {N}: {N}", m.group(2))
        return max([number(p) for low, p in steps if value >= number(low)], default=0.0)
    if m := re.fullmatch(rf"(Có|Không) \(có: {N} điểm\)", working):
        return number(m.group(2)) if m.group(1) == "Có" else 0.0
    if m := re.fullmatch(rf"{N} mục × {N} điểm, tối đa {N}", working):
        count, each, most = map(number, m.groups())
        return min(count * each, most)
    if m := re.fullmatch(r"lấy trường hợp cao nhất đạt được; (.*)", working):
        cases = re.findall(rf"«([^»]+)» \({N} điểm\): (có|không)", m.group(1))
        assert cases and not any(re.fullmatch(r"trường hợp \d+", c[0]) for c in cases)
        return max([number(p) for _, p, yes in cases if yes == "có"], default=0.0)
    if m := re.fullmatch(rf"Tổ thẩm định chấm {N} điểm", working):
        return number(m.group(1))
    raise AssertionError(f"cách tính không đọc được: {working!r}")


@pytest.mark.parametrize("level", ["tinh", "huyen", "xa"])
@pytest.mark.parametrize("year", [2018, 2019, 2020])
def test_every_working_reproduces_its_points(level, year):
    detail = detail_table(Workspace.at(CRITERIA, SAMPLE).score(level, year))
    checked = 0
    for working, printed in zip(detail["Cách tính"], detail["Điểm đạt"], strict=True):
        points = by_hand(working)
        if points is None:
            continue
        assert round_half_up(points, 2) == printed, working
        checked += 1
    assert checked > 0.9 * len(detail)


@pytest.mark.slow
def test_printed_scorecards_reproduce_their_points(sample_run):
    annex = sample_run / "huyen-2020" / "phu-luc-phieu-diem-huyen-2020.html"
    page = lxml.html.fromstring(annex.read_text(encoding="utf-8"))
    cards = page.xpath('//section[@class="scorecard"]')
    assert len(cards) == 9
    rows = 0
    best_named = 0
    for card in cards:
        for row in card.xpath(".//tbody/tr[not(@class)]"):
            cells = [c.text_content() for c in row.xpath("./td")]
            points = by_hand(cells[5])
            if points is None:
                assert cells[3] == "–"
                continue
            assert round_half_up(points, 2) == number(cells[3]), cells
            best_named += ", cao nhất) × " in cells[5]
            rows += 1
    assert rows > 9 * 30
    assert best_named == 9 * 2  # the two "compared with the best" criteria of the district level


def test_comparisons_with_the_best_name_the_best_unit():
    result = Workspace.at(CRITERIA, SAMPLE).score("huyen", 2020)
    rows = result.explanations[result.explanations["criterion"] == "A1.4"]
    best = rows.loc[rows["points"].idxmax(), "unit"]
    assert rows["points"].max() == pytest.approx(3.0)  # the best unit gets the maximum
    assert rows["explanation"].str.contains(f"của {best}, cao nhất", regex=False).all()
