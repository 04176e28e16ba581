"""What the administration screens share: Escape goes back, one place shows worker errors."""

from __future__ import annotations

import logging

from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from ecd_tui.widgets.safe_text import visible_controls

log = logging.getLogger(__name__)


class AdminScreen(Screen):
    """A full screen opened from the Dashboard's Administration menu."""

    CSS_PATH = "../styles/admin.tcss"

    BINDINGS = [
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, services) -> None:
        super().__init__()
        self.services = services

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
            self.notify(sentence, severity="warning", markup=False, timeout=15)
            return
        log.error("Could not %s", worker.name, exc_info=error)
        self.notify(f"Could not {worker.name}: {sentence}. Details are in the log file.", severity="error", markup=False, timeout=15)

    def action_back(self) -> None:
        self.dismiss()
