"""Carrier secrets: keyring, environment, systemd credentials and the encrypted file."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from ecd_tui.config import load_config
from ecd_tui.delivery import carrier_admin
from ecd_tui.delivery.credentials import SMTP_PASSWORD, TWILIO_SECRET, resolve, save_secrets
from ecd_tui.delivery.keyring_store import Keyring
from ecd_tui.delivery.plan import plan_delivery
from ecd_tui.delivery.secret_file import SecretFileError, WrongPassphrase, read_secrets
from ecd_tui.delivery.setup import DeliveryUnavailable, start_delivery
from tests.integration.memory_keyring import HangingKeyring, MemoryKeyring

FAIL_BACKEND = "keyring.backends.fail.Keyring"
TOKEN = "tok-0123456789abcdef0123456789abcd"
PASSWORD = "smtp-pass-4f9e2a"
PASSPHRASE = "river stone lantern"


def write_config(path: Path, smtp_host: str = "127.0.0.1", smtp_port: int = 2525) -> Path:
    path.write_text(
        "[twilio]\n"
        f'account_sid = "AC{"a" * 32}"\n'
        "[smtp]\n"
        f'host = "{smtp_host}"\nport = {smtp_port}\ntls = "none"\nusername = "reminders"\nsender = "reminders@example.gov"\n'
    )
    return path


@pytest.fixture
def config(tmp_path, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", FAIL_BACKEND)
    for variable in ("ECD_TUI_SMTP_PASSWORD", "ECD_TUI_TWILIO_API_SECRET", "ECD_TUI_CREDENTIALS_PASSPHRASE", "CREDENTIALS_DIRECTORY"):
        monkeypatch.delenv(variable, raising=False)
    return load_config(write_config(tmp_path / "config.toml"), tmp_path / "agency.sqlite3")


def test_fail_keyring_is_unavailable(config):
    keyring = Keyring(config.credentials.keyring)
    assert not keyring.available
    assert "fail" in keyring.reason


def test_secrets_from_environment(config, monkeypatch):
    monkeypatch.setenv("ECD_TUI_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("ECD_TUI_SMTP_PASSWORD", PASSWORD)
    resolved = resolve(config)
    assert resolved.complete
    assert resolved.config.twilio.auth_token == TOKEN
    assert resolved.config.smtp.password == PASSWORD
    assert resolved.sources == {TWILIO_SECRET: "environment", SMTP_PASSWORD: "environment"}


def test_secrets_from_systemd_credentials(config, monkeypatch, tmp_path):
    directory = tmp_path / "credentials"
    directory.mkdir()
    (directory / TWILIO_SECRET).write_text(TOKEN + "\n")
    (directory / SMTP_PASSWORD).write_text(PASSWORD)
    monkeypatch.setenv("CREDENTIALS_DIRECTORY", str(directory))
    resolved = resolve(config)
    assert resolved.complete
    assert resolved.config.twilio.auth_token == TOKEN
    assert resolved.sources[SMTP_PASSWORD] == "systemd credential"


def test_encrypted_file_right_passphrase(config):
    where = save_secrets(config, {TWILIO_SECRET: TOKEN, SMTP_PASSWORD: PASSWORD}, passphrase=PASSPHRASE)
    assert "encrypted file" in where
    resolved = resolve(config, passphrase=PASSPHRASE)
    assert resolved.complete
    assert resolved.sources == {TWILIO_SECRET: "encrypted file", SMTP_PASSWORD: "encrypted file"}


def test_encrypted_file_wrong_passphrase(config):
    save_secrets(config, {TWILIO_SECRET: TOKEN, SMTP_PASSWORD: PASSWORD}, passphrase=PASSPHRASE)
    resolved = resolve(config, passphrase="not the passphrase")
    assert not resolved.complete
    assert resolved.wrong_passphrase
    assert any("does not open" in problem for problem in resolved.problems)
    with pytest.raises(WrongPassphrase):
        read_secrets(Path(config.paths.config_dir / "credentials.enc"), "not the passphrase")


def test_encrypted_file_without_passphrase_is_locked(config):
    save_secrets(config, {TWILIO_SECRET: TOKEN}, passphrase=PASSPHRASE)
    resolved = resolve(config)
    assert resolved.locked
    assert "locked" in resolved.explain()


def test_encrypted_file_holds_no_plaintext(config):
    save_secrets(config, {TWILIO_SECRET: TOKEN, SMTP_PASSWORD: PASSWORD}, passphrase=PASSPHRASE)
    content = (config.paths.config_dir / "credentials.enc").read_bytes()
    assert TOKEN.encode() not in content
    assert PASSWORD.encode() not in content
    assert (config.paths.config_dir / "credentials.enc").stat().st_mode & 0o077 == 0


def test_short_passphrase_rejected(config):
    with pytest.raises(SecretFileError, match="at least 8"):
        save_secrets(config, {TWILIO_SECRET: TOKEN}, passphrase="short")


def test_keyring_stores_and_reads(config, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.integration.memory_keyring.MemoryKeyring")
    MemoryKeyring.values.clear()
    where = save_secrets(config, {TWILIO_SECRET: TOKEN, SMTP_PASSWORD: PASSWORD})
    assert "keyring" in where
    assert not (config.paths.config_dir / "credentials.enc").exists()
    resolved = resolve(config)
    assert resolved.complete
    assert resolved.sources[TWILIO_SECRET] == "keyring"


def test_hanging_keyring_is_bounded(config, monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "tests.integration.memory_keyring.HangingKeyring")
    monkeypatch.setenv("ECD_TUI_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("ECD_TUI_SMTP_PASSWORD", PASSWORD)
    keyring = Keyring(config.credentials.keyring, timeout=0.3)
    started = time.monotonic()
    resolved = resolve(config, keyring=keyring)
    elapsed = time.monotonic() - started
    HangingKeyring.release.set()
    assert resolved.complete
    assert resolved.sources[TWILIO_SECRET] == "environment"
    assert any("did not respond" in problem for problem in resolved.problems)
    assert elapsed < 3


def test_live_database_without_secrets_sends_nothing(config):
    plan = plan_delivery(config, "live")
    assert plan.mode == "unavailable"
    assert "ecd-tui setup" in plan.reason
    assert plan.header_label.startswith("LIVE (no credentials here)")


async def test_start_delivery_refuses_unavailable_plan(config):
    with pytest.raises(DeliveryUnavailable):
        await start_delivery(config, plan=plan_delivery(config, "live"))


def test_sandbox_database_ignores_secrets(config, monkeypatch):
    monkeypatch.setenv("ECD_TUI_TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("ECD_TUI_SMTP_PASSWORD", PASSWORD)
    assert plan_delivery(config, "sandbox").mode == "sandbox"
    assert plan_delivery(config, "live").mode == "live"


def test_setup_keeps_secrets_out_of_config_database_and_log(services, tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", FAIL_BACKEND)
    caplog.set_level(logging.DEBUG)
    config = load_config(None, services.store.path)
    form = carrier_admin.CarrierForm(
        account_sid="AC" + "b" * 32, twilio_secret=TOKEN, smtp_host="smtp.example.gov", smtp_port="587",
        smtp_username="reminders", smtp_password=PASSWORD, smtp_sender="reminders@example.gov",
    )
    new_config, where, _warnings = carrier_admin.store_carrier_settings(services.store, services.actor, config, form, passphrase=PASSPHRASE)

    assert "encrypted file" in where
    config_text = new_config.source.read_text()
    assert "AC" + "b" * 32 in config_text
    assert TOKEN not in config_text
    assert PASSWORD not in config_text
    database = services.store.path.read_bytes() + Path(str(services.store.path) + "-wal").read_bytes()
    assert TOKEN.encode() not in database
    assert PASSWORD.encode() not in database
    assert TOKEN not in caplog.text
    assert PASSWORD not in caplog.text
    with services.store.read() as session:
        actions = session.exec(text("SELECT action FROM audit_log")).all()
    assert ("credentials stored",) in actions


def test_setup_rejects_bad_values(services, monkeypatch):
    config = load_config(None, services.store.path)
    form = carrier_admin.CarrierForm(account_sid="AB12", smtp_host="smtp.example.gov", smtp_port="99999", smtp_tls="ssl")
    with pytest.raises(carrier_admin.CarrierSetupError) as caught:
        carrier_admin.store_carrier_settings(services.store, services.actor, config, form)
    message = str(caught.value)
    assert "'AB12' is not a Twilio account SID" in message
    assert "'99999' is not a port" in message
    assert "'ssl' is unknown" in message
