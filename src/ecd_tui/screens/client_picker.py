"""Choose one client when the Dashboard's To field matches several."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ecd_tui.domain.client_records import ClientMatch
from ecd_tui.widgets.safe_text import safe_text


class ClientPickerScreen(ModalScreen[ClientMatch | None]):
    """Dismisses with the chosen match, or None on Escape."""

    CSS_PATH = "../styles/record_dialogs.tcss"
    BINDINGS = [Binding("escape", "close", "Back")]

    def __init__(self, typed: str, matches: list[ClientMatch]) -> None:
        super().__init__()
        self.typed = typed
        self.matches = matches

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            title = Text(f"{len(self.matches)} clients match ")
            title.append_text(safe_text(repr(self.typed)))
            title.append(": choose one")
            yield Label(title, classes="dialog-title")
            options = []
            for index, match in enumerate(self.matches):
                prompt = safe_text(f"{match.client.full_name} ({match.client.client_id})")
                prompt.append(f"  {len(match.contacts)} contacts, matched {match.matched}", style="dim")
                options.append(Option(prompt, id=str(index)))
            yield OptionList(*options, id="client-choices")
            yield Label("enter: add this client    escape: back", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.matches[int(event.option.id)])

    def action_close(self) -> None:
        self.dismiss(None)
