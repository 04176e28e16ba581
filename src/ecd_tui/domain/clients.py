"""Clients, their contacts and events: create, edit, find, opt out and back in.

Creating or changing any of these needs the Create Contacts permission; reading needs
none. Every function blocks on SQLite.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime

import phonenumbers
from sqlalchemy import and_, exists, or_
from sqlmodel import Session, col, select

from ecd_tui.domain import record_fields as fields
from ecd_tui.domain.client_records import (
    ClientDraft,
    ClientMatch,
    ClientRecord,
    ContactRecord,
    EventDraft,
    EventRecord,
    OptOutRecord,
)
from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import agency_zone, utcnow
from ecd_tui.domain.models import AuditEntry, Client, Contact, Event, OptOutEvent
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.record_fields import RecordError
from ecd_tui.domain.recipients import Recipient, parse_recipient
from ecd_tui.domain.records import Actor
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)

SEARCH_LIMIT = 50
_PHONE_QUERY = re.compile(r"^[\d\s().+\-]+$")


class NotFound(LookupError):
    """A client, contact or event id that is not in the database."""


# Reading


def search_clients(store: Store, query: str, limit: int = SEARCH_LIMIT) -> list[ClientMatch]:
    """Find clients by name, client id, case number, phone (any typed form) or email.

    A query of phone characters only (digits, spaces, + ( ) . -) with three digits or more
    matches the digits anywhere in a phone number. Otherwise each word must match one of
    name, client id, case number or contact address, ignoring case.
    """
    text = query.strip()
    if not text:
        return []
    statement = select(Client).where(_search_condition(text)).order_by(
        col(Client.last_name), col(Client.first_name), col(Client.id)
    ).limit(limit)
    now = utcnow()
    with store.read() as session:
        clients = list(session.exec(statement))
        contacts = _contacts_by_client(session, [client.id for client in clients])
        matches = []
        for client in clients:
            client_contacts = contacts.get(client.id, [])
            event = _next_event(session, client.id, now)
            matches.append(ClientMatch(
                client=to_client_record(client),
                matched=_describe_match(session, client, client_contacts, text),
                contacts=[to_contact_record(contact) for contact in client_contacts],
                next_event=to_event_record(event) if event else None,
            ))
    return matches


def get_client(store: Store, client_pk: int) -> ClientRecord:
    with store.read() as session:
        return to_client_record(_client(session, client_pk))


def find_client_by_client_id(store: Store, client_id: str) -> ClientRecord | None:
    with store.read() as session:
        client = session.exec(select(Client).where(Client.client_id == client_id.strip())).first()
        return to_client_record(client) if client else None


def list_contacts(store: Store, client_pk: int) -> list[ContactRecord]:
    with store.read() as session:
        _client(session, client_pk)
        return [to_contact_record(contact) for contact in _contacts_by_client(session, [client_pk]).get(client_pk, [])]


def get_contact(store: Store, contact_id: int) -> ContactRecord:
    with store.read() as session:
        return to_contact_record(_contact(session, contact_id))


def list_events(store: Store, client_pk: int) -> list[EventRecord]:
    """Return the client's events, soonest first."""
    with store.read() as session:
        _client(session, client_pk)
        statement = select(Event).where(Event.client_pk == client_pk).order_by(col(Event.starts_at), col(Event.id))
        return [to_event_record(event) for event in session.exec(statement)]


def opt_out_history(store: Store, contact_id: int) -> list[OptOutRecord]:
    """Return the opt-outs and opt-ins of the contact's address, newest first."""
    with store.read() as session:
        contact = _contact(session, contact_id)
        statement = (
            select(OptOutEvent)
            .where(or_(OptOutEvent.contact_id == contact_id, OptOutEvent.address == contact.address))
            .order_by(col(OptOutEvent.at).desc(), col(OptOutEvent.id).desc())
        )
        return [
            OptOutRecord(at=row.at, action=row.action, keyword=row.keyword, reason=row.reason, by_login=row.by_login)
            for row in session.exec(statement)
        ]


# Clients


def create_client(store: Store, actor: Actor, draft: ClientDraft) -> ClientRecord:
    """Add a client; the client id must not be in use.

    Raises:
        PermissionDenied: without Create Contacts.
        RecordError: a missing or malformed field, or a client id already in use.
    """
    require(actor, Permission.CREATE_CONTACTS, "add a client")
    values = _client_values(draft)
    with store.write() as session:
        _check_client_id_free(session, values["client_id"], None)
        client = Client(**values, created_at=utcnow())
        session.add(client)
        session.flush()
        session.add(_audit(actor, "client added", f"client {client.client_id}", client_name(client)))
        record = to_client_record(client)
    log.info("Client %s (%s) added by %s", record.id, record.client_id, actor.login)
    return record


