"""Plain values for clients, contacts, events and opt-out history."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class ClientRecord:
    id: int
    client_id: str  # the court case system's id
    first_name: str
    middle_name: str
    last_name: str
    date_of_birth: date | None
    preferred_language: str
    notes: str
    created_at: datetime
    updated_at: datetime | None

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part.strip())


@dataclass(frozen=True)
class ContactRecord:
    id: int
    client_pk: int
    channel: str  # "phone" or "email"
    address: str  # E.164 or a normalized email address
    extension: str
    label: str
    line_type: str  # "mobile", "landline" or "unknown"
    valid: bool
    opted_out: bool
    opted_out_at: datetime | None
    opted_out_reason: str | None
    opted_out_by: str | None  # a login, or "keyword:STOP" for a reply
    created_at: datetime

    @property
    def reachable(self) -> bool:
        return self.valid and not self.opted_out


@dataclass(frozen=True)
class EventRecord:
    id: int
    client_pk: int
    starts_at: datetime
    location: str
    case_number: str
    event_type: str
    notes: str


@dataclass(frozen=True)
class OptOutRecord:
    """One opt-out or opt-in of an address."""

    at: datetime
    action: str  # "opt_out" or "opt_in"
    keyword: str | None
    reason: str
    by_login: str | None

    @property
    def by(self) -> str:
        if self.keyword:
            return f"reply {self.keyword}"
        return self.by_login or "unknown"


@dataclass(frozen=True)
class ClientMatch:
    """One search result: the client, what matched, its contacts and next event."""

    client: ClientRecord
    matched: str  # e.g. "case 2026-CR-4100" or "phone +12025550142"
    contacts: list[ContactRecord] = field(default_factory=list)
    next_event: EventRecord | None = None


@dataclass(frozen=True)
class ClientDraft:
    """A client as typed into the form or read from an import; the service checks it."""

    client_id: str
    first_name: str
    last_name: str
    middle_name: str = ""
    date_of_birth: str = ""  # YYYY-MM-DD or MM/DD/YYYY; empty when unknown
    preferred_language: str = "en"
    notes: str = ""


@dataclass(frozen=True)
class EventDraft:
    """An event as typed: date and time in the agency's time zone."""

    date: str  # YYYY-MM-DD or MM/DD/YYYY
    time: str  # HH:MM (24-hour) or 9:30 AM
    location: str = ""
    case_number: str = ""
    event_type: str = "hearing"
    notes: str = ""
