"""Schema migrations: MIGRATIONS[i] takes a store from schema version i to i+1; a released step
is never edited, a change of tables or views is a new step at the end."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pandas as pd

from kmsynth.store.schema import (
    COLUMNS,
    DATE_COL,
    ID_COL,
    RAW_COLUMNS,
    SCHEMA_VERSION,
    TABLE,
    normalise,
)


def _m1(con: Any) -> None:
    con.execute("""
        CREATE TABLE records (
            kind VARCHAR NOT NULL, record_id VARCHAR NOT NULL, version INTEGER NOT NULL,
            content_sha256 VARCHAR NOT NULL, text VARCHAR, created_at TIMESTAMPTZ,
            region VARCHAR, country VARCHAR, language VARCHAR, author_id VARCHAR,
            data JSON, run_id VARCHAR, ingested_at TIMESTAMPTZ DEFAULT current_timestamp,
            PRIMARY KEY (kind, record_id, version));
        CREATE TABLE embeddings (model_id VARCHAR NOT NULL, text_sha256 VARCHAR NOT NULL,
            vector FLOAT[] NOT NULL, PRIMARY KEY (model_id, text_sha256));
        CREATE TABLE run_manifests (run_id VARCHAR PRIMARY KEY, created_at TIMESTAMPTZ
            DEFAULT current_timestamp, manifest JSON);
        CREATE TABLE settings (key VARCHAR PRIMARY KEY, value VARCHAR);
        INSERT INTO settings VALUES ('min_cell', '10');
    """)


def _m2(con: Any) -> None:
    con.execute("""
        ALTER TABLE records ADD COLUMN pillar VARCHAR;
        CREATE TABLE theme_runs (run_id VARCHAR PRIMARY KEY, month VARCHAR, params JSON,
            created_at TIMESTAMPTZ DEFAULT current_timestamp);
        CREATE TABLE themes (run_id VARCHAR, theme_id INTEGER, label VARCHAR, size INTEGER,
            pillar VARCHAR, keywords VARCHAR, centroid FLOAT[], PRIMARY KEY (run_id, theme_id));
        CREATE TABLE theme_assignments (run_id VARCHAR, doc_id VARCHAR, theme_id INTEGER,
            probability DOUBLE);
        CREATE TABLE curation_decisions (decided_at TIMESTAMPTZ DEFAULT current_timestamp,
            decision JSON);
        CREATE TABLE link_decisions (finding_id VARCHAR, lesson_id VARCHAR, decision VARCHAR,
            reviewer VARCHAR, decided_at TIMESTAMPTZ DEFAULT current_timestamp);
        CREATE OR REPLACE VIEW v_posts AS
            SELECT * FROM records r WHERE kind = 'posts' AND version = (
                SELECT max(version) FROM records x
                WHERE x.kind = r.kind AND x.record_id = r.record_id);
    """)


_V3_TABLES = """
CREATE TABLE posts (post_id VARCHAR NOT NULL, version INTEGER NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    first_seen_run VARCHAR, ingested_at TIMESTAMPTZ DEFAULT current_timestamp,
    text VARCHAR, title VARCHAR, thread_id VARCHAR, created_at TIMESTAMPTZ, author_id VARCHAR,
    region VARCHAR, country VARCHAR, language VARCHAR, source VARCHAR, consent_to_quote BOOLEAN,
    quotable BOOLEAN, pillar INTEGER, extra JSON, PRIMARY KEY (post_id, version));
CREATE TABLE survey_responses (response_id VARCHAR NOT NULL, version INTEGER NOT NULL,
    content_sha256 VARCHAR NOT NULL, first_seen_run VARCHAR,
        ingested_at TIMESTAMPTZ DEFAULT current_timestamp,
    submitted_at TIMESTAMPTZ, wave VARCHAR, respondent_group VARCHAR, region VARCHAR,
        country VARCHAR,
    language VARCHAR, consent_to_quote BOOLEAN, quotable BOOLEAN, extra JSON,
    PRIMARY KEY (response_id, version));
CREATE TABLE findings (finding_id VARCHAR NOT NULL, version INTEGER NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    first_seen_run VARCHAR, ingested_at TIMESTAMPTZ DEFAULT current_timestamp,
    text VARCHAR, evaluation VARCHAR, country VARCHAR, region VARCHAR, pillar INTEGER, year INTEGER,
    language VARCHAR, quotable BOOLEAN, extra JSON, PRIMARY KEY (finding_id, version));
