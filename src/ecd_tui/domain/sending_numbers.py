"""Which channel a message goes on, and which agency number sends it.

Texts, picture messages and calls each need an active agency number with that capability.
In training mode (no live carrier credentials) the sandbox's test number replaces
the agency's, so a new database can send at once; the caller passes it as
``fallback_number``.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlmodel import Session, select

from ecd_tui.domain.models import AgencyPhone

PHONE_CHANNELS = ("sms", "mms", "voice")

# Twilio's documented test "From" number that always succeeds; the sandbox accepts it too.
SANDBOX_NUMBER = "+15005550006"

# The AgencyPhone column that grants each phone channel, and how a clerk names it.
_CAPABILITIES = {
    "sms": ("can_sms", "texts"),
    "mms": ("can_mms", "picture messages (texts with files)"),
    "voice": ("can_voice", "voice calls"),
}


class NoSendingNumber(ValueError):
    """No active agency number can send on a channel; the message names the fix."""


def choose_channel(recipient_channel: str, *, voice: bool, has_files: bool) -> str:
    """Return the channel for one recipient: email, voice, mms or sms.

    ``recipient_channel`` is what the recipient alone implies ("sms", "voice" for a known
    landline, or "email"); ``voice`` is the clerk's choice of a call for phone numbers.
    """
    if recipient_channel == "email":
        return "email"
    if voice or recipient_channel == "voice":
        return "voice"
    return "mms" if has_files else "sms"


def sending_number(session: Session, channel: str, fallback_number: str | None = None) -> str | None:
    """Return the first active agency number that can send on ``channel``, else the fallback."""
    column_name, _ = _CAPABILITIES[channel]
    column = getattr(AgencyPhone, column_name)
    statement = (
        select(AgencyPhone.e164)
        .where(AgencyPhone.active == True, column == True)  # noqa: E712
        .order_by(AgencyPhone.id)
    )
    return session.exec(statement).first() or fallback_number


def require_sending_numbers(session: Session, channels: Iterable[str], fallback_number: str | None = None) -> None:
    """Check that every phone channel in ``channels`` has a sending number.

    Raises:
        NoSendingNumber: naming the channel and the fix (Admin, Agency Phones).
    """
    for channel in sorted(set(channels) & set(PHONE_CHANNELS)):
        if sending_number(session, channel, fallback_number) is None:
            _, what = _CAPABILITIES[channel]
            raise NoSendingNumber(
                f"No active agency phone number can send {what}: an administrator must add or"
                " activate one with that capability under Admin, Agency Phones."
            )
