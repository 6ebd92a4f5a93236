"""Loading real exports: encodings, delimiters, quoting, formats, mapping, validation, ledger."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from kmsynth.errors import InputError
from kmsynth.io import load_mapping, load_table, read_raw

HEADER = "post_id,text,created_at,author\n"
ROWS = ["1,Shelters opened in 2024 — café meeting,2026-05-03,Ana\n",
        "2,Helpline answered 9 400 calls,2026-05-04,Rosa\n"]


def _write(tmp_path: Path, name: str, text: str, encoding: str) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "cp1252"])
def test_encodings_are_detected(tmp_path: Path, encoding: str) -> None:
    p = _write(tmp_path, "p.csv", HEADER + "".join(ROWS), encoding)
    loaded = load_table("posts", p)
    assert loaded.table["text"].iloc[0] == "Shelters opened in 2024 — café meeting"
    assert loaded.ledger.counts()["kept"] == 2


@pytest.mark.parametrize("delim", [";", "\t", "|"])
def test_delimiter_is_sniffed(tmp_path: Path, delim: str) -> None:
    text = (HEADER + "".join(ROWS)).replace(",", delim)
    loaded = load_table("posts", _write(tmp_path, "p.csv", text, "utf-8"))
    assert list(loaded.table["post_id"]) == ["1", "2"]


def test_quoted_multiline_fields_and_text_first(tmp_path: Path) -> None:
    text = HEADER + '007,"Line one\nline two, with comma",2026-05-03,Ana\n' + "008,NA,2026-05-04,None\n"
    loaded = load_table("posts", _write(tmp_path, "p.csv", text, "utf-8"))
    t = loaded.table.set_index("post_id")
    assert t.loc["007", "text"] == "Line one\nline two, with comma"  # ids stay text: "007"
    assert t.loc["008", "text"] == "NA"  # "NA" is a word (or Namibia), never a missing value
    assert t.loc["008", "author"] == "None"


def test_stray_quote_swallowing_rows_is_caught(tmp_path: Path) -> None:
    lines = [HEADER, '1,"She said ""stop"" and left,2026-05-03,Ana\n']
    lines += [f"{i},text {i},2026-05-0{i % 9 + 1},Ana\n" for i in range(2, 12)]
    with pytest.raises(InputError) as err:
        load_table("posts", _write(tmp_path, "p.csv", "".join(lines), "utf-8"))
    assert "p.csv" in str(err.value) and "quote" in str(err.value).lower()


def test_missing_required_column_lists_what_is_there(tmp_path: Path) -> None:
    p = _write(tmp_path, "p.csv", "id,body\n1,hello\n", "utf-8")
    with pytest.raises(InputError) as err:
        load_table("posts", p)
    msg = str(err.value)
    assert "p.csv" in msg and "body" in msg and ("text" in msg or "post_id" in msg)


def test_row_problems_name_file_row_column_and_never_the_text(tmp_path: Path) -> None:
    secret = "a very private sentence about violence"
    text = HEADER + f"1,{secret},2026-05-03,Ana\n" + "2,,2026-05-04,Rosa\n" + \
        "3,ok text here,not a date,Rosa\n" + f"1,{secret} edited,2026-05-03,Ana\n" + \
        "4,ok text here too,2026-05-05,Rosa\n" + "4,ok text here too,2026-05-05,Rosa\n"
    loaded = load_table("posts", _write(tmp_path, "p.csv", text, "utf-8"))
    probs = {p.rule: p for p in loaded.problems}
    assert {"empty_text", "bad_date"} <= set(probs)
    assert probs["empty_text"].row == 2 and probs["empty_text"].column == "text"
    assert probs["bad_date"].column == "created_at" and probs["bad_date"].hint
    assert any("duplicate" in p.rule for p in loaded.problems)
    for p in loaded.problems:
        assert secret not in str(p)
        assert "p.csv" in str(p)
    led = loaded.ledger
    led.check()
    c = led.counts()
    assert sum(c.values()) == 6 == led.rows_read
    assert c["merged"] >= 1  # the exact duplicate of 4
    assert c["excluded"] >= 3  # empty, bad date, and the conflicting id


def test_ledger_file_is_owner_only(tmp_path: Path) -> None:
    loaded = load_table("posts", _write(tmp_path, "p.csv", HEADER + "".join(ROWS), "utf-8"))
    path = loaded.ledger.save(tmp_path / "out" / "ledger.csv")
    assert path.stat().st_mode & 0o077 == 0
    assert "Shelters" not in path.read_text()  # ids and positions only


def test_other_formats(tmp_path: Path) -> None:
    df = pd.DataFrame({"post_id": ["007", "8"], "text": ["One text", "Two text"],
                       "created_at": ["2026-05-03", "2026-05-04"]})
    df.to_excel(tmp_path / "p.xlsx", index=False)
    df.to_parquet(tmp_path / "p.parquet")
    (tmp_path / "p.json").write_text(json.dumps(df.to_dict(orient="records")))
    (tmp_path / "p.jsonl").write_text("\n".join(json.dumps(r) for r in df.to_dict(orient="records")))
    for ext in ("xlsx", "parquet", "json", "jsonl"):
        t = load_table("posts", tmp_path / f"p.{ext}").table
        assert list(t["post_id"]) == ["007", "8"], ext


def test_excel_serial_and_zoned_dates(tmp_path: Path) -> None:
    text = "post_id,text,created_at\n1,a text,46150\n2,b text,2026-05-03T23:30:00-05:00\n"
    t = load_table("posts", _write(tmp_path, "p.csv", text, "utf-8")).table.set_index("post_id")
    assert t.loc["1", "created_at"].year == 2026
    assert str(t.loc["2", "created_at"]) == "2026-05-04 04:30:00+00:00"  # to UTC


def test_date_order_from_mapping_and_ambiguity(tmp_path: Path) -> None:
    text = "post_id,text,created_at\n1,a text,03/05/2026\n2,b text,04/06/2026\n"
    p = _write(tmp_path, "p.csv", text, "utf-8")
    m = tmp_path / "m.yml"
    m.write_text("posts:\n  dates:\n    order: DMY\n")
    t = load_table("posts", p, mapping=m).table
    assert t["created_at"].iloc[0].month == 5
    m.write_text("posts:\n  dates:\n    order: MDY\n")
    assert load_table("posts", p, mapping=m).table["created_at"].iloc[0].month == 3
    with pytest.raises(InputError) as err:
        load_table("posts", p)  # both orders possible and not stated
    assert "order" in str(err.value).lower()
    unambiguous = _write(tmp_path, "q.csv", text + "3,c text,25/06/2026\n", "utf-8")
    assert load_table("posts", unambiguous).table["created_at"].iloc[0].month == 5


def test_mapping_renames_columns(tmp_path: Path) -> None:
    p = _write(tmp_path, "p.csv", "ID,Body,Posted\n1,hello there,2026-05-03\n", "utf-8")
    m = tmp_path / "m.yml"
    m.write_text("posts:\n  columns:\n    post_id: ID\n    text: Body\n    created_at: Posted\n")
    assert load_table("posts", p, mapping=load_mapping(m, "posts")).table["text"].iloc[0] == "hello there"
    m.write_text("posts:\n  columns:\n    text: Message\n")
    with pytest.raises(InputError, match="Message"):
        load_table("posts", p, mapping=m)


def test_size_caps(tmp_path: Path) -> None:
    big = "x " * 60_000
    p = _write(tmp_path, "p.csv", HEADER + f"1,{big},2026-05-03,Ana\n" + ROWS[1], "utf-8")
    loaded = load_table("posts", p, max_text_chars=100_000)
    assert any(pr.rule == "text_too_long" for pr in loaded.problems)
    assert loaded.ledger.counts()["excluded"] == 1
    with pytest.raises(InputError, match="MB"):
        read_raw(p, max_file_mb=0.01)
