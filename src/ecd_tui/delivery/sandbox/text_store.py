"""The sandbox's record of texts and calls: a small SQLite file that several processes share.

Texts the API accepted and replies a trainer injected share the ``messages`` table and
differ by ``direction``; calls have their own ``calls`` table.

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
CREATE TABLE IF NOT EXISTS calls (
    sid TEXT PRIMARY KEY,
    account_sid TEXT NOT NULL,
    to_number TEXT NOT NULL,
    from_number TEXT NOT NULL,
    twiml TEXT NOT NULL,
    created_at REAL NOT NULL,
    ringing_at REAL NOT NULL,
    answered_at REAL NOT NULL,
    ended_at REAL NOT NULL,
    final_status TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS calls_by_account_time ON calls (account_sid, created_at);
"""

# Columns added to ``messages`` after the first release; ``create`` adds them to older files.
_ADDED_MESSAGE_COLUMNS = {
    "direction": "TEXT NOT NULL DEFAULT 'outbound-api'",
    "final_status": "TEXT NOT NULL DEFAULT 'delivered'",
    "error_code": "INTEGER",
}

_COLUMNS = (
    "sid, account_sid, to_number, from_number, body, media_urls, num_segments,"
    " created_at, sent_at, delivered_at, direction, final_status, error_code"
)

_CALL_COLUMNS = (
    "sid, account_sid, to_number, from_number, twiml, created_at, ringing_at, answered_at,"
    " ended_at, final_status"
)


@dataclass(frozen=True)
class StoredText:
    """One text the sandbox accepted.

    The times are Unix timestamps. ``sent_at`` and ``delivered_at`` are fixed when the
    text is created, so any process that reads the row later computes the same status.
    ``final_status`` is what the text becomes at ``delivered_at``: "delivered", or
    "undelivered" or "failed" with ``error_code``. A reply has ``direction`` "inbound" and
    is "received" from the start.
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
    direction: str = "outbound-api"
    final_status: str = "delivered"
    error_code: int | None = None

    def status_at(self, now: float) -> str:
        """Return the Twilio status this text has at Unix time ``now``."""
        if self.direction == "inbound":
            return "received"
        if now < self.sent_at:
            return "queued"
        if now < self.delivered_at:
            return "sent"
        return self.final_status

    def error_code_at(self, now: float) -> int | None:
        """Return the error code the text shows at ``now``: only once it has failed."""
        if self.direction == "inbound" or now < self.delivered_at:
            return None
        return self.error_code


@dataclass(frozen=True)
class StoredCall:
    """One voice call the sandbox accepted, with the times its status moves on."""

    sid: str
    account_sid: str
    to: str
    from_: str
    twiml: str
    created_at: float
    ringing_at: float
    answered_at: float
    ended_at: float
    final_status: str  # "completed", "busy", "no-answer" or "failed"

    def status_at(self, now: float) -> str:
        """Return the Twilio call status at Unix time ``now``."""
        if now < self.ringing_at:
            return "queued"
        if self.final_status != "completed":
            return "ringing" if now < self.ended_at else self.final_status
        if now < self.answered_at:
            return "ringing"
        if now < self.ended_at:
            return "in-progress"
        return "completed"


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
            present = {row[1] for row in connection.execute("PRAGMA table_info(messages)")}
            for column, definition in _ADDED_MESSAGE_COLUMNS.items():
                if column not in present:
                    try:
                        connection.execute(f"ALTER TABLE messages ADD COLUMN {column} {definition}")
                    except sqlite3.OperationalError as error:
                        # Another process sharing the directory added it first.
                        if "duplicate column" not in str(error):
                            raise

    def insert(self, text: StoredText) -> None:
        with self._connect() as connection, connection:
            connection.execute(
                f"INSERT INTO messages ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                    text.direction,
                    text.final_status,
                    text.error_code,
                ),
            )

    def insert_call(self, call: StoredCall) -> None:
        with self._connect() as connection, connection:
            connection.execute(
                f"INSERT INTO calls ({_CALL_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    call.sid,
                    call.account_sid,
                    call.to,
                    call.from_,
                    call.twiml,
                    call.created_at,
                    call.ringing_at,
                    call.answered_at,
                    call.ended_at,
                    call.final_status,
                ),
            )

    def get_call(self, account_sid: str, sid: str) -> StoredCall | None:
        with self._connect() as connection:
            row = connection.execute(
                f"SELECT {_CALL_COLUMNS} FROM calls WHERE account_sid = ? AND sid = ?",
                (account_sid, sid),
            ).fetchone()
        return StoredCall(*row) if row is not None else None

    def list_calls(self, account_sid: str, *, limit: int, offset: int = 0) -> list[StoredCall]:
        """Return the account's calls, newest first."""
        with self._connect() as connection:
            rows = connection.execute(
                f"SELECT {_CALL_COLUMNS} FROM calls WHERE account_sid = ?"
                " ORDER BY created_at DESC, sid LIMIT ? OFFSET ?",
                (account_sid, limit, offset),
            ).fetchall()
        return [StoredCall(*row) for row in rows]

    def read_all_calls(self) -> list[StoredCall]:
        """Return every call of every account, oldest first; none in a file made before calls."""
        with self._connect() as connection:
            try:
                rows = connection.execute(
                    f"SELECT {_CALL_COLUMNS} FROM calls ORDER BY created_at, sid"
                ).fetchall()
            except sqlite3.OperationalError as error:
                if "no such table" not in str(error):
                    raise
                rows = []
        return [StoredCall(*row) for row in rows]

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
        sent_after: float | None = None,
        sent_before: float | None = None,
        limit: int,
        offset: int = 0,
    ) -> list[StoredText]:
        """Return the account's texts, newest first, optionally only those to or from a number.

        ``sent_after`` and ``sent_before`` bound the time the text was sent (a reply's
        time received), both inclusive, as Twilio's ``DateSent>`` and ``DateSent<`` do.
        """
        conditions = ["account_sid = ?"]
        parameters: list[object] = [account_sid]
        if to is not None:
            conditions.append("to_number = ?")
            parameters.append(to)
        if from_ is not None:
            conditions.append("from_number = ?")
            parameters.append(from_)
        if sent_after is not None:
            conditions.append("sent_at >= ?")
            parameters.append(sent_after)
        if sent_before is not None:
            conditions.append("sent_at <= ?")
            parameters.append(sent_before)
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
     delivered_at, direction, final_status, error_code) = row
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
        direction=direction,
        final_status=final_status,
        error_code=error_code,
    )
