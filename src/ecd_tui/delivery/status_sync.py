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
from datetime import datetime

from sqlalchemy import update
from sqlmodel import col, func, select

from ecd_tui.delivery.transports.base import TransportError
from ecd_tui.delivery.transports.twilio import CALL_STATUS_OUTCOMES, twilio_error_reason
from ecd_tui.domain.models import Message
from ecd_tui.domain.sending import PHONE_CHANNELS
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