CREATE TABLE lessons (lesson_id VARCHAR NOT NULL, version INTEGER NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    first_seen_run VARCHAR, ingested_at TIMESTAMPTZ DEFAULT current_timestamp,
    text VARCHAR, title VARCHAR, type VARCHAR, country VARCHAR, region VARCHAR, pillar INTEGER,
    source VARCHAR, language VARCHAR, quotable BOOLEAN, extra JSON,
    PRIMARY KEY (lesson_id, version));
CREATE TABLE pillars (pillar INTEGER PRIMARY KEY, key VARCHAR, name VARCHAR);
"""

# Views read tables only (never other views): EXPORT/IMPORT DATABASE recreate views in name
# order, so a view built on another view would not restore.
_V3_LATEST = "(SELECT * FROM {t} QUALIFY version = max(version) OVER (PARTITION BY {id}))"
_V3_LATEST_RUNS = (
    "(SELECT * FROM theme_runs QUALIFY row_number() OVER "
    "(PARTITION BY kind, month ORDER BY created_at DESC, rowid DESC) = 1)"
)
_V3_POST_THEMES = """(SELECT a.doc_id AS post_id, r.month, a.run_id, a.stable_theme_id,
    t.label, t.pillar
    FROM theme_assignments a JOIN theme_runs r ON r.run_id = a.run_id AND r.kind = 'posts'
    LEFT JOIN themes t ON t.run_id = a.run_id AND t.theme_id = a.theme_id
    QUALIFY row_number() OVER (PARTITION BY a.doc_id ORDER BY r.created_at DESC,
        r.rowid DESC) = 1)"""
_V3_DECISIONS = (
    "(SELECT * FROM link_decisions QUALIFY row_number() OVER "
    "(PARTITION BY finding_id, lesson_id ORDER BY decided_at DESC, rowid DESC) = 1)"
)
_V3_MONTHLY = f"""SELECT strftime(timezone('UTC', p.created_at), '%Y-%m') AS month, p.region,
    p.country,
           coalesce(p.pillar, pt.pillar) AS pillar, pl.name AS pillar_name, count(*) AS posts
    FROM {_V3_LATEST.format(t="posts", id="post_id")} p
    LEFT JOIN {_V3_POST_THEMES} pt ON pt.post_id = p.post_id
    LEFT JOIN pillars pl ON pl.pillar = coalesce(p.pillar, pt.pillar)
    WHERE p.created_at IS NOT NULL
    GROUP BY ALL"""
_V3_VIEWS = "\n".join(
    [
        *(
            f"CREATE OR REPLACE VIEW v_{t} AS SELECT * FROM {_V3_LATEST.format(t=t, id=i)} "
            f"ORDER BY {i};"
            for t, i in (
                ("posts", "post_id"),
                ("survey_responses", "response_id"),
                ("findings", "finding_id"),
                ("lessons", "lesson_id"),
            )
        ),
        f"CREATE OR REPLACE VIEW v_latest_theme_runs AS SELECT * FROM {_V3_LATEST_RUNS};",
        f"CREATE OR REPLACE VIEW v_post_themes AS SELECT * FROM {_V3_POST_THEMES};",
        f"CREATE OR REPLACE VIEW v_link_decisions AS SELECT * FROM {_V3_DECISIONS};",
        f"CREATE OR REPLACE VIEW v_monthly_counts AS {_V3_MONTHLY} ORDER BY ALL;",
        f"""CREATE OR REPLACE VIEW v_monthly_counts_shared AS
    SELECT month, region, country, pillar, pillar_name,
           CASE WHEN posts < (SELECT CAST(value AS INTEGER) FROM settings WHERE key = 'min_cell')
                THEN NULL ELSE posts END AS posts
    FROM ({_V3_MONTHLY}) ORDER BY ALL;""",
        f"""CREATE OR REPLACE VIEW v_theme_history AS
    SELECT r.month, r.kind, t.stable_theme_id, t.label, t.size, t.pillar, t.pillar_name, t.keywords,
        t.run_id
    FROM themes t JOIN {_V3_LATEST_RUNS} r ON r.run_id = t.run_id
    ORDER BY r.kind, r.month, t.stable_theme_id;""",
        f"""CREATE OR REPLACE VIEW v_lessons_evidence AS
    SELECT l.lesson_id, l.title, l.type, l.pillar, l.country, l.region,
           count(d.finding_id) FILTER (WHERE d.decision = 'accept') AS accepted_findings,
           count(d.finding_id) FILTER (WHERE d.decision = 'reject') AS rejected_findings,
           list(d.finding_id ORDER BY d.finding_id) FILTER (WHERE d.decision = 'accept')
               AS finding_ids
    FROM {_V3_LATEST.format(t="lessons", id="lesson_id")} l
    LEFT JOIN {_V3_DECISIONS} d ON d.lesson_id = l.lesson_id
    GROUP BY ALL ORDER BY accepted_findings DESC, l.lesson_id;""",
    ]
)


def _m3_move_records(con: Any) -> None:
    """Schema 3: each kind's rows of the v1 `records` table into its own table, every version
    kept, hashes recomputed by `normalise`."""
    old = con.execute("SELECT * FROM records ORDER BY kind, record_id, version").df()
    for kind, rows in old.groupby("kind", sort=True):
        if kind not in TABLE:
            continue
        frames = []
        for ver, part in rows.groupby("version"):
            data = [json.loads(d) if isinstance(d, str) and d else {} for d in part["data"]]
            base = pd.DataFrame(data, index=part.index)
            # the typed v1 columns fill in what `data` lacks (created_at held each kind's date)
            typed = {c: c for c in ("text", "region", "country", "language", "author_id", "pillar")}
            if kind in DATE_COL:
                typed[DATE_COL[kind]] = "created_at"
            for c, src in typed.items():
                if c in COLUMNS[kind] and src in part and (c not in base or base[c].isna().all()):
                    base[c] = part[src]
            base[ID_COL[kind]] = part["record_id"]
            base = base.drop(columns=[c for c in base if c in RAW_COLUMNS])
            norm = normalise(kind, base.reset_index(drop=True))
            norm["version"] = int(ver)
            norm["first_seen_run"] = part["run_id"].to_numpy()
            norm["ingested_at"] = part["ingested_at"].to_numpy()
            frames.append(norm)
        if frames:
            con.register("_mv", pd.concat(frames, ignore_index=True))
            con.execute(f"INSERT INTO {TABLE[kind]} BY NAME SELECT * FROM _mv")
            con.unregister("_mv")


def _m3(con: Any) -> None:
    """Per-kind record tables (moved out of `records`, hashes recomputed), stable theme ids,
    pillar ids, theme metadata, decision keys and the analysts' views."""
    from kmsynth.ingest.schemas import pillars

    con.execute("""
        DROP VIEW IF EXISTS v_posts; DROP VIEW IF EXISTS v_monthly_counts_shared;
        DROP VIEW IF EXISTS v_monthly_counts; DROP VIEW IF EXISTS v_theme_history;
        DROP VIEW IF EXISTS v_lessons_evidence;
    """)
    con.execute(_V3_TABLES)
    plist = pd.DataFrame(
        [(p.id, p.key, p.name) for p in pillars()], columns=["pillar", "key", "name"]
    )
    con.register("_pl", plist)
    con.execute("INSERT INTO pillars SELECT * FROM _pl")
    con.unregister("_pl")
    _m3_move_records(con)
    con.execute("""
        DROP TABLE records;
        ALTER TABLE theme_runs ADD COLUMN kind VARCHAR DEFAULT 'posts';
        ALTER TABLE theme_runs ADD COLUMN embedder_id VARCHAR;
        ALTER TABLE theme_runs ADD COLUMN n_docs INTEGER;
        ALTER TABLE theme_runs ADD COLUMN outlier_share DOUBLE;
        CREATE TABLE themes_v3 (run_id VARCHAR NOT NULL, theme_id INTEGER NOT NULL,
            stable_theme_id INTEGER, label VARCHAR, size INTEGER, pillar INTEGER,
            pillar_name VARCHAR, pillar_confidence DOUBLE, keywords VARCHAR,
            representative_ids VARCHAR[], centroid FLOAT[], PRIMARY KEY (run_id, theme_id));
        INSERT INTO themes_v3 (run_id, theme_id, stable_theme_id, label, size, pillar, pillar_name,
            keywords, centroid)
            SELECT t.run_id, t.theme_id, t.theme_id, t.label, t.size,
                   coalesce(TRY_CAST(t.pillar AS INTEGER), p.pillar),
                   coalesce(p.name, t.pillar), t.keywords, t.centroid
            FROM themes t LEFT JOIN pillars p ON p.name = t.pillar;
        DROP TABLE themes;
        ALTER TABLE themes_v3 RENAME TO themes;
        ALTER TABLE theme_assignments ADD COLUMN stable_theme_id INTEGER;
        UPDATE theme_assignments SET stable_theme_id = theme_id;
        ALTER TABLE curation_decisions ADD COLUMN decision_sha256 VARCHAR;
        ALTER TABLE curation_decisions ADD COLUMN action VARCHAR;
        UPDATE curation_decisions SET decision_sha256 = sha256(CAST(decision AS VARCHAR)),
            action = json_extract_string(decision, '$.action');
    """)
    con.execute(_V3_VIEWS)


Migration = str | Callable[[Any], None]
MIGRATIONS: list[Migration] = [_m1, _m2, _m3]
assert len(MIGRATIONS) == SCHEMA_VERSION
