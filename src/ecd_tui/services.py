"""One object that the screens and the command line call for everything they do.

It holds the store and the acting user, and takes and returns plain values. Every method
blocks on SQLite: screens call it from a thread worker, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ecd_tui.domain import messages
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
