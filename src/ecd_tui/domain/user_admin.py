"""Users and roles as an administrator manages them; every change is audited.

Users are keyed by operating-system login. An agency always keeps at least one active
administrator, so nobody can lock the agency out of its own settings.
"""

from __future__ import annotations

import logging
import pwd
import re
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select

from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import AuditEntry, User
from ecd_tui.domain.permissions import ROLES, Permission
from ecd_tui.domain.records import Actor
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)

# POSIX portable user names, as useradd accepts them by default (up to 32 characters).
_LOGIN = re.compile(r"^[a-z_][a-z0-9_.-]{0,31}$")
ROLE_NAMES = tuple(ROLES)


class UserError(ValueError):
    """A user change that cannot be made; the text names the value and the fix."""


@dataclass(frozen=True)
class UserRecord:
    """One user as screens and the command line show it."""

    login: str
    display_name: str
    role: str
    active: bool
    created_at: datetime
    created_by: str | None


def list_users(store: Store, actor: Actor) -> list[UserRecord]:
    """Return every user, active ones first, by login; needs Manage Users."""
    require(actor, Permission.MANAGE_USERS, "list the users")
    with store.read() as session:
        rows = session.exec(select(User).order_by(col(User.active).desc(), col(User.login))).all()
        return [_record(row) for row in rows]


def add_user(store: Store, actor: Actor, login: str, role: str, display_name: str = "") -> UserRecord:
    """Add a user with a role.

    Raises:
        PermissionDenied: the actor lacks Manage Users.
        UserError: the login is not a valid login name or is already a user, or the
            role is unknown.
    """
    require(actor, Permission.MANAGE_USERS, "add users")
    login, role = check_login(login), check_role(role)
    with store.write() as session:
        existing = session.exec(select(User).where(User.login == login)).first()
        if existing is not None:
            state = "" if existing.active else " (disabled: enable it instead)"
            raise UserError(f"{login} is already a user with role {existing.role}{state}.")
        now = utcnow()
        row = User(login=login, role=role, display_name=display_name.strip(), created_at=now, created_by=actor.login)
        session.add(row)
        session.add(AuditEntry(at=now, login=actor.login, action="user added", target=login, detail=f"role {role}"))
        record = _record(row)
    log.info("User %s added by %s with role %s", login, actor.login, role)
    return record


def set_role(store: Store, actor: Actor, login: str, role: str) -> UserRecord:
    """Give a user another role; the last active administrator keeps theirs.

    Raises:
        PermissionDenied: the actor lacks Manage Users.
        UserError: no such user, an unknown role, or the last active administrator.
    """
    require(actor, Permission.MANAGE_USERS, "change a user's role")
    role = check_role(role)
    with store.write() as session:
        row = _get(session, login)
        if row.role == role:
            return _record(row)
        if row.role == "administrator" and row.active:
            _keep_one_administrator(session, login, "change the role of")
        before = row.role
        row.role = role
        session.add(AuditEntry(at=utcnow(), login=actor.login, action="role changed", target=login, detail=f"{before} -> {role}"))
        record = _record(row)
    log.info("User %s role changed by %s: %s -> %s", login, actor.login, before, role)
    return record


def set_active(store: Store, actor: Actor, login: str, active: bool) -> UserRecord:
    """Disable or enable a user; a disabled login gets no access at all.

    Raises:
        PermissionDenied: the actor lacks Manage Users.
        UserError: no such user, or disabling the last active administrator.
    """
    require(actor, Permission.MANAGE_USERS, "disable or enable users")
    with store.write() as session:
        row = _get(session, login)
        if row.active == active:
            return _record(row)
        if not active and row.role == "administrator":
            _keep_one_administrator(session, login, "disable")
        row.active = active
        action = "user enabled" if active else "user disabled"
        session.add(AuditEntry(at=utcnow(), login=actor.login, action=action, target=login, detail=f"role {row.role}"))
        record = _record(row)
    log.info("User %s %s by %s", login, "enabled" if active else "disabled", actor.login)
    return record


def check_login(login: str) -> str:
    """Return the login if it is a valid login name, else raise UserError."""
    value = login.strip()
    if not _LOGIN.match(value):
        raise UserError(f"{value!r} is not a valid login name: use the person's SSH login, in lower case letters, digits, '_', '.' or '-'.")
    return value


def check_role(role: str) -> str:
    """Return the role name in lower case if it exists, else raise UserError."""
    value = role.strip().lower()
    if value not in ROLES:
        raise UserError(f"Role {role.strip()!r} does not exist: use one of {', '.join(ROLE_NAMES)}.")
    return value


def login_exists_here(login: str) -> bool:
    """True when this machine has an account with that login (a hint, not a rule)."""
    try:
        pwd.getpwnam(login)
    except KeyError:
        return False
    return True


def _get(session, login: str) -> User:
    row = session.exec(select(User).where(User.login == login.strip())).first()
    if row is None:
        raise UserError(f"{login.strip()!r} is not a user: add it first with its role.")
    return row


def _keep_one_administrator(session, login: str, verb: str) -> None:
    others = session.exec(
        select(func.count()).select_from(User).where(User.role == "administrator", User.active == True, User.login != login)  # noqa: E712
    ).one()
    if not others:
        raise UserError(f"Cannot {verb} {login}: it is the only active administrator. Make another user administrator first.")


def _record(row: User) -> UserRecord:
    return UserRecord(login=row.login, display_name=row.display_name, role=row.role, active=row.active, created_at=row.created_at, created_by=row.created_by)
