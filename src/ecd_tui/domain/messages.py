"""Queue, cancel and list messages: the rules every sending place shares.

The Dashboard form and ``ecd-tui send`` both call ``queue_messages``, so a message is
checked the same way whichever way it was written.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import to_utc, utcnow
from ecd_tui.domain.attachments import (
    AttachmentError,
    CheckedFile,
    attachments_directory,
    check_files,
    copy_files,
    mms_problem,
)
from ecd_tui.domain.models import AgencySettings, Attachment, AuditEntry, Contact, Message, OptOutEvent
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.recipients import Recipient
from ecd_tui.domain.records import Actor, MessageRecord
from ecd_tui.domain.sending import NoSendingNumber, choose_channel, require_sending_numbers
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 1600
MAX_SUBJECT_LENGTH = 255

# Statuses a clerk still waits on, shown under Scheduled Messages.
PENDING_STATUSES = ("scheduled", "sending", "held")


class MessageError(ValueError):
    """A message that cannot be queued as written; the text says what to change."""


class CancelRefused(Exception):
    """A cancel that came too late or is not the clerk's to make."""


@dataclass(frozen=True)
class SendTiming:
    """When a new message goes out: after the review delay, at a time, or at once."""

    mode: Literal["delay", "at", "now"] = "delay"
    at: datetime | None = None


@dataclass(frozen=True)
class SkippedRecipient:
    address: str
    reason: str


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
    files: Sequence[CheckedFile] = (),
    fallback_number: str | None = None,
) -> QueueResult:
    """Create one scheduled message per distinct recipient that has not opted out.

    Phone recipients get a text, a picture message when ``files`` are attached, or a call
    when ``voice`` is set. The files are copied beside the database first, so what goes
    out is what the clerk attached. ``fallback_number`` is the sandbox's sending number in
    training mode.

    Raises:
        PermissionDenied: the actor may not create messages, or may not skip the delay.
        MessageError: no recipient, an empty message, a subject or text over its limit,
            a time in the past, or every recipient opted out. Also no agency number for a
            phone channel, or files that cannot be sent (too many, too large, or a text
            with files and no media URL base).
    """
    require(actor, Permission.CREATE_MESSAGES, "send messages")
    if timing.mode == "now":
        require(actor, Permission.SEND_WITHOUT_DELAY, "send without the review delay")
    _check_content(recipients, subject, body)
    channels = {recipient.address: choose_channel(recipient.channel, voice=voice, has_files=bool(files)) for recipient in recipients}
    _check_delivery(store, set(channels.values()), files, fallback_number)
    copies = _copy_files(store, files)

    try:
        result = _create_messages(store, actor, recipients, subject, body, timing, channels, copies)
    except BaseException:
        if copies:
            shutil.rmtree(copies[0].path.parent, ignore_errors=True)
        raise
    return result


def _create_messages(
    store: Store,
    actor: Actor,
    recipients: Sequence[Recipient],
    subject: str,
    body: str,
    timing: SendTiming,
    channels: dict[str, str],
    copies: Sequence[CheckedFile],
) -> QueueResult:
    with store.write() as session:
        settings = load_settings_row(session)
        now = utcnow()
        send_at = _send_at(timing, now, settings.review_delay_seconds)
        expires_at = send_at + timedelta(seconds=settings.retry_expiry_seconds)
        batch_id = uuid.uuid4().hex
        created: list[Message] = []
        skipped: list[SkippedRecipient] = []

        for recipient in _distinct(recipients):
            if is_opted_out(session, recipient.address):
                skipped.append(SkippedRecipient(recipient.address, "opted out"))
                continue
            message = Message(
                channel=channels[recipient.address],
                recipient=recipient.address,
                batch_id=batch_id,
                subject=subject.strip(),
                body=body,
                send_at=send_at,
                expires_at=expires_at,
                created_at=now,
                created_by=actor.login,
            )
            session.add(message)
            created.append(message)

        if not created:
            reasons = ", ".join(f"{item.address} ({item.reason})" for item in skipped)
            raise MessageError(f"Nothing was queued: no recipient can receive it: {reasons}.")
        session.flush()
        for message in created:
            session.add(_audit(actor, "message created", message, f"{message.channel}, send at {send_at.isoformat()}"))
            if message.channel in ("email", "mms"):
                for copy in copies:
                    session.add(Attachment(message_id=message.id, path=str(copy.path), filename=copy.filename, content_type=copy.content_type, size=copy.size))

    records = [to_record(message) for message in created]
    for record in records:
        log.info("Message %s queued by %s: %s to %s, send at %s", record.id, actor.login, record.channel, record.recipient, record.send_at.isoformat())
    return QueueResult(messages=records, skipped=skipped)


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
    )


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


