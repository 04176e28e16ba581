"""Queue, cancel and list messages: the rules every sending place shares.

The Dashboard form and ``ecd-tui send`` both call ``queue_messages``, so a message is
checked the same way whichever way it was written.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from ecd_tui.domain.clock import to_utc, utcnow
from ecd_tui.domain.models import AuditEntry, Contact, Message, OptOutEvent
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.recipients import Recipient
from ecd_tui.domain.records import Actor, MessageRecord
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 1600
MAX_SUBJECT_LENGTH = 255

# Statuses a clerk still waits on, shown under Scheduled Messages.
PENDING_STATUSES = ("scheduled", "sending", "held")


class MessageError(ValueError):
    """A message that cannot be queued as written; the text names what to change."""


class CancelRefused(Exception):
    """A cancel that came too late or is not the clerk's to make."""


@dataclass(frozen=True)
class SendTiming:
    """When a new message goes out: after the review delay, at a time, or at once."""

    mode: Literal["delay", "at", "now"] = "delay"
    at: datetime | None = None


@dataclass(frozen=True)
class SkippedRecipient:
    """A recipient that gets no message; ``name`` is the client and label when known."""

    address: str
    reason: str
    name: str = ""


@dataclass(frozen=True)
class QueueResult:
    """The messages created by one send, and the recipients that got none and why."""

    messages: list[MessageRecord]
    skipped: list[SkippedRecipient] = field(default_factory=list)


def compose_text_body(subject: str, body: str) -> str:
    """Return what a text carries: the subject leads, the message follows on the next line."""
    subject = subject.strip()
    return f"{subject}\n{body}" if subject else body


def queue_messages(
    store: Store,
    actor: Actor,
    recipients: Sequence[Recipient],
    subject: str,
    body: str,
    timing: SendTiming = SendTiming(),
    *,
    voice: bool = False,
    files: Sequence = (),
    fallback_number: str | None = None,
) -> QueueResult:
    """Create one scheduled message per distinct typed-in recipient that has not opted out.

    Agency merge tags are filled; client and event tags are dropped for typed-in
    recipients. The rules are those of ``sending.queue_targets``, which does the work.

    Raises:
        PermissionDenied: the actor may not create messages, or may not skip the delay.
        MessageError: no recipient, an empty message, an unknown merge tag, a subject or
            text over its limit, a time in the past, or every recipient opted out.
    """
    from ecd_tui.domain.fanout import SendTarget
    from ecd_tui.domain.sending import queue_targets

    targets = [SendTarget.typed(recipient) for recipient in recipients]
    return queue_targets(store, actor, targets, subject, body, timing, voice=voice, files=files, fallback_number=fallback_number)


def cancel_message(store: Store, actor: Actor, message_id: int) -> MessageRecord:
    """Cancel a message that has not been handed to the carrier yet.

    The update succeeds only while the row is still scheduled or held, so a dispatcher
    that claimed it first wins and the clerk is told its current status.

    Raises:
        CancelRefused: the message is gone, already past scheduling, or someone else's
            without the Cancel Others' Messages permission.
    """
    with store.write() as session:
        message = session.get(Message, message_id)
        if message is None:
            raise CancelRefused(f"Message {message_id} was not found; refresh the list.")
        if message.created_by != actor.login:
            require(actor, Permission.CANCEL_OTHERS_MESSAGES, f"cancel message {message_id} created by {message.created_by}")
        else:
            require(actor, Permission.CREATE_MESSAGES, f"cancel message {message_id}")
        now = utcnow()
        changed = session.execute(
            update(Message)
            .where(col(Message.id) == message_id, col(Message.status).in_(("scheduled", "held")))
            .values(status="cancelled", cancelled_by=actor.login, updated_at=now)
        ).rowcount
        if changed != 1:
            raise CancelRefused(f"Message {message_id} cannot be cancelled: it is already {message.status}.")
        session.add(_audit(actor, "message cancelled", message, ""))
        session.refresh(message)
        record = to_record(message)
    log.info("Message %s cancelled by %s", message_id, actor.login)
    return record


