"""Opt a contact out, or back in, by hand: a reason, then a y/n confirmation."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input

from ecd_tui.domain.client_records import ContactRecord
from ecd_tui.screens.record_form import RecordForm, field_row
from ecd_tui.widgets.safe_text import safe_text
from ecd_tui.screens.confirm import ConfirmScreen


class OptOutDialog(RecordForm):
    """Asks for the reason, confirms, then changes the opt-out; dismisses with the ContactRecord."""

    def __init__(self, services, contact: ContactRecord) -> None:
        super().__init__(services)
        self.contact = contact
        self.opt_out = not contact.opted_out
        verb = "Opt out" if self.opt_out else "Opt back in"
        self.title_text = f"{verb} {contact.address}"

    def compose_fields(self) -> ComposeResult:
        yield field_row("Reason", Input(id="reason", placeholder="why, and who asked", compact=True))

    def action_save(self) -> None:
        question = (
            f"Opt out {self.contact.address}? It gets no messages until opted back in."
            if self.opt_out else f"Opt {self.contact.address} back in? It gets messages again."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                super(OptOutDialog, self).action_save()

        self.app.push_screen(ConfirmScreen(safe_text(question)), answered)

    def save(self, values: dict[str, Any]) -> ContactRecord:
        return self.services.set_opted_out(self.contact.id, self.opt_out, values["reason"])
