"""The Dashboard: the Send a Message form above Scheduled Messages and the feed.

Every services call blocks on SQLite, so each one runs in a thread worker below and
reports back with a past-tense message from ``screens.events``. Errors from all of them
reach ``on_worker_state_changed``, the one place that shows them.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from zoneinfo import ZoneInfo

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.signal import Signal
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, TextArea
from textual.worker import Worker, WorkerState, get_current_worker

from ecd_tui.domain.attachments import AttachmentError
from ecd_tui.domain.clock import agency_zone, format_local, format_time_left, utcnow
from ecd_tui.domain.held import ReleaseRefused
from ecd_tui.domain.heartbeat import DispatcherStatus
from ecd_tui.domain.messages import CancelRefused, MessageError, SendTiming
from ecd_tui.domain.permissions import PermissionDenied
from ecd_tui.domain.client_records import ClientMatch
from ecd_tui.domain.fanout import SendTarget
from ecd_tui.domain.recipients import InvalidRecipient
from ecd_tui.domain.records import MessageRecord
from ecd_tui.domain.segments import replace_smart_punctuation
from ecd_tui.screens.client_picker import ClientPickerScreen
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.screens.delivery_events import DispatcherChecked, FileChecked, MessageReleased, QuietHoursChecked, SendRequest
from ecd_tui.screens.events import (
    ClientFound,
    ClientsFound,
    MessageCancelled,
    MessagesLoaded,
    MessagesQueued,
    MessageStatusChanged,
    RecipientParsed,
    SendPreviewed,
)
from ecd_tui.screens.merge_tag_picker import MergeTagPicker
from ecd_tui.screens.quiet_hours import ANYWAY, LATER, QuietHoursScreen
from ecd_tui.screens.message_detail import MessageDetailScreen
from ecd_tui.screens.preview import PreviewScreen
from ecd_tui.services import Services
from ecd_tui.widgets.app_header import AppHeader
from ecd_tui.widgets.labelled import Section
from ecd_tui.widgets.message_tables import FeedTable, ScheduledTable
from ecd_tui.widgets.recipient_list import channel_name
from ecd_tui.widgets.safe_text import one_line, safe_text, visible_controls
from ecd_tui.widgets.send_form import SendForm

log = logging.getLogger(__name__)

# Other processes (another clerk, the headless dispatcher) change the database too.
RELOAD_SECONDS = 5.0
# Rows read per list. TODO: page through longer lists from SQLite instead of cutting them.
LIST_LIMIT = 200
# Status changes arrive in bursts, so one reload covers all changes within this window.
CHANGE_RELOAD_DELAY_SECONDS = 0.25


class _Body(VerticalScroll, can_focus=False):
    """Scrolls the Dashboard when it is taller than the terminal. Tab skips it."""


class Dashboard(Screen):
    """Send a message to clients and typed-in recipients, and watch what is scheduled and sent."""

    CSS_PATH = "../styles/dashboard.tcss"

    BINDINGS = [
        Binding("ctrl+s,f2", "send", "Send", priority=True),
        Binding("f5,ctrl+r", "refresh", "Refresh", priority=True),
        Binding("r", "refresh", "Refresh", show=False),
        Binding("f3,ctrl+t", "focus_form", "Go to the To field", show=False, priority=True),
        Binding("f4,ctrl+l", "focus_scheduled", "Go to Scheduled Messages", show=False, priority=True),
        Binding("f6,ctrl+f", "focus_feed", "Go to Sent and Received Messages", show=False, priority=True),
        Binding("f9", "pick_tag", "Insert a merge tag in Message", show=False, priority=True),
    ]

    def __init__(self, services: Services, mode: str, message_changes: Signal[MessageStatusChanged]) -> None:
        super().__init__()
        self.services = services
        self.mode = mode
        self.message_changes = message_changes
        self._sending = False
        self._reload_timer: Timer | None = None
        self._last_reload_error: str | None = None
        self._dispatcher_status: DispatcherStatus | None = None
        self._zone = ZoneInfo("UTC")  # the agency's, once the first load has read it

    def compose(self) -> ComposeResult:
        yield AppHeader(self.mode, self.services.actor, id="header")
        with _Body(id="dashboard-scroll"):
            yield SendForm(id="send-form")
            yield Section("Scheduled Messages", ScheduledTable(id="scheduled"), id="scheduled-section")
            yield Section("Sent and Received Messages", FeedTable(id="feed"), id="feed-section")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#scheduled-section", Section).set_detail("loading")
        self.query_one("#feed-section", Section).set_detail("loading")
        self.query_one(SendForm).focus_recipient_field()
        self.message_changes.subscribe(self, self._on_message_changed, immediate=True)
        self.set_interval(1.0, self.query_one(ScheduledTable).tick)
        self.set_interval(RELOAD_SECONDS, self.load_lists)
        self.load_lists()

    # Event handlers

    def on_send_form_add_requested(self, event: SendForm.AddRequested) -> None:
        self.parse_recipient(event.typed)

    def on_recipient_parsed(self, event: RecipientParsed) -> None:
        self.query_one(SendForm).add_recipient(event.recipient, event.typed)

    def on_client_found(self, event: ClientFound) -> None:
        self.query_one(SendForm).add_client(event.match, event.typed)

    def on_clients_found(self, event: ClientsFound) -> None:
        def add_chosen(match: ClientMatch | None) -> None:
            if match is not None:
                self.query_one(SendForm).add_client(match, event.typed)

        self.app.push_screen(ClientPickerScreen(event.typed, event.matches), add_chosen)

    def on_send_form_send_requested(self, event: SendForm.SendRequested) -> None:
        if self._sending:
            self.notify("The previous send is still being saved. Try again in a moment.", markup=False)
            return
        self._sending = True
        form = self.query_one(SendForm)
        self.check_quiet_hours(SendRequest(event.targets, event.subject, event.body, form.voice, form.files))

    def on_quiet_hours_checked(self, event: QuietHoursChecked) -> None:
        # The quiet-hours question comes first, so that the preview shows the real send time.
        if event.warning is None:
            self.preview_request(event.request)
            return
        warning = event.warning

        def preview_as_chosen(choice: str | None) -> None:
            if choice == LATER:
                self.preview_request(replace(event.request, timing=SendTiming(mode="at", at=warning.next_allowed)))
            elif choice == ANYWAY:
                self.preview_request(event.request)
            else:
                self._sending = False

        self.app.push_screen(QuietHoursScreen(warning, self._zone), preview_as_chosen)

    def on_send_previewed(self, event: SendPreviewed) -> None:
        request = event.request

        def after_preview(choice: str | None) -> None:
            form = self.query_one(SendForm)
            if choice == "send":
                self._sending = True
                self.queue_request(replace(request, fingerprint=event.preview.fingerprint))
            elif choice == "replace":
                form.query_one("#subject", Input).value = replace_smart_punctuation(request.subject)
                form.query_one("#body", TextArea).text = replace_smart_punctuation(request.body)
                form.request_send()

        self.app.push_screen(PreviewScreen(event.preview, event.zone), after_preview)

    def on_send_form_attach_requested(self, event: SendForm.AttachRequested) -> None:
        self.check_attachment(event.typed)

    def on_file_checked(self, event: FileChecked) -> None:
        self.query_one(SendForm).add_file(event.checked, event.typed)

    def on_scheduled_table_send_now_requested(self, event: ScheduledTable.SendNowRequested) -> None:
        self._confirm_send_now(event.record)

    def on_feed_table_send_again_requested(self, event: FeedTable.SendAgainRequested) -> None:
        self._confirm_send_now(event.record)

    def on_message_released(self, event: MessageReleased) -> None:
        self.notify(f"Message {event.record.id} to {visible_controls(event.record.recipient)} goes out now.", markup=False)
        self.load_lists()

    def on_dispatcher_checked(self, event: DispatcherChecked) -> None:
        self._dispatcher_status = event.status
        pending = self.query_one(ScheduledTable).records
        self.query_one("#scheduled-section", Section).set_detail(_scheduled_detail(len(pending), event.status))

    def on_messages_queued(self, event: MessagesQueued) -> None:
        # MessagesQueued bubbles on to the app, which arms the dispatcher.
        self.query_one(SendForm).clear()
        self.notify(_queued_summary(event), markup=False, timeout=10)
        if event.result.skipped:
            lines = [f"Not queued for {visible_controls(item.address)}: {item.reason}." for item in event.result.skipped]
            self.notify("\n".join(lines), severity="warning", markup=False, timeout=15)
        self.load_lists()

    def on_scheduled_table_cancel_requested(self, event: ScheduledTable.CancelRequested) -> None:
        record = event.record
        question = safe_text(f"Cancel the {channel_name(record.channel)} to ")
        question.append_text(safe_text(record.recipient))
        question.append(f", due in {format_time_left(record.send_at, utcnow())}?\n")
        question.append_text(one_line(record.body, limit=60, style="italic"))
        question.append("\n\nA cancelled message is never sent.")

        def cancel_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                self.cancel_message(record.id)

        self.app.push_screen(ConfirmScreen(question, yes_label="Yes, cancel it (y)", no_label="No, keep it (n)"), cancel_if_confirmed)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        record = getattr(event.data_table, "records", {}).get(event.row_key.value)
        if record is not None:
            self.app.push_screen(MessageDetailScreen(record, self._zone))

    def on_message_cancelled(self, event: MessageCancelled) -> None:
        self.notify(f"Message {event.record.id} to {visible_controls(event.record.recipient)} is cancelled.", markup=False)
        self.load_lists()

    def on_messages_loaded(self, event: MessagesLoaded) -> None:
        self._last_reload_error = None
        self._zone = event.zone
        self.query_one(ScheduledTable).show(event.pending, event.zone)
        self.query_one(FeedTable).show(event.feed, event.zone)
        self.query_one("#scheduled-section", Section).set_detail(_scheduled_detail(len(event.pending), self._dispatcher_status))
        self.query_one("#feed-section", Section).set_detail(_row_count(event.feed))
        self.query_one(AppHeader).show_agency(event.agency.name)
        self.query_one(SendForm).show_review_delay(event.agency.review_delay_seconds)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "send" and event.worker.is_finished:
            self._sending = False
        if event.worker.group == "quiet-hours" and event.state is WorkerState.ERROR:
            self._sending = False
        if event.state is WorkerState.ERROR:
            self.show_error(event.worker, event.worker.error)

    def show_error(self, worker: Worker, error: BaseException | None) -> None:
        """Show a worker's error where the clerk looks for it, as the error's own sentence."""
        form = self.query_one(SendForm)
        sentence = visible_controls(str(error))
        if isinstance(error, InvalidRecipient):
            form.show_recipient_error(sentence)
        elif isinstance(error, AttachmentError):
            form.show_attach_error(sentence)
        elif isinstance(error, (ReleaseRefused, PermissionDenied)) and worker.group == "release":
            log.info("Send now rejected for %s: %s", self.services.actor.login, error)
            self.notify(sentence, severity="warning", markup=False, timeout=10)
            self.load_lists()
        elif isinstance(error, (MessageError, PermissionDenied)) and worker.group == "send":
            log.info("Send rejected for %s: %s", self.services.actor.login, error)
            form.show_send_error(sentence)
        elif isinstance(error, (CancelRefused, PermissionDenied)):
            log.info("Cancel rejected for %s: %s", self.services.actor.login, error)
            self.notify(sentence, severity="warning", markup=False, timeout=10)
            self.load_lists()
        elif worker.group == "lists" and sentence == self._last_reload_error:
            # The periodic reload repeats a lasting failure every few seconds: report it once.
            log.debug("Reloading the lists failed again: %s", error)
        else:
            if worker.group == "lists":
                self._last_reload_error = sentence
            log.error("Could not %s", worker.name, exc_info=error)
            self.notify(f"Could not {worker.name}: {sentence}. Details are in the log file.", severity="error", markup=False, timeout=15)

    def _confirm_send_now(self, record: MessageRecord) -> None:
        question = safe_text(f"Send the {channel_name(record.channel)} to ")
        question.append_text(safe_text(record.recipient))
        question.append(" now?\n")
        question.append_text(one_line(record.body, limit=60, style="italic"))
        if record.status == "unknown":
            question.append(
                "\n\nIts first send may have reached the carrier. Send it again only after checking"
                " with the carrier that it did not arrive."
            )
        else:
            question.append("\n\nIt was held because it is later than the agency's late limit.")

        def send_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                self.release_message(record.id)

        self.app.push_screen(ConfirmScreen(question, yes_label="Yes, send it now (y)", no_label="No (n)"), send_if_confirmed)

    def _on_message_changed(self, _change: MessageStatusChanged) -> None:
        if self._reload_timer is None:
            self._reload_timer = self.set_timer(CHANGE_RELOAD_DELAY_SECONDS, self._reload_after_change)

    def _reload_after_change(self) -> None:
        self._reload_timer = None
        self.load_lists()

    # Actions

    def action_send(self) -> None:
        # Keys typed just before the send key may still wait in the focused field's
        # queue, because priority bindings run first. Queue the send behind them, so
        # that the form reads everything that was typed.
        form = self.query_one(SendForm)
        (self.focused or self).call_later(form.request_send)

    def action_refresh(self) -> None:
        self.load_lists()

    def action_focus_form(self) -> None:
        self.query_one(SendForm).focus_recipient_field()

    def action_focus_scheduled(self) -> None:
        self.query_one(ScheduledTable).focus()

    def action_focus_feed(self) -> None:
        self.query_one(FeedTable).focus()

    def action_pick_tag(self) -> None:
        def insert(name: str | None) -> None:
            if name:
                self.query_one(SendForm).insert_tag(name)

        self.app.push_screen(MergeTagPicker(), insert)

    # Workers: each runs one services call in a thread and posts what happened.

    @work(thread=True, exclusive=True, group="lists", name="load the message lists", exit_on_error=False)
    def load_lists(self) -> None:
        agency = self.services.agency()
        pending = self.services.pending(limit=LIST_LIMIT)
        feed = self.services.feed(limit=LIST_LIMIT)
        dispatchers = self.services.dispatcher_status()
        if not get_current_worker().is_cancelled:
            self.post_message(MessagesLoaded(pending, feed, agency, agency_zone(agency.time_zone)))
            self.post_message(DispatcherChecked(dispatchers))

    @work(thread=True, group="recipient", name="add the recipient", exit_on_error=False)
    def parse_recipient(self, typed: str) -> None:
        """Add a phone number or email address, else the client the text finds."""
        try:
            recipient = self.services.parse_recipient(typed)
        except InvalidRecipient as error:
            matches = self.services.search_clients(typed)
            if not matches:
                raise InvalidRecipient(f"{error} No client matches it either.") from None
            if len(matches) == 1:
                self.post_message(ClientFound(typed, matches[0]))
            else:
                self.post_message(ClientsFound(typed, matches))
            return
        self.post_message(RecipientParsed(typed, recipient))

    @work(thread=True, group="send", name="preview the message", exit_on_error=False)
    def preview_request(self, request: SendRequest) -> None:
        self.services.require_send()
        preview = self.services.preview(
            request.targets, request.subject, request.body, request.timing, voice=request.voice, files=request.files,
        )
        if preview.problems:
            raise MessageError(" ".join(preview.problems))
        self.post_message(SendPreviewed(preview, self.services.zone(), request))

    @work(thread=True, group="send", name="send the message", exit_on_error=False)
    def queue_request(self, request: SendRequest) -> None:
        result = self.services.send(
            request.targets, request.subject, request.body, request.timing,
            voice=request.voice, expected_fingerprint=request.fingerprint, files=request.files,
        )
        self.post_message(MessagesQueued(result, self.services.zone()))

    @work(thread=True, group="quiet-hours", name="check the quiet hours", exit_on_error=False)
    def check_quiet_hours(self, request: SendRequest) -> None:
        self.post_message(QuietHoursChecked(request, self.services.quiet_hours_warning(request.timing)))

    @work(thread=True, group="attach", name="attach the file", exit_on_error=False)
    def check_attachment(self, typed: str) -> None:
        self.post_message(FileChecked(typed, self.services.check_attachment(typed)))

    @work(thread=True, group="release", name="send the message now", exit_on_error=False)
    def release_message(self, message_id: int) -> None:
        self.post_message(MessageReleased(self.services.send_now(message_id)))

    @work(thread=True, group="cancel", name="cancel the message", exit_on_error=False)
    def cancel_message(self, message_id: int) -> None:
        self.post_message(MessageCancelled(self.services.cancel(message_id)))


def _scheduled_detail(count: int, status: DispatcherStatus | None) -> str:
    """Return the row count and the dispatcher's state, shown by symbol and words."""
    rows = f"the first {LIST_LIMIT}" if count >= LIST_LIMIT else str(count)
    if status is None:
        return rows
    if status.running:
        return f"{rows}  \u25cf dispatcher running"
    return f"{rows}  \u25cb no dispatcher running: messages wait"


def _row_count(records: list) -> str:
    return f"the first {LIST_LIMIT}" if len(records) >= LIST_LIMIT else str(len(records))


def _queued_summary(event: MessagesQueued) -> str:
    messages = event.result.messages
    count = len(messages)
    when = format_local(messages[0].send_at, event.zone)
    if count == 1:
        return f"Queued 1 message. It goes at {when} unless cancelled before then."
    return f"Queued {count} messages. They go at {when} unless cancelled before then."
