"""Agency settings as an administrator edits them: each field parsed, checked and audited.

Every field is typed as text (from the Settings screen or ``ecd-tui settings set``) and
parsed here, so both places give the same error for the same value. Durations are shown
in minutes or hours and stored in seconds.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import AgencySettings, AuditEntry
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.records import Actor
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)

UNKNOWN_LOGIN_ACCESS = ("read_only", "none")
_HH_MM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class SettingsInvalid(ValueError):
    """One or more typed values cannot be used; ``errors`` maps each field to its sentence."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = errors
        super().__init__(" ".join(errors.values()))


@dataclass(frozen=True)
class SettingField:
    """One editable setting: its key, label, help, and how text maps to the stored value."""

    key: str
    label: str
    help: str
    parse: Callable[[str, dict[str, str]], Any]  # typed text and all typed values -> stored value
    show: Callable[[AgencySettings], str]
    column: str


def _name(value: str, _values: dict[str, str]) -> str:
    text = value.strip()
    if not text:
        raise ValueError("The agency name is empty: type the name clients know the agency by.")
    if len(text) > 120:
        raise ValueError(f"The agency name has {len(text)} characters: shorten it to 120 or fewer.")
    if not text.isprintable():
        raise ValueError("The agency name contains control characters: type plain text.")
    return text


def _phone(value: str, values: dict[str, str]) -> str | None:
    text = value.strip()
    if not text:
        return None
    region = (values.get("default_region") or "US").strip().upper()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError(f"Agency phone {text!r} is not a valid phone number in region {region}: type it with its area code, such as (202) 555-0100.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _email(label: str) -> Callable[[str, dict[str, str]], str | None]:
    def parse(value: str, _values: dict[str, str]) -> str | None:
        text = value.strip()
        if not text:
            return None
        try:
            return validate_email(text, check_deliverability=False).normalized
        except EmailNotValidError as error:
            raise ValueError(f"{label} {text!r} is not a valid email address: {error}") from None
    return parse


@functools.cache
def _zone_names() -> frozenset[str]:
    # available_timezones() walks the tzdata files on every call; the Settings screen
    # checks the time zone on each key press.
    return frozenset(available_timezones())


def _time_zone(value: str, _values: dict[str, str]) -> str:
    text = value.strip()
    if text not in _zone_names():
        raise ValueError(f"Time zone {text!r} is not an IANA time zone name: use a name such as America/New_York or America/Chicago.")
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"Time zone {text!r} cannot be loaded on this machine: install the tzdata package.") from None
    return text


def _region(value: str, _values: dict[str, str]) -> str:
    text = value.strip().upper()
    if text not in phonenumbers.SUPPORTED_REGIONS:
        raise ValueError(f"Region {value.strip()!r} is not a two-letter region code that phone numbers use: type one such as US, CA or PR.")
    return text


def _number(label: str, unit: str, *, minimum: float, maximum: float, scale: float, whole: bool = False, above_minimum: bool = False) -> Callable[[str, dict[str, str]], Any]:
    def parse(value: str, _values: dict[str, str]) -> Any:
        text = value.strip()
        try:
            number = int(text) if whole else float(text)
        except ValueError:
            kind = "a whole number" if whole else "a number"
            raise ValueError(f"{label} {text!r} is not {kind} of {unit}.") from None
        too_low = number <= minimum if above_minimum else number < minimum
        if too_low or number > maximum or number != number:
            bound = f"more than {minimum:g}" if above_minimum else f"at least {minimum:g}"
            raise ValueError(f"{label} {text} {unit} is out of range: use {bound} and at most {maximum:g}.")
        scaled = number * scale
        return int(round(scaled)) if scale != 1 or whole else scaled
    return parse


def _hh_mm(label: str) -> Callable[[str, dict[str, str]], str | None]:
    def parse(value: str, values: dict[str, str]) -> str | None:
        text = value.strip()
        start = (values.get("quiet_hours_start") or "").strip()
        end = (values.get("quiet_hours_end") or "").strip()
        if not text:
            if start or end:
                raise ValueError("Quiet hours need both a start and an end, such as 21:00 and 08:00; clear both to turn them off.")
            return None
        if not _HH_MM.match(text):
            raise ValueError(f"{label} {text!r} is not a time: write it as HH:MM on the 24-hour clock, such as 21:00.")
        return text
    return parse


def _yes_no(value: str, _values: dict[str, str]) -> bool:
    text = value.strip().lower()
    if text in ("yes", "y", "true", "on", "1"):
        return True
    if text in ("no", "n", "false", "off", "0", ""):
        return False
    raise ValueError(f"Quiet on weekends {value.strip()!r} is not yes or no: type yes or no.")


def _https_url(value: str, _values: dict[str, str]) -> str | None:
    text = value.strip()
    if not text:
        return None
    parts = urlsplit(text)
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"Media URL base {text!r} is not an https:// address: the carrier fetches MMS files from it, so use one such as https://files.example.gov/mms/.")
    return text if text.endswith("/") else text + "/"


def _access(value: str, _values: dict[str, str]) -> str:
    text = value.strip().lower().replace("-", "_").replace(" ", "_")
    if text not in UNKNOWN_LOGIN_ACCESS:
        raise ValueError(f"Unknown login access {value.strip()!r} is not read_only or none: type one of them.")
    return text


def _or_empty(value: Any) -> str:
    return "" if value is None else str(value)


def _minutes(seconds: int) -> str:
    return f"{seconds / 60:g}"


