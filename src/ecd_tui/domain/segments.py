"""SMS encoding and segment counts, the way carriers bill them.

A text whose every character is in the GSM 03.38 alphabet (basic table, or the extension
table at two septets each) goes out as GSM-7: 160 septets in one segment, 153 per
segment once split. Any other character makes the whole text UCS-2: 70 UTF-16 code
units in one segment, 67 per segment once split. The preview, the composing limits and
the sandbox's ``num_segments`` all use this module.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

# The GSM 03.38 default alphabet, without the escape character 0x1B.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the GSM 03.38 extension table: each takes two septets (escape + char).
GSM7_EXTENSION = "^{}\\[~]|€\f"

_GSM7_BASIC_SET = frozenset(GSM7_BASIC)
_GSM7_EXTENSION_SET = frozenset(GSM7_EXTENSION)

# Typographic characters that word processors put in and GSM-7 lacks, with the plain
# characters that keep a text in GSM-7.
SMART_PUNCTUATION = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark, the usual apostrophe
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2012": "-",
    "\u2015": "-",
    "\u2212": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2026": "...",
    "\u00a0": " ",  # no-break space
    "\u2002": " ",
    "\u2003": " ",
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",  # zero-width space
    "\u2022": "-",  # bullet
}


@dataclass(frozen=True)
class SegmentInfo:
    """The SMS encoding and billing of one text.

    Attributes:
        encoding: "GSM-7" or "UCS-2".
        ucs2_characters: the distinct characters that forced UCS-2, in order of appearance.
        units: septets for GSM-7, UTF-16 code units for UCS-2.
        segments: how many SMS segments the carrier bills; an empty text counts as one.
    """

    encoding: str
    ucs2_characters: tuple[str, ...]
    units: int
    segments: int


def is_gsm7(character: str) -> bool:
    return character in _GSM7_BASIC_SET or character in _GSM7_EXTENSION_SET


def analyze(text: str) -> SegmentInfo:
    """Return the encoding, the characters that forced UCS-2, and the segment count of ``text``."""
    forcing = tuple(dict.fromkeys(character for character in text if not is_gsm7(character)))
    if not forcing:
        septets = len(text) + sum(1 for character in text if character in _GSM7_EXTENSION_SET)
        segments = 1 if septets <= 160 else math.ceil(septets / 153)
        return SegmentInfo("GSM-7", (), septets, segments)

    code_units = len(text.encode("utf-16-le")) // 2
    segments = 1 if code_units <= 70 else math.ceil(code_units / 67)
    return SegmentInfo("UCS-2", forcing, code_units, segments)


def count_segments(text: str) -> int:
    """Return how many SMS segments ``text`` takes."""
    return analyze(text).segments


def replace_smart_punctuation(text: str) -> str:
    """Return ``text`` with curly quotes, dashes, ellipses and odd spaces made plain."""
    return "".join(SMART_PUNCTUATION.get(character, character) for character in text)


def smart_punctuation_in(text: str) -> tuple[str, ...]:
    """Return the distinct characters of ``text`` that ``replace_smart_punctuation`` would change."""
    return tuple(dict.fromkeys(character for character in text if character in SMART_PUNCTUATION))


def describe_character(character: str) -> str:
    """Name a character for a clerk: ``’ (U+2019)``; invisible ones by code point alone."""
    code = f"U+{ord(character):04X}"
    if character.isprintable() and not character.isspace():
        return f"{character} ({code})"
    return code
