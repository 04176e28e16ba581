"""Queueing and cancelling through the services, on a real SQLite file."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import select

from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.messages import CancelRefused, MessageError, SendTiming, compose_text_body
from ecd_tui.domain.models import AuditEntry, Contact, Client, Message, OptOutEvent
from ecd_tui.domain.permissions import PermissionDenied
from ecd_tui.domain.recipients import parse_recipient
from ecd_tui.services import Services
from tests.conftest import set_review_delay

PHONE = parse_recipient("(202) 555-0142", "US")
EMAIL = parse_recipient("client@example.org", "US")


def test_queue_creates_one_scheduled_message_per_recipient(services):
    before = utcnow()
    result = services.queue([PHONE, EMAIL, PHONE], "Hearing", "Your hearing moved.")
    after = utcnow()
    assert [(m.recipient, m.channel, m.status) for m in result.messages] == [
        ("+12025550142", "sms", "scheduled"),
        ("client@example.org", "email", "scheduled"),
    ]
    for message in result.messages:
        assert (message.send_at - message.created_at).total_seconds() == 300
        assert before <= message.created_at <= after
        assert message.created_by == "admin1"
    assert [m.id for m in services.pending()] == [m.id for m in result.messages]


def test_queue_writes_audit_entries(services, store):
    result = services.queue([PHONE], "Hearing", "Moved.")
    with store.read() as session:
        entries = session.exec(select(AuditEntry).where(AuditEntry.action == "message created")).all()
    assert [entry.target for entry in entries] == [f"message {result.messages[0].id} to +12025550142"]


def test_review_delay_setting_applies_to_next_message(services, store):
    set_review_delay(store, 0)
    before = utcnow()
    message = services.queue([PHONE], "", "Now.").messages[0]
    assert (message.send_at - before).total_seconds() < 2


def test_send_now_and_at(services):
    now_message = services.queue([PHONE], "", "x", SendTiming(mode="now")).messages[0]
    assert (now_message.send_at - utcnow()).total_seconds() <= 0
    later = datetime.now(UTC) + timedelta(days=1)
    at_message = services.queue([EMAIL], "s", "x", SendTiming(mode="at", at=later)).messages[0]
    assert abs((at_message.send_at - later).total_seconds()) < 1


def test_time_in_past_rejected_with_earliest(services):
    with pytest.raises(MessageError, match=r"The send time 2020-01-01 09:00 UTC is in the past: pick a time after 20\d\d-"):
        services.queue([PHONE], "", "x", SendTiming(mode="at", at=datetime(2020, 1, 1, 9, 0, tzinfo=UTC)))
    assert services.all_messages() == []


def test_time_sooner_than_review_delay_rejected(services):
    with pytest.raises(MessageError, match="sooner than the review delay of 5 minutes"):
        services.queue([PHONE], "", "x", SendTiming(mode="at", at=datetime.now(UTC) + timedelta(minutes=1)))
    assert services.all_messages() == []


@pytest.mark.parametrize(
    ("recipients", "subject", "body", "expected"),
    [
        ([], "s", "body", "Add at least one recipient"),
        ([PHONE], "s", "   ", "The message is empty"),
        ([EMAIL], "x" * 256, "body", "subject has 256 characters"),
        ([PHONE], "", "x" * 1601, "text has 1601 characters"),
        ([PHONE], "Subject", "x" * 1595, "text has 1603 characters"),
    ],
)
def test_invalid_content_rejected_and_nothing_stored(services, recipients, subject, body, expected):
    with pytest.raises(MessageError, match=expected):
        services.queue(recipients, subject, body)
    assert services.all_messages() == []


def test_long_body_allowed_for_email_only(services):
    assert services.queue([EMAIL], "", "x" * 5000).messages[0].channel == "email"


def test_text_body_led_by_subject():
    assert compose_text_body(" Hearing ", "Moved.") == "Hearing\nMoved."
    assert compose_text_body("", "Moved.") == "Moved."


def test_opted_out_address_skipped_with_reason(services, store):
    with store.write() as session:
        session.add(OptOutEvent(address="+12025550142", action="opt_out", keyword="STOP", at=utcnow()))
    result = services.queue([PHONE, EMAIL], "s", "b")
    assert [m.recipient for m in result.messages] == ["client@example.org"]
    assert [(s.address, s.reason) for s in result.skipped] == [("+12025550142", "opted out")]


def test_opted_in_again_receives(services, store):
    with store.write() as session:
        session.add(OptOutEvent(address="+12025550142", action="opt_out", keyword="STOP", at=utcnow() - timedelta(hours=1)))
        session.add(OptOutEvent(address="+12025550142", action="opt_in", keyword="START", at=utcnow()))
    assert len(services.queue([PHONE], "s", "b").messages) == 1


def test_opted_out_contact_blocks_typed_in_address(services, store):
    with store.write() as session:
        client = Client(client_id="C1", first_name="A", last_name="B", created_at=utcnow())
        session.add(client)
        session.flush()
        session.add(Contact(client_pk=client.id, channel="phone", address="+12025550142", opted_out=True, created_at=utcnow()))
    with pytest.raises(MessageError, match=r"no recipient can receive it: \+12025550142 \(opted out\)"):
        services.queue([PHONE], "s", "b")
    assert services.all_messages() == []


def test_cancel_scheduled_message(services):
    message = services.queue([PHONE], "s", "b").messages[0]
    cancelled = services.cancel(message.id)
    assert cancelled.status == "cancelled"
    assert cancelled.cancelled_by == "admin1"
    assert services.pending() == []
    assert [m.status for m in services.feed()] == ["cancelled"]


def test_cancel_too_late_names_current_status(services, store):
    message = services.queue([PHONE], "s", "b").messages[0]
    with store.write() as session:
        session.get(Message, message.id).status = "sent"
    with pytest.raises(CancelRefused, match=f"Message {message.id} cannot be cancelled: it is already sent"):
        services.cancel(message.id)


def test_cancel_missing_message(services):
    with pytest.raises(CancelRefused, match="Message 999 was not found"):
        services.cancel(999)


def test_first_login_is_administrator_and_unknown_login_cannot_send(store):
    first = Services.open(store, "first")
    assert first.actor.role == "administrator"
    stranger = Services.open(store, "stranger")
    assert stranger.actor.role is None
    with pytest.raises(PermissionDenied, match='lacks the "Create Messages" permission'):
        stranger.queue([PHONE], "s", "b")


def test_clerk_needs_permission_to_skip_delay_and_cancel_others(store):
    from ecd_tui.domain.models import User

    admin = Services.open(store, "admin1", fallback_number="+15005550006")
    with store.write() as session:
        session.add(User(login="clerk1", role="clerk", created_at=utcnow()))
    clerk = Services.open(store, "clerk1")
    with pytest.raises(PermissionDenied, match='"Send Without Delay"'):
        clerk.queue([PHONE], "s", "b", SendTiming(mode="now"))
    admins_message = admin.queue([PHONE], "s", "b").messages[0]
    with pytest.raises(PermissionDenied, match='"Cancel Others\' Messages"'):
        clerk.cancel(admins_message.id)
    own = clerk.queue([EMAIL], "s", "b").messages[0]
    assert clerk.cancel(own.id).status == "cancelled"
    assert admin.cancel(admins_message.id).status == "cancelled"
