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
:meth:`Store.shared_breakdown`, which applies :func:`kmsynth.protect.suppress_small_cells`
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

from kmsynth.store.backup import BackupMixin
from kmsynth.store.core import StoreCore
from kmsynth.store.decisions import DecisionsMixin
from kmsynth.store.embeddings import EmbeddingsMixin
from kmsynth.store.records import RecordsMixin
from kmsynth.store.theme_runs import ThemeRunsMixin
from kmsynth.store.views import ViewsMixin


class Store(
    RecordsMixin,
    EmbeddingsMixin,
    ThemeRunsMixin,
    DecisionsMixin,
    ViewsMixin,
    BackupMixin,
    StoreCore,
):
    """A DuckDB knowledge store. Use as a context manager: ``with Store.open(path) as s: ...``.

    Parameters: `path` of the .duckdb file (created, 0600, when a writer opens a new path);
    `readonly` to read only (no lock, no migration); `timeout` seconds to wait for the writer
    lock or for a writer to finish (default 0: fail at once with AlreadyRunning).
    """
