"""Send emails through an SMTP server with ``aiosmtplib``, one connection per message.

Each step of the SMTP dialogue is sent separately, so a failure is classified by where it
happened. Anything before the message content went out is safe to retry. A timeout or a
dropped connection during DATA may come after the server took the message, so the outcome
is unknown. The password never appears in an exception or a log line.
"""

from __future__ import annotations

import asyncio
import email.policy
import logging
import ssl
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

import aiosmtplib

from .base import (
    OutgoingEmail,
    PermanentError,
    SendResult,
    TransientError,
    TransportError,
    UnknownOutcomeError,
)

logger = logging.getLogger(__name__)

TLS_MODES = ("implicit", "starttls", "none")

# Plain meanings of the SMTP reply codes a clerk is likely to meet (RFC 5321, section 4.2.3,
# and RFC 4954 for 530 and 535). The reply text the server sent is shown beside them.
SMTP_REPLY_MEANINGS: dict[int, str] = {
    421: "The mail server is not available right now.",
    450: "The mailbox is busy or temporarily unavailable.",
    451: "The mail server had a local error.",
    452: "The mail server is out of storage for now.",
    454: "The mail server cannot log in or start TLS right now.",
    500: "The mail server did not understand a command.",
    501: "The mail server rejected an address or parameter as badly formed.",
    503: "The mail server expected the commands in another order.",
    530: "The mail server requires a login before sending.",
    535: "The mail server rejected the user name or password.",
    541: "The recipient's mail server rejected the message as spam.",
    550: "The mailbox does not exist, or the server refuses mail for it.",
    551: "The recipient is not on this mail server.",
    552: "The message is larger than the mail server or the mailbox accepts.",
    553: "The mail server does not accept this mailbox name.",
    554: "The mail server refused the message; it may have judged it spam.",
}


def smtp_reply_meaning(code: int) -> str:
    """Return a plain sentence for an SMTP reply code, falling back to its class."""
    if code in SMTP_REPLY_MEANINGS:
        return SMTP_REPLY_MEANINGS[code]
    if 400 <= code <= 499:
        return "The mail server refused for now; it may accept later."
    return "The mail server refused for good."


