"""The Send a Message form of the Client Profile and Contact screens.

Subject and Message take merge tags: typing `[` lists the matching tags under the form,
and ctrl+t picks one. The form checks the draft as it is typed (unknown tags, a subject
over 255 characters, a text over 1,600 characters), then ctrl+s shows the preview, and
`y` there queues exactly the previewed messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.suggester import Suggester
from textual.widgets import Input, Label, Select, Static, TextArea

from ecd_tui.domain.fanout import SendTarget
from ecd_tui.domain.merge_tags import TAGS
from ecd_tui.domain.messages import MessageError, QueueResult, SendTiming
from ecd_tui.domain.permissions import PermissionDenied
from ecd_tui.domain.preview import Preview
from ecd_tui.domain.segments import analyze, replace_smart_punctuation
from ecd_tui.screens.merge_tag_picker import MergeTagPicker
from ecd_tui.screens.preview import PreviewScreen
from ecd_tui.widgets.safe_text import visible_controls

# The channel is named in words, because a compact checkbox shows its state by colour alone.
PHONE_CHANNEL_OPTIONS = [
    ("Phones: text", "text"),
    ("Phones: voice call", "voice"),
]
TIMING_OPTIONS = [
    ("After the review delay", "delay"),
    ("At a date and time", "at"),
    ("At once (Send Without Delay)", "now"),
]
_OPEN_TAG = re.compile(r"\[([A-Za-z]*)$")


class TagSuggester(Suggester):
    """Completes a merge tag being typed in the Subject: `[Cli` suggests `[ClientFirstName]`."""

    def __init__(self) -> None:
        super().__init__(use_cache=False, case_sensitive=True)

    async def get_suggestion(self, value: str) -> str | None:
        match = _OPEN_TAG.search(value)
        if match is None or not match.group(1):
            return None
        prefix = match.group(1).lower()
        for tag in TAGS:
            if tag.name.lower().startswith(prefix):
                return value[: match.start()] + f"[{tag.name}]"
        return None


class MessageComposer(Vertical):
    """Subject, Message, channel and timing, and the send flow through the preview.

    Args:
        services: the app's Services.
        targets: returns the recipients to send to when the clerk presses ctrl+s.
    """

    BINDINGS = [
        Binding("ctrl+s", "preview", "Preview and send", show=False),
        Binding("ctrl+t", "pick_tag", "Merge tag"),
    ]

    class Queued(Message):
        """Messages were queued; the screen refreshes its lists."""

        def __init__(self, result: QueueResult) -> None:
            super().__init__()
            self.result = result

    class _PreviewReady(Message):
        def __init__(self, preview: Preview, zone, request: tuple) -> None:
            super().__init__()
            self.preview = preview
            self.zone = zone
            self.request = request

    class _Failed(Message):
        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, services, targets: Callable[[], list[SendTarget]], *, id: str | None = None) -> None:
        super().__init__(id=id, classes="composer")
        self.services = services
        self.targets = targets
        self._last_field = "composer-body"

    def compose(self) -> ComposeResult:
        yield Label("Send a Message  (ctrl+s: preview and send · ctrl+t: merge tag)", classes="section-title")
        with Horizontal(classes="composer-row"):
            yield Label("Subject")
            yield Input(placeholder="leads a text; the email subject", id="composer-subject", suggester=TagSuggester(), compact=True)
        with Horizontal(id="composer-message-row"):
            yield Label("Message")
            yield TextArea(id="composer-body", soft_wrap=True, show_line_numbers=False, tab_behavior="focus", compact=True)
        with Horizontal(classes="composer-row"):
            yield Select(PHONE_CHANNEL_OPTIONS, value="text", allow_blank=False, id="composer-voice", compact=True)
            yield Select(TIMING_OPTIONS, value="delay", allow_blank=False, id="composer-timing", compact=True)
            yield Input(placeholder="YYYY-MM-DD HH:MM", id="composer-at", disabled=True, compact=True)
        yield Static("", id="composer-hint")
        yield Static("", id="composer-status")

    def on_mount(self) -> None:
        self._check()

    # Handlers

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "composer-subject":
            self._last_field = "composer-subject"
            self._check()

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._last_field = "composer-body"
        self._check()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "composer-timing":
            self.query_one("#composer-at", Input).disabled = event.value != "at"

    def on_message_composer__preview_ready(self, message: _PreviewReady) -> None:
        message.stop()
        self._set_status(Text(""))
        self.app.push_screen(PreviewScreen(message.preview, message.zone), lambda choice: self._after_preview(choice, message))

    def on_message_composer__failed(self, message: _Failed) -> None:
        message.stop()
        self._set_status(Text(f"✗ {visible_controls(message.text)}", style="bold"))
        self.app.notify(visible_controls(message.text), severity="error", markup=False)

    # Actions

    def action_preview(self) -> None:
        subject, body = self.subject, self.body
        self._set_status(Text("Preparing the preview…"))
        self._build_preview((self.targets(), subject, body, self.voice, self._timing_choice()))

    def action_pick_tag(self) -> None:
        self.app.push_screen(MergeTagPicker(), self._insert_tag)

    # The send flow

    def _after_preview(self, choice: str | None, ready: _PreviewReady) -> None:
        if choice == "replace":
            self.query_one("#composer-subject", Input).value = replace_smart_punctuation(self.subject)
            self.query_one("#composer-body", TextArea).text = replace_smart_punctuation(self.body)
            self.action_preview()
        elif choice == "send":
            self._set_status(Text("Queueing…"))
            self._queue(ready.request, ready.preview.fingerprint)

    @work(thread=True, exclusive=True, group="composer")
    def _build_preview(self, request: tuple) -> None:
        targets, subject, body, voice, timing_choice = request
        try:
            zone = self.services.zone()
            timing = _timing(timing_choice, zone)
            preview = self.services.preview(targets, subject, body, timing, voice=voice)
        except MessageError as error:
            self.post_message(self._Failed(str(error)))
            return
        self.post_message(self._PreviewReady(preview, zone, request))

    @work(thread=True, exclusive=True, group="composer")
    def _queue(self, request: tuple, fingerprint: str) -> None:
        targets, subject, body, voice, timing_choice = request
        try:
            timing = _timing(timing_choice, self.services.zone())
            result = self.services.send(targets, subject, body, timing, voice=voice, expected_fingerprint=fingerprint)
        except (MessageError, PermissionDenied) as error:
            self.post_message(self._Failed(str(error)))
            return
        self.app.call_from_thread(self._queued, result)

    def _queued(self, result: QueueResult) -> None:
        self.query_one("#composer-subject", Input).value = ""
        self.query_one("#composer-body", TextArea).text = ""
        count = len(result.messages)
        skipped = f"; {len(result.skipped)} skipped" if result.skipped else ""
        text = f"{count} message{'s' if count != 1 else ''} queued{skipped}."
        self._set_status(Text(f"✓ {text}"))
        self.app.notify(text, markup=False)
        self.post_message(self.Queued(result))

    # Composing checks and merge tags

    def _check(self) -> None:
        subject, body = self.subject, self.body
        problems = self.services.check_draft(subject, body)
        info = analyze(subject.strip() + "\n" + body if subject.strip() else body)
        line = Text(
            f"Subject {len(subject.strip())}/255 · Message {len(body)} characters before merging · "
            f"{info.encoding} · {info.segments} segment{'s' if info.segments != 1 else ''}"
        )
        for problem in problems:
            line.append("\n✗ ")
            line.append(visible_controls(problem.message), style="bold")
            if problem.start is not None:
                source = subject if problem.field == "Subject" else body
                line.append("  ")
                line.append(visible_controls(source[problem.start:problem.end]), style="reverse")
        self._set_status(line)
        self._show_tag_hint()

    def _show_tag_hint(self) -> None:
        prefix = self._open_tag_prefix()
        hint = self.query_one("#composer-hint", Static)
        if prefix is None:
            hint.update("")
            return
        matching = [tag.name for tag in TAGS if tag.name.lower().startswith(prefix.lower())]
        shown = " ".join(f"[{name}]" for name in matching) or "no tag starts like that"
        hint.update(Text(f"Tags: {shown}  (ctrl+t: pick)"))

    def _open_tag_prefix(self) -> str | None:
        before = self._text_before_cursor()
        match = _OPEN_TAG.search(before)
        return match.group(1) if match else None

    def _text_before_cursor(self) -> str:
        if self._last_field == "composer-subject":
            subject = self.query_one("#composer-subject", Input)
            return subject.value[: subject.cursor_position]
        body = self.query_one("#composer-body", TextArea)
        row, column = body.cursor_location
        return body.document.get_line(row)[:column]

    def _insert_tag(self, name: str | None) -> None:
        if not name:
            return
        prefix = self._open_tag_prefix()
        typed = len(prefix) + 1 if prefix is not None else 0
        tag = f"[{name}]"
        if self._last_field == "composer-subject":
            subject = self.query_one("#composer-subject", Input)
            cursor = subject.cursor_position
            subject.value = subject.value[: cursor - typed] + tag + subject.value[cursor:]
            subject.cursor_position = cursor - typed + len(tag)
            subject.focus()
            return
        body = self.query_one("#composer-body", TextArea)
        row, column = body.cursor_location
        body.replace(tag, (row, column - typed), (row, column))
        body.focus()

    def _set_status(self, text: Text) -> None:
        self.query_one("#composer-status", Static).update(text)

    # Values

    @property
    def subject(self) -> str:
        return self.query_one("#composer-subject", Input).value

    @property
    def body(self) -> str:
        return self.query_one("#composer-body", TextArea).text

    @property
    def voice(self) -> bool:
        return self.query_one("#composer-voice", Select).value == "voice"

    def _timing_choice(self) -> tuple[str, str]:
        mode = self.query_one("#composer-timing", Select).value
        return str(mode), self.query_one("#composer-at", Input).value


def _timing(choice: tuple[str, str], zone) -> SendTiming:
    mode, at_text = choice
    if mode == "now":
        return SendTiming(mode="now")
    if mode == "at":
        try:
            moment = datetime.strptime(at_text.strip(), "%Y-%m-%d %H:%M").replace(tzinfo=zone)
        except ValueError:
            raise MessageError(f"Send at {at_text.strip()!r} is not a date and time: write it as YYYY-MM-DD HH:MM.") from None
        return SendTiming(mode="at", at=moment)
    return SendTiming()
