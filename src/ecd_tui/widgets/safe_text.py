"""Stored and typed text turned into Rich ``Text`` that the terminal shows literally.

Names, recipients, subjects, bodies and carrier errors are data. Wrapping them in
``Text`` keeps Rich and Textual from reading ``[bold]`` or ``[link=...]`` as markup.
Replacing control characters keeps sequences such as ``ESC [2J`` (clear screen) or
``ESC ] 0;title BEL`` (set window title) from reaching the terminal.
"""

from __future__ import annotations

from rich.text import Text

# C0 controls become their Unicode Control Pictures symbol (ESC shows as U+241B),
# DEL becomes U+2421, and the C1 controls U+0080..U+009F become U+FFFD, which has no
# picture of its own. U+2028 and U+2029 break lines in some terminals, so they go too.
_VISIBLE_CONTROLS = {code: chr(0x2400 + code) for code in range(0x20)}
_VISIBLE_CONTROLS[0x7F] = "\u2421"
_VISIBLE_CONTROLS.update({code: "\ufffd" for code in range(0x80, 0xA0)})
_VISIBLE_CONTROLS.update({0x2028: "\u2424", 0x2029: "\u2424"})


def visible_controls(value: str) -> str:
    """Replace every control character in ``value`` with a visible symbol."""
    return value.translate(_VISIBLE_CONTROLS)


def safe_text(value: str | None, style: str = "") -> Text:
    """Return ``value`` as Text with control characters made visible and no markup read."""
    return Text(visible_controls(value or ""), style=style, end="")


def one_line(value: str | None, limit: int = 80, style: str = "") -> Text:
    """Return a one-line preview of ``value``, cut to ``limit`` characters with an ellipsis.

    Line breaks become `` ⏎ `` so that a preview reads as one line. Other control
    characters are made visible as in ``safe_text``.
    """
    flat = (value or "").replace("\r\n", "\n").replace("\n", " \u23ce ")
    flat = visible_controls(flat)
    if len(flat) > limit:
        flat = flat[: limit - 1] + "\u2026"
    return Text(flat, style=style, end="", no_wrap=True)


def safe_lines(value: str | None, style: str = "") -> Text:
    """Return ``value`` like ``safe_text``, but keep its line breaks, for a message body or notes."""
    lines = (value or "").replace("\r\n", "\n").split("\n")
    text = Text(style=style, end="")
    for number, line in enumerate(lines):
        if number:
            text.append("\n")
        text.append(visible_controls(line))
    return text
