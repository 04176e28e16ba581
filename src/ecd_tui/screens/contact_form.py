"""Add a contact to a client, or edit one's label, line type and validity."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select

from ecd_tui.domain.client_records import ContactRecord
from ecd_tui.screens.record_form import RecordForm, field_row

VALID_OPTIONS = [("Valid: it works", "yes"), ("Invalid: it does not work", "no")]
LINE_TYPE_OPTIONS = [
    ("Unknown (guess from the number)", ""),
    ("Mobile: gets texts", "mobile"),
    ("Landline: gets voice calls", "landline"),
]


class ContactFormScreen(RecordForm):
    """The Create Contact form (or the edit form with ``contact``); dismisses with a ContactRecord."""

    def __init__(self, services, client_pk: int, contact: ContactRecord | None = None) -> None:
        super().__init__(services)
        self.client_pk = client_pk
        self.contact = contact
        self.title_text = f"Edit contact {contact.address}" if contact else "Create Contact"

    def compose_fields(self) -> ComposeResult:
        contact = self.contact
        if contact is None:
            yield field_row("Phone or email", Input(id="typed", placeholder="(202) 555-0142 or name@example.org", compact=True))
        yield field_row("Label", Input(contact.label if contact else "", id="label", placeholder="cell, home, work, attorney…", compact=True))
        line_type = contact.line_type if contact and contact.line_type != "unknown" else ""
        yield field_row("Line type", Select(LINE_TYPE_OPTIONS, value=line_type, allow_blank=False, id="line_type", compact=True))
        if contact is not None:
            yield field_row("Valid", Select(VALID_OPTIONS, value="yes" if contact.valid else "no", allow_blank=False, id="valid", compact=True))

    def save(self, values: dict[str, Any]) -> ContactRecord:
        if self.contact is None:
            return self.services.add_contact(self.client_pk, values["typed"], values["label"], values["line_type"])
        line_type = values["line_type"] or "unknown"
        return self.services.update_contact(self.contact.id, label=values["label"], line_type=line_type, valid=values["valid"] == "yes")
