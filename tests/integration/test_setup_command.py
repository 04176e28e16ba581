"""`ecd-tui setup` with no keyring: secrets to the encrypted file, tests in plain words, go-live."""

from __future__ import annotations

import asyncio
import io

import pytest

from ecd_tui import cli
from ecd_tui.delivery.sandbox.server import SANDBOX_AUTH_TOKEN
from ecd_tui.domain.store import open_store
from ecd_tui.services import Services
from tests.integration import smtp_servers

PASSPHRASE = "river stone lantern"


@pytest.fixture
async def smtp_server():
    server = await smtp_servers.start_server("none", None)
    yield server
    await server.close()


@pytest.fixture(autouse=True)
def headless(monkeypatch):
    """An SSH session: no D-Bus, the fail keyring, the passphrase in the environment."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("ECD_TUI_SMTP_PASSWORD", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setenv("ECD_TUI_CREDENTIALS_PASSPHRASE", PASSPHRASE)


async def run(monkeypatch, capsys, arguments, stdin=""):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    status = await asyncio.to_thread(cli.main, arguments)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


async def test_setup_without_keyring_then_test_and_go_live(tmp_path, monkeypatch, capsys, sandbox, smtp_server):
    database, config = tmp_path / "agency.sqlite3", tmp_path / "config.toml"
    monkeypatch.setenv("ECD_TUI_TWILIO_BASE_URL", sandbox.twilio_base_url)
    base = ["--db", str(database), "--config", str(config)]
    config.write_text("")
    answers = "\n".join([sandbox.account_sid, "", "127.0.0.1", str(smtp_server.port), "none", smtp_servers.USERNAME,
                         "reminders@example.gov", SANDBOX_AUTH_TOKEN, "a wrong password", ""])

    status, out, err = await run(monkeypatch, capsys, [*base, "setup"], answers)
    assert status == 0, err
    assert "No keyring works here" in err
    assert "secrets in the encrypted file" in out
    written = config.read_text()
    assert f'"{SANDBOX_AUTH_TOKEN}"' not in written  # the sandbox token is also a part of its account SID
    assert "a wrong password" not in written
    assert "auth_token" not in written

    status, out, err = await run(monkeypatch, capsys, [*base, "setup", "test"])
    assert status == 1
    assert "Twilio: OK" in out
    assert "SMTP: FAILED: authentication failed" in out

    status, out, err = await run(monkeypatch, capsys, [*base, "setup", "go-live", "--yes"])
    assert status == 2
    assert "Delivery stays in the sandbox" in err

    answers = "\n".join([sandbox.account_sid, "", "127.0.0.1", str(smtp_server.port), "none", smtp_servers.USERNAME,
                         "reminders@example.gov", "", smtp_servers.PASSWORD, ""])
    status, out, err = await run(monkeypatch, capsys, [*base, "setup"], answers)
    assert status == 0, err
    status, out, err = await run(monkeypatch, capsys, [*base, "setup", "go-live", "--yes"])
    assert status == 0, err
    assert "Delivery is LIVE" in out

    store = open_store(database)
    assert Services.open(store, "admin1").delivery_mode().mode == "live"
    store.dispose()


async def test_dispatch_on_live_database_without_secrets_sends_nothing(tmp_path, monkeypatch, capsys):
    database, config = tmp_path / "agency.sqlite3", tmp_path / "config.toml"
    config.write_text(f'[twilio]\naccount_sid = "AC{"1" * 32}"\n[smtp]\nhost = "127.0.0.1"\nport = 25\ntls = "none"\nusername = "u"\n')
    monkeypatch.delenv("ECD_TUI_CREDENTIALS_PASSPHRASE")
    base = ["--db", str(database), "--config", str(config)]
    status, _out, _err = await run(monkeypatch, capsys, [*base, "settings", "set", "review_delay_minutes=0"])
    assert status == 0
    status, _out, err = await run(monkeypatch, capsys, [*base, "send", "--to", "+12025550142", "--message", "hello"])
    assert status == 0, err
    status, _out, err = await run(monkeypatch, capsys, [*base, "setup", "go-live", "--yes"])
    assert status == 2  # no secrets: refused, still the sandbox
    store = open_store(database)
    from ecd_tui.domain.delivery_mode import set_delivery_mode
    from ecd_tui.domain.records import Actor

    set_delivery_mode(store, Actor("admin", "administrator"), "live")
    store.dispose()

    status, _out, err = await run(monkeypatch, capsys, [*base, "dispatch", "--until-idle", "--timeout", "5"])

    assert status == 2
    assert "cannot read the carrier credentials" in err
    assert "scheduled messages stay scheduled" in err
    status, out, _err = await run(monkeypatch, capsys, [*base, "messages", "--json"])
    assert '"status": "scheduled"' in out
