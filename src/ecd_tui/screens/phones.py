"""The Agency Phones screen: the numbers texts and calls go out from.

a adds a number, e changes its label and capabilities, d deactivates or activates it
(deactivating asks first), and c looks it up in the Twilio account when delivery is live.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from ecd_tui.domain.permissions import Permission, has_permission
from ecd_tui.domain.phones import PhoneRecord, phone_warnings
from ecd_tui.screens.admin_base import AdminScreen, header, status_line
from ecd_tui.screens.admin_events import NumberChecked, PhoneChanged, PhonesLoaded
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.screens.phone_dialog import PhoneDialog, PhoneForm
from ecd_tui.widgets.safe_text import safe_text


class PhonesScreen(AdminScreen):
    """List the agency numbers and change them; changes need Manage Settings."""

    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("e", "edit", "Edit"),
        Binding("d", "toggle_active", "(De)activate"),
        Binding("c", "check", "Check in Twilio"),
        Binding("f5,ctrl+r", "reload", "Reload", priority=True),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, services) -> None:
        super().__init__(services)
        self.phones: list[PhoneRecord] = []

    def compose(self) -> ComposeResult:
        yield header(self)
        yield Static("Agency Phones", classes="screen-title")
        yield Static("", id="phones-note", markup=False)
        yield DataTable(id="phones", cursor_type="row", zebra_stripes=False)
        yield Static("", id="phones-warnings", markup=False)
        yield status_line()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        # Fixed widths, because a column sized by the first rows cuts a longer state later.
        table.add_column("Number", width=13)
        table.add_column("State", width=10)
        table.add_column("Capabilities", width=16)
        table.add_column("Label")
        table.focus()
        self.load_phones()

    # Event handlers

    def on_phones_loaded(self, event: PhonesLoaded) -> None:
        self.phones = event.phones
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for phone in event.phones:
            state = "✓ active" if phone.active else "– inactive"
            table.add_row(phone.e164, state, phone.capabilities, safe_text(phone.label), key=str(phone.id))
        if event.phones:
            table.move_cursor(row=min(row, len(event.phones) - 1))
        note = "a add, e edit, d deactivate or activate, c check in Twilio." if event.can_manage else (
            'Read only: changing numbers needs the "Manage Settings" permission.')
        if not event.phones:
            note = "No agency number yet. " + note
        self.query_one("#phones-note", Static).update(note)
        self.query_one("#phones-warnings", Static).update("\n".join(f"! {warning}" for warning in event.warnings))

    def on_phone_changed(self, event: PhoneChanged) -> None:
        self.report(f"{event.phone.e164} {event.what}.")
        self.load_phones()

    def on_number_checked(self, event: NumberChecked) -> None:
        severity = "information" if event.result.ok else "warning"
        self.report(str(event.result), severity)

    # Actions

    def action_add(self) -> None:
        def add(form: PhoneForm | None) -> None:
            if form is not None:
                self.add_phone(form)

        self.app.push_screen(PhoneDialog(), add)

    def action_edit(self) -> None:
        phone = self._selected()
        if phone is None:
            return

        def change(form: PhoneForm | None) -> None:
            if form is not None:
                self.change_phone(phone.id, {"label": form.label, "sms": form.sms, "mms": form.mms, "voice": form.voice}, "changed")

        self.app.push_screen(PhoneDialog(phone), change)

    def action_toggle_active(self) -> None:
        phone = self._selected()
        if phone is None:
            return
        if not phone.active:
            self.change_phone(phone.id, {"active": True}, "is active")
            return

        def deactivate(confirmed: bool | None) -> None:
            if confirmed:
                self.change_phone(phone.id, {"active": False}, "is inactive")

        question = Text(f"Deactivate {phone.e164}? Texts and calls stop going out from it.")
        self.app.push_screen(ConfirmScreen(question, yes_label="Yes, deactivate (y)", no_label="No, keep it (n)"), deactivate)

    def action_check(self) -> None:
        phone = self._selected()
        if phone is not None:
            self.check_number(phone.e164)

    def action_reload(self) -> None:
        self.load_phones()

    def _selected(self) -> PhoneRecord | None:
        table = self.query_one(DataTable)
        if not self.phones or table.cursor_row < 0:
            self.report("No number is selected: add one with a.")
            return None
        return self.phones[table.cursor_row]

    # Workers

    @work(thread=True, exclusive=True, group="phones", name="load the agency numbers", exit_on_error=False)
    def load_phones(self) -> None:
        phones = self.services.phones()
        can_manage = has_permission(self.services.actor.role, Permission.MANAGE_SETTINGS)
        self.post_message(PhonesLoaded(phones, phone_warnings(phones), can_manage))

    @work(thread=True, group="phone-change", name="add the number", exit_on_error=False)
    def add_phone(self, form: PhoneForm) -> None:
        phone = self.services.add_phone(form.number, form.label, sms=form.sms, mms=form.mms, voice=form.voice)
        self.post_message(PhoneChanged(phone, "is added"))
        if self.services.delivery_mode().mode == "live":
            self.post_message(NumberChecked(self.services.check_agency_number(self.app.config, phone.e164, getattr(self.app, "credentials_passphrase", None))))

    @work(thread=True, group="phone-change", name="change the number", exit_on_error=False)
    def change_phone(self, phone_id: int, changes: dict, what: str) -> None:
        phone = self.services.update_phone(phone_id, **changes)
        self.post_message(PhoneChanged(phone, what))

    @work(thread=True, group="phone-check", name="check the number in Twilio", exit_on_error=False)
    def check_number(self, e164: str) -> None:
        result = self.services.check_agency_number(self.app.config, e164, getattr(self.app, "credentials_passphrase", None))
        self.post_message(NumberChecked(result))
