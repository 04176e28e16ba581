"""A bare App that shows one screen, for testing screens apart from the Dashboard."""

from __future__ import annotations

from pathlib import Path

from textual.app import App

import ecd_tui
from ecd_tui.app import EcdApp

STYLES = Path(ecd_tui.__file__).parent / "styles"


class ScreenHost(App):
    """Push ``make_screen(services)`` on mount; the screens under test need nothing else."""

    # The app's own stylesheets, for the header and the shared widgets.
    CSS_PATH = [str(STYLES / name.split("/")[-1]) for name in EcdApp.CSS_PATH]

    def __init__(self, services, make_screen) -> None:
        super().__init__()
        self.services = services
        self.make_screen = make_screen

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(self.services))

