"""The preview before sending: per recipient, the exact text and how it goes out."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Label, Static

from ecd_tui.domain.clock import format_local
from ecd_tui.domain.preview import Preview, PreviewEntry
from ecd_tui.domain.segments import describe_character
from ecd_tui.widgets.safe_text import safe_lines, safe_text, visible_controls

CHANNEL_NAMES = {"sms": "Text", "voice": "Voice call", "email": "Email"}


class PreviewScreen(ModalScreen[str | None]):
    """Dismisses with "send", "replace" (smart punctuation), or None to go back and edit."""

    CSS_PATH = "../styles/preview.tcss"
    BINDINGS = [
        Binding("y", "choose('send')", "Send"),
        Binding("r", "choose('replace')", "Replace smart punctuation"),
        Binding("n", "choose(None)", "Back to editing"),
        Binding("escape", "choose(None)", "Back to editing", show=False),
    ]

    def __init__(self, preview: Preview, zone) -> None:
        super().__init__()
        self.preview = preview
        self.zone = zone

    def compose(self) -> ComposeResult:
        preview = self.preview
        with Vertical(id="preview-dialog"):
            yield Label(self._title(), id="preview-title")
            with VerticalScroll(id="preview-body"):
                for problem in preview.problems:
                    yield Static(safe_text(f"✗ {problem}"), classes="preview-problem")
                for entry in preview.entries:
                    yield Static(_entry_heading(entry), classes="preview-heading")
                    yield Static(safe_lines(entry.text), classes="preview-text")
                    for warning in entry.warnings:
                        yield Static(safe_text(f"  ! {warning}"), classes="preview-warning")
                for skipped in preview.skipped:
                    yield Static(safe_text(f"✗ skipped {skipped.name or skipped.address}: {skipped.reason}"), classes="preview-skipped")
                if preview.smart_punctuation:
                    shown = ", ".join(describe_character(character) for character in preview.smart_punctuation)
                    yield Static(safe_text(f"Smart punctuation {shown} can be replaced with plain characters: press r."), classes="preview-offer")
            yield Label(self._keys(), id="preview-keys")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#preview-body").focus()

    def check_action(self, action: str, parameters: tuple) -> bool | None:
        if action == "choose" and parameters == ("replace",):
            return bool(self.preview.smart_punctuation)
        if action == "choose" and parameters == ("send",):
            return True if self.preview.can_send else None
        return True

    def action_choose(self, choice: str | None) -> None:
        if choice == "send" and not self.preview.can_send:
            self.notify("Sending is blocked: fix what the preview lists first.", severity="error", markup=False)
            return
        if choice == "replace" and not self.preview.smart_punctuation:
            return
        self.dismiss(choice)

    def _title(self) -> Text:
        count = len(self.preview.entries)
        when = format_local(self.preview.send_at, self.zone)
        noun = "message" if count == 1 else "messages"
        skipped = f", {len(self.preview.skipped)} skipped" if self.preview.skipped else ""
        return safe_text(f"Preview: {count} {noun}{skipped}, sending at {when}")

    def _keys(self) -> str:
        keys = ["y: send" if self.preview.can_send else "sending blocked", "n: back to editing"]
        if self.preview.smart_punctuation:
            keys.append("r: replace smart punctuation")
        return "    ".join(keys)


def _entry_heading(entry: PreviewEntry) -> Text:
    parts = [CHANNEL_NAMES.get(entry.channel, entry.channel), f"to {visible_controls(entry.name)}"]
    if entry.encoding:
        segments = "segment" if entry.segments == 1 else "segments"
        parts.append(f"{entry.encoding}, {entry.length} characters, {entry.segments} {segments}")
    if entry.ucs2_characters:
        parts.append("UCS-2 forced by " + " ".join(describe_character(character) for character in entry.ucs2_characters))
    if entry.channel == "email" and entry.subject:
        parts.append(f"subject: {visible_controls(entry.subject)}")
    return Text("▶ " + " · ".join(parts), style="bold")
