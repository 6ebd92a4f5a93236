"""`kmsynth validate`: a summary and exit 0 for a good file; exit 2, rows listed, no traceback."""
from __future__ import annotations

from pathlib import Path

import pytest

from kmsynth.cli.main import main


def test_validate_good_file(tmp_path: Path, capsys) -> None:
    p = tmp_path / "posts.csv"
    p.write_text("post_id,text,created_at,author\n"
                 "1,We learned that shelters need stable funding to keep staff,2026-05-03,Ana\n"
                 "2,Aprendimos que los refugios necesitan financiamiento estable,2026-06-04,Rosa\n",
                 encoding="utf-8")
    assert main(["validate", "posts", str(p)]) == 0
    out = capsys.readouterr().out
    assert "2 rows read" in out and "languages:" in out and "2026-05-03 to 2026-06-04" in out
    assert "columns:" in out and "Ana" not in out


def test_validate_bad_file(tmp_path: Path, capsys) -> None:
    p = tmp_path / "posts.csv"
    p.write_text("post_id,text,created_at\n1,,2026-05-03\n2,fine text here,yesterday-ish\n", encoding="utf-8")
    assert main(["validate", "posts", str(p)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "row 1" in err and "row 2" in err and "'text'" in err and "'created_at'" in err


def test_validate_missing_file_and_unknown_kind(tmp_path: Path, capsys) -> None:
    assert main(["validate", "posts", str(tmp_path / "nope.csv")]) == 2
    assert "nope.csv" in capsys.readouterr().err
    assert main(["validate", "tweets", "x.csv"]) == 2


GOOD = ("post_id,text,created_at,author\n"
        "1,We learned that shelters need stable funding to keep staff,2026-05-03,Ana\n"
        "2,Aprendimos que los refugios necesitan financiamiento estable,2026-06-04,Rosa\n")


def test_validate_good_file_with_mapping_and_encoding(tmp_path: Path, capsys) -> None:
    p = tmp_path / "export.csv"
    text = GOOD.replace("post_id,text,created_at,author", "ID;Message;Posted;Member").replace(",", ";")
    p.write_bytes(text.replace("2026-05-03", "03/05/2026").replace("2026-06-04", "04/06/2026")
                  .encode("utf-16"))
    m = tmp_path / "map.yml"
    m.write_text("posts:\n  columns: {post_id: ID, text: Message, created_at: Posted, author: Member}\n"
                 "  dates: {order: DMY}\n", encoding="utf-8")
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
    p.write_text("post_id,text,created_at\n"
                 f"1,{secret},2026-05-03\n"
                 "2,,2026-05-04\n"
                 f"3,{secret} twice,someday\n"
                 f"1,{secret} edited,2026-05-03\n"
                 "4,fine text for the record,2026-05-05\n", encoding="utf-8")
    assert main(["validate", "posts", str(p)]) == 2
    cap = capsys.readouterr()
    err = cap.err
    assert "Traceback" not in err and "3 row(s)" in err
    for piece in ("row 2", "row 3", "row 4", "'text'", "'created_at'", "'post_id'", "to fix:", str(p)):
        assert piece in err, piece
    assert "threatened" not in err and "threatened" not in cap.out
    assert "5 rows read: 2 kept, 3 excluded" in cap.out


@pytest.mark.parametrize("content,needle", [
    (("post_id,text,created_at\n1,\"opened and never closed,2026-05-03\n2,next,2026-05-04\n"
      "3,third,2026-05-05\n"), "never closed"),
    ("id,body\n1,hello\n", "missing required column"),
    ("post_id,text,created_at\n1,a,03/04/2026\n2,b,05/06/2026\n", "ambiguous"),
])
def test_validate_file_level_problems_exit_2(tmp_path: Path, capsys, content: str, needle: str) -> None:
    p = tmp_path / "posts.csv"
    p.write_text(content, encoding="utf-8")
    assert main(["validate", "posts", str(p)]) == 2
    err = capsys.readouterr().err
    assert needle in err and "Traceback" not in err and "How to fix" in err and str(p) in err


def test_validate_size_cap_from_config(tmp_path: Path, capsys) -> None:
    p = tmp_path / "posts.csv"
    p.write_text(GOOD + "".join(f"{i},text number {i},2026-05-05,Ana\n" for i in range(3, 3000)),
                 encoding="utf-8")
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


@pytest.mark.parametrize("kind,content", [
    ("findings", "finding_id,text,pillar,year\nF1,Coordination between police and shelters improved,4,2025\n"),
    ("lessons", "lesson_id,text,type\nL1,Training judges together with prosecutors helped,Good practice\n"),
    ("survey", "response_id,submitted_at,Q1\nR1,2026-05-03,Agree\nR2,2026-05-04,Disagree\n"),
])
def test_validate_other_kinds(tmp_path: Path, capsys, kind: str, content: str) -> None:
    p = tmp_path / f"{kind}.csv"
    p.write_text(content, encoding="utf-8")
    assert main(["validate", kind, str(p)]) == 0
    assert "rows read" in capsys.readouterr().out


def test_internal_error_is_short_and_quotes_no_data(tmp_path: Path, capsys, monkeypatch) -> None:
    import importlib

    prepare_module = importlib.import_module("kmsynth.ingest.prepare")  # the package re-exports the function

    def boom(*a, **k):
        raise RuntimeError("private words from a post")

    monkeypatch.setattr(prepare_module, "prepare", boom)
    monkeypatch.setenv("KMSYNTH_ERROR_LOG", str(tmp_path / "err.log"))
    p = tmp_path / "posts.csv"
    p.write_text(GOOD, encoding="utf-8")
    assert main(["validate", "posts", str(p)]) == 1
    err = capsys.readouterr().err
    assert "internal error (RuntimeError)" in err and "private words" not in err and "Traceback" not in err
    log = tmp_path / "err.log"
    assert log.stat().st_mode & 0o077 == 0 and "Traceback" in log.read_text()
