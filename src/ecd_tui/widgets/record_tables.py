"""Tables of contacts, events and messages, with states shown as text and symbol."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable

from ecd_tui.domain.client_records import ContactRecord, EventRecord
from ecd_tui.domain.clock import format_local, format_time_left, utcnow
from ecd_tui.domain.records import MessageRecord
from ecd_tui.widgets.safe_text import safe_text

STATUS_SYMBOLS = {
    "scheduled": "◷", "sending": "…", "held": "‖", "sent": "✓", "delivered": "✓✓", "undelivered": "✗",
    "failed": "✗", "cancelled": "⊘", "unknown": "?", "received": "←",
}


def contact_state(contact: ContactRecord) -> str:
    """Describe whether a contact gets messages, in words a clerk reads without colour."""
    if contact.opted_out:
        return "✗ opted out"
    if not contact.valid:
        return "✗ invalid"
    return "✓ reachable"


def fill_contacts(table: DataTable, contacts: list[ContactRecord]) -> None:
    table.clear(columns=True)
    table.add_columns("Channel", "Address", "Label", "Line", "State")
    for contact in contacts:
        line = contact.line_type if contact.channel == "phone" else ""
        table.add_row(contact.channel, safe_text(contact.address), safe_text(contact.label), line, contact_state(contact), key=str(contact.id))


def fill_events(table: DataTable, events: list[EventRecord], zone) -> None:
    table.clear(columns=True)
    table.add_columns("When", "Type", "Case", "Location", "Notes")
    now = utcnow()
    for event in events:
        when = format_local(event.starts_at, zone)
        if event.starts_at < now:
            when = f"{when} (past)"
        table.add_row(when, event.event_type, safe_text(event.case_number), safe_text(event.location), safe_text(event.notes), key=str(event.id))


def fill_messages(table: DataTable, messages: list[MessageRecord], zone, *, pending: bool) -> None:
    table.clear(columns=True)
    if pending:
        table.add_columns("Time left", "Channel", "Recipient", "Created by", "Text")
    else:
        table.add_columns("Status", "Channel", "Recipient", "Time", "Text or error")
    now = utcnow()
    for message in messages:
        preview = " ".join(message.body.split())[:60]
        if pending:
            left = format_time_left(message.send_at, now) if message.status == "scheduled" else message.status
            table.add_row(left, message.channel, safe_text(message.recipient), safe_text(message.created_by), safe_text(preview), key=str(message.id))
            continue
        status = Text(f"{STATUS_SYMBOLS.get(message.status, '')} {message.status}")
        when = format_local(message.sent_at or message.created_at, zone)
        detail = message.error_reason or preview
        if message.error_code:
            detail = f"{message.error_code}: {detail}"
        table.add_row(status, message.channel, safe_text(message.recipient), when, safe_text(detail), key=str(message.id))
