"""Messages that wait for a clerk: held past the late limit, or with an unknown outcome.

A held message was due while no dispatcher ran and is now later than the agency's late
limit, so a clerk decides: send it now or cancel it. An unknown message may or may not
have reached the carrier; a clerk who checked that it did not can send it again. Both
actions are conditional updates, so a message another clerk acted on first is left alone.
"""

from __future__ import annotations

import logging

from sqlalchemy import update
from sqlmodel import col

from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import AuditEntry, Message
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.records import Actor, MessageRecord
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)

RELEASABLE_STATUSES = ("held", "unknown")


class ReleaseRefused(Exception):
    """A held or unknown message that cannot be sent now; the message gives the reason."""


def send_now(store: Store, actor: Actor, message_id: int) -> MessageRecord:
    """Put a held or unknown message back to scheduled, due at once.

    For an unknown message the clerk must have checked with the carrier that it did not
    arrive, because this sends it again.

    Raises:
        ReleaseRefused: the message is missing or not held or unknown (any more).
        PermissionDenied: the actor may not create messages, or the message is someone
            else's and the actor may not act on others' messages.
    """
    from ecd_tui.domain.messages import to_record

    with store.write() as session:
        message = session.get(Message, message_id)
        if message is None:
            raise ReleaseRefused(f"Message {message_id} was not found; refresh the list.")
        require(actor, Permission.CREATE_MESSAGES, f"send message {message_id}")
        if message.created_by != actor.login:
            require(actor, Permission.CANCEL_OTHERS_MESSAGES, f"send message {message_id} created by {message.created_by}")
        previous = message.status
        now = utcnow()
        changed = session.execute(
            update(Message)
            .where(col(Message.id) == message_id, col(Message.status).in_(RELEASABLE_STATUSES))
            .values(status="scheduled", send_at=now, claimed_by=None, error_reason=f"sent again by {actor.login} after it was {previous}", updated_at=now)
        ).rowcount
        if changed != 1:
            raise ReleaseRefused(f"Message {message_id} cannot be sent now: it is {message.status}, not held or unknown.")
        session.add(AuditEntry(at=now, login=actor.login, action="message sent now", target=f"message {message_id} to {message.recipient}", detail=f"was {previous}"))
        session.refresh(message)
        record = to_record(message)
    log.info("Message %s released by %s (was %s)", message_id, actor.login, previous)
    return record
