"""Containers whose label shows ``▶`` while focus is inside them.

Focus must be visible without colour (16-colour terminals, ``NO_COLOR``), so the
label of the focused part gains a marker instead of relying on a highlight alone.
"""

from __future__ import annotations

from textual import events
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Label

FOCUS_MARKER = "\u25b6 "
NO_MARKER = "  "


class _MarkedLabel:
    """Shared behaviour: a label with an optional detail, marked while focus is inside."""

    label_text: str
    label_detail: str = ""

    def set_detail(self, detail: str) -> None:
        """Show ``detail`` after the label, for example a row count."""
        self.label_detail = detail
        self._update_label()

    def _on_descendant_focus(self, _event: events.DescendantFocus) -> None:
        self._update_label()

    def _on_descendant_blur(self, _event: events.DescendantBlur) -> None:
        self._update_label()

    def _update_label(self) -> None:
        # Read the focus at handling time, because blur and focus events come from
        # different widgets' queues and may arrive in either order.
        marker = FOCUS_MARKER if self.has_focus_within else NO_MARKER
        detail = f": {self.label_detail}" if self.label_detail else ""
        self.query_one(".part-label", Label).update(f"{marker}{self.label_text}{detail}")


class Field(_MarkedLabel, Horizontal):
    """One form row: a label column, then the control."""

    def __init__(self, label: str, control: Widget, *, id: str | None = None) -> None:
        self.label_text = label
        super().__init__(Label(f"{NO_MARKER}{label}", classes="part-label", markup=False), control, id=id)


class Section(_MarkedLabel, Vertical):
    """A titled part of a screen, its title on the first line."""

    def __init__(self, title: str, *children: Widget, id: str | None = None) -> None:
        self.label_text = title
        label = Label(f"{NO_MARKER}{title}", classes="part-label section-title", markup=False)
        super().__init__(label, *children, id=id)
