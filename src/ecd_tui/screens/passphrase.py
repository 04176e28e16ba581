"""A dialog that asks for the passphrase of the encrypted credentials file.

The typed text is masked, never logged, and only returned to the caller. Escape backs
out: delivery then stays as it is and the app keeps running.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Input, Static


class PassphraseScreen(ModalScreen[str | None]):
    """Ask for a passphrase; with ``new``, ask twice and require 8 characters or more."""

    CSS_PATH = "../styles/admin.tcss"

    BINDINGS = [
        Binding("escape", "back_out", "Back"),
    ]

    def __init__(self, explanation: str, *, new: bool = False) -> None:
        super().__init__()
        self.explanation = explanation
        self.new = new

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static("Credentials file passphrase", classes="dialog-title")
            yield Static(self.explanation, id="passphrase-explanation", markup=False)
            yield Input(password=True, id="passphrase", placeholder="passphrase, then Enter")
            if self.new:
                yield Input(password=True, id="passphrase-again", placeholder="the same passphrase again, then Enter")
            yield Static("", id="passphrase-error", classes="field-error", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#passphrase", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        first = self.query_one("#passphrase", Input).value
        if self.new and event.input.id == "passphrase":
            self.query_one("#passphrase-again", Input).focus()
            return
        problem = self._problem(first)
        if problem:
            error = self.query_one("#passphrase-error", Static)
            error.update(f"✗ {problem}")
            error.display = True
            return
        self.dismiss(first)

    def _problem(self, first: str) -> str:
        if not first:
            return "Type the passphrase, or press Escape to go back."
        if not self.new:
            return ""
        if len(first) < 8:
            return f"The passphrase has {len(first)} characters: use at least 8."
        if self.query_one("#passphrase-again", Input).value != first:
            return "The two passphrases differ: type them again."
        return ""

    def action_back_out(self) -> None:
        self.dismiss(None)
