"""`kmsynth validate`: a summary and exit 0 for a good file; exit 2, rows listed, no traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from kmsynth.cli.main import main


def test_validate_good_file(tmp_path: Path, capsys) -> None:
    p = tmp_path / "posts.csv"
    p.write_text(
        "post_id,text,created_at,author\n"
        "1,We learned that shelters need stable funding to keep staff,2026-05-03,Ana\n"
        "2,Aprendimos que los refugios necesitan financiamiento estable,2026-06-04,Rosa\n",
        encoding="utf-8",
    )
    assert main(["validate", "posts", str(p)]) == 0
    out = capsys.readouterr().out
    assert "2 rows read" in out and "languages:" in out and "2026-05-03 to 2026-06-04" in out
    assert "columns:" in out and "Ana" not in out


def test_validate_bad_file(tmp_path: Path, capsys) -> None:
    p = tmp_path / "posts.csv"
    p.write_text(
        "post_id,text,created_at\n1,,2026-05-03\n2,fine text here,yesterday-ish\n", encoding="utf-8"
    )
    assert main(["validate", "posts", str(p)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "row 1" in err and "row 2" in err and "'text'" in err and "'created_at'" in err


def test_validate_missing_file_and_unknown_kind(tmp_path: Path, capsys) -> None:
    assert main(["validate", "posts", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err
    assert main(["validate", "tweets", "x.csv"]) == 2


GOOD = (
    "post_id,text,created_at,author\n"
    "1,We learned that shelters need stable funding to keep staff,2026-05-03,Ana\n"
    "2,Aprendimos que los refugios necesitan financiamiento estable,2026-06-04,Rosa\n"
)


def test_validate_good_file_with_mapping_and_encoding(tmp_path: Path, capsys) -> None:
    p = tmp_path / "export.csv"
    text = GOOD.replace("post_id,text,created_at,author", "ID;Message;Posted;Member").replace(
        ",", ";"
    )
    p.write_bytes(
        text.replace("2026-05-03", "03/05/2026")
        .replace("2026-06-04", "04/06/2026")
        .encode("utf-16")
    )
    m = tmp_path / "map.yml"
    m.write_text(
        "posts:\n  columns: {post_id: ID, text: Message, created_at: Posted, author: Member}\n"
        "  dates: {order: DMY}\n",
        encoding="utf-8",
    )
    assert main(["validate", "posts", str(p), "--mapping", str(m)]) == 0
    out = capsys.readouterr().out
    assert "utf-16" in out and "';'" in out
    assert "2 rows read: 2 kept" in out
    assert "en 1" in out and "es 1" in out
    assert "2026-05-03 to 2026-06-04" in out  # day-first, as the mapping says
    assert "author_id" in out and "Rosa" not in out


def test_validate_reports_every_problem_without_the_text(tmp_path: Path, capsys) -> None:
    secret = "he threatened me again at the market"
    p = tmp_path / "posts.csv"
    p.write_text(
        "post_id,text,created_at\n"
        f"1,{secret},2026-05-03\n"
        "2,,2026-05-04\n"
        f"3,{secret} twice,someday\n"
        f"1,{secret} edited,2026-05-03\n"
        "4,fine text for the record,2026-05-05\n",
        encoding="utf-8",
    )
    assert main(["validate", "posts", str(p)]) == 2
    cap = capsys.readouterr()
    err = cap.err
    assert "Traceback" not in err and "3 row(s)" in err
    for piece in (
        "row 2",
        "row 3",
        "row 4",
        "'text'",
        "'created_at'",
        "'post_id'",
        "to fix:",
        str(p),
    ):
        assert piece in err, piece
    assert "threatened" not in err and "threatened" not in cap.out
    assert "5 rows read: 2 kept, 3 excluded" in cap.out


@pytest.mark.parametrize(
    "content,needle",
    [
        (
            (
                "post_id,text,created_at\n"
                '1,"opened and never closed,2026-05-03\n2,next,2026-05-04\n'
                "3,third,2026-05-05\n"
            ),
            "never closed",
        ),
        ("id,body\n1,hello\n", "missing required column"),
        ("post_id,text,created_at\n1,a,03/04/2026\n2,b,05/06/2026\n", "ambiguous"),
    ],
)
def test_validate_file_level_problems_exit_2(
    tmp_path: Path, capsys, content: str, needle: str
) -> None:
    p = tmp_path / "posts.csv"
    p.write_text(content, encoding="utf-8")
    assert main(["validate", "posts", str(p)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err and "How to fix" in err and str(p) in err


def test_validate_size_cap_from_config(tmp_path: Path, capsys) -> None:
    p = tmp_path / "posts.csv"
    p.write_text(
        GOOD + "".join(f"{i},text number {i},2026-05-05,Ana\n" for i in range(3, 3000)),
        encoding="utf-8",
    )
    cfg = tmp_path / "kmsynth.yml"
    cfg.write_text("limits:\n  max_file_mb: 0.01\n", encoding="utf-8")
    assert main(["validate", "posts", str(p), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "MB" in err and "max_file_mb" in err and "Traceback" not in err


def test_validate_warnings_do_not_fail(tmp_path: Path, capsys) -> None:
    p = tmp_path / "posts.csv"
    p.write_text(GOOD + "3,🙏🙏,2026-05-05,Ana\n", encoding="utf-8")
    assert main(["validate", "posts", str(p)]) == 0
    out = capsys.readouterr().out
    assert "1 warning(s)" in out and "row 3" in out and "no words" in out and "🙏" not in out


@pytest.mark.parametrize(
    "kind,content",
    [
        (
            "findings",
            "finding_id,text,pillar,year\n"
            "F1,Coordination between police and shelters improved,4,2025\n",
        ),
        (
            "lessons",
            "lesson_id,text,type\n"
            "L1,Training judges together with prosecutors helped,Good practice\n",
        ),
        ("survey", "response_id,submitted_at,Q1\nR1,2026-05-03,Agree\nR2,2026-05-04,Disagree\n"),
    ],
)
def test_validate_other_kinds(tmp_path: Path, capsys, kind: str, content: str) -> None:
    p = tmp_path / f"{kind}.csv"
    p.write_text(content, encoding="utf-8")
    assert main(["validate", kind, str(p)]) == 0
    assert "rows read" in capsys.readouterr().out


def test_internal_error_is_short_and_quotes_no_data(tmp_path: Path, capsys, monkeypatch) -> None:
    import importlib

    prepare_module = importlib.import_module(
        "kmsynth.ingest.prepare"
    )  # the package re-exports the function

    def boom(*a, **k):
        raise RuntimeError("private words from a post")

    monkeypatch.setattr(prepare_module, "prepare", boom)
    monkeypatch.setenv("KMSYNTH_ERROR_LOG", str(tmp_path / "err.log"))
    p = tmp_path / "posts.csv"
    p.write_text(GOOD, encoding="utf-8")
    assert main(["validate", "posts", str(p)]) == 1
    err = capsys.readouterr().err
    assert (
        "internal error (RuntimeError)" in err
        and "private words" not in err
        and "Traceback" not in err
    )
    log = tmp_path / "err.log"
    assert log.stat().st_mode & 0o077 == 0 and "Traceback" in log.read_text()


# --------------------------------------------------------------------------------------------
# issue 13 item 18, issue 16: the command line a new user meets

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("month", ["2026-10\n", "0000-01", "9999-12", "2026-1", " 2026-10"])
def test_report_month_must_be_a_real_month(month: str, tmp_path: Path, capsys) -> None:
    posts = tmp_path / "posts.csv"
    posts.write_text(GOOD, encoding="utf-8")
    assert main(["report", "--month", month, "--posts", str(posts), "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "month" in err and "Traceback" not in err


def test_version_and_help(capsys) -> None:
    from kmsynth import __version__
    from kmsynth.cli.main import build_parser

    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"kmsynth {__version__}"
    parser = build_parser()
    texts = [parser.format_help()]
    for action in parser._subparsers._group_actions:  # every sub-command's --help
        texts += [p.format_help() for p in action.choices.values()]
    assert len(texts) >= 8
    assert not [t for t in texts if "DESIGN" in t or ".py" in t]


def test_validate_into_a_closed_pipe_exits_quietly(tmp_path: Path) -> None:
    import subprocess
    import sys

    p = tmp_path / "posts.csv"
    p.write_text(GOOD, encoding="utf-8")
    cmd = f"{sys.executable} -m kmsynth validate posts {p} | true"  # the reader left at once
    proc = subprocess.run(
        ["bash", "-c", cmd],
        capture_output=True,
        text=True,
        timeout=120,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)},
        cwd=tmp_path,
    )
    assert proc.stderr == "", proc.stderr


def test_check_lists_every_config_problem_at_once(tmp_path: Path, capsys) -> None:
    (tmp_path / "curation.yml").write_text("", encoding="utf-8")  # empty: no decisions yet
    cfg = tmp_path / "kmsynth.yml"
    cfg.write_text(
        "data:\n  posts: nope.csv\n  curation: curation.yml\nprivacy:\n  min_cell: 2\n"
        "embedding:\n  embedder: no-such-model\nthemes:\n  min_theme_size: 0\n",
        encoding="utf-8",
    )
    assert main(["check", "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "4 problem(s)" in err and "Traceback" not in err
    for column in ("privacy.min_cell", "themes.min_theme_size", "data.posts", "embedding.embedder"):
        assert column in err, column
    assert "curation" not in err
    good = tmp_path / "good.yml"
    (tmp_path / "posts.csv").write_text(GOOD, encoding="utf-8")
    good.write_text(
        "data:\n  posts: posts.csv\n  curation: missing-yet.yml\nembedding:\n  embedder: tfidf\n",
        encoding="utf-8",
    )
    assert main(["check", "--config", str(good)]) == 0


def test_report_checks_the_config_before_anything_slow(tmp_path: Path, capsys, monkeypatch) -> None:
    import kmsynth.report.run as run_module

    def never(*a, **k):
        raise AssertionError("the notebook ran with a broken config")

    monkeypatch.setattr(run_module, "execute", never)
    (tmp_path / "posts.csv").write_text(GOOD, encoding="utf-8")
    cfg = tmp_path / "kmsynth.yml"
    cfg.write_text(
        "data:\n  posts: posts.csv\nembedding:\n  embedder: no-such-model\n", encoding="utf-8"
    )
    assert (
        main(["report", "--month", "2026-10", "--config", str(cfg), "--out", str(tmp_path / "r")])
        == 2
    )
    err = capsys.readouterr().err
    assert "embedding.embedder" in err and "kmsynth check" in err


def test_empty_curation_file_means_no_decisions(tmp_path: Path) -> None:
    from kmsynth.themes.curation import Curation

    for text in ("", "decisions:\n", "decisions: []\n"):
        p = tmp_path / "curation.yml"
        p.write_text(text, encoding="utf-8")
        assert Curation.load(p).decisions == []


def test_hints_never_point_into_source_code() -> None:
    import ast
    import re

    bad = []
    for path in (ROOT / "kmsynth").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.keyword) and node.arg == "hint":
                for s in ast.walk(node.value):
                    if (
                        isinstance(s, ast.Constant)
                        and isinstance(s.value, str)
                        and re.search(r"\w\.py\b|kmsynth/", s.value)
                    ):
                        bad.append(f"{path.relative_to(ROOT)}:{s.lineno}")
    assert not bad, bad


def test_manifest_is_valid_json_without_nan(tmp_path: Path) -> None:
    import json

    import numpy as np

    from kmsynth.manifest import build_manifest, write_json

    man = build_manifest(
        "themes",
        sources=[{"file": "/data/x.csv", "sha256": "ab", "rows": 3}],
        parameters={"share": float("nan"), "n": np.int64(3)},
        outlier_share=np.float64("nan"),
        sizes=[1.0, float("inf")],
    )
    write_json(tmp_path / "m.json", man)

    def no_constants(name: str):
        raise AssertionError(f"{name} in manifest.json")

    back = json.loads((tmp_path / "m.json").read_text("utf-8"), parse_constant=no_constants)
    assert back["outlier_share"] is None and back["parameters"] == {"share": None, "n": 3}
    assert back["inputs"] == [{"file": "x.csv", "sha256": "ab", "rows": 3}]


def test_method_table_is_readable_text() -> None:
    from kmsynth.report import theme_model_text

    text = theme_model_text(
        {"n_docs": 81, "reducer": "umap", "min_theme_size_used": 5, "outlier_threshold": 0.2}
    )
    assert "{" not in text and "81 posts" in text and "umap" in text


def test_progress_on_request_quiet_otherwise(tmp_path: Path, capsys) -> None:
    p = tmp_path / "docs.csv"
    rows = [f"{i},shelter survivors helpline number {i} beds referral" for i in range(30)]
    p.write_text("id,text\n" + "\n".join(rows) + "\n", encoding="utf-8")
    args = ["themes", str(p), "--out", str(tmp_path / "t"), "--embedder", "tfidf", "--id-col", "id"]
    assert main(args) == 0
    assert "kmsynth [" not in capsys.readouterr().err  # not a terminal, no -v: quiet (cron)
    assert main(["-v", *args]) == 0
    err = capsys.readouterr().err
    assert "embedding and fitting themes (30 documents" in err and "summarising" in err


def test_notebooks_use_the_kernel_make_lab_registers() -> None:
    import json
    import re

    make = (ROOT / "Makefile").read_text("utf-8")
    registered = re.search(r"ipykernel install --sys-prefix --name (\S+)", make).group(1)
    from kmsynth.report.execution import KERNEL

    assert KERNEL == registered
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        assert json.loads(nb.read_text("utf-8"))["metadata"]["kernelspec"]["name"] == registered, nb


@pytest.mark.slow
def test_pip_install_then_demo_from_any_folder(tmp_path: Path) -> None:
    """`pip install .` (a wheel, not editable) into a fresh venv; `kmsynth demo` elsewhere."""
    import os
    import shutil
    import subprocess
    import sys
    import sysconfig

    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "kmsynth",
        src / "kmsynth",
        ignore=shutil.ignore_patterns("__pycache__", ".kmsynth-cache", "*.pyc"),
    )
    run = {"capture_output": True, "text": True, "timeout": 600}
    wheel = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-index",
            "--no-build-isolation",
            "-w",
            str(tmp_path / "whl"),
            str(src),
        ],
        **run,
    )
    assert wheel.returncode == 0, wheel.stderr[-2000:]
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, **run)
    py = venv / "bin" / "python"
    site = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        **run,
    ).stdout.strip()
    # the dependencies come from this environment's site-packages (nothing is downloaded)
    Path(site, "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n", encoding="utf-8")
    whl = next((tmp_path / "whl").glob("kmsynth-*.whl"))
    inst = subprocess.run(
        [str(py), "-m", "pip", "install", "--no-deps", "--no-index", str(whl)], **run
    )
    assert inst.returncode == 0, inst.stderr[-2000:]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # nbconvert's templates are data files of the environment that holds nbconvert
    env["JUPYTER_PATH"] = str(Path(sys.prefix) / "share" / "jupyter")
    where = subprocess.run(
        [str(py), "-c", "import kmsynth; print(kmsynth.__file__)"],
        cwd=elsewhere,
        env=env,
        check=True,
        **run,
    ).stdout
    assert where.startswith(str(venv)), where  # the installed copy, not the source tree
    kmsynth = str(venv / "bin" / "kmsynth")
    version = subprocess.run([kmsynth, "--version"], cwd=elsewhere, env=env, **run)
    assert version.stdout.startswith("kmsynth 0.")
    cache = Path.home() / ".cache" / "kmsynth"  # shared with `make demo`: embeddings reused
    demo = subprocess.run(
        [kmsynth, "demo", "--out", "out", "--cache", str(cache)],
        cwd=elsewhere,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert demo.returncode == 0, demo.stderr[-2000:]
    page = elsewhere / "out" / "2026-10" / "index.html"
    assert page.is_file() and "Themes of the month" in page.read_text("utf-8")
    assert not list(Path(site, "kmsynth").rglob(".kmsynth-cache"))  # nothing written in the package
