"""Connection tests for the carriers: log in, send nothing, report in plain words.

Each test ends within ``CHECK_TIMEOUT`` seconds whatever the server does, and returns a
``CheckResult`` instead of raising, so a screen or the command line can show it as is.
No result text contains a secret.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass

from ecd_tui.config import SmtpSettings, TwilioSettings

log = logging.getLogger(__name__)

CHECK_TIMEOUT = 15.0


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one connection test: which carrier, whether it worked, and why."""

    carrier: str  # "Twilio" or "SMTP"
    ok: bool
    message: str

    def __str__(self) -> str:
        return f"{self.carrier}: {'OK' if self.ok else 'FAILED'}: {self.message}"


async def check_twilio(settings: TwilioSettings, *, base_url: str | None = None, timeout: float = CHECK_TIMEOUT) -> CheckResult:
    """Fetch the Twilio account through the same transport that sends texts.

    Args:
        base_url: another API address, such as the sandbox's; None means the
            settings' base URL, else api.twilio.com.
        timeout: seconds the whole test may take.
    """
    base_url = base_url or settings.base_url
    from ecd_tui.delivery.transports.base import PermanentError, TransientError
    from ecd_tui.delivery.transports.twilio import TwilioTransport

    target = base_url or "api.twilio.com"
    if not settings.auth_token:
        return CheckResult("Twilio", False, "no auth token or API key secret was found: run `ecd-tui setup`.")
    transport = TwilioTransport(settings.account_sid, settings.auth_token, base_url=base_url, timeout=timeout, api_key=settings.api_key)
    try:
        account = await asyncio.wait_for(transport.fetch_account(), timeout)
    except (TimeoutError, asyncio.TimeoutError):
        return _failed("Twilio", f"timed out connecting to {target} after {timeout:g} seconds; check the network and any proxy.")
    except PermanentError as error:
        if error.code in ("20003", "20403"):
            return _failed("Twilio", f"authentication failed: Twilio rejected account {settings.account_sid} with this {'API key' if settings.api_key else 'auth token'}. Check both and run `ecd-tui setup` again.")
        if error.code == "20404":
            return _failed("Twilio", f"account {settings.account_sid} was not found: check the account SID.")
        return _failed("Twilio", error.reason)
    except TransientError as error:
        if "Timeout" in error.reason or "timed out" in error.reason.lower():
            return _failed("Twilio", f"timed out connecting to {target}; check the network and any proxy.")
        return _failed("Twilio", f"could not connect to {target}: {error.reason}")
    finally:
        await transport.aclose()

    if account["status"] and account["status"] != "active":
        return _failed("Twilio", f"account {account['sid']} is {account['status']}: it cannot send until Twilio reactivates it.")
    name = f" ({account['friendly_name']})" if account["friendly_name"] else ""
    return CheckResult("Twilio", True, f"logged in to account {account['sid']}{name}.")


async def check_agency_number(settings: TwilioSettings, e164: str, *, base_url: str | None = None, timeout: float = CHECK_TIMEOUT) -> CheckResult:
    """Look ``e164`` up among the Twilio account's numbers and report its capabilities."""
    base_url = base_url or settings.base_url
    from ecd_tui.delivery.transports.base import TransportError
    from ecd_tui.delivery.transports.twilio import TwilioTransport

    if not settings.auth_token:
        return CheckResult("Twilio", False, "no auth token or API key secret was found, so the number cannot be checked.")
    transport = TwilioTransport(settings.account_sid, settings.auth_token, base_url=base_url, timeout=timeout, api_key=settings.api_key)
    try:
        numbers = await asyncio.wait_for(transport.list_numbers(e164), timeout)
    except (TimeoutError, asyncio.TimeoutError):
        return _failed("Twilio", f"timed out looking {e164} up at {base_url or 'api.twilio.com'}.")
    except TransportError as error:
        return _failed("Twilio", f"could not look {e164} up: {error.reason}")
    finally:
        await transport.aclose()
    if not numbers:
        return _failed("Twilio", f"{e164} is not a number of Twilio account {settings.account_sid}: texts from it would fail. Buy or port it in Twilio first.")
    capabilities = numbers[0]["capabilities"]
    names = ", ".join(name.upper() if name != "voice" else name for name, flag in capabilities.items() if flag) or "none"
    return CheckResult("Twilio", True, f"{e164} belongs to the account; Twilio lists its capabilities as {names}.")


