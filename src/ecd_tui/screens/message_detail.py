"""One message in full: recipient, status, times, the carrier's answer and the whole text."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ecd_tui.domain.clock import format_local
from ecd_tui.domain.records import MessageRecord
from ecd_tui.widgets.message_tables import status_label
from ecd_tui.widgets.recipient_list import channel_name
from ecd_tui.widgets.safe_text import safe_text


class MessageDetailScreen(ModalScreen[None]):
    """Show every stored field of one message a clerk may need; Escape or Enter closes it."""

    CSS_PATH = "../styles/dialogs.tcss"

    BINDINGS = [
        Binding("escape,enter", "close", "Close"),
    ]

    def __init__(self, record: MessageRecord, zone: ZoneInfo) -> None:
        super().__init__()
        self.record = record
        self.zone = zone

    def compose(self) -> ComposeResult:
        with Vertical(id="detail", classes="dialog"):
            yield Static(f"Message {self.record.id}", classes="dialog-title")
            with VerticalScroll(id="detail-fields", can_focus=True):
                yield Static(self._fields(), id="detail-text")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#detail-fields").focus()

    def action_close(self) -> None:
        self.dismiss(None)

    def _fields(self) -> Text:
        record = self.record
        rows: list[tuple[str, Text]] = [
            ("Status", status_label(record.status)),
            ("Recipient", safe_text(record.recipient)),
            ("Channel", Text(channel_name(record.channel))),
            ("Send at", Text(format_local(record.send_at, self.zone))),
            ("Created", Text(f"{format_local(record.created_at, self.zone)} by ").append_text(safe_text(record.created_by))),
        ]
        if record.sent_at is not None:
            rows.append(("Sent", Text(format_local(record.sent_at, self.zone))))
        if record.cancelled_by:
            rows.append(("Cancelled by", safe_text(record.cancelled_by)))
        if record.carrier_id:
            rows.append(("Carrier id", safe_text(record.carrier_id)))
        if record.error_code or record.error_reason:
            error = " ".join(part for part in (record.error_code, record.error_reason) if part)
            rows.append(("Carrier error", safe_text(error)))
        rows.append(("Attempts", Text(str(record.attempts))))
        if record.subject:
            rows.append(("Subject", safe_text(record.subject)))

        text = Text()
        for label, value in rows:
            text.append(f"{label + ':':<14}", style="bold")
            text.append_text(value)
            text.append("\n")
        text.append("\n")
        # Line breaks stay; every other control character is made visible.
        text.append_text(Text("\n").join(safe_text(line) for line in record.body.split("\n")))
        return text
