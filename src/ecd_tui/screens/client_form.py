"""Create or edit a client."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input

from ecd_tui.domain.client_records import ClientDraft, ClientRecord
from ecd_tui.screens.record_form import RecordForm, field_row


class ClientFormScreen(RecordForm):
    """The client form; dismisses with the saved ClientRecord, or None when closed."""

    def __init__(self, services, client: ClientRecord | None = None) -> None:
        super().__init__(services)
        self.client = client
        self.title_text = f"Edit client {client.client_id}" if client else "New client"

    def compose_fields(self) -> ComposeResult:
        client = self.client
        yield field_row("Client id", Input(client.client_id if client else "", id="client_id", placeholder="from the court's case system", compact=True))
        yield field_row("First name", Input(client.first_name if client else "", id="first_name", compact=True))
        yield field_row("Middle name", Input(client.middle_name if client else "", id="middle_name", compact=True))
        yield field_row("Last name", Input(client.last_name if client else "", id="last_name", compact=True))
        birth = str(client.date_of_birth) if client and client.date_of_birth else ""
        yield field_row("Date of birth", Input(birth, id="date_of_birth", placeholder="YYYY-MM-DD, optional", compact=True))
        yield field_row("Language", Input(client.preferred_language if client else "en", id="preferred_language", compact=True))
        yield field_row("Notes", Input(client.notes if client else "", id="notes", compact=True))

    def save(self, values: dict[str, Any]) -> ClientRecord:
        draft = ClientDraft(**values)
        if self.client is None:
            return self.services.create_client(draft)
        return self.services.update_client(self.client.id, draft)
