"""The knowledge store: one DuckDB file that accumulates months of redacted records and results.

    with Store.open("data/kmsynth.duckdb") as store:          # the single writer
        counts = store.add_table("posts", prepared.table, run_id="report-2026-10")
        embedder = StoreEmbeddingCache(embedder, store)        # embeds only unseen texts
        store.save_theme_run("themes-2026-10", "2026-10", result)

    with Store.open("data/kmsynth.duckdb", readonly=True) as store:   # any number of readers
        store.query("SELECT * FROM v_monthly_counts_shared")
        store.shared_breakdown(by=["region"])                   # fully suppressed, to publish

What it holds (one table each): ``posts``, ``survey_responses``, ``findings`` and ``lessons``
(redacted text only, as ``kmsynth.ingest.prepare`` leaves it: id, ``version``, ``content_sha256``,
``first_seen_run``, ``ingested_at``, the canonical columns, and ``extra`` JSON for any other
column, e.g. a survey's item and open-answer columns); ``embeddings`` (model_id, text_sha256,
vector FLOAT[]); ``theme_runs``, ``themes`` (with stable ids and centroids) and
``theme_assignments``; ``curation_decisions``; ``link_decisions`` (the time column is
``decided_at``: ``at`` is an SQL keyword); ``run_manifests``; ``settings`` (``min_cell``, the
k of small-cell suppression, default 10).

Incremental: a record whose id is known with the same content hash is *unchanged* and not
written again; a known id with a different hash is a *new version* (the old one is kept: the
``v_*`` views show the latest version, the tables every version); only new rows are inserted.
The hash covers every stored column except those ``prepare`` derives (``language``,
``quotable``), provenance (``_file``, ``_row``) and empty cells.

Views for analysts: ``v_posts``, ``v_survey_responses``, ``v_findings``, ``v_lessons`` (latest
versions); ``v_monthly_counts`` (month, region, country, pillar, pillar_name, posts; a post's
pillar is its own, else that of the theme it was last assigned to); ``v_monthly_counts_shared``;
``v_theme_history`` (month, kind, stable_theme_id, label, size, pillar, keywords, run_id; the
latest run of each month); ``v_lessons_evidence`` (each lesson with its accepted and rejected
findings, from the latest reviewer decision per pair).

Small cells: ``v_monthly_counts_shared`` blanks (NULL) every count below the store's
``min_cell`` setting, cell by cell. That is *primary* suppression only: plain SQL cannot do the
secondary suppression that stops a hidden cell from being recovered from totals, so do not
publish that view's rows next to totals. To publish a breakdown use
:meth:`Store.shared_breakdown`, which applies :func:`kmsynth.protect.privacy.suppress_small_cells`
(primary and secondary) to the whole table.

Concurrency: one writer at a time. A writer holds ``<store>.lock`` (filelock); a second writer
gets :class:`~kmsynth.errors.AlreadyRunning` (CLI exit 75). A read-only store connects for each
call and lets go at once, so a workbench left open does not block the monthly run; a read made
while a run is writing waits up to ``timeout`` seconds, then raises AlreadyRunning.

Privacy: the store file, its write-ahead log, backups and exports are created owner-only
(0600): the texts speak of violence even after redaction.

Schema: the ``schema_version`` table records each migration applied. Opening a store written by
an older kmsynth for writing migrates it forward (after copying the old file to
``<store>.schema-vN.bak``); a store from a newer kmsynth is refused with InputError. Migrations
are an ordered list: ``MIGRATIONS[i]`` takes version i to i+1 and is never edited once
released; a change of tables or views is a new step at the end.

Backup (see :meth:`Store.backup`)::

    store.backup("backups/kmsynth-2026-10.duckdb")   # CHECKPOINT, then a copy of the file
    store.backup("backups/kmsynth-2026-10/")         # EXPORT DATABASE: schema.sql, load.sql,
                                                     # one Parquet file per table
Restore the first by copying it back in place (no run writing); the second with
``duckdb data/kmsynth.duckdb -c "IMPORT DATABASE 'backups/kmsynth-2026-10'"`` (or
``Store.restore``), which also moves a store across DuckDB versions. Keep backups as private
as the store itself.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from kmsynth.errors import AlreadyRunning, InputError, KmsynthError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 3

#: kind -> table; the kinds are those of kmsynth.ingest.schemas.SPECS
TABLE = {"posts": "posts", "survey": "survey_responses", "findings": "findings", "lessons": "lessons"}
ID_COL = {"posts": "post_id", "survey": "response_id", "findings": "finding_id", "lessons": "lesson_id"}
DATE_COL = {"posts": "created_at", "survey": "submitted_at"}

_S, _T, _B, _I = "VARCHAR", "TIMESTAMPTZ", "BOOLEAN", "INTEGER"
#: canonical columns stored per kind (beyond id, version, hashes and provenance), with SQL types.
#: Changing this needs a migration step that changes the tables to match.
COLUMNS: dict[str, dict[str, str]] = {
    "posts": {"text": _S, "title": _S, "thread_id": _S, "created_at": _T, "author_id": _S,
              "region": _S, "country": _S, "language": _S, "source": _S, "consent_to_quote": _B,
              "quotable": _B, "pillar": _I},
    "survey": {"submitted_at": _T, "wave": _S, "respondent_group": _S, "region": _S, "country": _S,
               "language": _S, "consent_to_quote": _B, "quotable": _B},
    "findings": {"text": _S, "evaluation": _S, "country": _S, "region": _S, "pillar": _I, "year": _I,
                 "language": _S, "quotable": _B},
    "lessons": {"text": _S, "title": _S, "type": _S, "country": _S, "region": _S, "pillar": _I,
                "source": _S, "language": _S, "quotable": _B},
}
#: derived by prepare() (language detection, quoting rules): stored, but not part of the content
HASH_EXCLUDE = frozenset({"language", "quotable"})
#: raw columns that must never reach the store (prepare() turns them into pseudonyms)
RAW_COLUMNS = frozenset({"author", "email", "name", "author_name", "author_email"})
_LOCK_ERRORS = ("could not set lock", "conflicting lock", "different configuration")


@dataclass
class IngestCounts:
    """What `Store.add_table` did with each input row."""

    new: int = 0
    unchanged: int = 0
    new_version: int = 0

    @property
    def total(self) -> int:
        return self.new + self.unchanged + self.new_version

    def __str__(self) -> str:
        return f"{self.new} new, {self.new_version} new version(s), {self.unchanged} unchanged"


# ------------------------------------------------------------------------------------------------
# Normalising a prepared table into store rows


def _kind(kind: str) -> str:
    k = {"survey_responses": "survey"}.get(kind, kind)
    if k not in TABLE:
        raise InputError(f"unknown kind {kind!r}", hint="use posts, survey, findings or lessons")
    return k


def _as_str(s: pd.Series) -> pd.Series:
    """Nullable strings; empty or blank cells become <NA> (never the text 'nan')."""
    st = s.astype("string")
    return st.mask(st.str.strip() == "")


_TRUE = ["true", "yes", "y", "1", "t", "si", "sí", "oui", "sim"]
_FALSE = ["false", "no", "n", "0", "f", "non", "não", "nao"]


def _as_bool(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.astype("boolean")
    low = _as_str(s).str.strip().str.lower()
    out = pd.Series(pd.NA, index=s.index, dtype="boolean")
    out[low.isin(_TRUE).fillna(False).to_numpy(bool)] = True
    out[low.isin(_FALSE).fillna(False).to_numpy(bool)] = False
    return out


def _typed(s: pd.Series, sql_type: str) -> pd.Series:
    if sql_type == _T:
        return pd.to_datetime(s, utc=True, errors="coerce", format="mixed")
    if sql_type == _B:
        return _as_bool(s)
    if sql_type == _I:
        return pd.to_numeric(s, errors="coerce").round().astype("Int64")
    return _as_str(s)


def _canon(s: pd.Series, sql_type: str) -> pd.Series:
    """How a typed column enters the content hash: strings, <NA> for empty cells."""
    if sql_type == _T:
        return s.dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ").astype("string")
    if sql_type == _B:
        return s.map({True: "true", False: "false"}).astype("string")
    return s.astype("string")


def normalise(kind: str, table: pd.DataFrame) -> pd.DataFrame:
    """A prepared table as store rows: id, content_sha256, the canonical columns typed, extra JSON.

    Columns starting with '_' (provenance) are dropped; any other non-canonical column goes to
    `extra`. The content hash is the sha256 of every non-empty cell outside HASH_EXCLUDE, each
    written as len(name):name len(value):value in name order. Raises InputError for a missing
    id column, empty ids, a raw identity column, or one id with two contents in one table.
    """
    kind = _kind(kind)
    idc, cols = ID_COL[kind], COLUMNS[kind]
    if idc not in table.columns:
        raise InputError(f"the {kind} table has no {idc!r} column", column=idc,
                         hint="pass the table that kmsynth.ingest.prepare returned")
    raw = sorted(RAW_COLUMNS & set(map(str, table.columns)))
    if raw:
        raise InputError(f"the {kind} table still has identifying column(s) {', '.join(raw)}; the store "
                         "keeps redacted, pseudonymised records only", column=raw[0],
                         hint="pass prepare()'s table (it replaces authors with author_id pseudonyms)")
    table = table.reset_index(drop=True)
    out = pd.DataFrame(index=table.index)
    out[idc] = _as_str(table[idc])
    if out[idc].isna().any():
        row = int(np.flatnonzero(out[idc].isna().to_numpy())[0]) + 1
        raise InputError(f"a {kind} row has an empty {idc}", row=row, column=idc,
                         hint="every record needs an id; prepare() excludes such rows")
    empty = pd.Series(pd.NA, index=table.index, dtype=object)
    for c, t in cols.items():
        out[c] = _typed(table[c] if c in table.columns else empty, t)
    extra_cols = sorted(str(c) for c in table.columns
                        if str(c) not in cols and str(c) != idc and not str(c).startswith("_"))
    extras = {c: _as_str(table[c]) for c in extra_cols}
    pieces = [(c, _canon(out[c], t)) for c, t in sorted(cols.items()) if c not in HASH_EXCLUDE]
    pieces += [(f"extra.{c}", extras[c]) for c in extra_cols]
    payload = pd.Series("", index=table.index, dtype="string")
    for name, v in pieces:
        payload = payload + (f"{len(name)}:{name}" + v.str.len().astype("string") + ":" + v).fillna("")
    out["content_sha256"] = [hashlib.sha256(x.encode("utf-8")).hexdigest() for x in payload.tolist()]
    if extra_cols:
        vals = {c: extras[c].astype(object).where(extras[c].notna(), None).tolist() for c in extra_cols}
        rows = ({c: vals[c][i] for c in extra_cols if vals[c][i] is not None} for i in range(len(table)))
        out["extra"] = pd.Series([json.dumps(r, sort_keys=True, ensure_ascii=False) if r else None for r in rows],
                                 index=table.index, dtype="string")
    else:
        out["extra"] = pd.Series(pd.NA, index=table.index, dtype="string")
    out = out.drop_duplicates([idc, "content_sha256"]).reset_index(drop=True)
    dup = out[idc].duplicated(keep=False)
    if dup.any():
        ids = sorted(out.loc[dup, idc].unique())
        raise InputError(f"{len(ids)} {idc}(s) appear twice with different contents in one table "
                         f"(first: {', '.join(ids[:5])})", column=idc,
                         hint="keep one row per id (prepare() merges duplicates)")
    return out


# ------------------------------------------------------------------------------------------------
# Migrations. MIGRATIONS[i] takes the schema from version i to i+1; never edit a released step.


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
        CREATE OR REPLACE VIEW v_posts AS
            SELECT * FROM records r WHERE kind = 'posts' AND version = (
                SELECT max(version) FROM records x WHERE x.kind = r.kind AND x.record_id = r.record_id);
    """)


