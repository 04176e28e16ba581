"""Who is acting: the operating-system login and the role the agency gave it."""

from __future__ import annotations

import logging
import os
import pwd

from sqlmodel import func, select

from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import AuditEntry, User
from ecd_tui.domain.permissions import Permission, PermissionDenied, has_permission
from ecd_tui.domain.records import Actor
from ecd_tui.domain.store import Store

log = logging.getLogger(__name__)


def current_login() -> str:
    """Return the login of the process's real user id.

    Variables such as USER or LOGNAME are not consulted, because anyone can set them.
    """
    return pwd.getpwuid(os.getuid()).pw_name


def identify(store: Store, login: str) -> Actor:
    """Return the actor for ``login``; the first login on a new database becomes administrator."""
    with store.read() as session:
        user = session.exec(select(User).where(User.login == login)).first()
    if user is not None:
        return Actor(login=login, role=user.role if user.active else None)

    with store.write() as session:
        user_count = session.exec(select(func.count()).select_from(User)).one()
        if user_count:
            return Actor(login=login, role=None)
        now = utcnow()
        session.add(User(login=login, role="administrator", created_at=now, created_by=login))
        session.add(AuditEntry(at=now, login=login, action="user added", target=login, detail="first user: administrator"))
    log.info("First user %s added as administrator", login)
    return Actor(login=login, role="administrator")


def require(actor: Actor, permission: Permission, action: str) -> None:
    """Raise PermissionDenied unless the actor's role grants ``permission``."""
    if not has_permission(actor.role, permission):
        raise PermissionDenied(actor.login, actor.role, permission, action)
