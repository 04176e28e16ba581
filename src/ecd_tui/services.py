"""One object that the screens and the command line call for everything they do.

It holds the store and the acting user, and takes and returns plain values. Every method
blocks on SQLite: screens call it from a thread worker, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ecd_tui.domain import held, messages
from ecd_tui.domain.attachments import check_file
from ecd_tui.domain.heartbeat import DispatcherStatus, dispatcher_status
from ecd_tui.domain.sending import sending_number
from ecd_tui.domain.quiet_hours import QuietHoursWarning, load_quiet_hours, quiet_hours_warning
from ecd_tui.domain.agency import agency_info
from ecd_tui.domain.attachments import CheckedFile
from ecd_tui.domain.clock import agency_zone
from ecd_tui.domain.messages import QueueResult, SendTiming
from ecd_tui.domain.recipients import Recipient, parse_recipient
from ecd_tui.domain.records import Actor, AgencyInfo, MessageRecord
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import identify


@dataclass
class Services:
    store: Store
    actor: Actor
    # The sandbox's sending number in training mode; None when delivery is live, so texts
    # and calls need an agency number.
    fallback_number: str | None = None

    @classmethod
    def open(cls, store: Store, login: str, *, fallback_number: str | None = None) -> Services:
        return cls(store=store, actor=identify(store, login), fallback_number=fallback_number)

    def agency(self) -> AgencyInfo:
        return agency_info(self.store)

    def zone(self) -> ZoneInfo:
        return agency_zone(self.agency().time_zone)

    def parse_recipient(self, text: str) -> Recipient:
        """Parse typed text in the agency's default phone region; raises InvalidRecipient."""
        return parse_recipient(text, self.agency().default_region)

    def queue(
        self,
        recipients: Sequence[Recipient],
        subject: str,
        body: str,
        timing: SendTiming = SendTiming(),
        *,
        voice: bool = False,
        files: Sequence[CheckedFile] = (),
    ) -> QueueResult:
        return messages.queue_messages(
            self.store, self.actor, recipients, subject, body, timing,
            voice=voice, files=files, fallback_number=self.fallback_number,
        )

    def cancel(self, message_id: int) -> MessageRecord:
        return messages.cancel_message(self.store, self.actor, message_id)

    def pending(self, limit: int = 200) -> list[MessageRecord]:
        return messages.list_pending(self.store, limit=limit)

    def feed(self, limit: int = 200) -> list[MessageRecord]:
        return messages.list_feed(self.store, limit=limit)

    def all_messages(self) -> list[MessageRecord]:
        return messages.list_all(self.store)

    # Delivery: files, quiet hours, held messages and the dispatcher's heartbeat

    def check_attachment(self, path: str) -> CheckedFile:
        """Check a file the clerk adds; raises AttachmentError with the reason."""
        return check_file(path)

    def quiet_hours_warning(self, timing: SendTiming = SendTiming()) -> QuietHoursWarning | None:
        """Return a warning when a message queued now with ``timing`` would go out in quiet hours."""
        hours = load_quiet_hours(self.store)
        return quiet_hours_warning(hours, messages.planned_send_at(self.store, timing))

    def send_now(self, message_id: int) -> MessageRecord:
        """Send a held or unknown message at once; raises ReleaseRefused or PermissionDenied."""
        return held.send_now(self.store, self.actor, message_id)

    def dispatcher_status(self, excluding: str | None = None) -> DispatcherStatus:
        """Return how many dispatchers other than ``excluding`` are alive, and the waiting messages."""
        return dispatcher_status(self.store, excluding=excluding)

    def default_sending_number(self) -> str:
        """Return the agency number texts go from, or the sandbox's in training mode.

        Raises:
            MessageError: no active agency number can send texts and there is no fallback.
        """
        with self.store.read() as session:
            number = sending_number(session, "sms", self.fallback_number)
        if number is None:
            raise messages.MessageError("No active agency phone number can send texts: add one under Admin, Agency Phones.")
        return number
