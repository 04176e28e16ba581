"""The agency's delivery mode: "sandbox" (training) or "live" (the real carriers).

The mode lives in the database so that every process on it agrees. A process that cannot
read the carrier secrets on a live database sends nothing, and never falls back to the
sandbox, which would mark real messages sent when nothing left the building.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, func, select

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import AuditEntry, Message
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.records import Actor
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)

MODES = ("sandbox", "live")


@dataclass(frozen=True)
class DeliveryMode:
    """The stored mode, since when and by whom it is live."""

    mode: str
    since: datetime | None
    by: str | None


def delivery_mode(store: Store) -> DeliveryMode:
    """Return the agency's delivery mode."""
    with store.read() as session:
        row = load_settings_row(session)
        return DeliveryMode(mode=row.delivery_mode, since=row.live_since, by=row.live_by)


def scheduled_count(store: Store) -> int:
    """Return how many messages wait to be sent, which going live would send for real."""
    with store.read() as session:
        return session.exec(select(func.count()).select_from(Message).where(col(Message.status).in_(("scheduled", "held")))).one()


def set_delivery_mode(store: Store, actor: Actor, mode: str) -> DeliveryMode:
    """Switch the agency to "live" or back to "sandbox", with an audit entry.

    The caller confirms with the administrator first and checks the credentials.

    Raises:
        PermissionDenied: the actor lacks Manage Settings.
        ValueError: ``mode`` is not sandbox or live.
    """
    require(actor, Permission.MANAGE_SETTINGS, f"switch delivery to {mode}")
    if mode not in MODES:
        raise ValueError(f"Delivery mode {mode!r} is unknown: use sandbox or live.")
    with store.write() as session:
        row = load_settings_row(session)
        if row.delivery_mode == mode:
            return DeliveryMode(mode=row.delivery_mode, since=row.live_since, by=row.live_by)
        now = utcnow()
        row.delivery_mode = mode
        row.live_since = now if mode == "live" else None
        row.live_by = actor.login if mode == "live" else None
        action = "went live" if mode == "live" else "returned to sandbox"
        session.add(AuditEntry(at=now, login=actor.login, action=action, target="delivery", detail=f"delivery is now {mode}"))
        result = DeliveryMode(mode=row.delivery_mode, since=row.live_since, by=row.live_by)
    log.warning("Delivery switched to %s by %s", mode, actor.login)
    return result
