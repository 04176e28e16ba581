"""Texts received on the agency's numbers: stored as inbound messages, keywords applied.

The dispatcher's reply poll fetches them from the carrier and hands them here. Each reply
becomes one message row with direction "inbound" and status "received", linked to the
contact (and its client) whose number sent it. A reply that is an opt-out, opt-in or
help keyword also changes or logs the number's opt-out state.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, func, select

from ecd_tui.domain.clock import to_utc, utcnow
from ecd_tui.domain.models import AuditEntry, Contact, Message
from ecd_tui.domain.opt_outs import (
    HELP_KEYWORDS,
    OPT_IN_KEYWORDS,
    OPT_OUT_KEYWORDS,
    record_opt_in,
    record_opt_out,
    reply_keyword,
)
from ecd_tui.domain.store import Store

log = logging.getLogger(__name__)

# The login recorded as the creator of inbound messages.
CARRIER_LOGIN = "carrier"


@dataclass(frozen=True)
class InboundText:
    """A text the carrier received for one of the agency's numbers."""

    carrier_id: str  # the carrier's SID, which makes a second poll of the same reply a no-op
    from_: str  # the client's number, E.164
    to: str  # the agency's number
    body: str
    received_at: datetime


@dataclass(frozen=True)
class RecordedReply:
    """A reply stored as a message, and what its keyword did."""

    message_id: int
    address: str
    keyword: str | None
    action: str | None  # "opt_out", "opt_in", "help" or None


def record_replies(store: Store, replies: Sequence[InboundText]) -> list[RecordedReply]:
    """Store new replies as received messages and apply their keywords, oldest first.

    Replies whose carrier id is already stored are skipped, so polls may overlap.
    """
    recorded = []
    for reply in sorted(replies, key=lambda item: to_utc(item.received_at)):
        with store.write() as session:
            outcome = _record_one(session, reply)
        if outcome is not None:
            recorded.append(outcome)
    return recorded


def latest_reply_time(store: Store) -> datetime | None:
    """Return when the newest stored reply was received, or None before the first."""
    with store.read() as session:
        return session.exec(select(func.max(Message.send_at)).where(Message.direction == "inbound")).one()


def _record_one(session: Session, reply: InboundText) -> RecordedReply | None:
    known = session.exec(select(Message.id).where(Message.carrier_id == reply.carrier_id)).first()
    if known is not None:
        return None

    received_at = to_utc(reply.received_at)
    contact = _matching_contact(session, reply.from_)
    message = Message(
        direction="inbound",
        channel="sms",
        recipient=reply.from_,
        client_pk=contact.client_pk if contact else None,
        contact_id=contact.id if contact else None,
        body=reply.body,
        status="received",
        send_at=received_at,
        sent_at=received_at,
        created_at=utcnow(),
        created_by=CARRIER_LOGIN,
        sender=reply.to,
        carrier_id=reply.carrier_id,
        carrier_status="received",
    )
    session.add(message)
    session.flush()
    log.info("Message %s received from %s on %s (carrier id %s)", message.id, reply.from_, reply.to, reply.carrier_id)

    keyword = reply_keyword(reply.body)
    action = _apply_keyword(session, keyword, reply.from_, received_at)
    if action is not None:
        message.error_reason = _keyword_note(action, keyword)
    return RecordedReply(message_id=message.id, address=reply.from_, keyword=keyword, action=action)


def _matching_contact(session: Session, address: str) -> Contact | None:
    """Return the contact a reply from ``address`` belongs to, when any has that number.

    When several clients share the number, the one most recently messaged on it wins.
    """
    latest_outbound = session.exec(
        select(Message.contact_id)
        .where(Message.recipient == address, Message.direction == "outbound", col(Message.contact_id).is_not(None))
        .order_by(col(Message.created_at).desc())
    ).first()
    if latest_outbound is not None:
        contact = session.get(Contact, latest_outbound)
        if contact is not None:
            return contact
    return session.exec(select(Contact).where(Contact.address == address).order_by(col(Contact.id))).first()


def _apply_keyword(session: Session, keyword: str | None, address: str, at: datetime) -> str | None:
    if keyword is None:
        return None
    by = f"keyword:{keyword}"
    if keyword in OPT_OUT_KEYWORDS:
        record_opt_out(session, address, at=at, by=by, keyword=keyword, reason=f"replied {keyword}")
        return "opt_out"
    if keyword in OPT_IN_KEYWORDS:
        record_opt_in(session, address, at=at, by=by, keyword=keyword, reason=f"replied {keyword}")
        return "opt_in"
    if keyword in HELP_KEYWORDS:
        session.add(AuditEntry(at=at, login=by, action="asked for help", target=address, detail="replied HELP"))
        log.info("Address %s replied HELP", address)
        return "help"
    return None


def _keyword_note(action: str, keyword: str | None) -> str:
    return {
        "opt_out": f"{keyword}: opted out; nothing more is sent to this number until it replies START",
        "opt_in": f"{keyword}: opted back in",
        "help": "HELP: the recipient asked for help; call them back",
    }[action]
