"""Create or edit a client's event (a court date)."""

from __future__ import annotations

from typing import Any

from textual.app import ComposeResult
from textual.widgets import Input, Select

from ecd_tui.domain.client_records import EventDraft, EventRecord
from ecd_tui.domain.record_fields import EVENT_TYPES
from ecd_tui.screens.record_form import RecordForm, field_row


class EventFormScreen(RecordForm):
    """The event form; times are typed in the agency's time zone; dismisses with an EventRecord."""

    def __init__(self, services, client_pk: int, event: EventRecord | None = None) -> None:
        super().__init__(services)
        self.client_pk = client_pk
        self.event = event
        self.title_text = "Edit event" if event else "New event"

    def compose_fields(self) -> ComposeResult:
        event = self.event
        local = event.starts_at.astimezone(self.services.zone()) if event else None
        yield field_row("Date", Input(f"{local:%Y-%m-%d}" if local else "", id="date", placeholder="YYYY-MM-DD", compact=True))
        yield field_row("Time", Input(f"{local:%H:%M}" if local else "", id="time", placeholder="HH:MM or 9:30 AM", compact=True))
        yield field_row("Type", Select([(name, name) for name in EVENT_TYPES], value=event.event_type if event else "hearing", allow_blank=False, id="event_type", compact=True))
        yield field_row("Case number", Input(event.case_number if event else "", id="case_number", compact=True))
        yield field_row("Location", Input(event.location if event else "", id="location", compact=True))
        yield field_row("Notes", Input(event.notes if event else "", id="notes", compact=True))

    def save(self, values: dict[str, Any]) -> EventRecord:
        draft = EventDraft(**values)
        if self.event is None:
            return self.services.create_event(self.client_pk, draft)
        return self.services.update_event(self.event.id, draft)
