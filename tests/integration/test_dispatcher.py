"""The dispatcher against the sandbox over loopback, with the real twilio and aiosmtplib clients."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from ecd_tui.delivery.dispatcher import Dispatcher, MessageChange
from ecd_tui.delivery.sandbox import read_sandbox_log
from ecd_tui.delivery.setup import start_delivery
from ecd_tui.config import load_config
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.messages import SendTiming
from ecd_tui.domain.models import Message, OptOutEvent
from ecd_tui.domain.recipients import parse_recipient
from ecd_tui.domain.store import open_store
from ecd_tui.domain.agency import load_settings_row
from tests.conftest import set_review_delay

PHONE = parse_recipient("(202) 555-0142", "US")
EMAIL = parse_recipient("client@example.org", "US")


@pytest.fixture
async def delivery(store):
    config = load_config(database=store.path)
    delivery = await start_delivery(config, force_sandbox=True)
    yield delivery
    await delivery.aclose()


def make_dispatcher(store, delivery, changes=None, **kwargs) -> Dispatcher:
    return Dispatcher(
        store, delivery.text_transport, delivery.email_transport,
        fallback_senders=delivery.senders, on_change=(changes.append if changes is not None else None), **kwargs,
    )


def statuses(store) -> dict[int, str]:
    with store.read() as session:
        return {message.id: message.status for message in session.exec(select(Message))}


def sandbox_entries(delivery) -> list[dict]:
    return read_sandbox_log(delivery.sandbox.directory)


async def test_text_and_email_arrive_once_with_right_body(services, store, delivery):
    set_review_delay(store, 0)
    queued = services.queue([PHONE, EMAIL], "Hearing", "Your hearing moved.").messages
    changes: list[MessageChange] = []
    dispatcher = make_dispatcher(store, delivery, changes)
    await dispatcher.start()
    assert await dispatcher.run_until_idle(timeout=20, wait_for_status=False)
    await dispatcher.stop()

    entries = sandbox_entries(delivery)
    texts = [entry for entry in entries if entry["kind"] == "sms"]
    emails = [entry for entry in entries if entry["kind"] == "email"]
    assert len(texts) == 1
    assert texts[0]["to"] == "+12025550142"
    assert texts[0]["body"] == "Hearing\nYour hearing moved."
    assert len(emails) == 1
    assert emails[0]["to"] == "client@example.org"
    assert emails[0]["subject"] == "Hearing"
    assert emails[0]["body"].strip() == "Your hearing moved."

    with store.read() as session:
        rows = {row.channel: row for row in session.exec(select(Message))}
    assert rows["sms"].status == "sent"
    assert rows["sms"].carrier_id == texts[0]["carrier_id"]
    assert rows["sms"].sender == "+15005550006"
    assert rows["email"].status == "sent"
    assert rows["email"].carrier_id == emails[0]["carrier_id"]
    assert sorted((change.message_id, change.status) for change in changes) == sorted((m.id, "sent") for m in queued)


async def test_cancelled_message_never_arrives(services, store, delivery):
    set_review_delay(store, 0)
    keep, drop = services.queue([PHONE, EMAIL], "s", "b").messages
    services.cancel(drop.id)
    dispatcher = make_dispatcher(store, delivery)
    await dispatcher.start()
    assert await dispatcher.run_until_idle(timeout=20, wait_for_status=False)
    await dispatcher.stop()
    assert [entry["to"] for entry in sandbox_entries(delivery)] == ["+12025550142"]
    assert statuses(store) == {keep.id: "sent", drop.id: "cancelled"}


async def test_job_reads_row_fresh_after_cancel_during_delay(services, store, delivery, caplog):
    caplog.set_level(logging.DEBUG, logger="ecd_tui")
    set_review_delay(store, 1)
    message = services.queue([PHONE], "s", "b").messages[0]
    dispatcher = make_dispatcher(store, delivery, sweep_seconds=60)
    await dispatcher.start()
    dispatcher.arm(message.id, message.send_at)
    services.cancel(message.id)
    await asyncio.sleep(2.0)
    await dispatcher.stop()
    assert f"Message {message.id} not claimed: it is cancelled" in caplog.text
    assert sandbox_entries(delivery) == []
    assert statuses(store) == {message.id: "cancelled"}


async def test_opt_out_during_delay_sends_nothing(services, store, delivery):
    set_review_delay(store, 1)
    message = services.queue([PHONE], "s", "b").messages[0]
    changes: list[MessageChange] = []
    dispatcher = make_dispatcher(store, delivery, changes, sweep_seconds=60)
    await dispatcher.start()
    dispatcher.arm(message.id, message.send_at)
    with store.write() as session:
        session.add(OptOutEvent(address=PHONE.address, action="opt_out", keyword="STOP", at=utcnow()))
    await asyncio.sleep(2.0)
    await dispatcher.stop()
    assert sandbox_entries(delivery) == []
    with store.read() as session:
        row = session.get(Message, message.id)
    assert row.status == "cancelled"
    assert "opted out" in row.error_reason
    assert [change.status for change in changes] == ["cancelled"]


async def test_date_job_sends_at_send_at_without_sweep(services, store, delivery):
    set_review_delay(store, 1)
    message = services.queue([PHONE], "s", "b").messages[0]
    dispatcher = make_dispatcher(store, delivery, sweep_seconds=60)
    await dispatcher.start()
    dispatcher.arm(message.id, message.send_at)
    for _ in range(60):
        if statuses(store)[message.id] == "sent":
            break
        await asyncio.sleep(0.1)
    await dispatcher.stop()
    assert statuses(store)[message.id] == "sent"
    assert len(sandbox_entries(delivery)) == 1


async def test_two_dispatchers_one_database_send_each_once(services, store, delivery):
    set_review_delay(store, 0)
    with store.write() as session:
        load_settings_row(session).sms_per_second = 1000.0  # the default 1 per number would take 40 s
    recipients = [parse_recipient(f"+1202555{n:04d}", "US") for n in range(100, 140)]
    recipients += [parse_recipient(f"client{n}@example.org", "US") for n in range(20)]
    queued = services.queue(recipients, "s", "b").messages
    other_store = open_store(store.path)
    first = make_dispatcher(store, delivery)
    second = make_dispatcher(other_store, delivery)
    await first.start()
    await second.start()
    results = await asyncio.gather(first.run_until_idle(timeout=60, wait_for_status=False), second.run_until_idle(timeout=60, wait_for_status=False))
    await first.stop()
    await second.stop()
    other_store.dispose()

    assert results == [True, True]
    received = sorted(entry["to"] for entry in sandbox_entries(delivery))
    assert received == sorted(recipient.address for recipient in recipients)
    assert set(statuses(store).values()) == {"sent"}
    assert len(queued) == 60


async def test_scheduler_runs_on_the_running_loop_and_stops(store, delivery):
    dispatcher = make_dispatcher(store, delivery)
    assert dispatcher.scheduler is None
    await dispatcher.start()
    assert dispatcher.scheduler._eventloop is asyncio.get_running_loop()
    assert dispatcher.running
    await dispatcher.stop()
    assert not dispatcher.running


async def test_permanent_refusal_fails_with_code_and_is_not_retried(services, store, delivery):
    set_review_delay(store, 0)
    message = services.queue([parse_recipient("+15005550001", "US")], "s", "b").messages[0]
    dispatcher = make_dispatcher(store, delivery)
    await dispatcher.start()
    assert await dispatcher.run_until_idle(timeout=20, wait_for_status=False)
    await dispatcher.stop()
    with store.read() as session:
        row = session.get(Message, message.id)
    assert row.status == "failed"
    assert row.error_code == "21211"
    assert row.attempts == 1


async def test_transient_refusal_is_rescheduled_with_backoff(services, store, delivery):
    set_review_delay(store, 0)
    message = services.queue([PHONE], "s", "b").messages[0]
    delivery.sandbox.twilio_faults.append("http:500")
    dispatcher = make_dispatcher(store, delivery, sweep_seconds=60)
    await dispatcher.start()
    assert await dispatcher.run_until_idle(timeout=20, wait_for_status=False)
    await dispatcher.stop()
    with store.read() as session:
        row = session.get(Message, message.id)
    assert row.status == "scheduled"
    assert row.attempts == 1
    assert row.error_reason.startswith("retrying:")
    assert 25 <= (row.send_at - utcnow()).total_seconds() <= 31
    assert sandbox_entries(delivery) == []


async def test_timeout_after_acceptance_is_found_not_resent(services, store, tmp_path):
    """The send times out after the sandbox stored the text: unknown, then found by lookup."""
    from ecd_tui.delivery.sandbox import Sandbox
    from ecd_tui.delivery.transports.smtp import SmtpTransport
    from ecd_tui.delivery.transports.twilio import TwilioTransport
    from ecd_tui.delivery.dispatcher import Senders

    set_review_delay(store, 0)
    sandbox = Sandbox(tmp_path / "sandbox")
    await sandbox.start()
    text_transport = TwilioTransport(sandbox.account_sid, sandbox.auth_token, base_url=sandbox.twilio_base_url, timeout=2.0)
    email_transport = SmtpTransport(sandbox.smtp_host, sandbox.smtp_port, tls="none")
    try:
        message = services.queue([PHONE], "s", "b").messages[0]
        sandbox.twilio_faults.append("accept-then-slow")
        changes: list[MessageChange] = []
        dispatcher = Dispatcher(store, text_transport, email_transport, fallback_senders=Senders(sms_from="+15005550006"), on_change=changes.append)
        await dispatcher.start()
        assert await dispatcher.run_until_idle(timeout=20, wait_for_status=False)
        assert await dispatcher.run_until_idle(timeout=5, wait_for_status=False)
        await dispatcher.stop()
    finally:
        await text_transport.aclose()
        await email_transport.aclose()
        await sandbox.stop()
    with store.read() as session:
        row = session.get(Message, message.id)
    assert [change.status for change in changes][:2] == ["unknown", "sent"]
    assert row.status == "sent"
    assert row.error_reason == "found at the carrier after the send's outcome was unknown"
    assert row.attempts == 1
    assert len([entry for entry in read_sandbox_log(tmp_path / "sandbox") if entry["kind"] == "sms"]) == 1


async def test_transient_error_past_expiry_fails(services, store, delivery):
    set_review_delay(store, 0)
    message = services.queue([PHONE], "s", "b").messages[0]
    with store.write() as session:
        session.get(Message, message.id).expires_at = utcnow() + timedelta(seconds=5)
    delivery.sandbox.twilio_faults.append("http:429")
    dispatcher = make_dispatcher(store, delivery, sweep_seconds=60)
    await dispatcher.start()
    assert await dispatcher.run_until_idle(timeout=20, wait_for_status=False)
    await dispatcher.stop()
    with store.read() as session:
        row = session.get(Message, message.id)
    assert row.status == "failed"
    assert row.error_reason.startswith("gave up after 1 attempts")


async def test_stop_during_sweep_logs_no_error(services, store, delivery, caplog):
    set_review_delay(store, 0)
    services.queue([PHONE], "s", "b")
    dispatcher = make_dispatcher(store, delivery)
    await dispatcher.start()
    await asyncio.sleep(0)  # the first sweep starts at once and is now waiting on SQLite
    await dispatcher.stop()
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == []
