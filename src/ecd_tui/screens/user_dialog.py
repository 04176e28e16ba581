"""A dialog to add a user or give one another role."""

from __future__ import annotations

from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, OptionList, Static

from ecd_tui.domain.user_admin import ROLE_NAMES, UserRecord
from ecd_tui.widgets.labelled import Field

ROLE_HELP = {
    "viewer": "reads, sends nothing",
    "clerk": "sends and cancels own messages, adds contacts",
    "supervisor": "a clerk who may cancel anyone's message and send at once",
    "administrator": "also settings, phones, users and carriers",
}


@dataclass(frozen=True)
class UserForm:
    """The dialog's result: login, display name and role."""

    login: str
    display_name: str
    role: str


class UserDialog(ModalScreen[UserForm | None]):
    """Type a login and pick a role; ctrl+s saves, Escape backs out unchanged."""

    CSS_PATH = "../styles/admin.tcss"

    BINDINGS = [
        Binding("ctrl+s,f2", "save", "Save", priority=True),
        Binding("escape", "back_out", "Back"),
    ]

    def __init__(self, user: UserRecord | None = None) -> None:
        super().__init__()
        self.user = user

    def compose(self) -> ComposeResult:
        user = self.user
        with Vertical(classes="dialog"):
            yield Static("Add a user" if user is None else f"Role of {user.login}", classes="dialog-title", markup=False)
            if user is None:
                yield Field("Login", Input(id="user-login", placeholder="the person's SSH login, e.g. jdoe"))
                yield Field("Name", Input(id="user-name", placeholder="Jane Doe (optional)"))
            yield Static("Role (Up/Down to choose):", classes="dialog-label")
            yield OptionList(*(f"{role.title()}: {ROLE_HELP[role]}" for role in ROLE_NAMES), id="user-role")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Save (ctrl+s)", id="save", compact=True)
                yield Button("Back (Esc)", id="back", compact=True)
        yield Footer()

    def on_mount(self) -> None:
        roles = self.query_one(OptionList)
        roles.highlighted = ROLE_NAMES.index(self.user.role if self.user else "clerk")
        if self.user is None:
            self.query_one("#user-login", Input).focus()
        else:
            roles.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.action_save()

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
        highlighted = self.query_one(OptionList).highlighted
        role = ROLE_NAMES[highlighted] if highlighted is not None else "clerk"
        if self.user is None:
            login = self.query_one("#user-login", Input).value
            name = self.query_one("#user-name", Input).value
        else:
            login, name = self.user.login, self.user.display_name
        self.dismiss(UserForm(login=login, display_name=name, role=role))

    def action_back_out(self) -> None:
        self.dismiss(None)
