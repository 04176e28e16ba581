"""Going live: connection tests with the stored secrets, then the agency's mode switches."""

from __future__ import annotations

import pytest

from ecd_tui.config import load_config
from ecd_tui.delivery import carrier_admin
from ecd_tui.delivery.plan import plan_delivery
from ecd_tui.domain.audit import list_audit
from ecd_tui.domain.permissions import PermissionDenied
from ecd_tui.services import Services
from tests.integration import smtp_servers

PASSPHRASE = "river stone lantern"


@pytest.fixture
async def smtp_server():
    server = await smtp_servers.start_server("none", None)
    yield server
    await server.close()


def carrier_config(tmp_path, services, sandbox, smtp_port):
    path = tmp_path / "config.toml"
    path.write_text(
        f'[twilio]\naccount_sid = "{sandbox.account_sid}"\nbase_url = "{sandbox.twilio_base_url}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_port}\ntls = "none"\nusername = "{smtp_servers.USERNAME}"\nsender = "reminders@example.gov"\n'
    )
    return load_config(path, services.store.path)


def store_secrets(services, config, smtp_password):
    form = carrier_admin.CarrierForm(
        account_sid=config.twilio.account_sid, twilio_secret=carrier_token(), smtp_host="127.0.0.1",
        smtp_port=str(config.smtp.port), smtp_tls="none", smtp_username=smtp_servers.USERNAME,
        smtp_password=smtp_password, smtp_sender="reminders@example.gov",
    )
    new_config, _where, _warnings = carrier_admin.store_carrier_settings(
        services.store, services.actor, config, form, config_path=config.source, target="file", passphrase=PASSPHRASE,
    )
    return new_config


def carrier_token():
    from ecd_tui.delivery.sandbox.server import SANDBOX_AUTH_TOKEN

    return SANDBOX_AUTH_TOKEN


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.delenv("ECD_TUI_SMTP_PASSWORD", raising=False)
    monkeypatch.delenv("ECD_TUI_CREDENTIALS_PASSPHRASE", raising=False)


async def test_wrong_smtp_password_keeps_sandbox(tmp_path, services, sandbox, smtp_server):
    config = store_secrets(services, carrier_config(tmp_path, services, sandbox, smtp_server.port), "wrong password")

    with pytest.raises(carrier_admin.CarrierSetupError) as caught:
        await _in_thread(carrier_admin.go_live, services.store, services.actor, config, passphrase=PASSPHRASE)

    assert "SMTP: FAILED: authentication failed" in str(caught.value)
    assert "Twilio: OK" in str(caught.value)
    assert services.delivery_mode().mode == "sandbox"


async def test_right_secrets_go_live(tmp_path, services, sandbox, smtp_server):
    config = store_secrets(services, carrier_config(tmp_path, services, sandbox, smtp_server.port), smtp_servers.PASSWORD)

    mode, results = await _in_thread(carrier_admin.go_live, services.store, services.actor, config, passphrase=PASSPHRASE)

    assert mode.mode == "live"
    assert [result.ok for result in results] == [True, True]
    assert plan_delivery(config, services.delivery_mode().mode, passphrase=PASSPHRASE).mode == "live"
    assert plan_delivery(config, services.delivery_mode().mode, passphrase="wrong words here").mode == "unavailable"
    actions = [entry.action for entry in list_audit(services.store, kind="settings")]
    assert "went live" in actions
    assert "credentials stored" in actions


async def test_clerk_cannot_go_live(tmp_path, services, sandbox, smtp_server):
    services.add_user("clerk1", "clerk")
    clerk = Services.open(services.store, "clerk1")
    config = carrier_config(tmp_path, services, sandbox, smtp_server.port)
    with pytest.raises(PermissionDenied, match="Manage Settings"):
        await _in_thread(carrier_admin.go_live, clerk.store, clerk.actor, config, passphrase=PASSPHRASE)


async def _in_thread(function, *args, **kwargs):
    import asyncio
    from functools import partial

    return await asyncio.to_thread(partial(function, *args, **kwargs))