def update_client(store: Store, actor: Actor, client_pk: int, draft: ClientDraft) -> ClientRecord:
    """Change a client's details; a new client id must not be in use by another client."""
    require(actor, Permission.CREATE_CONTACTS, "edit a client")
    values = _client_values(draft)
    with store.write() as session:
        client = _client(session, client_pk)
        _check_client_id_free(session, values["client_id"], client_pk)
        for name, value in values.items():
            setattr(client, name, value)
        client.updated_at = utcnow()
        session.add(_audit(actor, "client edited", f"client {client.client_id}", client_name(client)))
        session.flush()
        record = to_client_record(client)
    log.info("Client %s edited by %s", client_pk, actor.login)
    return record


# Contacts


def add_contact(
    store: Store, actor: Actor, client_pk: int, typed: str, label: str = "", line_type: str = "", region: str | None = None,
) -> ContactRecord:
    """Add a phone number or email address to a client.

    An empty ``line_type`` takes the number's type from phonenumbers where the numbering plan defines it.

    Raises:
        PermissionDenied: without Create Contacts.
        InvalidRecipient: text that is not a valid phone number or email address.
        RecordError: a bad label or line type, or an address the client has already.
    """
    require(actor, Permission.CREATE_CONTACTS, "add a contact")
    with store.write() as session:
        client = _client(session, client_pk)
        region = region or load_settings_row(session).default_region
        recipient = parse_recipient(typed, region)
        contact = new_contact(session, client, recipient, label, line_type, typed)
        session.add(_audit(actor, "contact added", f"client {client.client_id}", f"{contact.channel} {contact.address} ({contact.label})"))
        record = to_contact_record(contact)
    log.info("Contact %s (%s) added to client %s by %s", record.id, record.channel, client_pk, actor.login)
    return record


def new_contact(session: Session, client: Client, recipient: Recipient, label: str, line_type: str, typed: str) -> Contact:
    """Insert a contact for ``client`` after the duplicate check; used by the form and the import."""
    clean_label = fields.single_line("Label", label, fields.MAX_LABEL_LENGTH)
    if recipient.kind == "phone":
        kind = fields.choice("Line type", line_type, fields.LINE_TYPES, guess_line_type(recipient.address))
    else:
        kind = "unknown"  # line type applies to phones only
    duplicate = session.exec(
        select(Contact).where(Contact.client_pk == client.id, Contact.address == recipient.address)
    ).first()
    if duplicate is not None:
        shown = f" ({duplicate.label})" if duplicate.label else ""
        raise RecordError(f"{typed.strip()} is already a contact of {client_name(client)}: {duplicate.address}{shown}.")
    contact = Contact(
        client_pk=client.id,
        channel=recipient.kind,
        address=recipient.address,
        extension=recipient.extension,
        label=clean_label,
        line_type=kind,
        created_at=utcnow(),
    )
    session.add(contact)
    session.flush()
    return contact


def update_contact(store: Store, actor: Actor, contact_id: int, *, label: str, line_type: str, valid: bool) -> ContactRecord:
    """Change a contact's label, line type, or mark it invalid (a number that no longer works)."""
    require(actor, Permission.CREATE_CONTACTS, "edit a contact")
    with store.write() as session:
        contact = _contact(session, contact_id)
        contact.label = fields.single_line("Label", label, fields.MAX_LABEL_LENGTH)
        if contact.channel == "phone":
            contact.line_type = fields.choice("Line type", line_type, fields.LINE_TYPES, contact.line_type)
        contact.valid = valid
        session.add(_audit(actor, "contact edited", f"contact {contact.id} {contact.address}", f"label {contact.label!r}, {contact.line_type}, {'valid' if valid else 'invalid'}"))
        session.flush()
        record = to_contact_record(contact)
    log.info("Contact %s edited by %s", contact_id, actor.login)
    return record


def set_opted_out(store: Store, actor: Actor, contact_id: int, opted_out: bool, reason: str) -> ContactRecord:
    """Opt a contact out, or back in, by hand; the reason is required and kept in the history.

    Raises:
        PermissionDenied: without Create Contacts.
        RecordError: no reason, or the contact is already in that state.
    """
    action = "opt out" if opted_out else "opt in"
    require(actor, Permission.CREATE_CONTACTS, f"{action} a contact")
    why = fields.single_line("Reason", reason, 200, required=True)
    with store.write() as session:
        contact = _contact(session, contact_id)
        if contact.opted_out == opted_out:
            state = "opted out" if opted_out else "opted in"
            raise RecordError(f"{contact.address} is already {state}; nothing changed.")
        record_opt_change(session, contact, opted_out, reason=why, by_login=actor.login, keyword=None)
        session.add(_audit(actor, f"contact {action.replace(' ', '-')}", f"contact {contact.id} {contact.address}", why))
        session.flush()
        record = to_contact_record(contact)
    log.info("Contact %s %s by %s", contact_id, "opted out" if opted_out else "opted back in", actor.login)
    return record