class SmtpTransport:
    """A sender of emails through one SMTP server, over a new connection per message."""

    def __init__(
        self,
        host: str,
        port: int,
        *,
        tls: str,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
    ) -> None:
        """Configure the transport; nothing connects until ``send_email``.

        Args:
            host: the mail server's host name or address.
            port: its TCP port, usually 465 for implicit TLS and 587 for STARTTLS.
            tls: "implicit" (TLS from the first byte), "starttls" (plain connection
                upgraded with STARTTLS, which the server must offer) or "none".
            username: the login name; without it the transport does not log in.
            password: the password for ``username``.
            timeout: seconds each step may take (connecting, each command, the content).
        """
        if tls not in TLS_MODES:
            raise ValueError(
                f"The SMTP TLS mode {tls!r} is invalid: use implicit, starttls or none."
            )
        if not 1 <= port <= 65535:
            raise ValueError(f"The SMTP port {port} is invalid: use a port from 1 to 65535.")
        if not timeout > 0:
            raise ValueError(f"The SMTP timeout is {timeout!r} seconds: use a positive number.")
        if (username is None) != (password is None):
            raise ValueError(
                "The SMTP user name and password must be set together: set both or neither."
            )

        self.host = host
        self.port = port
        self.tls = tls
        self.username = username
        self._password = password
        self.timeout = timeout

    def __repr__(self) -> str:
        return (
            f"SmtpTransport(host={self.host!r}, port={self.port}, tls={self.tls!r},"
            f" username={self.username!r})"
        )

    async def aclose(self) -> None:
        """Do nothing: each send opens and closes its own connection."""

    async def send_email(self, outgoing: OutgoingEmail) -> SendResult:
        """Hand one email to the server and return its Message-ID.

        Raises:
            TransientError: the server could not be reached or replied 4xx before it
                took the message.
            PermanentError: the server replied 5xx (refused recipient or sender, failed
                login, rejected content), or cannot do what the settings ask (STARTTLS,
                AUTH), or a certificate failed verification.
            UnknownOutcomeError: a timeout or a dropped connection during DATA.
        """
        sender = _address(outgoing.from_, "sender")
        recipient = _address(outgoing.to, "recipient")
        message = await asyncio.to_thread(build_message, outgoing)
        international = not (sender.isascii() and recipient.isascii())

        client = aiosmtplib.SMTP(
            hostname=self.host,
            port=self.port,
            use_tls=self.tls == "implicit",
            start_tls=self.tls == "starttls",
            timeout=self.timeout,
        )
        step = "connect"
        try:
            await client.connect()
            if self.username is not None:
                step = "login"
                await client.login(self.username, self._password or "")

            step = "envelope"
            options, encoding, policy = [], "ascii", email.policy.SMTP
            if international:
                if client.last_ehlo_response is None:
                    await client.ehlo()  # the extension list comes with the EHLO reply
                if not client.supports_extension("smtputf8"):
                    raise PermanentError(
                        f"The mail server at {self.host}:{self.port} does not accept"
                        f" addresses with non-ASCII characters ({recipient}, {sender})."
                    )
                options, encoding, policy = ["SMTPUTF8"], "utf-8", email.policy.SMTPUTF8
            await client.mail(sender, options=options, encoding=encoding)
            await client.rcpt(recipient, encoding=encoding)

            # NOTE: aiosmtplib sends the DATA command and the content in one call, so a
            # timeout while waiting for the 354 go-ahead, before any content left, is also
            # reported as an unknown outcome.
            step = "data"
            await client.data(message.as_bytes(policy=policy))
        except TransportError:
            client.close()
            raise
        except (aiosmtplib.SMTPException, OSError) as exc:
            client.close()
            raise self._classify(exc, step, sender, recipient) from exc

        await _quit_quietly(client)
        message_id = str(message["Message-ID"])
        logger.debug("Mail server %s accepted message %s as %s", self.host,
                     outgoing.message_id, message_id)
        return SendResult(carrier_id=message_id, carrier_status="accepted")

    def _classify(
        self, exc: Exception, step: str, sender: str, recipient: str
    ) -> TransportError:
        """Map an aiosmtplib or socket error at ``step`` to a transport error kind."""
        server = f"{self.host}:{self.port}"

        if isinstance(exc, aiosmtplib.SMTPResponseException):
            code = str(exc.code)
            reply = f"{exc.code} {exc.message}".strip()
            meaning = smtp_reply_meaning(exc.code)
            if 400 <= exc.code <= 499:
                return TransientError(
                    f"The mail server at {server} temporarily rejected the {_what(exc)}"
                    f" ({reply}). {meaning} Nothing was sent; retrying later may work.",
                    code,
                )
            if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
                reason = (
                    f"Authentication failed: the mail server at {server} rejected the login"
                    f" for user {self.username!r} ({reply}). An administrator must correct"
                    " the SMTP user name or password."
                )
            elif isinstance(exc, aiosmtplib.SMTPRecipientRefused):
                reason = f"The mail server refused the recipient address {recipient} ({reply})."
            elif isinstance(exc, aiosmtplib.SMTPSenderRefused):
                reason = (
                    f"The mail server refused the sender address {sender} ({reply}). An"
                    " administrator must check the agency's email sender address."
                )
            else:
                reason = f"The mail server at {server} rejected the {_what(exc)} ({reply})."
            return PermanentError(f"{reason} {meaning}", code)

        if _is_certificate_error(exc):
            return PermanentError(
                f"The mail server at {server} presented a certificate that failed"
                f" verification: {_cause(exc)}. An administrator must check the SMTP host"
                " name and TLS setting."
            )

        lost = isinstance(
            exc, (aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPServerDisconnected, OSError)
        )
        if lost and step == "data":
            if isinstance(exc, TimeoutError):
                return UnknownOutcomeError(
                    "The mail server did not reply in time after receiving the message;"
                    " it may have been accepted. Verify before resending."
                )
            return UnknownOutcomeError(
                "The connection to the mail server dropped while the message was being"
                " sent; it may have been accepted. Verify before resending."
            )
        if isinstance(exc, aiosmtplib.SMTPConnectError):
            return TransientError(
                f"Could not connect to the mail server at {server}: {exc}. Nothing was sent;"
                " check the network connection and the SMTP host and port."
            )
        if lost:
            return TransientError(
                f"The mail server at {server} stopped responding before the message was sent"
                f" ({exc}). Nothing was sent; retrying later may work."
            )

        # What remains are aiosmtplib errors about what the server offers, such as
        # SMTPNotSupported for STARTTLS or a missing AUTH extension: settings problems.
        return PermanentError(
            f"The mail server at {server} cannot send with the current settings: {exc}. An"
            " administrator must check the SMTP TLS mode and login."
        )


