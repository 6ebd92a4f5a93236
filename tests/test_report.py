"""Monthly report: safe, self-contained, deterministic, and never losing the last good report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest

from kmsynth.cli.main import main
from kmsynth.config import load_config
from kmsynth.errors import AlreadyRunning, InputError
from kmsynth.report import (
    NOTEBOOK,
    build_monthly_report,
    check_executed,
    check_html,
    check_month,
    render_monthly_report,
)


def test_month_must_be_yyyy_mm() -> None:
    assert check_month("2026-10") == "2026-10"
    for bad in ("2026-13", "10/2026", "2026-1"):
        with pytest.raises(InputError, match="YYYY-MM"):
            check_month(bad)
    assert main(["report", "--month", "2026/10", "--posts", "x.csv"]) == 2


def test_every_breakdown_is_suppressed(report_config: Path) -> None:
    cfg = load_config(report_config)
    rep = build_monthly_report("2026-10", cfg)
    k = cfg.privacy.min_cell
    assert set(rep.trends) >= {"total", "region", "pillar"}
    for name, table in rep.trends.items():
        shown = table.stack().dropna().to_numpy(dtype=float)
        assert ((shown == 0) | (shown >= k)).all(), name
    # the Pacific has one post a month: never shown
    assert list(rep.trends["region"].index) == ["2026-08", "2026-09", "2026-10"]
    assert rep.trends["region"]["Pacific"].isna().all()
    # a theme smaller than k shows no size
    assert rep.themes["size_shown"].dropna().ge(k).all()
    # glance counts of people below k are hidden
    people = rep.glance.set_index("measure")
    assert pd.isna(people.loc["Participants", "value"]) or people.loc["Participants", "value"] >= k


def test_sections_escape_data_text(report_config: Path) -> None:
    rep = build_monthly_report("2026-10", load_config(report_config))
    page = rep.section_themes() + rep.section_glance() + rep.section_method()
    assert "<script>alert" not in page
    assert "<img src=x" not in page


@pytest.mark.slow
def test_render_publish_rerun_and_failure(report_config: Path, tmp_path: Path) -> None:
    out = tmp_path / "reports"
    res = render_monthly_report("2026-10", config_path=report_config, out=out)
    assert res.status in ("complete", "partial"), res.error
    folder = out / "2026-10"
    page = (folder / "index.html").read_text("utf-8")
    man = json.loads((folder / "manifest.json").read_text("utf-8"))
    # self-contained, safe, no code
    assert check_html(page) == []
    assert "Content-Security-Policy" in page
    assert "<script>alert('xss')" not in page and "onerror=alert(1)>" not in page
    assert "&lt;script&gt;" in page or "xss" not in page  # escaped when shown at all
    assert "build_monthly_report" not in page and "notebook_setup" not in page  # no code cells
    assert "Traceback" not in page
    for heading in (
        "The month at a glance",
        "Themes of the month",
        "Trends by month, region and type",
        "Method and reproducibility",
    ):
        assert heading in page
    assert man["status"] == res.status and man["inputs"][0]["sha256"]
    assert (folder / "report.ipynb").stat().st_mode & 0o077 == 0  # owner only
    assert "2026-10" in (out / "index.html").read_text("utf-8")

    # same inputs and parameters -> the same page
    again = render_monthly_report("2026-10", config_path=report_config, out=out)
    assert again.status == res.status
    assert (folder / "index.html").read_text("utf-8") == page

    # a failing notebook keeps the previous report and says why
    broken = nbformat.read(NOTEBOOK, as_version=4)
    for cell in broken.cells:
        if "section:themes" in cell.metadata.get("tags", []):
            cell.source = "raise RuntimeError('boom')"
    bad_nb = tmp_path / "broken.ipynb"
    nbformat.write(broken, bad_nb)
    failed = render_monthly_report("2026-10", config_path=report_config, out=out, notebook=bad_nb)
    assert failed.status == "failed" and "themes" in failed.error
    assert (folder / "index.html").read_text("utf-8") == page
    err = json.loads((out / ".failed" / "2026-10" / "error.json").read_text("utf-8"))
    assert err["status"] == "failed"
    assert "last attempt failed" in (out / "index.html").read_text("utf-8")
    assert not list(out.glob(".staging-*"))


def test_concurrent_run_is_refused(report_config: Path, tmp_path: Path) -> None:
    from filelock import FileLock

    out = tmp_path / "reports"
    (out / ".locks").mkdir(parents=True)
    with FileLock(str(out / ".locks" / "2026-10.lock")):
        with pytest.raises(AlreadyRunning):
            render_monthly_report("2026-10", config_path=report_config, out=out)
        assert (
            main(
                ["report", "--month", "2026-10", "--config", str(report_config), "--out", str(out)]
            )
            == 75
        )
    assert not (out / "2026-10").exists()


def test_missing_input_file_is_a_clear_error(tmp_path: Path, capsys) -> None:
    code = main(
        [
            "report",
            "--month",
            "2026-10",
            "--posts",
            str(tmp_path / "nope.csv"),
            "--out",
            str(tmp_path / "r"),
        ]
    )
    err = capsys.readouterr().err
    assert code == 2 and "nope.csv" in err and "Traceback" not in err


def test_check_executed_classifies_runs(tmp_path: Path) -> None:
    nb = nbformat.v4.new_notebook()
    for sec in ("setup", "header", "glance", "themes", "trends", "survey", "method"):
        c = nbformat.v4.new_code_cell("pass", execution_count=1)
        c.metadata["tags"] = [f"section:{sec}"]
        nb.cells.append(c)
    p = tmp_path / "nb.ipynb"
    nbformat.write(nb, p)
    assert check_executed(p)[0] == "complete"
    nb.cells[5].outputs = [
        nbformat.v4.new_output("error", ename="ValueError", evalue="", traceback=[])
    ]
    nbformat.write(nb, p)
    status, missing, _ = check_executed(p)
    assert status == "partial" and missing == ["survey"]
    nb.cells[3].execution_count = None  # papermill stopped before the themes cell
    nbformat.write(nb, p)
    assert check_executed(p)[0] == "failed"
    assert check_executed(tmp_path / "absent.ipynb")[0] == "failed"


def test_check_html_catches_external_loads_and_traces() -> None:
    ok = (
        '<html><head><meta http-equiv="Content-Security-Policy" content="x"></head><body>'
        '<script>var a="https://plotly.com/";</script></body></html>'
    )
    assert check_html(ok) == []
    assert check_html(
        ok.replace("<body>", '<body><script src="https://cdn.example/x.js"></script>')
    )
    assert check_html(ok.replace("<body>", "<body>Traceback (most recent call last)"))


@pytest.mark.slow
def test_empty_month_publishes_a_report_saying_so(report_config: Path, tmp_path: Path) -> None:
    res = render_monthly_report("2026-12", config_path=report_config, out=tmp_path / "r")
    assert res.status in ("complete", "partial")
    page = (tmp_path / "r" / "2026-12" / "index.html").read_text("utf-8")
    assert "No posts in 2026-12" in page


def test_scheduling_docs_hold_a_valid_cron_line_and_timer() -> None:
    import configparser

    doc = (Path(__file__).resolve().parent.parent / "docs" / "scheduling.md").read_text("utf-8")
    cron = re.search(r"```cron\n(.+?)\n```", doc, re.S).group(1).strip()
    fields = cron.split(None, 5)
    assert len(fields) == 6 and fields[2] == "2" and "kmsynth report --month previous" in fields[5]
    units = re.findall(r"```ini\n(.+?)\n```", doc, re.S)
    service, timer = (configparser.ConfigParser(strict=False, interpolation=None) for _ in range(2))
    service.read_string(units[0])
    timer.read_string(units[1])
    assert "kmsynth report" in service["Service"]["ExecStart"]
    assert timer["Timer"]["OnCalendar"].startswith("*-*-02")
    assert check_month("previous") == str(
        pd.Timestamp.now(tz="UTC").tz_localize(None).to_period("M") - 1
    )


# --------------------------------------------------------------------------------------------
# issue 13 items 16 and 18: the child process, its time limit, and bad input found inside it


def _processes_mentioning(needle: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if needle in (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode():
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def _kernels_of(parent: int) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                env = (proc / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"JPY_PARENT_PID={parent}".encode() in env:
                pids.append(int(proc.name))
    return pids


def _sleeping_notebook(path: Path, seconds: int) -> Path:
    nb = nbformat.read(NOTEBOOK, as_version=4)
    for cell in nb.cells:
        if "section:glance" in cell.metadata.get("tags", []):
            cell.source = f"import time\ntime.sleep({seconds})"
    nbformat.write(nb, path)
    return path


@pytest.mark.slow
def test_run_limit_is_enforced_by_the_parent(report_config: Path, tmp_path: Path) -> None:
    import time

    cfg = report_config.read_text("utf-8") + "  run_timeout_s: 25\n"
    report_config.write_text(cfg, encoding="utf-8")
    out = tmp_path / "reports"
    t0 = time.monotonic()
    res = render_monthly_report(
        "2026-10",
        config_path=report_config,
        out=out,
        notebook=_sleeping_notebook(tmp_path / "slow.ipynb", 600),
    )
    assert res.status == "failed" and "longer than 25 s" in res.error
    assert time.monotonic() - t0 < 90
    assert not _processes_mentioning(str(out))  # papermill is gone, not left running


@pytest.mark.slow
def test_child_ends_with_the_parent(tmp_path: Path) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("import time\ntime.sleep(600)"))
    nbformat.write(nb, tmp_path / "sleep.ipynb")
    output = tmp_path / "stage" / "out.ipynb"
    output.parent.mkdir()
    code = (
        "from pathlib import Path; from kmsynth.report.execution import execute; "
        f"execute(Path({str(tmp_path / 'sleep.ipynb')!r}), Path({str(output)!r}), {{}}, "
        f"cell_timeout=900, run_timeout=900, cwd=Path({str(output.parent)!r}))"
    )
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        deadline = time.monotonic() + 60

        def papermill() -> list[int]:  # the parent's own command line names the output too
            return [p for p in _processes_mentioning(str(output)) if p != parent.pid]

        while not (kids := papermill()) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert kids, "papermill never started"
        while not _kernels_of(kids[0]) and time.monotonic() < deadline:
            time.sleep(0.5)
        kernels = _kernels_of(kids[0])
        assert kernels, "the kernel never started"
        parent.send_signal(signal.SIGKILL)  # the parent is killed: no chance to clean up
        parent.wait(timeout=10)
        deadline = time.monotonic() + 20
        while (
            papermill() or any(Path(f"/proc/{k}").exists() for k in kernels)
        ) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert not papermill(), "papermill outlived its parent"
        assert not [
            k
            for k in kernels
            if Path(f"/proc/{k}").exists()
            and "Z" not in Path(f"/proc/{k}/stat").read_text().split()[2]
        ]
    finally:
        parent.kill()
        for pid in _processes_mentioning(str(output)):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.slow
def test_bad_input_inside_the_notebook_exits_2_with_where_and_how(tmp_path: Path, capsys) -> None:
    posts = tmp_path / "posts.csv"
    posts.write_text("id,body\n1,hello there\n", encoding="utf-8")  # no text/created_at columns
    cfg = tmp_path / "kmsynth.yml"
    cfg.write_text("data:\n  posts: posts.csv\nembedding:\n  embedder: tfidf\n", encoding="utf-8")
    out = tmp_path / "reports"
    with pytest.raises(InputError) as info:
        render_monthly_report("2026-10", config_path=cfg, out=out)
    assert info.value.file and "posts.csv" in info.value.file and info.value.hint
    assert "missing required column" in info.value.message
    code = main(["report", "--month", "2026-10", "--config", str(cfg), "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2 and "posts.csv" in err and "How to fix" in err
    assert "papermill" not in err and "Traceback" not in err
    assert not list(out.glob(".staging-*")) and not (out / "2026-10").exists()


def test_few_voices_flag_follows_the_configured_share() -> None:
    """The report's few-voices flag used a hard-coded 0.5 and min 5 posts while the brief read
    `brief.max_share` and `brief.min_posts`: one setting now decides both."""
    import kmsynth.report.sections as sections
    from kmsynth.config import Config

    mem = pd.DataFrame({"author_id": ["a"] * 6 + ["b"] * 4 + ["c"] * 2})  # a: 50% of 12
    cfg = Config()
    assert sections._voices_flag(mem, 12, cfg) == ""  # 50% is not "more than half"
    mem = pd.DataFrame({"author_id": ["a"] * 8 + ["b"] * 4})  # a: 67%
    assert "one voice" in sections._voices_flag(mem, 12, cfg)
    assert sections._voices_flag(mem, 12, cfg.with_overrides({"brief.max_share": 0.7})) == ""
    assert "few posts" in sections._voices_flag(
        mem, 12, cfg.with_overrides({"privacy.min_cell": 15})
    )
    big = cfg.with_overrides({"brief.min_posts": 20, "brief.max_share": 0.9})
    assert "few posts" in sections._voices_flag(mem, 12, big)


def test_report_flags_are_one_list() -> None:
    """Flags are declared once (ReportFlags); a misspelt one is refused, never ignored."""
    import inspect

    from kmsynth.report import OVERRIDABLE, ReportFlags, override_settings, render_monthly_report
    from kmsynth.runs import run_report

    assert OVERRIDABLE == tuple(ReportFlags.__annotations__)
    for fn in (render_monthly_report, run_report):
        assert not set(inspect.signature(fn).parameters) & set(OVERRIDABLE)
    assert override_settings(posts="p.csv", seed=3)["data.posts"] == "p.csv"
    with pytest.raises(TypeError, match="post"):
        override_settings(post="p.csv")  # type: ignore[call-arg]
