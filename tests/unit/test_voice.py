"""The TwiML a voice call speaks."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest

from ecd_tui.delivery.voice import MAX_TWIML_CHARACTERS, build_twiml, voice_for


def says(twiml: str) -> list[ElementTree.Element]:
    return ElementTree.fromstring(twiml.split("?>", 1)[1]).findall("Say")


def test_speaks_subject_and_message_twice():
    twiml = build_twiml("Hearing", "Your hearing moved to Monday.", "en")
    spoken = says(twiml)
    assert [element.text for element in spoken] == ["Hearing. Your hearing moved to Monday."] * 2
    assert "<Pause" in twiml


@pytest.mark.parametrize(
    ("language", "voice", "tag", "speaks"),
    [
        ("es", "Polly.Lupe", "es-US", True),
        ("es-MX", "Polly.Lupe", "es-US", True),
        ("vi", "Google.vi-VN-Standard-A", "vi-VN", True),
        ("ht", "Polly.Joanna", "en-US", False),
        (None, "Polly.Joanna", "en-US", True),
    ],
)
def test_voice_follows_language(language, voice, tag, speaks):
    chosen, known = voice_for(language)
    assert (chosen.name, chosen.language, known) == (voice, tag, speaks)
    element = says(build_twiml("", "Hola", language))[0]
    assert element.get("voice") == voice
    assert element.get("language") == tag


def test_client_text_is_escaped_not_markup():
    twiml = build_twiml("", "<Hangup/> & [ClientName]", "en")
    assert "<Hangup" not in twiml
    assert says(twiml)[0].text == "<Hangup/> & [ClientName]"


def test_long_message_spoken_once():
    body = "word " * 500  # 2,500 characters: twice would pass the limit
    twiml = build_twiml("", body, "en")
    assert len(says(twiml)) == 1
    assert len(twiml) <= MAX_TWIML_CHARACTERS
