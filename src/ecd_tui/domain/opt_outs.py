"""Opt-outs and opt-ins of a phone number or email address, from any source.

A change applies to every contact with the address and to typed-in sends to it, because
``messages.is_opted_out`` reads both the contacts and the history kept here. Each change
is recorded as an ``OptOutEvent`` with its keyword (for a reply) and time, and audited.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlmodel import Session, select

from ecd_tui.domain.models import AuditEntry, Contact, OptOutEvent

log = logging.getLogger(__name__)

# Reply keywords, matched on the whole reply in any case with surrounding spaces ignored.
# They are the opt-out and opt-in keywords US carriers and Twilio act on.
OPT_OUT_KEYWORDS = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"})
OPT_IN_KEYWORDS = frozenset({"START", "UNSTOP", "YES"})
HELP_KEYWORDS = frozenset({"HELP"})


def reply_keyword(body: str) -> str | None:
    """Return the keyword a reply consists of (upper case), or None for an ordinary reply."""
    word = body.strip().upper()
    if word in OPT_OUT_KEYWORDS or word in OPT_IN_KEYWORDS or word in HELP_KEYWORDS:
        return word
    return None


def record_opt_out(session: Session, address: str, *, at: datetime, by: str, reason: str, keyword: str | None = None) -> list[int]:
    """Opt ``address`` out on every contact that has it and for typed-in sends.

    Args:
        by: who or what made the change: a login, "keyword:STOP" for a reply, or
            "carrier:21610" for a carrier refusal.

    Returns:
        The ids of the contacts that were opted in until now.
    """
    contacts = session.exec(select(Contact).where(Contact.address == address)).all()
    changed = []
    for contact in contacts:
        if not contact.opted_out:
            changed.append(contact.id)
        contact.opted_out = True
        contact.opted_out_at = at
        contact.opted_out_reason = reason
        contact.opted_out_by = by
    session.add(OptOutEvent(address=address, contact_id=contacts[0].id if len(contacts) == 1 else None, action="opt_out", keyword=keyword, reason=reason, by_login=by, at=at))
    session.add(AuditEntry(at=at, login=by, action="opted out", target=address, detail=f"{reason}; {len(contacts)} contact(s)"))
    log.info("Address %s opted out by %s (%s); contacts %s", address, by, reason, [contact.id for contact in contacts])
    return changed


def record_opt_in(session: Session, address: str, *, at: datetime, by: str, reason: str, keyword: str | None = None) -> list[int]:
    """Opt ``address`` back in on every contact that has it and for typed-in sends.

    Returns:
        The ids of the contacts that were opted out until now.
    """
    contacts = session.exec(select(Contact).where(Contact.address == address)).all()
    changed = []
    for contact in contacts:
        if contact.opted_out:
            changed.append(contact.id)
        contact.opted_out = False
        contact.opted_out_at = None
        contact.opted_out_reason = None
        contact.opted_out_by = None
    session.add(OptOutEvent(address=address, contact_id=contacts[0].id if len(contacts) == 1 else None, action="opt_in", keyword=keyword, reason=reason, by_login=by, at=at))
    session.add(AuditEntry(at=at, login=by, action="opted in", target=address, detail=f"{reason}; {len(contacts)} contact(s)"))
    log.info("Address %s opted back in by %s (%s); contacts %s", address, by, reason, [contact.id for contact in contacts])
    return changed
