"""Knowledge store: incremental ingest, versions, embeddings only for new texts, suppressed
views, theme history, decisions, migration from schema v1, the single-writer lock, export, backup,
modes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from kmsynth.errors import AlreadyRunning, InputError
from kmsynth.protect import suppress_small_cells
from kmsynth.store import COLUMNS, SCHEMA_VERSION, TABLE, Store, StoreEmbeddingCache

ROOT = Path(__file__).resolve().parent.parent


def posts(n: int, start: int = 0, month: str = "2026-09", pacific_every: int = 4) -> pd.DataFrame:
    """A table as prepare() leaves it: redacted text, pseudonymous authors, provenance columns."""
    ids = range(start, start + n)
    return pd.DataFrame(
        {
            "post_id": [f"p{i}" for i in ids],
            "text": [f"Post number {i} about shelters." for i in ids],
            "created_at": pd.Timestamp(f"{month}-10", tz="UTC"),
            "region": ["Pacific" if i % pacific_every == 0 else "Africa" for i in ids],
            "country": "Fiji",
            "author_id": "P-x",
            "language": "en",
            "consent_to_quote": pd.array([True] * n, dtype="boolean"),
            "quotable": True,
            "_file": "f.csv",
            "_row": range(n),
        }
    )


class CountingEmbedder:
    model_id = "fake-3d"

    def __init__(self):
        self.calls = 0
        self.texts: list[str] = []

    def fit(self, texts):
        return self

    def encode(self, texts, show_progress=False):
        self.calls += len(texts)
        self.texts.extend(texts)
        return np.array([[len(t), t.count("1"), 1.0] for t in texts], dtype=np.float32)


# -- ingest ------------------------------------------------------------------------------------


def test_second_ingest_adds_only_new_rows_and_changed_text_is_a_new_version(tmp_path: Path) -> None:
    with Store.open(tmp_path / "k.duckdb") as s:
        c1 = s.add_table("posts", posts(40), run_id="r1")
        assert (c1.new, c1.unchanged, c1.new_version) == (40, 0, 0)
        month2 = pd.concat([posts(40), posts(10, start=40, month="2026-10")], ignore_index=True)
        month2.loc[3, "text"] = "Post number 3, edited."
        month2["quotable"] = False  # derived by prepare(): not a change of content
        month2["thread_id"] = None  # a new, empty column: not a change either
        month2["_file"] = "october.csv"  # provenance: not a change
        c2 = s.add_table("posts", month2, run_id="r2")
        assert (c2.new, c2.unchanged, c2.new_version) == (10, 39, 1) and c2.total == 50
        c3 = s.add_table("posts", month2, run_id="r3")
        assert (c3.new, c3.unchanged, c3.new_version) == (0, 50, 0)

        latest = s.history("posts").set_index("post_id")
        assert len(latest) == 50
        assert (
            latest.loc["p3", "text"] == "Post number 3, edited."
            and latest.loc["p3", "version"] == 2
        )
        every = s.history("posts", all_versions=True)
        p3 = every[every["post_id"] == "p3"].sort_values("version")
        assert p3["text"].tolist() == [
            "Post number 3 about shelters.",
            "Post number 3, edited.",
        ]  # old kept
        assert p3["first_seen_run"].tolist() == ["r1", "r2"]
        assert s.counts()["posts"] == 51
        assert "_file" not in every.columns and "_row" not in every.columns
        assert sorted(s.history("posts", months="2026-10")["post_id"]) == sorted(
            f"p{i}" for i in range(40, 50)
        )


def test_extra_columns_and_other_kinds(tmp_path: Path) -> None:
    survey = pd.DataFrame(
        {
            "response_id": ["r1", "r2"],
            "submitted_at": pd.Timestamp("2026-09-03", tz="UTC"),
            "region": ["Africa", None],
            "The session was relevant": ["Agree", "Disagree"],
            "What was most useful?": ["The referral map.", None],
        }
    )
    findings = pd.DataFrame(
        {
            "finding_id": ["F1", "F2"],
            "text": ["Shelters were full.", "Data gaps."],
            "pillar": pd.array([4, None], dtype="Int64"),
            "year": [2024, 2025],
        }
    )
    with Store.open(tmp_path / "k.duckdb") as s:
        assert s.add_table("survey", survey).new == 2
        assert s.add_table("findings", findings).new == 2
        got = s.history("survey").set_index("response_id")
        assert json.loads(got.loc["r1", "extra"]) == {
            "The session was relevant": "Agree",
            "What was most useful?": "The referral map.",
        }
        survey.loc[0, "The session was relevant"] = (
            "Strongly agree"  # an answer edited: new version
        )
        c = s.add_table("survey_responses", survey)
        assert (c.new, c.unchanged, c.new_version) == (0, 1, 1)
        f = s.history("findings").set_index("finding_id")
        assert (
            f.loc["F1", "pillar"] == 4
            and pd.isna(f.loc["F2", "pillar"])
            and f.loc["F2", "year"] == 2025
        )
        with pytest.raises(InputError, match="no date"):
            s.history("findings", months=["2026-09"])


def test_ingest_refuses_unsafe_or_ambiguous_tables(tmp_path: Path) -> None:
    with Store.open(tmp_path / "k.duckdb") as s:
        raw = posts(3).assign(author=["Ana", "Bo", "Cy"])
        with pytest.raises(InputError) as e:
            s.add_table("posts", raw)
        assert "author" in str(e.value) and "Ana" not in str(e.value)
        twice = pd.concat([posts(3), posts(1).assign(text="other words")], ignore_index=True)
        with pytest.raises(InputError, match="twice with different contents"):
            s.add_table("posts", twice)
        same_twice = pd.concat([posts(3), posts(1)], ignore_index=True)
        assert s.add_table("posts", same_twice).new == 3  # an exact repeat is one record
        with pytest.raises(InputError, match="unknown kind"):
            s.add_table("documents", posts(1))
        assert s.counts()["posts"] == 3


# -- embeddings --------------------------------------------------------------------------------


def test_only_missing_embeddings_are_computed(tmp_path: Path) -> None:
    fake = CountingEmbedder()
    path = tmp_path / "k.duckdb"
    with Store.open(path) as s:
        cache = StoreEmbeddingCache(fake, s)
        a = cache.encode([f"text {i}" for i in range(30)] + ["text 0"])  # a repeat is embedded once
        assert fake.calls == 30 and cache.last_counts == {"new": 30, "cached": 0}
        b = cache.encode([f"text {i}" for i in range(35)])
        assert fake.calls == 35 and cache.last_counts == {"new": 5, "cached": 30}
        assert fake.texts[30:] == [f"text {i}" for i in range(30, 35)]
        assert np.array_equal(a[:30], b[:30]) and np.array_equal(a[30], a[0])
        assert s.missing_embeddings("fake-3d", ["text 1", "new one", "new one"]) == ["new one"]
        assert s.missing_embeddings("another-model", ["text 1"]) == ["text 1"]  # per model id
        with pytest.raises(KeyError):
            s.get_embeddings("fake-3d", ["never embedded"])
        from kmsynth.embed.embedders import text_key

        cache.encode(
            ["Violência doméstica — refúgio"]
        )  # keys are sha256 of the UTF-8 text, as the disk cache's
        keys = set(s.query("SELECT text_sha256 FROM embeddings")["text_sha256"])
        assert {text_key("text 1"), text_key("Violência doméstica — refúgio")} <= keys
    fresh = CountingEmbedder()
    with Store.open(path) as s:  # next month, a new process: nothing seen is embedded again
        c = StoreEmbeddingCache(fresh, s).encode([f"text {i}" for i in range(36)])
        assert fresh.calls == 1 and np.array_equal(c[:35], b)
    with Store.open(path, readonly=True) as r:
        v = r.get_embeddings("fake-3d", ["text 2", "text 1", "text 2"])
        assert v.dtype == np.float32 and v.shape == (3, 3) and np.array_equal(v[0], v[2])


# -- views and breakdowns ------------------------------------------------------------------------


def _fake_themes(
    doc_ids: list[str], labels: dict[int, str], pillars: dict[int, int], theme_of, dim: int = 4
):
    from kmsynth.themes import ThemeResult

    a = pd.DataFrame(
        {"doc_id": doc_ids, "theme_id": [theme_of(d) for d in doc_ids], "probability": 0.9}
    )
    sizes = a["theme_id"].value_counts()
    t = pd.DataFrame(
        {
            "theme_id": list(labels),
            "label": list(labels.values()),
            "size": [int(sizes.get(i, 0)) for i in labels],
            "keywords": ["shelter; beds" for _ in labels],
            "pillar": pd.array([pillars[i] for i in labels], "Int64"),
            "pillar_name": ["Services" for _ in labels],
            "pillar_confidence": 0.8,
            "representative_ids": [doc_ids[:2] for _ in labels],
        }
    )
    cents = {i: np.eye(dim, dtype=np.float32)[i % dim] for i in labels}
    return ThemeResult(
        themes=t,
        assignments=a,
        embeddings=np.zeros((0, 0), np.float32),
        centroids=cents,
        outlier_share=0.0,
        outlier_share_final=0.0,
        params={"seed": 42},
        embedder_id="fake-3d",
    )


def test_views_suppress_small_counts(tmp_path: Path) -> None:
    with Store.open(tmp_path / "k.duckdb") as s:
        s.add_table("posts", posts(36))  # 9 Pacific, 27 Africa in 2026-09
        full = s.query("SELECT * FROM v_monthly_counts ORDER BY region")
        assert full["posts"].tolist() == [27, 9]
        shared = s.query("SELECT region, posts FROM v_monthly_counts_shared ORDER BY region")
        assert shared["posts"].iloc[0] == 27 and pd.isna(shared["posts"].iloc[1])  # 9 < k = 10
        s.set_setting("min_cell", 30)
        assert s.query("SELECT posts FROM v_monthly_counts_shared")["posts"].isna().all()
        with pytest.raises(InputError, match="at least 5"):
            s.set_setting("min_cell", 3)
        assert s.min_cell == 30


def test_shared_breakdown_applies_full_suppression(tmp_path: Path) -> None:
    cells = {
        ("2026-09", "Africa"): 20,
        ("2026-09", "Asia"): 4,
        ("2026-09", "Caribbean"): 15,
        ("2026-10", "Africa"): 25,
        ("2026-10", "Asia"): 12,
        ("2026-10", "Caribbean"): 30,
    }
    frames, n = [], 0
    for (month, region), count in cells.items():
        t = posts(count, start=n, month=month).assign(region=region)
        frames.append(t)
        n += count
    with Store.open(tmp_path / "k.duckdb") as s:
        s.add_table("posts", pd.concat(frames, ignore_index=True))
        plain = s.monthly_counts(by=["region"])
        assert (
            dict(
                zip(
                    zip(plain["month"], plain["region"], strict=False), plain["posts"], strict=False
                )
            )
            == cells
        )
        out = s.shared_breakdown(by=["region"])
        assert pd.isna(out.loc["2026-09", "Asia"])  # primary: 4 < 10
        hidden = out.isna().to_numpy()
        assert hidden.sum() >= 2  # secondary too
        assert all(h != 1 for h in hidden.sum(axis=0)) and all(h != 1 for h in hidden.sum(axis=1))
        expected = suppress_small_cells(
            plain.pivot_table(index="month", columns="region", values="posts"), 10
        )
        pd.testing.assert_frame_equal(out, expected, check_names=False)
        assert s.shared_breakdown(by="region", months=["2026-10"]).shape == (1, 3)
        with pytest.raises(InputError, match="break counts down"):
            s.monthly_counts(by=["text"])


def test_theme_runs_history_and_previous_run(tmp_path: Path) -> None:
    from kmsynth.themes import match_themes

    with Store.open(tmp_path / "k.duckdb") as s:
        s.add_table(
            "posts", pd.concat([posts(12), posts(12, start=12, month="2026-10")], ignore_index=True)
        )
        sep = _fake_themes(
            [f"p{i}" for i in range(12)],
            {0: "Shelters", 1: "Schools"},
            {0: 4, 1: 3},
            lambda d: 0 if int(d[1:]) % 2 else 1,
        )
        s.save_theme_run("themes-2026-09", "2026-09", sep)
        octo = _fake_themes(
            [f"p{i}" for i in range(12, 24)],
            {0: "Shelters and beds", 1: "Courts"},
            {0: 4, 1: 1},
            lambda d: 0 if int(d[1:]) < 20 else 1,
        )
        prev = s.previous_theme_run("2026-10")
        assert prev is not None and set(prev.centroids) == {0, 1} and len(prev.assignments) == 12
        mapping = match_themes(prev, octo)  # centroids come back and still match
        assert mapping[0] == 0
        mapping[1] = 7  # a new stable id for the second theme
        s.save_theme_run("themes-2026-10", "2026-10", octo, stable_ids=mapping)
        s.save_theme_run(
            "themes-2026-10", "2026-10", octo, stable_ids=mapping
        )  # same run id: replaced
        hist = s.theme_history()
        assert hist[["month", "stable_theme_id", "label"]].values.tolist() == [
            ["2026-09", 0, "Shelters"],
            ["2026-09", 1, "Schools"],
            ["2026-10", 0, "Shelters and beds"],
            ["2026-10", 7, "Courts"],
        ]
        assert s.counts()["theme_assignments"] == 24
        again = s.previous_theme_run("2026-11")
        assert set(again.themes["theme_id"]) == {0, 7} and set(again.assignments["theme_id"]) == {
            0,
            7,
        }
        assert again.themes["representative_ids"].iloc[0] == ["p12", "p13"]
        assert s.previous_theme_run("2026-09") is None
        # a post's pillar in the counts is its theme's
        pill = s.query(
            "SELECT month, pillar_name, sum(posts) AS n FROM v_monthly_counts "
            "GROUP BY ALL ORDER BY ALL"
        )
        assert set(pill[pill["month"] == "2026-10"]["pillar_name"]) == {
            "Services",
            "Laws and policies",
        }


def test_link_and_curation_decisions(tmp_path: Path) -> None:
    lessons = pd.DataFrame(
        {
            "lesson_id": ["L1", "L2"],
            "text": ["Fund shelters.", "Train police."],
            "title": ["Shelters", "Police"],
            "pillar": pd.array([4, 2], "Int64"),
        }
    )
    with Store.open(tmp_path / "k.duckdb") as s:
        s.add_table("lessons", lessons)
        first = pd.DataFrame(
            {
                "finding_id": ["F1", "F2", "F3"],
                "lesson_id": ["L1", "L1", "L2"],
                "decision": ["accept", "Accept", ""],
            }
        )
        assert s.add_link_decisions(first, reviewer="eval-1") == 2
        assert s.add_link_decisions(first, reviewer="eval-1") == 0  # the same file again
        later = pd.DataFrame({"finding_id": ["F2"], "lesson_id": ["L1"], "decision": ["reject"]})
        assert s.add_link_decisions(later, reviewer="eval-2") == 1
        ev = s.query("SELECT * FROM v_lessons_evidence").set_index("lesson_id")
        assert ev.loc["L1", "accepted_findings"] == 1 and ev.loc["L1", "rejected_findings"] == 1
        assert (
            list(ev.loc["L1", "finding_ids"]) == ["F1"] and ev.loc["L2", "accepted_findings"] == 0
        )
        assert s.counts()["link_decisions"] == 3  # history kept, the latest decision counts
        d = [{"action": "rename", "theme": 3, "label": "Shelters", "by": "a@x", "at": "2026-11-02"}]
        assert s.add_curation_decisions(d) == 1 and s.add_curation_decisions(d) == 0
        assert s.curation_decisions() == d
        s.add_manifest("report-2026-10", {"inputs": {"posts": "abc"}})
        assert s.manifest("report-2026-10") == {"inputs": {"posts": "abc"}}


# -- schema, lock, export, backup, modes ---------------------------------------------------------


def _v1_data_json(row: dict) -> str:
    """What schema v1's add_table wrote in `records.data`: every column but _file/_row, as str."""
    return json.dumps(
        {c: (None if pd.isna(v) else str(v)) for c, v in row.items() if c not in ("_file", "_row")},
        sort_keys=True,
    )


