"""Textual messages that workers and the dispatcher post back to the screens.

Names are in the past tense: each one reports something that already happened. Workers
post them from their threads, which is safe because ``post_message`` is thread-safe.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual.message import Message

from ecd_tui.domain.client_records import ClientMatch
from ecd_tui.domain.fanout import SendTarget
from ecd_tui.domain.messages import QueueResult
from ecd_tui.domain.preview import Preview
from ecd_tui.domain.recipients import Recipient
from ecd_tui.domain.records import AgencyInfo, MessageRecord


class MessageStatusChanged(Message):
    """The dispatcher changed a message's status (sent, failed, retrying...)."""

    def __init__(self, message_id: int, status: str | None, reason: str | None = None) -> None:
        super().__init__()
        self.message_id = message_id
        self.status = status
        self.reason = reason


class MessagesLoaded(Message):
    """The Scheduled Messages and feed lists were read, with the agency settings."""

    def __init__(self, pending: list[MessageRecord], feed: list[MessageRecord], agency: AgencyInfo, zone: ZoneInfo) -> None:
        super().__init__()
        self.pending = pending
        self.feed = feed
        self.agency = agency
        self.zone = zone


class RecipientParsed(Message):
    """Typed text was parsed into a recipient."""

    def __init__(self, typed: str, recipient: Recipient) -> None:
        super().__init__()
        self.typed = typed
        self.recipient = recipient


class MessagesQueued(Message):
    """A send created messages. It bubbles up to the app, which arms the dispatcher."""

    def __init__(self, result: QueueResult, zone: ZoneInfo) -> None:
        super().__init__()
        self.result = result
        self.zone = zone


class MessageCancelled(Message):
    """A scheduled message was cancelled."""

    def __init__(self, record: MessageRecord) -> None:
        super().__init__()
        self.record = record


class ClientFound(Message):
    """Text typed in the To field matched exactly one client."""

    def __init__(self, typed: str, match: ClientMatch) -> None:
        super().__init__()
        self.typed = typed
        self.match = match


class ClientsFound(Message):
    """Text typed in the To field matched several clients; the clerk chooses one."""

    def __init__(self, typed: str, matches: list[ClientMatch]) -> None:
        super().__init__()
        self.typed = typed
        self.matches = matches


class SendPreviewed(Message):
    """The preview of a send was built; the clerk confirms it before anything is queued."""

    def __init__(self, preview: Preview, zone: ZoneInfo, request) -> None:
        super().__init__()
        self.preview = preview
        self.zone = zone
        self.request = request  # screens.delivery_events.SendRequest