def build_message(outgoing: OutgoingEmail) -> EmailMessage:
    """Build the plain-text email with a new Message-ID in the sender's domain, and a Date.

    Each attachment becomes a MIME part read from its copy in the data dir, so this blocks
    on disk.

    Raises:
        PermanentError: an attachment's copy is missing or unreadable.
    """
    sender = _address(outgoing.from_, "sender")
    message = EmailMessage()
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["From"] = outgoing.from_
    message["To"] = outgoing.to
    message["Subject"] = outgoing.subject
    # Without an explicit encoding, non-ASCII text would go out as 8bit, which needs the
    # server's 8BITMIME extension; quoted-printable works with every server.
    if outgoing.body.isascii():
        message.set_content(outgoing.body)
    else:
        message.set_content(outgoing.body, cte="quoted-printable")

    for attachment in outgoing.attachments:
        try:
            content = Path(attachment.path).read_bytes()
        except OSError as error:
            raise PermanentError(
                f"The attachment {attachment.filename!r} cannot be read from {attachment.path}:"
                f" {error.strerror}. Cancel the message and send it again with the file."
            ) from error
        maintype, _, subtype = attachment.content_type.partition("/")
        message.add_attachment(
            content, maintype=maintype or "application", subtype=subtype or "octet-stream",
            filename=attachment.filename,
        )
    return message


def _address(value: str, role: str) -> str:
    """Return the bare address from ``value``, which may carry a display name."""
    address = parseaddr(value)[1]
    local, at, domain = address.rpartition("@")
    if not (local and at and domain):
        raise PermanentError(f"The {role} address {value!r} is not a valid email address.")
    return address


def _what(exc: aiosmtplib.SMTPResponseException) -> str:
    if isinstance(exc, aiosmtplib.SMTPRecipientRefused):
        return "recipient address"
    if isinstance(exc, aiosmtplib.SMTPSenderRefused):
        return "sender address"
    if isinstance(exc, aiosmtplib.SMTPDataError):
        return "message"
    if isinstance(exc, aiosmtplib.SMTPAuthenticationError):
        return "login"
    return "connection"


def _is_certificate_error(exc: BaseException) -> bool:
    while exc is not None:
        if isinstance(exc, ssl.SSLCertVerificationError):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _cause(exc: BaseException) -> str:
    while exc.__cause__ is not None:
        exc = exc.__cause__
    return str(exc)


async def _quit_quietly(client: aiosmtplib.SMTP) -> None:
    """Say QUIT after a send the server accepted; a failure here changes nothing."""
    try:
        await client.quit()
    except (aiosmtplib.SMTPException, OSError) as exc:
        logger.debug("QUIT failed after the message was accepted: %s", exc)
        client.close()
