"""The files attached to the message being written, one per line, removable with a key."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ecd_tui.domain.attachments import CheckedFile
from ecd_tui.widgets.safe_text import safe_text


class AttachmentList(OptionList):
    """Files attached so far. Delete or x removes the highlighted one."""

    BINDINGS = [
        Binding("delete,x", "remove_file", "Remove file"),
    ]

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._files: list[CheckedFile] = []

    @property
    def files(self) -> list[CheckedFile]:
        return list(self._files)

    def add_file(self, checked: CheckedFile) -> bool:
        """Append ``checked``, or return False when that file is attached already."""
        if any(existing.path == checked.path for existing in self._files):
            return False
        self._files.append(checked)
        self.add_option(Option(_prompt(checked)))
        self.display = True
        return True

    def clear_files(self) -> None:
        self._files.clear()
        self.clear_options()
        self.display = False

    def on_focus(self) -> None:
        if self.highlighted is None and self._files:
            self.highlighted = 0

    def action_remove_file(self) -> None:
        index = self.highlighted
        if index is None or not self._files:
            return
        del self._files[index]
        self.remove_option_at_index(index)
        if not self._files:
            self.display = False
            self.screen.focus_next()


def _prompt(checked: CheckedFile) -> Text:
    prompt = safe_text(checked.filename)
    prompt.append(f"  ({_size(checked.size)}, {checked.content_type})", style="dim")
    return prompt


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
