"""The Scheduled Messages table and the Sent and Received Messages table.

Every status is shown as a symbol and a word, so that states stay apart on 16-colour
terminals and under ``NO_COLOR``. Stored text goes through ``safe_text``.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from rich.text import Text
from textual.binding import Binding
from textual.message import Message
from textual.widgets import DataTable

from ecd_tui.domain.clock import format_time_left, to_local, utcnow
from ecd_tui.domain.records import MessageRecord
from ecd_tui.widgets.recipient_list import channel_name
from ecd_tui.widgets.safe_text import one_line, safe_text

# Symbol, word and style per status. The symbol and word carry the meaning, and the
# style only adds emphasis where colours exist.
STATUS_LABELS: dict[str, tuple[str, str]] = {
    "scheduled": ("\u25cb scheduled", ""),
    "sending": ("\u2192 sending", "bold"),
    "held": ("! held", "bold"),
    "sent": ("\u2713 sent", ""),
    "delivered": ("\u2713\u2713 delivered", ""),
    "undelivered": ("\u2717 undelivered", "bold"),
    "failed": ("\u2717 failed", "bold"),
    "cancelled": ("\u2013 cancelled", "dim"),
    "received": ("\u2190 received", ""),
    "unknown": ("? unknown", "bold"),
}


# Month-day and time in the agency's zone, short enough to leave room for the carrier
# error at 80 columns. The help screen states that times are in the agency's zone.
FEED_TIME_FORMAT = "%m-%d %H:%M"


def status_label(status: str) -> Text:
    """Return a status as symbol and word, for example ``✓ sent``."""
    label, style = STATUS_LABELS.get(status, (f"? {status}", ""))
    return Text(label, style=style, end="")


def preview(record: MessageRecord) -> Text:
    """Return the subject and body as one line."""
    text = f"{record.subject}: {record.body}" if record.subject else record.body
    return one_line(text, limit=60)


def carrier_error(record: MessageRecord) -> Text:
    """Return the carrier's error code and reason, or the reason alone."""
    parts = [part for part in (record.error_code, record.error_reason) if part]
    return one_line(" ".join(parts), limit=80)


class _MessageTable(DataTable):
    """A read-only table of message records, one row per message keyed by its id."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=False)
        self.records: dict[str, MessageRecord] = {}

    def selected_record(self) -> MessageRecord | None:
        """Return the record under the cursor, or None when the table is empty."""
        if not self.records or self.cursor_row < 0:
            return None
        row_key, _ = self.coordinate_to_cell_key((self.cursor_row, 0))
        return self.records.get(row_key.value)

    def show(self, records: list[MessageRecord], zone: ZoneInfo) -> None:
        """Replace the rows with ``records``, keeping the cursor on the same message."""
        selected = self.selected_record()
        at_top = self.cursor_row <= 0
        self.clear()
        self.records = {str(record.id): record for record in records}
        for record in records:
            self.add_row(*self.cells(record, zone), key=str(record.id))
        # A cursor on the first row stays there, so new rows arriving on top are seen.
        if selected is not None and str(selected.id) in self.records and not at_top:
            self.move_cursor(row=self.get_row_index(str(selected.id)))

    def cells(self, record: MessageRecord, zone: ZoneInfo) -> list[Text]:
        raise NotImplementedError


class ScheduledTable(_MessageTable):
    """Messages waiting to go: time left, status, recipient, channel, who created them."""

    BINDINGS = [
        Binding("c", "cancel_message", "Cancel message"),
        Binding("s", "send_now", "Send held message now"),
    ]

    class CancelRequested(Message):
        """The clerk asked to cancel the message under the cursor."""

        def __init__(self, record: MessageRecord) -> None:
            super().__init__()
            self.record = record

    class SendNowRequested(Message):
        """The clerk asked to send the held message under the cursor now."""

        def __init__(self, record: MessageRecord) -> None:
            super().__init__()
            self.record = record

    def on_mount(self) -> None:
        self.add_column("Time left", key="time_left", width=9)
        self.add_column("Status", key="status", width=11)
        self.add_column("Recipient", key="recipient", width=20)
        self.add_column("Via", key="channel", width=5)
        self.add_column("Created by", key="created_by", width=10)
        self.add_column("Message", key="message")

    def cells(self, record: MessageRecord, zone: ZoneInfo) -> list[Text]:
        return [
            Text(format_time_left(record.send_at, utcnow()), end=""),
            status_label(record.status),
            safe_text(record.recipient),
            Text(channel_name(record.channel), end=""),
            safe_text(record.created_by),
            preview(record),
        ]

    def tick(self, now: datetime | None = None) -> None:
        """Recount the time left of every row from its stored send_at, without a database read."""
        now = now or utcnow()
        for key, record in self.records.items():
            self.update_cell(key, "time_left", Text(format_time_left(record.send_at, now), end=""))

    def action_cancel_message(self) -> None:
        record = self.selected_record()
        if record is None:
            self.notify("No scheduled message is selected.", markup=False)
            return
        self.post_message(self.CancelRequested(record))

    def action_send_now(self) -> None:
        record = self.selected_record()
        if record is None or record.status != "held":
            self.notify("Only a held message can be sent now: select one marked ! held.", markup=False)
            return
        self.post_message(self.SendNowRequested(record))


class FeedTable(_MessageTable):
    """Messages sent, failed, cancelled or received, newest first."""

    BINDINGS = [
        Binding("s", "send_again", "Send unknown message again"),
    ]

    class SendAgainRequested(Message):
        """The clerk asked to send the message with an unknown outcome under the cursor again."""

        def __init__(self, record: MessageRecord) -> None:
            super().__init__()
            self.record = record

    def action_send_again(self) -> None:
        record = self.selected_record()
        if record is None or record.status != "unknown":
            self.notify("Only a message marked ? unknown can be sent again.", markup=False)
            return
        self.post_message(self.SendAgainRequested(record))

    def on_mount(self) -> None:
        self.add_column("Status", key="status", width=13)
        self.add_column("Recipient", key="recipient", width=20)
        self.add_column("Via", key="channel", width=5)
        self.add_column("Time", key="time", width=11)
        self.add_column("Carrier error", key="error")
        self.add_column("Message", key="message")

    def cells(self, record: MessageRecord, zone: ZoneInfo) -> list[Text]:
        moment = record.updated_at or record.sent_at or record.created_at
        return [
            status_label(record.status),
            safe_text(record.recipient),
            Text(channel_name(record.channel), end=""),
            Text(to_local(moment, zone).strftime(FEED_TIME_FORMAT), end=""),
            carrier_error(record),
            preview(record),
        ]
