"""The block "what the unit needs for the next level", in a scorecard or any page.

The numbers come from :func:`cqdt.next_level.next_level`; here they become a short paragraph
per part below the best level: the points lacking (with the division that checks it) and the
changes of the unit's own data that cover them, cheapest first, each with its new points.
"""

from __future__ import annotations

from cqdt.next_level import NextLevel
from cqdt.numbers import format_points
from cqdt.publishing.html import esc


def next_level_html(found: NextLevel, unit: str) -> str:
    """One unit's block: per part below the best level, what it lacks and the plan.

    Plain paragraphs only, so the scorecard annex printed from this HTML (reportlab) shows it.
    """
    needs, options = found.of(unit)
    if needs.empty:
        return '<p class="len-muc">Để lên mức cao hơn: đơn vị đã đạt mức cao nhất ở mọi phần.</p>'
    items = []
    for need in needs.itertuples():
        plan = options[(options["part"] == need.part) & options["in_plan"]]
        columns = ("criterion", "name", "change", "gain", "how")
        taken = zip(*(plan[column] for column in columns), strict=True)
        steps = "; ".join(
            f"{esc(code)} {esc(name)}: {esc(change)} (+{format_points(gain)} điểm; {esc(how)})"
            for code, name, change, gain, how in taken
        )
        covered = (
            f" Ít thay đổi số liệu nhất: {steps}."
            if steps
            else " Không tiêu chí nào còn đủ điểm để đề xuất."
        )
        items.append(
            f'<p class="len-muc">Phần {esc(need.part)}: {esc(need.explanation)}.{covered}</p>'
        )
    intro = (
        '<p class="len-muc"><strong>Để lên mức cao hơn</strong> (điểm mới của mỗi tiêu chí tính '
        "bằng phương pháp chấm của nó; thứ tự: ít thay đổi số liệu nhất cho mỗi điểm):</p>"
    )
    return intro + "".join(items)
