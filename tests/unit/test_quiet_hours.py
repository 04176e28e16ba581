"""Quiet hours: which times are quiet, and the next allowed time."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.messages import SendTiming
from ecd_tui.domain.quiet_hours import (
    QuietHours,
    is_quiet,
    next_allowed_time,
    parse_hhmm,
    quiet_hours_warning,
)

NEW_YORK = ZoneInfo("America/New_York")
NIGHTS = QuietHours(start=time(21, 0), end=time(8, 0), weekends=False, zone=NEW_YORK)
NIGHTS_AND_WEEKENDS = QuietHours(start=time(21, 0), end=time(8, 0), weekends=True, zone=NEW_YORK)
LUNCH = QuietHours(start=time(12, 0), end=time(13, 0), weekends=False, zone=NEW_YORK)


def local(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=NEW_YORK)


@pytest.mark.parametrize(
    ("hours", "moment", "quiet"),
    [
        (NIGHTS, "2026-12-07 20:59", False),  # a Monday
        (NIGHTS, "2026-12-07 21:00", True),
        (NIGHTS, "2026-12-08 02:00", True),
        (NIGHTS, "2026-12-08 07:59", True),
        (NIGHTS, "2026-12-08 08:00", False),
        (LUNCH, "2026-12-07 12:30", True),
        (LUNCH, "2026-12-07 13:00", False),
        (NIGHTS, "2026-12-05 12:00", False),  # a Saturday, weekends not quiet
        (NIGHTS_AND_WEEKENDS, "2026-12-05 12:00", True),
        (NIGHTS_AND_WEEKENDS, "2026-12-06 23:00", True),
    ],
)
def test_is_quiet(hours, moment, quiet):
    assert is_quiet(hours, local(moment)) is quiet


@pytest.mark.parametrize(
    ("hours", "moment", "expected"),
    [
        (NIGHTS, "2026-12-07 22:15", "2026-12-08 08:00"),
        (NIGHTS, "2026-12-08 03:00", "2026-12-08 08:00"),
        (NIGHTS, "2026-12-08 10:00", "2026-12-08 10:00"),
        (LUNCH, "2026-12-07 12:10", "2026-12-07 13:00"),
        # Friday night runs into the weekend, which ends Monday at 08:00.
        (NIGHTS_AND_WEEKENDS, "2026-12-04 22:00", "2026-12-07 08:00"),
        (NIGHTS_AND_WEEKENDS, "2026-12-06 09:00", "2026-12-07 08:00"),
    ],
)
def test_next_allowed_time(hours, moment, expected):
    assert next_allowed_time(hours, local(moment)).astimezone(NEW_YORK) == local(expected)


def test_warning_names_window_and_next_time():
    warning = quiet_hours_warning(NIGHTS_AND_WEEKENDS, local("2026-12-04 22:00"))
    assert warning is not None
    assert "21:00 to 08:00 and weekends" in warning.text
    assert "2026-12-07 08:00 EST" in warning.text
    assert warning.next_allowed.astimezone(NEW_YORK) == local("2026-12-07 08:00")


def test_no_quiet_hours_no_warning():
    hours = QuietHours(start=None, end=None, weekends=False, zone=NEW_YORK)
    assert quiet_hours_warning(hours, local("2026-12-05 03:00")) is None


def test_parse_hhmm_rejects_bad_value():
    assert parse_hhmm("21:30") == time(21, 30)
    assert parse_hhmm("") is None
    with pytest.raises(ValueError, match="'9pm' is not a time of day"):
        parse_hhmm("9pm")


def test_service_warns_for_delay_into_quiet_hours(services, store):
    with store.write() as session:
        settings = load_settings_row(session)
        settings.time_zone = "UTC"
        settings.quiet_hours_start = "00:00"
        settings.quiet_hours_end = "23:59"
    warning = services.quiet_hours_warning(SendTiming())
    assert warning is not None
    assert "quiet hours (00:00 to 23:59)" in warning.text
    with store.write() as session:
        load_settings_row(session).quiet_hours_start = None
    assert services.quiet_hours_warning(SendTiming()) is None
