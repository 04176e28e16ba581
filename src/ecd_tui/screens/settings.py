"""The Settings screen: the agency settings, each checked as it is typed, saved with ctrl+s.

Anyone may read the settings here; saving needs Manage Settings, which the service
checks. Escape with unsaved changes asks before it discards them.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Static

from ecd_tui.domain.permissions import Permission, has_permission
from ecd_tui.domain.settings import FIELDS_BY_KEY, SETTING_FIELDS, SettingsInvalid, validate_settings
from ecd_tui.screens.admin_base import AdminScreen, header, status_line
from ecd_tui.screens.admin_events import SettingsLoaded, SettingsSaved
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.widgets.labelled import Field

# Fields checked together: a change to one can make the other valid or invalid.
PARTNERS = {
    "quiet_hours_start": ("quiet_hours_end",),
    "quiet_hours_end": ("quiet_hours_start",),
    "default_region": ("phone",),
}


class SettingsScreen(AdminScreen):
    """Edit the agency settings; each field shows its own error below it."""

    BINDINGS = [
        Binding("ctrl+s,f2", "save", "Save", priority=True),
        Binding("f5,ctrl+r", "reload", "Reload", priority=True),
        Binding("f9,ctrl+k", "carriers", "Carriers and going live", priority=True),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, services) -> None:
        super().__init__(services)
        self.saved: dict[str, str] = {}
        self.can_manage = has_permission(services.actor.role, Permission.MANAGE_SETTINGS)

    def compose(self) -> ComposeResult:
        yield header(self)
        yield Static("Agency Settings", classes="screen-title")
        yield Static(self._permission_note(), id="settings-note")
        with VerticalScroll(id="settings-form"):
            for field in SETTING_FIELDS:
                yield Field(field.label, Input(id=f"setting-{field.key}", placeholder=field.help, disabled=True), id=f"field-{field.key}")
                yield Static("", id=f"error-{field.key}", classes="field-error", markup=False)
        yield status_line()
        yield Footer()

    def on_mount(self) -> None:
        self.load_settings()

    # Event handlers

    def on_settings_loaded(self, event: SettingsLoaded) -> None:
        self.saved = dict(event.values)
        self.can_manage = event.can_manage
        for key, value in event.values.items():
            field_input = self.query_one(f"#setting-{key}", Input)
            with field_input.prevent(Input.Changed):
                field_input.value = value
            field_input.disabled = False
            self._show_field_error(key, "")
        self.query_one("#settings-note", Static).update(self._permission_note())
        self.query_one(f"#setting-{SETTING_FIELDS[0].key}", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        key = (event.input.id or "").removeprefix("setting-")
        if key not in FIELDS_BY_KEY:
            return
        for checked in (key, *PARTNERS.get(key, ())):
            self._check_field(checked)

    def on_settings_saved(self, event: SettingsSaved) -> None:
        self.saved = dict(event.values)
        if event.changed:
            labels = ", ".join(FIELDS_BY_KEY[key].label for key in event.changed)
            self.report(f"Settings saved: {labels}. New messages use them from now on.")
        else:
            self.report("Nothing to save: no setting changed.")

    def show_error(self, worker, error) -> None:
        if isinstance(error, SettingsInvalid):
            for key, sentence in error.errors.items():
                self._show_field_error(key, sentence)
            self.report("Nothing was saved: correct the fields marked with ✗.", "warning")
            return
        super().show_error(worker, error)

    # Actions

    def action_save(self) -> None:
        # Keys typed just before ctrl+s may still wait in the focused field's queue,
        # because priority bindings run first; read the fields after them.
        (self.focused or self).call_later(self._save_typed)

    def _save_typed(self) -> None:
        changed = {key: value for key, value in self._typed().items() if value != self.saved.get(key)}
        if not changed:
            self.report("Nothing to save: no setting changed.")
            return
        self.save_settings(changed)

    def action_reload(self) -> None:
        self.load_settings()

    def action_carriers(self) -> None:
        from ecd_tui.screens.carriers import CarriersScreen

        self.app.push_screen(CarriersScreen(self.services))

    def action_back(self) -> None:
        if not self.saved or self._typed() == self.saved:
            self.dismiss()
            return

        def leave_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                self.dismiss()

        question = Text("Leave without saving? The changed settings are discarded.")
        self.app.push_screen(ConfirmScreen(question, yes_label="Yes, discard (y)", no_label="No, stay (n)"), leave_if_confirmed)

    # Helpers

    def _typed(self) -> dict[str, str]:
        return {field.key: self.query_one(f"#setting-{field.key}", Input).value for field in SETTING_FIELDS}

    def _check_field(self, key: str) -> None:
        typed = self._typed()
        values = {key: typed[key], **{partner: typed[partner] for partner in PARTNERS.get(key, ())}}
        if key == "phone":
            values["default_region"] = typed["default_region"]
        try:
            validate_settings(values)
        except SettingsInvalid as error:
            self._show_field_error(key, error.errors.get(key, ""))
        else:
            self._show_field_error(key, "")

    def _show_field_error(self, key: str, sentence: str) -> None:
        error = self.query_one(f"#error-{key}", Static)
        error.update(f"✗ {sentence}" if sentence else "")
        error.display = bool(sentence)

    def _permission_note(self) -> str:
        if self.can_manage:
            return "ctrl+s saves. Durations are in minutes unless the label says otherwise."
        return 'Read only: changing settings needs the "Manage Settings" permission. Ask an agency administrator.'

    # Workers

    @work(thread=True, exclusive=True, group="settings", name="load the settings", exit_on_error=False)
    def load_settings(self) -> None:
        values = self.services.settings_text()
        self.post_message(SettingsLoaded(values, has_permission(self.services.actor.role, Permission.MANAGE_SETTINGS)))

    @work(thread=True, exclusive=True, group="settings", name="save the settings", exit_on_error=False)
    def save_settings(self, changed: dict[str, str]) -> None:
        values = self.services.update_settings(changed)
        self.post_message(SettingsSaved(values, list(changed)))