async def check_smtp(settings: SmtpSettings, *, timeout: float = CHECK_TIMEOUT, tls_context: ssl.SSLContext | None = None) -> CheckResult:
    """Connect, set up TLS as configured, log in and quit; no email is sent.

    Args:
        timeout: seconds the whole test may take; each step gets at most two thirds.
        tls_context: certificates to trust instead of the system's (tests use their own).
    """
    import aiosmtplib

    server = f"{settings.host}:{settings.port}"
    client = aiosmtplib.SMTP(
        hostname=settings.host,
        port=settings.port,
        use_tls=settings.tls == "implicit",
        start_tls=settings.tls == "starttls",
        timeout=timeout * 2 / 3,
        tls_context=tls_context,
    )
    step = "connecting to"
    try:
        async with asyncio.timeout(timeout):
            await client.connect()
            if settings.username:
                step = "logging in to"
                await client.login(settings.username, settings.password or "")
            step = "closing the connection to"
            await client.quit()
    except TimeoutError:
        client.close()
        return _failed("SMTP", f"timed out {step} {server}; check the host, the port and any firewall.")
    except aiosmtplib.SMTPAuthenticationError as error:
        client.close()
        return _failed("SMTP", f"authentication failed: {server} rejected user {settings.username!r} ({error.code} {error.message}). Check the user name and password.")
    except (aiosmtplib.SMTPTimeoutError, aiosmtplib.SMTPConnectTimeoutError):
        client.close()
        return _failed("SMTP", f"timed out {step} {server}; check the host, the port and any firewall.")
    except aiosmtplib.SMTPException as error:
        client.close()
        return _failed("SMTP", _describe_smtp_error(error, server, settings))
    except OSError as error:
        client.close()
        return _failed("SMTP", f"could not connect to {server}: {error.strerror or error}.")

    login = f" and logged in as {settings.username}" if settings.username else ""
    return CheckResult("SMTP", True, f"connected to {server} ({_tls_words(settings.tls)}){login}.")


def check_smtp_settings(host: str, port: int, tls: str) -> list[str]:
    """Return warnings for unusual port and TLS pairs (465 implicit, 587 STARTTLS)."""
    warnings = []
    if port == 465 and tls != "implicit":
        warnings.append(f"Port 465 normally uses implicit TLS, but the TLS mode is {tls}.")
    if port == 587 and tls != "starttls":
        warnings.append(f"Port 587 normally uses STARTTLS, but the TLS mode is {tls}.")
    if tls == "none" and host not in ("localhost", "127.0.0.1", "::1"):
        warnings.append(f"TLS is off, so the password and every email cross the network to {host} unencrypted; use none only for a local relay.")
    return warnings


def _describe_smtp_error(error: Exception, server: str, settings: SmtpSettings) -> str:
    import aiosmtplib

    cause = _root_cause(error)
    if isinstance(cause, ssl.SSLCertVerificationError):
        return f"the certificate of {server} failed verification ({cause.verify_message}); check the host name."
    if isinstance(cause, ssl.SSLError):
        hint = "the server may not use implicit TLS on this port: try starttls for 587" if settings.tls == "implicit" else "check the TLS mode"
        return f"the TLS handshake with {server} failed ({cause.reason or cause}); {hint}."
    if isinstance(error, aiosmtplib.SMTPNotSupported) and settings.tls == "starttls":
        return f"{server} does not offer STARTTLS: use implicit for port 465, or none only for a local relay."
    if isinstance(error, aiosmtplib.SMTPNotSupported):
        return f"{server} does not support what the settings need: {error}."
    if isinstance(error, aiosmtplib.SMTPConnectError):
        return f"could not connect to {server}: {error}."
    if isinstance(error, aiosmtplib.SMTPServerDisconnected):
        return f"{server} closed the connection: {error}. Check the TLS mode for this port."
    if isinstance(error, aiosmtplib.SMTPResponseException):
        return f"{server} replied {error.code} {error.message}."
    return f"{server}: {error}."


def _root_cause(error: BaseException) -> BaseException:
    while error.__cause__ is not None or error.__context__ is not None:
        error = error.__cause__ or error.__context__
    return error


def _tls_words(tls: str) -> str:
    return {"implicit": "implicit TLS", "starttls": "STARTTLS", "none": "no TLS"}.get(tls, tls)


def _failed(carrier: str, message: str) -> CheckResult:
    log.warning("Connection test of %s failed: %s", carrier, message)
    return CheckResult(carrier, False, message)
