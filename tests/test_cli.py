"""`kmsynth validate`: a summary and exit 0 for a good file; exit 2, rows listed, no traceback."""
from __future__ import annotations

from pathlib import Path

from kmsynth.cli import main


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
