"""Whether a dispatcher is running on this database, from the heartbeat rows it refreshes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import col, func, select

from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import DispatcherHeartbeat, Message
from ecd_tui.domain.store import Store

# A dispatcher beats every sweep (5 seconds by default); three missed beats and a margin
# count as stopped.
ALIVE_WITHIN = timedelta(seconds=20)


@dataclass(frozen=True)
class DispatcherStatus:
    """Running dispatchers and the messages that wait for one."""

    alive: int  # dispatchers that beat within the last 20 seconds
    last_seen: datetime | None  # the newest beat of any dispatcher
    waiting: int  # messages scheduled or being sent

    @property
    def running(self) -> bool:
        return self.alive > 0


def dispatcher_status(store: Store, *, excluding: str | None = None) -> DispatcherStatus:
    """Count live dispatchers (leaving out ``excluding``, such as the app's own) and waiting messages."""
    now = utcnow()
    with store.read() as session:
        beats = session.exec(select(DispatcherHeartbeat.id, DispatcherHeartbeat.seen_at)).all()
        waiting = session.exec(
            select(func.count()).select_from(Message).where(col(Message.status).in_(("scheduled", "sending")))
        ).one()
    others = [(beat_id, seen_at) for beat_id, seen_at in beats if beat_id != excluding]
    alive = sum(1 for _, seen_at in others if seen_at >= now - ALIVE_WITHIN)
    last_seen = max((seen_at for _, seen_at in others), default=None)
    return DispatcherStatus(alive=alive, last_seen=last_seen, waiting=waiting)
