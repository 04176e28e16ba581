"""The Carriers screen's picture at 80x24 with secrets typed: they show masked, never in clear.

Nothing in view changes with time. Regenerate after an intended change with
``pytest tests/ui --snapshot-update``.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from .helpers import Agency, screen_text

SECRET_TOKEN = "5ecret5ecret5ecret5ecret5ecret55"
SMTP_PASSWORD = "hunter2-smtp-pass"


@pytest.fixture(autouse=True)
def no_keyring(monkeypatch):
    monkeypatch.delenv("DBUS_SESSION_BUS_ADDRESS", raising=False)
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def test_carriers_snapshot_masks_secrets(agency: Agency, snap_compare):
    agency.set_agency_name("County Pretrial Services")

    async def type_secrets(pilot: Pilot) -> None:
        app = pilot.app
        await pilot.press("f8", "c")
        for _ in range(300):  # up to 30 s on a busy machine
            text = screen_text(app)
            if "New ones go to" in text and "County Pretrial" in text:
                break
            await pilot.pause(0.1)
        screen = app.screen
        screen.query_one("#carrier-account_sid", Input).value = "AC" + "a" * 32
        screen.query_one("#carrier-smtp_host", Input).value = "smtp.example.gov"
        screen.query_one("#carrier-smtp_username", Input).value = "reminders"
        screen.query_one("#carrier-smtp_sender", Input).value = "reminders@example.gov"
        screen.query_one("#carrier-twilio_secret", Input).focus()
        await pilot.press(*SECRET_TOKEN)
        screen.query_one("#carrier-smtp_password", Input).focus()
        await pilot.press(*SMTP_PASSWORD)
        screen.query_one("#carrier-account_sid", Input).focus()
        # A blinking cursor is drawn or not depending on when the picture is taken.
        for field in screen.query(Input):
            field.cursor_blink = False
        await pilot.pause(0.2)
        assert SECRET_TOKEN not in screen_text(app)
        assert SMTP_PASSWORD not in screen_text(app)

    assert snap_compare(agency.app(), terminal_size=(80, 24), run_before=type_secrets)

    # The stored picture, which the comparison above matched, holds no secret either.
    stored = Path(__file__).parent / "__snapshots__" / "test_admin_snapshot"
    pictures = [path.read_text() for path in stored.glob("*.svg")]
    assert pictures
    for picture in pictures:
        assert SECRET_TOKEN not in picture
        assert SMTP_PASSWORD not in picture
