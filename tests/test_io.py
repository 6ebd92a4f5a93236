"""Loading real exports: encodings, delimiters, quoting, formats, mapping, validation, ledger."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from kmsynth.errors import InputError
from kmsynth.ingest import load_mapping, load_table, read_raw

HEADER = "post_id,text,created_at,author\n"
ROWS = [
    "1,Shelters opened in 2024 — café meeting,2026-05-03,Ana\n",
    "2,Helpline answered 9 400 calls,2026-05-04,Rosa\n",
]


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
    text = (
        HEADER
        + '007,"Line one\nline two, with comma",2026-05-03,Ana\n'
        + "008,NA,2026-05-04,None\n"
    )
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
    text = (
        HEADER
        + f"1,{secret},2026-05-03,Ana\n"
        + "2,,2026-05-04,Rosa\n"
        + "3,ok text here,not a date,Rosa\n"
        + f"1,{secret} edited,2026-05-03,Ana\n"
        + "4,ok text here too,2026-05-05,Rosa\n"
        + "4,ok text here too,2026-05-05,Rosa\n"
    )
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
    df = pd.DataFrame(
        {
            "post_id": ["007", "8"],
            "text": ["One text", "Two text"],
            "created_at": ["2026-05-03", "2026-05-04"],
        }
    )
    df.to_excel(tmp_path / "p.xlsx", index=False)
    df.to_parquet(tmp_path / "p.parquet")
    (tmp_path / "p.json").write_text(json.dumps(df.to_dict(orient="records")))
    (tmp_path / "p.jsonl").write_text(
        "\n".join(json.dumps(r) for r in df.to_dict(orient="records"))
    )
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
    assert (
        load_table("posts", p, mapping=load_mapping(m, "posts")).table["text"].iloc[0]
        == "hello there"
    )
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


# --------------------------------------------------------------------------------------------
# More bad inputs (RELIABILITY.md "Bad inputs to try")


def test_bom_does_not_stick_to_the_first_column_name(tmp_path: Path) -> None:
    p = _write(tmp_path, "p.csv", HEADER + ROWS[0], "utf-8-sig")
    loaded = load_table("posts", p)
    assert loaded.table.columns[0] == "post_id"
    assert loaded.sources[0]["encoding"] == "utf-8-sig"


def test_utf16_with_semicolons_and_crlf(tmp_path: Path) -> None:
    text = (HEADER + "".join(ROWS)).replace(",", ";").replace("\n", "\r\n")
    loaded = load_table("posts", _write(tmp_path, "p.csv", text, "utf-16"))
    assert loaded.sources[0]["delimiter"] == ";"
    assert loaded.table["text"].iloc[1] == "Helpline answered 9 400 calls"


def test_cp1252_curly_quotes_and_accents(tmp_path: Path) -> None:
    body = "1,\u201cS\u00e3o Paulo\u201d \u2013 na\u00efve caf\u00e9 \u20ac5,2026-05-03,Jos\u00e9\n"
    loaded = load_table("posts", _write(tmp_path, "p.csv", HEADER + body, "cp1252"))
    assert loaded.sources[0]["encoding"] == "cp1252"
    assert (
        loaded.table["text"].iloc[0]
        == "\u201cS\u00e3o Paulo\u201d \u2013 na\u00efve caf\u00e9 \u20ac5"
    )


def test_quoted_multiline_with_tab_delimiter(tmp_path: Path) -> None:
    text = (
        'post_id\ttext\tcreated_at\n1\t"first line\n\tindented second\n"\t2026-05-03\n'
        "2\tplain\t2026-05-04\n"
    )
    t = load_table("posts", _write(tmp_path, "p.tsv", text, "utf-8")).table
    assert t["text"].iloc[0] == "first line\n\tindented second\n"
    assert list(t["post_id"]) == ["1", "2"]


def test_stray_quote_error_names_row_column_and_fix(tmp_path: Path) -> None:
    lines = [HEADER, "0,fine,2026-05-02,Ana\n", '1,"She said stop and left,2026-05-03,Ana\n']
    lines += [f"{i},text number {i},2026-05-0{i % 9 + 1},Ana\n" for i in range(2, 8)]
    with pytest.raises(InputError) as err:
        load_table("posts", _write(tmp_path, "p.csv", "".join(lines), "utf-8"))
    e = err.value
    assert e.row == 2 and e.column == "text" and '""' in e.hint and "line 3" in e.hint
    assert "stop" not in str(e)  # never the text itself


def test_missing_required_column_message(tmp_path: Path) -> None:
    p = _write(tmp_path, "export.csv", "Post ID,Message,Date posted\n1,hello,2026-05-03\n", "utf-8")
    with pytest.raises(InputError) as err:
        load_table("posts", p)
    e = err.value
    assert e.file == str(p) and e.column in ("text", "created_at")
    msg = str(e)
    for col in ("'Post ID'", "'Message'", "'Date posted'"):  # lists the columns that are there
        assert col in msg
    assert "mapping" in msg  # says how to fix it


def test_empty_text_unparseable_date_and_conflicting_id_details(tmp_path: Path) -> None:
    secret = "my neighbour hurt me last night"
    text = (
        HEADER
        + f"10,{secret},2026-05-03,Ana\n"
        + "11,   ,2026-05-04,Rosa\n"
        + f"12,{secret} too,31/31/2026,Rosa\n"
        + f"10,{secret} but edited,2026-05-03,Ana\n"
    )
    loaded = load_table("posts", _write(tmp_path, "p.csv", text, "utf-8"))
    by_rule = {p.rule: p for p in loaded.problems}
    e, d, dup = by_rule["empty_text"], by_rule["bad_date"], by_rule["duplicate_id_different_text"]
    assert (e.row, e.column, e.record_id) == (2, "text", "11")
    assert (d.row, d.column, d.line) == (3, "created_at", 4)
    assert (dup.row, dup.column, dup.record_id) == (4, "post_id", "10")
    assert "row 1" in dup.message  # points at the earlier version
    for p in (e, d, dup):
        assert p.hint and p.file == str(tmp_path / "p.csv") and p.severity == "error"
        assert secret not in str(p) and "neighbour" not in p.hint
    assert list(loaded.table["post_id"]) == ["10"]  # the first version is kept


def test_exact_duplicates_merged_and_ledger_adds_up(tmp_path: Path) -> None:
    rows = [f"{i},post number {i} about shelters,2026-05-0{i},Ana\n" for i in range(1, 6)]
    text = (
        HEADER
        + "".join(rows)
        + rows[0]
        + rows[0]
        + "9,post number 2 about shelters,2026-05-02,Ana\n"
        + "10,,2026-05-03,Ana\n"
    )
    loaded = load_table("posts", _write(tmp_path, "p.csv", text, "utf-8"))
    led = loaded.ledger
    c = led.counts()
    assert c == {"kept": 5, "merged": 3, "excluded": 1, "out_of_period": 0}
    merged = led.frame[led.frame["status"] == "merged"]
    assert set(merged["merged_into"]) == {
        "1",
        "2",
    }  # same id repeated, and same text under a new id
    # later stages mark rows outside the month: the sum still equals the rows read
    t = loaded.table
    led.mark_out_of_period(t[t["post_id"].isin(["4", "5"])][["_file", "_row"]], "after 2026-05")
    c = led.counts()
    assert c["out_of_period"] == 2 and c["kept"] == 3
    assert c["kept"] + c["merged"] + c["excluded"] + c["out_of_period"] == led.rows_read == 9
    led.check()
    path = led.save(tmp_path / "run" / "ledger.csv")
    assert (path.stat().st_mode & 0o777) == 0o600
    saved = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(saved) == 9 and set(saved["status"]) == {
        "kept",
        "merged",
        "excluded",
        "out_of_period",
    }
    assert "shelters" not in path.read_text()


def test_cross_file_duplicates(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.csv", HEADER + ROWS[0] + ROWS[1], "utf-8")
    b = _write(
        tmp_path,
        "b.csv",
        HEADER
        + ROWS[1]
        + "1,Different words under id 1,2026-05-03,Ana\n"
        + "3,New post,2026-05-05,Rosa\n",
        "utf-8",
    )
    loaded = load_table("posts", [a, b])
    assert sorted(loaded.table["post_id"]) == ["1", "2", "3"]
    c = loaded.ledger.counts()
    assert (c["kept"], c["merged"], c["excluded"]) == (3, 1, 1)
    dup = next(p for p in loaded.problems if p.rule == "duplicate_id_different_text")
    assert dup.file == str(b) and dup.row == 2 and str(a) in dup.message


def test_na_none_and_leading_zero_ids_stay_text(tmp_path: Path) -> None:
    text = (
        HEADER + "007,NA,2026-05-03,NA\n" + "0008,None,2026-05-04,null\n" + "1e5,N/A,2026-05-05,\n"
    )
    t = load_table("posts", _write(tmp_path, "p.csv", text, "utf-8")).table.set_index("post_id")
    assert list(t.index) == ["007", "0008", "1e5"]
    assert (
        t.loc["007", "text"] == "NA"
        and t.loc["0008", "text"] == "None"
        and t.loc["1e5", "text"] == "N/A"
    )
    assert t.loc["0008", "author"] == "null"


def test_emoji_only_rtl_and_script_text(tmp_path: Path) -> None:
    rtl = (
        "\u0646\u062d\u0646 \u0646\u062f\u0639\u0645 "
        "\u0627\u0644\u0646\u0627\u062c\u064a\u0627\u062a"
    )
    payload = "<script>alert('x')</script> shelters"
    text = (
        HEADER
        + "1,\U0001f64f\U0001f64f\u2764\ufe0f,2026-05-03,Ana\n"
        + f"2,{rtl} and English,2026-05-03,Ana\n"
        + f'3,"{payload}",2026-05-03,Ana\n'
    )
    loaded = load_table("posts", _write(tmp_path, "p.csv", text, "utf-8"))
    nowords = [p for p in loaded.problems if p.rule == "no_words"]
    assert len(nowords) == 1 and nowords[0].row == 1 and "\U0001f64f" not in str(nowords[0])
    assert loaded.ledger.frame.set_index("row").loc[1, "reason"] == "no_words"
    t = loaded.table.set_index("post_id")
    assert t.loc["2", "text"] == f"{rtl} and English"
    assert t.loc["3", "text"] == payload  # kept as text; escaping is the renderer's job


def test_extra_and_renamed_columns(tmp_path: Path) -> None:
    text = "Post ID,Text,Created At,Likes,Region\n1,hello world,2026-05-03,4,Africa\n"
    t = load_table("posts", _write(tmp_path, "p.csv", text, "utf-8")).table
    assert {"post_id", "text", "created_at", "Likes", "region"} <= set(t.columns)
    assert t["Likes"].iloc[0] == "4"


def test_xlsx_with_date_cells_and_serials(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["post_id", "text", "created_at"])
    ws.append(["007", "A text from a workbook", dt.datetime(2026, 5, 3, 14, 30)])
    ws.append([8, "Another text", 46150])  # a number id and a date typed as a serial
    ws.append([None, None, None])  # blank rows are skipped
    ws.append(["9", "Third text", "2026-05-05"])
    wb.save(tmp_path / "p.xlsx")
    loaded = load_table("posts", tmp_path / "p.xlsx")
    t = loaded.table.set_index("post_id")
    assert list(t.index) == ["007", "8", "9"]
    assert str(t.loc["007", "created_at"]) == "2026-05-03 14:30:00+00:00"
    assert t.loc["8", "created_at"] == pd.Timestamp("2026-05-08", tz="UTC")  # 46150 = 2026-05-08
    assert list(loaded.ledger.frame["line"]) == [2, 3, 5]  # sheet rows, for people to find them


def test_json_object_wrapper_and_bad_jsonl_line(tmp_path: Path) -> None:
    recs = [{"post_id": 7, "text": "From JSON", "created_at": "2026-05-03", "tags": ["a", "b"]}]
    (tmp_path / "p.json").write_text(json.dumps({"meta": {"n": 1}, "data": recs}))
    t = load_table("posts", tmp_path / "p.json").table
    assert t["post_id"].iloc[0] == "7" and t["tags"].iloc[0] == '["a", "b"]'
    (tmp_path / "p.jsonl").write_text(json.dumps(recs[0]) + "\n{not json\n")
    with pytest.raises(InputError) as err:
        load_table("posts", tmp_path / "p.jsonl")
    assert err.value.row == 2 and "line 2" in err.value.hint


def test_parquet_with_typed_columns(tmp_path: Path) -> None:
    df = pd.DataFrame(
        {
            "post_id": [7, 8],
            "text": ["one", "two"],
            "created_at": pd.to_datetime(["2026-05-03 10:00", "2026-05-04 11:00"]),
        }
    )
    df.to_parquet(tmp_path / "p.parquet")
    t = load_table("posts", tmp_path / "p.parquet").table
    assert list(t["post_id"]) == ["7", "8"]
    assert str(t["created_at"].iloc[1]) == "2026-05-04 11:00:00+00:00"


@pytest.mark.parametrize(
    "value,expected",
    [
        ("2026-05-03", "2026-05-03 00:00:00+00:00"),
        ("2026-05-03T10:15:00Z", "2026-05-03 10:15:00+00:00"),
        ("2026-05-03 10:15:00+02:00", "2026-05-03 08:15:00+00:00"),
        ("2026-12-31T23:30:00-05:00", "2027-01-01 04:30:00+00:00"),  # across the year boundary
        ("2026-05-03T10:15:00+0530", "2026-05-03 04:45:00+00:00"),
        ("2026-05-03 10:15 UTC", "2026-05-03 10:15:00+00:00"),
        ("46150", "2026-05-08 00:00:00+00:00"),
        ("46150.5", "2026-05-08 12:00:00+00:00"),
        ("25/12/2026", "2026-12-25 00:00:00+00:00"),
        ("5 March 2026", "2026-03-05 00:00:00+00:00"),
    ],
)
def test_date_forms_become_utc(value: str, expected: str) -> None:
    from kmsynth.ingest import parse_dates

    parsed = parse_dates(pd.Series([value]))
    assert str(parsed.values.iloc[0]) == expected
    assert not parsed.bad.any()


def test_naive_times_read_in_the_mapping_timezone(tmp_path: Path) -> None:
    from kmsynth.ingest import parse_dates

    s = pd.Series(["2026-07-01 09:00", "2026-03-08 02:30", "2026-07-01T09:00:00+00:00"])
    out = parse_dates(s, timezone="America/New_York").values
    assert str(out.iloc[0]) == "2026-07-01 13:00:00+00:00"  # EDT, UTC-4
    assert (
        out.iloc[1].tz is not None and not parse_dates(s, timezone="America/New_York").bad.any()
    )  # DST gap
    assert str(out.iloc[2]) == "2026-07-01 09:00:00+00:00"  # an explicit zone wins


def test_ambiguous_date_order_error_names_file_and_fix(tmp_path: Path) -> None:
    p = _write(
        tmp_path,
        "p.csv",
        "post_id,text,created_at\n1,a text,03/05/2026\n2,b text,04/06/2026\n",
        "utf-8",
    )
    with pytest.raises(InputError) as err:
        load_table("posts", p)
    e = err.value
    assert e.file == str(p) and e.column == "created_at" and "DMY" in e.hint and "MDY" in e.hint


def test_mixed_date_orders_refused(tmp_path: Path) -> None:
    p = _write(
        tmp_path, "p.csv", "post_id,text,created_at\n1,a,25/05/2026\n2,b,05/25/2026\n", "utf-8"
    )
    with pytest.raises(InputError, match="mix"):
        load_table("posts", p)


def test_file_size_cap_is_clear(tmp_path: Path) -> None:
    p = _write(tmp_path, "big.csv", HEADER + "".join(ROWS) * 2000, "utf-8")
    with pytest.raises(InputError) as err:
        load_table("posts", p, max_file_mb=0.05)
    msg = str(err.value)
    assert "big.csv" in msg and "MB" in msg and "max_file_mb" in msg


def test_row_cap_is_clear(tmp_path: Path) -> None:
    rows = "".join(f"{i},text {i},2026-05-03,Ana\n" for i in range(30))
    with pytest.raises(InputError, match="max_rows"):
        load_table("posts", _write(tmp_path, "p.csv", HEADER + rows, "utf-8"), max_rows=10)


def test_a_50_mb_post_is_refused_by_max_text_chars(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    with p.open("w", encoding="utf-8") as f:
        f.write(HEADER + "1,")
        f.write("words " * (50 * 2**20 // 6))
        f.write(",2026-05-03,Ana\n" + ROWS[1])
    loaded = load_table("posts", p, max_text_chars=100_000)
    prob = [pr for pr in loaded.problems if pr.rule == "text_too_long"]
    assert len(prob) == 1 and prob[0].row == 1 and prob[0].column == "text"
    assert "100,000 characters" in prob[0].message and "max_text_chars" in prob[0].hint
    assert "words" not in str(prob[0])
    assert list(loaded.table["post_id"]) == ["2"]
    assert loaded.ledger.counts()["excluded"] == 1


@pytest.mark.parametrize(
    "content,name,needle",
    [
        (b"", "p.csv", "empty"),
        (b"post_id,text\n", "p.docx", "unsupported"),
    ],
)
def test_unreadable_files(tmp_path: Path, content: bytes, name: str, needle: str) -> None:
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(InputError, match=needle):
        load_table("posts", p)


def test_unknown_kind_and_bad_mapping(tmp_path: Path) -> None:
    p = _write(tmp_path, "p.csv", HEADER + ROWS[0], "utf-8")
    with pytest.raises(InputError, match="unknown table kind"):
        load_table("tweets", p)
    m = tmp_path / "m.yml"
    m.write_text("posts:\n  dates:\n    order: DDMM\n")
    with pytest.raises(InputError, match="dates.order"):
        load_table("posts", p, mapping=m)
    m.write_text("posts:\n  columns:\n    body_text: Body\n")
    with pytest.raises(InputError, match="body_text"):
        load_table("posts", p, mapping=m)


def test_date_order_evidence_ignores_impossible_and_symmetric_dates() -> None:
    from kmsynth.ingest import parse_dates

    out = parse_dates(
        pd.Series(["05/05/2026", "31/31/2026", "2026/04/03", "25/04/2026", "03/04/2026"])
    )
    assert out.order_used == "DMY"
    assert list(out.bad) == [False, True, False, False, False]
    assert [str(v.date()) for v in out.values.dropna()] == [
        "2026-05-05",
        "2026-04-03",
        "2026-04-25",
        "2026-04-03",
    ]
    alone = parse_dates(pd.Series(["07/07/2026", "not a date"]))  # nothing ambiguous: no error
    assert list(alone.bad) == [False, True]


def test_utf16_without_a_byte_order_mark(tmp_path: Path) -> None:
    loaded = load_table("posts", _write(tmp_path, "p.csv", HEADER + "".join(ROWS), "utf-16-le"))
    assert loaded.sources[0]["encoding"] == "utf-16-le"
    assert loaded.table["text"].iloc[0] == "Shelters opened in 2024 — café meeting"


def test_near_duplicates_differing_only_in_spacing_are_merged(tmp_path: Path) -> None:
    text = (
        HEADER
        + "1,Shelters opened  in the district,2026-05-03,Ana\n"
        + '2,"  Shelters opened in the\ndistrict ",2026-05-03,Ana\n'
        + "3,Shelters opened in the district,2026-05-03,Rosa\n"
    )  # another person: kept
    loaded = load_table("posts", _write(tmp_path, "p.csv", text, "utf-8"))
    led = loaded.ledger.frame.set_index("record_id")
    assert led.loc["2", "status"] == "merged" and led.loc["2", "merged_into"] == "1"
    assert led.loc["3", "status"] == "kept"
