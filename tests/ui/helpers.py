"""Helpers for Pilot tests: an agency database with its app, and reading what the screen shows."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot

from ecd_tui.app import EcdApp
from ecd_tui.config import Config
from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.store import Store
from ecd_tui.services import Services

# Short enough for a test to watch a message go out, long enough to see it scheduled.
TEST_REVIEW_DELAY_SECONDS = 2


@dataclass
class Agency:
    """An agency database in the test's folder, and the first user acting on it."""

    config: Config
    store: Store
    services: Services
    log_path: Path

    def app(self) -> EcdApp:
        """Build the app with the same arguments the command line passes."""
        return EcdApp(self.services, self.config, log_path=self.log_path)

    def set_review_delay(self, seconds: int) -> None:
        with self.store.write() as session:
            load_settings_row(session).review_delay_seconds = seconds

    def set_agency_name(self, name: str) -> None:
        with self.store.write() as session:
            load_settings_row(session).name = name


def screen_text(app: App) -> str:
    """Return the text of the active screen as the terminal would show it, one line per row."""
    # NOTE: Textual has no public text export, so this reads the screen's compositor,
    # which renders the same strips that the driver writes to the terminal.
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def wait_until(pilot: Pilot, condition: Callable[[], bool], *, timeout: float, waiting_for: str) -> None:
    """Let the app run until ``condition()`` is true, or fail naming ``waiting_for`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"Timed out after {timeout:g} s waiting until {waiting_for}.\nScreen:\n{screen_text(pilot.app)}")
        await pilot.pause(0.1)
