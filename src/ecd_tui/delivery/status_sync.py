"""Carrier status of sent texts and calls: which messages still wait, and recording it.

Twilio reports a text as queued, sent, then delivered, undelivered or failed, and a call as
queued, ringing, in-progress, then completed, busy, no-answer, failed or canceled. The
dispatcher's status job fetches each message still at "sent" and records the status the
carrier reports. Email has no delivery report: an email the server accepted stays "sent".

The database functions here block; the dispatcher runs them in its worker threads.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import col, func, select

from ecd_tui.delivery.transports.base import TransportError
from ecd_tui.delivery.transports.twilio import CALL_STATUS_OUTCOMES, twilio_error_reason
from ecd_tui.domain.messages import compose_text_body
from ecd_tui.domain.models import Message
from ecd_tui.domain.sending_numbers import PHONE_CHANNELS
from ecd_tui.domain.store import Store

log = logging.getLogger(__name__)

FINAL_STATUSES = ("delivered", "undelivered", "failed")

# Twilio message statuses that end a text, and the message status each becomes.
MESSAGE_STATUS_OUTCOMES = {
    "delivered": "delivered",
    "read": "delivered",
    "undelivered": "undelivered",
    "failed": "failed",
    "canceled": "failed",
}

# How many lookups the status job makes at once, and per round.
CONCURRENT_LOOKUPS = 4
LOOKUPS_PER_ROUND = 200
UNKNOWN_LOOKUPS_PER_ROUND = 20
# Texts with an unknown outcome are looked for at the carrier for a day after their claim.
UNKNOWN_LOOKUP_WINDOW = timedelta(days=1)
# The carrier's clock may be behind ours; a text it created this much before the claim counts.
CLOCK_SKEW = timedelta(minutes=1)


@dataclass(frozen=True)
class AwaitingStatus:
    """A sent text or call whose final carrier status is not known yet."""

    message_id: int
    channel: str
    carrier_id: str
    carrier_status: str | None


@dataclass(frozen=True)
class StatusUpdate:
    """A change the status job recorded: the message's new status and the reason."""

    message_id: int
    status: str
    reason: str | None


def awaiting_status(store: Store, since: datetime, limit: int = LOOKUPS_PER_ROUND) -> list[AwaitingStatus]:
    """Return sent texts and calls since ``since`` that have no final carrier status, oldest first."""
    statement = (
        select(Message.id, Message.channel, Message.carrier_id, Message.carrier_status)
        .where(
            Message.status == "sent",
            col(Message.channel).in_(PHONE_CHANNELS),
            col(Message.carrier_id).is_not(None),
            col(Message.sent_at) >= since,
        )
        .order_by(col(Message.sent_at))
        .limit(limit)
    )
    with store.read() as session:
        return [AwaitingStatus(*row) for row in session.exec(statement)]


def count_awaiting_status(store: Store, since: datetime) -> int:
    """Return how many sent texts and calls since ``since`` wait for a final carrier status."""
    statement = (
        select(func.count())
        .select_from(Message)
        .where(Message.status == "sent", col(Message.channel).in_(PHONE_CHANNELS), col(Message.sent_at) >= since)
    )
    with store.read() as session:
        return session.exec(statement).one()


def record_carrier_status(
    store: Store, message_id: int, now: datetime, *, carrier_status: str, status: str, code: str | None, reason: str | None
) -> bool:
    """Record a carrier status on a sent message; returns False when it is no longer "sent"."""
    values: dict[str, object] = {"carrier_status": carrier_status, "status": status, "updated_at": now}
    if code is not None or reason is not None:
        values.update(error_code=code, error_reason=reason)
    with store.write() as session:
        changed = session.execute(
            update(Message).where(col(Message.id) == message_id, Message.status == "sent").values(**values)
        ).rowcount
    return changed == 1


@dataclass(frozen=True)
class UnknownText:
    """A text whose send ended with an unknown outcome, to look for at the carrier."""

    message_id: int
    recipient: str
    text_body: str
    claimed_at: datetime


def unknown_texts(store: Store, since: datetime, limit: int = UNKNOWN_LOOKUPS_PER_ROUND) -> list[UnknownText]:
    """Return texts with an unknown outcome claimed since ``since`` and no carrier id, oldest first."""
    statement = (
        select(Message)
        .where(
            Message.status == "unknown",
            col(Message.channel).in_(("sms", "mms")),
            col(Message.carrier_id).is_(None),
            col(Message.claimed_at) >= since,
        )
        .order_by(col(Message.claimed_at))
        .limit(limit)
    )
    with store.read() as session:
        return [
            UnknownText(message.id, message.recipient, compose_text_body(message.subject, message.body), message.claimed_at)
            for message in session.exec(statement)
        ]


