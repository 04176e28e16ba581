"""Each carrier refusal and fault ends a message in the right state, with a plain reason.

The dispatcher sends through the real twilio and aiosmtplib clients to the sandbox, or to
a small SMTP server on 127.0.0.1 that misbehaves on purpose.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlmodel import select

from ecd_tui.delivery.sandbox.mail_server import MaildirHandler, start_smtp_server
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import Client, Contact, Message, OptOutEvent
from ecd_tui.domain.recipients import parse_recipient
from tests.conftest import set_review_delay
from tests.integration.delivery_helpers import received, row, running_dispatcher

pytestmark = pytest.mark.timeout(60)

EMAIL = parse_recipient("client@example.org", "US")


def phone(number: str):
    return parse_recipient(number, "US")


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("+15005550001", "21211", "not valid"),
        ("+15005550002", "21612", "cannot route a text"),
        ("+15005550003", "21408", "region is not enabled"),
        ("+15005550004", "21610", "replied STOP"),
        ("+15005550009", "21614", "not a mobile number"),
    ],
)
async def test_refused_at_create_fails_at_once(services, store, sandbox_directory, number, code, words):
    set_review_delay(store, 0)
    message = services.queue([phone(number)], "", "Hello").messages[0]
    async with running_dispatcher(store, sandbox_directory) as (dispatcher, _):
        assert await dispatcher.run_until_idle(timeout=20)
    sent = row(store, message.id)
    assert sent.status == "failed"
    assert sent.error_code == code
    assert words in sent.error_reason
    assert sent.attempts == 1


@pytest.mark.parametrize(
    ("number", "status", "code", "words"),
    [
        ("+15005553003", "undelivered", "30003", "unreachable"),
        ("+15005553004", "undelivered", "30004", "blocked"),
        ("+15005553005", "undelivered", "30005", "unknown to its carrier"),
        ("+15005553006", "undelivered", "30006", "cannot receive texts"),
        ("+15005553007", "undelivered", "30007", "spam"),
        ("+15005553008", "undelivered", "30008", "gave no reason"),
        ("+15005553034", "failed", "30034", "not registered for A2P 10DLC"),
    ],
)
async def test_delivery_failure_reaches_message(services, store, sandbox_directory, number, status, code, words):
    set_review_delay(store, 0)
    message = services.queue([phone(number)], "", "Hello").messages[0]
    async with running_dispatcher(store, sandbox_directory, step=0.05) as (dispatcher, _):
        assert await dispatcher.run_until_idle(timeout=20)
    sent = row(store, message.id)
    assert sent.status == status
    assert sent.carrier_status == status
    assert sent.error_code == code
    assert words in sent.error_reason


async def test_21610_opts_out_every_contact_with_number(services, store, sandbox_directory):
    set_review_delay(store, 0)
    number = "+15005550004"
    with store.write() as session:
        for client_id in ("CR-1", "CR-2"):
            client = Client(client_id=client_id, first_name="A", last_name=client_id, created_at=utcnow())
            session.add(client)
            session.flush()
            session.add(Contact(client_pk=client.id, channel="phone", address=number, created_at=utcnow()))
    services.queue([phone(number)], "", "Hello")
    async with running_dispatcher(store, sandbox_directory) as (dispatcher, _):
        assert await dispatcher.run_until_idle(timeout=20)

    with store.read() as session:
        contacts = session.exec(select(Contact)).all()
        events = session.exec(select(OptOutEvent)).all()
    assert [contact.opted_out for contact in contacts] == [True, True]
    assert all(contact.opted_out_by == "carrier:21610" for contact in contacts)
    assert [(event.address, event.action) for event in events] == [(number, "opt_out")]
    with pytest.raises(Exception, match="opted out"):
        services.queue([phone(number)], "", "Again")


@pytest.mark.parametrize(
    ("fault", "status", "words"),
    [
        ("http:429", "scheduled", "retrying: Twilio is limiting the request rate"),
        ("http:500", "scheduled", "retrying: Twilio had a server error"),
        ("http:503", "scheduled", "retrying: Twilio had a server error"),
        # The carrier never stored these, so the lookup finds nothing and they stay unknown.
        ("close", "unknown", "may have been sent"),
        ("slow:3", "unknown", "did not answer in time"),
        # The carrier stored these before the client gave up: the lookup finds them.
        ("accept-then-close", "sent", "found at the carrier after the send's outcome was unknown"),
        ("accept-then-slow:3", "sent", "found at the carrier after the send's outcome was unknown"),
    ],
)
async def test_twilio_fault_ends_in_definite_state(services, store, sandbox_directory, fault, status, words):
    set_review_delay(store, 0)
    message = services.queue([phone("(202) 555-0142")], "", "Hello").messages[0]
    async with running_dispatcher(store, sandbox_directory, twilio_timeout=0.5) as (dispatcher, sandbox):
        sandbox.add_twilio_fault(fault)
        assert await dispatcher.run_until_idle(timeout=20, wait_for_status=False)
    sent = row(store, message.id)
    assert sent.status == status
    assert words in sent.error_reason
    assert sent.attempts == 1
    assert len(received(sandbox_directory, "sms")) == (1 if status == "sent" else 0)
    if status == "scheduled":
        assert sent.send_at > utcnow() + timedelta(seconds=20)


async def test_retry_after_transient_error_sends_once(services, store, sandbox_directory):
    set_review_delay(store, 0)
    message = services.queue([phone("(202) 555-0142")], "", "Hello").messages[0]
    async with running_dispatcher(store, sandbox_directory) as (dispatcher, sandbox):
        sandbox.add_twilio_fault("http:429")
        assert await dispatcher.run_until_idle(timeout=20, wait_for_status=False)
        with store.write() as session:
            session.get(Message, message.id).send_at = utcnow()  # the backoff has passed
        assert await dispatcher.run_until_idle(timeout=20)
    sent = row(store, message.id)
    assert sent.status == "delivered"
    assert sent.attempts == 2
    assert sent.error_reason is None
    assert len(received(sandbox_directory, "sms")) == 1


class RefusingHandler(MaildirHandler):
    """Replies ``reply`` at RCPT or DATA, or waits ``delay`` seconds there first."""

    def __init__(self, directory, step: str, reply: str | None = None, delay: float = 0.0):
        super().__init__(directory)
        self.step, self.reply, self.delay = step, reply, delay

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.step == "RCPT":
            await asyncio.sleep(self.delay)
            if self.reply:
                return self.reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.step == "DATA":
            await asyncio.sleep(self.delay)
            if self.reply:
                return self.reply
        return await super().handle_DATA(server, session, envelope)


@pytest.mark.parametrize(
    ("step", "reply", "delay", "status", "words"),
    [
        ("RCPT", "550 5.1.1 No such user", 0, "failed", "The mailbox does not exist"),
        ("RCPT", "553 5.1.3 Bad address", 0, "failed", "does not accept this mailbox name"),
        ("DATA", "554 5.7.1 Spam", 0, "failed", "may have judged it spam"),
        ("RCPT", "450 4.2.1 Busy", 0, "scheduled", "busy or temporarily unavailable"),
        ("DATA", "451 4.3.0 Local error", 0, "scheduled", "had a local error"),
        ("RCPT", None, 3, "scheduled", "stopped responding before the message was sent"),
        ("DATA", None, 3, "unknown", "did not reply in time after receiving the message"),
    ],
)
async def test_smtp_reply_ends_in_definite_state(services, store, sandbox_directory, tmp_path, step, reply, delay, status, words):
    set_review_delay(store, 0)
    message = services.queue([EMAIL], "Hearing", "Hello").messages[0]
    server = await start_smtp_server(RefusingHandler(tmp_path / "mail", step, reply, delay))
    try:
        async with running_dispatcher(store, sandbox_directory, smtp=(server.host, server.port), smtp_timeout=0.5) as (dispatcher, _):
            assert await dispatcher.run_until_idle(timeout=20)
    finally:
        await server.close()
    sent = row(store, message.id)
    assert sent.status == status
    assert words in sent.error_reason
    if reply:
        assert sent.error_code == reply[:3]


async def test_smtp_connection_dropped_during_data_is_unknown(services, store, sandbox_directory, tmp_path):
    class Dropping(MaildirHandler):
        async def handle_DATA(self, server, session, envelope):
            server.transport.close()
            return "250 never seen"

    set_review_delay(store, 0)
    message = services.queue([EMAIL], "Hearing", "Hello").messages[0]
    server = await start_smtp_server(Dropping(tmp_path / "mail"))
    try:
        async with running_dispatcher(store, sandbox_directory, smtp=(server.host, server.port)) as (dispatcher, _):
            assert await dispatcher.run_until_idle(timeout=20)
    finally:
        await server.close()
    sent = row(store, message.id)
    assert sent.status == "unknown"
    assert "Verify before resending" in sent.error_reason


async def test_smtp_server_down_retries(services, store, sandbox_directory):
    from tests.integration.test_transports import unused_port

    set_review_delay(store, 0)
    message = services.queue([EMAIL], "Hearing", "Hello").messages[0]
    async with running_dispatcher(store, sandbox_directory, smtp=("127.0.0.1", unused_port())) as (dispatcher, _):
        assert await dispatcher.run_until_idle(timeout=20)
    sent = row(store, message.id)
    assert sent.status == "scheduled"
    assert "Could not connect to the mail server" in sent.error_reason


async def test_over_long_text_fails_with_21617(services, store, sandbox_directory):
    set_review_delay(store, 0)
    message = services.queue([phone("(202) 555-0142")], "", "Hello").messages[0]
    with store.write() as session:
        session.get(Message, message.id).body = "x" * 1601  # written around the queue's own limit
    async with running_dispatcher(store, sandbox_directory) as (dispatcher, _):
        assert await dispatcher.run_until_idle(timeout=20)
    sent = row(store, message.id)
    assert (sent.status, sent.error_code) == ("failed", "21617")
    assert "longer than Twilio's limit" in sent.error_reason


def test_every_listed_twilio_code_has_plain_reason():
    from ecd_tui.delivery.transports.twilio import TWILIO_ERROR_REASONS

    codes = ["21211", "21408", "21610", "21612", "21614", "21617", *(str(code) for code in range(30003, 30009)), "30034"]
    for code in codes:
        assert code in TWILIO_ERROR_REASONS, code
        assert TWILIO_ERROR_REASONS[code].endswith("."), code
