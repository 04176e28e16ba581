"""The SQLite store: connection settings, migrations and the claim protocol."""

import os
import stat
import threading
from datetime import timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel, select

from ecd_tui.delivery import outbox
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import Message
from ecd_tui.domain.recipients import parse_recipient
from ecd_tui.domain.store import open_store
from tests.conftest import set_review_delay

PHONE = parse_recipient("+12025550142", "US")


def test_connection_pragmas(store):
    with store.write_engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30000


def test_new_database_file_is_private(store):
    assert stat.S_IMODE(os.stat(store.path).st_mode) == 0o600


def test_migrations_match_models(store):
    with store.read_engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), SQLModel.metadata)
    assert differences == []


def test_reopening_migrated_database_keeps_rows(tmp_path, services):
    services.queue([PHONE], "s", "body")
    again = open_store(services.store.path)
    with again.read() as session:
        assert len(session.exec(select(Message)).all()) == 1
    again.dispose()


def test_claim_after_cancel_sends_nothing(services, store):
    set_review_delay(store, 0)
    message = services.queue([PHONE], "s", "b").messages[0]
    services.cancel(message.id)
    outcome = outbox.claim(store, message.id, utcnow(), "d1")
    assert outcome.claimed is None
    assert outcome.status == "cancelled"


def test_claim_before_send_at_does_nothing(services, store):
    message = services.queue([PHONE], "s", "b").messages[0]
    outcome = outbox.claim(store, message.id, utcnow(), "d1")
    assert outcome.claimed is None
    assert outcome.status == "scheduled"


def test_claim_overdue_past_late_limit_holds(services, store):
    set_review_delay(store, 0)
    message = services.queue([PHONE], "s", "b").messages[0]
    outcome = outbox.claim(store, message.id, utcnow() + timedelta(minutes=61), "d1")
    assert outcome.claimed is None
    assert outcome.status == "held"
    assert "61 minutes late" in outcome.reason
    assert [m.status for m in services.pending()] == ["held"]


def test_concurrent_claims_only_one_wins(tmp_path, services, store):
    set_review_delay(store, 0)
    ids = [m.id for m in services.queue([parse_recipient(f"+1202555{n:04d}", "US") for n in range(100, 160)], "s", "b").messages]
    second_store = open_store(store.path)
    won: dict[str, list[int]] = {"a": [], "b": []}

    def drain(name, db):
        for message_id in ids:
            outcome = outbox.claim(db, message_id, utcnow(), name)
            if outcome.claimed is not None:
                won[name].append(message_id)

    threads = [threading.Thread(target=drain, args=("a", store)), threading.Thread(target=drain, args=("b", second_store))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    second_store.dispose()
    assert sorted(won["a"] + won["b"]) == sorted(ids)
    assert not set(won["a"]) & set(won["b"])


def test_orphaned_claim_becomes_unknown(services, store):
    set_review_delay(store, 0)
    message = services.queue([PHONE], "s", "b").messages[0]
    assert outbox.claim(store, message.id, utcnow(), "dead-dispatcher").claimed is not None
    assert outbox.orphan_claims_to_unknown(store, utcnow(), timedelta(seconds=60)) == [message.id]
    with store.read() as session:
        row = session.get(Message, message.id)
    assert row.status == "unknown"
    assert "verify" in row.error_reason


def test_newest_revision_read_from_files_matches_alembic():
    from alembic.config import Config as AlembicConfig
    from alembic.script import ScriptDirectory

    from ecd_tui.domain.store import MIGRATIONS_DIR, newest_revision

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    assert newest_revision() == ScriptDirectory.from_config(config).get_current_head()


def test_database_at_head_is_opened_without_alembic(store):
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ecd_tui.domain.store import open_store\n"
        f"open_store(Path({str(store.path)!r})).dispose()\n"
        "print('alembic' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"
