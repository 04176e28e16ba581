"""The sandbox itself: its Twilio-compatible API, its storage, its log and its faults.

Requests go over 127.0.0.1 through the official ``twilio`` client, the app's transports
or plain aiohttp where a test needs the raw HTTP response.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from twilio.rest import Client

import ecd_tui
from ecd_tui.delivery.sandbox import Sandbox, read_sandbox_log
from ecd_tui.delivery.transports.base import (
    OutgoingEmail,
    OutgoingText,
    PermanentError,
    TransientError,
)
from ecd_tui.delivery.transports.smtp import SmtpTransport
from ecd_tui.delivery.transports.twilio import (
    BaseUrlTwilioHttpClient,
    TwilioTransport,
    basic_authorization,
)

pytestmark = pytest.mark.timeout(30)

AGENCY_NUMBER = "+15005550006"


def make_text(to: str = "+15551230001", body: str = "Hearing on Monday.") -> OutgoingText:
    return OutgoingText(message_id=1, to=to, from_=AGENCY_NUMBER, body=body)


@pytest.fixture
async def twilio(sandbox: Sandbox) -> AsyncIterator[TwilioTransport]:
    transport = TwilioTransport(
        sandbox.account_sid, sandbox.auth_token, base_url=sandbox.twilio_base_url, timeout=5
    )
    try:
        yield transport
    finally:
        await transport.aclose()


@pytest.fixture
async def http(sandbox: Sandbox) -> AsyncIterator[aiohttp.ClientSession]:
    """A plain HTTP session that logs in to the sandbox's Twilio API."""
    headers = {"Authorization": basic_authorization(sandbox.account_sid, sandbox.auth_token)}
    async with aiohttp.ClientSession(sandbox.twilio_base_url, headers=headers) as session:
        yield session


def messages_path(sandbox: Sandbox) -> str:
    return f"/2010-04-01/Accounts/{sandbox.account_sid}/Messages.json"


# Statuses


async def test_status_moves_to_delivered(sandbox: Sandbox, twilio: TwilioTransport) -> None:
    result = await twilio.send_text(make_text())

    seen = [result.carrier_status]
    fetched: dict = {}
    deadline = time.monotonic() + 20 * sandbox.status_step_seconds
    while seen[-1] != "delivered" and time.monotonic() < deadline:
        await asyncio.sleep(sandbox.status_step_seconds / 5)
        fetched = await twilio.fetch_message(result.carrier_id)
        if fetched["status"] != seen[-1]:
            seen.append(fetched["status"])

    assert seen == ["queued", "sent", "delivered"]
    assert fetched["date_sent"] is not None
    assert read_sandbox_log(sandbox.directory)[0]["status"] == "delivered"


async def test_status_computed_at_read(sandbox_directory: Path) -> None:
    async with Sandbox(sandbox_directory, status_step_seconds=60) as slow_sandbox:
        transport = TwilioTransport(
            slow_sandbox.account_sid,
            slow_sandbox.auth_token,
            base_url=slow_sandbox.twilio_base_url,
        )
        try:
            await transport.send_text(make_text())
        finally:
            await transport.aclose()

    entries = read_sandbox_log(sandbox_directory)
    assert [entry["status"] for entry in entries] == ["queued"]


# The Twilio API through the official client


async def test_list_pages_and_filters(sandbox: Sandbox, twilio: TwilioTransport) -> None:
    for number in ("+15551230001", "+15551230002", "+15551230001", "+15551230001"):
        await twilio.send_text(make_text(to=number))
    http_client = BaseUrlTwilioHttpClient(sandbox.twilio_base_url, timeout=5)
    client = Client(sandbox.account_sid, sandbox.auth_token, http_client=http_client)
    try:
        everything = await client.messages.list_async(page_size=2)
        to_first = await client.messages.list_async(to="+15551230001", page_size=2)
    finally:
        await http_client.close()

    assert len(everything) == 4
    assert len({message.sid for message in everything}) == 4
    assert len(to_first) == 3
    assert all(message.to == "+15551230001" for message in to_first)
    created = [message.date_created for message in everything]
    assert created == sorted(created, reverse=True)


