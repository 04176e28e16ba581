"""The TwiML of a voice call: it speaks the subject and the message, then both again.

The voice follows the client's preferred language where Twilio's text-to-speech has one
(Amazon Polly and Google voices, as listed at
https://www.twilio.com/docs/voice/twiml/say/text-speech). Other languages are spoken in
US English, and ``voice_for`` says so, so the dispatcher can log it.
"""

from __future__ import annotations

from dataclasses import dataclass

from twilio.twiml.voice_response import VoiceResponse

# Twilio accepts at most 4,000 characters in a call's Twiml parameter.
MAX_TWIML_CHARACTERS = 4000
PAUSE_SECONDS = 2


@dataclass(frozen=True)
class Voice:
    """A Twilio <Say> voice and the language tag it speaks."""

    name: str
    language: str


DEFAULT_VOICE = Voice("Polly.Joanna", "en-US")

# Keyed by the ISO 639-1 code stored as the client's preferred language.
VOICES: dict[str, Voice] = {
    "en": DEFAULT_VOICE,
    "es": Voice("Polly.Lupe", "es-US"),
    "fr": Voice("Polly.Lea", "fr-FR"),
    "de": Voice("Polly.Vicki", "de-DE"),
    "it": Voice("Polly.Carla", "it-IT"),
    "pt": Voice("Polly.Camila", "pt-BR"),
    "pl": Voice("Polly.Ewa", "pl-PL"),
    "ru": Voice("Polly.Tatyana", "ru-RU"),
    "tr": Voice("Polly.Filiz", "tr-TR"),
    "ar": Voice("Polly.Zeina", "arb"),
    "hi": Voice("Polly.Aditi", "hi-IN"),
    "ja": Voice("Polly.Mizuki", "ja-JP"),
    "ko": Voice("Polly.Seoyeon", "ko-KR"),
    "zh": Voice("Polly.Zhiyu", "cmn-CN"),
    "vi": Voice("Google.vi-VN-Standard-A", "vi-VN"),
}


def voice_for(language: str | None) -> tuple[Voice, bool]:
    """Return the voice for a preferred language, and whether it speaks that language.

    ``language`` may carry a region ("es-MX"); only the language part chooses the voice.
    """
    code = (language or "en").strip().lower().replace("_", "-").partition("-")[0]
    voice = VOICES.get(code)
    if voice is None:
        return DEFAULT_VOICE, False
    return voice, True


def build_twiml(subject: str, body: str, language: str | None) -> str:
    """Return the TwiML that speaks the subject and the message twice, with a pause between.

    When twice would pass Twilio's 4,000-character limit, the message is spoken once.

    Raises:
        ValueError: the message alone is too long for one call's TwiML.
    """
    voice, _ = voice_for(language)
    subject = subject.strip()
    if subject and subject[-1] not in ".!?:":
        subject += "."  # so the voice pauses between the subject and the message
    spoken = " ".join(part for part in (subject, body.strip()) if part)
    for times in (2, 1):
        twiml = _render(spoken, voice, times)
        if len(twiml) <= MAX_TWIML_CHARACTERS:
            return twiml
    raise ValueError(
        f"The message is too long to speak in one call ({len(spoken)} characters): shorten it."
    )


def _render(spoken: str, voice: Voice, times: int) -> str:
    response = VoiceResponse()
    for repeat in range(times):
        if repeat:
            response.pause(length=PAUSE_SECONDS)
        response.say(spoken, voice=voice.name, language=voice.language)
    return str(response)
