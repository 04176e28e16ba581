"""The messages of one client or one contact, for the profile and contact screens."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select

from ecd_tui.domain.messages import PENDING_STATUSES, to_record
from ecd_tui.domain.models import Message
from ecd_tui.domain.records import MessageRecord
from ecd_tui.domain.store import Store


def messages_for(
    store: Store, *, client_pk: int | None = None, contact_id: int | None = None, pending: bool, limit: int = 200,
) -> list[MessageRecord]:
    """Return a client's or a contact's scheduled messages (soonest first) or the rest (newest first)."""
    statement = select(Message)
    if contact_id is not None:
        statement = statement.where(Message.contact_id == contact_id)
    elif client_pk is not None:
        statement = statement.where(Message.client_pk == client_pk)
    else:
        raise ValueError("messages_for needs a client_pk or a contact_id")
    if pending:
        statement = statement.where(col(Message.status).in_(PENDING_STATUSES)).order_by(col(Message.send_at), col(Message.id))
    else:
        moment = func.coalesce(Message.sent_at, Message.updated_at, Message.created_at)
        statement = statement.where(col(Message.status).not_in(PENDING_STATUSES)).order_by(moment.desc(), col(Message.id).desc())
    with store.read() as session:
        return [to_record(message) for message in session.exec(statement.limit(limit))]
