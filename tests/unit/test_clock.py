from datetime import UTC, datetime, timedelta

from ecd_tui.domain.clock import agency_zone, format_local, format_time_left, to_utc


def test_time_left_forms():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert format_time_left(now + timedelta(minutes=4, seconds=5), now) == "4m 05s"
    assert format_time_left(now + timedelta(hours=2, minutes=10), now) == "2h 10m"
    assert format_time_left(now + timedelta(days=3, hours=4), now) == "3d 4h"
    assert format_time_left(now - timedelta(seconds=1), now) == "due"


def test_local_format_uses_agency_zone():
    moment = datetime(2026, 12, 4, 19, 5, tzinfo=UTC)
    assert format_local(moment, agency_zone("America/New_York")) == "2026-12-04 14:05 EST"


def test_unknown_zone_falls_back_to_utc():
    assert str(agency_zone("Mars/Olympus")) == "UTC"


def test_naive_taken_as_utc():
    assert to_utc(datetime(2026, 1, 1, 8, 0)) == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
