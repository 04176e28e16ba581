"""The Send a Message form: recipients, Subject, Message, Files, a call option and Send.

The form keeps what the clerk typed and posts requests. The screen that contains it
runs the services in workers and calls back ``add_recipient``, ``show_recipient_error``,
``show_send_error`` or ``clear``. Nothing typed is lost on an error.

The "To" field takes a phone number, an email address, or a client's name, client id,
case number or email: a client becomes one entry that lists the contacts it expands to.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Checkbox, Input, Label, Static, TextArea

from ecd_tui.domain.client_records import ClientMatch
from ecd_tui.domain.fanout import SendTarget
from ecd_tui.domain.preview import check_draft
from ecd_tui.domain.recipients import Recipient
from ecd_tui.widgets.composer import TagSuggester, open_tag_length, tag_hint
from ecd_tui.domain.attachments import MAX_ATTACHMENTS, CheckedFile
from ecd_tui.domain.recipients import Recipient
from ecd_tui.widgets.attachment_list import AttachmentList
from ecd_tui.widgets.marked_checkbox import MarkedCheckbox
from ecd_tui.widgets.labelled import Field
from ecd_tui.widgets.recipient_list import RecipientList
from ecd_tui.widgets.safe_text import safe_text


class SendForm(Vertical):
    """Recipients above the To field (client, phone or email), then Subject, Message and Send."""

    class AddRequested(Message):
        """The clerk asked to add the typed text as a recipient."""

        def __init__(self, typed: str) -> None:
            super().__init__()
            self.typed = typed

    class AttachRequested(Message):
        """The clerk asked to attach the file at the typed path."""

        def __init__(self, typed: str) -> None:
            super().__init__()
            self.typed = typed

    class SendRequested(Message):
        """The clerk asked to send the message to the listed recipients."""

        def __init__(self, recipients: list[Recipient], subject: str, body: str, targets: list[SendTarget] | None = None) -> None:
            super().__init__()
            self.recipients = recipients
            self.subject = subject
            self.body = body
            self.targets = targets if targets is not None else [SendTarget.typed(recipient) for recipient in recipients]

    def compose(self) -> ComposeResult:
        yield Label("Send a Message", classes="form-title")
        with Vertical(id="recipients-box"):
            yield Label("No recipients yet: add clients, phone numbers or email addresses below.", id="no-recipients")
            yield RecipientList(id="recipients")
        yield Field("To", Horizontal(
            Input(placeholder="Client, phone or email, then Enter", id="recipient-input", compact=True),
            Button("Add", id="add-recipient", compact=True),
            id="recipient-row",
        ))
        yield Static("", id="recipient-error", classes="form-error", markup=False)
        yield Field("Subject", Input(id="subject", compact=True, suggester=TagSuggester()))
        yield Field("Message", TextArea(id="body", soft_wrap=True, show_line_numbers=False))
        yield Static("", id="tag-hint", markup=False)
        yield Field("Files", Horizontal(
            Input(placeholder="Path of a file to attach, then Enter (up to 5)", id="attach-input", compact=True),
            Button("Attach", id="attach-file", compact=True),
            id="attach-row",
        ))
        with Vertical(id="files-box"):
            yield AttachmentList(id="files")
        yield Static("", id="attach-error", classes="form-error", markup=False)
        yield Field("", MarkedCheckbox("Call phone numbers instead of texting (voice)", id="voice", compact=True))
        yield Field("", Horizontal(
            Button("Send", id="send", compact=True),
            Label("ctrl+s or F2: send after the review delay", id="send-hint", markup=False),
            id="send-row",
        ))
        yield Static("", id="send-error", classes="form-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(RecipientList).display = False
        self.query_one("#tag-hint", Static).display = False
        self.query_one(AttachmentList).display = False

    # Event handlers

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "recipient-input":
            event.stop()
            self.request_add()
        elif event.input.id == "subject":
            event.stop()
            self.query_one("#body", TextArea).focus()
        elif event.input.id == "attach-input":
            event.stop()
            self.request_attach()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "add-recipient":
            self.request_add()
        elif event.button.id == "send":
            self.request_send()
        elif event.button.id == "attach-file":
            self.request_attach()

    # Requests

    def request_add(self) -> None:
        typed = self.query_one("#recipient-input", Input).value
        if typed.strip():
            self.post_message(self.AddRequested(typed))
        else:
            self.show_recipient_error("Type a phone number or an email address first.")

    def request_attach(self) -> None:
        typed = self.query_one("#attach-input", Input).value
        if not typed.strip():
            self.show_attach_error("Type the path of a file to attach first.")
        elif len(self.files) >= MAX_ATTACHMENTS:
            self.show_attach_error(f"A message can carry at most {MAX_ATTACHMENTS} files: remove one (x in the file list) first.")
        else:
            self.post_message(self.AttachRequested(typed))

    def request_send(self) -> None:
        """Post SendRequested, unless the recipient field still contains text not yet added."""
        pending = self.query_one("#recipient-input", Input).value.strip()
        if pending:
            self.show_send_error(f"{pending!r} is typed but not added: press Enter in the To field to add it, or clear it.")
            return
        typed_file = self.query_one("#attach-input", Input).value.strip()
        if typed_file:
            self.show_send_error(f"{typed_file!r} is typed but not attached: press Enter in the Files field to attach it, or clear it.")
            return
        self.show_send_error("")
        self.post_message(self.SendRequested(
            self.recipients,
            self.query_one("#subject", Input).value,
            self.query_one("#body", TextArea).text,
            self.query_one(RecipientList).targets,
        ))

    # Called by the screen

    @property
    def recipients(self) -> list[Recipient]:
        return self.query_one(RecipientList).recipients

    @property
    def files(self) -> list[CheckedFile]:
        return self.query_one(AttachmentList).files

    @property
    def voice(self) -> bool:
        """True when the clerk chose a call for phone numbers."""
        return self.query_one("#voice", Checkbox).value

    def add_file(self, checked: CheckedFile, typed: str) -> None:
        """List ``checked`` and clear the field, if it still contains the path that was checked."""
        field = self.query_one("#attach-input", Input)
        if len(self.files) >= MAX_ATTACHMENTS:
            self.show_attach_error(f"A message can carry at most {MAX_ATTACHMENTS} files: remove one first.")
            return
        added = self.query_one(AttachmentList).add_file(checked)
        if field.value == typed:
            field.value = ""
        self.show_attach_error("" if added else f"{checked.filename} is attached already.")

    def show_attach_error(self, sentence: str) -> None:
        self._show(self.query_one("#attach-error", Static), sentence)

    def add_recipient(self, recipient: Recipient, typed: str) -> None:
        """List ``recipient`` and clear the field, if it still contains the text that was parsed."""
        field = self.query_one("#recipient-input", Input)
        added = self.query_one(RecipientList).add_recipient(recipient)
        self.query_one("#no-recipients").display = False
        if field.value == typed:
            field.value = ""
        self.show_recipient_error("" if added else f"{recipient.address} is in the list already.")

    def add_client(self, match: ClientMatch, typed: str) -> None:
        """List a client entry and clear the field, if it still contains the text that was searched."""
        field = self.query_one("#recipient-input", Input)
        added = self.query_one(RecipientList).add_client(match)
        self.query_one("#no-recipients").display = False
        if field.value == typed:
            field.value = ""
        self.show_recipient_error("" if added else f"{match.client.full_name} is in the list already.")

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        """Offer the merge tags that match a `[` being typed in Message, and check the draft."""
        body = event.text_area
        row, column = body.cursor_location
        hint = tag_hint(body.document.get_line(row)[:column])
        self._show_draft_check(hint + "  (F9: pick a tag)" if hint else "")

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "subject":
            self._show_draft_check("")

    def _show_draft_check(self, hint: str) -> None:
        """Show the tag hint, then each unknown tag or over-long field, the tag in reverse video."""
        subject = self.query_one("#subject", Input).value
        body = self.query_one("#body", TextArea).text
        line = Text(hint)
        for problem in check_draft(subject, body):
            line.append("\n" if line.plain else "")
            line.append("\u2717 ")
            line.append_text(safe_text(problem.message))
            if problem.start is not None:
                source = subject if problem.field == "Subject" else body
                line.append("  ")
                line.append_text(safe_text(source[problem.start:problem.end], style="reverse"))
        hint_area = self.query_one("#tag-hint", Static)
        hint_area.update(line)
        hint_area.display = bool(line.plain)

    def insert_tag(self, name: str) -> None:
        """Put ``[name]`` in Message at the cursor, replacing a `[` prefix typed just before."""
        body = self.query_one("#body", TextArea)
        row, column = body.cursor_location
        typed = open_tag_length(body.document.get_line(row)[:column])
        body.replace(f"[{name}]", (row, column - typed), (row, column))
        body.focus()

    def show_review_delay(self, seconds: int) -> None:
        """Say next to Send how long messages wait before they go."""
        delay = "at once" if seconds <= 0 else f"after the review delay ({_duration(seconds)})"
        self.query_one("#send-hint", Label).update(f"ctrl+s or F2: send {delay}")

    def show_recipient_error(self, sentence: str) -> None:
        self._show(self.query_one("#recipient-error", Static), sentence)

    def show_send_error(self, sentence: str) -> None:
        self._show(self.query_one("#send-error", Static), sentence)

    def clear(self) -> None:
        """Empty the form after a successful send and return focus to the To field."""
        self.query_one(RecipientList).clear_recipients()
        self.query_one("#no-recipients").display = True
        self.query_one("#recipient-input", Input).value = ""
        self.query_one("#subject", Input).value = ""
        self.query_one("#body", TextArea).clear()
        self.query_one(AttachmentList).clear_files()
        self.query_one("#attach-input", Input).value = ""
        self.query_one("#voice", Checkbox).value = False
        self.show_attach_error("")
        self.show_recipient_error("")
        self.show_send_error("")
        self.focus_recipient_field()

    def focus_recipient_field(self) -> None:
        self.query_one("#recipient-input", Input).focus()

    @staticmethod
    def _show(area: Static, sentence: str) -> None:
        area.update(safe_text(sentence))
        area.display = bool(sentence)


def _duration(seconds: int) -> str:
    minutes, seconds = divmod(seconds, 60)
    if minutes and seconds:
        return f"{minutes} min {seconds} s"
    return f"{minutes} min" if minutes else f"{seconds} s"