_V3_TABLES = """
CREATE TABLE posts (post_id VARCHAR NOT NULL, version INTEGER NOT NULL, content_sha256 VARCHAR NOT NULL,
    first_seen_run VARCHAR, ingested_at TIMESTAMPTZ DEFAULT current_timestamp,
    text VARCHAR, title VARCHAR, thread_id VARCHAR, created_at TIMESTAMPTZ, author_id VARCHAR,
    region VARCHAR, country VARCHAR, language VARCHAR, source VARCHAR, consent_to_quote BOOLEAN,
    quotable BOOLEAN, pillar INTEGER, extra JSON, PRIMARY KEY (post_id, version));
CREATE TABLE survey_responses (response_id VARCHAR NOT NULL, version INTEGER NOT NULL,
    content_sha256 VARCHAR NOT NULL, first_seen_run VARCHAR, ingested_at TIMESTAMPTZ DEFAULT current_timestamp,
    submitted_at TIMESTAMPTZ, wave VARCHAR, respondent_group VARCHAR, region VARCHAR, country VARCHAR,
    language VARCHAR, consent_to_quote BOOLEAN, quotable BOOLEAN, extra JSON,
    PRIMARY KEY (response_id, version));
CREATE TABLE findings (finding_id VARCHAR NOT NULL, version INTEGER NOT NULL, content_sha256 VARCHAR NOT NULL,
    first_seen_run VARCHAR, ingested_at TIMESTAMPTZ DEFAULT current_timestamp,
    text VARCHAR, evaluation VARCHAR, country VARCHAR, region VARCHAR, pillar INTEGER, year INTEGER,
    language VARCHAR, quotable BOOLEAN, extra JSON, PRIMARY KEY (finding_id, version));
CREATE TABLE lessons (lesson_id VARCHAR NOT NULL, version INTEGER NOT NULL, content_sha256 VARCHAR NOT NULL,
    first_seen_run VARCHAR, ingested_at TIMESTAMPTZ DEFAULT current_timestamp,
    text VARCHAR, title VARCHAR, type VARCHAR, country VARCHAR, region VARCHAR, pillar INTEGER,
    source VARCHAR, language VARCHAR, quotable BOOLEAN, extra JSON, PRIMARY KEY (lesson_id, version));
CREATE TABLE pillars (pillar INTEGER PRIMARY KEY, key VARCHAR, name VARCHAR);
"""

