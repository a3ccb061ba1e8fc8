"""The sections of the sensitivity report, in the order of the document: each presents one
part of the study from the :class:`~cqdt.publishing.kinds.sensitivity.context.SensitivityContext`
(numbers from the study's tables, sentences from :mod:`.sentences`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import HTML

from cqdt import sensitivity as sens
from cqdt.criteria import LEVEL_TITLES, LEVELS
from cqdt.numbers import format_number
from cqdt.publishing import charts
from cqdt.publishing.context import document_warnings, warning_html
from cqdt.publishing.html import (
    CHART_CHUNK,
    esc,
    figure_html,
    section,
    table_html,
    vietnamese_date,
)
from cqdt.publishing.kinds.sensitivity.context import SensitivityContext
from cqdt.publishing.kinds.sensitivity.sentences import (
    SIMPLEX_WARNING,
    conclusion_sentences,
    convergence_sentence,
    named,
    percent,
    sobol_sentences,
)
from cqdt.tables import part_titles


def cover(ctx: SensitivityContext) -> HTML:
    """Title page: level, year, criteria and its status, the warnings every page carries."""
    cs, p = ctx.result.criteria, ctx.params
    marking, sentences = warning_html(ctx)
    if ctx.study.settings.scheme == "simplex":
        sentences += f'<p class="canh-bao">{esc(SIMPLEX_WARNING)}</p>'
    return HTML(
        f"""<section class="cover">
<p class="running-header">Độ nhạy theo trọng số, {esc(LEVELS[cs.level])} năm {p.year}</p>
{marking}
<h1>PHÂN TÍCH ĐỘ NHẠY<br/>CỦA XẾP HẠNG VÀ XẾP MỨC THEO TRỌNG SỐ TIÊU CHÍ</h1>
<p class="subtitle">{esc(LEVEL_TITLES[cs.level])}<br/>Năm {p.year}</p>
<table class="thong-tin">
<tr><th>Căn cứ</th><td>{esc(cs.decision)}</td></tr>
<tr><th>Bộ tiêu chí</th><td>{esc(cs.title)}, phiên bản {esc(cs.version)}</td></tr>
<tr><th>Tình trạng bộ tiêu chí</th><td>{esc(cs.status_label)}</td></tr>
<tr><th>Số đơn vị được đánh giá</th><td>{len(ctx.result.points)}</td></tr>
<tr><th>Ngày lập</th><td>{vietnamese_date(p.date)}</td></tr>
</table>
{sentences}
</section>"""
    )


SCHEME_MEANINGS = {
    "uniform": "Nhân trọng số của mỗi nhân tố với một hệ số rút đều trong [1 − δ; 1 + δ], độc "
    "lập với nhau, rồi chia lại điểm trong phần. Xoay quanh trọng số chính thức; δ nói trọng "
    "số được phép lệch bao nhiêu.",
    "dirichlet": "Rút tỷ trọng của các nhân tố trong phần theo phân phối Dirichlet có trung "
    "bình đúng bằng tỷ trọng chính thức; độ tập trung càng lớn, tỷ trọng càng gần chính thức. "
    "Khi độ tập trung để 0, mỗi phần lấy độ tập trung cho trọng số dao động như uniform với "
    "cùng δ (bảng dưới), nên hai cách so sánh được với nhau.",
    "simplex": "Mọi cách chia điểm trong phần đều có thể như nhau (Dirichlet toàn số 1): xoay "
    "quanh tỷ trọng bằng nhau, không quanh tỷ trọng chính thức. Dùng để hỏi «nếu trọng số có "
    "thể là bất kỳ», không để đánh giá độ vững của trọng số chính thức.",
}
"""What each scheme means, for the report's method section and the README."""


