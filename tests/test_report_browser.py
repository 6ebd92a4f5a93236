"""The rendered report in headless Chromium: sections and charts present, no console error, no
script from data executed, no request leaving the page. Saves a screenshot."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kmsynth.report import render_monthly_report

CHROMIUM = (
    shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--hide-scrollbars",
    "--enable-logging=stderr",
    "--v=0",
    "--virtual-time-budget=8000",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None, reason="chromium not installed (make browser)"),
]


def _chromium(*args: str, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [CHROMIUM, *FLAGS, *args], capture_output=True, text=True, timeout=timeout
    )


def test_report_renders_in_a_browser(report_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    res = render_monthly_report("2026-10", config_path=report_config, out=out)
    assert res.status in ("complete", "partial"), res.error
    page = out / "2026-10" / "index.html"

    dom = _chromium("--dump-dom", page.as_uri())
    html = dom.stdout
    for heading in (
        "The month at a glance",
        "Themes of the month",
        "Trends by month, region and type",
        "Method and reproducibility",
    ):
        assert heading in html
    # Plotly drew its charts (SVG inside each figure div) with the inline library
    assert len(re.findall(r'class="main-svg"', html)) >= 3
    # the payloads in the data stayed text: no element was created from them
    assert '<img src="x"' not in html and 'onerror="alert' not in html
    console = "\n".join(line for line in dom.stderr.splitlines() if "CONSOLE" in line)
    assert "Uncaught" not in console, console
    assert "Content Security Policy" not in console, (
        console
    )  # nothing blocked: nothing tried to load

    # the CSP lets only the page's own scripts run: one slipped into the page is blocked
    assert "'unsafe-inline'" not in html.split("script-src", 1)[1].split(";", 1)[0]
    tampered = tmp_path / "tampered.html"
    tampered.write_text(
        page.read_text("utf-8").replace(
            "</body>", "<script>document.title = 'tampered';</script></body>"
        ),
        encoding="utf-8",
    )
    dom2 = _chromium("--dump-dom", tampered.as_uri())
    assert "<title>tampered</title>" not in dom2.stdout
    assert len(re.findall(r'class="main-svg"', dom2.stdout)) >= 3  # charts still drawn

    shot = tmp_path / "report.png"
    _chromium("--window-size=1280,2000", f"--screenshot={shot}", page.as_uri())
    assert shot.is_file() and shot.stat().st_size > 20_000
