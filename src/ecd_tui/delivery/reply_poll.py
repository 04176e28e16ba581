"""The reply poll: fetch texts received on the agency's numbers and record them.

Twilio keeps replies in the same message list as the agency's own texts, so the poll lists
messages sent to each agency number since shortly before the newest stored reply, keeps the
inbound ones, and lets ``domain.replies`` skip those already stored.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta

from sqlmodel import select

from ecd_tui.delivery.transports.base import TransportError
from ecd_tui.domain.models import AgencyPhone
from ecd_tui.domain.replies import InboundText, RecordedReply, latest_reply_time, record_replies
from ecd_tui.domain.store import Store

log = logging.getLogger(__name__)

# Each poll looks this far back before the newest stored reply, for replies the carrier
# stored late or clocks that disagree.
OVERLAP = timedelta(minutes=10)
# How far back the first poll of a database looks.
FIRST_POLL_LOOKBACK = timedelta(days=1)


def agency_numbers(store: Store, fallback_number: str | None) -> list[str]:
    """Return the active agency numbers replies may come to, and the sandbox's in training."""
    with store.read() as session:
        numbers = list(session.exec(select(AgencyPhone.e164).where(AgencyPhone.active == True).order_by(AgencyPhone.id)))  # noqa: E712
    if fallback_number and fallback_number not in numbers:
        numbers.append(fallback_number)
    return numbers


def poll_start(store: Store, now: datetime) -> datetime:
    """Return the time from which the next poll lists messages."""
    latest = latest_reply_time(store)
    if latest is None:
        return now - FIRST_POLL_LOOKBACK
    return latest - OVERLAP


async def poll_replies(
    transport,
    store: Store,
    run_db: Callable[..., Awaitable],
    now: datetime,
    fallback_number: str | None,
) -> list[RecordedReply]:
    """List replies to each agency number and record the new ones, keywords applied.

    A number whose list fails is logged and polled again next time.
    """
    numbers = await run_db(agency_numbers, store, fallback_number)
    since = await run_db(poll_start, store, now)
    received: list[InboundText] = []
    for number in numbers:
        try:
            items = await transport.list_inbound(number, since)
        except TransportError as error:
            log.warning("Reply poll for %s failed: %s", number, error.reason)
            continue
        received.extend(
            InboundText(carrier_id=item["sid"], from_=item["from"], to=item["to"], body=item["body"], received_at=item["date_sent"] or now)
            for item in items
        )
    if not received:
        return []
    return await run_db(record_replies, store, received)