def list_pending(store: Store, *, limit: int = 200, offset: int = 0) -> list[MessageRecord]:
    """Return messages still waiting (scheduled, being sent, or held), soonest first."""
    statement = (
        select(Message)
        .where(col(Message.status).in_(PENDING_STATUSES))
        .order_by(col(Message.send_at), col(Message.id))
        .limit(limit)
        .offset(offset)
    )
    with store.read() as session:
        return [to_record(message) for message in session.exec(statement)]


def list_feed(store: Store, *, limit: int = 200, offset: int = 0) -> list[MessageRecord]:
    """Return sent, failed, cancelled and received messages, newest first."""
    moment = func.coalesce(Message.sent_at, Message.updated_at, Message.created_at)
    statement = (
        select(Message)
        .where(col(Message.status).not_in(PENDING_STATUSES))
        .order_by(moment.desc(), col(Message.id).desc())
        .limit(limit)
        .offset(offset)
    )
    with store.read() as session:
        return [to_record(message) for message in session.exec(statement)]


def list_all(store: Store) -> list[MessageRecord]:
    """Return every message in id order, for the command line."""
    with store.read() as session:
        return [to_record(message) for message in session.exec(select(Message).order_by(col(Message.id)))]


def to_record(message: Message) -> MessageRecord:
    return MessageRecord(
        id=message.id,
        direction=message.direction,
        channel=message.channel,
        recipient=message.recipient,
        subject=message.subject,
        body=message.body,
        status=message.status,
        send_at=message.send_at,
        created_at=message.created_at,
        created_by=message.created_by,
        sent_at=message.sent_at,
        carrier_id=message.carrier_id,
        carrier_status=message.carrier_status,
        error_code=message.error_code,
        error_reason=message.error_reason,
        attempts=message.attempts,
        cancelled_by=message.cancelled_by,
        updated_at=message.updated_at,
    )


def planned_send_at(store: Store, timing: SendTiming) -> datetime:
    """Return when a message queued now with ``timing`` would go out, for warnings."""
    from ecd_tui.domain.models import AgencySettings

    with store.read() as session:
        settings = session.get(AgencySettings, 1)
        delay = settings.review_delay_seconds if settings is not None else AgencySettings().review_delay_seconds
    if timing.mode == "at" and timing.at is not None:
        return to_utc(timing.at)
    return utcnow() + timedelta(seconds=0 if timing.mode == "now" else delay)


def is_opted_out(session: Session, address: str) -> bool:
    """True when a contact with this address opted out, or the address's latest change is an opt-out."""
    contact_opted_out = session.exec(
        select(Contact.id).where(Contact.address == address, Contact.opted_out == True)  # noqa: E712
    ).first()
    if contact_opted_out is not None:
        return True
    latest = session.exec(
        select(OptOutEvent.action).where(OptOutEvent.address == address).order_by(col(OptOutEvent.at).desc(), col(OptOutEvent.id).desc())
    ).first()
    return latest == "opt_out"


def _send_at(timing: SendTiming, now: datetime, review_delay_seconds: int) -> datetime:
    earliest = now + timedelta(seconds=review_delay_seconds)
    if timing.mode == "now":
        return now
    if timing.mode == "delay":
        return earliest
    if timing.at is None:
        raise MessageError("Choose a date and time to send at.")
    at = to_utc(timing.at)
    asked = timing.at.strftime("%Y-%m-%d %H:%M %Z").strip()
    if at < now:
        raise MessageError(f"The send time {asked} is in the past: pick a time after {_minute(earliest)}.")
    if at < earliest:
        minutes = review_delay_seconds / 60
        raise MessageError(
            f"The send time {asked} is sooner than the review delay of {minutes:g} minutes allows: "
            f"pick {_minute(earliest)} or later, or send at once if you have the Send Without Delay permission."
        )
    return at


def _minute(moment: datetime) -> str:
    """Format a UTC time rounded up to the next whole minute."""
    rounded = (moment + timedelta(seconds=59)).replace(second=0, microsecond=0)
    return rounded.strftime("%Y-%m-%d %H:%M UTC")


def _audit(actor: Actor, action: str, message: Message, detail: str) -> AuditEntry:
    return AuditEntry(at=utcnow(), login=actor.login, action=action, target=f"message {message.id} to {message.recipient}", detail=detail)
