"""The sandbox's record of accepted texts: a small SQLite file that several processes share.

Every function here blocks on disk, so the sandbox server calls them through
``asyncio.to_thread``. Each call opens its own connection, because the calls run on
whichever worker thread is free and other processes may write the same file.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

DATABASE_NAME = "sandbox.sqlite3"

# Seconds a connection waits for another process's write lock before it raises.
BUSY_TIMEOUT_SECONDS = 5.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    to_number TEXT NOT NULL,
    from_number TEXT NOT NULL,
    body TEXT NOT NULL,
    media_urls TEXT NOT NULL DEFAULT '[]',
    num_segments INTEGER NOT NULL,
    created_at REAL NOT NULL,
    sent_at REAL NOT NULL,
    delivered_at REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS messages_by_account_time ON messages (account_sid, created_at);
"""

_COLUMNS = (
    "sid, account_sid, to_number, from_number, body, media_urls, num_segments,"
    " created_at, sent_at, delivered_at"
)


@dataclass(frozen=True)
class StoredText:
    """One text the sandbox accepted.

    The times are Unix timestamps. ``sent_at`` and ``delivered_at`` are fixed when the
    text is created, so any process that reads the row later computes the same status.
    """

    sid: str
    account_sid: str
    to: str
    from_: str
    body: str
    media_urls: tuple[str, ...]
    num_segments: int
    created_at: float
    sent_at: float
    delivered_at: float

    def status_at(self, now: float) -> str:
        """Return the Twilio status this text has at Unix time ``now``."""
        if now < self.sent_at:
            return "queued"
        if now < self.delivered_at:
            return "sent"
        return "delivered"


class TextStore:
    """The ``messages`` table in ``directory/sandbox.sqlite3``."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / DATABASE_NAME

    def exists(self) -> bool:
        return self.path.exists()

    def create(self) -> None:
        """Create the directory, the file and the table when missing, and turn on WAL."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as connection:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.executescript(_SCHEMA)

    def insert(self, text: StoredText) -> None:
        with self._connect() as connection, connection:
            connection.execute(
                f"INSERT INTO messages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    text.sid,
                    text.account_sid,
                    text.to,
                    text.from_,
                    text.body,
                    json.dumps(list(text.media_urls)),
                    text.num_segments,
                    text.created_at,
                    text.sent_at,
                    text.delivered_at,
                ),
            )

    def get(self, account_sid: str, sid: str) -> StoredText | None:
        with self._connect() as connection:
            row = connection.execute(
                f"SELECT {_COLUMNS} FROM messages WHERE account_sid = ? AND sid = ?",
                (account_sid, sid),
            ).fetchone()
        return _text_from_row(row) if row is not None else None

    def list_for_account(
        self,
        account_sid: str,
        *,
        to: str | None = None,
        from_: str | None = None,
        limit: int,
        offset: int = 0,
    ) -> list[StoredText]:
        """Return the account's texts, newest first, optionally only those to or from a number."""
        conditions = ["account_sid = ?"]
        parameters: list[object] = [account_sid]
        if to is not None:
            conditions.append("to_number = ?")
            parameters.append(to)
        if from_ is not None:
            conditions.append("from_number = ?")
            parameters.append(from_)
        parameters.extend([limit, offset])

        query = (
            f"SELECT {_COLUMNS} FROM messages WHERE {' AND '.join(conditions)}"
            " ORDER BY created_at DESC, sid LIMIT ? OFFSET ?"
        )
        with self._connect() as connection:
            rows = connection.execute(query, parameters).fetchall()
        return [_text_from_row(row) for row in rows]

    def read_all(self) -> list[StoredText]:
        """Return every text of every account, oldest first."""
        with self._connect() as connection:
            rows = connection.execute(
                f"SELECT {_COLUMNS} FROM messages ORDER BY created_at, sid"
            ).fetchall()
        return [_text_from_row(row) for row in rows]

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        connection = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_SECONDS)
        with closing(connection):
            yield connection


def _text_from_row(row: tuple) -> StoredText:
    (sid, account_sid, to, from_, body, media_urls, num_segments, created_at, sent_at,
     delivered_at) = row
    return StoredText(
        sid=sid,
        account_sid=account_sid,
        to=to,
        from_=from_,
        body=body,
        media_urls=tuple(json.loads(media_urls)),
        num_segments=num_segments,
        created_at=created_at,
        sent_at=sent_at,
        delivered_at=delivered_at,
    )
