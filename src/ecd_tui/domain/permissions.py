"""Roles and the named permissions each one grants; checked by every service."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    CREATE_MESSAGES = "Create Messages"
    CREATE_CONTACTS = "Create Contacts"
    CANCEL_OTHERS_MESSAGES = "Cancel Others' Messages"
    SEND_WITHOUT_DELAY = "Send Without Delay"
    MANAGE_SETTINGS = "Manage Settings"
    MANAGE_USERS = "Manage Users"


_CLERK = frozenset({Permission.CREATE_MESSAGES, Permission.CREATE_CONTACTS})
_SUPERVISOR = _CLERK | {Permission.CANCEL_OTHERS_MESSAGES, Permission.SEND_WITHOUT_DELAY}

ROLES: dict[str, frozenset[Permission]] = {
    "viewer": frozenset(),
    "clerk": _CLERK,
    "supervisor": _SUPERVISOR,
    "administrator": _SUPERVISOR | {Permission.MANAGE_SETTINGS, Permission.MANAGE_USERS},
}


class PermissionDenied(Exception):
    """The acting user's role lacks a permission the action needs."""

    def __init__(self, login: str, role: str | None, permission: Permission, action: str) -> None:
        self.permission = permission
        who = f"user {login!r} (role {role.title()})" if role else f"login {login!r}, which is not a user of this agency,"
        super().__init__(
            f"Cannot {action}: {who} lacks the \"{permission.value}\" permission. "
            "Ask an agency administrator to grant it."
        )


def has_permission(role: str | None, permission: Permission) -> bool:
    return role is not None and permission in ROLES.get(role, frozenset())
