"""The Twilio and SMTP transports against servers on 127.0.0.1, with no mocks.

The Twilio transport talks to the sandbox's Twilio API; the SMTP transport talks to the
sandbox's SMTP server or to a small aiosmtpd server that misbehaves on purpose.
"""

from __future__ import annotations

import asyncio
import logging
import mailbox
import socket
import time
from collections.abc import AsyncIterator
from email.parser import BytesParser
from email.policy import default as default_policy

import pytest

from ecd_tui.delivery.sandbox import Sandbox, read_sandbox_log
from ecd_tui.delivery.sandbox.mail_server import MaildirHandler, start_smtp_server
from ecd_tui.delivery.transports.base import (
    OutgoingEmail,
    OutgoingText,
    PermanentError,
    TransientError,
    UnknownOutcomeError,
)
from ecd_tui.delivery.transports.smtp import SmtpTransport
from ecd_tui.delivery.transports.twilio import TwilioTransport

pytestmark = pytest.mark.timeout(30)

AGENCY_NUMBER = "+15005550006"
CLIENT_NUMBER = "+15551230001"
# Long enough for a loopback request on a loaded 2-core machine, short enough to keep
# the fault tests quick; the slow faults below last longer than this.
SHORT_TIMEOUT = 2.0
SLOW_FAULT_SECONDS = 8


