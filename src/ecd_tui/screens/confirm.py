"""A yes/no question in a modal dialog: y confirms; n, Escape and the No button back out."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static


class ConfirmScreen(ModalScreen[bool]):
    """Ask ``question``; dismiss with True only on y or the Yes button.

    Focus starts on No, so that Enter pressed by habit backs out. A lone Escape, which a
    slow link can also produce from a split arrow-key sequence, never confirms.
    """

    CSS_PATH = "../styles/dialogs.tcss"

    BINDINGS = [
        Binding("y", "confirm", "Yes"),
        Binding("n", "back_out", "No"),
        Binding("escape", "back_out", "Back"),
    ]

    def __init__(self, question: Text, *, yes_label: str = "Yes (y)", no_label: str = "No (n)") -> None:
        super().__init__()
        self.question = question
        self.yes_label = yes_label
        self.no_label = no_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(self.question, id="question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(self.yes_label, id="yes", compact=True)
                yield Button(self.no_label, id="no", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id == "yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_back_out(self) -> None:
        self.dismiss(False)
