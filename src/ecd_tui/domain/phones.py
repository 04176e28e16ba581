"""The agency's sending numbers: add, label, set capabilities, activate and deactivate."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

import phonenumbers
from sqlmodel import col, select

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import AgencyPhone, AuditEntry
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.records import Actor
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)

MAX_LABEL_LENGTH = 60


class PhoneError(ValueError):
    """A phone change that cannot be made; the text names the value and the fix."""


@dataclass(frozen=True)
class PhoneRecord:
    """One agency number as screens and the command line show it."""

    id: int
    e164: str
    label: str
    active: bool
    can_sms: bool
    can_mms: bool
    can_voice: bool
    created_at: datetime

    @property
    def capabilities(self) -> str:
        names = [name for name, flag in (("SMS", self.can_sms), ("MMS", self.can_mms), ("voice", self.can_voice)) if flag]
        return ", ".join(names) or "none"


def list_phones(store: Store) -> list[PhoneRecord]:
    """Return every agency number, active ones first."""
    with store.read() as session:
        rows = session.exec(select(AgencyPhone).order_by(col(AgencyPhone.active).desc(), col(AgencyPhone.id))).all()
        return [_record(row) for row in rows]


def add_phone(store: Store, actor: Actor, number: str, label: str = "", *, sms: bool = True, mms: bool = False, voice: bool = False) -> PhoneRecord:
    """Add an active agency number, typed in any common form.

    Raises:
        PermissionDenied: the actor lacks Manage Settings.
        PhoneError: the number is invalid or already listed, the label is too long, or
            no capability is chosen.
    """
    require(actor, Permission.MANAGE_SETTINGS, "add an agency phone number")
    label = _check_label(label)
    _check_capabilities(sms, mms, voice)
    with store.write() as session:
        region = load_settings_row(session).default_region
        e164 = parse_agency_number(number, region)
        if session.exec(select(AgencyPhone).where(AgencyPhone.e164 == e164)).first() is not None:
            raise PhoneError(f"{e164} is already an agency number: select it in the list to change it.")
        now = utcnow()
        row = AgencyPhone(e164=e164, label=label, can_sms=sms, can_mms=mms, can_voice=voice, created_at=now)
        session.add(row)
        session.flush()
        record = _record(row)
        session.add(AuditEntry(at=now, login=actor.login, action="phone added", target=e164, detail=f"label {label!r}; {record.capabilities}"))
    log.info("Agency phone %s added by %s", e164, actor.login)
    return record


def update_phone(
    store: Store,
    actor: Actor,
    phone_id: int,
    *,
    label: str | None = None,
    sms: bool | None = None,
    mms: bool | None = None,
    voice: bool | None = None,
    active: bool | None = None,
) -> PhoneRecord:
    """Change a number's label, capabilities or active flag; None leaves a value as it is.

    Raises:
        PermissionDenied: the actor lacks Manage Settings.
        PhoneError: the number is gone, the label is too long, or no capability is left.
    """
    require(actor, Permission.MANAGE_SETTINGS, "change an agency phone number")
    with store.write() as session:
        row = session.get(AgencyPhone, phone_id)
        if row is None:
            raise PhoneError(f"Agency phone {phone_id} was not found: refresh the list.")
        before = _record(row)
        if label is not None:
            row.label = _check_label(label)
        row.can_sms = row.can_sms if sms is None else sms
        row.can_mms = row.can_mms if mms is None else mms
        row.can_voice = row.can_voice if voice is None else voice
        _check_capabilities(row.can_sms, row.can_mms, row.can_voice)
        row.active = row.active if active is None else active
        after = _record(row)
        detail = _describe_change(before, after)
        if detail:
            action = "phone changed"
            if before.active != after.active:
                action = "phone activated" if after.active else "phone deactivated"
            session.add(AuditEntry(at=utcnow(), login=actor.login, action=action, target=row.e164, detail=detail))
    if detail:
        log.info("Agency phone %s changed by %s: %s", after.e164, actor.login, detail)
    return after


def phone_warnings(phones: list[PhoneRecord]) -> list[str]:
    """Return sentences about what the active numbers cannot do, for the Agency Phones screen."""
    active = [phone for phone in phones if phone.active]
    warnings = []
    if not any(phone.can_sms for phone in active):
        warnings.append("No active number can send texts: texts fail until one is active.")
    if not any(phone.can_voice for phone in active):
        warnings.append("No active number can make voice calls.")
    return warnings


def parse_agency_number(text: str, region: str) -> str:
    """Return the E.164 form of a typed agency number, or raise PhoneError."""
    value = text.strip()
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise PhoneError(f"{value!r} is not a valid phone number in region {region}: type it with its area code, such as (202) 555-0100, or start with + and the country code.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _check_label(label: str) -> str:
    text = label.strip()
    if len(text) > MAX_LABEL_LENGTH:
        raise PhoneError(f"The label has {len(text)} characters: shorten it to {MAX_LABEL_LENGTH} or fewer.")
    if not text.isprintable():
        raise PhoneError("The label contains control characters: type plain text.")
    return text


def _check_capabilities(sms: bool, mms: bool, voice: bool) -> None:
    if not (sms or mms or voice):
        raise PhoneError("Choose at least one capability: SMS, MMS or voice.")


def _describe_change(before: PhoneRecord, after: PhoneRecord) -> str:
    parts = []
    if before.label != after.label:
        parts.append(f"label {before.label!r} -> {after.label!r}")
    if before.capabilities != after.capabilities:
        parts.append(f"capabilities {before.capabilities} -> {after.capabilities}")
    if before.active != after.active:
        parts.append("active" if after.active else "inactive")
    return "; ".join(parts)


def _record(row: AgencyPhone) -> PhoneRecord:
    return PhoneRecord(
        id=row.id, e164=row.e164, label=row.label, active=row.active,
        can_sms=row.can_sms, can_mms=row.can_mms, can_voice=row.can_voice, created_at=row.created_at,
    )