def method(ctx: SensitivityContext) -> HTML:
    """The question in plain words, the schemes, what else varies, how precise it is."""
    study = ctx.study
    s = study.settings
    by = "mỗi tiêu chí" if s.by == "criterion" else "mỗi nhóm tiêu chí"
    schemes = pd.DataFrame(
        {
            "Cách lấy mẫu": [f"{k} (dùng ở đây)" if k == s.scheme else k for k in SCHEME_MEANINGS],
            "Ý nghĩa": list(SCHEME_MEANINGS.values()),
        }
    )
    extra = []
    if s.threshold_range:
        extra.append(
            f"mỗi ngưỡng xếp mức dao động đều trong ± {format_number(s.threshold_range)} điểm "
            "phần trăm (ngưỡng mức thấp nhất 0% giữ nguyên)"
        )
    if s.point_range:
        extra.append(
            "điểm các tiêu chí do tổ thẩm định chấm trực tiếp của từng đơn vị dao "
            f"động đều trong ± {format_number(s.point_range * 100)}% điểm tối đa của tiêu chí, "
            "trong khoảng từ 0 đến điểm tối đa"
        )
    also = (
        "<p><strong>Cùng với trọng số</strong>, trong mỗi mẫu: " + "; ".join(extra) + ".</p>"
        if extra
        else ""
    )
    warning = f'<p class="canh-bao">{esc(SIMPLEX_WARNING)}</p>' if s.scheme == "simplex" else ""
    varied = [
        w
        for w, used in (("ngưỡng mức", s.threshold_range), ("điểm thẩm định", s.point_range))
        if used
    ]
    besides = (
        f" Nghiên cứu này còn cho {' và '.join(varied)} dao động cùng với trọng số (xem dưới): "
        "một đơn vị có thể đổi mức vì chúng, không chỉ vì trọng số."
        if varied
        else ""
    )
    # uniform and Dirichlet are compared through δ; simplex uses neither
    equivalence = (
        f"""<p>Độ tập trung Dirichlet tương đương δ = {format_number(s.delta)}: cùng hệ số biến
thiên (trung bình theo tỷ trọng) của trọng số mỗi nhân tố trong phần, c = 3(K − 1) / (δ²(1 −
Σs²)) − 1 với K nhân tố có tỷ trọng chính thức s. Khi độ tập trung được cho, cột δ là δ tương
ứng.</p>
{table_html(study.tables[sens.EQUIVALENCE_SHEET], "bang tuong-duong trai-1")}"""
        if s.scheme != "simplex"
        else ""
    )
    body = f"""
<p><strong>Câu hỏi:</strong> nếu trọng số của các tiêu chí khác đi một cách hợp lý, thứ hạng
và mức (I, II, III) của từng đơn vị có còn giữ nguyên không? Một mức phụ thuộc nhiều vào
trọng số thì cần thận trọng khi công bố.{besides}</p>
<p><strong>Cách làm:</strong> lấy {format_number(s.n, 0)} mẫu trọng số, mỗi nhân tố là
{by}. Điểm tối đa của mỗi phần giữ nguyên, nên mỗi mẫu là một cách chia lại điểm trong phần.
Với mỗi mẫu, điểm từng tiêu chí đã chấm được cộng lại, quy đổi, làm tròn, xếp hạng và xếp mức
đúng như khi công bố (không chấm lại dữ liệu). Hạt giống ngẫu nhiên {s.seed}: chạy lại với
cùng tham số cho đúng cùng kết quả.</p>
{warning}
{table_html(schemes, "bang cach-lay-mau trai-2")}
{equivalence}
{also}
<p><strong>Độ chính xác:</strong> mỗi xác suất là tỷ lệ mẫu, có sai số chuẩn Monte Carlo
√(p(1 − p)/N); xác suất được làm tròn {esc(sens.precision_rule(s.n))}. Đơn vị «có nguy cơ đổi
mức» giữ mức trong dưới {percent(sens.KEEP_LEVEL_SHARE, s.n)} số mẫu; đơn vị «sát ngưỡng» có
xác suất giữ mức cách {percent(sens.KEEP_LEVEL_SHARE, s.n)} không quá
{sens.NEAR_CUTOFF_SE} sai số chuẩn tính tại {percent(sens.KEEP_LEVEL_SHARE, s.n)} (với N này:
{format_number(sens.cutoff_se(s.n) * 100, 2)} điểm %, tức trong khoảng
± {format_number(sens.NEAR_CUTOFF_SE * sens.cutoff_se(s.n) * 100, 2)} điểm %): bên nào của
ngưỡng là do hạt giống, không do trọng số.</p>
<p>Thứ hạng mức 5% (95%) là thứ hạng mà đơn vị đạt hoặc tốt hơn trong ít nhất 5% (95%) số
mẫu. Tương quan Spearman được tính giữa thứ hạng của mẫu và thứ hạng chính thức. Ảnh hưởng
riêng của từng nhân tố được đo trên <em>cùng mô hình</em> (cùng nhân tố, cùng cách lấy mẫu):
đổi riêng từng nhân tố đến hai đầu khoảng của nó, và chỉ số Sobol (SALib) theo từng phần, mỗi
phần với các nhóm của nó.</p>
<h3>Thông số của lần chạy</h3>
{table_html(study.tables[sens.SETTINGS_SHEET], "bang thong-so trai-2")}
"""
    return section("I. Câu hỏi và phương pháp", body)


