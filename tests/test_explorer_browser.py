"""The explorer in a real JupyterLab, driven in Debian's chromium by Playwright.

As an analyst uses it: Run All, Run All again in the same kernel, move a group slider, choose a
scenario (the sliders then read its values), save the state as a scenario file; at each step
the page must show what the package computes. Screenshots of the last state are left in the
temporary folder, as a record.

Needs the ``chromium`` package (``/usr/bin/chromium``) and Playwright for Python (dev extra);
no browser is downloaded. Under ``CI=true`` a missing browser fails the test, elsewhere it is
skipped with the reason. The server runs on a free local port with a token, rooted in a
temporary copy, so the repository is never touched.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from cqdt.explorer import RANKING_CLASS
from cqdt.exploring import explore, max_edit, ranking
from cqdt.numbers import format_points
from cqdt.scenarios import apply_scenario, load_scenario
from cqdt.workspace import Workspace
from tests.conftest import ROOT

CHROMIUM = os.environ.get("CQDT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
"""The system browser; ``CQDT_CHROMIUM`` names another chromium binary."""
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
NOTEBOOK = "notebooks/kham_pha.ipynb"
SLIDER = "A1"  # the first group of the district criteria, shown in part A's ranking

pytestmark = pytest.mark.slow  # JupyterLab and chromium, for real


def _browser_or_reason() -> str:
    """Why the browser test cannot run here, or "" when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "chưa cài Playwright cho Python (pip install -e '.[dev]')"
    if not Path(CHROMIUM).is_file():
        return (
            f"không tìm thấy trình duyệt chromium ({CHROMIUM}); cài bằng: apt-get install chromium"
        )
    return ""


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server on a free local port, rooted in a copy: (url, token)."""
    reason = _browser_or_reason()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Kiểm thử trình duyệt bắt buộc trong CI: {reason}")
        pytest.skip(f"Bỏ qua kiểm thử trình duyệt: {reason}")
    root = tmp_path_factory.mktemp("lab")
    (root / "notebooks").mkdir()
    shutil.copy(ROOT / NOTEBOOK, root / NOTEBOOK)
    for name in ("criteria", "data"):
        shutil.copytree(ROOT / name, root / name)
    settings = root / ".settings"
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}), encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    token = secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        "--ServerApp.open_browser=False",
        f"--ServerApp.root_dir={root}",
        "--LabApp.expose_app_in_browser=True",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")
    env = {
        **os.environ,
        "JUPYTERLAB_SETTINGS_DIR": str(settings),
        "JUPYTERLAB_WORKSPACES_DIR": str(root / ".workspaces"),
    }
    log = (root / "server.log").open("wb")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                    break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "JupyterLab không khởi động được:\n"
                        + (root / "server.log").read_text(errors="replace")[-3000:]
                    )
                time.sleep(0.5)
        yield url, token, root
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


def _rows(page) -> list[list[str]]:
    """The ranking table's cells, read with text_content (lazy rendering hides inner_text)."""
    rows = page.locator(f"table.{RANKING_CLASS} tbody tr")
    return [
        [cell.strip() for cell in rows.nth(i).locator("td").all_text_contents()]
        for i in range(rows.count())
    ]


