"""SQLModel tables: the whole schema of an agency's database.

Times are aware UTC datetimes: SQLModel's datetime type refuses naive values, stores UTC
and returns aware UTC. ``domain.clock`` converts to the agency's zone for display.
Screens never see these classes: services return the plain records of ``domain.records``.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel


class AgencySettings(SQLModel, table=True):
    """The agency's shared settings; a single row with id 1."""

    __tablename__ = "agency_settings"

    id: int = Field(default=1, primary_key=True)
    name: str = "Agency"
    phone: str | None = None
    email: str | None = None
    time_zone: str = "UTC"
    default_region: str = "US"
    review_delay_seconds: int = 300
    late_limit_seconds: int = 3600
    quiet_hours_start: str | None = None  # "HH:MM" in the agency's time zone
    quiet_hours_end: str | None = None
    quiet_on_weekends: bool = False
    email_sender: str | None = None
    media_url_base: str | None = None
    sms_per_second: float = 1.0
    smtp_concurrency: int = 2
    retry_expiry_seconds: int = 4 * 3600
    unknown_login_access: str = "read_only"  # "read_only" or "none"
    updated_at: datetime | None = None
    updated_by: str | None = None
    # "sandbox" or "live": one choice for every process on this database, so a clerk
    # whose session cannot read the carrier secrets never sends to the sandbox instead.
    delivery_mode: str = "sandbox"
    live_since: datetime | None = None
    live_by: str | None = None


class AgencyPhone(SQLModel, table=True):
    """A number the agency sends texts and calls from."""

    __tablename__ = "agency_phone"

    id: int | None = Field(default=None, primary_key=True)
    e164: str = Field(unique=True)
    label: str = ""
    active: bool = True
    can_sms: bool = True
    can_mms: bool = False
    can_voice: bool = False
    created_at: datetime


class User(SQLModel, table=True):
    """A staff member, keyed by the operating-system login."""

    __tablename__ = "user"

    id: int | None = Field(default=None, primary_key=True)
    login: str = Field(unique=True)
    display_name: str = ""
    role: str  # a name from domain.permissions.ROLES
    active: bool = True
    created_at: datetime
    created_by: str | None = None


class Client(SQLModel, table=True):
    """A person the agency supervises or serves."""

    __tablename__ = "client"

    id: int | None = Field(default=None, primary_key=True)
    client_id: str = Field(unique=True)  # the court case system's id
    first_name: str
    middle_name: str = ""
    last_name: str
    date_of_birth: date | None = None
    preferred_language: str = "en"
    notes: str = ""
    created_at: datetime
    updated_at: datetime | None = None


class Contact(SQLModel, table=True):
    """A phone number or email address of a client."""

    __tablename__ = "contact"
    __table_args__ = (UniqueConstraint("client_pk", "address"),)

    id: int | None = Field(default=None, primary_key=True)
    client_pk: int = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    channel: str  # "phone" or "email"
    address: str = Field(index=True)  # E.164 for phones, the normalized address for email
    extension: str = ""
    label: str = ""
    line_type: str = "unknown"  # "mobile", "landline" or "unknown"
    valid: bool = True
    opted_out: bool = False
    opted_out_at: datetime | None = None
    opted_out_reason: str | None = None
    opted_out_by: str | None = None  # a login, or "keyword:STOP" for a reply
    created_at: datetime


class OptOutEvent(SQLModel, table=True):
    """One opt-out or opt-in of an address, kept as history."""

    __tablename__ = "opt_out_event"

    id: int | None = Field(default=None, primary_key=True)
    address: str = Field(index=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="SET NULL")
    action: str  # "opt_out" or "opt_in"
    keyword: str | None = None
    reason: str = ""
    by_login: str | None = None
    at: datetime


class Event(SQLModel, table=True):
    """A client's court date."""

    __tablename__ = "event"

    id: int | None = Field(default=None, primary_key=True)
    client_pk: int = Field(foreign_key="client.id", index=True, ondelete="CASCADE")
    starts_at: datetime
    location: str = ""
    case_number: str = Field(default="", index=True)
    event_type: str = "hearing"
    notes: str = ""


class Message(SQLModel, table=True):
    """One message to or from one address; the outbox and the feed are this table.

    ``status`` follows the lifecycle: scheduled, sending, sent, delivered, undelivered,
    failed, cancelled, unknown, held for outbound messages; received for inbound ones.
    """

    __tablename__ = "message"
    __table_args__ = (
        Index("ix_message_status_send_at", "status", "send_at"),
        Index("ix_message_created_at", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    direction: str = "outbound"  # "outbound" or "inbound"
    channel: str  # "sms", "mms", "voice" or "email"
    recipient: str  # E.164 or email address; the sender's address for inbound
    client_pk: int | None = Field(default=None, foreign_key="client.id", index=True, ondelete="SET NULL")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True, ondelete="SET NULL")
    batch_id: str | None = Field(default=None, index=True)  # the messages of one Send
    subject: str = ""
    body: str = ""
    status: str = "scheduled"
    send_at: datetime
    expires_at: datetime | None = None
    created_at: datetime
    created_by: str
    sender: str | None = None  # agency number or email sender used
    carrier_id: str | None = Field(default=None, index=True)
    carrier_status: str | None = None
    error_code: str | None = None
    error_reason: str | None = None
    attempts: int = 0
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    cancelled_by: str | None = None
    updated_at: datetime | None = None


class Attachment(SQLModel, table=True):
    """A file sent with a message, copied into the data dir when queued."""

    __tablename__ = "attachment"

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True, ondelete="CASCADE")
    path: str
    filename: str
    content_type: str
    size: int


class AuditEntry(SQLModel, table=True):
    """Who did what and when: messages created and cancelled, opt-outs, settings."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(index=True)
    login: str
    action: str
    target: str = ""
    detail: str = ""


class DispatcherHeartbeat(SQLModel, table=True):
    """One row per running dispatcher, refreshed every few seconds."""

    __tablename__ = "dispatcher_heartbeat"

    id: str = Field(primary_key=True)  # "host:pid:start"
    host: str
    pid: int
    started_at: datetime
    seen_at: datetime
