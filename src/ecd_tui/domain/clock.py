"""Aware UTC datetimes for storage, the agency's time zone for display."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime, the form the store uses."""
    return datetime.now(UTC)


def to_utc(moment: datetime) -> datetime:
    """Convert a datetime to aware UTC; a naive one is taken as UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def agency_zone(name: str) -> ZoneInfo:
    """Return the agency's time zone, or UTC when the stored name is unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def to_local(moment: datetime, zone: ZoneInfo) -> datetime:
    """Convert a stored UTC datetime to ``zone``."""
    return to_utc(moment).astimezone(zone)


def format_local(moment: datetime | None, zone: ZoneInfo) -> str:
    """Format a stored time for a clerk: ``2026-12-04 14:05 EST``."""
    if moment is None:
        return ""
    return to_local(moment, zone).strftime("%Y-%m-%d %H:%M %Z")


def format_time_left(send_at: datetime, now: datetime) -> str:
    """Describe how long until ``send_at``: ``4m 05s``, ``2h 10m``, ``3d 4h`` or ``due``."""
    seconds = int((to_utc(send_at) - to_utc(now)).total_seconds())
    if seconds <= 0:
        return "due"
    delta = timedelta(seconds=seconds)
    days, rest = delta.days, delta.seconds
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes:02d}m"
    return f"{minutes}m {seconds:02d}s"
