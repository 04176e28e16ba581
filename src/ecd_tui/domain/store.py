"""The SQLite store: engines, connection settings and migrations.

Two engines share one file. Reads begin a deferred transaction; writes begin with
``BEGIN IMMEDIATE`` so that a write transaction takes the lock at its start and waits
out the busy timeout there. A deferred transaction that reads and then writes can fail at
once with "database is locked" under WAL when another process committed in between, and
a busy timeout does not help in that case.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


class StoreError(Exception):
    """The database file cannot be opened or migrated."""


class Store:
    """An agency database file, migrated to the newest schema when opened."""

    def __init__(self, path: Path, *, file_mode: int = 0o600) -> None:
        self.path = path
        _create_file(path, file_mode)
        self.read_engine = _make_engine(path, begin="BEGIN")
        self.write_engine = _make_engine(path, begin="BEGIN IMMEDIATE")

    @contextmanager
    def read(self) -> Iterator[Session]:
        """Open a session for reading; nothing it changes is committed."""
        with Session(self.read_engine, expire_on_commit=False) as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """Open a session that holds the write lock and commits when the block ends."""
        with Session(self.write_engine, expire_on_commit=False) as session:
            with session.begin():
                yield session

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision.

        Importing Alembic takes a noticeable part of start-up, so a database already at
        the newest revision is recognised with one query and Alembic is not loaded.
        """
        if self._current_revision() == newest_revision():
            return
        from alembic import command
        from alembic.config import Config as AlembicConfig

        config = AlembicConfig()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.write_engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            connection.commit()

    def _current_revision(self) -> str | None:
        with self.read_engine.connect() as connection:
            exists = connection.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).first()
            if exists is None:
                return None
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        return rows[0][0] if len(rows) == 1 else None

    def dispose(self) -> None:
        self.read_engine.dispose()
        self.write_engine.dispose()


_REVISION_LINE = re.compile(r"""^(down_revision|revision)\s*=\s*['"]?([\w]+|None)['"]?\s*$""", re.MULTILINE)


def newest_revision() -> str | None:
    """Return the head of the migration chain by reading the revision files as text.

    Returns None when the files do not form one chain with one head, so that the caller
    lets Alembic decide.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        found = dict((name, value) for name, value in _REVISION_LINE.findall(path.read_text(encoding="utf-8")))
        if "revision" not in found:
            continue
        revisions.add(found["revision"])
        if found.get("down_revision", "None") != "None":
            parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def open_store(path: Path) -> Store:
    """Open and migrate the database at ``path``, creating it when missing.

    Raises:
        StoreError: the file or its folder cannot be created or is not a database.
    """
    try:
        store = Store(path)
        store.migrate()
    except OSError as error:
        raise StoreError(f"Database {path} cannot be opened: {error.strerror}. Check the folder and its permissions.") from error
    except Exception as error:
        from sqlalchemy.exc import DatabaseError

        if isinstance(error, DatabaseError):
            raise StoreError(f"Database {path} cannot be used: {error.orig}. Is it an ecd-tui database?") from error
        raise
    return store


def _create_file(path: Path, file_mode: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        descriptor = os.open(path, os.O_CREAT | os.O_WRONLY, file_mode)
        os.close(descriptor)


def _make_engine(path: Path, *, begin: str) -> Engine:
    engine = create_engine(
        f"sqlite:///{path}",
        connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        # Let SQLAlchemy's "begin" event below emit BEGIN instead of the sqlite3 module.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql(begin)

    return engine