def record_found_at_carrier(store: Store, message_id: int, now: datetime, candidates: list[dict]) -> str | None:
    """Mark an unknown text as sent when the carrier has a matching text no other message has.

    Returns the carrier id recorded, or None when every candidate belongs to another
    message or the text is no longer unknown.
    """
    with store.write() as session:
        known = set(session.exec(select(Message.carrier_id).where(col(Message.carrier_id).in_([item["sid"] for item in candidates]))))
        free = [item for item in candidates if item["sid"] not in known]
        if not free:
            return None
        carrier_id, carrier_status = free[-1]["sid"], free[-1]["status"]  # the oldest match
        changed = session.execute(
            update(Message)
            .where(col(Message.id) == message_id, Message.status == "unknown")
            .values(
                status="sent", carrier_id=carrier_id, carrier_status=carrier_status, sent_at=now, updated_at=now,
                error_code=None, error_reason="found at the carrier after the send's outcome was unknown",
            )
        ).rowcount
    return carrier_id if changed == 1 else None


async def settle_unknown_texts(transport, store: Store, run_db: Callable[..., Awaitable], now: Callable[[], datetime]) -> list[StatusUpdate]:
    """Look for texts with an unknown outcome at the carrier, and mark those it has as sent.

    A text the carrier does not have stays unknown: it is never resent without a clerk.
    NOTE: calls and email with an unknown outcome are not looked up, because the sandbox's
    call list has no filter and SMTP has no lookup at all.
    """
    updates = []
    for item in await run_db(unknown_texts, store, now() - UNKNOWN_LOOKUP_WINDOW):
        try:
            candidates = await transport.find_texts(item.recipient, item.text_body, item.claimed_at - CLOCK_SKEW)
        except TransportError as error:
            log.warning("Message %s: looking for it at the carrier failed: %s", item.message_id, error.reason)
            continue
        if not candidates:
            continue
        carrier_id = await run_db(record_found_at_carrier, store, item.message_id, now(), candidates)
        if carrier_id is not None:
            log.info("Message %s found at the carrier as %s after an unknown outcome; now sent", item.message_id, carrier_id)
            updates.append(StatusUpdate(item.message_id, "sent", None))
    return updates


def outcome_of_text(fetched: dict) -> tuple[str, str | None, str | None]:
    """Return (status, error code, reason) for a fetched Twilio message."""
    status = MESSAGE_STATUS_OUTCOMES.get(fetched["status"], "sent")
    code = fetched.get("error_code")
    if status in ("undelivered", "failed"):
        return status, code, fetched.get("reason") or twilio_error_reason(code)
    return status, None, None


def outcome_of_call(fetched: dict) -> tuple[str, str | None, str | None]:
    """Return (status, error code, reason) for a fetched Twilio call."""
    status, reason = CALL_STATUS_OUTCOMES.get(fetched["status"], ("sent", None))
    return status, None, reason


async def sync_statuses(
    transport,
    store: Store,
    run_db: Callable[..., Awaitable],
    now: Callable[[], datetime],
    since: datetime,
) -> list[StatusUpdate]:
    """Fetch the carrier status of each message awaiting one and record it.

    ``run_db(function, *args, **kwargs)`` runs a blocking database function off the loop.
    A lookup that fails is logged and tried again on the next round.
    """
    waiting = await run_db(awaiting_status, store, since)
    slots = asyncio.Semaphore(CONCURRENT_LOOKUPS)

    async def look_up(item: AwaitingStatus) -> StatusUpdate | None:
        async with slots:
            try:
                if item.channel == "voice":
                    fetched = await transport.fetch_call(item.carrier_id)
                    status, code, reason = outcome_of_call(fetched)
                else:
                    fetched = await transport.fetch_message(item.carrier_id)
                    status, code, reason = outcome_of_text(fetched)
            except TransportError as error:
                log.warning("Message %s: carrier status lookup of %s failed: %s", item.message_id, item.carrier_id, error.reason)
                return None
            except Exception:
                log.exception("Message %s: carrier status lookup of %s failed unexpectedly", item.message_id, item.carrier_id)
                return None
        if status == "sent" and fetched["status"] == item.carrier_status:
            return None
        changed = await run_db(
            record_carrier_status, store, item.message_id, now(),
            carrier_status=fetched["status"], status=status, code=code, reason=reason,
        )
        if changed and status != "sent":
            log.info("Message %s is %s (carrier status %s)%s", item.message_id, status, fetched["status"], f": {reason}" if reason else "")
            return StatusUpdate(item.message_id, status, reason)
        return None

    results = await asyncio.gather(*(look_up(item) for item in waiting))
    return [update for update in results if update is not None]
