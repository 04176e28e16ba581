"""One object that the screens and the command line call for everything they do.

It keeps the store and the acting user, and takes and returns plain values. Every method
blocks on SQLite: screens call it from a thread worker, never on the event loop.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ecd_tui.domain import clients, delivery_mode, importer, message_lists, messages, phones, sending, settings, user_admin
from ecd_tui.domain.access import Access, check_access, require_access
from ecd_tui.domain.audit import AuditRecord, list_audit
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.delivery_mode import DeliveryMode
from ecd_tui.domain.models import AuditEntry
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.phones import PhoneRecord
from ecd_tui.domain.user_admin import UserRecord
from ecd_tui.domain import held
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
from ecd_tui.domain.users import identify, require


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
        self.require_access()
        return messages.list_pending(self.store, limit=limit)

    def feed(self, limit: int = 200) -> list[MessageRecord]:
        self.require_access()
        return messages.list_feed(self.store, limit=limit)

    def all_messages(self) -> list[MessageRecord]:
        self.require_access()
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

    def require_send(self, timing: SendTiming = SendTiming()) -> None:
        """Raise PermissionDenied unless this user may send with ``timing``; checked before a preview."""
        require(self.actor, Permission.CREATE_MESSAGES, "send messages")
        if timing.mode == "now":
            require(self.actor, Permission.SEND_WITHOUT_DELAY, "send without the review delay")

    # Agency administration: access, settings, phones, users, audit, delivery mode

    def access(self) -> Access:
        """Return what this login may do here, with whom to ask when it is limited."""
        return check_access(self.store, self.actor)

    def require_access(self) -> Access:
        """Raise AccessDenied when this login may not even read (disabled, or unknown while the setting is none)."""
        return require_access(self.store, self.actor)

    def settings_text(self) -> dict[str, str]:
        self.require_access()
        return settings.settings_as_text(self.store)

    def update_settings(self, values: dict[str, str]) -> dict[str, str]:
        """Save typed settings; raises PermissionDenied or SettingsInvalid (nothing saved)."""
        return settings.update_settings(self.store, self.actor, values)

    def quiet_hours_note(self, send_at: datetime) -> str | None:
        """Return the quiet-hours warning for a send time as a sentence, or None."""
        warning = quiet_hours_warning(load_quiet_hours(self.store), send_at)
        return warning.text if warning else None

    def phones(self) -> list[PhoneRecord]:
        self.require_access()
        return phones.list_phones(self.store)

    def add_phone(self, number: str, label: str = "", *, sms: bool = True, mms: bool = False, voice: bool = False) -> PhoneRecord:
        return phones.add_phone(self.store, self.actor, number, label, sms=sms, mms=mms, voice=voice)

    def update_phone(self, phone_id: int, **changes) -> PhoneRecord:
        """Change label, sms, mms, voice or active of an agency number."""
        return phones.update_phone(self.store, self.actor, phone_id, **changes)

    def users(self) -> list[UserRecord]:
        return user_admin.list_users(self.store, self.actor)

    def add_user(self, login: str, role: str, display_name: str = "") -> UserRecord:
        return user_admin.add_user(self.store, self.actor, login, role, display_name)

    def set_role(self, login: str, role: str) -> UserRecord:
        return user_admin.set_role(self.store, self.actor, login, role)

    def set_user_active(self, login: str, active: bool) -> UserRecord:
        return user_admin.set_active(self.store, self.actor, login, active)

    def audit(self, kind: str = "all", limit: int = 200, offset: int = 0) -> list[AuditRecord]:
        self.require_access()
        return list_audit(self.store, kind=kind, limit=limit, offset=offset)

    def delivery_mode(self) -> DeliveryMode:
        return delivery_mode.delivery_mode(self.store)

    def scheduled_count(self) -> int:
        return delivery_mode.scheduled_count(self.store)

    def set_delivery_mode(self, mode: str) -> DeliveryMode:
        """Switch to "live" or "sandbox"; the caller has confirmed and tested the credentials."""
        return delivery_mode.set_delivery_mode(self.store, self.actor, mode)

    def record_credentials_change(self, detail: str) -> None:
        """Write an audit entry for stored credentials; ``detail`` names places, never secrets."""
        require(self.actor, Permission.MANAGE_SETTINGS, "change the carrier credentials")
        with self.store.write() as session:
            session.add(AuditEntry(at=utcnow(), login=self.actor.login, action="credentials stored", target="carriers", detail=detail))

    # Carriers: these take the installation's Config, because the carrier settings and
    # secrets belong to the installation, not to the database. They block on the keyring,
    # files and the network, so screens call them from thread workers.

    def carrier_overview(self, config, passphrase: str | None = None) -> dict:
        """Return the carrier form (no secrets), the agency's mode and this session's plan in words."""
        from ecd_tui.delivery.carrier_admin import carrier_overview

        require(self.actor, Permission.MANAGE_SETTINGS, "see the carrier settings")
        return carrier_overview(config, self.delivery_mode().mode, self.scheduled_count(), passphrase)

    def store_carriers(self, config, form: dict[str, str], passphrase: str | None = None):
        """Store carrier settings and secrets; return (new config, where the secrets went, warnings)."""
        from ecd_tui.delivery.carrier_admin import CarrierForm, store_carrier_settings

        return store_carrier_settings(self.store, self.actor, config, CarrierForm(**form), passphrase=passphrase)

    def test_connections(self, config, passphrase: str | None = None):
        from ecd_tui.delivery.carrier_admin import run_connection_tests

        return run_connection_tests(self.store, self.actor, config, passphrase=passphrase)

    def go_live(self, config, passphrase: str | None = None):
        """Test both carriers, then switch to live; raises CarrierSetupError when a test fails."""
        from ecd_tui.delivery.carrier_admin import go_live

        return go_live(self.store, self.actor, config, passphrase=passphrase)

    def check_agency_number(self, config, e164: str, passphrase: str | None = None):
        """Look an agency number up in the Twilio account; only meaningful when live."""
        from ecd_tui.delivery.carrier_admin import check_number_in_account

        return check_number_in_account(config, self.delivery_mode().mode, e164, passphrase)
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
