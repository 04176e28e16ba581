"""Pilot tests of the Dashboard against a real SQLite file and the sandbox on 127.0.0.1.

Each test drives the app with keys at 80x24 and checks what the screen shows, then
what the database holds.
"""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import threading

import pytest
from textual import events
from textual.widgets import Input, TextArea

from ecd_tui.delivery.dispatcher import MessageChange
from ecd_tui.domain.clock import format_local, utcnow
from ecd_tui.domain.models import Message, OptOutEvent
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.screens.help import HelpScreen
from ecd_tui.screens.message_detail import MessageDetailScreen
from ecd_tui.services import Services
from ecd_tui.widgets.message_tables import ScheduledTable

from .helpers import Agency, screen_text, wait_until

SIZE = (80, 24)
PHONE_TYPED = "(202) 555-0142"
PHONE = "+12025550142"
EMAIL = "client@example.org"
SUBJECT = "Hearing reminder"
BODY = "Your hearing is Monday at 9:00 in Courtroom 3B."


def lines_with(app, *needles: str) -> list[str]:
    """Return the screen lines that contain every one of ``needles``."""
    return [line for line in screen_text(app).splitlines() if all(needle in line for needle in needles)]


def flat(text: str) -> str:
    """Remove all whitespace, so that text wrapped across lines can be matched."""
    return "".join(text.split())


def statuses(agency: Agency) -> dict[int, str]:
    return {record.id: record.status for record in agency.services.all_messages()}


@pytest.fixture
def queued(agency: Agency):
    """One text scheduled five minutes out, so nothing sends it during the test."""
    agency.set_review_delay(300)
    phone = agency.services.parse_recipient(PHONE)
    return agency.services.queue([phone], "Reminder", "Court on Monday.").messages[0]


async def test_send_flow_typed_recipients_go_out(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        field = app.screen.query_one("#recipient-input", Input)

        await pilot.press(*PHONE_TYPED, "enter")
        await wait_until(pilot, lambda: lines_with(app, PHONE, "(text)"), timeout=5, waiting_for="the phone shows in E.164 form")
        assert field.value == ""

        await pilot.press(*EMAIL, "enter")
        await wait_until(pilot, lambda: lines_with(app, EMAIL, "(email)"), timeout=5, waiting_for="the email shows")

        await pilot.press(*"555-555-5555", "enter")
        await wait_until(pilot, lambda: "is not a valid phone number" in screen_text(app), timeout=5, waiting_for="the error shows")
        assert field.value == "555-555-5555"
        assert "'555-555-5555'" in screen_text(app)

        await pilot.press("ctrl+u", "tab", "tab")
        assert app.focused.id == "subject"
        await pilot.press(*SUBJECT, "tab", *BODY, "ctrl+s")

        await wait_until(pilot, lambda: "Scheduled Messages: 2" in screen_text(app), timeout=5, waiting_for="two messages are scheduled")
        assert lines_with(app, PHONE, "scheduled", "text", "clerk1")
        assert lines_with(app, EMAIL, "scheduled", "email", "clerk1")
        assert "No recipients yet" in screen_text(app)
        records = agency.services.all_messages()
        assert sorted(record.recipient for record in records) == [PHONE, EMAIL]
        assert {record.status for record in records} == {"scheduled"}
        assert {record.body for record in records} == {BODY}
        assert {record.subject for record in records} == {SUBJECT}

        def both_sent() -> bool:
            return bool(lines_with(app, "\u2713 sent", PHONE)) and bool(lines_with(app, "\u2713 sent", EMAIL))

        await wait_until(pilot, both_sent, timeout=15, waiting_for="the feed shows both messages sent")

    records = agency.services.all_messages()
    assert [record.status for record in records] == ["sent", "sent"]
    assert all(record.carrier_id for record in records)


async def test_send_reads_keys_typed_just_before(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*PHONE_TYPED, "enter")
        await wait_until(pilot, lambda: lines_with(app, PHONE), timeout=5, waiting_for="the phone is listed")
        await pilot.press("tab", "tab", "tab")
        assert app.focused.id == "body"

        # A burst, as a slow link or a paste delivers it: no pause between the keys.
        for character in BODY:
            app.post_message(events.Key(character if character != " " else "space", character))
        app.post_message(events.Key("ctrl+s", None))

        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="the message is scheduled")
    assert [record.body for record in agency.services.all_messages()] == [BODY]


