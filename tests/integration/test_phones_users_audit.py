"""Agency phones, users and the audit log through the services."""

from __future__ import annotations

import pytest

from ecd_tui.domain.audit import list_audit
from ecd_tui.domain.phones import PhoneError, phone_warnings
from ecd_tui.domain.recipients import parse_recipient
from ecd_tui.domain.user_admin import UserError


def test_phone_typed_many_ways_is_one_number(services):
    services.add_phone("(202) 555-0100", "Main", sms=True, voice=True)
    for typed in ("1-202-555-0100", "12025550100", "+1 202 555 0100"):
        with pytest.raises(PhoneError, match=r"\+12025550100 is already an agency number"):
            services.add_phone(typed)


def test_phone_invalid_and_empty_capabilities(services):
    with pytest.raises(PhoneError, match="'000-000-0000' is not a valid phone number"):
        services.add_phone("000-000-0000")
    with pytest.raises(PhoneError, match="at least one capability"):
        services.add_phone("(202) 555-0100", sms=False)


def test_deactivating_last_texting_number_warns(services):
    phone = services.add_phone("(202) 555-0100", "Main")
    assert phone_warnings(services.phones()) == ["No active number can make voice calls."]
    services.update_phone(phone.id, active=False)
    assert "No active number can send texts: texts fail until one is active." in phone_warnings(services.phones())


def test_phone_changes_are_audited(services):
    phone = services.add_phone("(202) 555-0100", "Main")
    services.update_phone(phone.id, label="Front desk", mms=True)
    services.update_phone(phone.id, active=False)
    actions = [(entry.action, entry.detail) for entry in list_audit(services.store, kind="settings")]
    assert ("phone deactivated", "inactive") in actions
    assert ("phone changed", "label 'Main' -> 'Front desk'; capabilities SMS -> SMS, MMS") in actions


def test_label_is_kept_as_text(services):
    phone = services.add_phone("(202) 555-0100", "[bold red]Main[/]")
    assert services.phones()[0].label == "[bold red]Main[/]"
    with pytest.raises(PhoneError, match="control characters"):
        services.update_phone(phone.id, label="Main\x1b[2J")


@pytest.mark.parametrize(("login", "role", "expected"), [
    ("Bad Login", "clerk", "'Bad Login' is not a valid login name"),
    ("jdoe", "boss", "Role 'boss' does not exist"),
])
def test_add_user_rejects_bad_values(services, login, role, expected):
    with pytest.raises(UserError, match=expected):
        services.add_user(login, role)


def test_user_changes_listed_in_audit(services):
    services.add_user("jdoe", "Clerk", "Jane Doe")
    services.set_role("jdoe", "supervisor")
    services.set_user_active("jdoe", False)
    entries = list_audit(services.store, kind="users")
    assert [(entry.action, entry.target, entry.detail) for entry in entries[:3]] == [
        ("user disabled", "jdoe", "role supervisor"),
        ("role changed", "jdoe", "clerk -> supervisor"),
        ("user added", "jdoe", "role clerk"),
    ]
    assert all(entry.login == "admin1" for entry in entries)
    users = {user.login: user for user in services.users()}
    assert users["jdoe"].active is False
    assert users["jdoe"].display_name == "Jane Doe"


def test_audit_lists_message_created_and_cancelled(services):
    message = services.queue([parse_recipient("+12025550142", "US")], "s", "b").messages[0]
    services.cancel(message.id)
    entries = list_audit(services.store, kind="messages")
    assert [entry.action for entry in entries] == ["message cancelled", "message created"]
    assert all(entry.target == f"message {message.id} to +12025550142" for entry in entries)


def test_audit_unknown_filter(services):
    with pytest.raises(ValueError, match="Audit filter 'bogus' is unknown"):
        services.audit("bogus")


def test_audit_lists_opt_outs_with_who(services):
    from ecd_tui.domain.clock import utcnow
    from ecd_tui.domain.models import OptOutEvent

    with services.store.write() as session:
        session.add(OptOutEvent(address="+12025550142", action="opt_out", keyword="STOP", reason="replied STOP", at=utcnow()))
        session.add(OptOutEvent(address="+12025550143", action="opt_out", reason="called to stop", by_login="admin1", at=utcnow()))
    entries = list_audit(services.store, kind="opt-outs")
    assert [(entry.action, entry.login, entry.target) for entry in entries] == [
        ("opted out", "admin1", "+12025550143"),
        ("opted out", "reply STOP", "+12025550142"),
    ]
    assert entries[0].detail == "called to stop"
    assert "opted out" in [entry.action for entry in list_audit(services.store)]
    assert "opted out" not in [entry.action for entry in list_audit(services.store, kind="users")]
