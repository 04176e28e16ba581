"""The audit log as screens and the command line read it: who did what, and when."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, or_, select

from ecd_tui.domain.models import AuditEntry, OptOutEvent
from ecd_tui.domain.store import Store

# Filters the Audit Log screen offers: a name and the action prefixes it matches.
AUDIT_FILTERS: dict[str, tuple[str, ...]] = {
    "all": (),
    "messages": ("message ",),
    "opt-outs": ("opted ", "opt-"),
    "settings": ("settings ", "phone ", "went live", "returned to sandbox", "credentials "),
    "users": ("user ", "role "),
}


@dataclass(frozen=True)
class AuditRecord:
    """One audit entry: when, who, what, on which target, and details."""

    id: int
    at: datetime
    login: str
    action: str
    target: str
    detail: str


def list_audit(store: Store, *, kind: str = "all", limit: int = 200, offset: int = 0) -> list[AuditRecord]:
    """Return audit entries of one kind (a key of AUDIT_FILTERS), newest first.

    Raises:
        ValueError: ``kind`` is not a known filter.
    """
    if kind not in AUDIT_FILTERS:
        raise ValueError(f"Audit filter {kind!r} is unknown: use one of {', '.join(AUDIT_FILTERS)}.")
    statement = select(AuditEntry).order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
    prefixes = AUDIT_FILTERS[kind]
    if prefixes:
        statement = statement.where(or_(*(col(AuditEntry.action).startswith(prefix) for prefix in prefixes)))
    with store.read() as session:
        rows = session.exec(statement.limit(limit + offset)).all()
        records = [AuditRecord(id=row.id, at=row.at, login=row.login, action=row.action, target=row.target, detail=row.detail) for row in rows]
        if kind in ("all", "opt-outs"):
            records += _opt_out_records(session, limit + offset)
    records.sort(key=lambda record: (record.at, record.id), reverse=True)
    return records[offset:offset + limit]


def _opt_out_records(session, limit: int) -> list[AuditRecord]:
    """Return opt-outs and opt-ins as audit records; their history table is the record of them.

    Their ids are negative, so that they never equal an audit entry's id.
    """
    statement = select(OptOutEvent).order_by(col(OptOutEvent.at).desc(), col(OptOutEvent.id).desc()).limit(limit)
    records = []
    for row in session.exec(statement):
        who = row.by_login or (f"reply {row.keyword}" if row.keyword else "carrier")
        action = "opted out" if row.action == "opt_out" else "opted in"
        records.append(AuditRecord(id=-row.id, at=row.at, login=who, action=action, target=row.address, detail=row.reason or ""))
    return records
