"""The sandbox: a Twilio-compatible API and an SMTP server on 127.0.0.1, on the running loop."""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from pathlib import Path
from types import TracebackType

from aiohttp import web

from .faults import parse_twilio_fault
from .mail_server import CredentialsAuthenticator, MaildirHandler, SmtpServer, start_smtp_server
from .text_store import TextStore
from .twilio_api import SandboxTwilioApi

logger = logging.getLogger(__name__)

LOOPBACK_HOST = "127.0.0.1"

# Fixed fake credentials. The account SID has Twilio's shape (AC + 32 hex digits).
SANDBOX_ACCOUNT_SID = "AC" + "0" * 32
SANDBOX_AUTH_TOKEN = "0" * 32
SANDBOX_SMTP_USERNAME = "sandbox"
SANDBOX_SMTP_PASSWORD = "sandbox"

# Seconds the HTTP server waits for requests in progress when it stops.
_HTTP_SHUTDOWN_TIMEOUT = 2.0


class Sandbox:
    """Carrier stand-ins for training mode and tests; nothing they receive leaves the machine.

    ``start`` must run inside the event loop that will serve both servers; no thread is
    started. Received texts go to ``directory/sandbox.sqlite3`` and emails to
    ``directory/maildir``, where ``read_sandbox_log`` finds them. Several sandboxes,
    in one process or several, may share a directory.

    Attributes:
        account_sid: the Twilio account SID the API accepts.
        auth_token: the Twilio auth token the API accepts.
        smtp_username: the only user name the SMTP server accepts. Logging in is optional.
        smtp_password: the password for ``smtp_username``.
        twilio_faults: fault strings the Twilio API applies, one per create request, oldest first
            (see ``ecd_tui.delivery.sandbox.faults``). ``add_twilio_fault`` checks them.
    """

    def __init__(self, directory: Path, *, status_step_seconds: float = 1.0) -> None:
        """Prepare a sandbox; nothing is created or served until ``start``.

        Args:
            directory: where received texts and emails are stored.
            status_step_seconds: a created text is "queued", then "sent" after one step
                and "delivered" after three.
        """
        if not status_step_seconds >= 0:
            raise ValueError(
                f"status_step_seconds is {status_step_seconds!r}: use 0 or more seconds."
            )
        self.directory = Path(directory)
        self.status_step_seconds = status_step_seconds
        self.account_sid = SANDBOX_ACCOUNT_SID
        self.auth_token = SANDBOX_AUTH_TOKEN
        self.smtp_username = SANDBOX_SMTP_USERNAME
        self.smtp_password = SANDBOX_SMTP_PASSWORD
        self.twilio_faults: deque[str] = deque()
        # E.164 numbers the sandbox Twilio account owns, each with its capabilities.
        self.incoming_numbers: dict[str, dict[str, bool]] = {}

        self._twilio_api: SandboxTwilioApi | None = None
        self._http_runner: web.AppRunner | None = None
        self._http_port: int | None = None
        self._smtp_server: SmtpServer | None = None

    def add_twilio_fault(self, *specs: str) -> None:
        """Queue faults for the Twilio API after checking each, such as ``"http:429"``.

        Raises:
            ValueError: a string names no known fault.
        """
        for spec in specs:
            parse_twilio_fault(spec)
        self.twilio_faults.extend(specs)

    async def start(self) -> None:
        """Create the storage files and start both servers on free loopback ports."""
        if self._http_runner is not None:
            raise RuntimeError("The sandbox is already running: call stop() before start().")

        store = TextStore(self.directory)
        mail_handler = MaildirHandler(self.directory)
        await asyncio.to_thread(store.create)
        await asyncio.to_thread(mail_handler.create)

        self._twilio_api = SandboxTwilioApi(
            store,
            account_sid=self.account_sid,
            auth_token=self.auth_token,
            status_step_seconds=self.status_step_seconds,
            faults=self.twilio_faults,
        )
        self._twilio_api.incoming_numbers = self.incoming_numbers
        self._http_runner = web.AppRunner(
            self._twilio_api.build_app(),
            access_log=None,
            shutdown_timeout=_HTTP_SHUTDOWN_TIMEOUT,
        )
        try:
            await self._http_runner.setup()
            site = web.TCPSite(self._http_runner, LOOPBACK_HOST, 0)
            await site.start()
            self._http_port = self._http_runner.addresses[0][1]
            self._smtp_server = await start_smtp_server(
                mail_handler,
                host=LOOPBACK_HOST,
                authenticator=CredentialsAuthenticator(self.smtp_username, self.smtp_password),
            )
        except BaseException:
            await self.stop()
            raise
        logger.info(
            "Sandbox started in %s: Twilio API at %s, SMTP at %s:%d",
            self.directory, self.twilio_base_url, self.smtp_host, self.smtp_port,
        )

    async def stop(self) -> None:
        """Stop both servers, ending fault delays and open connections; safe to repeat."""
        if self._twilio_api is not None:
            self._twilio_api.interrupt_delays()
        if self._http_runner is not None:
            await self._http_runner.cleanup()
        if self._smtp_server is not None:
            await self._smtp_server.close()
        was_running = self._http_port is not None
        self._twilio_api = None
        self._http_runner = None
        self._http_port = None
        self._smtp_server = None
        if was_running:
            logger.info("Sandbox in %s stopped", self.directory)

    async def __aenter__(self) -> Sandbox:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def twilio_base_url(self) -> str:
        """The Twilio API's base URL, such as ``http://127.0.0.1:40123``."""
        if self._http_port is None:
            raise RuntimeError("The sandbox is not running: call start() first.")
        return f"http://{LOOPBACK_HOST}:{self._http_port}"

    @property
    def smtp_host(self) -> str:
        self._require_smtp()
        return LOOPBACK_HOST

    @property
    def smtp_port(self) -> int:
        return self._require_smtp().port

    def _require_smtp(self) -> SmtpServer:
        if self._smtp_server is None:
            raise RuntimeError("The sandbox is not running: call start() first.")
        return self._smtp_server

    def __repr__(self) -> str:
        state = f"at {self.twilio_base_url}" if self._http_port is not None else "stopped"
        return f"Sandbox({str(self.directory)!r}, {state})"
