"""The recipients of the message being written, one per line, removable with a key."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ecd_tui.domain.recipients import Recipient
from ecd_tui.widgets.safe_text import safe_text

CHANNEL_NAMES = {"sms": "text", "mms": "MMS", "voice": "call", "email": "email"}


def channel_name(channel: str) -> str:
    """Return the word a clerk uses for a channel: ``sms`` is a ``text``."""
    return CHANNEL_NAMES.get(channel, channel)


class RecipientList(OptionList):
    """Recipients added so far. Delete or x removes the highlighted one."""

    BINDINGS = [
        Binding("delete,x", "remove_recipient", "Remove recipient"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._recipients: list[Recipient] = []

    @property
    def recipients(self) -> list[Recipient]:
        return list(self._recipients)

    def add_recipient(self, recipient: Recipient) -> bool:
        """Append ``recipient``, or return False when its address is in the list already."""
        if any(existing.address == recipient.address for existing in self._recipients):
            return False
        self._recipients.append(recipient)
        self.add_option(Option(_prompt(recipient)))
        self.display = True
        return True

    def clear_recipients(self) -> None:
        self._recipients.clear()
        self.clear_options()
        self.display = False

    def on_focus(self) -> None:
        if self.highlighted is None and self._recipients:
            self.highlighted = 0

    def action_remove_recipient(self) -> None:
        index = self.highlighted
        if index is None or not self._recipients:
            return
        del self._recipients[index]
        self.remove_option_at_index(index)
        if not self._recipients:
            self.display = False
            self.screen.focus_next()


def _prompt(recipient: Recipient) -> Text:
    prompt = safe_text(recipient.address)
    if recipient.extension:
        prompt.append(f" ext. {recipient.extension}")
    prompt.append(f"  ({channel_name(recipient.channel)})", style="dim")
    return prompt