def test_migration_from_version_1_keeps_the_data(tmp_path: Path) -> None:
    path = tmp_path / "old.duckdb"
    old = Store(path, upto=1)  # only migration 1: the schema of the first release
    assert old.schema_version() == 1
    rows = posts(3)
    for r in rows.to_dict("records"):
        old.con.execute(
            "INSERT INTO records (kind, record_id, version, content_sha256, text, created_at, "
            "region, country, language, author_id, data, run_id) "
            "VALUES ('posts', ?, 1, 'v1-hash', ?, ?, ?, ?, ?, ?, ?, 'r1')",
            [
                r["post_id"],
                r["text"],
                r["created_at"],
                r["region"],
                r["country"],
                r["language"],
                r["author_id"],
                _v1_data_json(r),
            ],
        )
    old.con.execute(
        "INSERT INTO records (kind, record_id, version, content_sha256, text, data) VALUES "
        "('lessons', 'L1', 1, 'x', 'Fund shelters.', ?)",
        [json.dumps({"pillar": "4", "title": "Shelters"})],
    )
    survey = pd.DataFrame(
        {
            "response_id": ["r1"],
            "submitted_at": pd.Timestamp("2026-09-03 12:00", tz="UTC"),
            "region": ["Africa"],
            "I will apply what I learned": ["Agree"],
            "_file": "s.csv",
            "_row": [1],
        }
    )
    r = survey.iloc[0].to_dict()
    old.con.execute(
        "INSERT INTO records (kind, record_id, version, content_sha256, created_at, region, data) "
        "VALUES ('survey', 'r1', 1, 'v1-hash', ?, 'Africa', ?)",
        [r["submitted_at"], _v1_data_json(r)],
    )
    old.con.execute("INSERT INTO embeddings VALUES ('m', 'k1', [1.0, 2.0])")
    old.con.execute("INSERT INTO run_manifests (run_id, manifest) VALUES ('r1', '{\"ok\": true}')")
    old.close()

    with Store.open(path) as s:
        assert s.schema_version() == SCHEMA_VERSION
        got = s.history("posts")
        assert (
            got["text"].tolist() == rows["text"].tolist() and (got["first_seen_run"] == "r1").all()
        )
        assert got["created_at"].tolist() == rows["created_at"].tolist()
        assert got["consent_to_quote"].tolist() == [True, True, True]
        c = s.add_table("posts", rows)  # hashes were recomputed: the same posts are unchanged
        assert (c.new, c.unchanged, c.new_version) == (0, 3, 0)
        assert s.add_table("survey", survey).unchanged == 1
        assert json.loads(s.history("survey")["extra"].iloc[0]) == {
            "I will apply what I learned": "Agree"
        }
        lesson = s.history("lessons").iloc[0]
        assert lesson["pillar"] == 4 and lesson["title"] == "Shelters"
        assert (
            s.get_embeddings.__self__ is s
            and s.query("SELECT count(*) AS n FROM embeddings")["n"][0] == 1
        )
        assert s.manifest("r1") == {"ok": True}
        assert "records" not in s.tables()
    bak = tmp_path / "old.duckdb.schema-v1.bak"
    assert bak.is_file() and bak.stat().st_mode & 0o777 == 0o600