REPORT_UNIT_COLUMNS = [
    "Đơn vị",
    "Mức chính thức",
    "Ngưỡng gần nhất",
    "Sát ngưỡng",
    "Điểm quy đổi",
    "Cách ngưỡng (điểm; + là trên ngưỡng)",
    "Hạng chính thức",
    "Hạng mức 5%",
    "Hạng mức 95%",
    "Xác suất giữ mức (%)",
    "Sai số chuẩn (điểm %)",
]
"""The columns of the units table a page can hold; the file has them all (median rank,
P(top k), P(each level), which the text gives in words for the units at risk)."""


def _units_table(ctx: SensitivityContext, part: str) -> pd.DataFrame:
    """The units table of one part, best nominal rank first, the columns a page holds, the
    probabilities printed to the precision N supports (not the 2 decimals of other numbers)."""
    study = ctx.study
    table = study.tables[sens.UNITS_SHEET]
    table = table[table["Phần"] == part][REPORT_UNIT_COLUMNS].copy()
    own = sens.part_rows(study.units, part)
    table["Xác suất giữ mức (%)"] = sens.percent_texts(own["p_keep"], study.settings.n, keep=True)
    table["Sai số chuẩn (điểm %)"] = [
        format_number(value, 1, fixed=True) for value in table["Sai số chuẩn (điểm %)"]
    ]
    return table.sort_values(["Hạng chính thức", "Đơn vị"], na_position="last")


def _ordered(study: sens.SensitivityResult, part: str) -> pd.DataFrame:
    """The units of a part, best nominal rank first (units without a rank last)."""
    rows = sens.part_rows(study.units, part)
    return rows.sort_values(["nominal_rank", "unit"], na_position="last")


def convergence(ctx: SensitivityContext) -> HTML:
    """Whether N was enough: independent halves, standard errors, running estimates."""
    study = ctx.study
    body = [
        f"<p>{convergence_sentence(study)}</p>",
        "<p>Mẫu được chia hai nửa độc lập (nửa đầu, nửa sau) và 20 lô liên tiếp: chênh lệch "
        "giữa hai nửa và độ tản mát giữa các lô (sai số chuẩn theo lô) cho biết con số còn "
        "dao động bao nhiêu nếu rút mẫu khác; với xác suất, sai số chuẩn nhị thức "
        f"√(p(1 − p)/N) ghi bên cạnh. Dưới {format_number(sens.MIN_STABLE_N, 0)} mẫu, báo cáo "
        "không kết luận về độ ổn định.</p>",
    ]
    running = study.running
    for part in running["part"].unique():
        title = f"Phần {part}: xác suất giữ mức ước lượng dần (đơn vị gần ngưỡng nhất)"
        rows = running[running["part"] == part]
        fig = charts.running_estimates(rows, sens.KEEP_LEVEL_SHARE, title)
        body.append(figure_html(fig, title))
    body.append(table_html(study.tables[sens.CONVERGENCE_SHEET], "bang hoi-tu trai-2"))
    return section("II. Số mẫu có đủ không", "".join(body))


