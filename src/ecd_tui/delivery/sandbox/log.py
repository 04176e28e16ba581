"""Read what a sandbox directory holds: the texts and emails it accepted, oldest first.

This reads files only, so it works while another process runs the sandbox servers and
after they have stopped.
"""

from __future__ import annotations

import email.policy
import mailbox
import time
from datetime import datetime, timezone
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from .mail_server import MAIL_FROM_HEADER, MAILDIR_NAME, RCPT_TO_HEADER, RECEIVED_AT_HEADER
from .text_store import TextStore


def read_sandbox_log(directory: Path) -> list[dict[str, Any]]:
    """Return every text and email the sandbox in ``directory`` accepted, oldest first.

    Each entry has the keys ``kind`` ("sms", "mms", "voice", "email", or "reply" for a
    text a trainer injected as coming from a client), ``carrier_id`` (the Twilio SID or
    the Message-ID header), ``to``, ``from``, ``subject`` (None except for email),
    ``body`` (a call's TwiML), ``received_at`` (ISO 8601 in UTC) and ``status``. A text's
    or call's status is the one it has now; an email's is "delivered", since it is in the
    Maildir. Texts carry ``media_urls`` and emails ``attachments`` (file names). Requests
    that the Twilio API rejected (test numbers, bad requests) were never stored and are
    not listed.

    A missing directory, database or Maildir counts as empty.
    """
    entries = _read_texts(directory) + _read_calls(directory) + _read_emails(directory)
    entries.sort(key=lambda entry: entry["received_at"])
    return entries


def _read_texts(directory: Path) -> list[dict[str, Any]]:
    store = TextStore(directory)
    if not store.exists():
        return []

    now = time.time()
    return [
        {
            "kind": _text_kind(text),
            "carrier_id": text.sid,
            "to": text.to,
            "from": text.from_,
            "subject": None,
            "body": text.body,
            "received_at": _iso_utc(text.created_at),
            "status": text.status_at(now),
            "num_segments": text.num_segments,
            "media_urls": list(text.media_urls),
        }
        for text in store.read_all()
    ]


def _text_kind(text) -> str:
    if text.direction == "inbound":
        return "reply"
    return "mms" if text.media_urls else "sms"


def _read_calls(directory: Path) -> list[dict[str, Any]]:
    store = TextStore(directory)
    if not store.exists():
        return []

    now = time.time()
    return [
        {
            "kind": "voice",
            "carrier_id": call.sid,
            "to": call.to,
            "from": call.from_,
            "subject": None,
            "body": call.twiml,
            "received_at": _iso_utc(call.created_at),
            "status": call.status_at(now),
        }
        for call in store.read_all_calls()
    ]


def _read_emails(directory: Path) -> list[dict[str, Any]]:
    maildir_path = directory / MAILDIR_NAME
    if not maildir_path.is_dir():
        return []

    maildir = mailbox.Maildir(maildir_path, create=False)
    parser = BytesParser(policy=email.policy.default)
    entries = []
    for key in maildir.iterkeys():
        try:
            with maildir.get_file(key) as file:
                message = parser.parse(file)
        except FileNotFoundError:
            continue  # another process moved or deleted it after the listing
        received_at = _header(message, RECEIVED_AT_HEADER)
        if received_at is None:
            received_at = _iso_utc(maildir.get_message(key).get_date())
        entries.append(
            {
                "kind": "email",
                "carrier_id": _header(message, "Message-ID"),
                "to": _header(message, RCPT_TO_HEADER) or _header(message, "To"),
                "from": _header(message, MAIL_FROM_HEADER) or _header(message, "From"),
                "subject": _header(message, "Subject"),
                "body": _plain_text(message),
                "received_at": received_at,
                "status": "delivered",
                "attachments": [part.get_filename() for part in message.iter_attachments()],
            }
        )
    return entries


def _header(message: EmailMessage, name: str) -> str | None:
    value = message.get(name)
    return str(value) if value is not None else None


def _plain_text(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    if part is None:
        return ""
    return part.get_content()


def _iso_utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).isoformat(timespec="microseconds")
