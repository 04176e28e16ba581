"""GSM-7 and UCS-2 encoding and segment counts, as carriers bill them."""

import pytest

from ecd_tui.domain.segments import analyze, describe_character, replace_smart_punctuation, smart_punctuation_in

F14_BODY = "Hello Dana, your hearing is Monday – bring the clerk’s form."


@pytest.mark.parametrize(
    ("text", "encoding", "units", "segments"),
    [
        ("", "GSM-7", 0, 1),
        ("a" * 160, "GSM-7", 160, 1),
        ("a" * 161, "GSM-7", 161, 2),
        ("a" * 306, "GSM-7", 306, 2),
        ("a" * 307, "GSM-7", 307, 3),
        ("€" * 80, "GSM-7", 160, 1),
        ("€" * 81, "GSM-7", 162, 2),
        ("[x]" + "a" * 155, "GSM-7", 160, 1),
        ("é" * 161, "GSM-7", 161, 2),
        ("ж" * 70, "UCS-2", 70, 1),
        ("ж" * 71, "UCS-2", 71, 2),
        ("ж" * 134, "UCS-2", 134, 2),
        ("ж" * 135, "UCS-2", 135, 3),
        ("😀" * 35, "UCS-2", 70, 1),
        ("😀" + "a" * 69, "UCS-2", 71, 2),
        ("Mon ’" + "a" * 145, "UCS-2", 150, 3),
    ],
)
def test_encoding_and_segments(text, encoding, units, segments):
    info = analyze(text)
    assert info.encoding == encoding
    assert info.units == units
    assert info.segments == segments


def test_ucs2_characters_named_once_in_order():
    info = analyze(F14_BODY + " ’ 😀")
    assert info.ucs2_characters == ("–", "’", "😀")


def test_gsm7_text_has_no_ucs2_characters():
    assert analyze("Hearing at 9:30 @ Room 3B {bring ID}").ucs2_characters == ()


def test_smart_punctuation_replaced_back_to_gsm7():
    padded = F14_BODY.ljust(150, ".")
    assert analyze(padded).encoding == "UCS-2"
    assert analyze(padded).segments == 3
    assert smart_punctuation_in(padded) == ("–", "’")
    plain = replace_smart_punctuation(padded)
    assert plain.startswith("Hello Dana, your hearing is Monday - bring the clerk's form.")
    assert analyze(plain).encoding == "GSM-7"
    assert analyze(plain).segments == 1


def test_replacement_leaves_emoji_alone():
    assert replace_smart_punctuation("“Hi” 😀…") == '"Hi" 😀...'


def test_character_description():
    assert describe_character("’") == "’ (U+2019)"
    assert describe_character("\u00a0") == "U+00A0"
