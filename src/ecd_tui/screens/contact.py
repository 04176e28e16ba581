"""The Contact screen: one phone number or email address of a client.

Details and opt-out state with its history, opting out or back in by hand, the Send a
Message form to this contact only, and this contact's messages.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Label, Static

from ecd_tui.domain.client_records import ClientRecord, ContactRecord, OptOutRecord
from ecd_tui.domain.clients import NotFound
from ecd_tui.domain.clock import format_local
from ecd_tui.domain.fanout import SendTarget
from ecd_tui.screens.contact_form import ContactFormScreen
from ecd_tui.screens.opt_out_dialog import OptOutDialog
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.widgets.composer import MessageComposer
from ecd_tui.widgets.safe_text import safe_text, visible_controls
from ecd_tui.widgets.record_tables import contact_state, fill_messages


class ContactScreen(Screen):
    CSS_PATH = ["../styles/client_profile.tcss", "../styles/composer.tcss"]
    BINDINGS = [
        Binding("ctrl+b", "toggle_opt_out", "Opt out / in"),
        Binding("ctrl+r", "edit_contact", "Edit contact"),
        Binding("ctrl+l", "refresh", "Refresh"),
        Binding("ctrl+s", "preview", "Preview and send"),
        Binding("ctrl+t", "pick_tag", "Merge tag", show=False),
        Binding("escape", "back", "Back"),
    ]

    class Loaded(Message):
        def __init__(self, contact, client, history, pending, sent, zone) -> None:
            super().__init__()
            self.contact = contact
            self.client = client
            self.history = history
            self.pending = pending
            self.sent = sent
            self.zone = zone

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, services, contact_id: int) -> None:
        super().__init__()
        self.services = services
        self.contact_id = contact_id
        self.contact: ContactRecord | None = None

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="contact"):
            yield Static("Loading…", id="contact-details")
            yield Label("Opt-out history  (ctrl+b: opt out or back in)", classes="section-title")
            yield DataTable(id="contact-history", cursor_type="row")
            yield MessageComposer(self.services, self._targets, id="contact-composer")
            yield Label("Scheduled Messages", classes="section-title")
            yield DataTable(id="contact-scheduled", cursor_type="row")
            yield Label("Sent Messages", classes="section-title")
            yield DataTable(id="contact-sent", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#contact-history", DataTable).focus()
        self._load()

    # Handlers

    def on_contact_screen_loaded(self, message: Loaded) -> None:
        self.contact = message.contact
        self.query_one("#contact-details", Static).update(_details(message.contact, message.client, message.zone))
        _fill_history(self.query_one("#contact-history", DataTable), message.history, message.zone)
        fill_messages(self.query_one("#contact-scheduled", DataTable), message.pending, message.zone, pending=True)
        fill_messages(self.query_one("#contact-sent", DataTable), message.sent, message.zone, pending=False)

    def on_contact_screen_failed(self, message: Failed) -> None:
        self.notify(message.text, severity="error", markup=False)

    def on_message_composer_queued(self, message: MessageComposer.Queued) -> None:
        self._load()

    # Actions

    def action_toggle_opt_out(self) -> None:
        if self.contact is not None:
            self.app.push_screen(OptOutDialog(self.services, self.contact), self._reload_if_saved)

    def action_edit_contact(self) -> None:
        if self.contact is not None:
            self.app.push_screen(ContactFormScreen(self.services, self.contact.client_pk, self.contact), self._reload_if_saved)

    def action_refresh(self) -> None:
        self._load()

    def action_preview(self) -> None:
        self.query_one(MessageComposer).action_preview()

    def action_pick_tag(self) -> None:
        composer = self.query_one(MessageComposer)
        composer.query_one("#composer-body").focus()
        composer.action_pick_tag()

    def action_back(self) -> None:
        composer = self.query_one(MessageComposer)
        if not (composer.subject.strip() or composer.body.strip()):
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen(safe_text("Leave the contact and discard the unsent message?")), answered)

    # Workers

    @work(thread=True, exclusive=True, group="contact-load")
    def _load(self) -> None:
        try:
            contact = self.services.contact(self.contact_id)
            loaded = self.Loaded(
                contact,
                self.services.client(contact.client_pk),
                self.services.opt_out_history(self.contact_id),
                self.services.contact_messages(self.contact_id, pending=True),
                self.services.contact_messages(self.contact_id, pending=False),
                self.services.zone(),
            )
        except NotFound as error:
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(loaded)

    # Helpers

    def _targets(self) -> list[SendTarget]:
        return [SendTarget.for_contact(self.contact_id)]

    def _reload_if_saved(self, saved) -> None:
        if saved is not None:
            self._load()


def _details(contact: ContactRecord, client: ClientRecord, zone) -> Text:
    text = Text()
    text.append(safe_text(contact.address, style="bold"))
    if contact.extension:
        text.append(f" ext. {visible_controls(contact.extension)}")
    text.append(f"  ·  {contact.channel}")
    if contact.label:
        text.append("  ·  ")
        text.append(safe_text(contact.label))
    if contact.channel == "phone":
        text.append(f"  ·  line type {contact.line_type}")
    text.append("\nClient: ")
    text.append(safe_text(f"{client.full_name} ({client.client_id})"))
    text.append(f"\nState: {contact_state(contact)}")
    if contact.opted_out:
        by = contact.opted_out_by or "unknown"
        by = f"reply {by.removeprefix('keyword:')}" if by.startswith("keyword:") else by
        text.append(f" since {format_local(contact.opted_out_at, zone)} by ")
        text.append(safe_text(by))
        text.append(", reason: ")
        text.append(safe_text(contact.opted_out_reason or "none given"))
    return text


def _fill_history(table: DataTable, history: list[OptOutRecord], zone) -> None:
    table.clear(columns=True)
    table.add_columns("When", "Change", "By", "Reason")
    for entry in history:
        change = "✗ opted out" if entry.action == "opt_out" else "✓ opted in"
        table.add_row(format_local(entry.at, zone), change, safe_text(entry.by), safe_text(entry.reason))
    if not history:
        table.add_row("", "never opted out", "", "")
