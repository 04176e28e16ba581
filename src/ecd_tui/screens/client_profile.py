"""The Client Profile: details, contacts, events, the Send a Message form, and messages.

The form sends to all of the client's valid, opted-in contacts; the preview lists the
others with the reason they are skipped.
"""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from ecd_tui.domain.client_records import ClientRecord, ContactRecord, EventRecord
from ecd_tui.domain.clients import NotFound
from ecd_tui.domain.fanout import SendTarget
from ecd_tui.domain.messages import CancelRefused
from ecd_tui.domain.permissions import PermissionDenied
from ecd_tui.domain.records import MessageRecord
from ecd_tui.screens.client_form import ClientFormScreen
from ecd_tui.screens.contact_form import ContactFormScreen
from ecd_tui.screens.event_form import EventFormScreen
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.widgets.composer import MessageComposer
from ecd_tui.widgets.safe_text import safe_lines, safe_text
from ecd_tui.widgets.record_tables import fill_contacts, fill_events, fill_messages


class ClientProfileScreen(Screen):
    """One client; reads top to bottom, Tab moves between the sections."""

    CSS_PATH = ["../styles/client_profile.tcss", "../styles/composer.tcss"]
    BINDINGS = [
        Binding("ctrl+r", "edit_client", "Edit client"),
        Binding("ctrl+n", "new_contact", "Create Contact"),
        Binding("ctrl+b", "new_event", "New event"),
        Binding("ctrl+l", "refresh", "Refresh"),
        Binding("ctrl+s", "preview", "Preview and send"),
        Binding("ctrl+t", "pick_tag", "Merge tag", show=False),
        Binding("x", "cancel_message", "Cancel message", show=False),
        Binding("escape", "back", "Back"),
    ]

    class Loaded(Message):
        def __init__(self, client, contacts, events, pending, sent, zone) -> None:
            super().__init__()
            self.client = client
            self.contacts = contacts
            self.events = events
            self.pending = pending
            self.sent = sent
            self.zone = zone

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, services, client_pk: int) -> None:
        super().__init__()
        self.services = services
        self.client_pk = client_pk
        self.client: ClientRecord | None = None
        self.contacts: list[ContactRecord] = []
        self.events: list[EventRecord] = []
        self.pending: list[MessageRecord] = []

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="profile"):
            yield Static("Loading…", id="profile-details")
            yield Label("Contacts  (Enter: open · ctrl+n: Create Contact)", classes="section-title")
            yield DataTable(id="profile-contacts", cursor_type="row")
            yield Label("Events  (Enter: edit · ctrl+b: new event)", classes="section-title")
            yield DataTable(id="profile-events", cursor_type="row")
            yield MessageComposer(self.services, self._targets, id="profile-composer")
            yield Label("Scheduled Messages  (x: cancel · ctrl+l: refresh)", classes="section-title")
            yield DataTable(id="profile-scheduled", cursor_type="row")
            yield Label("Sent Messages", classes="section-title")
            yield DataTable(id="profile-sent", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#profile-contacts", DataTable).focus()
        self._load()

    # Handlers

    def on_client_profile_screen_loaded(self, message: Loaded) -> None:
        self.client, self.contacts, self.events, self.pending = message.client, message.contacts, message.events, message.pending
        self.query_one("#profile-details", Static).update(_details(message.client, message.contacts))
        fill_contacts(self.query_one("#profile-contacts", DataTable), message.contacts)
        fill_events(self.query_one("#profile-events", DataTable), message.events, message.zone)
        fill_messages(self.query_one("#profile-scheduled", DataTable), message.pending, message.zone, pending=True)
        fill_messages(self.query_one("#profile-sent", DataTable), message.sent, message.zone, pending=False)

    def on_client_profile_screen_failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error", markup=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        key = int(event.row_key.value)
        if event.data_table.id == "profile-contacts":
            from ecd_tui.screens.contact import ContactScreen

            self.app.push_screen(ContactScreen(self.services, key), lambda _: self._load())
        elif event.data_table.id == "profile-events":
            event_record = next(e for e in self.events if e.id == key)
            self.app.push_screen(EventFormScreen(self.services, self.client_pk, event_record), self._reload_if_saved)

    def on_message_composer_queued(self, message: MessageComposer.Queued) -> None:
        self._load()

    # Actions

    def action_edit_client(self) -> None:
        if self.client is not None:
            self.app.push_screen(ClientFormScreen(self.services, self.client), self._reload_if_saved)

    def action_new_contact(self) -> None:
        self.app.push_screen(ContactFormScreen(self.services, self.client_pk), self._reload_if_saved)

    def action_new_event(self) -> None:
        self.app.push_screen(EventFormScreen(self.services, self.client_pk), self._reload_if_saved)

    def action_refresh(self) -> None:
        self._load()

    def action_preview(self) -> None:
        self.query_one(MessageComposer).action_preview()

    def action_pick_tag(self) -> None:
        composer = self.query_one(MessageComposer)
        composer.query_one("#composer-body").focus()
        composer.action_pick_tag()

    def action_cancel_message(self) -> None:
        table = self.query_one("#profile-scheduled", DataTable)
        if not table.has_focus or not self.pending:
            return
        message_id = int(table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value)
        record = next(m for m in self.pending if m.id == message_id)

        def answered(yes: bool | None) -> None:
            if yes:
                self._cancel(message_id)

        self.app.push_screen(ConfirmScreen(safe_text(f"Cancel message {message_id} ({record.channel} to {record.recipient})?")), answered)

    def action_back(self) -> None:
        composer = self.query_one(MessageComposer)
        if not (composer.subject.strip() or composer.body.strip()):
            self.app.pop_screen()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.app.pop_screen()

        self.app.push_screen(ConfirmScreen(safe_text("Leave the profile and discard the unsent message?")), answered)

    # Workers

    @work(thread=True, exclusive=True, group="profile-load")
    def _load(self) -> None:
        try:
            client = self.services.client(self.client_pk)
            loaded = self.Loaded(
                client,
                self.services.contacts(self.client_pk),
                self.services.events(self.client_pk),
                self.services.client_messages(self.client_pk, pending=True),
                self.services.client_messages(self.client_pk, pending=False),
                self.services.zone(),
            )
        except NotFound as error:
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(loaded)

    @work(thread=True, group="profile-cancel")
    def _cancel(self, message_id: int) -> None:
        try:
            self.services.cancel(message_id)
        except (CancelRefused, PermissionDenied) as error:
            self.post_message(self.Failed(str(error)))
        self._load()

    # Helpers

    def _targets(self) -> list[SendTarget]:
        return [SendTarget.for_client(self.client_pk)]

    def _reload_if_saved(self, saved) -> None:
        if saved is not None:
            self._load()


def _details(client: ClientRecord, contacts: list[ContactRecord]):
    from rich.text import Text

    text = Text()
    text.append(safe_text(client.full_name, style="bold"))
    text.append("  ·  client id ")
    text.append(safe_text(client.client_id))
    if client.date_of_birth:
        text.append(f"  ·  born {client.date_of_birth:%Y-%m-%d}")
    text.append(f"  ·  language {client.preferred_language}")
    reachable = sum(1 for contact in contacts if contact.reachable)
    text.append(f"\n{reachable} of {len(contacts)} contacts reachable")
    if client.notes:
        text.append("\nNotes: ")
        text.append(safe_lines(client.notes))
    return text