def _run_all(page) -> None:
    """Run All Cells, checking that execution started; JupyterLab sometimes drops the first."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    table = page.locator(f"table.{RANKING_CLASS}")
    for _ in range(3):
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        try:
            page.locator(".jp-InputPrompt", has_text="[1]").first.wait_for(timeout=15_000)
            table.wait_for(state="attached", timeout=90_000)
            return
        except PlaywrightTimeout:  # execution did not start: run all again
            page.wait_for_timeout(1000)
    pytest.fail("JupyterLab không chạy được các ô của sổ khám phá sau 3 lần thử")


def _dismiss_news(page) -> None:
    for label in ("No", "Không"):
        button = page.locator(".jp-toast-button, .jp-Notification-Toast button", has_text=label)
        if button.count():
            button.first.click()


def _run_again(page) -> None:
    """Run All a second time in the same kernel: the explorer is built again from scratch."""
    old = page.locator(f"table.{RANKING_CLASS}").element_handle()
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function("el => !el.isConnected", arg=old, timeout=90_000)
    page.locator(f"table.{RANKING_CLASS}").wait_for(state="attached", timeout=90_000)


def _wait_for_rows(page, expected: list[list[str]], before: list[list[str]]) -> None:
    deadline = time.monotonic() + 30
    while [row[:4] for row in _rows(page)] != expected and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert [row[:4] for row in _rows(page)] == expected, (before, _rows(page))


def _slider(page, label: str):
    """The slider whose description is exactly ``label`` (``Mức I`` is not ``Mức II``)."""
    exact = page.locator(".widget-label", has_text=re.compile(f"^{re.escape(label)}$"))
    return page.locator(".widget-hslider").filter(has=exact).first


def test_the_explorer_runs_twice_tells_the_truth_and_saves_what_it_shows(lab):
    from playwright.sync_api import sync_playwright

    url, token, root = lab
    criteria = root / "criteria"
    official = Workspace.at(criteria, root / "data" / "sample").score("huyen", 2020)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{url}/lab/tree/{NOTEBOOK}?reset&token={token}")
            page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=90_000)
            page.locator("li.lm-TabBar-tab.lm-mod-current", has_text="kham_pha.ipynb").wait_for(
                timeout=60_000
            )
            page.wait_for_function(  # the kernel of this notebook, in the status bar
                "document.querySelector('.jp-StatusBar-Widget')?.textContent.includes('| Idle')",
                timeout=120_000,
            )
            page.locator(".jp-Notebook .jp-Cell").nth(3).wait_for(timeout=30_000)
            _dismiss_news(page)
            _run_all(page)
            _dismiss_news(page)
            first = _rows(page)
            assert [row[:4] for row in first] == _expected(official, criteria)

            _run_again(page)  # Run All again, same kernel: no error, the same explorer
            assert _rows(page) == first
            assert not page.locator(".jp-OutputArea-output[data-mime-type*='stderr']").count()
            assert "Traceback" not in page.locator(".jp-Notebook").inner_text()

            slider = _slider(page, SLIDER)
            slider.locator(".noUi-handle").focus()
            page.keyboard.press("ArrowRight")
            readout = slider.locator(".widget-readout")
            page.wait_for_function(
                "([el, old]) => el.textContent.trim() !== old",
                arg=[readout.element_handle(), "1.00"],
                timeout=10_000,
            )
            factor = float(readout.text_content().strip())
            assert factor == pytest.approx(1.05)  # one step of 0.05
            edit = max_edit(official.criteria, SLIDER, factor)
            _wait_for_rows(page, _expected(official, criteria, edits=[edit]), first)

            # a scenario chosen: the sliders read its values, the table is the scenario's
            chosen = criteria / "kich-ban" / "huyen-muc-i-88.yaml"
            page.locator(".widget-dropdown", has_text="Kịch bản").locator("select").select_option(
                label=chosen.name
            )
            level_i = _slider(page, "Mức I").locator(".widget-readout")
            page.wait_for_function(
                "el => el.textContent.trim() === '88%'",
                arg=level_i.element_handle(),
                timeout=30_000,
            )
            assert _slider(page, SLIDER).locator(".widget-readout").text_content().strip() == "1.00"
            _wait_for_rows(page, _expected(official, criteria, chosen), first)

            page.get_by_role("button", name="Lưu thành kịch bản (YAML)").click()
            said = page.locator(".widget-html", has_text="Đã lưu")
            said.wait_for(timeout=30_000)
            page.screenshot(path=str(root / "kham-pha.png"))  # for the record: the controls
            page.locator(f"table.{RANKING_CLASS}").scroll_into_view_if_needed()
            page.screenshot(path=str(root / "kham-pha-bang.png"))  # and the tables
            saved = Path(said.locator("code").first.text_content())
            reproduced = ranking(apply_scenario(load_scenario(saved, criteria), official), "A")
            assert [row[:4] for row in _rows(page)] == _shown(reproduced)
        finally:
            browser.close()


def _shown(table) -> list[list[str]]:
    """Rank, unit, converted points, level, as the page prints them."""
    return [
        [rank, unit, format_points(points), level]
        for rank, unit, points, level in table[
            ["Hạng", "Đơn vị", "Điểm quy đổi", "Mức"]
        ].itertuples(index=False)
    ]


def _expected(official, criteria: Path, scenario: Path | None = None, edits=()) -> list[list[str]]:
    """Part A's ranking as the package computes it for a scenario file and edits."""
    return _shown(ranking(explore(official, criteria, scenario, edits), "A"))