def test_newer_or_unmigrated_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    Store(path, upto=2).close()
    with pytest.raises(InputError, match="open it once for writing"):
        Store.open(path, readonly=True)
    with Store.open(path) as s:
        s.con.execute("INSERT INTO schema_version (version) VALUES (99)")
    for readonly in (False, True):
        with pytest.raises(InputError, match="newer than this kmsynth"):
            Store.open(path, readonly=readonly)
    with pytest.raises(InputError, match="no knowledge store"):
        Store.open(tmp_path / "missing.duckdb", readonly=True)
    (tmp_path / "junk.duckdb").write_text("not a database")
    with pytest.raises(InputError, match="not a DuckDB"):
        Store.open(tmp_path / "junk.duckdb")


def test_tables_match_the_declared_columns(tmp_path: Path) -> None:
    with Store.open(tmp_path / "k.duckdb") as s:
        for kind, table in TABLE.items():
            cols = s.query(f"SELECT * FROM {table} LIMIT 0").columns.tolist()
            assert set(COLUMNS[kind]) <= set(cols), kind


def test_lock_refuses_a_second_writer_and_lets_readers_in(tmp_path: Path) -> None:
    path = tmp_path / "k.duckdb"
    with Store.open(path) as s:
        s.add_table("posts", posts(5))
        with pytest.raises(AlreadyRunning):
            Store.open(path)
        code = (
            "import sys; from kmsynth.store import Store\n"
            "from kmsynth.errors import AlreadyRunning\n"
            f"try:\n    Store.open({str(path)!r})\nexcept AlreadyRunning:\n    sys.exit(75)\n"
        )
        other = subprocess.run(
            [sys.executable, "-c", code], check=False, cwd=ROOT, capture_output=True, timeout=60
        )
        assert other.returncode == 75, other.stderr[-500:]
        t0 = time.monotonic()
        with pytest.raises(AlreadyRunning):  # a read while a run writes waits, then says so
            Store.open(path, readonly=True, timeout=0.5)
        assert time.monotonic() - t0 >= 0.5
    reader = Store.open(path, readonly=True)
    other_reader = Store.open(path, readonly=True)
    with Store.open(path) as w:  # open readers hold nothing between calls: the writer gets in
        w.add_table("posts", posts(2, start=5))
    assert len(reader.history("posts")) == 7 and len(other_reader.history("posts")) == 7
    with pytest.raises(Exception, match="read-only"):
        reader.add_table("posts", posts(1, start=99))
    reader.close()
    other_reader.close()


