"""The Dashboard's picture at 80x24: the form filled in, both lists loaded and empty.

Nothing in view changes with time: the login and agency are fixed, no message is
scheduled (so no countdown ticks), the feed is empty (so no timestamps show) and the
app's own dispatcher has beaten (so the list title shows it running). Focus
ends on the Scheduled Messages table, which has no blinking text cursor.
Regenerate after an intended change with ``pytest tests/ui --snapshot-update``.
"""

from __future__ import annotations

from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from .helpers import Agency, screen_text


def test_dashboard_snapshot_80x24(agency: Agency, snap_compare):
    agency.set_review_delay(300)
    agency.set_agency_name("County Pretrial Services")

    async def fill_form(pilot: Pilot) -> None:
        app = pilot.app
        for _ in range(100):
            if app.dispatcher is not None and app.dispatcher.running:
                break
            await pilot.pause(0.1)
        await pilot.press("f5")  # reload, so the dispatcher's heartbeat shows
        for _ in range(50):
            if "dispatcher running" in screen_text(app):
                break
            await pilot.pause(0.1)
        await pilot.press(*"(202) 555-0142", "enter")
        await pilot.press(*"client@example.org", "enter")
        for _ in range(50):
            if "client@example.org" in screen_text(app):
                break
            await pilot.pause(0.1)
        app.screen.query_one("#subject", Input).value = "Hearing reminder"
        app.screen.query_one("#body", TextArea).text = "Your hearing is Monday at 9:00 in Courtroom 3B."
        await pilot.press("f4")
        await pilot.pause(0.2)

    assert snap_compare(agency.app(), terminal_size=(80, 24), run_before=fill_form)