# Views read tables only (never other views): EXPORT/IMPORT DATABASE recreate views in name
# order, so a view built on another view would not restore.
_V3_LATEST = "(SELECT * FROM {t} QUALIFY version = max(version) OVER (PARTITION BY {id}))"
_V3_LATEST_RUNS = ("(SELECT * FROM theme_runs QUALIFY row_number() OVER "
                   "(PARTITION BY kind, month ORDER BY created_at DESC, rowid DESC) = 1)")
_V3_POST_THEMES = """(SELECT a.doc_id AS post_id, r.month, a.run_id, a.stable_theme_id, t.label, t.pillar
    FROM theme_assignments a JOIN theme_runs r ON r.run_id = a.run_id AND r.kind = 'posts'
    LEFT JOIN themes t ON t.run_id = a.run_id AND t.theme_id = a.theme_id
    QUALIFY row_number() OVER (PARTITION BY a.doc_id ORDER BY r.created_at DESC, r.rowid DESC) = 1)"""
_V3_DECISIONS = ("(SELECT * FROM link_decisions QUALIFY row_number() OVER "
                 "(PARTITION BY finding_id, lesson_id ORDER BY decided_at DESC, rowid DESC) = 1)")
_V3_MONTHLY = f"""SELECT strftime(timezone('UTC', p.created_at), '%Y-%m') AS month, p.region, p.country,
           coalesce(p.pillar, pt.pillar) AS pillar, pl.name AS pillar_name, count(*) AS posts
    FROM {_V3_LATEST.format(t="posts", id="post_id")} p
    LEFT JOIN {_V3_POST_THEMES} pt ON pt.post_id = p.post_id
    LEFT JOIN pillars pl ON pl.pillar = coalesce(p.pillar, pt.pillar)
    WHERE p.created_at IS NOT NULL
    GROUP BY ALL"""
