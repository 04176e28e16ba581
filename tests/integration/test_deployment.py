"""Shared-server deployment: a group-shared database, backup and restore."""

from __future__ import annotations

import grp
import os
import sqlite3
import stat

import pytest
from sqlmodel import select

from ecd_tui.domain.sending_numbers import SANDBOX_NUMBER
from ecd_tui import cli
from ecd_tui.delivery import outbox
from ecd_tui.domain.backup import BackupError, backup_database, restore_database
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import Message
from ecd_tui.domain.recipients import parse_recipient
from ecd_tui.domain.store import StoreError, open_store
from ecd_tui.services import Services

PHONE = parse_recipient("+12025550142", "US")


def shared_group() -> str:
    """Return an existing group other than this process's own, so a chown is visible."""
    for name in ("users", "staff", "adm"):
        try:
            if grp.getgrnam(name).gr_gid != os.getgid():
                return name
        except KeyError:
            continue
    pytest.skip("no second group exists on this machine")


def test_group_shared_database_modes(tmp_path):
    group = shared_group()
    database = tmp_path / "shared" / "ecd-tui.sqlite3"
    store = open_store(database, group=group)
    Services.open(store, "admin1", fallback_number=SANDBOX_NUMBER).queue([PHONE], "s", "b")

    gid = grp.getgrnam(group).gr_gid
    folder = database.parent.stat()
    assert stat.S_IMODE(folder.st_mode) == 0o2770
    assert folder.st_gid == gid
    for path in (database, database.with_name(database.name + "-wal"), database.with_name(database.name + "-shm")):
        info = path.stat()
        assert stat.S_IMODE(info.st_mode) == 0o660, path
        assert info.st_gid == gid, path
    store.dispose()


def test_unknown_group_is_refused(tmp_path):
    with pytest.raises(StoreError, match="Group 'no-such-group-x' does not exist"):
        open_store(tmp_path / "db.sqlite3", group="no-such-group-x")


def test_backup_while_in_use_and_restore(tmp_path):
    database = tmp_path / "agency.sqlite3"
    store = open_store(database)
    services = Services.open(store, "admin1", fallback_number=SANDBOX_NUMBER)
    first = services.queue([PHONE], "s", "kept").messages[0]
    copy = tmp_path / "backups" / "monday.sqlite3"

    backup_database(database, copy)  # the store stays open, as a running app would
    services.queue([PHONE], "s", "after the backup")
    store.dispose()

    kept = restore_database(copy, database)

    restored = open_store(database)
    with restored.read() as session:
        bodies = [message.body for message in session.exec(select(Message))]
    restored.dispose()
    assert bodies == ["kept"]
    assert kept is not None and kept.exists()
    assert first.id == 1
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600


def test_backup_never_overwrites(tmp_path):
    database = tmp_path / "agency.sqlite3"
    open_store(database).dispose()
    target = tmp_path / "exists.sqlite3"
    target.write_text("old")
    with pytest.raises(BackupError, match="already exists"):
        backup_database(database, target)
    assert target.read_text() == "old"


def test_restore_refused_while_dispatcher_runs(tmp_path):
    database = tmp_path / "agency.sqlite3"
    store = open_store(database)
    copy = tmp_path / "copy.sqlite3"
    backup_database(database, copy)
    now = utcnow()
    outbox.beat(store, "host:123:1", "host", 123, now, now)
    store.dispose()
    with pytest.raises(BackupError, match="A dispatcher is running"):
        restore_database(copy, database)


def test_restore_refuses_damaged_file(tmp_path):
    database = tmp_path / "agency.sqlite3"
    open_store(database).dispose()
    bogus = tmp_path / "bogus.sqlite3"
    connection = sqlite3.connect(bogus)
    connection.execute("CREATE TABLE other (x)")
    connection.commit()
    connection.close()
    with pytest.raises(BackupError, match="not an ecd-tui database"):
        restore_database(bogus, database)
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(BackupError, match="not an SQLite database"):
        restore_database(garbage, database)


def test_backup_and_restore_commands(tmp_path, capsys):
    database = tmp_path / "agency.sqlite3"
    copy = tmp_path / "nightly.sqlite3"
    assert cli.main(["--db", str(database), "settings", "set", "name=Before"]) == 0
    assert cli.main(["--db", str(database), "backup", str(copy)]) == 0
    assert cli.main(["--db", str(database), "settings", "set", "name=After"]) == 0
    assert cli.main(["--db", str(database), "restore", str(copy)]) == 1  # no terminal to confirm on
    assert "add --yes" in capsys.readouterr().err
    assert cli.main(["--db", str(database), "restore", str(copy), "--yes"]) == 0
    capsys.readouterr()
    assert cli.main(["--db", str(database), "settings", "show", "--json"]) == 0
    assert '"name": "Before"' in capsys.readouterr().out