def _check_content(recipients: Sequence[Recipient], subject: str, body: str) -> None:
    if not recipients:
        raise MessageError("Add at least one recipient: a phone number or an email address.")
    if not body.strip():
        raise MessageError("The message is empty: write the message before sending.")
    if len(subject.strip()) > MAX_SUBJECT_LENGTH:
        raise MessageError(f"The subject has {len(subject.strip())} characters; shorten it to {MAX_SUBJECT_LENGTH} or fewer.")
    if any(recipient.kind == "phone" for recipient in recipients):
        text_length = len(compose_text_body(subject, body))
        if text_length > MAX_TEXT_LENGTH:
            raise MessageError(
                f"The text has {text_length} characters with its subject; shorten it to {MAX_TEXT_LENGTH} or fewer."
            )


def planned_send_at(store: Store, timing: SendTiming) -> datetime:
    """Return when a message queued now with ``timing`` would go out, for warnings."""
    with store.read() as session:
        settings = session.get(AgencySettings, 1)
        delay = settings.review_delay_seconds if settings is not None else AgencySettings().review_delay_seconds
    if timing.mode == "at" and timing.at is not None:
        return to_utc(timing.at)
    return utcnow() + timedelta(seconds=0 if timing.mode == "now" else delay)


def _check_delivery(store: Store, channels: set[str], files: Sequence[CheckedFile], fallback_number: str | None) -> None:
    """Check the files and that the agency can send on each channel, before anything is copied."""
    try:
        check_files(files)
    except AttachmentError as error:
        raise MessageError(str(error)) from None
    if files and "voice" in channels:
        raise MessageError("A voice call cannot carry files: remove the files, or send texts instead of calls.")

    with store.read() as session:
        try:
            require_sending_numbers(session, channels, fallback_number)
        except NoSendingNumber as error:
            raise MessageError(str(error)) from None
        settings = session.get(AgencySettings, 1)
        media_url_base = settings.media_url_base if settings is not None else None

    if files and "mms" in channels:
        if not media_url_base:
            raise MessageError(
                "Files cannot go by text because no media URL base is set: an administrator sets one"
                " under Admin, Settings, or remove the files, or send to email addresses only."
            )
        problem = mms_problem(files)
        if problem:
            raise MessageError(f"{problem} Remove the file, or send to email addresses only.")


def _copy_files(store: Store, files: Sequence[CheckedFile]) -> list[CheckedFile]:
    if not files:
        return []
    try:
        return copy_files(files, attachments_directory(store.path))
    except AttachmentError as error:
        raise MessageError(str(error)) from None


def _send_at(timing: SendTiming, now: datetime, review_delay_seconds: int) -> datetime:
    earliest = now + timedelta(seconds=review_delay_seconds)
    if timing.mode == "now":
        return now
    if timing.mode == "delay":
        return earliest
    if timing.at is None:
        raise MessageError("Choose a date and time to send at.")
    at = to_utc(timing.at)
    if at < earliest:
        minutes = review_delay_seconds / 60
        raise MessageError(
            f"{at.isoformat(timespec='minutes')} is sooner than the review delay of {minutes:g} minutes allows: "
            "pick a later time, or send at once if you have the Send Without Delay permission."
        )
    return at


def _distinct(recipients: Sequence[Recipient]) -> list[Recipient]:
    seen: set[str] = set()
    distinct = []
    for recipient in recipients:
        if recipient.address not in seen:
            seen.add(recipient.address)
            distinct.append(recipient)
    return distinct


def _audit(actor: Actor, action: str, message: Message, detail: str) -> AuditEntry:
    return AuditEntry(at=utcnow(), login=actor.login, action=action, target=f"message {message.id} to {message.recipient}", detail=detail)
