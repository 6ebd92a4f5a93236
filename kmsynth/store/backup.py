"""Export, backup and restore of the whole store (owner-only files)."""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING

from kmsynth.errors import InputError, KmsynthError
from kmsynth.store.core import owner_only, sql_path
from kmsynth.store.schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from kmsynth.store.store import Store

log = logging.getLogger(__name__)


class BackupMixin:
    """Tables, export, backup, restore (a part of `Store`)."""

    def tables(self) -> list[str]:
        """Tables and views in the store."""
        with self._read() as con:
            return sorted(
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'"
                ).fetchall()
            )

    def export(self, table: str, path: str | os.PathLike) -> Path:
        """Write a table or view to a Parquet file (owner-only: it holds redacted texts)."""
        allowed = self.tables()
        if table not in allowed:
            raise InputError(
                f"no table or view {table!r} in the store", hint="one of " + ", ".join(allowed)
            )
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        with self._read() as con, owner_only():
            con.execute(f"COPY (SELECT * FROM \"{table}\") TO '{sql_path(p)}' (FORMAT PARQUET)")
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
        with owner_only():
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
                    con.execute(f"EXPORT DATABASE '{sql_path(d)}' (FORMAT PARQUET)")
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
            raise InputError(
                "a file is already at the restore path", file=str(p), hint="restore to a new path"
            )
        if not (src / "schema.sql").is_file():
            raise InputError("not a store backup folder (no schema.sql)", file=str(src))
        with owner_only():
            con = duckdb.connect(str(p))
            try:
                con.execute(f"IMPORT DATABASE '{sql_path(src)}'")
            finally:
                con.close()
        os.chmod(p, 0o600)
        return cls(p)
