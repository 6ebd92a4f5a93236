"""The knowledge store: one DuckDB file that accumulates months.

It holds redacted records (posts, survey responses, findings, lessons) with a content hash and
a version, embeddings per model, theme runs with stable theme ids, curation and link decisions,
and run manifests. A monthly run adds only what it has not seen: a known id with the same
content is unchanged, a known id with different content becomes a new version (the old one is
kept), and only new texts are embedded.

One writer at a time (a lock file beside the store; a second writer gets AlreadyRunning, exit
75); readers open it read-only. The schema is versioned and migrated forward on open.

Backup: `Store.backup(folder)` writes a consistent copy (EXPORT DATABASE: schema.sql, load.sql
and one Parquet file per table); restore with `duckdb new.duckdb -c "IMPORT DATABASE 'folder'"`.
Or copy the .duckdb file while no run is writing (the lock file tells).
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd

from .errors import AlreadyRunning, InputError

SCHEMA_VERSION = 2
ID_COL = {"posts": "post_id", "survey": "response_id", "findings": "finding_id", "lessons": "lesson_id"}
DATE_COL = {"posts": "created_at", "survey": "submitted_at"}


def _m1(con) -> None:
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


def _m2(con) -> None:
    con.execute("""
        ALTER TABLE records ADD COLUMN pillar VARCHAR;
        CREATE TABLE theme_runs (run_id VARCHAR PRIMARY KEY, month VARCHAR, params JSON,
            created_at TIMESTAMPTZ DEFAULT current_timestamp);
        CREATE TABLE themes (run_id VARCHAR, theme_id INTEGER, label VARCHAR, size INTEGER,
            pillar VARCHAR, keywords VARCHAR, centroid FLOAT[], PRIMARY KEY (run_id, theme_id));
        CREATE TABLE theme_assignments (run_id VARCHAR, doc_id VARCHAR, theme_id INTEGER,
            probability DOUBLE);
        CREATE TABLE curation_decisions (decided_at TIMESTAMPTZ DEFAULT current_timestamp, decision JSON);
        CREATE TABLE link_decisions (finding_id VARCHAR, lesson_id VARCHAR, decision VARCHAR,
            reviewer VARCHAR, decided_at TIMESTAMPTZ DEFAULT current_timestamp);
    """)
    _views(con)


def _views(con) -> None:
    con.execute("""
        CREATE OR REPLACE VIEW v_posts AS
            SELECT * FROM records r WHERE kind = 'posts' AND version = (
                SELECT max(version) FROM records x WHERE x.kind = r.kind AND x.record_id = r.record_id);
        CREATE OR REPLACE VIEW v_monthly_counts AS
            SELECT strftime(created_at, '%Y-%m') AS month, coalesce(region, '') AS region,
                   coalesce(country, '') AS country, coalesce(pillar, '') AS pillar, count(*) AS posts
            FROM v_posts GROUP BY ALL;
        CREATE OR REPLACE VIEW v_monthly_counts_shared AS
            SELECT month, region, posts_raw AS posts FROM (
              SELECT month, region, CASE WHEN count(*) < (SELECT CAST(value AS INTEGER) FROM settings
                     WHERE key = 'min_cell') THEN NULL ELSE count(*) END AS posts_raw
              FROM (SELECT strftime(created_at, '%Y-%m') AS month, coalesce(region, '') AS region FROM v_posts)
              GROUP BY ALL);
        CREATE OR REPLACE VIEW v_theme_history AS
            SELECT r.month, t.theme_id AS stable_theme_id, t.label, t.size, t.pillar
            FROM themes t JOIN theme_runs r USING (run_id);
        CREATE OR REPLACE VIEW v_lessons_evidence AS
            SELECT l.record_id AS lesson_id, l.text, count(d.finding_id) AS accepted_findings
            FROM records l LEFT JOIN link_decisions d ON d.lesson_id = l.record_id AND d.decision = 'accept'
            WHERE l.kind = 'lessons' GROUP BY ALL;
    """)


MIGRATIONS: list[Callable] = [_m1, _m2]  # MIGRATIONS[i] takes the schema from version i to i+1


@dataclass
class IngestCounts:
    new: int = 0
    unchanged: int = 0
    new_version: int = 0


class Store:
    """A DuckDB knowledge store. Use as a context manager: `with Store.open(path) as s: ...`."""

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False, upto: int | None = None):
        import duckdb

        self.path = Path(path)
        self.readonly = readonly
        self._lock = None
        if not readonly:
            from filelock import FileLock, Timeout

            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock = FileLock(str(self.path) + ".lock", timeout=0)
            try:
                self._lock.acquire()
            except Timeout:
                raise AlreadyRunning(f"another run is writing the store {self.path.name}") from None
        elif not self.path.is_file():
            raise InputError("the store does not exist", file=str(self.path))
        new = not self.path.exists()
        self.con = duckdb.connect(str(self.path), read_only=readonly)
        if new:
            os.chmod(self.path, 0o600)
        if not readonly:
            self._migrate(upto if upto is not None else SCHEMA_VERSION)

    @classmethod
    def open(cls, path: str | os.PathLike, *, readonly: bool = False) -> "Store":
        return cls(path, readonly=readonly)

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        try:
            self.con.close()
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    # -- schema ----------------------------------------------------------------------------

    def schema_version(self) -> int:
        exists = self.con.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'schema_version'").fetchone()[0]
        if not exists:
            return 0
        return int(self.con.execute("SELECT max(version) FROM schema_version").fetchone()[0] or 0)

    def _migrate(self, target: int) -> None:
        self.con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER, migrated_at TIMESTAMPTZ DEFAULT current_timestamp)")
        current = self.schema_version()
        if current > SCHEMA_VERSION:
            raise InputError(f"the store has schema version {current}, newer than this kmsynth knows "
                             f"({SCHEMA_VERSION})", file=str(self.path), hint="upgrade kmsynth")
        for v in range(current, target):
            self.con.execute("BEGIN")
            MIGRATIONS[v](self.con)
            self.con.execute("INSERT INTO schema_version (version) VALUES (?)", [v + 1])
            self.con.execute("COMMIT")

    # -- records ---------------------------------------------------------------------------

    def add_table(self, kind: str, table: pd.DataFrame, *, run_id: str = "") -> IngestCounts:
        """Add a prepared (redacted) table incrementally; returns what was new, unchanged, a new version."""
        if kind not in ID_COL:
            raise InputError(f"unknown kind {kind!r}", hint="posts, survey, findings or lessons")
        idc = ID_COL[kind]
        t = table.copy()
        skip = {"_file", "_row"}
        data_cols = [c for c in t.columns if c not in skip]

        def sha(row: dict) -> str:
            payload = json.dumps({c: (None if pd.isna(row[c]) else str(row[c])) for c in data_cols}, sort_keys=True)
            return hashlib.sha256(payload.encode("utf-8")).hexdigest()

        shas = [sha(r) for r in t.to_dict("records")] if len(t) else []
        known = self.con.execute(
            "SELECT record_id, content_sha256, version FROM records WHERE kind = ? "
            "QUALIFY version = max(version) OVER (PARTITION BY record_id)", [kind]).df()
        k_sha = dict(zip(known["record_id"], known["content_sha256"]))
        k_ver = dict(zip(known["record_id"], known["version"]))
        counts = IngestCounts()
        rows = []
        for rec, h in zip(t.to_dict("records"), shas):
            rid = str(rec[idc])
            if rid in k_sha and k_sha[rid] == h:
                counts.unchanged += 1
                continue
            version = int(k_ver.get(rid, 0)) + 1
            if rid in k_sha:
                counts.new_version += 1
            else:
                counts.new += 1
            date = rec.get(DATE_COL.get(kind, ""), None)
            rows.append({"kind": kind, "record_id": rid, "version": version, "content_sha256": h,
                         "text": rec.get("text"), "created_at": None if date is None or pd.isna(date) else pd.Timestamp(date),
                         "region": rec.get("region"), "country": rec.get("country"), "language": rec.get("language"),
                         "author_id": rec.get("author_id"), "pillar": None if rec.get("pillar") is None else str(rec.get("pillar")),
                         "data": json.dumps({c: (None if pd.isna(rec[c]) else str(rec[c])) for c in data_cols
                                             if c in rec}, sort_keys=True),
                         "run_id": run_id})
        if rows:
            df = pd.DataFrame(rows)
            df["created_at"] = pd.to_datetime(df["created_at"], utc=True)
            self.con.register("_new", df)
            self.con.execute("INSERT INTO records (kind, record_id, version, content_sha256, text, created_at, region, "
                             "country, language, author_id, pillar, data, run_id) SELECT kind, record_id, version, "
                             "content_sha256, text, created_at, region, country, language, author_id, pillar, data, run_id FROM _new")
            self.con.unregister("_new")
        return counts

    def records(self, kind: str) -> pd.DataFrame:
        """The latest version of every record of a kind."""
        return self.con.execute(
            "SELECT * FROM records WHERE kind = ? QUALIFY version = max(version) OVER (PARTITION BY record_id) "
            "ORDER BY record_id", [kind]).df()

    # -- embeddings ------------------------------------------------------------------------

    def missing_embeddings(self, model_id: str, texts: Sequence[str]) -> list[str]:
        keys = {hashlib.sha256(t.encode("utf-8")).hexdigest(): t for t in texts}
        have = self._have(model_id, list(keys))
        return [t for k, t in keys.items() if k not in have]

    def _have(self, model_id: str, keys: list[str]) -> set[str]:
        if not keys:
            return set()
        self.con.register("_keys", pd.DataFrame({"k": keys}))
        got = self.con.execute("SELECT text_sha256 FROM embeddings JOIN _keys ON text_sha256 = k WHERE model_id = ?",
                               [model_id]).fetchall()
        self.con.unregister("_keys")
        return {g[0] for g in got}

    def put_embeddings(self, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> None:
        df = pd.DataFrame({"model_id": model_id,
                           "text_sha256": [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts],
                           "vector": [v.astype(np.float32).tolist() for v in vectors]}).drop_duplicates("text_sha256")
        self.con.register("_emb", df)
        self.con.execute("INSERT OR IGNORE INTO embeddings SELECT model_id, text_sha256, vector FROM _emb")
        self.con.unregister("_emb")

    def get_embeddings(self, model_id: str, texts: Sequence[str]) -> np.ndarray:
        keys = [hashlib.sha256(t.encode("utf-8")).hexdigest() for t in texts]
        self.con.register("_keys", pd.DataFrame({"k": list(dict.fromkeys(keys))}))
        got = self.con.execute("SELECT text_sha256, vector FROM embeddings JOIN _keys ON text_sha256 = k "
                               "WHERE model_id = ?", [model_id]).fetchall()
        self.con.unregister("_keys")
        m = {k: np.asarray(v, dtype=np.float32) for k, v in got}
        return np.vstack([m[k] for k in keys])

    # -- themes, decisions, manifests ------------------------------------------------------

    def save_theme_run(self, run_id: str, month: str, result) -> None:
        self.con.execute("DELETE FROM themes WHERE run_id = ?", [run_id])
        self.con.execute("DELETE FROM theme_assignments WHERE run_id = ?", [run_id])
        self.con.execute("DELETE FROM theme_runs WHERE run_id = ?", [run_id])
        self.con.execute("INSERT INTO theme_runs (run_id, month, params) VALUES (?, ?, ?)",
                         [run_id, month, json.dumps(result.params, default=str)])
        t = result.themes
        tdf = pd.DataFrame({"run_id": run_id, "theme_id": t["theme_id"].astype(int), "label": t["label"],
                            "size": t["size"].astype(int), "pillar": t["pillar_name"].astype(str),
                            "keywords": t["keywords"],
                            "centroid": [result.centroids[int(i)].tolist() for i in t["theme_id"]]})
        self.con.register("_t", tdf)
        self.con.execute("INSERT INTO themes SELECT * FROM _t")
        self.con.unregister("_t")
        a = result.assignments.assign(run_id=run_id)[["run_id", "doc_id", "theme_id", "probability"]]
        self.con.register("_a", a)
        self.con.execute("INSERT INTO theme_assignments SELECT * FROM _a")
        self.con.unregister("_a")

    def previous_centroids(self, month: str) -> dict[int, np.ndarray]:
        """Stable theme id -> centroid from the latest theme run before `month`."""
        row = self.con.execute("SELECT run_id FROM theme_runs WHERE month < ? ORDER BY month DESC, created_at DESC LIMIT 1",
                               [month]).fetchone()
        if not row:
            return {}
        got = self.con.execute("SELECT theme_id, centroid FROM themes WHERE run_id = ?", [row[0]]).fetchall()
        return {int(t): np.asarray(c, dtype=np.float32) for t, c in got}

    def add_link_decisions(self, reviewed: pd.DataFrame, reviewer: str = "") -> int:
        d = reviewed[reviewed["decision"].isin(["accept", "reject"])][["finding_id", "lesson_id", "decision"]].copy()
        d["reviewer"] = reviewer
        self.con.register("_d", d)
        self.con.execute("INSERT INTO link_decisions (finding_id, lesson_id, decision, reviewer) SELECT * FROM _d")
        self.con.unregister("_d")
        return len(d)

    def add_manifest(self, run_id: str, manifest: dict[str, Any]) -> None:
        self.con.execute("INSERT OR REPLACE INTO run_manifests (run_id, manifest) VALUES (?, ?)",
                         [run_id, json.dumps(manifest, default=str)])

    # -- reading, sharing, export ----------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        return self.con.execute(sql, params or []).df()

    def shared_breakdown(self, by: Sequence[str] = ("region",), k: int | None = None) -> pd.DataFrame:
        """Monthly counts by `by` with full small-cell and secondary suppression (to publish)."""
        from .privacy import suppress_small_cells

        k = k or int(self.con.execute("SELECT value FROM settings WHERE key = 'min_cell'").fetchone()[0])
        df = self.query("SELECT * FROM v_monthly_counts")
        if df.empty:
            return df
        table = df.pivot_table(index="month", columns=list(by), values="posts", aggfunc="sum", fill_value=0)
        return suppress_small_cells(table, k)

    def export(self, table: str, path: str | os.PathLike) -> Path:
        allowed = {r[0] for r in self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        if table not in allowed:
            raise InputError(f"no table or view {table!r} in the store", hint=", ".join(sorted(allowed)))
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        self.con.execute(f"COPY (SELECT * FROM \"{table}\") TO '{p.as_posix()}' (FORMAT PARQUET)")
        os.chmod(p, 0o600)
        return p

    def backup(self, folder: str | os.PathLike) -> Path:
        p = Path(folder)
        p.mkdir(parents=True, exist_ok=True)
        os.chmod(p, 0o700)
        self.con.execute("CHECKPOINT")
        self.con.execute(f"EXPORT DATABASE '{p.as_posix()}' (FORMAT PARQUET)")
        return p


class StoreEmbeddingCache:
    """Puts the store in front of an embedder: only texts the store has not seen are embedded."""

    def __init__(self, inner, store: Store):
        self.inner = inner
        self.store = store
        self.last_counts = {"new": 0, "cached": 0}

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def fit(self, texts):
        self.inner.fit(texts)
        return self

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        texts = [str(t) for t in texts]
        todo = self.store.missing_embeddings(self.model_id, texts)
        if todo:
            self.store.put_embeddings(self.model_id, todo, self.inner.encode(todo, show_progress=show_progress))
        self.last_counts = {"new": len(todo), "cached": len(set(texts)) - len(todo)}
        return self.store.get_embeddings(self.model_id, texts)
