"""Workbench: the API behind the notebook, the notebook under papermill, and `make lab`."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import papermill as pm
import pytest

from kmsynth.themes.curation import Curation
from kmsynth.workbench import Workbench

ROOT = Path(__file__).resolve().parent.parent


def test_workbench_browse_search_compare_and_curate(report_config: Path) -> None:
    wb = Workbench(report_config)
    assert wb.months() == ["2026-08", "2026-09", "2026-10"]
    table = wb.theme_table("2026-10")
    assert {"theme", "label", "size", "pillar"} <= set(table.columns)
    assert table["size"].dropna().ge(wb.k).all()
    hits = wb.search("shelter survivors safe house beds", n=3, month="2026-10")
    assert len(hits) == 3 and hits["similarity"].is_monotonic_decreasing
    assert any("shelter" in t.lower() or "survivors" in t.lower() for t in hits["text"])
    cmp = wb.compare("2026-09", "2026-10")
    assert set(cmp["status"]) <= {"new", "growing", "shrinking", "steady", "gone"}
    first = int(table["theme"].iloc[0])
    wb.rename(first, "Renamed in the workbench", by="tester", why="test")
    assert Curation.load(wb.curation.path).decisions[-1]["label"] == "Renamed in the workbench"
    assert "Renamed in the workbench" in set(wb.theme_table("2026-10")["label"])
    html = wb.html_table(wb.posts_of("2026-10", first))
    assert "<script>alert" not in html


@pytest.mark.slow
def test_workbench_notebook_runs_top_to_bottom(report_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "wb.ipynb"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "workbench.ipynb"),
        str(out),
        kernel_name="python3",
        parameters={"config_path": str(report_config), "embedder": "tfidf"},
        cwd=str(ROOT / "notebooks"),
        progress_bar=False,
    )
    import nbformat

    nb = nbformat.read(out, as_version=4)
    assert not [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_make_lab_serves_jupyterlab() -> None:
    port = _free_port()
    args = (
        f"--no-browser --port={port} --ip=127.0.0.1 --IdentityProvider.token=kmsynth-test "
        "--allow-root"
    )
    proc = subprocess.Popen(
        ["make", "-s", "lab", f"LAB_ARGS={args}"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 90
        status = None
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/api/status?token=kmsynth-test", timeout=2
                ) as r:
                    status = r.status
                    break
            except OSError:
                time.sleep(1)
        assert status == 200
        with urllib.request.urlopen(
            f"http://127.0.0.1:{port}/lab?token=kmsynth-test", timeout=5
        ) as r:
            assert b"JupyterLab" in r.read()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
