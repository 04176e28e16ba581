"""Plain values that services return to screens and the command line."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime


@dataclass(frozen=True)
class Actor:
    """The person acting: an operating-system login and the role it has here, if any."""

    login: str
    role: str | None


@dataclass(frozen=True)
class AgencyInfo:
    """The agency settings that sending and display need."""

    name: str
    phone: str | None
    email: str | None
    time_zone: str
    default_region: str
    review_delay_seconds: int
    late_limit_seconds: int
    email_sender: str | None


@dataclass(frozen=True)
class MessageRecord:
    """One message row as screens and the command line show it."""

    id: int
    direction: str
    channel: str
    recipient: str
    subject: str
    body: str
    status: str
    send_at: datetime
    created_at: datetime
    created_by: str
    sent_at: datetime | None
    carrier_id: str | None
    carrier_status: str | None
    error_code: str | None
    error_reason: str | None
    attempts: int
    cancelled_by: str | None
    updated_at: datetime | None = None  # the last status change

    def to_json(self) -> dict:
        """Return a dict of JSON-ready values, times in ISO 8601 UTC."""
        values = asdict(self)
        for key, value in values.items():
            if isinstance(value, datetime):
                values[key] = value.isoformat()
        return values
