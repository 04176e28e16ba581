"""The dispatcher's reads and writes on the messages table.

Every state change is one conditional UPDATE on the expected current status, so two
dispatchers on one database never both act on a message: the one whose update changed a
row goes on, the other drops it. All functions here block on SQLite; the dispatcher calls
them from a worker thread, never on the event loop.
"""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlmodel import col, select

from ecd_tui.domain.segments import count_segments
from ecd_tui.delivery.transports.base import AttachmentFile
from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.attachments import attachments_directory, media_url
from ecd_tui.domain.messages import compose_text_body, is_opted_out
from ecd_tui.domain.models import Attachment, Client, DispatcherHeartbeat, Message
from ecd_tui.domain.opt_outs import record_opt_out
from ecd_tui.domain.sending_numbers import PHONE_CHANNELS, sending_number
from ecd_tui.domain.store import Store

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClaimedMessage:
    """A message this dispatcher now owns, with what its transport needs."""

    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    text_body: str
    attempts: int
    expires_at: datetime | None
    sms_from: str | None  # the agency number that sends this text, picture message or call
    email_from: str | None
    language: str | None = None  # the client's preferred language, for a call's voice
    attachments: tuple[AttachmentFile, ...] = ()
    media_urls: tuple[str, ...] = ()  # where the carrier fetches a picture message's files


@dataclass(frozen=True)
class Throttle:
    """The facts about a due message that the rate limits read before it is claimed."""

    channel: str
    sender: str | None  # the agency number a phone message will go from
    units: int  # segments of a text, 1 for a picture message or a call
    per_second: float  # the agency's sending rate per number, in segments per second
    smtp_concurrency: int


@dataclass(frozen=True)
class ClaimOutcome:
    """The result of a claim: ``claimed`` is set only when this dispatcher must send."""

    claimed: ClaimedMessage | None
    status: str | None  # the row's status afterwards, None when the row is missing
    reason: str | None = None


def due_message_ids(store: Store, now: datetime, limit: int) -> list[int]:
    """Return ids of scheduled messages whose send_at has come, oldest first."""
    statement = (
        select(Message.id)
        .where(Message.status == "scheduled", col(Message.send_at) <= now)
        .order_by(col(Message.send_at), col(Message.id))
        .limit(limit)
    )
    with store.read() as session:
        return list(session.exec(statement))


def upcoming_messages(store: Store, now: datetime, until: datetime) -> list[tuple[int, datetime]]:
    """Return (id, send_at) of scheduled messages due after now and up to ``until``."""
    statement = (
        select(Message.id, Message.send_at)
        .where(Message.status == "scheduled", col(Message.send_at) > now, col(Message.send_at) <= until)
        .order_by(col(Message.send_at))
    )
    with store.read() as session:
        return [(row[0], row[1]) for row in session.exec(statement)]


