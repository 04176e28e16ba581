"""The recipients of the message being written, one per entry, removable with a key.

An entry is a typed-in phone number or email address, or a client found by search. A
client entry lists the contacts it expands to and the ones it skips, with the reason.
"""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ecd_tui.domain.client_records import ClientMatch
from ecd_tui.domain.fanout import SendTarget, channel_for
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
        self._entries: list[Recipient | ClientMatch] = []

    @property
    def recipients(self) -> list[Recipient]:
        """The typed-in recipients; client entries are in ``targets``."""
        return list(self._recipients)

    @property
    def targets(self) -> list[SendTarget]:
        """Every entry as a send target, in the order listed."""
        return [
            SendTarget.for_client(entry.client.id) if isinstance(entry, ClientMatch) else SendTarget.typed(entry)
            for entry in self._entries
        ]

    def add_client(self, match: ClientMatch) -> bool:
        """Append a client entry, or return False when that client is listed already."""
        if any(isinstance(entry, ClientMatch) and entry.client.id == match.client.id for entry in self._entries):
            return False
        self._entries.append(match)
        self.add_option(Option(_client_prompt(match)))
        self.display = True
        return True

    def add_recipient(self, recipient: Recipient) -> bool:
        """Append ``recipient``, or return False when its address is in the list already."""
        if any(existing.address == recipient.address for existing in self._recipients):
            return False
        self._recipients.append(recipient)
        self._entries.append(recipient)
        self.add_option(Option(_prompt(recipient)))
        self.display = True
        return True

    def clear_recipients(self) -> None:
        self._recipients.clear()
        self._entries.clear()
        self.clear_options()
        self.display = False

    def on_focus(self) -> None:
        if self.highlighted is None and self._recipients:
            self.highlighted = 0

    def action_remove_recipient(self) -> None:
        index = self.highlighted
        if index is None or not self._entries:
            return
        entry = self._entries.pop(index)
        if isinstance(entry, Recipient):
            self._recipients.remove(entry)
        self.remove_option_at_index(index)
        if not self._entries:
            self.display = False
            self.screen.focus_next()


def _prompt(recipient: Recipient) -> Text:
    prompt = safe_text(recipient.address)
    if recipient.extension:
        prompt.append(f" ext. {recipient.extension}")
    prompt.append(f"  ({channel_name(recipient.channel)})", style="dim")
    return prompt


def _client_prompt(match: ClientMatch) -> Text:
    """Name the client, then each contact it expands to, and each it skips with the reason."""
    prompt = safe_text(f"{match.client.full_name} (client {match.client.client_id})")
    reachable = [contact for contact in match.contacts if contact.reachable]
    prompt.append(f"  {len(reachable)} message{'s' if len(reachable) != 1 else ''}", style="dim")
    for contact in match.contacts:
        channel = channel_name(channel_for(contact.channel, contact.line_type, voice=False))
        label = f" {contact.label}" if contact.label else ""
        if contact.reachable:
            prompt.append("\n  \u2192 ")
            prompt.append_text(safe_text(f"{contact.address}{label}"))
            prompt.append(f" ({channel})", style="dim")
        else:
            reason = "opted out" if contact.opted_out else "invalid"
            prompt.append("\n  \u2717 ")
            prompt.append_text(safe_text(f"{contact.address}{label}"))
            prompt.append(f": skipped, {reason}")
    if not match.contacts:
        prompt.append("\n  \u2717 no contacts: nothing will be sent to this client")
    return prompt