async def test_queued_message_armed_at_send_at(agency: Agency):
    # An hour is past the dispatcher's arming window, so only the app can have armed it.
    agency.set_review_delay(3600)
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.dispatcher is not None and app.dispatcher.running, timeout=10, waiting_for="the dispatcher runs")
        await pilot.press(*PHONE_TYPED, "enter")
        await wait_until(pilot, lambda: lines_with(app, PHONE), timeout=5, waiting_for="the phone is listed")
        app.screen.query_one("#body", TextArea).text = BODY
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="the message is scheduled")

        record = agency.services.all_messages()[0]
        job = app.dispatcher.scheduler.get_job(f"message:{record.id}")
        assert job is not None
        assert job.next_run_time == record.send_at


async def test_queue_notice_names_count_and_time(agency: Agency):
    agency.set_review_delay(300)
    app = agency.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press(*PHONE_TYPED, "enter")
        await wait_until(pilot, lambda: lines_with(app, PHONE), timeout=5, waiting_for="the phone is listed")
        await pilot.press(*EMAIL, "enter")
        await wait_until(pilot, lambda: lines_with(app, EMAIL), timeout=5, waiting_for="the email is listed")
        app.screen.query_one("#body", TextArea).text = BODY
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Scheduled Messages: 2" in screen_text(app), timeout=5, waiting_for="the messages are scheduled")

        send_at = agency.services.all_messages()[0].send_at
        when = format_local(send_at, agency.services.zone())
        toasts = flat(screen_text(app).replace("\u258c", ""))
        assert flat(f"Queued 2 messages. They go at {when} unless cancelled before then.") in toasts


async def test_opted_out_recipient_shown_skipped(agency: Agency):
    with agency.store.write() as session:
        session.add(OptOutEvent(address=EMAIL, action="opt_out", keyword="STOP", at=utcnow()))
    app = agency.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await pilot.press(*PHONE_TYPED, "enter")
        await wait_until(pilot, lambda: lines_with(app, PHONE), timeout=5, waiting_for="the phone is listed")
        await pilot.press(*EMAIL, "enter")
        await wait_until(pilot, lambda: lines_with(app, EMAIL), timeout=5, waiting_for="the email is listed")
        app.screen.query_one("#body", TextArea).text = BODY
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="one message is scheduled")

        toasts = flat(screen_text(app).replace("\u258c", ""))
        assert flat(f"Not queued for {EMAIL}: opted out.") in toasts
    assert [record.recipient for record in agency.services.all_messages()] == [PHONE]


async def test_send_rejects_empty_message(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*PHONE_TYPED, "enter")
        await wait_until(pilot, lambda: lines_with(app, PHONE), timeout=5, waiting_for="the phone is listed")
        app.screen.query_one("#subject", Input).value = SUBJECT
        await pilot.press("ctrl+s")

        await wait_until(pilot, lambda: "The message is empty" in screen_text(app), timeout=5, waiting_for="the refusal shows")
        assert lines_with(app, PHONE, "(text)")
        assert app.screen.query_one("#subject", Input).value == SUBJECT
    assert agency.services.all_messages() == []


async def test_send_rejected_without_permission(agency: Agency):
    # clerk1 exists, so this login is not a user of the agency and has no role.
    visitor = Services.open(agency.store, "visitor")
    app = agency.app()
    app.services = visitor
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*PHONE_TYPED, "enter")
        await wait_until(pilot, lambda: lines_with(app, PHONE), timeout=5, waiting_for="the phone is listed")
        app.screen.query_one("#body", TextArea).text = BODY
        await pilot.press("f2")

        await wait_until(pilot, lambda: "Create Messages" in screen_text(app), timeout=5, waiting_for="the refusal shows")
        assert "lacksthe" in flat(screen_text(app))
        assert "permission" in screen_text(app)
        assert app.screen.query_one("#body", TextArea).text == BODY
        assert lines_with(app, PHONE, "(text)")
    assert agency.services.all_messages() == []


async def test_send_rejects_unadded_typed_recipient(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*PHONE_TYPED)
        app.screen.query_one("#body", TextArea).text = BODY
        await pilot.press("ctrl+s")
        await pilot.pause(0.5)

        assert "is typed but not added" in screen_text(app)
        assert app.screen.query_one("#recipient-input", Input).value == PHONE_TYPED
    assert agency.services.all_messages() == []


async def test_lone_escape_keeps_form(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*PHONE_TYPED, "enter")
        await wait_until(pilot, lambda: lines_with(app, PHONE), timeout=5, waiting_for="the phone is listed")
        await pilot.press("tab", "tab", *SUBJECT, "escape", "escape")
        await pilot.pause(0.3)

        assert app.screen.query_one("#subject", Input).value == SUBJECT
        assert lines_with(app, PHONE, "(text)")