def record_opt_change(session: Session, contact: Contact, opted_out: bool, *, reason: str, by_login: str | None, keyword: str | None) -> None:
    """Set the contact's opt-out state and add the change to the address's history."""
    now = utcnow()
    contact.opted_out = opted_out
    contact.opted_out_at = now if opted_out else None
    contact.opted_out_reason = reason if opted_out else None
    if not opted_out:
        contact.opted_out_by = None
    elif keyword:
        contact.opted_out_by = f"keyword:{keyword}"
    else:
        contact.opted_out_by = by_login
    session.add(OptOutEvent(
        address=contact.address, contact_id=contact.id, action="opt_out" if opted_out else "opt_in",
        keyword=keyword, reason=reason, by_login=by_login, at=now,
    ))


# Events


def create_event(store: Store, actor: Actor, client_pk: int, draft: EventDraft) -> EventRecord:
    require(actor, Permission.CREATE_CONTACTS, "add an event")
    with store.write() as session:
        client = _client(session, client_pk)
        event = Event(client_pk=client_pk, **event_values(session, draft))
        session.add(event)
        session.flush()
        session.add(_audit(actor, "event added", f"client {client.client_id}", f"{event.event_type} {event.starts_at.isoformat()}"))
        record = to_event_record(event)
    log.info("Event %s added to client %s by %s", record.id, client_pk, actor.login)
    return record


def update_event(store: Store, actor: Actor, event_id: int, draft: EventDraft) -> EventRecord:
    require(actor, Permission.CREATE_CONTACTS, "edit an event")
    with store.write() as session:
        event = session.get(Event, event_id)
        if event is None:
            raise NotFound(f"Event {event_id} was not found; refresh the profile.")
        for name, value in event_values(session, draft).items():
            setattr(event, name, value)
        session.add(_audit(actor, "event edited", f"event {event.id}", f"{event.event_type} {event.starts_at.isoformat()}"))
        session.flush()
        record = to_event_record(event)
    log.info("Event %s edited by %s", event_id, actor.login)
    return record


def event_values(session: Session, draft: EventDraft) -> dict:
    zone = agency_zone(load_settings_row(session).time_zone)
    return {
        "starts_at": fields.parse_moment(draft.date, draft.time, zone),
        "location": fields.single_line("Location", draft.location, 200),
        "case_number": fields.single_line("Case number", draft.case_number, 64),
        "event_type": fields.choice("Event type", draft.event_type, fields.EVENT_TYPES, "hearing"),
        "notes": fields.optional_text("Notes", draft.notes, fields.MAX_NOTES_LENGTH),
    }


def next_event(session: Session, client_pk: int, now: datetime) -> Event | None:
    """Return the client's first event that has not started yet."""
    return _next_event(session, client_pk, now)


# Conversions


def to_client_record(client: Client) -> ClientRecord:
    return ClientRecord(
        id=client.id, client_id=client.client_id, first_name=client.first_name, middle_name=client.middle_name,
        last_name=client.last_name, date_of_birth=client.date_of_birth, preferred_language=client.preferred_language,
        notes=client.notes, created_at=client.created_at, updated_at=client.updated_at,
    )


def to_contact_record(contact: Contact) -> ContactRecord:
    return ContactRecord(
        id=contact.id, client_pk=contact.client_pk, channel=contact.channel, address=contact.address,
        extension=contact.extension, label=contact.label, line_type=contact.line_type, valid=contact.valid,
        opted_out=contact.opted_out, opted_out_at=contact.opted_out_at, opted_out_reason=contact.opted_out_reason,
        opted_out_by=contact.opted_out_by, created_at=contact.created_at,
    )


def to_event_record(event: Event) -> EventRecord:
    return EventRecord(
        id=event.id, client_pk=event.client_pk, starts_at=event.starts_at, location=event.location,
        case_number=event.case_number, event_type=event.event_type, notes=event.notes,
    )


def client_name(client: Client) -> str:
    return " ".join(part for part in (client.first_name, client.middle_name, client.last_name) if part.strip())


def guess_line_type(e164: str) -> str:
    """Return "mobile" or "landline" where the numbering plan defines the type, else "unknown"."""
    number_type = phonenumbers.number_type(phonenumbers.parse(e164))
    if number_type == phonenumbers.PhoneNumberType.MOBILE:
        return "mobile"
    if number_type == phonenumbers.PhoneNumberType.FIXED_LINE:
        return "landline"
    return "unknown"  # US and Canadian numbers are FIXED_LINE_OR_MOBILE