async def test_segments_counted(http: aiohttp.ClientSession, sandbox: Sandbox) -> None:
    cases = [("a" * 160, "1"), ("a" * 161, "2"), ("€" * 80, "1"), ("é" * 161, "2"),
             ("ü" + "ж" * 69, "1"), ("ж" * 71, "2")]

    for body, expected in cases:
        form = {"To": "+15551230001", "From": AGENCY_NUMBER, "Body": body}
        async with http.post(messages_path(sandbox), data=form) as response:
            payload = await response.json()
        assert response.status == 201, body
        assert payload["num_segments"] == expected, body


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": AGENCY_NUMBER, "Body": "x"}, 21604),
        ({"To": "+15551230001", "Body": "x"}, 21603),
        ({"To": "+15551230001", "From": AGENCY_NUMBER}, 21602),
        ({"To": "555-0100", "From": AGENCY_NUMBER, "Body": "x"}, 21211),
        ({"To": "+15551230001", "From": "agency", "Body": "x"}, 21212),
    ],
)
async def test_invalid_create_rejected(
    http: aiohttp.ClientSession, sandbox: Sandbox, form: dict, code: int
) -> None:
    async with http.post(messages_path(sandbox), data=form) as response:
        payload = await response.json()

    assert response.status == 400
    assert payload["code"] == code
    assert payload["status"] == 400
    assert payload["more_info"].endswith(str(code))
    assert read_sandbox_log(sandbox.directory) == []


async def test_missing_auth_is_401(sandbox: Sandbox) -> None:
    async with aiohttp.ClientSession(sandbox.twilio_base_url) as session:
        async with session.get(messages_path(sandbox)) as response:
            payload = await response.json()

    assert response.status == 401
    assert payload["code"] == 20003
    assert response.headers["WWW-Authenticate"].startswith("Basic")


async def test_other_account_is_404(http: aiohttp.ClientSession) -> None:
    other_account = "AC" + "1" * 32
    async with http.get(f"/2010-04-01/Accounts/{other_account}/Messages.json") as response:
        payload = await response.json()

    assert response.status == 404
    assert payload["code"] == 20404


# Faults


async def test_faults_consumed_one_per_request(
    sandbox: Sandbox, twilio: TwilioTransport
) -> None:
    sandbox.add_twilio_fault("http:500", "http:429")

    with pytest.raises(TransientError):
        await twilio.send_text(make_text())
    assert list(sandbox.twilio_faults) == ["http:429"]
    with pytest.raises(TransientError):
        await twilio.send_text(make_text())
    result = await twilio.send_text(make_text())

    assert result.carrier_status == "queued"
    assert len(sandbox.twilio_faults) == 0
    assert len(read_sandbox_log(sandbox.directory)) == 1


@pytest.mark.parametrize("spec", ["http:200", "http:", "slow:soon", "slow:-1", "close:2", "wobble"])
def test_bad_fault_rejected(tmp_path: Path, spec: str) -> None:
    sandbox = Sandbox(tmp_path)

    with pytest.raises(ValueError, match="sandbox fault"):
        sandbox.add_twilio_fault(spec)
    assert len(sandbox.twilio_faults) == 0


async def test_slow_fault_drops_abandoned_request(sandbox: Sandbox) -> None:
    sandbox.add_twilio_fault("slow:0.6")
    transport = TwilioTransport(
        sandbox.account_sid, sandbox.auth_token, base_url=sandbox.twilio_base_url, timeout=0.2
    )
    try:
        with pytest.raises(Exception):
            await transport.send_text(make_text())
    finally:
        await transport.aclose()

    # Wait past the delay: the sandbox then finds the client gone and stores nothing.
    await asyncio.sleep(0.8)
    assert read_sandbox_log(sandbox.directory) == []


async def test_stop_ends_fault_delays(sandbox_directory: Path) -> None:
    running = Sandbox(sandbox_directory)
    await running.start()
    running.add_twilio_fault("accept-then-slow:30")
    transport = TwilioTransport(
        running.account_sid, running.auth_token, base_url=running.twilio_base_url, timeout=10
    )
    send = asyncio.create_task(transport.send_text(make_text()))
    await asyncio.sleep(0.3)

    started = time.monotonic()
    await running.stop()
    elapsed = time.monotonic() - started
    result = await send
    await transport.aclose()

    assert elapsed < 2
    assert result.carrier_id.startswith("SM")


# Storage and the log


