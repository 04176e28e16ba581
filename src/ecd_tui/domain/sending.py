"""Queue the messages of one Send: the preview's entries, stored as previewed.

All three sending places (Client Profile, Contact screen, Dashboard) and ``ecd-tui send``
end here. The preview is built again inside the write transaction, so the recipients'
opt-outs and the merged text are current when the rows are written.
"""

from __future__ import annotations

import logging
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

from sqlmodel import Session

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.fanout import SendTarget
from ecd_tui.domain.messages import MessageError, QueueResult, SendTiming, _audit, _send_at, to_record
from ecd_tui.domain.attachments import AttachmentError, CheckedFile, attachments_directory, check_files, copy_files, mms_problem
from ecd_tui.domain.models import Attachment, Message
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.preview import Preview, build_preview, fingerprint
from ecd_tui.domain.records import Actor
from ecd_tui.domain.sending_numbers import NoSendingNumber, require_sending_numbers
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)


def preview_send(
    store: Store, targets: Sequence[SendTarget], subject: str, body: str,
    timing: SendTiming = SendTiming(), *, voice: bool = False,
    files: Sequence[CheckedFile] = (), fallback_number: str | None = None,
) -> Preview:
    """Return what a Send would create now, without writing anything.

    Raises:
        MessageError: a send time that is not allowed (sooner than the review delay).
    """
    with store.read() as session:
        settings = load_settings_row(session)
        now = utcnow()
        send_at = _send_at(timing, now, settings.review_delay_seconds)
        preview = build_preview(session, targets, subject, body, send_at=send_at, now=now, voice=voice)
        return apply_delivery_rules(session, preview, files, fallback_number)


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
    files: Sequence[CheckedFile] = (),
    fallback_number: str | None = None,
) -> QueueResult:
    """Create one scheduled message per preview entry, storing its merged subject and text.

    ``expected_fingerprint`` is the fingerprint of the preview the clerk confirmed; when
    the recipients or their text changed since, nothing is queued. ``files`` are copied
    beside the database before anything is written, so what goes out is what the clerk
    attached. Email carries them, and a text with them becomes a picture message (MMS).
    ``fallback_number`` is the sandbox's sending number in training mode.

    Raises:
        PermissionDenied: the actor may not create messages, or may not skip the delay.
        MessageError: every problem the preview lists, joined into one text.
    """
    require(actor, Permission.CREATE_MESSAGES, "send messages")
    if timing.mode == "now":
        require(actor, Permission.SEND_WITHOUT_DELAY, "send without the review delay")
    try:
        check_files(files)
    except AttachmentError as error:
        raise MessageError(str(error)) from None
    if files:
        # Check before copying, so a refused send leaves no copies behind.
        checked = preview_send(store, targets, subject, body, timing, voice=voice, files=files, fallback_number=fallback_number)
        if checked.problems:
            raise MessageError(" ".join(checked.problems))
    copies = _copy_files(store, files)
    try:
        return _queue_previewed(store, actor, targets, subject, body, timing, voice, expected_fingerprint, copies, fallback_number)
    except BaseException:
        if copies:
            shutil.rmtree(copies[0].path.parent, ignore_errors=True)
        raise


def _queue_previewed(
    store: Store,
    actor: Actor,
    targets: Sequence[SendTarget],
    subject: str,
    body: str,
    timing: SendTiming,
    voice: bool,
    expected_fingerprint: str | None,
    copies: Sequence[CheckedFile],
    fallback_number: str | None,
) -> QueueResult:
    with store.write() as session:
        settings = load_settings_row(session)
        now = utcnow()
        send_at = _send_at(timing, now, settings.review_delay_seconds)
        preview = build_preview(session, targets, subject, body, send_at=send_at, now=now, voice=voice)
        preview = apply_delivery_rules(session, preview, copies, fallback_number)
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
            if message.channel in ("email", "mms"):
                for copy in copies:
                    session.add(Attachment(
                        message_id=message.id, path=str(copy.path), filename=copy.filename,
                        content_type=copy.content_type, size=copy.size,
                    ))

    records = [to_record(message) for message in created]
    for record in records:
        log.info("Message %s queued by %s: %s to %s, send at %s", record.id, actor.login, record.channel, record.recipient, record.send_at.isoformat())
    for skipped in preview.skipped:
        log.info("Batch %s: skipped %s %s: %s", batch_id, skipped.name, skipped.address, skipped.reason)
    return QueueResult(messages=records, skipped=list(preview.skipped))


def apply_delivery_rules(session: Session, preview: Preview, files: Sequence[CheckedFile], fallback_number: str | None) -> Preview:
    """Turn texts with files into picture messages, and add what blocks delivery to the problems.

    A phone channel needs an active agency number that can send on it. A picture message
    needs JPEG, PNG or GIF files and the agency's media URL base, and a call carries none.
    """
    entries = [
        replace(entry, channel="mms", encoding=None, ucs2_characters=(), segments=None)
        if files and entry.channel == "sms" else entry
        for entry in preview.entries
    ]
    channels = {entry.channel for entry in entries}
    problems = list(preview.problems)
    if files and "voice" in channels:
        problems.append("A voice call cannot carry files: remove the files, or send texts instead of calls.")
    try:
        require_sending_numbers(session, channels, fallback_number)
    except NoSendingNumber as error:
        problems.append(str(error))
    if files and "mms" in channels:
        settings = load_settings_row(session)
        if not settings.media_url_base:
            problems.append(
                "Files cannot go by text because no media URL base is set: an administrator sets one"
                " under Admin, Settings, or remove the files, or send to email addresses only."
            )
        problem = mms_problem(files)
        if problem:
            problems.append(f"{problem} Remove the file, or send to email addresses only.")
    if entries == preview.entries and problems == preview.problems:
        return preview
    return replace(preview, entries=entries, problems=list(dict.fromkeys(problems)), fingerprint=fingerprint(entries))


def _copy_files(store: Store, files: Sequence[CheckedFile]) -> list[CheckedFile]:
    if not files:
        return []
    try:
        return copy_files(files, attachments_directory(store.path))
    except AttachmentError as error:
        raise MessageError(str(error)) from None