def claim(store: Store, message_id: int, now: datetime, claimer: str) -> ClaimOutcome:
    """Move one due message from scheduled to sending, rechecking it in the same transaction.

    The row is read fresh: a message cancelled during the delay is not claimed. A recipient
    who opted out meanwhile ends the message as cancelled with the reason; a message overdue
    past the agency's late limit (the app was down) is held for a clerk.
    """
    with store.write() as session:
        changed = session.execute(
            update(Message)
            .where(col(Message.id) == message_id, Message.status == "scheduled", col(Message.send_at) <= now)
            .values(status="sending", claimed_by=claimer, claimed_at=now, attempts=Message.attempts + 1, updated_at=now)
        ).rowcount
        message = session.get(Message, message_id)
        if changed != 1:
            return ClaimOutcome(claimed=None, status=message.status if message else None)

        settings = load_settings_row(session)
        late_by = now - message.send_at
        if late_by > timedelta(seconds=settings.late_limit_seconds):
            minutes = int(late_by.total_seconds() // 60)
            reason = f"held: {minutes} minutes late (the app was not running); send or cancel it"
            _finish(message, "held", now, reason=reason)
            return ClaimOutcome(claimed=None, status="held", reason=reason)

        if is_opted_out(session, message.recipient):
            reason = "not sent: the recipient opted out before the send time"
            _finish(message, "cancelled", now, reason=reason)
            return ClaimOutcome(claimed=None, status="cancelled", reason=reason)

        attachments = _attachments(session, message.id)
        claimed = ClaimedMessage(
            id=message.id,
            channel=message.channel,
            recipient=message.recipient,
            subject=message.subject,
            body=message.body,
            text_body=compose_text_body(message.subject, message.body),
            attempts=message.attempts,
            expires_at=message.expires_at,
            sms_from=sending_number(session, message.channel) if message.channel in PHONE_CHANNELS else None,
            email_from=settings.email_sender,
            language=_preferred_language(session, message.client_pk),
            attachments=attachments,
            media_urls=_media_urls(store, settings.media_url_base, attachments) if message.channel == "mms" else (),
        )
        return ClaimOutcome(claimed=claimed, status="sending")


def throttle_for(store: Store, message_id: int, now: datetime, fallback_number: str | None) -> Throttle | None:
    """Return what the rate limits need for a due scheduled message, or None when it is not."""
    with store.read() as session:
        message = session.get(Message, message_id)
        if message is None or message.status != "scheduled" or message.send_at > now:
            return None
        settings = load_settings_row(session)
        sender = None
        units = 1
        if message.channel in PHONE_CHANNELS:
            sender = sending_number(session, message.channel, fallback_number)
        if message.channel == "sms":
            units = count_segments(compose_text_body(message.subject, message.body))
        return Throttle(
            channel=message.channel,
            sender=sender,
            units=units,
            per_second=settings.sms_per_second,
            smtp_concurrency=settings.smtp_concurrency,
        )


def opt_out_after_refusal(store: Store, address: str, now: datetime, *, code: str, reason: str) -> None:
    """Opt an address out because the carrier refused it as unsubscribed (Twilio 21610)."""
    with store.write() as session:
        record_opt_out(session, address, at=now, by=f"carrier:{code}", reason=reason)


def _attachments(session, message_id: int) -> tuple[AttachmentFile, ...]:
    rows = session.exec(select(Attachment).where(Attachment.message_id == message_id).order_by(col(Attachment.id))).all()
    return tuple(AttachmentFile(path=row.path, filename=row.filename, content_type=row.content_type) for row in rows)


def _preferred_language(session, client_pk: int | None) -> str | None:
    if client_pk is None:
        return None
    client = session.get(Client, client_pk)
    return client.preferred_language if client is not None else None


def _media_urls(store: Store, base: str | None, attachments: tuple[AttachmentFile, ...]) -> tuple[str, ...]:
    if not base:
        return ()
    directory = attachments_directory(store.path)
    return tuple(media_url(base, Path(item.path), directory) for item in attachments)


def mark_sent(store: Store, message_id: int, now: datetime, *, carrier_id: str, carrier_status: str, sender: str) -> bool:
    """Record the carrier's acceptance and its id in one transaction."""
    return _transition(
        store, message_id, "sending", "sent",
        carrier_id=carrier_id, carrier_status=carrier_status, sender=sender, sent_at=now, updated_at=now,
        error_code=None, error_reason=None,
    )


def mark_failed(store: Store, message_id: int, now: datetime, *, code: str | None, reason: str) -> bool:
    return _transition(store, message_id, "sending", "failed", error_code=code, error_reason=reason, updated_at=now)


def mark_unknown(store: Store, message_id: int, now: datetime, *, code: str | None, reason: str) -> bool:
    return _transition(store, message_id, "sending", "unknown", error_code=code, error_reason=reason, updated_at=now)


def reschedule(store: Store, message_id: int, now: datetime, *, retry_at: datetime, code: str | None, reason: str) -> bool:
    """Put a message that met a transient error back to scheduled for ``retry_at``."""
    return _transition(
        store, message_id, "sending", "scheduled",
        send_at=retry_at, error_code=code, error_reason=f"retrying: {reason}", updated_at=now,
    )


def beat(store: Store, dispatcher_id: str, host: str, pid: int, started_at: datetime, now: datetime) -> None:
    """Record that this dispatcher is alive."""
    with store.write() as session:
        row = session.get(DispatcherHeartbeat, dispatcher_id)
        if row is None:
            session.add(DispatcherHeartbeat(id=dispatcher_id, host=host, pid=pid, started_at=started_at, seen_at=now))
        else:
            row.seen_at = now


def remove_heartbeat(store: Store, dispatcher_id: str) -> None:
    with store.write() as session:
        row = session.get(DispatcherHeartbeat, dispatcher_id)
        if row is not None:
            session.delete(row)


def live_dispatchers(store: Store, now: datetime, stale_after: timedelta) -> list[str]:
    """Return the ids of dispatchers whose heartbeat is recent."""
    with store.read() as session:
        statement = select(DispatcherHeartbeat.id).where(col(DispatcherHeartbeat.seen_at) >= now - stale_after)
        return list(session.exec(statement))


def orphan_claims_to_unknown(store: Store, now: datetime, stale_after: timedelta) -> list[int]:
    """Mark messages left in ``sending`` by a dispatcher that stopped beating as unknown.

    Such a dispatcher died between claiming and recording the outcome, so the carrier may
    or may not have the message: a clerk must verify before resending.
    """
    reason = "unknown: the dispatcher stopped while sending; verify with the carrier before resending"
    with store.write() as session:
        stuck = session.exec(select(Message).where(Message.status == "sending")).all()
        if not stuck:
            return []
        beats = session.exec(select(DispatcherHeartbeat).where(col(DispatcherHeartbeat.seen_at) >= now - stale_after)).all()
        alive = {beat.id for beat in beats if _process_may_live(beat.host, beat.pid)}
        orphaned = [message for message in stuck if message.claimed_by not in alive]
        for message in orphaned:
            _finish(message, "unknown", now, reason=reason)
        session.exec(  # type: ignore[call-overload]
            DispatcherHeartbeat.__table__.delete().where(DispatcherHeartbeat.seen_at < now - stale_after)
        )
    ids = [message.id for message in orphaned]
    for message_id in ids:
        log.warning("Message %s marked unknown: its dispatcher stopped while sending", message_id)
    return ids


def _process_may_live(host: str, pid: int) -> bool:
    """Return False only for a dispatcher on this host whose process is gone.

    A dispatcher on another host counts as alive while its heartbeat is fresh. A reused
    pid makes a dead dispatcher look alive until its heartbeat goes stale.
    """
    if host != socket.gethostname():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # a process of another user has that pid
    return True


def count_waiting(store: Store) -> int:
    """Return how many messages are scheduled or being sent."""
    from sqlmodel import func

    with store.read() as session:
        statement = select(func.count()).select_from(Message).where(col(Message.status).in_(("scheduled", "sending")))
        return session.exec(statement).one()


def _finish(message: Message, status: str, now: datetime, *, reason: str) -> None:
    message.status = status
    message.error_reason = reason
    message.updated_at = now


def _transition(store: Store, message_id: int, expected: str, status: str, **values) -> bool:
    with store.write() as session:
        changed = session.execute(
            update(Message).where(col(Message.id) == message_id, Message.status == expected).values(status=status, **values)
        ).rowcount
    if changed != 1:
        log.error("Message %s was not %s when moving it to %s; left unchanged", message_id, expected, status)
    return changed == 1
