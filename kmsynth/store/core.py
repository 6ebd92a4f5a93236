"""The store's core: opening (single writer behind a lock, readers per call), connections,
schema version and migration, settings; owner-only files."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Self

from kmsynth.config import Config
from kmsynth.errors import AlreadyRunning, InputError, KmsynthError
from kmsynth.store.migrations import MIGRATIONS
from kmsynth.store.schema import SCHEMA_VERSION

log = logging.getLogger(__name__)

_LOCK_ERRORS = ("could not set lock", "conflicting lock", "different configuration")


@contextlib.contextmanager
def owner_only() -> Iterator[None]:
    """Files created meanwhile (the store, its write-ahead log, exports) are owner-only."""
    old = os.umask(0o077)
    try:
        yield
    finally:
        os.umask(old)


def _is_lock_error(exc: Exception) -> bool:
    return any(s in str(exc).lower() for s in _LOCK_ERRORS)


def arrow_table(con: Any, sql: str, params: list[Any]) -> Any:
    """A query's result as a pyarrow Table (DuckDB 1.x and 2.x spell this differently)."""
    try:
        rel = con.sql(sql, params=params)
    except TypeError:
        return con.execute(sql, params).fetch_arrow_table()
    return rel.to_arrow_table() if hasattr(rel, "to_arrow_table") else rel.arrow()


def sql_path(p: Path) -> str:
    return p.as_posix().replace("'", "''")


class StoreCore:
    """Opening, connections, schema and settings of a `Store` (the rest comes from its mixins)."""

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        readonly: bool = False,
        timeout: float = 0.0,
        upto: int | None = None,
    ) -> None:
        # upto: migrate only this far (tests build stores of older schema versions with it)
        self.path = Path(path).expanduser()
        self.readonly = readonly
        self.timeout = float(timeout)
        self._lock = None
        self._con = None
        if readonly:
            if not self.path.is_file():
                raise InputError(
                    "there is no knowledge store at this path",
                    file=str(self.path),
                    hint="run `kmsynth report` once with data.store set in the config",
                )
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
            raise AlreadyRunning(
                f"another run is writing the knowledge store {self.path.name}; "
                "try again when it has finished"
            ) from None
        try:
            self._con = self._connect(read_only=False)
            os.chmod(self.path, 0o600)
            self._migrate(SCHEMA_VERSION if upto is None else upto)
        except BaseException:
            self.close()
            raise

    @classmethod
    def open(cls, path: str | os.PathLike, *, readonly: bool = False, timeout: float = 0.0) -> Self:
        """Open (a writer creates or migrates) the store at `path`."""
        return cls(path, readonly=readonly, timeout=timeout)

    @classmethod
    def from_config(
        cls, config: Config, *, readonly: bool = False, timeout: float = 0.0
    ) -> Self | None:
        """The store `config.data.store` names (None when none is configured). A writer also
        records the config's privacy.min_cell as the store's `min_cell` setting."""
        if getattr(config.data, "store", None) is None:
            return None
        store = cls(config.data.store, readonly=readonly, timeout=timeout)
        if not readonly and store.min_cell != config.privacy.min_cell:
            store.set_setting("min_cell", config.privacy.min_cell)
        return store

    def __enter__(self) -> Self:  # noqa: PYI034
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Store({self.path.name!r}, readonly={self.readonly})"

    def close(self) -> None:
        """Close the connection (checkpointing the log into the file) and release the lock."""
        try:
            if self._con is not None:
                with owner_only():
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
                with owner_only():
                    con = duckdb.connect(str(self.path), read_only=read_only)
                con.execute("SET TimeZone = 'UTC'")
                return con
            except (duckdb.IOException, duckdb.ConnectionException) as exc:
                if not _is_lock_error(exc):
                    if "not a valid duckdb" in str(exc).lower():
                        raise InputError(
                            "this file is not a DuckDB knowledge store",
                            file=str(self.path),
                            hint="point data.store at a new path or at a store kmsynth made",
                        ) from None
                    raise
                if time.monotonic() >= deadline:
                    who = (
                        "a run is writing the store"
                        if read_only
                        else "the store is open elsewhere (a workbench or notebook reading it?)"
                    )
                    raise AlreadyRunning(
                        f"{who}: {self.path.name}; try again when it is closed"
                    ) from None
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
        with owner_only():
            self._con.execute("BEGIN TRANSACTION")
            try:
                yield self._con
            except BaseException:
                self._con.execute("ROLLBACK")
                raise
            self._con.execute("COMMIT")

    @property
    def con(self) -> Any:
        """The raw DuckDB connection (a reader opens one and holds it, blocking writers, until
        close)."""
        if self._con is None:
            if self._lock is None and not self.readonly:
                raise KmsynthError("the store is closed")
            self._con = self._connect(read_only=True)
        return self._con

    # -- schema ------------------------------------------------------------------------------

    @staticmethod
    def _version(con) -> int:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_name = 'schema_version' AND table_schema = 'main'"
        ).fetchall()[0][0]
        if not exists:
            return 0
        return int(
            con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchall()[0][0]
        )

    def schema_version(self) -> int:
        """The schema version the store is at (0: empty)."""
        with self._read() as con:
            return self._version(con)

    def _check_version(self, current: int, *, readonly: bool) -> None:
        if current > SCHEMA_VERSION:
            raise InputError(
                f"the knowledge store has schema version {current}, newer than this "
                f"kmsynth knows ({SCHEMA_VERSION})",
                file=str(self.path),
                hint="upgrade kmsynth on this machine before using this store",
            )
        if readonly and current < SCHEMA_VERSION:
            raise InputError(
                f"the knowledge store has schema version {current}, older than this "
                f"kmsynth's ({SCHEMA_VERSION})",
                file=str(self.path),
                hint="open it once for writing (e.g. the next `kmsynth report` run) to migrate it",
            )

    def _migrate(self, target: int) -> None:
        con = self._con
        current = self._version(con)
        self._check_version(current, readonly=False)
        if current == 0:
            n = con.execute(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'main'"
            ).fetchall()[0][0]
            if n:
                raise InputError(
                    "this DuckDB file holds other tables and is not a kmsynth store",
                    file=str(self.path),
                    hint="point data.store at a new path",
                )
        if current >= target:
            return
        if current > 0:
            con.execute("CHECKPOINT")
            bak = self.path.with_name(f"{self.path.name}.schema-v{current}.bak")
            with owner_only():
                shutil.copyfile(self.path, bak)
            os.chmod(bak, 0o600)
            log.info(
                "copied the store to %s before migrating it from schema %d to %d",
                bak.name,
                current,
                target,
            )
        with owner_only():
            con.execute(
                "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, "
                "migrated_at TIMESTAMPTZ DEFAULT current_timestamp)"
            )
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
            from kmsynth.protect import check_k

            try:
                value = check_k(int(value))
            except (TypeError, ValueError) as exc:
                msg = str(exc) if "at least" in str(exc) else "k must be a whole number"
                raise InputError(f"min_cell: {msg}", hint="at least 5") from None
        with self._write() as con:
            con.execute("INSERT OR REPLACE INTO settings VALUES (?, ?)", [key, str(value)])

    @property
    def min_cell(self) -> int:
        """k: counts below it are hidden in shared views and breakdowns."""
        return int(self.setting("min_cell", "10"))

    # -- records -------------------------------------------------------------------------------
