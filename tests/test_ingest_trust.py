"""Issue 13, ingest items: valid exports are read whole, bad ones fail clearly, nothing leaks.

Each test reproduces one reported defect on small data made here: multi-paragraph CSV posts
(item 1), an XLSX with a stale <dimension> tag (2), a few invalid bytes (3), dates in the wrong
order (5), raw data in error messages (8), size limits checked before reading (19).
"""

from __future__ import annotations

import csv
import random
import re
import time
import zipfile
from pathlib import Path

import pytest

from kmsynth.cli.main import main
from kmsynth.errors import InputError
from kmsynth.ingest import load_table, read_raw

EIGHT = ["post_id", "text", "created_at", "author", "region", "country", "language", "title"]


def _paragraph(rng: random.Random, i: int, k: int) -> str:
    words = (
        "shelters, helplines, courts, police, schools, clinics, parents, teachers, judges, "
        "survivors, nurses, counsellors, mayors"
    ).split(" ")
    rng.shuffle(words)
    start = rng.choice(["In 2024, ", "First, ", "Still, ", "", "As we said, "])
    return f"{start}post {i} part {k}: " + " ".join(words) + " and, finally, the district team."


def _multi_paragraph_posts(path: Path, columns: list[str], n: int = 30) -> list[str]:
    rng = random.Random(7)
    texts = []
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)  # what Python, Excel and forum exports write: quoted, doubled quotes
        w.writerow(columns)
        for i in range(1, n + 1):
            text = "\n\n".join(_paragraph(rng, i, k) for k in range(3)) + ' She said "enough".'
            assert text.count(",") >= 10
            texts.append(text)
            extra = {
                "author": f"Member {i}",
                "region": "Africa",
                "country": "Kenya",
                "language": "en",
                "title": f"Thread {i}, part {i % 3}",
            }
            w.writerow(
                [
                    str(i)
                    if c in ("post_id", "id")
                    else text
                    if c == "text"
                    else f"2026-05-{i % 28 + 1:02d}"
                    if c == "created_at"
                    else extra[c]
                    for c in columns
                ]
            )
    return texts


# ------------------------------------------------------------------------------------------
# Item 1: a properly quoted multi-paragraph field is data, a stray quote is still caught


@pytest.mark.parametrize("columns", [EIGHT[:2] + ["created_at"], EIGHT], ids=["3col", "8col"])
def test_multi_paragraph_posts_full_of_commas_are_all_kept(tmp_path: Path, columns) -> None:
    texts = _multi_paragraph_posts(tmp_path / "p.csv", columns)
    loaded = load_table("posts", tmp_path / "p.csv")
    assert loaded.ledger.counts()["kept"] == 30 and loaded.ledger.rows_read == 30
    assert loaded.table["text"].tolist() == texts


def test_two_column_multi_paragraph_documents_are_all_kept(tmp_path: Path) -> None:
    texts = _multi_paragraph_posts(tmp_path / "d.csv", ["id", "text"])
    loaded = load_table("documents", tmp_path / "d.csv", id_col="id")
    assert loaded.table["text"].tolist() == texts and loaded.ledger.rows_read == 30


