"""What a unit needs for the next level: worked by hand on the MINI criteria, every method.

MINI (see conftest): part A (10 points) A1.1 rate 4, A1.2 yes/no 2, A1.3 0.5 per item up to 2,
A1.4 steps (≥1: 1, ≥5: 2); part B (20 points) B1.1 ratio vs best 6, B1.2 highest case (m4: 8,
m3: 5), B1.3 assessors' points 6. Levels I ≥ 90 %, II ≥ 85 %.

- Một: A 3.6 + 2 + 1.5 + 2 = 9.1/10 (I); B 100/50 ÷ 30/10 × 6 = 4 + 8 + 5.5 = 17.5/20 (II).
- Hai: A 2 + 0 + 2 + 0 = 4/10 (III); B 6 + 5 + 6 = 17/20 (II).
- Ba: A1.1 not applicable, A 2 + 2 + 1 = 5/6 (III); B 10/10 ÷ 3 × 6 = 2 + 0 + 3 = 5/20 (III).
"""

from __future__ import annotations

import re

import pandas as pd
import pytest

from cqdt.cli import main
from cqdt.next_level import next_level, shortfalls
from cqdt.numbers import round_half_up
from cqdt.output import safe_name
from cqdt.publishing.next_level import next_level_html
from cqdt.scoring import ScoreResult
from cqdt.tables import official_table
from cqdt.workspace import Workspace
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def found(mini_versioned):
    return next_level(mini_versioned[1])


def need(found, unit, part):
    return found.needs[(found.needs["unit"] == unit) & (found.needs["part"] == part)].iloc[0]


def plan(found, unit, part):
    rows = found.options[(found.options["unit"] == unit) & (found.options["part"] == part)]
    return rows[rows["in_plan"]]


def test_shortfalls_by_hand(found):
    table = found.needs.set_index(["unit", "part"])
    assert list(table.index) == [  # survey order, then part; Một's part A is level I already
        ("Đơn vị Một", "B"),
        ("Đơn vị Hai", "A"),
        ("Đơn vị Hai", "B"),
        ("Đơn vị Ba", "A"),
        ("Đơn vị Ba", "B"),
    ]
    # II -> I at 90 %: 18 of 20; III -> II at 85 %: 8.5 of 10, 17 of 20; Ba's A: 5.1 of 6
    assert table["next_level"].tolist() == ["I", "II", "I", "II", "II"]
    assert table["target"].tolist() == [18.0, 8.5, 18.0, 5.1, 17.0]
    assert table["short"].tolist() == [0.5, 4.5, 1.0, 0.1, 12.0]
    assert need(found, "Đơn vị Ba", "A")["explanation"] == (
        "mức II cần tỷ lệ từ 85%: 5,10 ÷ 6,00 = 85,00%; đơn vị đạt 5,00, còn thiếu 0,10 điểm"
    )


def test_the_printed_rate_decides_the_target(mini_versioned):
    # 300 required points: 254.99 ÷ 300 = 84.9967 % is printed 85.00 %, so it reaches level II
    # (254.98 ÷ 300 = 84.9933 % is printed 84.99 %); with full precision 255 would be needed
    result = mini_versioned[1]
    parts = pd.DataFrame(
        {
            "unit": ["X"],
            "part": ["A"],
            "required": [300.0],
            "achieved": [250.0],
            "level": ["III"],
        }
    )
    made = ScoreResult(result.criteria, result.evidence, result.points, parts, result.groups)
    (row,) = shortfalls(made).itertuples()
    assert (row.target, row.short) == (254.99, 4.99)
    assert round_half_up(254.99 / 300 * 100, 2) == 85.0 > round_half_up(254.98 / 300 * 100, 2)


def test_the_cheapest_changes_first_each_method_by_hand(found):
    # Hai, A: 4.5 short. Yes/no A1.2 gives 2 for one answer (0.5 changes per point), steps
    # A1.4 gives 2 for 0 -> 5 (2.5 per point), rate A1.1 one per 4/40 = 0.1 point (10 per
    # point); A1.3 is at its maximum. The plan: 2 + 2, then 0.5 from A1.1: 20 -> 25 of 40.
    hai = plan(found, "Đơn vị Hai", "A")
    assert hai["criterion"].tolist() == ["A1.2", "A1.4", "A1.1"]
    assert hai["changes_per_point"].tolist() == [0.5, 2.5, 10.0]
    assert hai["gain"].tolist() == [2.0, 2.0, 0.5]
    assert hai["change"].tolist() == [
        "«Có hay không»: Không → Có",
        "«Giá trị theo bậc»: 0 → 5",
        "«Tử số»: 20 → 25 (trên «Mẫu số» 40)",
    ]
    assert hai["how"].tolist()[2] == "25/40 × 4,00 = 2,50"


