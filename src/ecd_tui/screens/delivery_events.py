"""Textual messages for files, quiet hours, held messages and the dispatcher's heartbeat.

Like ``screens.events``, each reports something that already happened, posted by a thread
worker once a services call returned.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from ecd_tui.domain.attachments import CheckedFile
from ecd_tui.domain.heartbeat import DispatcherStatus
from ecd_tui.domain.messages import SendTiming
from ecd_tui.domain.fanout import SendTarget
from ecd_tui.domain.quiet_hours import QuietHoursWarning
from ecd_tui.domain.recipients import Recipient
from ecd_tui.domain.records import MessageRecord


@dataclass(frozen=True)
class SendRequest:
    """Everything the clerk asked to send, kept through the quiet-hours question and the preview."""

    targets: list[SendTarget]
    subject: str
    body: str
    voice: bool
    files: list[CheckedFile]
    timing: SendTiming = SendTiming()
    fingerprint: str | None = None  # of the preview the clerk confirmed


class FileChecked(Message):
    """A file the clerk typed passed the checks and may be attached."""

    def __init__(self, typed: str, checked: CheckedFile) -> None:
        super().__init__()
        self.typed = typed
        self.checked = checked


class QuietHoursChecked(Message):
    """The send time of a request was checked against quiet hours; ``warning`` is None when clear."""

    def __init__(self, request: SendRequest, warning: QuietHoursWarning | None) -> None:
        super().__init__()
        self.request = request
        self.warning = warning


class MessageReleased(Message):
    """A held or unknown message was put back to go out at once."""

    def __init__(self, record: MessageRecord) -> None:
        super().__init__()
        self.record = record


class DispatcherChecked(Message):
    """The dispatchers' heartbeats were read."""

    def __init__(self, status: DispatcherStatus) -> None:
        super().__init__()
        self.status = status
