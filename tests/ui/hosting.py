"""A bare App that shows one screen, for testing screens apart from the Dashboard."""

from __future__ import annotations

from textual.app import App

from ecd_tui.domain.demo import seed_demo


class ScreenHost(App):
    """Push ``make_screen(services)`` on mount; the screens under test need nothing else."""

    def __init__(self, services, make_screen) -> None:
        super().__init__()
        self.services = services
        self.make_screen = make_screen

    def on_mount(self) -> None:
        self.push_screen(self.make_screen(self.services))


def demo_services(services):
    """Fill the test database with the demo agency and return the services."""
    seed_demo(services.store, services.actor.login)
    return services
