"""Check and parse the fields of client, contact and event forms and import rows.

Every error is a ``RecordError`` whose text names the field, the value and the fix, so
the form, the command line and the import report show the same sentence.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

MAX_NAME_LENGTH = 100
MAX_CLIENT_ID_LENGTH = 64
MAX_LABEL_LENGTH = 40
MAX_NOTES_LENGTH = 4000
LINE_TYPES = ("mobile", "landline", "unknown")
EVENT_TYPES = ("hearing", "trial", "arraignment", "sentencing", "appointment", "other")

_DATE_FORMATS = ("%Y-%m-%d", "%m/%d/%Y")
_TIME_FORMATS = ("%H:%M", "%I:%M %p", "%I:%M%p", "%I %p", "%I%p")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


class RecordError(ValueError):
    """A field of a client, contact or event that cannot be stored as written."""


def required_text(field: str, value: str, max_length: int) -> str:
    text = optional_text(field, value, max_length)
    if not text:
        raise RecordError(f"{field} is missing: type the {field.lower()}.")
    return text


def optional_text(field: str, value: str, max_length: int) -> str:
    text = (value or "").strip()
    if len(text) > max_length:
        raise RecordError(f"{field} has {len(text)} characters; shorten it to {max_length} or fewer.")
    return text


def single_line(field: str, value: str, max_length: int, *, required: bool = False) -> str:
    """Return a one-line field, rejecting line breaks and other control characters."""
    text = required_text(field, value, max_length) if required else optional_text(field, value, max_length)
    found = _CONTROL.search(text) or re.search(r"[\n\r]", text)
    if found:
        raise RecordError(f"{field} {text!r} contains the control character U+{ord(found.group(0)):04X}: remove it.")
    return text


def parse_date(field: str, value: str) -> date | None:
    """Parse YYYY-MM-DD or MM/DD/YYYY; an empty value is None."""
    text = (value or "").strip()
    if not text:
        return None
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise RecordError(f"{field} {text!r} is not a date: write it as YYYY-MM-DD, for example 2026-12-14.")


def parse_time(field: str, value: str) -> time:
    text = " ".join((value or "").strip().upper().split())
    for pattern in _TIME_FORMATS:
        try:
            return datetime.strptime(text, pattern).time()
        except ValueError:
            continue
    raise RecordError(f"{field} {value.strip()!r} is not a time: write it as HH:MM (24-hour) or 9:30 AM.")


def parse_moment(date_text: str, time_text: str, zone: ZoneInfo) -> datetime:
    """Combine a date and a time typed in the agency's zone into an aware datetime."""
    day = parse_date("Event date", date_text)
    if day is None:
        raise RecordError("Event date is missing: write it as YYYY-MM-DD, for example 2026-12-14.")
    if not (time_text or "").strip():
        raise RecordError("Event time is missing: write it as HH:MM (24-hour) or 9:30 AM.")
    return datetime.combine(day, parse_time("Event time", time_text), tzinfo=zone)


def choice(field: str, value: str, choices: tuple[str, ...], default: str) -> str:
    text = (value or "").strip().lower()
    if not text:
        return default
    if text not in choices:
        raise RecordError(f"{field} {value.strip()!r} is not one of: {', '.join(choices)}.")
    return text
