"""Quiet hours: the times of day (and weekends) when the agency prefers not to text."""

from __future__ import annotations

from datetime import datetime, time

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import agency_zone, format_local, to_local
from ecd_tui.domain.store import Store


def in_quiet_hours(moment: datetime, zone_name: str, start: str | None, end: str | None, weekends: bool) -> bool:
    """True when ``moment`` falls in the quiet hours in the agency's zone.

    A start later than the end wraps past midnight: 21:00 to 08:00 is quiet at 23:00
    and at 07:00. Equal start and end mean no quiet hours.
    """
    local = to_local(moment, agency_zone(zone_name))
    if weekends and local.weekday() >= 5:
        return True
    if not start or not end or start == end:
        return False
    now, begin, finish = local.time(), time.fromisoformat(start), time.fromisoformat(end)
    if begin < finish:
        return begin <= now < finish
    return now >= begin or now < finish


def quiet_hours_warning(store: Store, send_at: datetime) -> str | None:
    """Return a sentence when a message sent at ``send_at`` lands in quiet hours, else None."""
    with store.read() as session:
        row = load_settings_row(session)
        zone_name, start, end, weekends = row.time_zone, row.quiet_hours_start, row.quiet_hours_end, row.quiet_on_weekends
    if not in_quiet_hours(send_at, zone_name, start, end, weekends):
        return None
    spans = []
    if start and end and start != end:
        spans.append(f"{start} to {end}")
    if weekends:
        spans.append("weekends")
    when = format_local(send_at, agency_zone(zone_name))
    return f"It goes out at {when}, inside the agency's quiet hours ({' and '.join(spans)})."
