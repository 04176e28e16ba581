"""Pilot tests of the administration screens at 80x24, against a real SQLite file.

A new agency is set up keys only: settings, one active phone, a clerk and a viewer, then
carriers with no keyring, a connection test that reports a wrong SMTP password, and the
audit log that lists it all.
"""

from __future__ import annotations

import pytest
from textual.widgets import Input

from ecd_tui.domain.audit import list_audit
from ecd_tui.domain.models import User
from ecd_tui.screens.audit_log import AuditLogScreen
from ecd_tui.screens.carriers import CarriersScreen
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.screens.passphrase import PassphraseScreen
from ecd_tui.screens.phones import PhonesScreen
from ecd_tui.screens.settings import SettingsScreen
from ecd_tui.screens.users import UsersScreen
from ecd_tui.services import Services
from tests.integration import smtp_servers

from .helpers import Agency, screen_text, wait_until

SIZE = (80, 24)
SECRET_TOKEN = "5ecret5ecret5ecret5ecret5ecret55"
WRONG_PASSWORD = "not-the-smtp-password"
PASSPHRASE = "river stone lantern"


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch):
    """A headless SSH session: no D-Bus and the fail keyring."""
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.delenv("ECD_TUI_CREDENTIALS_PASSPHRASE", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


async def open_admin(pilot, key: str, screen_type) -> None:
    await pilot.press("f8")
    await pilot.press(key)
    await wait_until(pilot, lambda: isinstance(pilot.app.screen, screen_type), timeout=5, waiting_for=f"{screen_type.__name__} opens")


async def type_into(pilot, selector: str, text: str) -> None:
    """Focus a field, clear it and type ``text`` key by key."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    await pilot.pause()
    field.value = ""
    await pilot.press(*text)


async def fill(pilot, selector: str, text: str) -> None:
    """Put ``text`` in a field at once, as a paste does; for long values that are not under test."""
    field = pilot.app.screen.query_one(selector, Input)
    field.focus()
    field.value = text
    await pilot.pause()


def text_of(app) -> str:
    return screen_text(app)


async def test_settings_validate_on_entry_and_save(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_admin(pilot, "s", SettingsScreen)
        await wait_until(pilot, lambda: app.screen.query_one("#setting-name", Input).value == "Agency", timeout=5, waiting_for="settings load")

        await type_into(pilot, "#setting-review_delay_minutes", "-1")
        await wait_until(pilot, lambda: "Review delay -1 minutes is out of range" in text_of(app), timeout=5, waiting_for="the delay error shows")
        await type_into(pilot, "#setting-time_zone", "America/Chicgo")
        assert "'America/Chicgo' is not an IANA time zone" in "".join(text_of(app).split("\n"))

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Nothing was saved" in text_of(app), timeout=5, waiting_for="the save is rejected")
        assert agency.services.agency().review_delay_seconds == 2

        await type_into(pilot, "#setting-review_delay_minutes", "0")
        await type_into(pilot, "#setting-time_zone", "America/Chicago")
        await type_into(pilot, "#setting-name", "Demo Pretrial Services")
        assert "out of range" not in text_of(app)
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Settings saved" in text_of(app), timeout=5, waiting_for="the settings are saved")

    info = agency.services.agency()
    assert info.review_delay_seconds == 0
    assert info.time_zone == "America/Chicago"
    assert info.name == "Demo Pretrial Services"
    entry = list_audit(agency.store, kind="settings")[0]
    assert entry.login == "clerk1"
    assert "Time zone" in entry.detail


async def test_settings_escape_with_changes_asks_first(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_admin(pilot, "s", SettingsScreen)
        await wait_until(pilot, lambda: app.screen.query_one("#setting-name", Input).value == "Agency", timeout=5, waiting_for="settings load")
        await type_into(pilot, "#setting-name", "Changed")
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=5, waiting_for="the discard question")
        await pilot.press("n")
        assert isinstance(app.screen, SettingsScreen)
        assert app.screen.query_one("#setting-name", Input).value == "Changed"
        await pilot.press("escape", "y")
        await wait_until(pilot, lambda: not isinstance(app.screen, SettingsScreen), timeout=5, waiting_for="the screen closes")
    assert agency.services.agency().name == "Agency"


async def test_phones_add_and_deactivate(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_admin(pilot, "p", PhonesScreen)
        await wait_until(pilot, lambda: "No agency number yet" in text_of(app), timeout=5, waiting_for="the empty list")
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"(202) 555-0100", "tab", *"Main line", "ctrl+s")
        await wait_until(pilot, lambda: "+12025550100" in text_of(app) and "✓ active" in text_of(app), timeout=5, waiting_for="the number is listed")
        assert "Main line" in text_of(app)

        await pilot.press("d")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=5, waiting_for="the deactivate question")
        await pilot.press("y")
        await wait_until(pilot, lambda: "– inactive" in text_of(app), timeout=5, waiting_for="the number is inactive")
        assert "No active number can send texts" in text_of(app)
        await pilot.press("d")
        await wait_until(pilot, lambda: "✓ active" in text_of(app), timeout=5, waiting_for="the number is active again")

    phones = agency.services.phones()
    assert [(phone.e164, phone.label, phone.active) for phone in phones] == [("+12025550100", "Main line", True)]


async def test_users_add_clerk_and_viewer(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_admin(pilot, "u", UsersScreen)
        await wait_until(pilot, lambda: "clerk1" in text_of(app), timeout=5, waiting_for="the users load")

        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"jdoe", "tab", *"Jane Doe", "ctrl+s")
        await wait_until(pilot, lambda: "jdoe" in text_of(app), timeout=5, waiting_for="the clerk is listed")

        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"rlee", "tab", "tab")
        await pilot.press("up", "enter")  # from Clerk up to Viewer; Enter saves
        await wait_until(pilot, lambda: "rlee" in text_of(app), timeout=5, waiting_for="the viewer is listed")

    roles = {user.login: user.role for user in agency.services.users()}
    assert roles == {"clerk1": "administrator", "jdoe": "clerk", "rlee": "viewer"}


async def test_viewer_refused_on_screens(agency: Agency):
    agency.services.add_user("rlee", "viewer")
    viewer = Services.open(agency.store, "rlee")
    agency.services = viewer
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"(202) 555-0142", "enter")
        await pilot.pause(0.5)
        await pilot.press("tab", "tab", *"Hearing", "tab", *"Your hearing moved.", "ctrl+s")
        await wait_until(pilot, lambda: 'lacks the "Create Messages" permission' in " ".join(text_of(app).split()), timeout=5, waiting_for="the send is refused")

        await open_admin(pilot, "s", SettingsScreen)
        await wait_until(pilot, lambda: "Read only" in text_of(app), timeout=5, waiting_for="the read-only note")
        await type_into(pilot, "#setting-name", "Mine now")
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Manage Settings" in text_of(app), timeout=5, waiting_for="the save is refused")
        await pilot.press("escape", "y")

        await open_admin(pilot, "u", UsersScreen)
        await wait_until(pilot, lambda: "Manage Users" in text_of(app), timeout=5, waiting_for="the users list is refused")

    assert agency.services.agency().name == "Agency"
    assert agency.services.all_messages() == []


async def test_audit_log_lists_changes_with_who(agency: Agency):
    agency.services.add_user("jdoe", "clerk")
    agency.services.update_settings({"review_delay_minutes": "10"})
    agency.services.add_phone("(202) 555-0100", "Main")
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_admin(pilot, "a", AuditLogScreen)
        await wait_until(pilot, lambda: "user added" in text_of(app), timeout=5, waiting_for="the audit entries")
        assert "settings changed" in text_of(app)
        assert "phone added" in text_of(app)
        await pilot.press("f", "f", "f", "f")  # all -> messages -> opt-outs -> settings -> users
        await wait_until(pilot, lambda: "[users]" in text_of(app), timeout=5, waiting_for="the users filter")
        assert "user added" in text_of(app)
        assert "phone added" not in text_of(app)


@pytest.fixture
async def smtp_server():
    server = await smtp_servers.start_server("none", None)
    yield server
    await server.close()


async def test_carriers_without_keyring_report_wrong_password(agency: Agency, smtp_server, monkeypatch):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_admin(pilot, "c", CarriersScreen)
        await wait_until(pilot, lambda: "New ones go to the encrypted file" in "".join(text_of(app).split("\n")), timeout=10, waiting_for="the status")
        await fill(pilot, "#carrier-account_sid", "AC" + "a" * 32)
        await fill(pilot, "#carrier-twilio_secret", SECRET_TOKEN)
        await fill(pilot, "#carrier-smtp_host", "127.0.0.1")
        await fill(pilot, "#carrier-smtp_port", str(smtp_server.port))
        await fill(pilot, "#carrier-smtp_tls", "none")
        await fill(pilot, "#carrier-smtp_username", smtp_servers.USERNAME)
        await fill(pilot, "#carrier-smtp_password", WRONG_PASSWORD)
        await fill(pilot, "#carrier-smtp_sender", "reminders@example.gov")
        assert SECRET_TOKEN not in text_of(app)
        assert WRONG_PASSWORD not in text_of(app)

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PassphraseScreen), timeout=5, waiting_for="the passphrase dialog")
        await pilot.press(*PASSPHRASE, "enter", *PASSPHRASE, "enter")
        await wait_until(pilot, lambda: "Saved. Secrets are in" in text_of(app), timeout=10, waiting_for="the carriers are saved")
        assert PASSPHRASE not in text_of(app)

        # The Twilio half of the test would reach api.twilio.com, so point it at a port
        # on 127.0.0.1 that refuses, and look only at the SMTP line.
        app.config = app.config.__class__(**{**app.config.__dict__, "twilio": app.config.twilio.__class__(account_sid="AC" + "a" * 32, base_url="http://127.0.0.1:9")})
        await pilot.press("f5")
        await wait_until(pilot, lambda: "✗ SMTP: authentication failed" in text_of(app), timeout=20, waiting_for="the SMTP test result")
        assert SECRET_TOKEN not in text_of(app)
        assert WRONG_PASSWORD not in text_of(app)

    assert agency.services.delivery_mode().mode == "sandbox"
    assert [entry.action for entry in list_audit(agency.store, kind="settings")][0] == "credentials stored"


async def test_live_database_without_credentials_header(agency: Agency):
    from ecd_tui.domain.delivery_mode import set_delivery_mode

    set_delivery_mode(agency.store, agency.services.actor, "live")
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "LIVE (no credentials here)" in text_of(app), timeout=10, waiting_for="the header shows live without credentials")
        assert app.dispatcher is None
        assert "SANDBOX" not in text_of(app)


async def test_go_live_from_screen_shows_live(agency: Agency, smtp_server, tmp_path):
    from ecd_tui.config import load_config
    from ecd_tui.delivery.sandbox import Sandbox
    from ecd_tui.delivery.sandbox.server import SANDBOX_AUTH_TOKEN

    sandbox = Sandbox(tmp_path / "carrier")
    await sandbox.start()
    config_path = tmp_path / "config.toml"
    config_path.write_text(
        f'[twilio]\naccount_sid = "{sandbox.account_sid}"\nbase_url = "{sandbox.twilio_base_url}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\ntls = "none"\nusername = "{smtp_servers.USERNAME}"\nsender = "reminders@example.gov"\n'
    )
    agency.config = load_config(config_path, agency.store.path)
    app = agency.app()
    try:
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: "SANDBOX" in text_of(app), timeout=10, waiting_for="the sandbox header")
            await open_admin(pilot, "c", CarriersScreen)
            await wait_until(pilot, lambda: app.screen.query_one("#carrier-account_sid", Input).value == sandbox.account_sid, timeout=10, waiting_for="the form loads")
            await type_into(pilot, "#carrier-twilio_secret", SANDBOX_AUTH_TOKEN)
            await type_into(pilot, "#carrier-smtp_password", smtp_servers.PASSWORD)
            await pilot.press("ctrl+s")
            await wait_until(pilot, lambda: isinstance(app.screen, PassphraseScreen), timeout=5, waiting_for="the passphrase dialog")
            await pilot.press(*PASSPHRASE, "enter", *PASSPHRASE, "enter")
            await wait_until(pilot, lambda: "Saved. Secrets are in" in text_of(app), timeout=10, waiting_for="the carriers are saved")

            await pilot.press("f6")
            await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=5, waiting_for="the go-live question")
            assert "real clients" in text_of(app)
            await pilot.press("y")
            await wait_until(pilot, lambda: "Delivery is now LIVE" in text_of(app), timeout=20, waiting_for="delivery is live")
            assert "✓ SMTP" in text_of(app)
            await pilot.press("escape")
            await wait_until(pilot, lambda: " LIVE " in text_of(app) and "SANDBOX" not in text_of(app), timeout=10, waiting_for="the header shows LIVE")
            await wait_until(pilot, lambda: app.dispatcher is not None and app.delivery.mode == "live", timeout=10, waiting_for="the live dispatcher")
    finally:
        await sandbox.stop()
    assert agency.services.delivery_mode().mode == "live"


async def test_help_lists_administration_keys(agency: Agency):
    from ecd_tui.screens.help import HelpScreen

    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), timeout=5, waiting_for="help opens")
        text = "".join(text_of(app).replace("\u2551", "").split())
        assert "F8/ctrl+pAdministration" in text


@pytest.mark.parametrize("role", ["viewer", "clerk", "supervisor", "administrator"])
async def test_role_on_admin_screens(agency: Agency, role):
    if role != "administrator":
        agency.services.add_user("person", role)
        agency.services = Services.open(agency.store, "person")
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await open_admin(pilot, "p", PhonesScreen)
        await wait_until(pilot, lambda: "No agency number yet" in text_of(app), timeout=5, waiting_for="the phones load")
        await pilot.press("a")
        await pilot.pause()
        await pilot.press(*"(202) 555-0100", "ctrl+s")
        if role == "administrator":
            await wait_until(pilot, lambda: "+12025550100 is added" in text_of(app), timeout=5, waiting_for="the number is added")
        else:
            await wait_until(pilot, lambda: 'lacks the "Manage Settings" permission' in " ".join(text_of(app).split()), timeout=5, waiting_for="the refusal")
        await pilot.press("escape")

        await open_admin(pilot, "u", UsersScreen)
        if role == "administrator":
            await wait_until(pilot, lambda: "clerk1" in text_of(app), timeout=5, waiting_for="the users list")
        else:
            await wait_until(pilot, lambda: 'lacks the "Manage Users" permission' in " ".join(text_of(app).split()), timeout=5, waiting_for="the refusal")
    assert len(agency.services.phones()) == (1 if role == "administrator" else 0)


async def test_unknown_login_told_whom_to_ask(agency: Agency):
    agency.services = Services.open(agency.store, "stranger")
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: any("not a user of this agency" in n.message for n in app._notifications), timeout=5, waiting_for="the access notice")
        # NOTE: Textual 8.2 keeps notifications in App._notifications; toasts are not in screen_text.
        message = next(n.message for n in app._notifications if "not a user" in n.message)
        assert "so it can only read" in message
        assert "Ask clerk1 to add it" in message
        assert "stranger (no role)" in text_of(app)
