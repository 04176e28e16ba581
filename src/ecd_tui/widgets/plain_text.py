"""Show text from clients and staff as data: never markup, never a terminal control sequence."""

from __future__ import annotations

from rich.text import Text

_DEL = "\u2421"  # ␡
_C1 = "\ufffd"  # �


def visible(value: str | None, *, multiline: bool = False) -> str:
    """Return ``value`` with control characters replaced by visible symbols.

    C0 characters become their Unicode control pictures (ESC shows as ␛), DEL as ␡ and
    C1 characters as �, so an escape sequence in a name reaches the terminal as harmless
    text. Line breaks are kept when ``multiline``, else shown as ␊.
    """
    if not value:
        return ""
    characters = []
    for character in value:
        code = ord(character)
        if character == "\n" and multiline:
            characters.append(character)
        elif character == "\t":
            characters.append(" ")
        elif code < 0x20:
            characters.append(chr(0x2400 + code))
        elif code == 0x7F:
            characters.append(_DEL)
        elif 0x80 <= code < 0xA0:
            characters.append(_C1)
        else:
            characters.append(character)
    return "".join(characters)


def plain(value: str | None, *, multiline: bool = False, style: str = "") -> Text:
    """Return a Rich Text that shows ``value`` literally: square brackets are never markup."""
    return Text(visible(value, multiline=multiline), style=style)