def test_export_to_parquet_round_trips(tmp_path: Path) -> None:
    with Store.open(tmp_path / "k.duckdb") as s:
        s.add_table("posts", posts(12))
        StoreEmbeddingCache(CountingEmbedder(), s).encode(posts(12)["text"].tolist())
        out = s.export("v_posts", tmp_path / "out" / "posts.parquet")

        def plain(df: pd.DataFrame) -> pd.DataFrame:
            df = df.astype(object)
            return df.where(df.notna(), None)

        back = pd.read_parquet(out)
        assert back.columns.tolist() == s.history("posts").columns.tolist()
        pd.testing.assert_frame_equal(plain(back), plain(s.history("posts")))
        assert out.stat().st_mode & 0o777 == 0o600
        emb = pd.read_parquet(s.export("embeddings", tmp_path / "emb.parquet"))
        assert len(emb) == 12 and len(emb["vector"].iloc[0]) == 3
        for bad in ("nope", "posts\" TO '/tmp/x' --"):
            with pytest.raises(InputError, match="no table or view"):
                s.export(bad, tmp_path / "x.parquet")


def test_backup_as_a_file_and_as_a_folder(tmp_path: Path) -> None:
    with Store.open(tmp_path / "k.duckdb") as s:
        s.add_table("posts", posts(12))
        s.add_link_decisions(
            pd.DataFrame({"finding_id": ["F1"], "lesson_id": ["L1"], "decision": ["accept"]})
        )
        f = s.backup(tmp_path / "bk" / "k-2026-10.duckdb")
        folder = s.backup(tmp_path / "bk" / "k-2026-10")
    assert f.stat().st_mode & 0o777 == 0o600 and folder.stat().st_mode & 0o777 == 0o700
    assert all(p.stat().st_mode & 0o077 == 0 for p in folder.iterdir())
    with Store.open(f, readonly=True) as b:
        assert len(b.history("posts")) == 12
    with Store.restore(folder, tmp_path / "restored.duckdb") as r:
        assert len(r.history("posts")) == 12 and r.schema_version() == SCHEMA_VERSION
        assert (
            len(r.query("SELECT * FROM v_lessons_evidence")) == 0 and len(r.link_decisions()) == 1
        )


