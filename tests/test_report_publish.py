"""Publishing a month without losing the last good report (issue 13 items 12-15, 17, 20).

The notebook run is replaced by a fake that writes an executed notebook, so each check takes
about a second; tests/test_report.py runs the real notebook.
"""

from __future__ import annotations

import errno
import json
import os
from pathlib import Path

import nbformat
import pytest

import kmsynth.report.publishing as publish_module
import kmsynth.report.run as run_module
from kmsynth.cli.main import main
from kmsynth.html import page_csp
from kmsynth.report import (
    REQUIRED_SECTIONS,
    check_html,
    keeps_complete,
    publish,
    render_monthly_report,
)

MONTH = "2026-10"


def executed_notebook(
    missing: tuple[str, ...] = (), marker: str = "first"
) -> nbformat.NotebookNode:
    """An executed report notebook: every section ran; `missing` optional ones left out."""
    from kmsynth.report import MISSING_MIME

    nb = nbformat.v4.new_notebook()
    for sec in (*REQUIRED_SECTIONS, "survey", "links"):
        cell = nbformat.v4.new_code_cell("pass", execution_count=1)
        cell.metadata["tags"] = [f"section:{sec}"]
        out = nbformat.v4.new_output("display_data", data={"text/html": f"<p>{sec} {marker}</p>"})
        cell.outputs = [out]
        if sec in missing:
            cell.outputs.append(
                nbformat.v4.new_output(
                    "display_data", data={MISSING_MIME: {"section": sec, "reason": "InputError"}}
                )
            )
        nb.cells.append(cell)
    return nb


@pytest.fixture
def fake_run(monkeypatch):
    """Replace the papermill child by a fake; returns a dict to steer the next runs."""
    steer = {"missing": (), "marker": "first"}

    def fake_execute(notebook, output, parameters, **kw):
        steer["parameters"] = parameters
        nbformat.write(executed_notebook(steer["missing"], steer["marker"]), output)
        return True, ""

    monkeypatch.setattr(run_module, "execute", fake_execute)
    return steer


@pytest.fixture
def config(tmp_path: Path) -> Path:
    (tmp_path / "posts.csv").write_text("post_id,text,created_at\n1,a,2026-10-01\n", "utf-8")
    (tmp_path / "survey.csv").write_text("response_id,submitted_at\nR1,2026-10-01\n", "utf-8")
    cfg = tmp_path / "kmsynth.yml"
    cfg.write_text(
        "data:\n  posts: posts.csv\n  survey: survey.csv\nembedding:\n  embedder: tfidf\n", "utf-8"
    )
    return cfg


def page(out: Path) -> str:
    return (out / MONTH / "index.html").read_text("utf-8")