SETTING_FIELDS: tuple[SettingField, ...] = (
    SettingField("name", "Agency name", "as clients know it; fills [AgencyName]", _name, lambda row: row.name, "name"),
    SettingField("phone", "Agency phone", "fills [AgencyPhone]; stored as E.164", _phone, lambda row: _or_empty(row.phone), "phone"),
    SettingField("email", "Agency email", "fills [AgencyEmail]", _email("Agency email"), lambda row: _or_empty(row.email), "email"),
    SettingField("time_zone", "Time zone", "IANA name, such as America/New_York", _time_zone, lambda row: row.time_zone, "time_zone"),
    SettingField("default_region", "Phone region", "two letters, such as US; for numbers typed without +", _region, lambda row: row.default_region, "default_region"),
    SettingField("review_delay_minutes", "Review delay (minutes)", "0 sends at once", _number("Review delay", "minutes", minimum=0, maximum=7 * 24 * 60, scale=60), lambda row: _minutes(row.review_delay_seconds), "review_delay_seconds"),
    SettingField("late_limit_minutes", "Late limit (minutes)", "a message later than this is held for a clerk", _number("Late limit", "minutes", minimum=1, maximum=7 * 24 * 60, scale=60), lambda row: _minutes(row.late_limit_seconds), "late_limit_seconds"),
    SettingField("quiet_hours_start", "Quiet hours start", "HH:MM, such as 21:00; empty for none", _hh_mm("Quiet hours start"), lambda row: _or_empty(row.quiet_hours_start), "quiet_hours_start"),
    SettingField("quiet_hours_end", "Quiet hours end", "HH:MM, such as 08:00", _hh_mm("Quiet hours end"), lambda row: _or_empty(row.quiet_hours_end), "quiet_hours_end"),
    SettingField("quiet_on_weekends", "Quiet on weekends", "yes or no", _yes_no, lambda row: "yes" if row.quiet_on_weekends else "no", "quiet_on_weekends"),
    SettingField("email_sender", "Email sender", "the From address of email", _email("Email sender"), lambda row: _or_empty(row.email_sender), "email_sender"),
    SettingField("media_url_base", "Media URL base", "https:// address the carrier fetches MMS files from", _https_url, lambda row: _or_empty(row.media_url_base), "media_url_base"),
    SettingField("sms_per_second", "Texts per second", "per sending number; a US long code takes about 1", _number("Texts per second", "texts per second", minimum=0, maximum=100, scale=1, above_minimum=True), lambda row: f"{row.sms_per_second:g}", "sms_per_second"),
    SettingField("smtp_concurrency", "Email connections", "at once to the mail server, 1 to 20", _number("Email connections", "connections", minimum=1, maximum=20, scale=1, whole=True), lambda row: str(row.smtp_concurrency), "smtp_concurrency"),
    SettingField("retry_expiry_hours", "Retry expiry (hours)", "a message still failing after this is given up", _number("Retry expiry", "hours", minimum=0, maximum=72, scale=3600, above_minimum=True), lambda row: f"{row.retry_expiry_seconds / 3600:g}", "retry_expiry_seconds"),
    SettingField("unknown_login_access", "Unknown logins", "read_only or none: what a login that is not a user gets", _access, lambda row: row.unknown_login_access, "unknown_login_access"),
)
FIELDS_BY_KEY = {field.key: field for field in SETTING_FIELDS}


def settings_as_text(store: Store) -> dict[str, str]:
    """Return every editable setting as the text the Settings screen shows."""
    with store.write() as session:
        row = load_settings_row(session)
        return {field.key: field.show(row) for field in SETTING_FIELDS}


def validate_settings(values: dict[str, str]) -> dict[str, Any]:
    """Parse typed values by key; return stored values or raise SettingsInvalid with every error."""
    unknown = [key for key in values if key not in FIELDS_BY_KEY]
    errors: dict[str, str] = {key: f"There is no setting {key!r}: use one of {', '.join(FIELDS_BY_KEY)}." for key in unknown}
    parsed: dict[str, Any] = {}
    for key, text in values.items():
        if key in unknown:
            continue
        try:
            parsed[key] = FIELDS_BY_KEY[key].parse(text, values)
        except ValueError as error:
            errors[key] = str(error)
    if errors:
        raise SettingsInvalid(errors)
    return parsed


def update_settings(store: Store, actor: Actor, values: dict[str, str]) -> dict[str, str]:
    """Check and save changed settings with one audit entry; return all settings as text.

    ``values`` may contain a subset of the keys. When only one end of the quiet hours
    is given, it is checked with the stored value of the other end.

    Raises:
        PermissionDenied: the actor lacks Manage Settings.
        SettingsInvalid: a value cannot be used; nothing is saved then.
    """
    require(actor, Permission.MANAGE_SETTINGS, "change the agency settings")
    current = settings_as_text(store)
    parsed = validate_settings({key: current.get(key, "") for key in _partners(values)} | values)

    with store.write() as session:
        row = load_settings_row(session)
        changes = []
        for key, value in parsed.items():
            field = FIELDS_BY_KEY[key]
            before = field.show(row)
            setattr(row, field.column, value)
            after = field.show(row)
            if before != after:
                changes.append(f"{field.label}: {before or '(empty)'} -> {after or '(empty)'}")
        if changes:
            now = utcnow()
            row.updated_at = now
            row.updated_by = actor.login
            session.add(AuditEntry(at=now, login=actor.login, action="settings changed", target="agency settings", detail="; ".join(changes)))
    if changes:
        log.info("Agency settings changed by %s: %s", actor.login, "; ".join(changes))
    return settings_as_text(store)


def _partners(values: dict[str, str]) -> list[str]:
    """Return keys whose stored value must be checked together with the typed ones."""
    partners = []
    if "quiet_hours_start" in values or "quiet_hours_end" in values:
        partners += ["quiet_hours_start", "quiet_hours_end"]
    if "phone" in values:
        partners.append("default_region")
    return partners