async def test_remove_recipient_with_x(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*PHONE_TYPED, "enter")
        await wait_until(pilot, lambda: lines_with(app, PHONE), timeout=5, waiting_for="the phone is listed")
        await pilot.press(*EMAIL, "enter")
        await wait_until(pilot, lambda: lines_with(app, EMAIL), timeout=5, waiting_for="the email is listed")

        await pilot.press("shift+tab", "x")
        await pilot.pause(0.2)

        assert not lines_with(app, PHONE)
        assert lines_with(app, EMAIL, "(email)")


async def test_cancel_confirmed_with_y(agency: Agency, queued):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="the message is listed")
        await pilot.press("ctrl+l", "c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=5, waiting_for="the confirmation opens")
        assert f"Cancel the text to {PHONE}" in screen_text(app)

        await pilot.press("y")
        await wait_until(pilot, lambda: "Scheduled Messages: 0" in screen_text(app), timeout=5, waiting_for="the row is gone")
        assert lines_with(app, "\u2013 cancelled", PHONE)
    assert statuses(agency) == {queued.id: "cancelled"}


@pytest.mark.parametrize("key", ["n", "escape"])
async def test_cancel_backed_out_keeps_message(agency: Agency, queued, key: str):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="the message is listed")
        await pilot.press("f4", "c")
        await wait_until(pilot, lambda: isinstance(app.screen, ConfirmScreen), timeout=5, waiting_for="the confirmation opens")

        await pilot.press(key)
        await wait_until(pilot, lambda: not isinstance(app.screen, ConfirmScreen), timeout=5, waiting_for="the confirmation closes")
        await pilot.pause(0.5)
        assert "Scheduled Messages: 1" in screen_text(app)
        assert lines_with(app, PHONE, "scheduled")
    assert statuses(agency) == {queued.id: "scheduled"}


async def test_markup_and_escapes_shown_literally(agency: Agency):
    agency.set_agency_name("[link=x]Court[/link] \x1b]0;title\x07")
    subject = "[bold red]x[/] \x1b[2J"
    body = "Line one\nLine two \x1b]0;title\x07"
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Scheduled Messages: 0" in screen_text(app), timeout=5, waiting_for="the lists load")
        assert "[link=x]Court" in screen_text(app).splitlines()[0]

        await pilot.press(*"[bold red]x[/]", "enter")
        await wait_until(pilot, lambda: "'[bold red]x[/]' is not a phone number" in screen_text(app), timeout=5, waiting_for="the error shows the typed text")

        await pilot.press("ctrl+u", *PHONE_TYPED, "enter")
        await wait_until(pilot, lambda: lines_with(app, PHONE), timeout=5, waiting_for="the phone is listed")
        app.screen.query_one("#subject", Input).value = subject
        app.screen.query_one("#body", TextArea).text = body
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="the message is scheduled")

        table = app.screen.query_one(ScheduledTable)
        record = next(iter(table.records.values()))
        preview = table.get_row(str(record.id))[-1]
        assert preview.plain == "[bold red]x[/] \u241b[2J: Line one \u23ce Line two \u241b]0;title\u2407"
        assert preview.spans == []
        assert "\x1b" not in screen_text(app)
        assert "\x07" not in screen_text(app)

    stored = agency.services.all_messages()[0]
    assert stored.subject == subject
    assert stored.body == body


async def test_failed_message_shows_code(agency: Agency):
    phone = agency.services.parse_recipient(PHONE)
    record = agency.services.queue([phone], "", BODY).messages[0]
    with agency.store.write() as session:
        row = session.get(Message, record.id)
        row.status = "failed"
        row.error_code = "21211"
        row.error_reason = "invalid number"
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Sent and Received Messages: 1" in screen_text(app), timeout=5, waiting_for="the feed loads")
        assert lines_with(app, "\u2717 failed", PHONE, "21211 invalid number")


async def test_no_color_states_and_focus_readable(agency: Agency, queued, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("NO_COLOR", "1")
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="the message is listed")
        assert app.no_color
        assert lines_with(app, "\u25cb scheduled", PHONE)
        assert screen_text(app).count("\u25b6") == 1
        assert lines_with(app, "\u25b6 To")

        await pilot.press("f4")
        await pilot.pause(0.2)
        assert screen_text(app).count("\u25b6") == 1
        assert lines_with(app, "\u25b6 Scheduled Messages: 1")