def test_a_run_touches_only_its_own_months_staging(fake_run, config: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    other = out / ".staging-2026-09-abcdef12"  # a 2026-09 run going on at the same time
    other.mkdir(parents=True)
    (other / "report.ipynb").write_text("{}", "utf-8")
    stale = out / f".staging-{MONTH}-deadbeef"  # left by a killed run of this month
    stale.mkdir()
    res = render_monthly_report(MONTH, config_path=config, out=out)
    assert res.status == "complete", res.error
    assert (other / "report.ipynb").is_file()
    assert not stale.exists()


def test_corrupt_runs_json_is_rebuilt_from_the_months(
    fake_run, config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    assert render_monthly_report(MONTH, config_path=config, out=out).status == "complete"
    (out / "runs.json").write_text('[{"month": "2026-10", "stat', "utf-8")  # cut off mid-write
    fake_run["marker"] = "second"
    res = render_monthly_report(MONTH, config_path=config, out=out)
    assert res.status == "complete" and "second" in page(out)
    runs = json.loads((out / "runs.json").read_text("utf-8"))
    assert [r["month"] for r in runs] == [MONTH, MONTH]
    assert all(r["status"] == "complete" for r in runs)
    assert f'href="{MONTH}/index.html"' in (out / "index.html").read_text("utf-8")


def test_full_disk_fails_cleanly_and_keeps_the_report(
    fake_run, config: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    out = tmp_path / "reports"
    assert render_monthly_report(MONTH, config_path=config, out=out).status == "complete"
    before = page(out)

    def full(path: Path, text: str) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(run_module, "write_text", full)
    fake_run["marker"] = "second"
    code = main(["report", "--month", MONTH, "--config", str(config), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1
    assert "no space left on device writing" in err and "index.html" in err
    assert "internal error" not in err and "Traceback" not in err
    assert page(out) == before
    assert not list(out.glob(".staging-*"))
    assert (
        json.loads((out / ".failed" / MONTH / "error.json").read_text("utf-8"))["status"]
        == "failed"
    )
    assert json.loads((out / "runs.json").read_text("utf-8"))[-1]["status"] == "failed"
    assert "last attempt failed" in (out / "index.html").read_text("utf-8")


def test_read_only_output_is_said_plainly(
    fake_run, config: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    out = tmp_path / "reports"

    def read_only(folder: Path, month: str):  # root ignores chmod: simulate the refusal
        raise OSError(errno.EROFS, "Read-only file system", str(folder / ".locks"))

    monkeypatch.setattr(run_module, "month_lock", read_only)
    code = main(["report", "--month", MONTH, "--config", str(config), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 1 and "read-only" in err and ".locks" in err and "internal error" not in err


def test_publish_swaps_in_one_step(tmp_path: Path, monkeypatch) -> None:
    target, staging = tmp_path / MONTH, tmp_path / f".staging-{MONTH}-1"
    target.mkdir()
    (target / "index.html").write_text("old", "utf-8")
    staging.mkdir()
    (staging / "index.html").write_text("new", "utf-8")

    def killed(*args, **kwargs):  # a kill right after the first rename of a two-step swap
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "rename", killed)
    try:
        publish(staging, target)
    except KeyboardInterrupt:
        pass
    assert (target / "index.html").read_text("utf-8") in ("old", "new")  # never missing
    assert (target / "index.html").read_text("utf-8") == "new"
    assert not staging.exists()


def test_publish_without_renameat2_recovers(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(publish_module, "_exchange", lambda a, b: False)
    target, staging = tmp_path / MONTH, tmp_path / f".staging-{MONTH}-1"
    for folder, text in ((target, "old"), (staging, "new")):
        folder.mkdir()
        (folder / "index.html").write_text(text, "utf-8")
    publish(staging, target)
    assert (target / "index.html").read_text("utf-8") == "new" and not staging.exists()


def test_partial_rerun_keeps_the_complete_report(fake_run, config: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    assert render_monthly_report(MONTH, config_path=config, out=out).status == "complete"
    complete = page(out)
    (tmp_path / "survey.csv").write_bytes(b"\x00\x01 corrupt now")  # the survey broke
    fake_run.update(missing=("survey",), marker="second")
    res = render_monthly_report(MONTH, config_path=config, out=out)
    assert res.status == "partial" and "kept" in res.note
    assert page(out) == complete
    assert json.loads((out / MONTH / "manifest.json").read_text("utf-8"))["status"] == "complete"
    index = (out / "index.html").read_text("utf-8")
    assert "not published" in index and "--replace-complete" in index

    res = render_monthly_report(MONTH, config_path=config, out=out, replace_complete=True)
    assert res.status == "partial" and not res.note and "second" in page(out)


def test_partial_run_replaces_when_the_posts_changed(
    fake_run, config: Path, tmp_path: Path
) -> None:
    out = tmp_path / "reports"
    render_monthly_report(MONTH, config_path=config, out=out)
    (tmp_path / "posts.csv").write_text("post_id,text,created_at\n1,b,2026-10-02\n", "utf-8")
    fake_run.update(missing=("survey",), marker="second")
    res = render_monthly_report(MONTH, config_path=config, out=out)
    assert res.status == "partial" and not res.note and "second" in page(out)


def test_keeps_complete_compares_only_what_the_partial_report_shows() -> None:
    done = {
        "status": "complete",
        "inputs": [{"kind": "posts", "sha256": "a"}, {"kind": "survey", "sha256": "s"}],
        "parameters": {"seed": 1},
        "missing_sections": [],
    }
    partial = done | {
        "status": "partial",
        "missing_sections": ["survey"],
        "inputs": [{"kind": "posts", "sha256": "a"}, {"kind": "survey", "sha256": "X"}],
    }
    assert keeps_complete(done, partial)
    assert not keeps_complete(done, partial | {"parameters": {"seed": 2}})
    assert not keeps_complete(None, partial) and not keeps_complete(done, done)


def test_csp_allows_only_the_pages_own_scripts() -> None:
    body = (
        "<html><head></head><body><script>var a = 1;</script>"
        '<script type="application/json">{"x": 1}</script></body></html>'
    )
    csp = page_csp(body)
    assert "'unsafe-inline'" not in csp.split("style-src")[0]
    assert csp.count("'sha256-") == 2
    import base64
    import hashlib

    want = base64.b64encode(hashlib.sha256(b"var a = 1;").digest()).decode()
    assert f"'sha256-{want}'" in csp
    meta = f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
    assert check_html(body.replace("<head>", "<head>" + meta)) == []
    loose = meta.replace("script-src", "script-src 'unsafe-inline'")
    assert check_html(body.replace("<head>", "<head>" + loose))


def test_parameters_are_the_notebooks_own(fake_run, config: Path, tmp_path: Path) -> None:
    """papermill only warns on an unknown parameter: the run passes exactly the tagged ones."""
    import papermill as pm

    from kmsynth.report import NOTEBOOK

    render_monthly_report(MONTH, config_path=config, out=tmp_path / "reports")
    assert set(fake_run["parameters"]) == set(pm.inspect_notebook(str(NOTEBOOK)))
    assert all(not isinstance(v, str) or len(v) < 300 for v in fake_run["parameters"].values())
