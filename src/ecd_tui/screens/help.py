"""The help screen: every key, where it applies, and where the log file is."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.keys import format_key
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.screens.client_profile import ClientProfileScreen
from ecd_tui.screens.clients import ClientsScreen
from ecd_tui.screens.contact import ContactScreen
from ecd_tui.screens.dashboard import Dashboard
from ecd_tui.screens.preview import PreviewScreen
from ecd_tui.screens.record_form import RecordForm
from ecd_tui.widgets.composer import MessageComposer
from ecd_tui.widgets.merge_tag_help import merge_tag_help
from ecd_tui.screens.quiet_hours import QuietHoursScreen
from ecd_tui.widgets.attachment_list import AttachmentList
from ecd_tui.widgets.message_tables import FeedTable, ScheduledTable
from ecd_tui.widgets.recipient_list import RecipientList
from ecd_tui.widgets.safe_text import safe_text

# Keys that Textual or the form provide without a declared binding of ours.
BUILT_IN_KEYS = [
    ("Tab / shift+Tab", "Next / previous field or list"),
    ("Enter", "In To: add the recipient. In Subject: go to Message. On a button: press it"),
    ("Enter (in Files)", "Attach the file at the typed path"),
    ("Space", "Tick or clear the call choice"),
    ("Up / Down / PgUp / PgDn", "Move in a list or table"),
    ("Left / Right", "Scroll a table sideways"),
    ("ctrl+q", "Quit, from anywhere"),
]


def key_names(keys: str) -> str:
    """Format a binding's comma-separated keys for people: ``f2,ctrl+s`` becomes ``F2 / ctrl+s``."""
    return " / ".join(_key_name(key.strip()) for key in keys.split(","))


def _key_name(key: str) -> str:
    *modifiers, base = key.split("+")
    name = format_key(base)
    if len(name) > 1 and name[0] == "f" and name[1:].isdigit():
        name = name.upper()
    elif len(name) > 1:
        name = {"del": "Delete", "esc": "Escape"}.get(name, name.capitalize())
    return "+".join([*modifiers, name])


def _keys_by_action(bindings: list[Binding]) -> list[tuple[str, str]]:
    """Return (description, keys) pairs, one per action, keys of the same action joined."""
    keys: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    for binding in bindings:
        keys.setdefault(binding.action, []).append(key_names(binding.key))
        descriptions.setdefault(binding.action, binding.description)
    return [(descriptions[action], " / ".join(names)) for action, names in keys.items()]


def _bindings(bindings: list[BindingType]) -> list[Binding]:
    return [binding if isinstance(binding, Binding) else Binding(*binding) for binding in bindings]


def _admin_groups() -> list[tuple[str, list[Binding]]]:
    from ecd_tui.screens.admin_menu import AdminMenu
    from ecd_tui.screens.audit_log import AuditLogScreen
    from ecd_tui.screens.carriers import CarriersScreen
    from ecd_tui.screens.phones import PhonesScreen
    from ecd_tui.screens.settings import SettingsScreen
    from ecd_tui.screens.users import UsersScreen

    return [
        ("Administration menu (F8 / ctrl+p)", _bindings(AdminMenu.BINDINGS)),
        ("Settings", _bindings(SettingsScreen.BINDINGS)),
        ("Agency Phones", _bindings(PhonesScreen.BINDINGS)),
        ("Users and Roles", _bindings(UsersScreen.BINDINGS)),
        ("Audit Log", _bindings(AuditLogScreen.BINDINGS)),
        ("Carriers and Going Live", _bindings(CarriersScreen.BINDINGS)),
    ]


class HelpScreen(ModalScreen[None]):
    """Lists the keys of the app, the Dashboard and its lists, and the log file path."""

    CSS_PATH = "../styles/dialogs.tcss"

    BINDINGS = [
        Binding("escape,q,question_mark", "close", "Close help"),
    ]

    def __init__(self, app_bindings: list[BindingType], log_path: Path | None) -> None:
        super().__init__()
        self.groups = [
            ("Everywhere", _bindings(app_bindings)),
            ("Dashboard", _bindings(Dashboard.BINDINGS)),
            ("Recipient list", _bindings(RecipientList.BINDINGS)),
            ("File list", _bindings(AttachmentList.BINDINGS)),
            ("Scheduled Messages", _bindings(ScheduledTable.BINDINGS)),
            ("Sent and Received Messages", _bindings(FeedTable.BINDINGS)),
            ("Quiet hours question", _bindings(QuietHoursScreen.BINDINGS)),
            ("Confirmation", _bindings(ConfirmScreen.BINDINGS)),
            ("Clients", _bindings(ClientsScreen.BINDINGS)),
            ("Client Profile", _bindings(ClientProfileScreen.BINDINGS)),
            ("Contact", _bindings(ContactScreen.BINDINGS)),
            ("Send a Message on a profile or contact", _bindings(MessageComposer.BINDINGS)),
            ("Preview", _bindings(PreviewScreen.BINDINGS)),
            ("Client, contact and event forms", _bindings(RecordForm.BINDINGS)),
        ]
        self.groups[2:2] = _admin_groups()
        self.log_path = log_path

    def compose(self) -> ComposeResult:
        with Vertical(id="help", classes="dialog"):
            yield Static("Keys", classes="dialog-title")
            with VerticalScroll(id="help-keys"):
                yield Static(self._keys_table(), id="help-table")
                yield Static(merge_tag_help(), id="help-merge-tags")
            yield Static("Times are in the agency's time zone.", id="help-zone", markup=False)
            yield Static(self._log_line(), id="help-log")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#help-keys").focus()

    def action_close(self) -> None:
        self.dismiss()

    def _keys_table(self) -> Table:
        table = Table(box=None, show_header=False, pad_edge=False, expand=True)
        table.add_column("Key", no_wrap=True, width=26)
        table.add_column("Action")
        table.add_row(Text("Everywhere", style="bold"), "")
        for keys, description in BUILT_IN_KEYS:
            table.add_row(Text(keys), Text(description))
        for where, bindings in self.groups:
            if where != "Everywhere":
                table.add_row("", "")
                table.add_row(Text(where, style="bold"), "")
            for description, keys in _keys_by_action(bindings):
                table.add_row(Text(keys), Text(description))
        return table

    def _log_line(self) -> Text:
        if self.log_path is None:
            return Text("This session writes no log file.")
        line = Text("Log file: ")
        line.append_text(safe_text(str(self.log_path)))
        return line
