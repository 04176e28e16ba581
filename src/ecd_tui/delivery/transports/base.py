"""The values a transport takes and returns, and the errors it raises on failure.

A transport makes one carrier call for one message. It never touches the database: the
dispatcher records the outcome. Each failure is raised as one of three kinds, because the
dispatcher treats them differently:

- ``TransientError``: the carrier refused before accepting (HTTP 429 or 5xx, connection
  refused, SMTP 4xx). Retrying later is safe.
- ``PermanentError``: the carrier refused for good (invalid number, opted out, SMTP 5xx).
  Retrying would fail again.
- ``UnknownOutcomeError``: the request may have reached the carrier (a timeout after it was
  sent, a dropped connection while waiting for the reply). Resending could deliver twice,
  so a clerk must verify.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AttachmentFile:
    """A file copied into the data dir when its message was queued."""

    path: str  # absolute path of the copy
    filename: str  # the name the clerk attached it under
    content_type: str


@dataclass(frozen=True)
class OutgoingText:
    """One SMS, or an MMS when it has media URLs, to hand to the carrier."""

    message_id: int
    to: str  # E.164
    from_: str  # E.164 agency number
    body: str
    media_urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class OutgoingCall:
    """One voice call whose TwiML speaks the message."""

    message_id: int
    to: str  # E.164
    from_: str  # E.164 agency number
    twiml: str


@dataclass(frozen=True)
class OutgoingEmail:
    """One email to hand to the mail server."""

    message_id: int
    to: str
    from_: str
    subject: str
    body: str
    attachments: tuple[AttachmentFile, ...] = ()


@dataclass(frozen=True)
class SendResult:
    """The carrier's acceptance: its id for the message and the status it reported."""

    carrier_id: str  # Twilio message or call SID, or the email's Message-ID header
    carrier_status: str  # e.g. "queued" from Twilio, "accepted" from SMTP


class TransportError(Exception):
    """A carrier call that did not end in acceptance.

    Attributes:
        reason: a plain sentence for the clerk.
        code: the carrier's error code (Twilio code or SMTP reply code) when there is one.
    """

    def __init__(self, reason: str, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


class TransientError(TransportError):
    """Refused before acceptance; safe to retry later."""


class PermanentError(TransportError):
    """Refused for good; never retry."""


class UnknownOutcomeError(TransportError):
    """The request may have been accepted; never resend without a clerk checking."""
