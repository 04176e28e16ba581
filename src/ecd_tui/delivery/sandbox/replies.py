"""Inject a reply into a sandbox, as if a client had texted one of the agency's numbers.

This writes to the sandbox's files only, so it works whether or not a sandbox server is
running; the dispatcher's reply poll then finds it through the Twilio API's message list.
"""

from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from ecd_tui.domain.segments import count_segments

from .server import SANDBOX_ACCOUNT_SID
from .text_store import StoredText, TextStore

_E164 = re.compile(r"\+[1-9][0-9]{6,14}")


def inject_reply(directory: Path, *, from_: str, to: str, body: str) -> StoredText:
    """Store an inbound text from ``from_`` to the agency number ``to`` and return it.

    Raises:
        ValueError: a number is not in E.164 form, or the body is empty.
    """
    for role, number in (("sender", from_), ("agency", to)):
        if not _E164.fullmatch(number):
            raise ValueError(
                f"The {role} number {number!r} is not in E.164 form: write it as +12025550142."
            )
    if not body.strip():
        raise ValueError("The reply is empty: give the text the client sends, such as STOP.")

    now = time.time()
    reply = StoredText(
        sid="SM" + secrets.token_hex(16),
        account_sid=SANDBOX_ACCOUNT_SID,
        to=to,
        from_=from_,
        body=body,
        media_urls=(),
        num_segments=count_segments(body),
        created_at=now,
        sent_at=now,
        delivered_at=now,
        direction="inbound",
        final_status="received",
    )
    store = TextStore(directory)
    store.create()
    store.insert(reply)
    return reply
