"""Turn what a clerk types into a phone number or an email address."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import phonenumbers
from email_validator import EmailNotValidError, validate_email


class InvalidRecipient(ValueError):
    """Typed text that is neither a valid phone number nor a valid email address."""


@dataclass(frozen=True)
class Recipient:
    """A typed-in recipient: an E.164 phone number or a normalized email address."""

    kind: Literal["phone", "email"]
    address: str
    extension: str = ""

    @property
    def channel(self) -> str:
        """The channel a message to this recipient goes out on."""
        return "sms" if self.kind == "phone" else "email"


def parse_recipient(text: str, region: str) -> Recipient:
    """Parse a phone number (in ``region`` unless it starts with +) or an email address.

    Raises:
        InvalidRecipient: with a sentence naming the value and how to type it.
    """
    value = text.strip()
    if not value:
        raise InvalidRecipient("Type a phone number or an email address first.")
    if "@" in value:
        return _parse_email(value)
    return _parse_phone(value, region)


def _parse_email(value: str) -> Recipient:
    try:
        # check_deliverability=False: no DNS lookups, which would block and leak addresses.
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError as error:
        raise InvalidRecipient(f"{value!r} is not a valid email address: {error}") from None
    return Recipient(kind="email", address=result.normalized)


def _parse_phone(value: str, region: str) -> Recipient:
    hint = f"type it with its area code, for example (202) 555-0142, or start with + and the country code"
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise InvalidRecipient(f"{value!r} is not a phone number or an email address: {hint}.") from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidRecipient(
            f"{value!r} is not a valid phone number in region {region}: no such number is assigned. "
            f"Check the digits; {hint}."
        )
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return Recipient(kind="phone", address=e164, extension=number.extension or "")
