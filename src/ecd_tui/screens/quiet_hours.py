"""Ask what to do with a message whose send time falls in the agency's quiet hours."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Static

from ecd_tui.domain.clock import format_local
from ecd_tui.domain.quiet_hours import QuietHoursWarning
from ecd_tui.widgets.safe_text import safe_text

LATER = "later"
ANYWAY = "anyway"


class QuietHoursScreen(ModalScreen[str | None]):
    """Offer the next allowed time (l), sending anyway (a), or going back to the form.

    Focus starts on Back, so Enter pressed by habit changes nothing, and Escape also goes
    back with the form as it was.
    """

    CSS_PATH = "../styles/dialogs.tcss"

    BINDINGS = [
        Binding("l", "choose('later')", "Send at the next allowed time"),
        Binding("a", "choose('anyway')", "Send anyway"),
        Binding("escape,b", "choose(None)", "Back to the form"),
    ]

    def __init__(self, warning: QuietHoursWarning, zone) -> None:
        super().__init__()
        self.warning = warning
        self.zone = zone

    def compose(self) -> ComposeResult:
        later = format_local(self.warning.next_allowed, self.zone)
        with Vertical(id="dialog", classes="dialog"):
            yield Static(safe_text(self.warning.text), id="question")
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"Send at {later} (l)", id="later", compact=True)
                yield Button("Send anyway (a)", id="anyway", compact=True)
                yield Button("Back (b)", id="back", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#back", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss({"later": LATER, "anyway": ANYWAY}.get(event.button.id or ""))

    def action_choose(self, choice: str | None) -> None:
        self.dismiss(choice)