def _overall_table(study: sens.SensitivityResult) -> pd.DataFrame:
    """The overall table, its share of units moving printed to the precision N supports."""
    table = study.tables[sens.OVERALL_SHEET].copy()
    column = f"Tỷ lệ đơn vị dịch chuyển quá {study.settings.top_k} bậc (%)"
    table[column] = sens.percent_texts(study.overall["share_moved"], study.settings.n)
    return table


def rank_uncertainty(ctx: SensitivityContext) -> HTML:
    """Per part: overall figures, then nominal rank, median and 5–95 % interval per unit."""
    study, titles = ctx.study, part_titles(ctx.result)
    k = study.settings.top_k
    body = [
        "<p>Mỗi phần: tương quan Spearman giữa thứ hạng của mẫu và thứ hạng chính thức (1 là "
        "giữ nguyên thứ tự), số bậc trung bình một đơn vị dịch chuyển, tỷ lệ đơn vị dịch "
        f"chuyển quá {k} bậc (trung bình trên các mẫu), số đơn vị có nguy cơ đổi mức và số "
        "đơn vị sát ngưỡng.</p>",
        table_html(_overall_table(study), "bang tong-the trai-1"),
    ]
    for part, title in titles.items():
        body.append(f"<h3>Phần {esc(title)}</h3>")
        rows = _ordered(study, part).dropna(subset=["nominal_rank"])
        for n in range(0, len(rows), CHART_CHUNK):
            chart_title = f"Phần {part}: thứ hạng theo trọng số" + (" (tiếp)" if n else "")
            fig = charts.rank_intervals(rows.iloc[n : n + CHART_CHUNK], chart_title)
            body.append(figure_html(fig, chart_title))
    return section("III. Độ bất định của thứ hạng", "".join(body))


def keep_level(ctx: SensitivityContext) -> HTML:
    """Per part: units at risk and near the cut-off with the levels they would move to, the
    probability of keeping the level per unit, and the units table."""
    study, titles = ctx.study, part_titles(ctx.result)
    n = study.settings.n
    body = [
        "<p>Với mỗi đơn vị: điểm quy đổi và khoảng cách tới ngưỡng mức gần nhất (dương: trên "
        "ngưỡng, đơn vị mất mức nếu tụt quá khoảng đó; âm: dưới ngưỡng, cần thêm chừng đó "
        "điểm để lên mức), xác suất giữ mức kèm sai số chuẩn, và xác suất rơi vào từng mức.</p>"
    ]
    for i, (part, title) in enumerate(titles.items()):
        css = ' class="new-page"' if i else ""
        body.append(f"<h3{css}>Phần {esc(title)}</h3>")
        risky, near = sens.at_risk(study, part), sens.near_cutoff(study, part)
        body.append(
            f"<p>Có nguy cơ đổi mức (giữ mức trong dưới {percent(sens.KEEP_LEVEL_SHARE, n)} số "
            f"mẫu): {named(risky, study) if len(risky) else 'không có'}.</p>"
        )
        if len(near):
            body.append(f"<p>Sát ngưỡng (bên nào tùy hạt giống): {named(near, study)}.</p>")
        rows = _ordered(study, part).dropna(subset=["p_keep"])
        for start in range(0, len(rows), CHART_CHUNK):
            chart_title = f"Phần {part}: xác suất giữ mức" + (" (tiếp)" if start else "")
            fig = charts.keep_level_bars(
                rows.iloc[start : start + CHART_CHUNK], sens.KEEP_LEVEL_SHARE, chart_title
            )
            body.append(figure_html(fig, chart_title))
        body.append(table_html(_units_table(ctx, part), "bang do-nhay-don-vi trai-4"))
    return section("IV. Khả năng giữ mức của từng đơn vị", "".join(body))


