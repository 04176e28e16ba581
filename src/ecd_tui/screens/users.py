"""The Users screen: who may use ecd-tui here and with which role; needs Manage Users.

a adds a user by operating-system login, r gives the selected user another role, and d
disables or enables them (disabling asks first). The service keeps one active
administrator at least.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from ecd_tui.domain.user_admin import UserRecord
from ecd_tui.screens.admin_base import AdminScreen, header, status_line
from ecd_tui.screens.admin_events import UserChanged, UsersLoaded
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.screens.user_dialog import UserDialog, UserForm
from ecd_tui.widgets.safe_text import safe_text


class UsersScreen(AdminScreen):
    """List users with role and state; add, change role, disable or enable."""

    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("r", "set_role", "Role"),
        Binding("d", "toggle_active", "Disable/enable"),
        Binding("f5,ctrl+r", "reload", "Reload", priority=True),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, services) -> None:
        super().__init__(services)
        self.users: list[UserRecord] = []

    def compose(self) -> ComposeResult:
        yield header(self)
        yield Static("Users and Roles", classes="screen-title")
        yield Static("a add, r change role, d disable or enable. A user is an SSH login.", id="users-note", markup=False)
        yield DataTable(id="users", cursor_type="row", zebra_stripes=False)
        yield status_line()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_column("Login", width=20)
        table.add_column("Role", width=13)
        table.add_column("State", width=10)
        table.add_column("Name")
        table.focus()
        self.load_users()

    # Event handlers

    def on_users_loaded(self, event: UsersLoaded) -> None:
        self.users = event.users
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        for user in event.users:
            state = "✓ active" if user.active else "✗ disabled"
            table.add_row(safe_text(user.login), user.role, state, safe_text(user.display_name), key=user.login)
        if event.users:
            table.move_cursor(row=min(max(row, 0), len(event.users) - 1))

    def on_user_changed(self, event: UserChanged) -> None:
        self.report(f"{event.user.login} {event.what}.")
        self.load_users()

    def show_error(self, worker, error) -> None:
        from ecd_tui.domain.permissions import PermissionDenied

        if isinstance(error, PermissionDenied) and worker.group == "users":
            self.query_one("#users-note", Static).update(str(error))
        super().show_error(worker, error)

    # Actions

    def action_add(self) -> None:
        def add(form: UserForm | None) -> None:
            if form is not None:
                self.add_user(form)

        self.app.push_screen(UserDialog(), add)

    def action_set_role(self) -> None:
        user = self._selected()
        if user is None:
            return

        def change(form: UserForm | None) -> None:
            if form is not None and form.role != user.role:
                self.set_role(user.login, form.role)

        self.app.push_screen(UserDialog(user), change)

    def action_toggle_active(self) -> None:
        user = self._selected()
        if user is None:
            return
        if not user.active:
            self.set_active(user.login, True)
            return

        def disable(confirmed: bool | None) -> None:
            if confirmed:
                self.set_active(user.login, False)

        question = safe_text(f"Disable {user.login}? ")
        question.append_text(Text("The login then gets no access at all, not even to read."))
        self.app.push_screen(ConfirmScreen(question, yes_label="Yes, disable (y)", no_label="No, keep it (n)"), disable)

    def action_reload(self) -> None:
        self.load_users()

    def _selected(self) -> UserRecord | None:
        table = self.query_one(DataTable)
        if not self.users or table.cursor_row < 0:
            self.report("No user is selected.")
            return None
        return self.users[table.cursor_row]

    # Workers

    @work(thread=True, exclusive=True, group="users", name="load the users", exit_on_error=False)
    def load_users(self) -> None:
        self.post_message(UsersLoaded(self.services.users()))

    @work(thread=True, group="user-change", name="add the user", exit_on_error=False)
    def add_user(self, form: UserForm) -> None:
        user = self.services.add_user(form.login, form.role, form.display_name)
        self.post_message(UserChanged(user, f"is added as {user.role}"))

    @work(thread=True, group="user-change", name="change the role", exit_on_error=False)
    def set_role(self, login: str, role: str) -> None:
        user = self.services.set_role(login, role)
        self.post_message(UserChanged(user, f"is now {user.role}"))

    @work(thread=True, group="user-change", name="disable or enable the user", exit_on_error=False)
    def set_active(self, login: str, active: bool) -> None:
        user = self.services.set_user_active(login, active)
        self.post_message(UserChanged(user, "is enabled" if user.active else "is disabled"))