def unused_port() -> int:
    """Return a loopback port that nothing listens on (free when checked)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_text(to: str = CLIENT_NUMBER, body: str = "Your hearing is on Monday at 9:00.") -> OutgoingText:
    return OutgoingText(message_id=1, to=to, from_=AGENCY_NUMBER, body=body)


def make_email(
    subject: str = "Hearing reminder", body: str = "Your hearing is on Monday at 9:00."
) -> OutgoingEmail:
    return OutgoingEmail(
        message_id=2,
        to="client@example.org",
        from_="Court Services <clerk@agency.example.gov>",
        subject=subject,
        body=body,
    )


@pytest.fixture
async def twilio(sandbox: Sandbox) -> AsyncIterator[TwilioTransport]:
    transport = TwilioTransport(
        sandbox.account_sid,
        sandbox.auth_token,
        base_url=sandbox.twilio_base_url,
        timeout=SHORT_TIMEOUT,
    )
    try:
        yield transport
    finally:
        await transport.aclose()


def sandbox_texts(sandbox: Sandbox) -> list[dict]:
    return [entry for entry in read_sandbox_log(sandbox.directory) if entry["kind"] == "sms"]


# Twilio: acceptance


async def test_text_arrives_once(sandbox: Sandbox, twilio: TwilioTransport) -> None:
    result = await twilio.send_text(make_text())

    texts = sandbox_texts(sandbox)
    assert result.carrier_id.startswith("SM")
    assert len(result.carrier_id) == 34
    assert result.carrier_status == "queued"
    assert len(texts) == 1
    assert texts[0]["carrier_id"] == result.carrier_id
    assert texts[0]["to"] == CLIENT_NUMBER
    assert texts[0]["from"] == AGENCY_NUMBER
    assert texts[0]["body"] == "Your hearing is on Monday at 9:00."


async def test_fetch_message_returns_state(sandbox: Sandbox, twilio: TwilioTransport) -> None:
    result = await twilio.send_text(make_text(body="Señora, su audiencia es el lunes."))

    fetched = await twilio.fetch_message(result.carrier_id)

    assert fetched["sid"] == result.carrier_id
    assert fetched["status"] in ("queued", "sent", "delivered")
    assert fetched["error_code"] is None
    assert fetched["reason"] is None
    assert fetched["to"] == CLIENT_NUMBER
    assert fetched["from"] == AGENCY_NUMBER
    assert fetched["num_segments"] == 1


# Twilio: refusals


@pytest.mark.parametrize(
    ("number", "code", "words"),
    [
        ("+15005550001", "21211", "not valid"),
        ("+15005550002", "21612", "cannot route"),
        ("+15005550003", "21408", "region"),
        ("+15005550004", "21610", "STOP"),
        ("+15005550009", "21614", "voice call"),
    ],
)
async def test_test_number_is_permanent(
    sandbox: Sandbox, twilio: TwilioTransport, number: str, code: str, words: str
) -> None:
    with pytest.raises(PermanentError) as caught:
        await twilio.send_text(make_text(to=number))

    assert caught.value.code == code
    assert words in caught.value.reason
    assert sandbox_texts(sandbox) == []


async def test_long_body_is_permanent(twilio: TwilioTransport) -> None:
    with pytest.raises(PermanentError) as caught:
        await twilio.send_text(make_text(body="x" * 1601))

    assert caught.value.code == "21617"
    assert "1,600" in caught.value.reason


async def test_wrong_auth_token_is_permanent(sandbox: Sandbox) -> None:
    wrong_token = "f" * 32
    transport = TwilioTransport(
        sandbox.account_sid, wrong_token, base_url=sandbox.twilio_base_url, timeout=5
    )
    try:
        with pytest.raises(PermanentError) as caught:
            await transport.send_text(make_text())
    finally:
        await transport.aclose()

    assert caught.value.code == "20003"
    assert "credentials" in caught.value.reason
    assert wrong_token not in str(caught.value)
    assert wrong_token not in repr(transport)
    assert sandbox_texts(sandbox) == []


async def test_fetch_unknown_sid_is_permanent(twilio: TwilioTransport) -> None:
    with pytest.raises(PermanentError) as caught:
        await twilio.fetch_message("SM" + "f" * 32)

    assert caught.value.code == "20404"


# Twilio: faults


@pytest.mark.parametrize(("fault", "code"), [("http:429", "20429"), ("http:500", "20500"),
                                             ("http:503", "20503")])
async def test_http_error_is_transient(
    sandbox: Sandbox, twilio: TwilioTransport, fault: str, code: str
) -> None:
    sandbox.add_twilio_fault(fault)

    with pytest.raises(TransientError) as caught:
        await twilio.send_text(make_text())

    assert caught.value.code == code
    assert f"HTTP {fault.removeprefix('http:')}" in caught.value.reason
    assert sandbox_texts(sandbox) == []


async def test_slow_response_is_unknown(sandbox: Sandbox, twilio: TwilioTransport) -> None:
    sandbox.add_twilio_fault(f"slow:{SLOW_FAULT_SECONDS}")

    started = time.monotonic()
    with pytest.raises(UnknownOutcomeError) as caught:
        await twilio.send_text(make_text())
    elapsed = time.monotonic() - started

    assert "did not answer in time" in caught.value.reason
    assert "Verify before resending" in caught.value.reason
    # The client gave up before the server answered.
    assert elapsed < SLOW_FAULT_SECONDS


async def test_accept_then_slow_is_stored(sandbox: Sandbox, twilio: TwilioTransport) -> None:
    sandbox.add_twilio_fault(f"accept-then-slow:{SLOW_FAULT_SECONDS}")

    with pytest.raises(UnknownOutcomeError):
        await twilio.send_text(make_text(body="Stored before the timeout."))

    texts = sandbox_texts(sandbox)
    assert len(texts) == 1
    assert texts[0]["body"] == "Stored before the timeout."
    # A clerk (or status sync) can find the message that the timeout hid.
    fetched = await twilio.fetch_message(texts[0]["carrier_id"])
    assert fetched["to"] == CLIENT_NUMBER


@pytest.mark.parametrize(("fault", "stored"), [("close", 0), ("accept-then-close", 1)])
async def test_dropped_connection_is_unknown(
    sandbox: Sandbox, twilio: TwilioTransport, fault: str, stored: int
) -> None:
    sandbox.add_twilio_fault(fault)

    with pytest.raises(UnknownOutcomeError) as caught:
        await twilio.send_text(make_text())

    assert "dropped" in caught.value.reason
    assert len(sandbox_texts(sandbox)) == stored


async def test_twilio_nothing_listening_is_transient(sandbox: Sandbox) -> None:
    transport = TwilioTransport(
        sandbox.account_sid,
        sandbox.auth_token,
        base_url=f"http://127.0.0.1:{unused_port()}",
        timeout=5,
    )
    try:
        with pytest.raises(TransientError) as caught:
            await transport.send_text(make_text())
    finally:
        await transport.aclose()

    assert "Could not connect" in caught.value.reason
    assert "Nothing was sent" in caught.value.reason


async def test_auth_token_not_in_errors_or_logs(
    sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    secret = "0123456789abcdef0123456789abcdef"
    caplog.set_level(logging.DEBUG)
    targets = [sandbox.twilio_base_url, f"http://127.0.0.1:{unused_port()}"]

    messages = []
    for base_url in targets:
        transport = TwilioTransport(sandbox.account_sid, secret, base_url=base_url, timeout=5)
        try:
            with pytest.raises((PermanentError, TransientError)) as caught:
                await transport.send_text(make_text())
        finally:
            await transport.aclose()
        messages.append(str(caught.value))
        messages.append(repr(caught.value))

    assert len(messages) == 4
    assert all(secret not in message for message in messages)
    assert secret not in caplog.text


# SMTP: acceptance


async def test_email_arrives_in_maildir(sandbox: Sandbox) -> None:
    transport = SmtpTransport(sandbox.smtp_host, sandbox.smtp_port, tls="none", timeout=5)
    outgoing = make_email(subject="Audiencia del lunes", body="Señora, su audiencia es el lunes.")

    result = await transport.send_email(outgoing)

    maildir = mailbox.Maildir(sandbox.directory / "maildir", create=False)
    stored = []
    for key in maildir.keys():
        with maildir.get_file(key) as file:
            stored.append(BytesParser(policy=default_policy).parse(file))
    assert result.carrier_status == "accepted"
    assert result.carrier_id.endswith("@agency.example.gov>")
    assert len(stored) == 1
    assert stored[0]["Message-ID"] == result.carrier_id
    assert stored[0]["Subject"] == "Audiencia del lunes"
    assert stored[0].get_content().strip() == "Señora, su audiencia es el lunes."
    assert stored[0]["Date"] is not None

    log = read_sandbox_log(sandbox.directory)
    assert len(log) == 1
    assert log[0]["kind"] == "email"
    assert log[0]["carrier_id"] == result.carrier_id
    assert log[0]["to"] == "client@example.org"
    assert log[0]["from"] == "clerk@agency.example.gov"
    assert log[0]["subject"] == "Audiencia del lunes"
    assert log[0]["body"].strip() == "Señora, su audiencia es el lunes."


async def test_international_address_arrives(sandbox: Sandbox) -> None:
    transport = SmtpTransport(sandbox.smtp_host, sandbox.smtp_port, tls="none", timeout=5)
    outgoing = OutgoingEmail(
        message_id=3,
        to="josé@example.org",
        from_="clerk@agency.example.gov",
        subject="Audiencia",
        body="Su audiencia es el lunes.",
    )

    result = await transport.send_email(outgoing)

    log = read_sandbox_log(sandbox.directory)
    assert len(log) == 1
    assert log[0]["carrier_id"] == result.carrier_id
    assert log[0]["to"] == "josé@example.org"


async def test_international_address_needs_smtputf8(tmp_path) -> None:
    server = await start_smtp_server(MaildirHandler(tmp_path), smtputf8=False)
    transport = SmtpTransport(server.host, server.port, tls="none", timeout=5)
    try:
        with pytest.raises(PermanentError) as caught:
            await transport.send_email(
                OutgoingEmail(message_id=4, to="josé@example.org", from_="clerk@agency.example.gov",
                              subject="Audiencia", body="Su audiencia es el lunes.")
            )
    finally:
        await server.close()

    assert "non-ASCII" in caught.value.reason
    assert "josé@example.org" in caught.value.reason
    assert read_sandbox_log(tmp_path) == []


async def test_email_with_login_arrives(sandbox: Sandbox) -> None:
    transport = SmtpTransport(
        sandbox.smtp_host,
        sandbox.smtp_port,
        tls="none",
        username=sandbox.smtp_username,
        password=sandbox.smtp_password,
        timeout=5,
    )

    result = await transport.send_email(make_email())

    log = read_sandbox_log(sandbox.directory)
    assert [entry["carrier_id"] for entry in log] == [result.carrier_id]


# SMTP: refusals and faults


async def test_wrong_smtp_password_is_permanent(sandbox: Sandbox) -> None:
    wrong_password = "not-the-sandbox-password"
    transport = SmtpTransport(
        sandbox.smtp_host,
        sandbox.smtp_port,
        tls="none",
        username=sandbox.smtp_username,
        password=wrong_password,
        timeout=5,
    )

    started = time.monotonic()
    with pytest.raises(PermanentError) as caught:
        await transport.send_email(make_email())
    elapsed = time.monotonic() - started

    assert caught.value.code == "535"
    assert "Authentication failed" in caught.value.reason
    assert wrong_password not in str(caught.value)
    # aiosmtpd replied at once instead of leaving the client to time out.
    assert elapsed < 4
    assert read_sandbox_log(sandbox.directory) == []


async def test_starttls_not_offered_is_permanent(sandbox: Sandbox) -> None:
    transport = SmtpTransport(sandbox.smtp_host, sandbox.smtp_port, tls="starttls", timeout=5)

    with pytest.raises(PermanentError) as caught:
        await transport.send_email(make_email())

    assert "TLS" in caught.value.reason
    assert read_sandbox_log(sandbox.directory) == []


class MisbehavingHandler(MaildirHandler):
    """Stores mail like the sandbox, but replies or stalls at one SMTP step on request.

    Args:
        step: "MAIL", "RCPT" or "DATA".
        reply: the reply to send at that step instead of accepting, such as "550 ...".
        delay: seconds to wait at that step before replying.
    """

    def __init__(self, directory, step: str, reply: str | None = None, delay: float = 0.0):
        super().__init__(directory)
        self.step = step
        self.reply = reply
        self.delay = delay

    async def _misbehave(self, step: str) -> str | None:
        if step != self.step:
            return None
        await asyncio.sleep(self.delay)
        return self.reply

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        reply = await self._misbehave("MAIL")
        if reply is not None:
            return reply
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = await self._misbehave("RCPT")
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        reply = await self._misbehave("DATA")
        if reply is not None:
            return reply
        return await super().handle_DATA(server, session, envelope)


async def send_through(handler: MisbehavingHandler, timeout: float = 5.0) -> None:
    server = await start_smtp_server(handler)
    try:
        transport = SmtpTransport(server.host, server.port, tls="none", timeout=timeout)
        await transport.send_email(make_email())
    finally:
        await server.close()


@pytest.mark.parametrize(
    ("step", "reply", "error", "words"),
    [
        ("RCPT", "550 5.1.1 No such user", PermanentError, "refused the recipient address"),
        ("RCPT", "451 4.3.0 Try again later", TransientError, "temporarily rejected"),
        ("MAIL", "553 5.7.1 Sender not allowed", PermanentError, "refused the sender address"),
        ("DATA", "554 5.6.0 Message rejected", PermanentError, "rejected the message"),
        ("DATA", "452 4.3.1 Mailbox full", TransientError, "temporarily rejected"),
    ],
)
async def test_smtp_reply_is_classified(
    tmp_path, step: str, reply: str, error: type[Exception], words: str
) -> None:
    handler = MisbehavingHandler(tmp_path, step, reply=reply)

    with pytest.raises(error) as caught:
        await send_through(handler)

    assert type(caught.value) is error
    assert caught.value.code == reply[:3]
    assert words in caught.value.reason
    assert reply[4:] in caught.value.reason
    assert read_sandbox_log(tmp_path) == []


async def test_smtp_stall_before_data_is_transient(tmp_path) -> None:
    handler = MisbehavingHandler(tmp_path, "RCPT", delay=SLOW_FAULT_SECONDS)

    with pytest.raises(TransientError) as caught:
        await send_through(handler, timeout=SHORT_TIMEOUT)

    assert "Nothing was sent" in caught.value.reason


async def test_smtp_stall_after_data_is_unknown(tmp_path) -> None:
    handler = MisbehavingHandler(tmp_path, "DATA", delay=SLOW_FAULT_SECONDS)

    with pytest.raises(UnknownOutcomeError) as caught:
        await send_through(handler, timeout=SHORT_TIMEOUT)

    assert "Verify before resending" in caught.value.reason


async def test_smtp_nothing_listening_is_transient() -> None:
    port = unused_port()
    transport = SmtpTransport("127.0.0.1", port, tls="none", timeout=5)

    with pytest.raises(TransientError) as caught:
        await transport.send_email(make_email())

    assert f"127.0.0.1:{port}" in caught.value.reason
    assert "Could not connect" in caught.value.reason
