"""The sandbox's SMTP server: aiosmtpd's protocol served on the running event loop.

aiosmtpd's ``Controller`` runs the server in a thread with its own loop. Here the same
``SMTP`` protocol class is served by ``loop.create_server`` on the caller's loop instead,
so the sandbox needs no thread. ``start_smtp_server`` also serves other handlers, which is
how tests stand up a mail server that refuses recipients.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import mailbox
import weakref
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

logger = logging.getLogger(__name__)

MAILDIR_NAME = "maildir"

# Headers the sandbox puts on each stored email: the SMTP envelope and the time received.
MAIL_FROM_HEADER = "X-MailFrom"
RCPT_TO_HEADER = "X-RcptTo"
RECEIVED_AT_HEADER = "X-Sandbox-Received-At"

# The name the server gives in its greeting, set so aiosmtpd does not look up the FQDN.
SERVER_HOSTNAME = "sandbox.localhost"


class MaildirHandler:
    """An aiosmtpd handler that stores each accepted email in ``directory/maildir``."""

    def __init__(self, directory: Path) -> None:
        self.maildir_path = directory / MAILDIR_NAME

    def create(self) -> None:
        """Create the Maildir (with its cur, new and tmp folders) when missing."""
        mailbox.Maildir(self.maildir_path, create=True)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        received_at = datetime.now(timezone.utc).isoformat(timespec="microseconds")
        trace = (
            f"{RECEIVED_AT_HEADER}: {received_at}\r\n"
            f"{MAIL_FROM_HEADER}: {envelope.mail_from}\r\n"
            f"{RCPT_TO_HEADER}: {', '.join(envelope.rcpt_tos)}\r\n"
        ).encode()
        content = envelope.original_content or b""
        key = await asyncio.to_thread(self._store, trace + content)
        logger.info("Sandbox SMTP server stored an email for %d recipient(s) as %s",
                    len(envelope.rcpt_tos), key)
        return "250 2.0.0 Message accepted for delivery"

    def _store(self, message: bytes) -> str:
        return mailbox.Maildir(self.maildir_path, create=True).add(message)


class CredentialsAuthenticator:
    """An aiosmtpd authenticator that accepts one user name and password.

    A failed login returns ``AuthResult(success=False, handled=False)`` so that aiosmtpd
    replies 535. With ``handled=True`` it would send no reply and the client would wait
    for its timeout (aiosmtpd 1.4).
    """

    def __init__(self, username: str, password: str) -> None:
        self._username = username.encode()
        self._password = password.encode()

    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str,
        auth_data: Any,
    ) -> AuthResult:
        if isinstance(auth_data, LoginPassword) and (
            hmac.compare_digest(auth_data.login, self._username)
            & hmac.compare_digest(auth_data.password, self._password)
        ):
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)


class SmtpServer:
    """An SMTP server listening on the running loop; ``close`` also ends open sessions."""

    def __init__(self, server: asyncio.Server, sessions: weakref.WeakSet[SMTP]) -> None:
        self._server = server
        self._sessions = sessions

    @property
    def host(self) -> str:
        return self._server.sockets[0].getsockname()[0]

    @property
    def port(self) -> int:
        return self._server.sockets[0].getsockname()[1]

    async def close(self) -> None:
        self._server.close()
        for session in list(self._sessions):
            if session.transport is not None:
                session.transport.close()
        await self._server.wait_closed()


async def start_smtp_server(
    handler: object,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    authenticator: CredentialsAuthenticator | None = None,
    timeout: float = 300.0,
    smtputf8: bool = True,
) -> SmtpServer:
    """Serve aiosmtpd's SMTP protocol with ``handler`` on the running loop.

    Args:
        handler: an aiosmtpd handler (an object with ``handle_DATA`` and the like).
        host: the address to listen on.
        port: the TCP port; 0 picks a free one, which ``SmtpServer.port`` then returns.
        authenticator: when given, the server offers AUTH without TLS and checks logins
            with it; a client that does not log in may still send.
        timeout: seconds the server waits for a client's next command before it hangs up.
        smtputf8: whether the server offers SMTPUTF8, which non-ASCII addresses need.
    """
    loop = asyncio.get_running_loop()
    sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()

    def make_session() -> SMTP:
        session = SMTP(
            handler,
            hostname=SERVER_HOSTNAME,
            enable_SMTPUTF8=smtputf8,
            timeout=timeout,
            authenticator=authenticator,
            # Loopback only, so offering AUTH without TLS exposes no password.
            auth_require_tls=authenticator is None,
            loop=loop,
        )
        sessions.add(session)
        return session

    server = await loop.create_server(make_session, host=host, port=port)
    return SmtpServer(server, sessions)
