"""A checkbox whose state reads as text: ``[x]`` when on, ``[ ]`` when off.

Textual's Checkbox draws the same X in both states and marks the difference by colour
alone, which 16-colour terminals and ``NO_COLOR`` lose.
"""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Checkbox


class MarkedCheckbox(Checkbox):
    """A Checkbox that draws ``[x]`` or ``[ ]``."""

    BUTTON_LEFT = "["
    BUTTON_RIGHT = "]"

    @property
    def _button(self) -> Content:
        # The parent draws BUTTON_INNER between the sides, so set it from the value first.
        self.BUTTON_INNER = "x" if self.value else " "
        return super()._button