def test_store_files_are_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)  # a permissive umask, as on many servers
    try:
        path = tmp_path / "k.duckdb"
        with Store.open(path) as s:
            s.add_table("posts", posts(20))
            wal = Path(str(path) + ".wal")
            assert wal.exists() and wal.stat().st_mode & 0o077 == 0  # the log holds texts too
            assert path.stat().st_mode & 0o777 == 0o600
        assert path.stat().st_mode & 0o777 == 0o600
        assert (tmp_path / "k.duckdb.lock").stat().st_mode & 0o077 == 0
        assert os.umask(0o022) == 0o022  # the process umask is left as it was
    finally:
        os.umask(old)


@pytest.mark.slow
def test_second_month_embeds_only_new_texts(tmp_path: Path) -> None:
    from kmsynth.config import load_config
    from kmsynth.embed.embedders import get_embedder
    from kmsynth.report.sections import build_monthly_report
    from tests.conftest import write_posts

    write_posts(tmp_path / "posts.csv", months=("2026-09", "2026-10"), per_month=60, seed=2)
    cfg_file = tmp_path / "kmsynth.yml"
    cfg_file.write_text(
        "data:\n  posts: posts.csv\n  store: k.duckdb\nembedding:\n  embedder: tfidf\n"
    )
    cfg = load_config(cfg_file)
    emb = get_embedder("tfidf").fit(pd.read_csv(tmp_path / "posts.csv")["text"].tolist())
    sep = build_monthly_report("2026-09", cfg, embedder=emb)
    assert any("Store: 60 new posts" in n for n in sep.notes)
    octo = build_monthly_report("2026-10", cfg, embedder=emb)
    assert any("Store: 60 new posts" in n and "60 already stored" in n for n in octo.notes), (
        octo.notes
    )
    assert any(n.startswith("Embeddings: 60 new texts embedded, 60 read") for n in octo.notes), (
        octo.notes
    )
    with Store.open(tmp_path / "k.duckdb", readonly=True) as s:
        assert s.theme_history()["month"].drop_duplicates().tolist() == ["2026-09", "2026-10"]
        texts = pd.read_csv(tmp_path / "posts.csv")["text"].tolist()
        assert s.missing_embeddings(emb.model_id, texts) == []  # every post's vector is kept
        assert s.counts()["posts"] == 120