async def test_log_readable_from_other_process(sandbox_directory: Path) -> None:
    async with Sandbox(sandbox_directory) as running:
        twilio = TwilioTransport(
            running.account_sid, running.auth_token, base_url=running.twilio_base_url
        )
        smtp = SmtpTransport(running.smtp_host, running.smtp_port, tls="none", timeout=5)
        try:
            text = await twilio.send_text(make_text(body="First, a text."))
            mail = await smtp.send_email(
                OutgoingEmail(
                    message_id=2,
                    to="client@example.org",
                    from_="clerk@agency.example.gov",
                    subject="Then an email",
                    body="Second, an email.",
                )
            )
        finally:
            await twilio.aclose()

    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from ecd_tui.delivery.sandbox import read_sandbox_log\n"
        "print(json.dumps(read_sandbox_log(Path(sys.argv[1]))))\n"
    )
    source_root = str(Path(ecd_tui.__file__).resolve().parents[1])
    environment = {**os.environ, "PYTHONPATH": source_root}
    completed = subprocess.run(
        [sys.executable, "-c", script, str(sandbox_directory)],
        capture_output=True, text=True, env=environment, timeout=20, check=True,
    )
    entries = json.loads(completed.stdout)

    assert [entry["kind"] for entry in entries] == ["sms", "email"]
    assert [entry["carrier_id"] for entry in entries] == [text.carrier_id, mail.carrier_id]
    assert entries[0]["body"] == "First, a text."
    assert entries[0]["subject"] is None
    assert entries[1]["subject"] == "Then an email"
    assert entries[1]["status"] == "delivered"
    assert entries[0]["received_at"] < entries[1]["received_at"]
    assert all(entry["received_at"].endswith("+00:00") for entry in entries)


def test_log_of_missing_directory_is_empty(tmp_path: Path) -> None:
    assert read_sandbox_log(tmp_path / "never-created") == []


async def test_two_sandboxes_share_directory(sandbox_directory: Path) -> None:
    async with Sandbox(sandbox_directory) as first, Sandbox(sandbox_directory) as second:
        assert first.twilio_base_url != second.twilio_base_url
        first_twilio = TwilioTransport(
            first.account_sid, first.auth_token, base_url=first.twilio_base_url
        )
        second_twilio = TwilioTransport(
            second.account_sid, second.auth_token, base_url=second.twilio_base_url
        )
        try:
            sent = await first_twilio.send_text(make_text(body="Through the first."))
            await second_twilio.send_text(make_text(body="Through the second."))
            fetched = await second_twilio.fetch_message(sent.carrier_id)
        finally:
            await first_twilio.aclose()
            await second_twilio.aclose()

    bodies = [entry["body"] for entry in read_sandbox_log(sandbox_directory)]
    assert fetched["sid"] == sent.carrier_id
    assert sorted(bodies) == ["Through the first.", "Through the second."]


# Lifecycle


def test_addresses_need_start(tmp_path: Path) -> None:
    sandbox = Sandbox(tmp_path)

    with pytest.raises(RuntimeError, match="start"):
        sandbox.twilio_base_url
    with pytest.raises(RuntimeError, match="start"):
        sandbox.smtp_port


async def test_servers_listen_on_loopback(sandbox: Sandbox) -> None:
    assert sandbox.twilio_base_url.startswith("http://127.0.0.1:")
    assert sandbox.smtp_host == "127.0.0.1"
    assert sandbox.smtp_port > 0


async def test_stopped_sandbox_refuses_connections(sandbox_directory: Path) -> None:
    running = Sandbox(sandbox_directory)
    await running.start()
    base_url, smtp_port = running.twilio_base_url, running.smtp_port
    await running.stop()
    await running.stop()

    twilio = TwilioTransport(running.account_sid, running.auth_token, base_url=base_url)
    try:
        with pytest.raises(TransientError):
            await twilio.send_text(make_text())
    finally:
        await twilio.aclose()
    smtp = SmtpTransport("127.0.0.1", smtp_port, tls="none", timeout=5)
    with pytest.raises(TransientError):
        await smtp.send_email(
            OutgoingEmail(message_id=3, to="a@example.org", from_="b@example.org",
                          subject="s", body="b")
        )


async def test_wrong_account_credentials_rejected(sandbox: Sandbox) -> None:
    transport = TwilioTransport(
        "AC" + "1" * 32, sandbox.auth_token, base_url=sandbox.twilio_base_url
    )
    try:
        with pytest.raises(PermanentError) as caught:
            await transport.send_text(make_text())
    finally:
        await transport.aclose()

    assert caught.value.code == "20003"