def test_stray_quote_to_the_end_names_the_line_it_opened(tmp_path: Path) -> None:
    rows = [
        "post_id,text,created_at\n",
        "1,fine,2026-05-01\n",
        "2,also fine,2026-05-02\n",
        '3,"She said ""stop"" and left,2026-05-03\n',
    ]
    rows += [f"{i},text {i},2026-05-0{i % 9 + 1}\n" for i in range(4, 9)]
    p = tmp_path / "p.csv"
    p.write_text("".join(rows), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_table("posts", p)
    msg = str(err.value)
    assert "line 4" in msg and "never closed" in msg and "text" in msg


def test_stray_quote_swallowing_rows_that_closes_later_is_caught(tmp_path: Path) -> None:
    rows = [
        "post_id,text,created_at\n",
        "1,fine,2026-05-01\n",
        '2,"She said ""stop"" and left,2026-05-02\n',
    ]
    rows += [f"{i},text {i},2026-05-0{i}\n" for i in range(3, 7)]
    rows += ['7,"a quoted, proper text",2026-05-07\n', "8,last,2026-05-08\n"]
    p = tmp_path / "p.csv"
    p.write_text("".join(rows), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_table("posts", p)
    assert "line 3" in str(err.value) and "separate rows" in str(err.value)


def test_stray_quote_is_caught_when_the_ids_are_not_the_first_column(tmp_path: Path) -> None:
    # dates repeat and texts have no digits: only the third column looks like ids
    rows = [
        "created_at,text,post_id\n",
        "2026-05-01,fine words,A-1\n",
        '2026-05-01,"She said ""stop"" and left,A-2\n',
    ]
    rows += [f"2026-05-01,some words here,A-{i}\n" for i in range(3, 7)]
    rows += ['2026-05-01,"a quoted, proper text",A-7\n', "2026-05-01,last words,A-8\n"]
    p = tmp_path / "p.csv"
    p.write_text("".join(rows), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_table("posts", p)
    assert "line 3" in str(err.value) and "separate rows" in str(err.value)


def test_paragraphs_starting_with_a_number_and_a_comma_are_data(tmp_path: Path) -> None:
    # seen in 20 Newsgroups: "68060, which is supposedly the next in the 680x0 lineup."
    texts = [f"post {i}\n\nnothing, special, here" for i in range(1, 31)]
    texts[4] = "About chips.\n68060, which is supposedly the next in the lineup.\nBye"
    texts[9] = "A list.\n25, the number of shelters, grew.\n3, not 4, closed"
    with (tmp_path / "d.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "text"])
        w.writerows([str(i), t] for i, t in enumerate(texts, start=1))
    loaded = load_table("documents", tmp_path / "d.csv", id_col="id")
    assert loaded.table["text"].tolist() == texts


def test_stray_quote_closed_by_the_next_rows_quote_is_caught(tmp_path: Path) -> None:
    # in comma-rich exports every text is quoted: a stray quote swallows one line only
    with (tmp_path / "p.csv").open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(EIGHT)
        for i in range(1, 11):
            w.writerow(
                [
                    str(i),
                    f"Text {i}, with commas, as posts have",
                    "2026-05-01",
                    f"Member {i}",
                    "Africa",
                    "Kenya",
                    "en",
                    f"Thread {i}",
                ]
            )
    lines = (tmp_path / "p.csv").read_text(encoding="utf-8").split("\n")
    lines[4] = lines[4].replace('"Text 4, with commas, as posts have"', '"Text 4 said ""hi')
    (tmp_path / "p.csv").write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(InputError) as err:
        load_table("posts", tmp_path / "p.csv")
    assert "line 5" in str(err.value)


# ------------------------------------------------------------------------------------------
# Item 2: an XLSX is read to its real last row whatever its <dimension> tag says


def _stale_dimension_xlsx(path: Path, rows: int = 60) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["post_id", "text", "created_at"])
    for i in range(1, rows + 1):
        ws.append([f"00{i}", f"text number {i}", f"2026-05-{i % 28 + 1:02d}"])
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    with zipfile.ZipFile(tmp) as zin, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.startswith("xl/worksheets/"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:G11"', data)
            zout.writestr(item, data)
    tmp.unlink()


def test_xlsx_with_a_stale_dimension_tag_loses_no_row(tmp_path: Path) -> None:
    _stale_dimension_xlsx(tmp_path / "p.xlsx", rows=60)
    loaded = load_table("posts", tmp_path / "p.xlsx")
    assert loaded.ledger.rows_read == 60 and loaded.ledger.counts()["kept"] == 60
    assert loaded.table["post_id"].iloc[0] == "001"  # text cells stay text
    assert loaded.ledger.frame["line"].tolist()[:2] == [2, 3]  # sheet rows


# ------------------------------------------------------------------------------------------
# Item 3: a few invalid bytes are replaced and counted; the file keeps its encoding


def test_a_few_invalid_bytes_do_not_switch_the_file_to_latin1(tmp_path: Path) -> None:
    lines = ["post_id,text,created_at,author"]
    lines += [
        f"{i},Informe de la reunión número {i},2026-05-0{i},Lucía Guzmán" for i in range(1, 8)
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    data = data.replace(b"reuni\xc3\xb3n n\xc3\xbamero 3", b"reuni\xf3n n\xfamero 3", 1)  # cp1252
    data = data.replace(b"reuni\xc3\xb3n n\xc3\xbamero 6", b"reuni\xf3n n\xc3\xbamero 6", 1)
    p = tmp_path / "p.csv"
    p.write_bytes(data)
    loaded = load_table("posts", p)
    assert loaded.sources[0]["encoding"] == "utf-8" and loaded.sources[0]["replaced_chars"] == 3
    assert loaded.sources[0]["replaced_lines"] == [4, 7]
    assert set(loaded.table["author"]) == {"Lucía Guzmán"}  # names still match the block-list
    warn = [p for p in loaded.warnings if p.rule == "decoding"]
    assert warn and any(w.line == 4 and w.row == 3 and w.column == "text" for w in warn)
    led = loaded.ledger.frame.set_index("row")
    assert led.loc[3, "replaced_bytes"] == 2 and led.loc[6, "replaced_bytes"] == 1
    assert led["replaced_bytes"].sum() == 3 and loaded.ledger.counts()["kept"] == 7


def test_a_cp1252_export_is_still_read_as_cp1252(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_bytes(
        "post_id,text,created_at\n1,Reunión en Bogotá – “sí”,2026-05-01\n".encode("cp1252")
    )
    loaded = load_table("posts", p)
    assert loaded.sources[0]["encoding"] == "cp1252"
    assert loaded.table["text"].iloc[0] == "Reunión en Bogotá – “sí”"


# ------------------------------------------------------------------------------------------
# Item 5: dates in the wrong order stop the run; future dates and mixed formats are warned


def _mdy_posts(tmp_path: Path, n: int = 40) -> Path:
    rng = random.Random(3)
    rows = ["post_id,text,created_at"]
    for i in range(1, n + 1):
        rows.append(f"{i},some text {i},{rng.randint(1, 9):02d}/{rng.randint(1, 28):02d}/2025")
    p = tmp_path / "p.csv"
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return p


def test_declared_dmy_with_mdy_data_stops_with_the_fix(tmp_path: Path, capsys) -> None:
    p = _mdy_posts(tmp_path)
    m = tmp_path / "m.yml"
    m.write_text("posts:\n  dates:\n    order: DMY\n")
    with pytest.raises(InputError, match="dates look MDY; set dates.order: MDY"):
        load_table("posts", p, mapping=m)
    assert main(["validate", "posts", str(p), "--mapping", str(m)]) == 2
    err = capsys.readouterr().err
    assert "dates look MDY; set dates.order: MDY" in err and "Traceback" not in err
    m.write_text("posts:\n  dates:\n    order: MDY\n")
    assert load_table("posts", p, mapping=m).ledger.counts()["kept"] == 40


def test_one_typo_in_declared_order_is_a_bad_row_not_a_stop(tmp_path: Path) -> None:
    rows = (
        "post_id,text,created_at\n"
        + "".join(f"{i},text {i},{i:02d}/05/2025\n" for i in range(1, 29))
        + "29,text,05/29/2025\n"
    )
    p = tmp_path / "p.csv"
    p.write_text(rows, encoding="utf-8")
    m = tmp_path / "m.yml"
    m.write_text("posts:\n  dates:\n    order: DMY\n")
    loaded = load_table("posts", p, mapping=m)
    assert loaded.ledger.counts() == {"kept": 28, "merged": 0, "excluded": 1, "out_of_period": 0}


def test_future_dates_and_mixed_formats_are_warned(tmp_path: Path) -> None:
    rows = (
        "post_id,text,created_at\n1,a text,2026-05-01\n2,b text,2099-05-01\n"
        "3,c text,25/05/2026\n4,d text,5 March 2026\n"
    )
    p = tmp_path / "p.csv"
    p.write_text(rows, encoding="utf-8")
    loaded = load_table("posts", p)
    rules = {w.rule: w for w in loaded.warnings}
    assert rules["future_date"].row == 2 and rules["future_date"].column == "created_at"
    assert "mixes date formats" in rules["mixed_date_formats"].message
    assert loaded.ledger.counts()["kept"] == 4


# ------------------------------------------------------------------------------------------
# Item 8: messages name file, line, row and column, never cell content


def test_wrong_delimiter_never_prints_rows_as_ids(tmp_path: Path, capsys) -> None:
    p = tmp_path / "p.csv"
    rows = ["post_id,text,created_at"]
    rows += [
        f"{i}\tAmina Okafor wrote from facebook.com/amina.okafor.{i}\t2026-05-0{i}"
        for i in range(1, 6)
    ]
    p.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["validate", "posts", str(p)]) == 2
    out = capsys.readouterr()
    text = out.out + out.err
    assert "Amina" not in text and "facebook" not in text
    assert "p.csv" in text and "line 2" in text and "row 1" in text
    assert "delimiter" in text  # the warning says what is likely wrong
    loaded = load_table("posts", p)
    assert any(w.rule == "delimiter" for w in loaded.warnings)
    assert all(p.record_id is None for p in loaded.problems)
    assert not loaded.ledger.frame["record_id"].str.contains("Amina").any()


def test_a_garbage_header_is_not_printed_whole(tmp_path: Path, capsys) -> None:
    rng = random.Random(1)
    junk = "".join(rng.choice("abcdefghijklmnopqrstuvwxyzÀÉ%$#!?~^") for _ in range(1500))
    p = tmp_path / "p.csv"
    p.write_text(junk + "\n" + junk[::-1] + "\n", encoding="utf-8")
    assert main(["validate", "posts", str(p)]) == 2
    err = capsys.readouterr().err
    assert junk[:60] not in err and len(err) < 1200 and "p.csv" in err


def test_binary_bytes_are_refused_without_printing_them(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_bytes(bytes(random.Random(2).randrange(256) for _ in range(1500)))
    with pytest.raises(InputError) as err:
        load_table("posts", p)
    assert len(str(err.value)) < 400


# ------------------------------------------------------------------------------------------
# Item 19: size limits are checked before a file is read whole


def write_many_rows_xlsx(path: Path, rows: int) -> None:
    """A valid XLSX whose sheet holds `rows` small rows, written as a stream (compresses well)."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["post_id", "text", "created_at"])
    tmp = path.with_suffix(".tmp.xlsx")
    wb.save(tmp)
    with (
        zipfile.ZipFile(tmp) as zin,
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zout,
    ):
        for item in zin.infolist():
            if not item.filename.startswith("xl/worksheets/sheet"):
                zout.writestr(item, zin.read(item.filename))
                continue
            head, _, tail = zin.read(item.filename).partition(b"<sheetData>")
            with zout.open(item.filename, "w", force_zip64=True) as fh:
                fh.write(head + b"<sheetData>")
                fh.write(b'<row r="1"><c r="A1" t="inlineStr"><is><t>post_id</t></is></c></row>')
                block = b"".join(
                    b'<row><c t="inlineStr"><is><t>x</t></is></c></row>' for _ in range(10_000)
                )
                for _ in range(rows // 10_000):
                    fh.write(block)
                fh.write(b"</sheetData>" + tail.split(b"</sheetData>", 1)[1])
    tmp.unlink()


def test_xlsx_past_the_row_cap_is_refused_before_it_is_read(tmp_path: Path, monkeypatch) -> None:
    p = tmp_path / "big.xlsx"
    write_many_rows_xlsx(p, 50_000)
    import python_calamine

    def never(*a, **k):
        raise AssertionError("the sheet was read")

    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_path", never)
    with pytest.raises(InputError, match="max_rows"):
        load_table("posts", p, max_rows=10_000)
    with pytest.raises(InputError, match="max_decompressed_mb"):
        load_table("posts", p, max_decompressed_mb=0.5)


def test_a_small_workbook_of_1_5_million_rows_is_refused_quickly(tmp_path: Path) -> None:
    p = tmp_path / "bomb.xlsx"
    write_many_rows_xlsx(p, 1_500_000)
    assert p.stat().st_size < 2_000_000  # a few hundred KB on disk
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="rows, above the cap"):
        read_raw(p)  # default limits
    assert time.perf_counter() - t0 < 10


def test_csv_past_the_row_cap_stops_while_parsing(tmp_path: Path, monkeypatch) -> None:
    import kmsynth.ingest.delimited as delimited

    p = tmp_path / "p.csv"
    p.write_text(
        "post_id,text,created_at\n" + "".join(f"{i},t,2026-05-01\n" for i in range(1, 2001)),
        encoding="utf-8",
    )

    def never(*a, **k):
        raise AssertionError("the whole table was built")

    monkeypatch.setattr(delimited, "table_frame", never)
    with pytest.raises(InputError, match="more than 100 rows"):
        load_table("posts", p, max_rows=100)


def test_validate_clips_a_long_extra_header(tmp_path: Path, capsys) -> None:
    long = "Q" + "x" * 1500
    p = tmp_path / "p.csv"
    p.write_text(f"post_id,text,created_at,{long}\n1,a text,2026-05-01,yes\n", encoding="utf-8")
    assert main(["validate", "posts", str(p)]) == 0
    out = capsys.readouterr().out
    assert "x" * 60 not in out and "Qxxx" in out


def test_limits_come_from_the_config_and_exit_2(tmp_path: Path, capsys) -> None:
    p = tmp_path / "big.xlsx"
    write_many_rows_xlsx(p, 30_000)
    cfg = tmp_path / "kmsynth.yml"
    cfg.write_text("limits:\n  max_rows: 20000\n", encoding="utf-8")
    t0 = time.perf_counter()
    assert main(["validate", "posts", str(p), "--config", str(cfg)]) == 2
    err = capsys.readouterr().err
    assert "limits.max_rows" in err and "Traceback" not in err
    assert time.perf_counter() - t0 < 10
    cfg.write_text("limits:\n  max_decompressed_mb: 0.1\n", encoding="utf-8")
    assert main(["validate", "posts", str(p), "--config", str(cfg)]) == 2
    assert "limits.max_decompressed_mb" in capsys.readouterr().err


def test_only_the_sheet_read_counts_against_the_row_cap(tmp_path: Path) -> None:
    import openpyxl

    from kmsynth.ingest import Mapping

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "posts & replies"
    ws.append(["post_id", "text", "created_at"])
    ws.append(["1", "a text", "2026-05-01"])
    big = wb.create_sheet("lookup")
    for i in range(2000):
        big.append([i, "x"])
    wb.save(tmp_path / "two.xlsx")
    assert load_table("posts", tmp_path / "two.xlsx", max_rows=1000).ledger.rows_read == 1
    named = Mapping(sheet="posts & replies")
    assert (
        load_table("posts", tmp_path / "two.xlsx", mapping=named, max_rows=1000).ledger.rows_read
        == 1
    )
    with pytest.raises(InputError, match="max_rows"):
        load_table("posts", tmp_path / "two.xlsx", mapping=Mapping(sheet="lookup"), max_rows=1000)
