"""The merge-tag list, offered when `[` is typed in Subject or Message."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from ecd_tui.domain.merge_tags import TAGS


class MergeTagPicker(ModalScreen[str | None]):
    """Choose a tag with the arrows and Enter; dismisses with its name, or None on Escape."""

    CSS_PATH = "../styles/record_dialogs.tcss"
    BINDINGS = [Binding("escape", "dismiss_none", "Keep typing")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Insert a merge tag", classes="dialog-title")
            options = [Option(f"[{tag.name}]  {tag.description}", id=tag.name) for tag in TAGS]
            yield OptionList(*options, id="merge-tags")
            yield Label("enter: insert    escape: keep typing", classes="dialog-keys")

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