_V3_VIEWS = "\n".join([
    *(f"CREATE OR REPLACE VIEW v_{t} AS SELECT * FROM {_V3_LATEST.format(t=t, id=i)} ORDER BY {i};"
      for t, i in (("posts", "post_id"), ("survey_responses", "response_id"), ("findings", "finding_id"),
                   ("lessons", "lesson_id"))),
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
    SELECT r.month, r.kind, t.stable_theme_id, t.label, t.size, t.pillar, t.pillar_name, t.keywords, t.run_id
    FROM themes t JOIN {_V3_LATEST_RUNS} r ON r.run_id = t.run_id
    ORDER BY r.kind, r.month, t.stable_theme_id;""",
    f"""CREATE OR REPLACE VIEW v_lessons_evidence AS
    SELECT l.lesson_id, l.title, l.type, l.pillar, l.country, l.region,
           count(d.finding_id) FILTER (WHERE d.decision = 'accept') AS accepted_findings,
           count(d.finding_id) FILTER (WHERE d.decision = 'reject') AS rejected_findings,
           list(d.finding_id ORDER BY d.finding_id) FILTER (WHERE d.decision = 'accept') AS finding_ids
    FROM {_V3_LATEST.format(t="lessons", id="lesson_id")} l
    LEFT JOIN {_V3_DECISIONS} d ON d.lesson_id = l.lesson_id
    GROUP BY ALL ORDER BY accepted_findings DESC, l.lesson_id;""",
])


def _m3(con) -> None:
    """Per-kind record tables (moved out of `records`, hashes recomputed), stable theme ids,
    pillar ids, theme metadata, decision keys and the analysts' views."""
    from kmsynth.ingest.schemas import pillars

    con.execute("""
        DROP VIEW IF EXISTS v_posts; DROP VIEW IF EXISTS v_monthly_counts_shared;
        DROP VIEW IF EXISTS v_monthly_counts; DROP VIEW IF EXISTS v_theme_history;
        DROP VIEW IF EXISTS v_lessons_evidence;
    """)
    con.execute(_V3_TABLES)
    plist = pd.DataFrame([(p.id, p.key, p.name) for p in pillars()], columns=["pillar", "key", "name"])
    con.register("_pl", plist)
    con.execute("INSERT INTO pillars SELECT * FROM _pl")
    con.unregister("_pl")
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
    con.execute("""
        DROP TABLE records;
        ALTER TABLE theme_runs ADD COLUMN kind VARCHAR DEFAULT 'posts';
        ALTER TABLE theme_runs ADD COLUMN embedder_id VARCHAR;
        ALTER TABLE theme_runs ADD COLUMN n_docs INTEGER;
        ALTER TABLE theme_runs ADD COLUMN outlier_share DOUBLE;
        CREATE TABLE themes_v3 (run_id VARCHAR NOT NULL, theme_id INTEGER NOT NULL, stable_theme_id INTEGER,
            label VARCHAR, size INTEGER, pillar INTEGER, pillar_name VARCHAR, pillar_confidence DOUBLE,
            keywords VARCHAR, representative_ids VARCHAR[], centroid FLOAT[], PRIMARY KEY (run_id, theme_id));
        INSERT INTO themes_v3 (run_id, theme_id, stable_theme_id, label, size, pillar, pillar_name, keywords, centroid)
            SELECT t.run_id, t.theme_id, t.theme_id, t.label, t.size,
                   coalesce(TRY_CAST(t.pillar AS INTEGER), p.pillar), coalesce(p.name, t.pillar), t.keywords, t.centroid
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


# ------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _private() -> Iterator[None]:
    """Files created meanwhile (the store, its write-ahead log, exports) are owner-only."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def _is_lock_error(exc: Exception) -> bool:
    return any(s in str(exc).lower() for s in _LOCK_ERRORS)


def _arrow(con, sql: str, params: list):
    """A query's result as a pyarrow Table (DuckDB 1.x and 2.x spell this differently)."""
    try:
        rel = con.sql(sql, params=params)
    except TypeError:
        return con.execute(sql, params).fetch_arrow_table()
    return rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()


def _sql_path(p: Path) -> str:
    return p.as_posix().replace("'", "''")


class Store:
    """A DuckDB knowledge store. Use as a context manager: ``with Store.open(path) as s: ...``.

    Parameters: `path` of the .duckdb file (created, 0600, when a writer opens a new path);
    `readonly` to read only (no lock, no migration); `timeout` seconds to wait for the writer
    lock or for a writer to finish (default 0: fail at once with AlreadyRunning).
    """

    def __init__(self, path: str | os.PathLike, *, readonly: bool = False, timeout: float = 0.0,
                 upto: int | None = None):
        # upto: migrate only this far (tests build stores of older schema versions with it)
        self.path = Path(path).expanduser()
        self.readonly = readonly
        self.timeout = float(timeout)
        self._lock = None
        self._con = None
        if readonly:
            if not self.path.is_file():
                raise InputError("there is no knowledge store at this path", file=str(self.path),
                                 hint="run `kmsynth report` once with data.store set in the config")
            with self._read() as con:
                self._check_version(self._version(con), readonly=True)
            return
        from filelock import FileLock, Timeout

        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = FileLock(str(self.path) + ".lock", timeout=self.timeout, mode=0o600)
        try:
            self._lock.acquire()
        except Timeout:
            self._lock = None
            raise AlreadyRunning(f"another run is writing the knowledge store {self.path.name}; "
                                 "try again when it has finished") from None
        try:
            self._con = self._connect(read_only=False)
            os.chmod(self.path, 0o600)
            self._migrate(SCHEMA_VERSION if upto is None else upto)
        except BaseException:
            self.close()
            raise

    @classmethod
    def open(cls, path: str | os.PathLike, *, readonly: bool = False, timeout: float = 0.0) -> Store:
        """Open (a writer creates or migrates) the store at `path`."""
        return cls(path, readonly=readonly, timeout=timeout)

    @classmethod
    def from_config(cls, config, *, readonly: bool = False, timeout: float = 0.0) -> Store | None:
        """The store `config.data.store` names (None when none is configured). A writer also
        records the config's privacy.min_cell as the store's `min_cell` setting."""
        if getattr(config.data, "store", None) is None:
            return None
        store = cls(config.data.store, readonly=readonly, timeout=timeout)
        if not readonly and store.min_cell != config.privacy.min_cell:
            store.set_setting("min_cell", config.privacy.min_cell)
        return store

    def __enter__(self) -> Store:  # noqa: PYI034
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.path.name!r}, readonly={self.readonly})"

    def close(self) -> None:
        """Close the connection (checkpointing the log into the file) and release the lock."""
        try:
            if self._con is not None:
                with _private():
                    self._con.close()
        finally:
            self._con = None
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    # -- connections -------------------------------------------------------------------------

    def _connect(self, *, read_only: bool):
        import duckdb

        deadline = time.monotonic() + self.timeout
        while True:
            try:
                with _private():
                    con = duckdb.connect(str(self.path), read_only=read_only)
                con.execute("SET TimeZone = 'UTC'")
                return con
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if not _is_lock_error(exc):
                    if "not a valid duckdb" in str(exc).lower():
                        raise InputError("this file is not a DuckDB knowledge store", file=str(self.path),
                                         hint="point data.store at a new path or at a store kmsynth made") from None
                    raise
                if time.monotonic() >= deadline:
                    who = ("a run is writing the store" if read_only else
                           "the store is open elsewhere (a workbench or notebook reading it?)")
                    raise AlreadyRunning(f"{who}: {self.path.name}; try again when it is closed") from None
                time.sleep(0.2)

    @contextlib.contextmanager
    def _read(self) -> Iterator[Any]:
        """A connection to read with: the writer's, or a read-only one held for this call only."""
        if self._con is not None:
            yield self._con
            return
        con = self._connect(read_only=True)
        try:
            yield con
        finally:
            con.close()

    @contextlib.contextmanager
    def _write(self) -> Iterator[Any]:
        """The writer's connection, inside one transaction, creating files owner-only."""
        if self.readonly or self._con is None:
            raise KmsynthError("this store was opened read-only (or is closed)")
        with _private():
            self._con.execute("BEGIN TRANSACTION")
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    @property
    def con(self):
        """The raw DuckDB connection (a reader opens one and holds it, blocking writers, until close)."""
        if self._con is None:
            if self._lock is None and not self.readonly:
                raise KmsynthError("the store is closed")
            self._con = self._connect(read_only=True)
        return self._con

    # -- schema ------------------------------------------------------------------------------

    @staticmethod
    def _version(con) -> int:
        exists = con.execute("SELECT count(*) FROM information_schema.tables "
                             "WHERE table_name = 'schema_version' AND table_schema = 'main'").fetchall()[0][0]
        if not exists:
            return 0
        return int(con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0])

    def schema_version(self) -> int:
        """The schema version the store is at (0: empty)."""
        with self._read() as con:
            return self._version(con)

    def _check_version(self, current: int, *, readonly: bool) -> None:
        if current > SCHEMA_VERSION:
            raise InputError(f"the knowledge store has schema version {current}, newer than this "
                             f"kmsynth knows ({SCHEMA_VERSION})", file=str(self.path),
                             hint="upgrade kmsynth on this machine before using this store")
        if readonly and current < SCHEMA_VERSION:
            raise InputError(f"the knowledge store has schema version {current}, older than this "
                             f"kmsynth's ({SCHEMA_VERSION})", file=str(self.path),
                             hint="open it once for writing (e.g. the next `kmsynth report` run) to migrate it")

    def _migrate(self, target: int) -> None:
        con = self._con
        current = self._version(con)
        self._check_version(current, readonly=False)
        if current == 0:
            n = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'").fetchall()[0][0]
            if n:
                raise InputError("this DuckDB file holds other tables and is not a kmsynth store",
                                 file=str(self.path), hint="point data.store at a new path")
        if current >= target:
            return
        if current > 0:
            con.execute("CHECKPOINT")
            bak = self.path.with_name(f"{self.path.name}.schema-v{current}.bak")
            with _private():
                shutil.copyfile(self.path, bak)
            os.chmod(bak, 0o600)
            log.info("copied the store to %s before migrating it from schema %d to %d",
                     bak.name, current, target)
        with _private():
            con.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                        "migrated_at TIMESTAMPTZ DEFAULT current_timestamp)")
            for v in range(current, target):
                step = MIGRATIONS[v]
                con.execute("BEGIN TRANSACTION")
                try:
                    con.execute(step) if isinstance(step, str) else step(con)
                    con.execute("INSERT INTO schema_version (version) VALUES (?)", [v + 1])
                except BaseException:
                    con.execute("ROLLBACK")
                    raise
                con.execute("COMMIT")
                log.info("knowledge store migrated to schema version %d", v + 1)

    # -- settings ------------------------------------------------------------------------------

    def setting(self, key: str, default: str | None = None) -> str | None:
        with self._read() as con:
            rows = con.execute("SELECT value FROM settings WHERE key = ?", [key]).fetchall()
        return rows[0][0] if rows else default

    def set_setting(self, key: str, value: Any) -> None:
        """Set a store setting; `min_cell` (k of small-cell suppression) must be at least 5."""
        if key == "min_cell":
            from kmsynth.config import MIN_CELL_FLOOR

            try:
                value = int(value)
            except (TypeError, ValueError):
                raise InputError("min_cell must be a whole number", hint=f"at least {MIN_CELL_FLOOR}") from None
            if value < MIN_CELL_FLOOR:
                raise InputError(f"min_cell must be at least {MIN_CELL_FLOOR}, got {value}")
        with self._write() as con:
            con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, str(value)])

    @property
    def min_cell(self) -> int:
        """k: counts below it are hidden in shared views and breakdowns."""
        return int(self.setting("min_cell", "10"))

    # -- records -------------------------------------------------------------------------------

    def add_table(self, kind: str, table, *, run_id: str = "") -> IngestCounts:
        """Add a prepared (redacted) table incrementally.

        `table` is prepare()'s DataFrame (or the Prepared itself). Rows whose id is unknown are
        new; a known id with the same content is unchanged (not written); a known id with other
        content becomes a new version beside the old one. Returns the counts.
        """
        kind = _kind(kind)
        table = getattr(table, "table", table)
        idc, name = ID_COL[kind], TABLE[kind]
        norm = normalise(kind, table)
        if norm.empty:
            return IngestCounts()
        norm["first_seen_run"] = run_id or None
        with self._write() as con:
            con.register("_in", norm)
            try:
                latest = (f"(SELECT {idc}, max(version) AS version, arg_max(content_sha256, version) AS sha "
                          f"FROM {name} GROUP BY {idc})")
                c = con.execute(f"""
                    SELECT count(*) FILTER (WHERE l.{idc} IS NULL),
                           count(*) FILTER (WHERE l.sha = i.content_sha256),
                           count(*) FILTER (WHERE l.{idc} IS NOT NULL AND l.sha <> i.content_sha256)
                    FROM _in i LEFT JOIN {latest} l ON l.{idc} = i.{idc}""").fetchall()[0]
                con.execute(f"""
                    INSERT INTO {name} BY NAME
                    SELECT i.*, coalesce(l.version, 0) + 1 AS version
                    FROM _in i LEFT JOIN {latest} l ON l.{idc} = i.{idc}
                    WHERE l.sha IS DISTINCT FROM i.content_sha256""")
            finally:
                con.unregister("_in")
        counts = IngestCounts(new=int(c[0]), unchanged=int(c[1]), new_version=int(c[2]))
        log.info("store %s: %s", kind, counts)
        return counts

    def history(self, kind: str, months: Sequence[str] | str | None = None, *,
                all_versions: bool = False) -> pd.DataFrame:
        """The latest version of every record of `kind` (every version with `all_versions`),
        optionally only those dated in `months` ('YYYY-MM', posts and survey only)."""
        kind = _kind(kind)
        src = TABLE[kind] if all_versions else f"v_{TABLE[kind]}"
        sql, params = f"SELECT * FROM {src}", []
        if months is not None:
            if kind not in DATE_COL:
                raise InputError(f"{kind} have no date to select months by", hint="call without months")
            months = [months] if isinstance(months, str) else list(months)
            sql += f" WHERE strftime(timezone('UTC', {DATE_COL[kind]}), '%Y-%m') IN (SELECT unnest(?))"
            params = [months]
        sql += f" ORDER BY {ID_COL[kind]}, version"
        return self.query(sql, params)

    def records(self, kind: str) -> pd.DataFrame:
        """The latest version of every record of a kind (same as `history(kind)`)."""
        return self.history(kind)

    def counts(self) -> dict[str, int]:
        """Rows per table (every version counted)."""
        names = list(TABLE.values()) + ["embeddings", "theme_runs", "themes", "theme_assignments",
                                        "curation_decisions", "link_decisions", "run_manifests"]
        with self._read() as con:
            return {n: int(con.execute(f"SELECT count(*) FROM {n}").fetchall()[0][0]) for n in names}

    # -- embeddings ----------------------------------------------------------------------------

    @staticmethod
    def _texts(texts: Sequence[str]) -> pd.DataFrame:
        return pd.DataFrame({"i": np.arange(len(texts)), "t": pd.array([str(t) for t in texts], dtype="string")})

    def missing_embeddings(self, model_id: str, texts: Sequence[str]) -> list[str]:
        """The distinct texts (first-seen order) with no stored vector for `model_id`."""
        uniq = list(dict.fromkeys(str(t) for t in texts))
        if not uniq:
            return []
        with self._read() as con:
            con.register("_t", self._texts(uniq))
            try:
                got = con.execute("SELECT i FROM _t WHERE sha256(t) NOT IN (SELECT text_sha256 FROM embeddings "
                                  "WHERE model_id = ?) ORDER BY i", [model_id]).fetchnumpy()["i"]
            finally:
                con.unregister("_t")
        return [uniq[int(i)] for i in got]

    def put_embeddings(self, model_id: str, texts: Sequence[str], vectors: np.ndarray) -> int:
        """Store vectors for texts (keyed by sha256 of the text); known ones are left as they are.
        Returns how many were added."""
        import pyarrow as pa

        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or len(vectors) != len(texts):
            raise ValueError(f"{len(texts)} texts but vectors of shape {vectors.shape}")
        n, dim = vectors.shape
        if n == 0:
            return 0
        big = (n + 1) * dim >= 2**31
        offsets = pa.array(np.arange(0, (n + 1) * dim, dim, dtype=np.int64 if big else np.int32))
        arr = (pa.LargeListArray if big else pa.ListArray).from_arrays(offsets, pa.array(vectors.reshape(-1)))
        tbl = pa.table({"i": pa.array(np.arange(n)), "t": pa.array([str(t) for t in texts], pa.string()),
                        "vector": arr})
        with self._write() as con:
            con.register("_emb", tbl)
            try:
                # the first vector of a text repeated in `texts` wins; known texts are skipped
                n_new = con.execute("""
                    INSERT INTO embeddings
                    SELECT ? AS model_id, k AS text_sha256, vector FROM (
                        SELECT sha256(t) AS k, vector FROM _emb
                        QUALIFY row_number() OVER (PARTITION BY sha256(t) ORDER BY i) = 1)
                    WHERE k NOT IN (SELECT text_sha256 FROM embeddings WHERE model_id = ?)""",
                                    [model_id, model_id]).fetchall()[0][0]
            finally:
                con.unregister("_emb")
        return int(n_new)

    def get_embeddings(self, model_id: str, texts: Sequence[str]) -> np.ndarray:
        """Stored vectors for `texts`, one row each in order; KeyError if any is missing."""
        if len(texts) == 0:
            return np.zeros((0, 0), dtype=np.float32)
        with self._read() as con:
            con.register("_t", self._texts(texts))
            try:
                tbl = _arrow(con, "SELECT _t.i, e.vector FROM _t JOIN embeddings e ON e.model_id = ? "
                                  "AND e.text_sha256 = sha256(_t.t) ORDER BY _t.i", [model_id])
            finally:
                con.unregister("_t")
        if tbl.num_rows < len(texts):
            found = set(tbl.column("i").to_pylist())
            missing = len({str(t) for j, t in enumerate(texts) if j not in found})
            raise KeyError(f"{missing} text(s) have no stored {model_id} embedding")
        vec = tbl.column("vector").combine_chunks()
        flat = vec.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False)
        return flat.reshape(len(texts), -1)

    # -- themes --------------------------------------------------------------------------------

    def save_theme_run(self, run_id: str, month: str, result, *, kind: str = "posts",
                       stable_ids: dict[int, int] | None = None) -> None:
        """Store a ThemeResult as run `run_id` for `month` (a run with the same id is replaced).

        `stable_ids` maps the result's theme ids to stable ids (`themes.match_themes`); without
        it the result's ids are taken as stable (as after `themes.apply_stable_ids`).
        """
        t = result.themes
        ids = [int(i) for i in t["theme_id"]]
        stable = {i: int((stable_ids or {}).get(i, i)) for i in ids}
        cents = getattr(result, "centroids", {}) or {}

        def col(name, default=None):
            return t[name].tolist() if name in t else [default] * len(t)

        pillar = pd.to_numeric(pd.Series(col("pillar")), errors="coerce").astype("Int64")
        tdf = pd.DataFrame({
            "run_id": run_id, "theme_id": ids, "stable_theme_id": [stable[i] for i in ids],
            "label": _as_str(pd.Series(col("label"))), "size": [int(s) for s in col("size", 0)],
            "pillar": pillar, "pillar_name": _as_str(pd.Series(col("pillar_name"))),
            "pillar_confidence": pd.to_numeric(pd.Series(col("pillar_confidence")), errors="coerce"),
            "keywords": _as_str(pd.Series(col("keywords"))),
            "representative_ids": [[str(x) for x in (r if isinstance(r, (list, tuple, np.ndarray)) else [])]
                                   for r in col("representative_ids", [])],
            "centroid": [np.asarray(cents[i], dtype=np.float32).tolist() if i in cents else None for i in ids],
        })
        a = result.assignments
        adf = pd.DataFrame({"run_id": run_id, "doc_id": a["doc_id"].astype(str).to_numpy(),
                            "theme_id": a["theme_id"].astype(int).to_numpy(),
                            "stable_theme_id": [stable.get(int(x), int(x)) for x in a["theme_id"]],
                            "probability": pd.to_numeric(a["probability"], errors="coerce").to_numpy()})
        params = json.dumps(getattr(result, "params", {}) or {}, default=str, sort_keys=True)
        with self._write() as con:
            for tbl in ("themes", "theme_assignments", "theme_runs"):
                con.execute(f"DELETE FROM {tbl} WHERE run_id = ?", [run_id])
            con.execute("INSERT INTO theme_runs (run_id, month, params, kind, embedder_id, n_docs, outlier_share) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?)",
                        [run_id, month, params, kind, getattr(result, "embedder_id", "") or None, len(a),
                         float(getattr(result, "outlier_share", float("nan")))])
            con.register("_t", tdf)
            con.register("_a", adf)
            try:
                con.execute("INSERT INTO themes BY NAME SELECT * FROM _t")
                con.execute("INSERT INTO theme_assignments BY NAME SELECT * FROM _a")
            finally:
                con.unregister("_t")
                con.unregister("_a")

    def theme_runs(self, kind: str | None = None) -> pd.DataFrame:
        sql = "SELECT run_id, month, kind, embedder_id, n_docs, outlier_share, params, created_at FROM theme_runs"
        return self.query(sql + (" WHERE kind = ?" if kind else "") + " ORDER BY month, created_at",
                          [kind] if kind else [])

    def theme_history(self, kind: str = "posts") -> pd.DataFrame:
        """Month by month: stable theme id, label, size, pillar (latest run of each month)."""
        return self.query("SELECT * FROM v_theme_history WHERE kind = ?", [kind])

    def previous_theme_run(self, month: str, kind: str = "posts"):
        """The latest theme run of a month before `month`, as a ThemeResult keyed by stable ids
        (themes, assignments, centroids; no document embeddings), or None."""
        from kmsynth.themes.model import ThemeResult

        with self._read() as con:
            row = con.execute("SELECT run_id, params, embedder_id, outlier_share FROM v_latest_theme_runs "
                              "WHERE kind = ? AND month < ? ORDER BY month DESC LIMIT 1", [kind, month]).fetchall()
            if not row:
                return None
            row = row[0]
            run_id = row[0]
            t = con.execute("SELECT stable_theme_id AS theme_id, label, size, keywords, pillar, pillar_name, "
                            "pillar_confidence, representative_ids, centroid FROM themes WHERE run_id = ? "
                            "ORDER BY size DESC, stable_theme_id", [run_id]).df()
            a = con.execute("SELECT doc_id, stable_theme_id AS theme_id, probability FROM theme_assignments "
                            "WHERE run_id = ? ORDER BY rowid", [run_id]).df()
        cents = {int(i): np.asarray(c, dtype=np.float32) for i, c in zip(t["theme_id"], t["centroid"])
                 if c is not None and len(c)}
        t = t.drop(columns=["centroid"])
        t["pillar"] = t["pillar"].astype("Int64")
        t["representative_ids"] = [list(r) if r is not None else [] for r in t["representative_ids"]]
        share = row[3] if row[3] is not None and not np.isnan(row[3]) else float((a["theme_id"] == -1).mean() if len(a) else 0)
        return ThemeResult(themes=t, assignments=a, embeddings=np.zeros((0, 0), np.float32), centroids=cents,
                           outlier_share=share, outlier_share_final=float((a["theme_id"] == -1).mean()) if len(a) else 0.0,
                           params=json.loads(row[1]) if row[1] else {}, embedder_id=row[2] or "")

    def previous_centroids(self, month: str, kind: str = "posts") -> dict[int, np.ndarray]:
        """Stable theme id -> centroid from the latest theme run before `month`."""
        prev = self.previous_theme_run(month, kind)
        return dict(prev.centroids) if prev is not None else {}

    # -- decisions and manifests ---------------------------------------------------------------

    def add_link_decisions(self, reviewed: pd.DataFrame, reviewer: str = "") -> int:
        """Record reviewers' accept/reject decisions (rows with another or no decision are
        skipped). A decision equal to the pair's latest one is not recorded again. Returns how
        many were recorded."""
        if reviewed is None or len(reviewed) == 0:
            return 0
        dec = reviewed["decision"].astype(str).str.strip().str.lower()
        d = pd.DataFrame({"finding_id": reviewed["finding_id"].astype(str).to_numpy(),
                          "lesson_id": reviewed["lesson_id"].astype(str).to_numpy(),
                          "decision": dec.to_numpy()})
        d = d[d["decision"].isin(["accept", "reject"])].drop_duplicates(["finding_id", "lesson_id"], keep="last")
        if d.empty:
            return 0
        d["reviewer"] = reviewer or None
        with self._write() as con:
            con.register("_d", d)
            try:
                n = con.execute("""SELECT count(*) FROM _d LEFT JOIN v_link_decisions v
                                   USING (finding_id, lesson_id) WHERE v.decision IS DISTINCT FROM _d.decision"""
                                ).fetchall()[0][0]
                con.execute("""INSERT INTO link_decisions (finding_id, lesson_id, decision, reviewer)
                               SELECT _d.finding_id, _d.lesson_id, _d.decision, _d.reviewer FROM _d
                               LEFT JOIN v_link_decisions v USING (finding_id, lesson_id)
                               WHERE v.decision IS DISTINCT FROM _d.decision""")
            finally:
                con.unregister("_d")
        return int(n)

    def link_decisions(self) -> pd.DataFrame:
        """The latest decision per (finding, lesson) pair."""
        return self.query("SELECT finding_id, lesson_id, decision, reviewer, decided_at FROM v_link_decisions "
                          "ORDER BY finding_id, lesson_id")

    def add_curation_decisions(self, decisions) -> int:
        """Record curation decisions (a Curation or a list of dicts) not recorded before."""
        items = getattr(decisions, "decisions", decisions) or []
        rows = []
        for d in items:
            text = json.dumps(d, sort_keys=True, default=str, ensure_ascii=False)
            rows.append({"decision": text, "decision_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
                         "action": str(d.get("action", "")) or None})
        if not rows:
            return 0
        df = pd.DataFrame(rows).drop_duplicates("decision_sha256")
        with self._write() as con:
            con.register("_c", df)
            try:
                n = con.execute("SELECT count(*) FROM _c WHERE decision_sha256 NOT IN "
                                "(SELECT decision_sha256 FROM curation_decisions WHERE decision_sha256 IS NOT NULL)"
                                ).fetchall()[0][0]
                con.execute("INSERT INTO curation_decisions (decision, decision_sha256, action) "
                            "SELECT CAST(decision AS JSON), decision_sha256, action FROM _c WHERE decision_sha256 "
                            "NOT IN (SELECT decision_sha256 FROM curation_decisions WHERE decision_sha256 IS NOT NULL)")
            finally:
                con.unregister("_c")
        return int(n)

    def curation_decisions(self) -> list[dict[str, Any]]:
        with self._read() as con:
            got = con.execute("SELECT decision FROM curation_decisions ORDER BY decided_at, rowid").fetchall()
        return [json.loads(g[0]) for g in got]

    def add_manifest(self, run_id: str, manifest: dict[str, Any]) -> None:
        """Keep a run's manifest (a run id seen before is replaced)."""
        with self._write() as con:
            con.execute("INSERT OR REPLACE INTO run_manifests (run_id, manifest) VALUES (?, ?)",
                        [run_id, json.dumps(manifest, default=str, sort_keys=True)])

    def manifest(self, run_id: str) -> dict[str, Any] | None:
        with self._read() as con:
            rows = con.execute("SELECT manifest FROM run_manifests WHERE run_id = ?", [run_id]).fetchall()
        return json.loads(rows[0][0]) if rows else None

    # -- reading and sharing -------------------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] | None = None) -> pd.DataFrame:
        """Run SQL and return a DataFrame (on a read-only store, the SQL can only read)."""
        with self._read() as con, _private():
            return con.execute(sql, list(params or [])).df()

    _BY = ("region", "country", "pillar", "pillar_name")

    def monthly_counts(self, by: Sequence[str] = ("region",), months: Sequence[str] | None = None) -> pd.DataFrame:
        """Posts per month and `by` (any of region, country, pillar, pillar_name), unsuppressed:
        for analysis inside the team; publish with `shared_breakdown`."""
        by = [by] if isinstance(by, str) else list(by)
        bad = [b for b in by if b not in self._BY]
        if bad:
            raise InputError(f"cannot break counts down by {', '.join(bad)}", hint=f"use {', '.join(self._BY)}")
        keys = ", ".join(["month"] + by)
        sql = f"SELECT {keys}, CAST(sum(posts) AS BIGINT) AS posts FROM v_monthly_counts"
        params: list[Any] = []
        if months is not None:
            sql += " WHERE month IN (SELECT unnest(?))"
            params.append([months] if isinstance(months, str) else list(months))
        return self.query(sql + f" GROUP BY {keys} ORDER BY {keys}", params)

    def shared_breakdown(self, by: Sequence[str] = ("region",), months: Sequence[str] | None = None,
                         k: int | None = None) -> pd.DataFrame:
        """Monthly counts (rows: months, columns: `by` groups) with full small-cell suppression
        (primary and secondary, kmsynth.protect.privacy.suppress_small_cells) at k = the store's
        min_cell unless given: the table to publish. Empty groups are labelled '(not given)'."""
        from kmsynth.protect.privacy import suppress_small_cells

        k = int(k or self.min_cell)
        by = [by] if isinstance(by, str) else list(by)
        df = self.monthly_counts(by=by, months=months)
        if df.empty:
            return pd.DataFrame(index=pd.Index([], name="month"))
        for b in by:
            df[b] = df[b].astype(object).where(df[b].notna(), "(not given)").astype(str)
        table = df.pivot_table(index="month", columns=by, values="posts", aggfunc="sum", fill_value=0)
        return suppress_small_cells(table, k)

    # -- export and backup ---------------------------------------------------------------------

    def tables(self) -> list[str]:
        """Tables and views in the store."""
        with self._read() as con:
            return sorted(r[0] for r in con.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall())

    def export(self, table: str, path: str | os.PathLike) -> Path:
        """Write a table or view to a Parquet file (owner-only: it holds redacted texts)."""
        allowed = self.tables()
        if table not in allowed:
            raise InputError(f"no table or view {table!r} in the store", hint="one of " + ", ".join(allowed))
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        with self._read() as con, _private():
            con.execute(f"COPY (SELECT * FROM \"{table}\") TO '{_sql_path(p)}' (FORMAT PARQUET)")
        os.chmod(p, 0o600)
        return p

    def backup(self, dest: str | os.PathLike) -> Path:
        """A consistent backup of the whole store; returns where it went.

        - `dest` ending in .duckdb or .db: CHECKPOINT (the write-ahead log folded into the
          file), then a copy of the file, written under a temporary name, checked to open, and
          renamed. Restore: with no run writing, copy it back to the store's path.
        - any other `dest` (a folder): EXPORT DATABASE, i.e. schema.sql, load.sql and one
          Parquet file per table. Restore: ``duckdb new.duckdb -c "IMPORT DATABASE 'dest'"`` or
          ``Store.restore(dest, new_path)``; this form also carries a store across DuckDB
          versions.
        Either way the backup is owner-only (0600 files, 0700 folder). A read-only store can be
        backed up too (writers are kept out while it copies).
        """
        import duckdb

        d = Path(dest)
        d.parent.mkdir(parents=True, exist_ok=True)
        with _private():
            if d.suffix.lower() in (".duckdb", ".db"):
                tmp = d.with_name(f".{d.name}.tmp")
                with self._read() as con:
                    if not self.readonly:
                        con.execute("CHECKPOINT")
                    shutil.copyfile(self.path, tmp)
                    wal = Path(str(self.path) + ".wal")
                    if self.readonly and wal.is_file():
                        shutil.copyfile(wal, str(tmp) + ".wal")
                os.chmod(tmp, 0o600)
                check = duckdb.connect(str(tmp), read_only=True)
                try:
                    got = self._version(check)
                finally:
                    check.close()
                if got != SCHEMA_VERSION:
                    raise KmsynthError("the backup copy did not read back as a store")
                tmp.replace(d)
                if Path(str(tmp) + ".wal").exists():
                    Path(str(tmp) + ".wal").replace(Path(str(d) + ".wal"))
            else:
                d.mkdir(parents=True, exist_ok=True)
                os.chmod(d, 0o700)
                with self._read() as con:
                    con.execute(f"EXPORT DATABASE '{_sql_path(d)}' (FORMAT PARQUET)")
                for f in d.iterdir():
                    os.chmod(f, 0o600)
        log.info("store backed up to %s", d)
        return d

    @classmethod
    def restore(cls, folder: str | os.PathLike, path: str | os.PathLike) -> Store:
        """Rebuild a store at a new `path` from an EXPORT DATABASE backup folder; returns it open
        for writing (migrated if the backup came from an older schema)."""
        import duckdb

        p, src = Path(path), Path(folder)
        if p.exists():
            raise InputError("a file is already at the restore path", file=str(p), hint="restore to a new path")
        if not (src / "schema.sql").is_file():
            raise InputError("not a store backup folder (no schema.sql)", file=str(src))
        with _private():
            con = duckdb.connect(str(p))
            try:
                con.execute(f"IMPORT DATABASE '{_sql_path(src)}'")
            finally:
                con.close()
        os.chmod(p, 0o600)
        return cls(p)


