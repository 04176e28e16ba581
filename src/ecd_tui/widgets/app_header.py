"""The top line: delivery mode in words, the agency, and who is acting with which role."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Label

from ecd_tui.domain.records import Actor
from ecd_tui.widgets.safe_text import safe_text

MODE_LABELS = {
    "sandbox": "SANDBOX: nothing leaves this machine",
    "live": "LIVE",
}


class AppHeader(Horizontal):
    """Mode on the left (in words, not colour alone), agency and login on the right."""

    def __init__(self, mode: str, actor: Actor, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.mode = mode
        self.actor = actor

    def compose(self) -> ComposeResult:
        yield Label(MODE_LABELS.get(self.mode, self.mode.upper()), id="mode", classes=f"mode-{self.mode}", markup=False)
        yield Label("", id="agency", markup=False)
        yield Label(self._user_text(), id="user", markup=False)

    def show_agency(self, name: str) -> None:
        self.query_one("#agency", Label).update(safe_text(name))

    def _user_text(self) -> Text:
        role = self.actor.role or "no role"
        text = safe_text(self.actor.login)
        text.append(f" ({role})")
        return text
