"""Queue the messages of one Send: the preview's entries, stored as previewed.

All three sending places (Client Profile, Contact screen, Dashboard) and ``ecd-tui send``
end here. The preview is built again inside the write transaction, so the recipients'
opt-outs and the merged text are current when the rows are written.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from datetime import timedelta

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.fanout import SendTarget
from ecd_tui.domain.messages import MessageError, QueueResult, SendTiming, _audit, _send_at, to_record
from ecd_tui.domain.models import Message
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.preview import Preview, build_preview
from ecd_tui.domain.records import Actor
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)


def preview_send(
    store: Store, targets: Sequence[SendTarget], subject: str, body: str,
    timing: SendTiming = SendTiming(), *, voice: bool = False,
) -> Preview:
    """Return what a Send would create now, without writing anything.

    Raises:
        MessageError: a send time that is not allowed (sooner than the review delay).
    """
    with store.read() as session:
        settings = load_settings_row(session)
        now = utcnow()
        send_at = _send_at(timing, now, settings.review_delay_seconds)
        return build_preview(session, targets, subject, body, send_at=send_at, now=now, voice=voice)


def queue_targets(
    store: Store,
    actor: Actor,
    targets: Sequence[SendTarget],
    subject: str,
    body: str,
    timing: SendTiming = SendTiming(),
    *,
    voice: bool = False,
    expected_fingerprint: str | None = None,
) -> QueueResult:
    """Create one scheduled message per preview entry, storing its merged subject and text.

    ``expected_fingerprint`` is the fingerprint of the preview the clerk confirmed; when
    the recipients or their text changed since, nothing is queued.

    Raises:
        PermissionDenied: the actor may not create messages, or may not skip the delay.
        MessageError: every problem the preview lists, joined into one text.
    """
    require(actor, Permission.CREATE_MESSAGES, "send messages")
    if timing.mode == "now":
        require(actor, Permission.SEND_WITHOUT_DELAY, "send without the review delay")

    with store.write() as session:
        settings = load_settings_row(session)
        now = utcnow()
        send_at = _send_at(timing, now, settings.review_delay_seconds)
        preview = build_preview(session, targets, subject, body, send_at=send_at, now=now, voice=voice)
        if preview.problems:
            raise MessageError(" ".join(preview.problems))
        if expected_fingerprint is not None and expected_fingerprint != preview.fingerprint:
            raise MessageError(
                "The recipients or their details changed since the preview (an opt-out, a contact or an event): "
                "nothing was queued. Open the preview again and check it before sending."
            )

        batch_id = uuid.uuid4().hex
        expires_at = send_at + timedelta(seconds=settings.retry_expiry_seconds)
        created = []
        for entry in preview.entries:
            message = Message(
                channel=entry.channel, recipient=entry.address, client_pk=entry.client_pk, contact_id=entry.contact_id,
                batch_id=batch_id, subject=entry.subject, body=entry.body, send_at=send_at, expires_at=expires_at,
                created_at=now, created_by=actor.login,
            )
            session.add(message)
            created.append(message)
        session.flush()
        for message in created:
            session.add(_audit(actor, "message created", message, f"{message.channel}, send at {send_at.isoformat()}"))

    records = [to_record(message) for message in created]
    for record in records:
        log.info("Message %s queued by %s: %s to %s, send at %s", record.id, actor.login, record.channel, record.recipient, record.send_at.isoformat())
    for skipped in preview.skipped:
        log.info("Batch %s: skipped %s %s: %s", batch_id, skipped.name, skipped.address, skipped.reason)
    return QueueResult(messages=records, skipped=list(preview.skipped))
