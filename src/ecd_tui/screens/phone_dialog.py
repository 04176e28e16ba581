"""A dialog to add an agency number or change its label and capabilities."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Footer, Input, Static

from ecd_tui.domain.phones import PhoneRecord
from ecd_tui.widgets.labelled import Field


@dataclass(frozen=True)
class PhoneForm:
    """The dialog's result: the typed number (for a new one), label and capabilities."""

    number: str
    label: str
    sms: bool
    mms: bool
    voice: bool


class PhoneDialog(ModalScreen[PhoneForm | None]):
    """Type a number, a label and capabilities; ctrl+s saves, Escape backs out unchanged."""

    CSS_PATH = "../styles/admin.tcss"

    BINDINGS = [
        Binding("ctrl+s,f2", "save", "Save", priority=True),
        Binding("escape", "back_out", "Back"),
    ]

    def __init__(self, phone: PhoneRecord | None = None) -> None:
        super().__init__()
        self.phone = phone

    def compose(self) -> ComposeResult:
        phone = self.phone
        title = "Add an agency number" if phone is None else f"Change {phone.e164}"
        with Vertical(classes="dialog"):
            yield Static(title, classes="dialog-title", markup=False)
            if phone is None:
                yield Field("Number", Input(id="phone-number", placeholder="(202) 555-0100 or +1 202 555 0100"))
            yield Field("Label", Input(phone.label if phone else "", id="phone-label", placeholder="Main line"))
            with Horizontal(id="capabilities"):
                yield Checkbox("SMS", phone.can_sms if phone else True, id="can-sms")
                yield Checkbox("MMS", phone.can_mms if phone else False, id="can-mms")
                yield Checkbox("Voice", phone.can_voice if phone else False, id="can-voice")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", id="save", compact=True)
                yield Button("Back (Esc)", id="back", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#phone-number" if self.phone is None else "#phone-label", Input).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_back_out()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.focus_next()

    def action_save(self) -> None:
        # Keys typed just before ctrl+s may still wait in the focused field's queue,
        # because priority bindings run first; read the fields after them.
        (self.focused or self).call_later(self._save_typed)

    def _save_typed(self) -> None:
        number = self.query_one("#phone-number", Input).value if self.phone is None else self.phone.e164
        self.dismiss(PhoneForm(
            number=number,
            label=self.query_one("#phone-label", Input).value,
            sms=self.query_one("#can-sms", Checkbox).value,
            mms=self.query_one("#can-mms", Checkbox).value,
            voice=self.query_one("#can-voice", Checkbox).value,
        ))

    def action_back_out(self) -> None:
        self.dismiss(None)