class StoreEmbeddingCache:
    """Puts the store in front of an embedder: only texts with no stored vector for the
    embedder's model id are embedded; every vector is kept in the store.

    `last_counts` tells the last `encode` call's {"new": embedded now, "cached": read}.
    """

    def __init__(self, inner, store: Store):
        self.inner = inner
        self.store = store
        self.last_counts = {"new": 0, "cached": 0}

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    def __getattr__(self, name: str):
        if name in ("inner", "store"):
            raise AttributeError(name)
        return getattr(self.inner, name)

    def fit(self, texts: Sequence[str]) -> StoreEmbeddingCache:
        self.inner.fit(texts)
        return self

    def encode(self, texts: Sequence[str], show_progress: bool = False) -> np.ndarray:
        texts = [str(t) for t in texts]
        if not texts:
            self.last_counts = {"new": 0, "cached": 0}
            return self.inner.encode([], show_progress=False)
        todo = self.store.missing_embeddings(self.model_id, texts)
        fresh: dict[str, np.ndarray] = {}
        if todo:
            vecs = np.asarray(self.inner.encode(todo, show_progress=show_progress), dtype=np.float32)
            self.store.put_embeddings(self.model_id, todo, vecs)
            fresh = dict(zip(todo, vecs))
        n_unique = len(set(texts))
        self.last_counts = {"new": len(todo), "cached": n_unique - len(todo)}
        log.info("embeddings (%s): %d new texts, %d read from the store", self.model_id, len(todo),
                 n_unique - len(todo))
        if len(fresh) == n_unique:
            return np.vstack([fresh[t] for t in texts])
        stored = [t for t in dict.fromkeys(texts) if t not in fresh]
        got = dict(zip(stored, self.store.get_embeddings(self.model_id, stored)))
        got.update(fresh)
        return np.vstack([got[t] for t in texts]).astype(np.float32)
