"""Each role against each action, through the services and through the command line."""

from __future__ import annotations

import pytest
from sqlmodel import select

from ecd_tui.domain.sending_numbers import SANDBOX_NUMBER
from ecd_tui import cli
from ecd_tui.domain.access import AccessDenied
from ecd_tui.domain.messages import SendTiming
from ecd_tui.domain.models import User
from ecd_tui.domain.permissions import PermissionDenied
from ecd_tui.domain.recipients import parse_recipient
from ecd_tui.domain.users import current_login
from ecd_tui.services import Services

PHONE = parse_recipient("+12025550142", "US")
ROLES = ["viewer", "clerk", "supervisor", "administrator"]

# action -> the roles allowed to do it
ALLOWED = {
    "read messages": {"viewer", "clerk", "supervisor", "administrator"},
    "send": {"clerk", "supervisor", "administrator"},
    "send now": {"supervisor", "administrator"},
    "cancel own": {"clerk", "supervisor", "administrator"},
    "cancel others'": {"supervisor", "administrator"},
    "change settings": {"administrator"},
    "add phone": {"administrator"},
    "list users": {"administrator"},
    "add user": {"administrator"},
    "go live": {"administrator"},
}
PERMISSION_NAMES = {
    "send": "Create Messages", "send now": "Send Without Delay", "cancel own": "Create Messages",
    "cancel others'": "Cancel Others' Messages", "change settings": "Manage Settings", "add phone": "Manage Settings",
    "list users": "Manage Users", "add user": "Manage Users", "go live": "Manage Settings",
}
# A viewer is refused sending at all before the delay is considered, and owns no message.
VIEWER_PERMISSION_NAMES = {"send now": "Create Messages", "cancel own": "Cancel Others' Messages"}


def act(services: Services, action: str, others_message: int) -> None:
    if action == "read messages":
        services.all_messages()
    elif action == "send":
        services.queue([PHONE], "s", "body")
    elif action == "send now":
        services.queue([PHONE], "s", "body", SendTiming(mode="now"))
    elif action == "cancel own":
        services.cancel(others_message)
    elif action == "cancel others'":
        services.cancel(others_message)
    elif action == "change settings":
        services.update_settings({"review_delay_minutes": "3"})
    elif action == "add phone":
        services.add_phone("(202) 555-0100", "Main")
    elif action == "list users":
        services.users()
    elif action == "add user":
        services.add_user("newclerk", "clerk")
    elif action == "go live":
        services.set_delivery_mode("live")


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(ALLOWED))
def test_role_against_action_in_services(services, store, role, action):
    if role != "administrator":
        services.add_user("person", role)
        person = Services.open(store, "person", fallback_number=SANDBOX_NUMBER)
    else:
        person = services
    owner = person if action == "cancel own" and role != "viewer" else services
    message_id = owner.queue([PHONE], "s", "body").messages[0].id

    if role in ALLOWED[action]:
        act(person, action, message_id)
    else:
        with pytest.raises(PermissionDenied) as caught:
            act(person, action, message_id)
        expected = VIEWER_PERMISSION_NAMES.get(action, PERMISSION_NAMES[action]) if role == "viewer" else PERMISSION_NAMES[action]
        assert f'"{expected}"' in str(caught.value)
        assert role.title() in str(caught.value)


def test_unknown_login_reads_only_and_is_told_whom_to_ask(services, store):
    stranger = Services.open(store, "stranger")
    access = stranger.access()
    assert access.level == "read_only"
    assert "admin1" in access.message
    assert "ecd-tui users add stranger --role clerk" in access.message
    stranger.all_messages()
    with pytest.raises(PermissionDenied, match="not a user of this agency"):
        stranger.queue([PHONE], "s", "body")


def test_unknown_login_with_no_access_setting(services, store):
    services.update_settings({"unknown_login_access": "none"})
    stranger = Services.open(store, "stranger")
    with pytest.raises(AccessDenied, match="Ask admin1"):
        stranger.all_messages()


def test_disabled_user_has_no_access(services, store):
    services.add_user("gone", "clerk")
    services.set_user_active("gone", False)
    gone = Services.open(store, "gone")
    with pytest.raises(AccessDenied, match="disabled"):
        gone.pending()


def test_last_administrator_cannot_be_removed(services):
    from ecd_tui.domain.user_admin import UserError

    with pytest.raises(UserError, match="only active administrator"):
        services.set_role("admin1", "clerk")
    with pytest.raises(UserError, match="only active administrator"):
        services.set_user_active("admin1", False)


# The command line acts as the real login of this process, so each case gives that
# login the role first, straight in the database.
CLI_CASES = [
    (["send", "--to", "+12025550142", "--message", "hi"], "Create Messages", {"clerk", "supervisor", "administrator"}),
    (["send", "--to", "+12025550142", "--message", "hi", "--now"], "Send Without Delay", {"supervisor", "administrator"}),
    (["settings", "set", "review_delay_minutes=2"], "Manage Settings", {"administrator"}),
    (["phones", "add", "(202) 555-0100"], "Manage Settings", {"administrator"}),
    (["users", "add", "someone", "--role", "clerk"], "Manage Users", {"administrator"}),
    (["users", "list"], "Manage Users", {"administrator"}),
    (["setup", "status"], "Manage Settings", {"administrator"}),
    (["messages"], None, {"viewer", "clerk", "supervisor", "administrator"}),
]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize(("arguments", "permission", "allowed"), CLI_CASES, ids=[" ".join(case[0][:2]) for case in CLI_CASES])
def test_role_against_action_on_command_line(tmp_path, capsys, monkeypatch, role, arguments, permission, allowed):
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    database = tmp_path / "cli.sqlite3"
    login = current_login()
    assert cli.main(["--db", str(database), "settings", "show"]) == 0  # the first login becomes administrator
    from ecd_tui.domain.store import open_store

    store = open_store(database)
    with store.write() as session:
        session.add(User(login="keeper", role="administrator", created_at=session.exec(select(User)).first().created_at))
        session.exec(select(User).where(User.login == login)).one().role = role
    store.dispose()
    capsys.readouterr()

    status = cli.main(["--db", str(database), *arguments])

    error = capsys.readouterr().err
    if role in allowed:
        assert status == 0, error
    else:
        # A viewer is refused sending at all before the delay is considered.
        expected = "Create Messages" if role == "viewer" and arguments[0] == "send" else permission
        assert status == 2
        assert f'lacks the "{expected}" permission' in error