async def test_status_change_from_thread_reloads(agency: Agency, queued):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="the message is listed")

        def change_elsewhere() -> None:
            agency.services.cancel(queued.id)
            app.report_message_change(MessageChange(queued.id, "cancelled"))

        thread = threading.Thread(target=change_elsewhere)
        thread.start()
        await asyncio.to_thread(thread.join)

        # The periodic reload comes only 5 s after mount, so only the report can do this.
        await wait_until(pilot, lambda: "Scheduled Messages: 0" in screen_text(app), timeout=1.5, waiting_for="the reported change shows")


async def test_list_failure_shown_once(agency: Agency, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture):
    def locked(limit: int = 200):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(agency.services, "feed", locked)
    app = agency.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        error_notice = "Couldnotloadthemessagelists:databaseislocked."

        def toasts() -> str:
            return flat(screen_text(app).replace("\u258c", ""))

        await wait_until(pilot, lambda: error_notice in toasts(), timeout=5, waiting_for="the error shows")
        await pilot.press("f5")
        await pilot.pause(0.5)
        await pilot.press("f5")
        await pilot.pause(0.5)

        assert toasts().count(error_notice) == 1
        assert "Scheduled Messages: loading" in screen_text(app)
    assert [record.message for record in caplog.records if record.levelname == "ERROR"] == ["Could not load the message lists"]


async def test_dispatcher_on_app_loop_stops_on_exit(agency: Agency):
    app = agency.app()
    assert app.delivery is None
    assert app.dispatcher is None

    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.dispatcher is not None and app.dispatcher.running, timeout=10, waiting_for="the dispatcher runs")
        assert app.dispatcher.scheduler._eventloop is asyncio.get_running_loop()
        assert "SANDBOX: nothing leaves this machine" in screen_text(app)
        smtp_port = app.delivery.sandbox.smtp_port

    assert not app.dispatcher.running
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", smtp_port), timeout=2).close()


async def test_help_lists_keys_and_log_path(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), timeout=5, waiting_for="help opens")
        text = flat(screen_text(app).replace("\u2551", ""))
        assert flat(f"Log file: {agency.log_path}") in text
        assert "ctrl+s/F2Send" in text

        await pilot.press("end")
        await pilot.pause(0.3)
        assert "cCancelmessage" in flat(screen_text(app).replace("\u2551", ""))

        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, HelpScreen), timeout=5, waiting_for="help closes")


async def test_only_ctrl_q_quits(agency: Agency):
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("q")
        await pilot.pause(0.2)
        assert app.screen.query_one("#recipient-input", Input).value == "q"
        assert app.is_running

        await pilot.press("f4", "q")
        await pilot.pause(0.5)
        assert app.is_running

        await pilot.press("ctrl+q")
        await pilot.pause(0.5)
        assert not app.is_running


async def test_failure_report_pops_notification(agency: Agency, queued):
    app = agency.app()
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(pilot, lambda: "Scheduled Messages: 1" in screen_text(app), timeout=5, waiting_for="the message is listed")
        app.report_message_change(MessageChange(queued.id, "failed", "The phone number is not valid. [bold]x[/]"))
        await wait_until(pilot, lambda: f"Message{queued.id}isfailed" in flat(screen_text(app)), timeout=3, waiting_for="the notification")
        assert "valid.[bold]x[/]" in flat(screen_text(app))

        app.report_message_change(MessageChange(queued.id, "sent"))
        await pilot.pause(0.5)
        assert "isfailed" in flat(screen_text(app))
        assert "issent" not in flat(screen_text(app))


async def test_feed_row_opens_full_detail(agency: Agency):
    phone = agency.services.parse_recipient(PHONE)
    long_reason = "The recipient replied STOP, so Twilio blocks texts to this number until they reply START."
    record = agency.services.queue([phone], "Hearing", "Line one\nLine two \x07 bell").messages[0]
    with agency.store.write() as session:
        row = session.get(Message, record.id)
        row.status = "failed"
        row.error_code = "21610"
        row.error_reason = long_reason
    app = agency.app()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: "Sent and Received Messages: 1" in screen_text(app), timeout=5, waiting_for="the feed loads")
        await pilot.press("f6", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, MessageDetailScreen), timeout=3, waiting_for="the detail opens")
        text = flat(screen_text(app).replace("\u2551", ""))
        assert flat(f"21610 {long_reason}") in text
        assert "LineoneLinetwo\u2407bell" in text
        assert f"Message{record.id}" in text

        await pilot.press("escape")
        await wait_until(pilot, lambda: not isinstance(app.screen, MessageDetailScreen), timeout=3, waiting_for="the detail closes")
