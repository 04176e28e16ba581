"""The Send a Message form: recipients, Subject, Message and Send.

The form keeps what the clerk typed and posts requests. The screen that contains it
runs the services in workers and calls back ``add_recipient``, ``show_recipient_error``,
``show_send_error`` or ``clear``. Nothing typed is lost on an error.

TODO: the product's "(Client, Phone, or Email)" field also finds clients by name, which
needs a client search in ``Services``; until then the field takes phones and emails.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Button, Input, Label, Static, TextArea

from ecd_tui.domain.recipients import Recipient
from ecd_tui.widgets.labelled import Field
from ecd_tui.widgets.recipient_list import RecipientList
from ecd_tui.widgets.safe_text import safe_text


class SendForm(Vertical):
    """Recipients above the (Phone or Email) field, then Subject, Message and Send."""

    class AddRequested(Message):
        """The clerk asked to add the typed text as a recipient."""

        def __init__(self, typed: str) -> None:
            super().__init__()
            self.typed = typed

    class SendRequested(Message):
        """The clerk asked to send the message to the listed recipients."""

        def __init__(self, recipients: list[Recipient], subject: str, body: str) -> None:
            super().__init__()
            self.recipients = recipients
            self.subject = subject
            self.body = body

    def compose(self) -> ComposeResult:
        yield Label("Send a Message", classes="form-title")
        with Vertical(id="recipients-box"):
            yield Label("No recipients yet: add phone numbers or email addresses below.", id="no-recipients")
            yield RecipientList(id="recipients")
        yield Field("To", Horizontal(
            Input(placeholder="Phone or email, then Enter", id="recipient-input", compact=True),
            Button("Add", id="add-recipient", compact=True),
            id="recipient-row",
        ))
        yield Static("", id="recipient-error", classes="form-error", markup=False)
        yield Field("Subject", Input(id="subject", compact=True))
        yield Field("Message", TextArea(id="body", soft_wrap=True, show_line_numbers=False))
        yield Field("", Horizontal(
            Button("Send", id="send", compact=True),
            Label("ctrl+s or F2: send after the review delay", id="send-hint", markup=False),
            id="send-row",
        ))
        yield Static("", id="send-error", classes="form-error", markup=False)

    def on_mount(self) -> None:
        self.query_one(RecipientList).display = False

    # Event handlers

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "recipient-input":
            event.stop()
            self.request_add()
        elif event.input.id == "subject":
            event.stop()
            self.query_one("#body", TextArea).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "add-recipient":
            self.request_add()
        elif event.button.id == "send":
            self.request_send()

    # Requests

    def request_add(self) -> None:
        typed = self.query_one("#recipient-input", Input).value
        if typed.strip():
            self.post_message(self.AddRequested(typed))
        else:
            self.show_recipient_error("Type a phone number or an email address first.")

    def request_send(self) -> None:
        """Post SendRequested, unless the recipient field still contains text not yet added."""
        pending = self.query_one("#recipient-input", Input).value.strip()
        if pending:
            self.show_send_error(f"{pending!r} is typed but not added: press Enter in the To field to add it, or clear it.")
            return
        self.show_send_error("")
        self.post_message(self.SendRequested(
            self.recipients,
            self.query_one("#subject", Input).value,
            self.query_one("#body", TextArea).text,
        ))

    # Called by the screen

    @property
    def recipients(self) -> list[Recipient]:
        return self.query_one(RecipientList).recipients

    def add_recipient(self, recipient: Recipient, typed: str) -> None:
        """List ``recipient`` and clear the field, if it still contains the text that was parsed."""
        field = self.query_one("#recipient-input", Input)
        added = self.query_one(RecipientList).add_recipient(recipient)
        self.query_one("#no-recipients").display = False
        if field.value == typed:
            field.value = ""
        self.show_recipient_error("" if added else f"{recipient.address} is in the list already.")

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