def end_labels(study: sens.SensitivityResult) -> tuple[str, str]:
    """What the low and high ends of a weight are, for a tornado's legend."""
    s = study.settings
    if s.scheme == "uniform":
        low, high = format_number(1 - s.delta), format_number(1 + s.delta)
        return f"Trọng số × {low}", f"Trọng số × {high}"
    return "Tỷ trọng ở mức 5% của nó", "Tỷ trọng ở mức 95% của nó"


def one_at_a_time(ctx: SensitivityContext) -> HTML:
    """Per part: each factor alone to the ends of its range (tornado) and the table."""
    study, titles = ctx.study, part_titles(ctx.result)
    oat = study.one_at_a_time
    if oat.empty:
        return section("V. Ảnh hưởng của từng nhân tố khi đổi riêng", "<p>Không có.</p>")
    s = study.settings
    ends = (
        f"nhân trọng số với {format_number(1 - s.delta)} rồi {format_number(1 + s.delta)}"
        if s.scheme == "uniform"
        else "đưa tỷ trọng trong phần tới mức 5% rồi 95% của phân phối của nó, các nhân tố "
        "khác giữ tỷ lệ chính thức"
    )
    body = [
        f"<p>Mỗi nhân tố được đổi riêng ({esc(ends)}), mọi nhân tố khác giữ nguyên. Biểu đồ "
        "cho mỗi phần các nhân tố làm thứ hạng dịch chuyển nhiều nhất; dấu * là nhân tố mà "
        "chỉ riêng việc đổi nó đã làm ít nhất một đơn vị đổi mức (tên đơn vị trong bảng).</p>"
    ]
    table = study.tables[sens.OAT_SHEET]
    for part, title in titles.items():
        rows = oat[oat["part"] == part]
        if rows.empty:
            continue
        body.append(f"<h3>Phần {esc(title)}</h3>")
        chart_title = f"Phần {part}: đổi riêng từng nhân tố"
        fig = charts.tornado(rows, end_labels(study), chart_title)
        body.append(figure_html(fig, chart_title))
        own = table[(table["Phần"] == part) & (table["Số đơn vị đổi mức"] > 0)]
        if len(own):
            body.append(
                "<p>Nhân tố mà chỉ riêng việc đổi nó đã làm đơn vị đổi mức (mọi nhân tố: tệp "
                "bảng «Một nhân tố»):</p>"
            )
            body.append(table_html(own.drop(columns="Phần"), "bang mot-nhan-to trai-3 trai-cuoi"))
        else:
            body.append("<p>Không nhân tố nào, khi đổi riêng, làm đơn vị nào đổi mức.</p>")
    return section("V. Ảnh hưởng của từng nhân tố khi đổi riêng", "".join(body))


