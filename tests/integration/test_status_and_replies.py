"""Carrier status sync, voice calls, and replies with their opt-out keywords."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlmodel import select

from ecd_tui.delivery.dispatcher import MessageChange
from ecd_tui.delivery.sandbox.replies import inject_reply
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.messages import MessageError
from ecd_tui.domain.models import AuditEntry, Client, Contact, Message, OptOutEvent
from ecd_tui.domain.recipients import parse_recipient
from ecd_tui.domain.sending_numbers import SANDBOX_NUMBER
from tests.conftest import set_review_delay
from tests.integration.delivery_helpers import received, row, rows, running_dispatcher

pytestmark = pytest.mark.timeout(60)

NUMBER = "+12025550142"
PHONE = parse_recipient(NUMBER, "US")


def add_client(store, client_id: str, address: str, language: str = "en") -> int:
    with store.write() as session:
        client = Client(client_id=client_id, first_name="Ana", last_name=client_id, preferred_language=language, created_at=utcnow())
        session.add(client)
        session.flush()
        contact = Contact(client_pk=client.id, channel="phone", address=address, label="cell", created_at=utcnow())
        session.add(contact)
        session.flush()
        return contact.id


async def test_text_moves_from_queued_to_delivered_in_feed(services, store, sandbox_directory):
    set_review_delay(store, 0)
    changes: list[MessageChange] = []
    message = services.queue([PHONE], "Hearing", "Monday 9:00").messages[0]
    async with running_dispatcher(store, sandbox_directory, step=0.1, changes=changes) as (dispatcher, _):
        assert await dispatcher.run_until_idle(timeout=20)
    assert [change.status for change in changes if change.message_id == message.id] == ["sent", "delivered"]
    sent = row(store, message.id)
    assert (sent.status, sent.carrier_status) == ("delivered", "delivered")
    assert [record.id for record in services.feed()] == [message.id]


async def test_status_job_runs_on_schedule(services, store, sandbox_directory):
    set_review_delay(store, 0)
    message = services.queue([PHONE], "", "Hello").messages[0]
    async with running_dispatcher(store, sandbox_directory, step=0.05, sweep_seconds=0.2, status_seconds=0.2) as (dispatcher, _):
        for _ in range(100):
            if row(store, message.id).status == "delivered":
                break
            await asyncio.sleep(0.05)
    assert row(store, message.id).status == "delivered"


async def test_voice_call_speaks_in_client_language(services, store, sandbox_directory):
    set_review_delay(store, 0)
    contact_id = add_client(store, "CR-9", NUMBER, language="es")
    message = services.queue([PHONE], "Audiencia", "El lunes a las 9.", voice=True).messages[0]
    with store.write() as session:
        queued = session.get(Message, message.id)
        queued.contact_id = contact_id
        queued.client_pk = session.get(Contact, contact_id).client_pk
    async with running_dispatcher(store, sandbox_directory, step=0.05) as (dispatcher, _):
        assert await dispatcher.run_until_idle(timeout=20)
    calls = received(sandbox_directory, "voice")
    assert len(calls) == 1
    assert calls[0]["to"] == NUMBER
    assert calls[0]["from"] == SANDBOX_NUMBER
    assert calls[0]["body"].count('<Say language="es-US" voice="Polly.Lupe">Audiencia. El lunes a las 9.</Say>') == 2
    assert row(store, message.id).status == "delivered"
    assert row(store, message.id).carrier_id.startswith("CA")


@pytest.mark.parametrize(("number", "reason"), [("+15005554001", "busy"), ("+15005554002", "No one answered")])
async def test_unanswered_call_is_undelivered(services, store, sandbox_directory, number, reason):
    set_review_delay(store, 0)
    message = services.queue([parse_recipient(number, "US")], "", "Hello", voice=True).messages[0]
    async with running_dispatcher(store, sandbox_directory, step=0.05) as (dispatcher, _):
        assert await dispatcher.run_until_idle(timeout=20)
    sent = row(store, message.id)
    assert sent.status == "undelivered"
    assert reason in sent.error_reason


async def test_stop_reply_opts_out_everywhere(services, store, sandbox_directory):
    set_review_delay(store, 0)
    first = add_client(store, "CR-1", NUMBER)
    second = add_client(store, "CR-2", NUMBER)
    changes: list[MessageChange] = []
    async with running_dispatcher(store, sandbox_directory, changes=changes) as (dispatcher, _):
        inject_reply(sandbox_directory, from_=NUMBER, to=SANDBOX_NUMBER, body="  Stop ")
        assert await dispatcher.run_until_idle(timeout=20)

    with store.read() as session:
        contacts = {contact.id: contact for contact in session.exec(select(Contact))}
        events = session.exec(select(OptOutEvent)).all()
        inbound = session.exec(select(Message).where(Message.direction == "inbound")).all()
    assert contacts[first].opted_out and contacts[second].opted_out
    assert contacts[first].opted_out_by == "keyword:STOP"
    assert [(event.address, event.action, event.keyword) for event in events] == [(NUMBER, "opt_out", "STOP")]
    assert [(message.status, message.body, message.sender) for message in inbound] == [("received", "  Stop ", SANDBOX_NUMBER)]
    assert inbound[0].contact_id in (first, second)
    assert [change.status for change in changes] == ["received"]
    with pytest.raises(MessageError, match=r"\+12025550142 \(opted out\)"):
        services.queue([PHONE], "", "Typed in after STOP")


async def test_start_opts_back_in_and_help_is_logged(services, store, sandbox_directory):
    contact_id = add_client(store, "CR-1", NUMBER)
    async with running_dispatcher(store, sandbox_directory) as (dispatcher, _):
        inject_reply(sandbox_directory, from_=NUMBER, to=SANDBOX_NUMBER, body="STOP")
        await dispatcher.poll_replies()
        inject_reply(sandbox_directory, from_=NUMBER, to=SANDBOX_NUMBER, body="start")
        inject_reply(sandbox_directory, from_=NUMBER, to=SANDBOX_NUMBER, body="HELP")
        await dispatcher.poll_replies()
        await dispatcher.poll_replies()  # a second poll of the same replies adds nothing

    with store.read() as session:
        contact = session.get(Contact, contact_id)
        events = session.exec(select(OptOutEvent).order_by(OptOutEvent.id)).all()
        help_entries = session.exec(select(AuditEntry).where(AuditEntry.action == "asked for help")).all()
    assert not contact.opted_out
    assert [(event.action, event.keyword) for event in events] == [("opt_out", "STOP"), ("opt_in", "START")]
    assert [entry.target for entry in help_entries] == [NUMBER]
    assert len([message for message in rows(store) if message.direction == "inbound"]) == 3
    assert services.queue([PHONE], "", "Welcome back").messages


async def test_ordinary_reply_linked_to_client(services, store, sandbox_directory):
    contact_id = add_client(store, "CR-1", NUMBER)
    async with running_dispatcher(store, sandbox_directory) as (dispatcher, _):
        inject_reply(sandbox_directory, from_=NUMBER, to=SANDBOX_NUMBER, body="[b]I will be there[/b] \x1b[31m")
        inject_reply(sandbox_directory, from_="+12025550199", to=SANDBOX_NUMBER, body="wrong number")
        await dispatcher.poll_replies()
    inbound = {message.recipient: message for message in rows(store) if message.direction == "inbound"}
    assert inbound[NUMBER].contact_id == contact_id
    assert inbound[NUMBER].body == "[b]I will be there[/b] \x1b[31m"
    assert inbound[NUMBER].error_reason is None
    assert inbound["+12025550199"].contact_id is None
    assert {record.status for record in services.feed()} == {"received"}


async def test_stop_during_review_delay_sends_nothing(services, store, sandbox_directory):
    set_review_delay(store, 1)
    add_client(store, "CR-1", NUMBER)
    message = services.queue([PHONE], "", "Hello").messages[0]
    async with running_dispatcher(store, sandbox_directory) as (dispatcher, _):
        inject_reply(sandbox_directory, from_=NUMBER, to=SANDBOX_NUMBER, body="STOP")
        await dispatcher.poll_replies()
        await asyncio.sleep(1.1)
        assert await dispatcher.run_until_idle(timeout=20)
    assert row(store, message.id).status == "cancelled"
    assert "opted out" in row(store, message.id).error_reason
    assert received(sandbox_directory, "sms") == []


async def test_on_change_called_on_loop_thread(services, store, sandbox_directory):
    set_review_delay(store, 0)
    seen: list[tuple[int, str, str]] = []

    def listener(change: MessageChange) -> None:
        seen.append((change.message_id, change.status, threading.current_thread().name))

    message = services.queue([PHONE], "", "Hello").messages[0]
    async with running_dispatcher(store, sandbox_directory, step=0.05) as (dispatcher, _):
        dispatcher.on_change = listener
        assert await dispatcher.run_until_idle(timeout=20)
    assert [(item[0], item[1]) for item in seen] == [(message.id, "sent"), (message.id, "delivered")]
    assert {item[2] for item in seen} == {threading.main_thread().name}
