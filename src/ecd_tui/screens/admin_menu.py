"""The Administration menu: one key per administration screen."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

MENU = [
    ("s", "settings", "Settings: agency name, time zone, review delay, quiet hours..."),
    ("p", "phones", "Agency Phones: the numbers texts and calls go out from"),
    ("u", "users", "Users and Roles"),
    ("a", "audit", "Audit Log: who did what, and when"),
    ("c", "carriers", "Carriers: Twilio and the mail server, connection tests, going live"),
]


class AdminMenu(ModalScreen[str | None]):
    """Pick an administration screen with its letter; Escape closes the menu."""

    CSS_PATH = "../styles/admin.tcss"

    BINDINGS = [
        *(Binding(key, f"choose('{name}')", text.split(":")[0]) for key, name, text in MENU),
        Binding("escape", "choose('')", "Close"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="admin-menu"):
            yield Static("Administration", classes="dialog-title")
            for key, _name, text in MENU:
                yield Static(f" {key}  {text}", markup=False)
        yield Footer()

    def action_choose(self, name: str) -> None:
        self.dismiss(name or None)
