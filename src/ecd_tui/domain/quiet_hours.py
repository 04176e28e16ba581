"""The agency's quiet hours: when a message would arrive in them, and the next allowed time.

Quiet hours run from ``quiet_hours_start`` to ``quiet_hours_end`` ("HH:MM" in the agency's
time zone) and may pass midnight, such as 21:00 to 08:00. With ``quiet_on_weekends``,
Saturdays and Sundays are quiet all day. Sending into them is allowed: the Send form and
``ecd-tui send`` warn and offer the next allowed time, because a clerk may have a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import agency_zone, format_local, to_utc
from ecd_tui.domain.store import Store

SATURDAY = 5


@dataclass(frozen=True)
class QuietHours:
    """The agency's quiet-hours settings; an empty window means none on weekdays."""

    start: time | None
    end: time | None
    weekends: bool
    zone: ZoneInfo

    @property
    def enabled(self) -> bool:
        return self.weekends or (self.start is not None and self.end is not None and self.start != self.end)


@dataclass(frozen=True)
class QuietHoursWarning:
    """A send time inside quiet hours, the next allowed time, and a sentence for the clerk."""

    send_at: datetime  # UTC
    next_allowed: datetime  # UTC
    text: str


def parse_hhmm(value: str | None) -> time | None:
    """Parse "HH:MM" into a time; an empty value means no bound.

    Raises:
        ValueError: the value is not a time of day written as HH:MM.
    """
    if value is None or not value.strip():
        return None
    try:
        return time.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(f"Quiet hours time {value!r} is not a time of day: write it as HH:MM, such as 21:00.") from None


def load_quiet_hours(store: Store) -> QuietHours:
    """Read the agency's quiet hours; a malformed stored time counts as unset."""
    with store.read() as session:
        row = load_settings_row(session)
        start_text, end_text, weekends, zone_name = row.quiet_hours_start, row.quiet_hours_end, row.quiet_on_weekends, row.time_zone
    try:
        start, end = parse_hhmm(start_text), parse_hhmm(end_text)
    except ValueError:
        start = end = None
    return QuietHours(start=start, end=end, weekends=weekends, zone=agency_zone(zone_name))


def is_quiet(hours: QuietHours, moment: datetime) -> bool:
    """Return True when ``moment`` falls in quiet hours."""
    local = to_utc(moment).astimezone(hours.zone)
    if hours.weekends and local.weekday() >= SATURDAY:
        return True
    if hours.start is None or hours.end is None or hours.start == hours.end:
        return False
    clock = local.time().replace(tzinfo=None)
    if hours.start < hours.end:
        return hours.start <= clock < hours.end
    return clock >= hours.start or clock < hours.end


def next_allowed_time(hours: QuietHours, moment: datetime) -> datetime:
    """Return the first time at or after ``moment`` outside quiet hours, in UTC."""
    candidate = to_utc(moment)
    # Each step leaves one quiet stretch (a night or a weekend day); a week is plenty.
    for _ in range(16):
        if not is_quiet(hours, candidate):
            return candidate
        candidate = _end_of_quiet_stretch(hours, candidate)
    return candidate


def quiet_hours_warning(hours: QuietHours, send_at: datetime) -> QuietHoursWarning | None:
    """Return a warning when ``send_at`` falls in quiet hours, else None."""
    if not hours.enabled or not is_quiet(hours, send_at):
        return None
    next_allowed = next_allowed_time(hours, send_at)
    text = (
        f"{format_local(send_at, hours.zone)} is in the agency's quiet hours ({describe(hours)})."
        f" The next allowed time is {format_local(next_allowed, hours.zone)}."
    )
    return QuietHoursWarning(send_at=to_utc(send_at), next_allowed=next_allowed, text=text)


def describe(hours: QuietHours) -> str:
    """Describe the quiet hours for a clerk, such as "21:00 to 08:00 and weekends"."""
    parts = []
    if hours.start is not None and hours.end is not None and hours.start != hours.end:
        parts.append(f"{hours.start:%H:%M} to {hours.end:%H:%M}")
    if hours.weekends:
        parts.append("weekends")
    return " and ".join(parts) or "none"


def _end_of_quiet_stretch(hours: QuietHours, moment: datetime) -> datetime:
    local = to_utc(moment).astimezone(hours.zone)
    if hours.weekends and local.weekday() >= SATURDAY:
        next_day = (local + timedelta(days=1)).date()
        return _at(next_day, time(0, 0), hours.zone)
    # Inside the daily window: it ends at ``end`` today, or tomorrow when it passes midnight
    # and we are before midnight.
    assert hours.start is not None and hours.end is not None
    clock = local.time().replace(tzinfo=None)
    day = local.date()
    if hours.start > hours.end and clock >= hours.start:
        day = day + timedelta(days=1)
    return _at(day, hours.end, hours.zone)


def _at(day, clock: time, zone: ZoneInfo) -> datetime:
    """Return the UTC instant of a wall-clock time in ``zone``; a gap time moves forward."""
    local = datetime.combine(day, clock, tzinfo=zone)
    return to_utc(local)


def in_quiet_hours(moment: datetime, zone_name: str, start: str | None, end: str | None, weekends: bool) -> bool:
    """Return True when ``moment`` falls in the quiet hours given as stored settings values.

    A start later than the end wraps past midnight: 21:00 to 08:00 is quiet at 23:00
    and at 07:00. Equal start and end mean no quiet hours on weekdays.
    """
    hours = QuietHours(start=parse_hhmm(start), end=parse_hhmm(end), weekends=weekends, zone=agency_zone(zone_name))
    return is_quiet(hours, moment)