def test_ratio_to_the_best_unit_and_the_highest_case(found):
    # Một, B: 0.5 short. B1.1: one more in the numerator gives 6 ÷ (50 × 3) = 0.04 point;
    # 0.5 needs 13 more: (113/50) ÷ 3 × 6 = 4.52. B1.3 (assessors) is never proposed first.
    one = found.options[(found.options["unit"] == "Đơn vị Một") & (found.options["part"] == "B")]
    assert one["criterion"].tolist() == ["B1.1", "B1.3"]
    assert one["in_plan"].tolist() == [True, False]
    b11 = one.iloc[0]
    assert b11["changes_per_point"] == 25.0  # 50 more in the numerator for the 2 points left
    assert b11["gain"] == 0.52
    assert b11["how"] == "(113/50) ÷ (3 của Đơn vị Hai, cao nhất) × 6,00 = 4,52"
    # Hai, B: 1 short; the case m4 (8 points) instead of m3 (5): +3 for one answer
    (hai,) = plan(found, "Đơn vị Hai", "B").itertuples()
    assert (hai.criterion, hai.gain, hai.change) == ("B1.2", 3.0, "«Mức 4»: Không → Có")
    # Ba, B: 12 short = 8 (m4) + 4 (B1.1 from 10/10 to 30/10, the best ratio): B1.3 not needed
    ba = found.options[(found.options["unit"] == "Đơn vị Ba") & (found.options["part"] == "B")]
    assert ba["criterion"].tolist() == ["B1.2", "B1.1", "B1.3"]
    assert ba["in_plan"].tolist() == [True, True, False]
    assert ba["gain"].tolist()[:2] == [8.0, 4.0]
    assert (
        ba["change"].tolist()[1]
        == "«Tử số so với cao nhất»: 10 → 30 (trên «Mẫu số so với cao nhất» 10)"
    )


def test_not_applicable_criteria_are_never_proposed(found):
    # Ba does not have A1.1: its 0.1 short comes from the next step of A1.4 (1 -> 5)
    ba = found.options[(found.options["unit"] == "Đơn vị Ba") & (found.options["part"] == "A")]
    assert ba["criterion"].tolist() == ["A1.4"]
    assert ba.iloc[0][["gain", "change"]].tolist() == [1.0, "«Giá trị theo bậc»: 1 → 5"]


def test_the_block_of_a_scorecard(found):
    page = re.sub(r"<[^>]+>", "", next_level_html(found, "Đơn vị Hai"))
    assert "Phần A: mức II cần tỷ lệ từ 85%: 8,50 ÷ 10,00 = 85,00%" in page
    assert (
        "A1.1 Tỷ lệ: «Tử số»: 20 → 25 (trên «Mẫu số» 40) (+0,50 điểm; 25/40 × 4,00 = 2,50)" in page
    )
    assert "Phần B: mức I cần tỷ lệ từ 90%" in page
    best = next_level_html(found, "Đơn vị Không Có")
    assert "đã đạt mức cao nhất ở mọi phần" in best


def test_command_writes_tables_checkable_by_hand(tmp_path, capsys):
    out = tmp_path / "out"
    code = main(
        [
            "next-level",
            "--level",
            "huyen",
            "--year",
            "2020",
            "--out",
            str(out),
            "--criteria",
            str(ROOT / "criteria"),
            "--data",
            str(ROOT / "data" / "sample"),
        ]
    )
    assert code == 0
    (run,) = out.iterdir()
    folder = run / "huyen-2020"
    needs = pd.read_csv(folder / "len-muc-huyen-2020.csv", encoding="utf-8-sig")
    options = pd.read_csv(folder / "len-muc-huyen-2020-tieu-chi.csv", encoding="utf-8-sig")
    official = Workspace.at(ROOT / "criteria", ROOT / "data" / "sample").score("huyen", 2020)
    rates = {"I": 90, "II": 85}
    for _, row in needs.iterrows():
        unit, part, short = row["Đơn vị"], row["Phần"], row["Còn thiếu"]
        table = official_table(official, part).set_index("Đơn vị")
        achieved, target = row["Số điểm thực hiện"], row["Số điểm thực hiện cần đạt"]
        assert achieved == table.loc[unit, "Số điểm thực hiện"]  # as published
        required = table.loc[unit, "Số điểm tối đa cần thực hiện"]
        rate = rates[row["Mức cần đạt"]]
        # the target reaches the level once rounded, a hundredth less does not
        assert round_half_up(target / required * 100, 2) >= rate
        assert round_half_up((target - 0.01) / required * 100, 2) < rate
        assert round(target - achieved, 2) == short
        taken = options[
            (options["Đơn vị"] == unit)
            & (options["Phần"] == part)
            & (options["Trong phương án"] == "Có")
        ]
        assert taken["Điểm tăng theo phương án"].sum() >= short - 1e-9
    # every new rate-criterion score redone from the fraction it prints
    for how in options["Điểm mới, cách tính"]:
        found = re.fullmatch(r"([\d.]+)/([\d.]+) × ([\d,]+) = ([\d,]+)", how)
        if found:
            a, b, top, new = (float(x.replace(".", "").replace(",", ".")) for x in found.groups())
            assert round_half_up(min(a / b, 1) * top, 2) == new
    assert "8/9 đơn vị chưa đạt mức cao nhất" in capsys.readouterr().out


@pytest.mark.slow
def test_scorecards_say_what_each_unit_needs_in_print(sample_run):
    from pypdf import PdfReader

    official = Workspace.at(ROOT / "criteria", ROOT / "data" / "sample").score("huyen", 2020)
    cards = sample_run / "huyen-2020" / "phu-luc-phieu-diem-huyen-2020"
    for number, unit in enumerate(official.evidence.units, start=1):
        code = official.evidence.codes[unit]  # file names by unit code, never by name
        (card,) = cards.glob(f"{number:03d}-{safe_name(code)}.pdf")
        text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(card).pages))
        levels = official.parts[official.parts["unit"] == unit].set_index("part")["level"]
        if (levels == "I").all():
            assert "Để lên mức cao hơn: đơn vị đã đạt mức cao nhất ở mọi phần." in text
            continue
        assert "Để lên mức cao hơn" in text
        for part, level in levels.items():
            wanted = {"II": "I", "III": "II"}.get(level)
            assert (f"Phần {part}: mức {wanted} cần tỷ lệ" in text) == bool(wanted), (unit, part)
