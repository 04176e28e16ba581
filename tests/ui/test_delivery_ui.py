"""Pilot tests of the delivery parts of the Dashboard: files, calls, quiet hours, held and
unknown messages, the dispatcher indicator and the quit question."""

from __future__ import annotations

import asyncio
import socket
from datetime import timedelta

from textual.widgets import Input

from ecd_tui.delivery.dispatcher import MessageChange
from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import Attachment, DispatcherHeartbeat, Message
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.screens.quiet_hours import QuietHoursScreen

from .helpers import Agency, confirm_preview, screen_text, wait_until

SIZE = (80, 24)
PHONE = "+12025550142"
EMAIL = "client@example.org"


def flat(text: str) -> str:
    """Remove whitespace and dialog borders, so that text wrapped across lines can be matched."""
    return "".join(text.replace("\u2551", "").split())


def stored(agency: Agency) -> list[Message]:
    with agency.store.read() as session:
        return list(session.exec(Message.__table__.select().order_by(Message.id)))


async def add_recipient(pilot, typed: str) -> None:
    pilot.app.screen.query_one("#recipient-input", Input).focus()
    await pilot.press(*typed, "enter")
    await wait_until(pilot, lambda: typed in screen_text(pilot.app) or "+1" in screen_text(pilot.app), timeout=5, waiting_for=f"{typed} is listed")


async def test_attach_files_and_call(agency: Agency, tmp_path):
    agency.set_review_delay(300)
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4\n")
    bogus = tmp_path / "script.sh"
    bogus.write_text("echo hi")
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await add_recipient(pilot, EMAIL)
        await add_recipient(pilot, "(202) 555-0142")
        field = app.screen.query_one("#attach-input", Input)
        field.focus()
        field.value = str(bogus)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "has a type that cannot be sent" in screen_text(app), timeout=5, waiting_for="the file is refused")
        assert field.value == str(bogus)

        field.value = str(letter)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "letter.pdf" in screen_text(app), timeout=5, waiting_for="the file is listed")
        assert field.value == ""
        assert "has a type" not in screen_text(app)

        app.screen.query_one("#voice").focus()
        await pilot.press("space")
        assert "[x] Call phone numbers" in screen_text(app)

        # A call cannot carry files: the refusal shows, and nothing typed is lost.
        app.screen.query_one("#subject", Input).value = "Hearing"
        app.screen.query_one("#body").text = "Court is Monday."
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Avoicecallcannotcarryfiles" in flat(screen_text(app)), timeout=5, waiting_for="the refusal shows")
        assert stored(agency) == []

        app.screen.query_one("#files").focus()
        await pilot.press("x")
        await pilot.pause(0.2)
        assert "letter.pdf" not in screen_text(app)
        await pilot.press("ctrl+s")
        await confirm_preview(pilot)
        await wait_until(pilot, lambda: "Scheduled Messages: 2" in screen_text(app), timeout=5, waiting_for="two messages are scheduled")
        assert "[ ] Call phone numbers" in screen_text(app)

    assert sorted((row.channel, row.recipient) for row in stored(agency)) == [("email", EMAIL), ("voice", PHONE)]


async def test_email_with_file_records_attachment(agency: Agency, tmp_path):
    agency.set_review_delay(300)
    picture = tmp_path / "map.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(8))
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await add_recipient(pilot, EMAIL)
        app.screen.query_one("#attach-input", Input).focus()
        app.screen.query_one("#attach-input", Input).value = str(picture)
        await pilot.press("enter")
        await wait_until(pilot, lambda: "map.png" in screen_text(app), timeout=5, waiting_for="the file is listed")
        app.screen.query_one("#body").text = "Directions attached."
        await pilot.press("ctrl+s")
        await confirm_preview(pilot)
        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="the message is scheduled")
        assert "map.png" not in screen_text(app)
    with agency.store.read() as session:
        rows = session.exec(Attachment.__table__.select()).all()
    assert [row.filename for row in rows] == ["map.png"]


