"""What the administration screens share: Escape goes back, one place shows worker errors."""

from __future__ import annotations

import logging

from textual.binding import Binding
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from ecd_tui.widgets.app_header import AppHeader
from ecd_tui.widgets.safe_text import visible_controls

log = logging.getLogger(__name__)


# The status line marks each report with a symbol, so its kind shows without colour.
MARKERS = {"information": "✓", "warning": "!", "error": "✗"}


def header(screen: Screen) -> AppHeader:
    """Return the top line that the Dashboard also shows: delivery mode, agency, login."""
    return AppHeader(getattr(screen.app, "mode", "sandbox"), screen.services.actor)


def status_line() -> Static:
    """Return the line above the footer where an administration screen reports outcomes."""
    return Static("", id="admin-status", markup=False)


class AdminScreen(Screen):
    """A full screen opened from the Dashboard's Administration menu."""

    CSS_PATH = "../styles/admin.tcss"

    BINDINGS = [
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, services) -> None:
        super().__init__()
        self.services = services

    def _on_mount(self) -> None:
        # Textual runs this as well as the subclass's on_mount.
        self.run_worker(self._load_agency_name, thread=True, name="read the agency name", exit_on_error=False)

    def _load_agency_name(self) -> None:
        name = self.services.agency().name
        self.app.call_from_thread(lambda: self.query_one(AppHeader).show_agency(name))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            self.show_error(event.worker, event.worker.error)

    def show_error(self, worker: Worker, error: BaseException | None) -> None:
        """Show an error as its own sentence; refusals and bad input are warnings."""
        from ecd_tui.domain.access import AccessDenied
        from ecd_tui.domain.permissions import PermissionDenied

        sentence = visible_controls(str(error))
        if isinstance(error, (PermissionDenied, AccessDenied, ValueError)):
            log.info("%s: %s rejected for %s: %s", type(self).__name__, worker.name, self.services.actor.login, sentence)
            self.report(sentence, "warning")
            return
        log.error("Could not %s", worker.name, exc_info=error)
        self.report(f"Could not {worker.name}: {sentence}. Details are in the log file.", "error")

    def report(self, sentence: str, severity: str = "information") -> None:
        """Show an outcome on the status line; it stays until the next one."""
        line = f"{MARKERS.get(severity, '!')} {visible_controls(sentence)}"
        try:
            self.query_one("#admin-status", Static).update(line)
        except NoMatches:
            self.notify(sentence, severity=severity, markup=False, timeout=15)

    def action_back(self) -> None:
        self.dismiss()
