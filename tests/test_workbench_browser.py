"""The workbench in a real browser (issue 16): JupyterLab on localhost, the system Chromium
driven by Playwright, a rename done through the widgets, then `kmsynth report` shows the new
name on the same theme (same keywords). KMSYNTH_SCREENSHOTS=1 refreshes docs/workbench.png."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.test_workbench_ids import _posts

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
TOKEN = "kmsynth-workbench-test"
NEW_NAME = "Law reform in parliament"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="chromium not installed"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _notebook(folder: Path, config: Path) -> Path:
    """The repository's workbench notebook with its parameters cell pointing at `config`."""
    nb = json.loads((ROOT / "notebooks" / "workbench.ipynb").read_text("utf-8"))
    cell = next(c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", []))
    cell["source"] = f"config_path = {str(config)!r}\n" + "".join(
        line for line in cell["source"] if not line.startswith("config_path"))
    path = folder / "workbench.ipynb"
    path.write_text(json.dumps(nb), encoding="utf-8")
    return path


def _wait_for_lab(port: int, deadline: float) -> None:
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(
                f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=2
            ):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("JupyterLab did not start")


@pytest.mark.timeout(280)
def test_rename_in_the_browser_lands_on_the_same_theme_in_the_report(tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    _posts(tmp_path / "posts.csv")
    config = tmp_path / "kmsynth.yml"
    config.write_text("data:\n  posts: posts.csv\n  curation: curation.yml\nembedding:\n"
                      "  embedder: tfidf\n  cache_dir: cache\nreport:\n  out: reports\n",
                      encoding="utf-8")
    _notebook(tmp_path, config)
    port = _free_port()
    lab = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "jupyter"), "lab", "--no-browser", f"--port={port}",
         "--ip=127.0.0.1", f"--ServerApp.token={TOKEN}", f"--notebook-dir={tmp_path}",
         "--allow-root", "--LabApp.expose_app_in_browser=True"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        env={**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / ".jupyter")},
    )
    try:
        _wait_for_lab(port, time.time() + 60)
        with sync_api.sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            page = browser.new_page(viewport={"width": 1400, "height": 1300})
            page.goto(f"http://127.0.0.1:{port}/lab/tree/workbench.ipynb?token={TOKEN}")
            page.wait_for_function(
                "window.jupyterapp && document.querySelector('.jp-Notebook')", timeout=60_000)
            page.wait_for_selector("text=| Idle", timeout=60_000)  # the kernel is ready
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
            name_box = page.wait_for_selector("input[placeholder='new name']", timeout=120_000)
            # the theme whose keywords speak of parliament, read from the widget's table
            row = page.locator(".jp-OutputArea-output tr", has_text="parliament").first
            row.wait_for(timeout=60_000)
            cells = row.locator("td").all_inner_texts()
            theme, keywords = int(cells[0]), cells[-1]
            select = page.locator(".widget-select select").first
            labels = select.locator("option").all_text_contents()  # spaces shown as U+00A0
            pick = next(x for x in labels if x.replace("\xa0", " ").startswith(f"T{theme} "))
            select.select_option(label=pick)
            name_box.fill(NEW_NAME)
            page.get_by_role("button", name="Rename").click()
            page.wait_for_selector("text=Rename done", timeout=60_000)
            page.wait_for_selector(f".widget-select option:has-text('{NEW_NAME}')",
                                   state="attached", timeout=30_000)
            news = page.get_by_role("button", name="No")
            if news.count():  # JupyterLab's news prompt would cover the widgets
                news.first.click()
            page.locator(".widget-dropdown").first.evaluate(
                "el => el.scrollIntoView({block: 'start'})")
            # the docs' screenshot is refreshed on request only (a test never edits the checkout)
            shot = ROOT / "docs" / "workbench.png" if os.environ.get("KMSYNTH_SCREENSHOTS") \
                else tmp_path / "workbench.png"
            page.screenshot(path=str(shot), full_page=False)
            assert shot.stat().st_size > 10_000
            browser.close()
    finally:
        os.killpg(lab.pid, signal.SIGTERM)
        lab.wait(timeout=30)
    decisions = (tmp_path / "curation.yml").read_text("utf-8")
    assert f"theme: {theme}" in decisions and NEW_NAME in decisions
    run = subprocess.run(
        [str(Path(sys.executable).parent / "kmsynth"), "report", "--month", "2026-10", "--config",
         str(config), "--out", str(tmp_path / "reports")],
        capture_output=True, text=True, timeout=200, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    page_html = (tmp_path / "reports" / "2026-10" / "index.html").read_text("utf-8")
    shown = re.search(rf"<b>T(\d+) · {re.escape(NEW_NAME)}</b>(.*?)</div>", page_html, re.S)
    assert shown, "the new name is not in the report"
    assert int(shown.group(1)) == theme
    assert f"keywords: {html.escape(keywords)}" in shown.group(2)  # the same theme