async def test_quiet_hours_offers_next_time(agency: Agency):
    agency.set_review_delay(300)
    with agency.store.write() as session:
        settings = load_settings_row(session)
        settings.time_zone = "UTC"
        settings.quiet_hours_start = "00:00"
        settings.quiet_hours_end = "23:59"
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await add_recipient(pilot, EMAIL)
        app.screen.query_one("#body").text = "Reminder"
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, QuietHoursScreen), timeout=5, waiting_for="the quiet hours question")
        await wait_until(pilot, lambda: "quiethours" in flat(screen_text(app)), timeout=5, waiting_for="the question is drawn")
        text = flat(screen_text(app))
        assert "isintheagency'squiethours(00:00to23:59)" in text
        assert "Back(b)" in text
        next_allowed = app.screen.warning.next_allowed

        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, QuietHoursScreen), timeout=5, waiting_for="back to the form")
        assert stored(agency) == []
        assert EMAIL in screen_text(app)

        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, QuietHoursScreen), timeout=5, waiting_for="the question again")
        await pilot.press("l")
        await confirm_preview(pilot)
        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="the message is scheduled")

    rows = stored(agency)
    assert len(rows) == 1
    assert rows[0].send_at == next_allowed


async def test_held_message_sent_now_after_yes(agency: Agency):
    agency.set_review_delay(0)
    record = agency.services.queue([agency.services.parse_recipient(PHONE)], "", "Late reminder").messages[0]
    with agency.store.write() as session:
        row = session.get(Message, record.id)
        row.status = "held"
        row.error_reason = "held: 70 minutes late (the app was not running); send or cancel it"
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "! held" in screen_text(app), timeout=5, waiting_for="the held message shows")
        await pilot.press("f4", "s")
        await wait_until(pilot, lambda: "latelimit" in flat(screen_text(app)), timeout=5, waiting_for="the question")
        await pilot.press("y")
        await wait_until(pilot, lambda: agency.services.all_messages()[0].status == "sent", timeout=10, waiting_for="the message is sent")


async def test_unknown_message_sent_again_only_after_yes(agency: Agency):
    agency.set_review_delay(300)
    record = agency.services.queue([agency.services.parse_recipient(EMAIL)], "", "Maybe sent").messages[0]
    with agency.store.write() as session:
        row = session.get(Message, record.id)
        row.status = "unknown"
        row.error_reason = "The connection dropped; verify before resending."
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "? unknown" in screen_text(app), timeout=5, waiting_for="the unknown message shows")
        await pilot.press("f6", "s")
        await wait_until(pilot, lambda: "checkingwiththecarrierthatitdidnotarrive" in flat(screen_text(app)), timeout=5, waiting_for="the question")
        await pilot.press("n")
        await pilot.pause(0.3)
        assert agency.services.all_messages()[0].status == "unknown"

        await pilot.press("s", "y")
        await wait_until(pilot, lambda: agency.services.all_messages()[0].status in ("scheduled", "sending", "sent"), timeout=5, waiting_for="the message is released")


async def test_quit_asks_when_messages_wait_alone(agency: Agency):
    agency.set_review_delay(300)
    agency.services.queue([agency.services.parse_recipient(EMAIL)], "", "Waiting")
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "dispatcher running" in screen_text(app) or app.dispatcher is not None, timeout=10, waiting_for="the dispatcher starts")
        await pilot.press("f4", "ctrl+q")
        await wait_until(pilot, lambda: "1messageisstillwaiting" in flat(screen_text(app)), timeout=5, waiting_for="the quit question")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        await pilot.pause(0.3)
        assert app.is_running

        now = utcnow()
        with agency.store.write() as session:
            session.add(DispatcherHeartbeat(id="other", host=socket.gethostname(), pid=1, started_at=now, seen_at=now))
        await pilot.press("ctrl+q")
        await pilot.pause(1.0)
        assert not app.is_running


async def test_status_change_on_loop_reloads(agency: Agency):
    agency.set_review_delay(300)
    record = agency.services.queue([agency.services.parse_recipient(PHONE)], "", "Hi").messages[0]
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="the message is listed")
        await asyncio.to_thread(agency.services.cancel, record.id)
        app.report_message_change(MessageChange(record.id, "cancelled"))  # on the loop, as the dispatcher reports
        await wait_until(pilot, lambda: "Scheduled Messages: 0" in screen_text(app), timeout=1.5, waiting_for="the reported change shows")


async def test_dispatcher_indicator_shows_heartbeat(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.dispatcher is not None and app.dispatcher.running, timeout=10, waiting_for="the dispatcher runs")
        await pilot.press("f5")
        await wait_until(pilot, lambda: "\u25cf dispatcher running" in screen_text(app), timeout=5, waiting_for="the indicator shows")
        with agency.store.write() as session:
            beat = session.get(DispatcherHeartbeat, app.dispatcher.id)
            beat.seen_at = utcnow() - timedelta(minutes=5)
        await pilot.press("f5")
        await wait_until(pilot, lambda: "\u25cb no dispatcher running" in screen_text(app), timeout=5, waiting_for="the stale heartbeat shows")