def sobol(ctx: SensitivityContext) -> HTML:
    """Sobol indices per part and output, with their 95 % intervals, and what they support."""
    study, titles = ctx.study, part_titles(ctx.result)
    if study.sobol.empty:
        reason = (
            "cỡ mẫu Sobol bằng 0"
            if not study.settings.sobol_n
            else "cần ít nhất hai nhóm thay đổi trong một phần"
        )
        return section("VI. Chỉ số Sobol", f"<p>Không tính chỉ số Sobol: {reason}.</p>")
    units = len(ctx.result.points)
    body = [
        "<p>Chỉ số Sobol chia phương sai của một đầu ra cho các nhóm: S1 là phần do riêng nhóm "
        "đó gây ra, ST kể cả khi kết hợp với các nhóm khác. Mỗi phần được phân tích riêng với "
        "các nhóm của nó (trong phần chỉ có một nhóm: từng tiêu chí). Đầu ra của mỗi phần: "
        "dịch chuyển hạng trung bình, số đơn vị đổi mức, và điểm quy đổi của các đơn vị có "
        "nguy cơ đổi mức hoặc sát ngưỡng (điểm vượt hay tụt qua ngưỡng quyết định mức), tối "
        f"đa {sens.TRACKED_UNITS} đơn vị mỗi phần, xác suất giữ mức thấp nhất trước. Chỉ số "
        "chỉ được dùng để kết luận khi khoảng tin cậy 95% cho phép; đầu ra không đổi ở mọi mẫu "
        "được ghi 0.</p>"
    ]
    table = study.tables[sens.SOBOL_SHEET]
    for part, title in titles.items():
        rows = study.sobol[study.sobol["part"] == part]
        if rows.empty:
            continue
        body.append(f"<h3>Phần {esc(title)}</h3>")
        sentences = sobol_sentences(study, part, units)
        body.append("<ul>" + "".join(f"<li>{x}</li>" for x in sentences) + "</ul>")
        for (output, unit), own in rows.groupby(["output", "unit"], sort=False, dropna=False):
            label = sens.OUTPUTS[str(output)] + ("" if pd.isna(unit) else f" của {unit}")  # type: ignore[call-overload]
            chart_title = f"Phần {part}: {label}"
            body.append(figure_html(charts.sobol_indices(own, chart_title), chart_title))
        own_table = table[table["Phần"] == part].drop(columns="Phần")
        body.append(table_html(own_table, "bang sobol trai-3"))
    return section("VI. Chỉ số Sobol", "".join(body))


def leave_one_out(ctx: SensitivityContext) -> HTML:
    """Each group left out in turn (when asked): the units whose level changes without it."""
    study = ctx.study
    if not study.settings.leave_one_out:
        return HTML("")
    table = study.tables[sens.LEAVE_OUT_SHEET]
    body = [
        "<p>Mỗi nhóm của một phần có từ hai nhóm được bỏ ra lần lượt (trọng số bằng 0, điểm "
        "tối đa của phần giữ nguyên nên các nhóm còn lại được nhân lên). Bảng đầu: số đơn vị "
        "đổi mức khi bỏ từng nhóm; bảng sau: các đơn vị đó, với thứ hạng và mức khi không có "
        "nhóm (mọi đơn vị: tệp bảng «Bỏ từng nhóm»).</p>"
    ]
    counts = table.groupby(["Phần", "Nhóm bỏ ra"], sort=False)["Đổi mức"].apply(
        lambda marks: int((marks != "").sum())
    )
    summary = counts.rename("Số đơn vị đổi mức").reset_index()
    body.append(table_html(summary, "bang bo-nhom trai-2"))
    changed = table[table["Đổi mức"] != ""].drop(columns="Đổi mức")
    if len(changed):
        body.append(table_html(changed, "bang bo-tung-nhom trai-6"))
    return section("VII. Bỏ lần lượt từng nhóm", "".join(body))


def conclusion(ctx: SensitivityContext) -> HTML:
    """The conclusion generated from the tables' numbers."""
    sentences = conclusion_sentences(ctx.study, part_titles(ctx.result))
    body = "<ul>" + "".join(f"<li>{s}</li>" for s in sentences) + "</ul>"
    number = "VIII" if ctx.study.settings.leave_one_out else "VII"
    return section(f"{number}. Kết luận", body, new_page=False)


def write_outputs(ctx: SensitivityContext) -> HTML:
    """Write the tables (CSV each, one XLSX) beside the notebook and list them."""
    written = sens.write_tables(ctx.study, Path(ctx.params.output_dir), document_warnings(ctx))
    names = ", ".join(esc(path.name) for path in written)
    return HTML(f'<p class="files">Tệp bảng kèm theo: {names}.</p>')