def client_draft_values(draft: ClientDraft) -> dict:
    return _client_values(draft)


# Helpers


def _client_values(draft: ClientDraft) -> dict:
    return {
        "client_id": fields.single_line("Client id", draft.client_id, fields.MAX_CLIENT_ID_LENGTH, required=True),
        "first_name": fields.single_line("First name", draft.first_name, fields.MAX_NAME_LENGTH, required=True),
        "middle_name": fields.single_line("Middle name", draft.middle_name, fields.MAX_NAME_LENGTH),
        "last_name": fields.single_line("Last name", draft.last_name, fields.MAX_NAME_LENGTH, required=True),
        "date_of_birth": fields.parse_date("Date of birth", draft.date_of_birth),
        "preferred_language": fields.single_line("Preferred language", draft.preferred_language, 20) or "en",
        "notes": fields.optional_text("Notes", draft.notes, fields.MAX_NOTES_LENGTH),
    }


def _check_client_id_free(session: Session, client_id: str, own_pk: int | None) -> None:
    other = session.exec(select(Client).where(Client.client_id == client_id)).first()
    if other is not None and other.id != own_pk:
        raise RecordError(f"Client id {client_id} is already used by {client_name(other)}: search for that client instead.")


def _client(session: Session, client_pk: int) -> Client:
    client = session.get(Client, client_pk)
    if client is None:
        raise NotFound(f"Client {client_pk} was not found; search again.")
    return client


def _contact(session: Session, contact_id: int) -> Contact:
    contact = session.get(Contact, contact_id)
    if contact is None:
        raise NotFound(f"Contact {contact_id} was not found; refresh the profile.")
    return contact


def _contacts_by_client(session: Session, client_pks: Iterable[int]) -> dict[int, list[Contact]]:
    pks = list(client_pks)
    if not pks:
        return {}
    statement = select(Contact).where(col(Contact.client_pk).in_(pks)).order_by(
        col(Contact.channel).desc(), col(Contact.id)
    )
    grouped: dict[int, list[Contact]] = {}
    for contact in session.exec(statement):
        grouped.setdefault(contact.client_pk, []).append(contact)
    return grouped


def _next_event(session: Session, client_pk: int, now: datetime) -> Event | None:
    statement = (
        select(Event)
        .where(Event.client_pk == client_pk, col(Event.starts_at) >= now)
        .order_by(col(Event.starts_at), col(Event.id))
    )
    return session.exec(statement).first()


def _search_condition(text: str):
    digits = re.sub(r"\D", "", text)
    if _PHONE_QUERY.match(text) and len(digits) >= 3:
        return exists().where(
            Contact.client_pk == Client.id, Contact.channel == "phone", col(Contact.address).like(f"%{digits}%")
        )
    return _all_words_condition(text.split())


def _all_words_condition(words: list[str]):
    conditions = []
    for word in words:
        pattern = f"%{_escape_like(word)}%"
        conditions.append(or_(
            col(Client.first_name).like(pattern, escape="\\"),
            col(Client.middle_name).like(pattern, escape="\\"),
            col(Client.last_name).like(pattern, escape="\\"),
            col(Client.client_id).like(pattern, escape="\\"),
            exists().where(Event.client_pk == Client.id, col(Event.case_number).like(pattern, escape="\\")),
            exists().where(Contact.client_pk == Client.id, col(Contact.address).like(pattern, escape="\\")),
        ))
    return and_(*conditions)


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _describe_match(session: Session, client: Client, contacts: list[Contact], text: str) -> str:
    """Name the field that matched, so a clerk sees why a result is listed."""
    lowered = text.lower()
    digits = re.sub(r"\D", "", text)
    if _PHONE_QUERY.match(text) and len(digits) >= 3:
        for contact in contacts:
            if contact.channel == "phone" and digits in contact.address:
                return f"phone {contact.address}"
    if lowered in client.client_id.lower():
        return f"client id {client.client_id}"
    for contact in contacts:
        if contact.channel == "email" and lowered in contact.address.lower():
            return f"email {contact.address}"
    cases = session.exec(select(Event.case_number).where(Event.client_pk == client.id)).all()
    for case_number in cases:
        if case_number and lowered in case_number.lower():
            return f"case {case_number}"
    return "name"


def _audit(actor: Actor, action: str, target: str, detail: str) -> AuditEntry:
    return AuditEntry(at=utcnow(), login=actor.login, action=action, target=target, detail=detail)

