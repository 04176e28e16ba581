"""One object that the screens and the command line call for everything they do.

It holds the store and the acting user, and takes and returns plain values. Every method
blocks on SQLite: screens call it from a thread worker, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from ecd_tui.domain import clients, held, importer, message_lists, messages, sending
from ecd_tui.domain.attachments import CheckedFile, check_file
from ecd_tui.domain.heartbeat import DispatcherStatus, dispatcher_status
from ecd_tui.domain.quiet_hours import QuietHoursWarning, load_quiet_hours, quiet_hours_warning
from ecd_tui.domain.sending_numbers import sending_number
from ecd_tui.domain.agency import agency_info
from ecd_tui.domain.client_records import ClientDraft, ClientMatch, ClientRecord, ContactRecord, EventDraft, EventRecord, OptOutRecord
from ecd_tui.domain.clock import agency_zone
from ecd_tui.domain.fanout import SendTarget
from ecd_tui.domain.importer import ImportReport
from ecd_tui.domain.messages import QueueResult, SendTiming
from ecd_tui.domain.preview import DraftProblem, Preview, check_draft
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

    # Clients, contacts and events

    def search_clients(self, query: str, limit: int = clients.SEARCH_LIMIT) -> list[ClientMatch]:
        return clients.search_clients(self.store, query, limit)

    def client(self, client_pk: int) -> ClientRecord:
        """Return one client; raises clients.NotFound."""
        return clients.get_client(self.store, client_pk)

    def client_by_client_id(self, client_id: str) -> ClientRecord | None:
        return clients.find_client_by_client_id(self.store, client_id)

    def create_client(self, draft: ClientDraft) -> ClientRecord:
        return clients.create_client(self.store, self.actor, draft)

    def update_client(self, client_pk: int, draft: ClientDraft) -> ClientRecord:
        return clients.update_client(self.store, self.actor, client_pk, draft)

    def contacts(self, client_pk: int) -> list[ContactRecord]:
        return clients.list_contacts(self.store, client_pk)

    def contact(self, contact_id: int) -> ContactRecord:
        return clients.get_contact(self.store, contact_id)

    def add_contact(self, client_pk: int, typed: str, label: str = "", line_type: str = "") -> ContactRecord:
        """Add a phone number or email address; raises InvalidRecipient or RecordError."""
        return clients.add_contact(self.store, self.actor, client_pk, typed, label, line_type)

    def update_contact(self, contact_id: int, *, label: str, line_type: str, valid: bool) -> ContactRecord:
        return clients.update_contact(self.store, self.actor, contact_id, label=label, line_type=line_type, valid=valid)

    def set_opted_out(self, contact_id: int, opted_out: bool, reason: str) -> ContactRecord:
        return clients.set_opted_out(self.store, self.actor, contact_id, opted_out, reason)

    def opt_out_history(self, contact_id: int) -> list[OptOutRecord]:
        return clients.opt_out_history(self.store, contact_id)

    def events(self, client_pk: int) -> list[EventRecord]:
        return clients.list_events(self.store, client_pk)

    def create_event(self, client_pk: int, draft: EventDraft) -> EventRecord:
        return clients.create_event(self.store, self.actor, client_pk, draft)

    def update_event(self, event_id: int, draft: EventDraft) -> EventRecord:
        return clients.update_event(self.store, self.actor, event_id, draft)

    def client_messages(self, client_pk: int, *, pending: bool) -> list[MessageRecord]:
        return message_lists.messages_for(self.store, client_pk=client_pk, pending=pending)

    def contact_messages(self, contact_id: int, *, pending: bool) -> list[MessageRecord]:
        return message_lists.messages_for(self.store, contact_id=contact_id, pending=pending)

    # Sending to clients, contacts and typed-in recipients

    def check_draft(self, subject: str, body: str) -> list[DraftProblem]:
        """Return unknown tags and over-long fields while the clerk types; needs no database."""
        return check_draft(subject, body)

    def preview(
        self, targets: Sequence[SendTarget], subject: str, body: str, timing: SendTiming = SendTiming(),
        *, voice: bool = False, files: Sequence[CheckedFile] = (),
    ) -> Preview:
        return sending.preview_send(
            self.store, targets, subject, body, timing, voice=voice, files=files, fallback_number=self.fallback_number,
        )

    def send(
        self, targets: Sequence[SendTarget], subject: str, body: str, timing: SendTiming = SendTiming(),
        *, voice: bool = False, expected_fingerprint: str | None = None, files: Sequence[CheckedFile] = (),
    ) -> QueueResult:
        """Queue the messages of a preview; raises MessageError when it changed or is blocked."""
        return sending.queue_targets(
            self.store, self.actor, targets, subject, body, timing, voice=voice, expected_fingerprint=expected_fingerprint,
            files=files, fallback_number=self.fallback_number,
        )

    def import_clients(self, path: Path) -> ImportReport:
        """Apply a CSV file of clients, contacts and events; see domain.importer for its columns."""
        return importer.import_csv(self.store, self.actor, path)

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
