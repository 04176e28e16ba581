"""Helpers for dispatcher tests: a fast sandbox, the real transports, and row readers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlmodel import select

from ecd_tui.delivery.dispatcher import Dispatcher, MessageChange, Senders
from ecd_tui.delivery.sandbox import Sandbox, read_sandbox_log
from ecd_tui.delivery.transports.smtp import SmtpTransport
from ecd_tui.delivery.transports.twilio import TwilioTransport
from ecd_tui.domain.models import Message
from ecd_tui.domain.sending_numbers import SANDBOX_NUMBER
from ecd_tui.domain.store import Store

SANDBOX_EMAIL = "ecd-tui@sandbox.invalid"


@asynccontextmanager
async def running_dispatcher(
    store: Store,
    directory: Path,
    *,
    step: float = 0.1,
    twilio_timeout: float = 5.0,
    smtp: tuple[str, int] | None = None,
    smtp_timeout: float = 5.0,
    changes: list[MessageChange] | None = None,
    **dispatcher_options,
) -> AsyncIterator[tuple[Dispatcher, Sandbox]]:
    """Start a sandbox whose statuses move every ``step`` seconds and a dispatcher on it.

    ``smtp`` points email at another server (host, port) instead of the sandbox's.
    """
    sandbox = Sandbox(directory, status_step_seconds=step)
    await sandbox.start()
    text = TwilioTransport(sandbox.account_sid, sandbox.auth_token, base_url=sandbox.twilio_base_url, timeout=twilio_timeout)
    host, port = smtp or (sandbox.smtp_host, sandbox.smtp_port)
    email = SmtpTransport(host, port, tls="none", timeout=smtp_timeout)
    dispatcher_options.setdefault("sweep_seconds", 60)
    dispatcher = Dispatcher(
        store, text, email,
        fallback_senders=Senders(sms_from=SANDBOX_NUMBER, email_from=SANDBOX_EMAIL),
        on_change=changes.append if changes is not None else None,
        **dispatcher_options,
    )
    await dispatcher.start()
    try:
        yield dispatcher, sandbox
    finally:
        await dispatcher.stop()
        await text.aclose()
        await sandbox.stop()


def row(store: Store, message_id: int) -> Message:
    with store.read() as session:
        return session.get(Message, message_id)


def rows(store: Store) -> list[Message]:
    with store.read() as session:
        return list(session.exec(select(Message).order_by(Message.id)))


def received(directory: Path, kind: str | None = None) -> list[dict]:
    return [entry for entry in read_sandbox_log(directory) if kind is None or entry["kind"] == kind]
