"""Agency settings: validation of each field, the audit entry, the effect on the next message."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from ecd_tui.domain.audit import list_audit
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.messages import SendTiming
from ecd_tui.domain.quiet_hours import in_quiet_hours
from ecd_tui.domain.recipients import parse_recipient
from ecd_tui.domain.settings import SettingsInvalid, validate_settings

PHONE = parse_recipient("+12025550142", "US")

INVALID = [
    ("time_zone", "America/New_Yrok", "'America/New_Yrok' is not an IANA time zone"),
    ("time_zone", "EST5EDT ", None),  # valid IANA name, padded
    ("default_region", "XX", "'XX' is not a two-letter region code"),
    ("review_delay_minutes", "-1", "at least 0"),
    ("review_delay_minutes", "five", "'five' is not a number of minutes"),
    ("review_delay_minutes", "nan", "out of range"),
    ("late_limit_minutes", "0", "at least 1"),
    ("quiet_hours_start", "9pm", "'9pm' is not a time: write it as HH:MM"),
    ("quiet_hours_start", "24:00", "'24:00' is not a time"),
    ("email_sender", "reminders@", "'reminders@' is not a valid email address"),
    ("media_url_base", "http://files.example.gov/", "is not an https:// address"),
    ("sms_per_second", "0", "more than 0"),
    ("smtp_concurrency", "2.5", "not a whole number"),
    ("phone", "555-555-5555", "'555-555-5555' is not a valid phone number"),
    ("unknown_login_access", "everything", "is not read_only or none"),
    ("name", "", "agency name is empty"),
]


@pytest.mark.parametrize(("key", "value", "expected"), INVALID, ids=[f"{k}={v}" for k, v, _ in INVALID])
def test_validation_names_value_and_fix(key, value, expected):
    values = {key: value}
    if key == "quiet_hours_start":
        values["quiet_hours_end"] = "08:00"
    if expected is None:
        assert validate_settings(values)[key] == value.strip()
        return
    with pytest.raises(SettingsInvalid) as caught:
        validate_settings(values)
    assert expected in caught.value.errors[key]


def test_valid_values_are_normalized():
    parsed = validate_settings({
        "review_delay_minutes": "0", "late_limit_minutes": "90", "default_region": "pr", "phone": "(202) 555-0100",
        "media_url_base": "https://files.example.gov/mms", "quiet_on_weekends": "Yes", "retry_expiry_hours": "0.5",
    })
    assert parsed["review_delay_minutes"] == 0
    assert parsed["late_limit_minutes"] == 5400
    assert parsed["default_region"] == "PR"
    assert parsed["phone"] == "+12025550100"
    assert parsed["media_url_base"] == "https://files.example.gov/mms/"
    assert parsed["quiet_on_weekends"] is True
    assert parsed["retry_expiry_hours"] == 1800


def test_one_quiet_hour_end_alone_is_refused(services):
    with pytest.raises(SettingsInvalid, match="both a start and an end"):
        services.update_settings({"quiet_hours_start": "21:00"})


def test_invalid_update_saves_nothing(services):
    before = services.settings_text()
    with pytest.raises(SettingsInvalid):
        services.update_settings({"name": "New Name", "time_zone": "Nowhere/Else"})
    assert services.settings_text() == before


def test_change_is_audited_with_who_and_what(services):
    services.update_settings({"review_delay_minutes": "0", "name": "Pretrial Services"})
    entry = list_audit(services.store, kind="settings")[0]
    assert entry.login == "admin1"
    assert entry.action == "settings changed"
    assert "Review delay (minutes): 5 -> 0" in entry.detail
    assert "Agency name: Agency -> Pretrial Services" in entry.detail


def test_review_delay_applies_to_next_message(services):
    services.update_settings({"review_delay_minutes": "0"})
    now = utcnow()
    immediate = services.queue([PHONE], "s", "b").messages[0]
    assert abs((immediate.send_at - now).total_seconds()) < 5

    services.update_settings({"review_delay_minutes": "30"})
    delayed = services.queue([PHONE], "s", "b").messages[0]
    assert timedelta(minutes=29) < delayed.send_at - now < timedelta(minutes=31)


def test_time_zone_applies_to_scheduled_time(services):
    services.update_settings({"time_zone": "America/Chicago", "review_delay_minutes": "0"})
    local = (datetime.now(ZoneInfo("America/Chicago")) + timedelta(days=1)).replace(hour=9, minute=30, second=0, microsecond=0, tzinfo=None)
    message = services.queue([PHONE], "s", "b", SendTiming(mode="at", at=local.replace(tzinfo=services.zone()))).messages[0]
    assert message.send_at.astimezone(ZoneInfo("America/Chicago")).hour == 9


def test_quiet_hours_warn_on_next_message(services):
    services.update_settings({"time_zone": "America/Chicago", "quiet_hours_start": "21:00", "quiet_hours_end": "08:00"})
    zone = ZoneInfo("America/Chicago")
    night = datetime(2026, 12, 8, 23, 15, tzinfo=zone)  # a Tuesday
    morning = datetime(2026, 12, 8, 10, 0, tzinfo=zone)
    assert "quiet hours (21:00 to 08:00)" in services.quiet_hours_note(night)
    assert services.quiet_hours_note(morning) is None


@pytest.mark.parametrize(("hour", "quiet"), [(20, False), (21, True), (23, True), (7, True), (8, False), (12, False)])
def test_quiet_hours_wrap_past_midnight(hour, quiet):
    moment = datetime(2026, 12, 8, hour, 0, tzinfo=ZoneInfo("UTC"))
    assert in_quiet_hours(moment, "UTC", "21:00", "08:00", False) is quiet


def test_weekend_is_quiet_when_set():
    saturday = datetime(2026, 12, 5, 12, 0, tzinfo=ZoneInfo("UTC"))
    assert in_quiet_hours(saturday, "UTC", None, None, True)
    assert not in_quiet_hours(saturday, "UTC", None, None, False)
