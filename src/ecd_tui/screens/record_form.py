"""The frame of the client, contact and event forms: save with ctrl+s, close with Escape.

A form saves through a service in a thread worker and shows the service's error sentence
in place. Escape closes at once when nothing was typed; otherwise a y/n question comes before the
changes are discarded.
"""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from ecd_tui.domain.clients import NotFound
from ecd_tui.domain.permissions import PermissionDenied
from ecd_tui.domain.record_fields import RecordError
from ecd_tui.domain.recipients import InvalidRecipient
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.widgets.safe_text import safe_text

SAVE_ERRORS = (RecordError, InvalidRecipient, PermissionDenied, NotFound)


class RecordForm(ModalScreen[Any]):
    """A modal form; subclasses give ``title``, ``compose_fields`` and ``save``."""

    CSS_PATH = "../styles/record_dialogs.tcss"
    BINDINGS = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "close", "Close"),
    ]
    title_text = ""

    class Saved(Message):
        def __init__(self, result: Any) -> None:
            super().__init__()
            self.result = result

    class Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, services) -> None:
        super().__init__()
        self.services = services
        self._initial: dict[str, Any] = {}

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label(safe_text(self.title_text), classes="dialog-title")
            yield from self.compose_fields()
            yield Static("", id="form-error", classes="form-error")
            yield Label("ctrl+s: save    escape: close", classes="dialog-keys")

    def compose_fields(self) -> ComposeResult:
        raise NotImplementedError

    def save(self, values: dict[str, Any]) -> Any:
        """Call the service with the form's values; runs in a thread worker."""
        raise NotImplementedError

    def on_mount(self) -> None:
        self._initial = self.values()
        fields = self.query("Input, Select")
        if fields:
            fields.first().focus()

    # Handlers

    def on_record_form_saved(self, message: Saved) -> None:
        self.dismiss(message.result)

    def on_record_form_failed(self, message: Failed) -> None:
        self.query_one("#form-error", Static).update(safe_text(message.text))

    # Actions

    def action_save(self) -> None:
        self.query_one("#form-error", Static).update("Saving…")
        self._save(self.values())

    def action_close(self) -> None:
        if self.values() == self._initial:
            self.dismiss(None)
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.dismiss(None)

        self.app.push_screen(ConfirmScreen(safe_text("Discard the changes in this form?")), answered)

    # Helpers

    def values(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for widget in self.query("Input, Select"):
            if widget.id:
                found[widget.id] = widget.value
        return found

    @work(thread=True, exclusive=True, group="save")
    def _save(self, values: dict[str, Any]) -> None:
        try:
            result = self.save(values)
        except SAVE_ERRORS as error:
            self.post_message(self.Failed(str(error)))
            return
        self.post_message(self.Saved(result))


def field_row(label: str, widget: Input | Select) -> Horizontal:
    """Lay out one labelled field."""
    return Horizontal(Label(label), widget, classes="form-row")
