"""The agency's shared settings, as the services and screens read them."""

from __future__ import annotations

from sqlmodel import Session, select

from ecd_tui.domain.models import AgencyPhone, AgencySettings
from ecd_tui.domain.records import AgencyInfo
from ecd_tui.domain.store import Store


def load_settings_row(session: Session) -> AgencySettings:
    """Return the settings row, creating it with defaults on a new database."""
    row = session.get(AgencySettings, 1)
    if row is None:
        row = AgencySettings(id=1, time_zone=_local_zone_name())
        session.add(row)
        session.flush()
    return row


def agency_info(store: Store) -> AgencyInfo:
    """Read the agency settings; a new database gets its defaults written first."""
    with store.read() as session:
        row = session.get(AgencySettings, 1)
    if row is None:
        with store.write() as session:
            row = load_settings_row(session)
    return _to_info(row)


def active_sms_number(session: Session) -> str | None:
    """Return the first active agency number that can send texts, if any."""
    statement = (
        select(AgencyPhone.e164)
        .where(AgencyPhone.active == True, AgencyPhone.can_sms == True)  # noqa: E712
        .order_by(AgencyPhone.id)
    )
    return session.exec(statement).first()


def _to_info(row: AgencySettings) -> AgencyInfo:
    return AgencyInfo(
        name=row.name,
        phone=row.phone,
        email=row.email,
        time_zone=row.time_zone,
        default_region=row.default_region,
        review_delay_seconds=row.review_delay_seconds,
        late_limit_seconds=row.late_limit_seconds,
        email_sender=row.email_sender,
    )


def _local_zone_name() -> str:
    """Return the machine's IANA time zone name, the default for a new agency."""
    try:
        import tzlocal

        return tzlocal.get_localzone_name() or "UTC"
    except Exception:  # tzlocal raises several kinds when /etc/localtime is odd
        return "UTC"
