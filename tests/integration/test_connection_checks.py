"""Connection tests against local servers: SMTP TLS modes and logins, Twilio through the sandbox."""

from __future__ import annotations

import time

import pytest

from ecd_tui.config import SmtpSettings, TwilioSettings
from ecd_tui.delivery.connection_checks import check_agency_number, check_smtp, check_twilio
from tests.integration import smtp_servers
from tests.integration.smtp_servers import PASSWORD, USERNAME


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    return smtp_servers.make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.mark.parametrize("mode", ["implicit", "starttls", "none"])
async def test_smtp_check_logs_in_each_tls_mode(mode, certificate):
    server = await smtp_servers.start_server(mode, smtp_servers.server_context(*certificate))
    try:
        settings = SmtpSettings(host="127.0.0.1", port=server.port, tls=mode, username=USERNAME, password=PASSWORD)
        result = await check_smtp(settings, tls_context=smtp_servers.client_context(certificate[0]))
    finally:
        await server.close()
    assert result.ok, result.message
    assert f"logged in as {USERNAME}" in result.message


@pytest.mark.parametrize("mode", ["implicit", "starttls", "none"])
async def test_smtp_check_wrong_password(mode, certificate):
    server = await smtp_servers.start_server(mode, smtp_servers.server_context(*certificate))
    try:
        settings = SmtpSettings(host="127.0.0.1", port=server.port, tls=mode, username=USERNAME, password="wrong-password")
        result = await check_smtp(settings, tls_context=smtp_servers.client_context(certificate[0]))
    finally:
        await server.close()
    assert not result.ok
    assert result.message.startswith("authentication failed")
    assert "wrong-password" not in result.message


async def test_smtp_check_silent_port_times_out():
    listener = smtp_servers.silent_listener()
    port = listener.getsockname()[1]
    try:
        settings = SmtpSettings(host="127.0.0.1", port=port, tls="starttls", username=USERNAME, password=PASSWORD)
        started = time.monotonic()
        result = await check_smtp(settings, timeout=1.0)
        elapsed = time.monotonic() - started
    finally:
        listener.close()
    assert not result.ok
    assert f"timed out connecting to 127.0.0.1:{port}" in result.message
    assert elapsed < 5


async def test_smtp_check_untrusted_certificate(certificate):
    server = await smtp_servers.start_server("implicit", smtp_servers.server_context(*certificate))
    try:
        settings = SmtpSettings(host="127.0.0.1", port=server.port, tls="implicit", username=USERNAME, password=PASSWORD)
        result = await check_smtp(settings)  # the system trust store does not know the test certificate
    finally:
        await server.close()
    assert not result.ok
    assert "certificate" in result.message


async def test_smtp_check_implicit_tls_on_plain_server(certificate):
    server = await smtp_servers.start_server("none", None)
    port = server.port
    try:
        settings = SmtpSettings(host="127.0.0.1", port=port, tls="implicit", username=USERNAME, password=PASSWORD)
        result = await check_smtp(settings, timeout=3.0, tls_context=smtp_servers.client_context(certificate[0]))
    finally:
        await server.close()
    assert not result.ok
    assert f"TLS handshake with 127.0.0.1:{port} failed" in result.message


async def test_smtp_check_refused_port():
    listener = smtp_servers.silent_listener()
    port = listener.getsockname()[1]
    listener.close()
    result = await check_smtp(SmtpSettings(host="127.0.0.1", port=port, tls="none"), timeout=3.0)
    assert not result.ok
    assert f"127.0.0.1:{port}" in result.message


async def test_twilio_check_logs_in_to_sandbox(sandbox):
    settings = TwilioSettings(account_sid=sandbox.account_sid, auth_token=sandbox.auth_token, base_url=sandbox.twilio_base_url)
    result = await check_twilio(settings)
    assert result.ok, result.message
    assert sandbox.account_sid in result.message


async def test_twilio_check_wrong_token(sandbox):
    settings = TwilioSettings(account_sid=sandbox.account_sid, auth_token="f" * 32, base_url=sandbox.twilio_base_url)
    result = await check_twilio(settings)
    assert not result.ok
    assert result.message.startswith("authentication failed")
    assert "f" * 32 not in result.message


async def test_twilio_check_silent_port_times_out():
    listener = smtp_servers.silent_listener()
    port = listener.getsockname()[1]
    try:
        settings = TwilioSettings(account_sid="AC" + "1" * 32, auth_token="t" * 32, base_url=f"http://127.0.0.1:{port}")
        result = await check_twilio(settings, timeout=1.0)
    finally:
        listener.close()
    assert not result.ok
    assert f"timed out connecting to http://127.0.0.1:{port}" in result.message


async def test_agency_number_check(sandbox):
    sandbox.incoming_numbers["+12025550100"] = {"sms": True, "mms": False, "voice": True}
    settings = TwilioSettings(account_sid=sandbox.account_sid, auth_token=sandbox.auth_token, base_url=sandbox.twilio_base_url)
    owned = await check_agency_number(settings, "+12025550100")
    foreign = await check_agency_number(settings, "+12025550199")
    assert owned.ok, owned.message
    assert "SMS" in owned.message
    assert not foreign.ok
    assert "+12025550199 is not a number of Twilio account" in foreign.message
