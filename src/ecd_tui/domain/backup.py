"""Back the database up while it is in use, and restore it when nothing sends.

``backup`` uses SQLite's online backup API, so clerks and the dispatcher keep working
while it copies, and the copy is a consistent snapshot. ``restore`` refuses while a
dispatcher's heartbeat is fresh, checks the backup's integrity first, and keeps the
replaced database beside it.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from datetime import timedelta
from pathlib import Path

from ecd_tui.domain.clock import to_utc, utcnow

log = logging.getLogger(__name__)

# A dispatcher beats every few seconds; one seen within this window may still be sending.
HEARTBEAT_FRESH = timedelta(seconds=60)
REQUIRED_TABLES = {"message", "agency_settings", "alembic_version"}


class BackupError(Exception):
    """A backup or restore that cannot be done; the message explains why and what to do."""


def backup_database(database: Path, destination: Path) -> int:
    """Copy ``database`` to ``destination`` with the online backup API; return its size.

    Raises:
        BackupError: the destination exists, or the copy fails its integrity check.
    """
    if destination.exists():
        raise BackupError(f"{destination} already exists: choose a new file name, so no backup is overwritten.")
    if not database.exists():
        raise BackupError(f"Database {database} does not exist: check --db.")
    destination.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(destination, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    os.close(descriptor)
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    target = sqlite3.connect(destination)
    try:
        source.backup(target, pages=1024)
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    check_integrity(destination)
    size = destination.stat().st_size
    log.info("Database %s backed up to %s (%d bytes)", database, destination, size)
    return size


def check_integrity(path: Path) -> None:
    """Raise BackupError unless ``path`` is an intact ecd-tui database."""
    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = connection.execute("PRAGMA integrity_check").fetchone()[0]
            tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        finally:
            connection.close()
    except sqlite3.DatabaseError as error:
        raise BackupError(f"{path} is not an SQLite database ({error}): choose an ecd-tui backup file.") from None
    if result != "ok":
        raise BackupError(f"{path} failed SQLite's integrity check ({result}): use an older backup.")
    missing = REQUIRED_TABLES - tables
    if missing:
        raise BackupError(f"{path} is not an ecd-tui database (it has no {', '.join(sorted(missing))} table): choose an ecd-tui backup file.")


def fresh_dispatchers(database: Path) -> list[str]:
    """Return the ids of dispatchers whose heartbeat in ``database`` is fresh."""
    if not database.exists():
        return []
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        rows = connection.execute("SELECT id, seen_at FROM dispatcher_heartbeat").fetchall()
    except sqlite3.OperationalError:
        return []
    finally:
        connection.close()
    from datetime import datetime

    now = utcnow()
    fresh = []
    for dispatcher_id, seen_at in rows:
        seen = to_utc(datetime.fromisoformat(str(seen_at)))
        if now - seen < HEARTBEAT_FRESH:
            fresh.append(dispatcher_id)
    return fresh


def restore_database(backup: Path, database: Path) -> Path | None:
    """Replace ``database`` with the contents of ``backup``; return where the old one was kept.

    Raises:
        BackupError: a dispatcher is running on the database, or the backup is damaged
            or not an ecd-tui database.
    """
    if not backup.exists():
        raise BackupError(f"Backup {backup} does not exist: check the path.")
    check_integrity(backup)
    running = fresh_dispatchers(database)
    if running:
        raise BackupError(
            f"A dispatcher is running on {database} ({', '.join(running)}): stop the dispatcher service "
            "and close every ecd-tui app, then restore again."
        )
    previous_copy = None
    if database.exists():
        previous_copy = database.with_name(f"{database.name}.before-restore-{utcnow().strftime('%Y%m%dT%H%M%SZ')}")
        backup_database(database, previous_copy)
    source = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    target = sqlite3.connect(database, timeout=30)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=WAL")
    finally:
        target.close()
        source.close()
    check_integrity(database)
    log.warning("Database %s restored from %s; the previous one is kept as %s", database, backup, previous_copy)
    return previous_copy

