"""Fan-out: turn the recipients a clerk picked into one delivery per reachable address.

A client expands to each of its valid, opted-in contacts, so two phones and an email give
three deliveries. A contact, or a typed-in number or address, gives one delivery. A phone
gets a text, or a voice call when it is a landline or the clerk picked voice; an email
address gets an email. Every recipient that gets nothing is listed with the reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from ecd_tui.domain import merge_tags
from ecd_tui.domain.clients import client_name, next_event
from ecd_tui.domain.clock import format_local
from ecd_tui.domain.messages import SkippedRecipient, is_opted_out
from ecd_tui.domain.models import Client, Contact
from ecd_tui.domain.recipients import Recipient


@dataclass(frozen=True)
class SendTarget:
    """One entry of a recipient list: a whole client, one contact, or a typed-in address."""

    kind: Literal["client", "contact", "typed"]
    client_pk: int | None = None
    contact_id: int | None = None
    recipient: Recipient | None = None

    @classmethod
    def for_client(cls, client_pk: int) -> SendTarget:
        return cls(kind="client", client_pk=client_pk)

    @classmethod
    def for_contact(cls, contact_id: int) -> SendTarget:
        return cls(kind="contact", contact_id=contact_id)

    @classmethod
    def typed(cls, recipient: Recipient) -> SendTarget:
        return cls(kind="typed", recipient=recipient)


@dataclass(frozen=True)
class Delivery:
    """One message to be: where it goes, on which channel, and the values its tags take."""

    name: str  # "Dana Whitfield (cell)" or the typed address
    address: str
    kind: str  # "phone" or "email"
    channel: str  # "sms", "voice" or "email"
    client_pk: int | None
    contact_id: int | None
    typed_in: bool
    values: dict[str, str | None] = field(default_factory=dict)


def expand(
    session: Session,
    targets: Sequence[SendTarget],
    *,
    voice: bool,
    now: datetime,
    zone: ZoneInfo,
) -> tuple[list[Delivery], list[SkippedRecipient]]:
    """Return the deliveries for ``targets`` and the recipients skipped, with reasons.

    ``voice`` makes every phone a voice call. ``values`` of a delivery hold the client and
    event tags; agency tags are added by the caller.
    """
    deliveries: list[Delivery] = []
    skipped: list[SkippedRecipient] = []
    seen: set[str] = set()

    def add(delivery: Delivery) -> None:
        if delivery.address in seen:
            skipped.append(SkippedRecipient(delivery.address, "listed twice: gets one message", name=delivery.name))
            return
        seen.add(delivery.address)
        deliveries.append(delivery)

    for target in targets:
        if target.kind == "typed":
            _expand_typed(session, target.recipient, voice, add, skipped)
            continue
        contacts, client = _target_contacts(session, target)
        if client is None:
            skipped.append(SkippedRecipient("", "not found: it was removed; search again", name=f"{target.kind} {target.client_pk or target.contact_id}"))
            continue
        if not contacts:
            skipped.append(SkippedRecipient("", "has no contacts: add a phone number or email address", name=client_name(client)))
            continue
        values = _client_tag_values(session, client, now, zone)
        for contact in contacts:
            name = _contact_name(client, contact)
            reason = unreachable_reason(session, contact, zone)
            if reason:
                skipped.append(SkippedRecipient(contact.address, reason, name=name))
                continue
            add(Delivery(
                name=name, address=contact.address, kind=contact.channel,
                channel=channel_for(contact.channel, contact.line_type, voice),
                client_pk=client.id, contact_id=contact.id, typed_in=False, values=values,
            ))
    return deliveries, skipped


def channel_for(kind: str, line_type: str, voice: bool) -> str:
    """Return the channel of a message to a phone or email address."""
    if kind == "email":
        return "email"
    return "voice" if voice or line_type == "landline" else "sms"


def unreachable_reason(session: Session, contact: Contact, zone: ZoneInfo) -> str | None:
    """Return why a contact gets no message (invalid, opted out), or None when it is reachable."""
    if not contact.valid:
        return "invalid: this number or address was marked as not working"
    if contact.opted_out:
        by = contact.opted_out_by or "unknown"
        by = f"reply {by.removeprefix('keyword:')}" if by.startswith("keyword:") else by
        when = format_local(contact.opted_out_at, zone) if contact.opted_out_at else "at an unknown time"
        return f"opted out {when} by {by}"
    if is_opted_out(session, contact.address):
        return "opted out: this address opted out on another record"
    return None


def _expand_typed(session: Session, recipient: Recipient | None, voice: bool, add, skipped: list[SkippedRecipient]) -> None:
    if recipient is None:
        return
    if is_opted_out(session, recipient.address):
        skipped.append(SkippedRecipient(recipient.address, "opted out", name=recipient.address))
        return
    add(Delivery(
        name=recipient.address, address=recipient.address, kind=recipient.kind,
        channel=channel_for(recipient.kind, "unknown", voice),
        client_pk=None, contact_id=None, typed_in=True,
        values=dict.fromkeys(tag.name for tag in merge_tags.TAGS if tag.group != "agency"),
    ))


def _target_contacts(session: Session, target: SendTarget) -> tuple[list[Contact], Client | None]:
    if target.kind == "contact":
        contact = session.get(Contact, target.contact_id)
        if contact is None:
            return [], None
        return [contact], session.get(Client, contact.client_pk)
    client = session.get(Client, target.client_pk)
    if client is None:
        return [], None
    statement = select(Contact).where(Contact.client_pk == client.id).order_by(col(Contact.channel).desc(), col(Contact.id))
    return list(session.exec(statement)), client


def _client_tag_values(session: Session, client: Client, now: datetime, zone: ZoneInfo) -> dict[str, str | None]:
    values = merge_tags.client_values(client.first_name, client.middle_name, client.last_name, client.client_id)
    event = next_event(session, client.id, now)
    if event is None:
        values.update(merge_tags.event_values(None, "", "", zone))
    else:
        values.update(merge_tags.event_values(event.starts_at, event.location, event.case_number, zone))
    return values


def _contact_name(client: Client, contact: Contact) -> str:
    label = f", {contact.label}" if contact.label else ""
    return f"{client_name(client)} ({contact.address}{label})"
