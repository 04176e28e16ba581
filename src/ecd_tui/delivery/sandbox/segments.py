"""Count SMS segments the way a carrier bills them, for the sandbox's ``num_segments``."""

from __future__ import annotations

import math

# The GSM 03.38 default alphabet, without the escape character 0x1B.
GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the GSM 03.38 extension table: each takes two septets (escape + char).
GSM7_EXTENSION = "^{}\\[~]|€\f"

_GSM7_BASIC_SET = frozenset(GSM7_BASIC)
_GSM7_EXTENSION_SET = frozenset(GSM7_EXTENSION)


def count_segments(body: str) -> int:
    """Return how many SMS segments ``body`` takes.

    A GSM-7 body fits 160 septets in one segment and 153 per segment once split. A body
    with any other character is sent as UCS-2: 70 UTF-16 code units in one segment, 67
    per segment once split. An empty body counts as one segment.
    """
    if all(char in _GSM7_BASIC_SET or char in _GSM7_EXTENSION_SET for char in body):
        septets = len(body) + sum(1 for char in body if char in _GSM7_EXTENSION_SET)
        return 1 if septets <= 160 else math.ceil(septets / 153)

    code_units = len(body.encode("utf-16-le")) // 2
    return 1 if code_units <= 70 else math.ceil(code_units / 67)
