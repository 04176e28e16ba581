"""Whether a login may use the app at all, and whom to ask when it may not.

A user with a role has full access within that role. A login that is not a user gets
read-only access or none, as the agency setting chooses. A disabled user gets none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlmodel import col, select

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.models import User
from ecd_tui.domain.records import Actor
from ecd_tui.domain.store import Store


class AccessDenied(Exception):
    """The login may not use this agency's database; the message names whom to ask."""


@dataclass(frozen=True)
class Access:
    """The access of a login: "full" (within its role), "read_only" or "none", and why."""

    level: Literal["full", "read_only", "none"]
    message: str = ""


def check_access(store: Store, actor: Actor) -> Access:
    """Return the access of ``actor``, with a sentence naming the administrators to ask."""
    with store.read() as session:
        user = session.exec(select(User).where(User.login == actor.login)).first()
        setting = load_settings_row(session).unknown_login_access
        admins = session.exec(
            select(User.login).where(User.role == "administrator", User.active == True).order_by(col(User.login))  # noqa: E712
        ).all()
    ask = _ask(admins, actor.login)
    if user is not None and user.active:
        return Access("full")
    if user is not None:
        return Access("none", f"The user {actor.login} is disabled in this agency. {ask}")
    if setting == "none":
        return Access("none", f"The login {actor.login} is not a user of this agency. {ask}")
    return Access("read_only", f"The login {actor.login} is not a user of this agency, so it can only read. {ask}")


def require_access(store: Store, actor: Actor) -> Access:
    """Return the access of ``actor``; raise AccessDenied when it has none."""
    access = check_access(store, actor)
    if access.level == "none":
        raise AccessDenied(access.message)
    return access


def _ask(admins: list[str], login: str) -> str:
    names = ", ".join(admins[:3]) or "the agency administrator"
    return f"Ask {names} to add it: ecd-tui users add {login} --role clerk."
