"""Restarts: a dispatcher that stops during the review delay, and one killed mid-send."""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
from datetime import timedelta

import pytest

from ecd_tui.delivery import outbox
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.held import ReleaseRefused
from ecd_tui.domain.models import DispatcherHeartbeat, Message
from ecd_tui.domain.recipients import parse_recipient
from tests.conftest import set_review_delay
from tests.integration.delivery_helpers import received, row, rows, running_dispatcher

pytestmark = pytest.mark.timeout(60)

PHONE = parse_recipient("+12025550142", "US")


def app_was_down(store, message_id: int, minutes: float) -> None:
    """Move send_at into the past, as if no dispatcher ran for ``minutes`` after it."""
    with store.write() as session:
        session.get(Message, message_id).send_at = utcnow() - timedelta(minutes=minutes)


async def test_restart_before_late_limit_sends_once(services, store, sandbox_directory):
    set_review_delay(store, 300)
    message = services.queue([PHONE], "", "Hello").messages[0]
    async with running_dispatcher(store, sandbox_directory) as (dispatcher, _):
        assert await dispatcher.run_until_idle(timeout=5)  # nothing due: quit during the delay
    assert row(store, message.id).status == "scheduled"

    app_was_down(store, message.id, minutes=2)
    async with running_dispatcher(store, sandbox_directory) as (dispatcher, _):
        assert await dispatcher.run_until_idle(timeout=20, wait_for_status=False)
    assert row(store, message.id).status == "sent"
    assert len(received(sandbox_directory, "sms")) == 1


async def test_restart_after_late_limit_holds_then_clerk_sends(services, store, sandbox_directory, caplog):
    set_review_delay(store, 300)
    held, dropped = services.queue([PHONE, parse_recipient("client@example.org", "US")], "", "Hello").messages
    app_was_down(store, held.id, minutes=61)
    app_was_down(store, dropped.id, minutes=61)
    async with running_dispatcher(store, sandbox_directory) as (dispatcher, _):
        assert await dispatcher.run_until_idle(timeout=20, wait_for_status=False)
        assert row(store, held.id).status == "held"
        assert "61 minutes late" in row(store, held.id).error_reason
        assert f"Message {held.id} held: 61 minutes late" in caplog.text
        assert [record.id for record in services.pending()] == [held.id, dropped.id]

        services.cancel(dropped.id)
        services.send_now(held.id)
        assert await dispatcher.run_until_idle(timeout=20, wait_for_status=False)

    assert row(store, held.id).status == "sent"
    assert row(store, dropped.id).status == "cancelled"
    assert len(received(sandbox_directory)) == 1
    with pytest.raises(ReleaseRefused, match="it is sent, not held or unknown"):
        services.send_now(held.id)


def test_claim_of_dead_dispatcher_becomes_unknown_at_once(services, store):
    set_review_delay(store, 0)
    message = services.queue([PHONE], "", "Hello").messages[0]
    dead_pid = _exited_pid()
    now = utcnow()
    with store.write() as session:
        session.add(DispatcherHeartbeat(id="dead", host=socket.gethostname(), pid=dead_pid, started_at=now, seen_at=now))
        session.add(DispatcherHeartbeat(id="alive", host=socket.gethostname(), pid=os.getpid(), started_at=now, seen_at=now))
    claimed = outbox.claim(store, message.id, utcnow(), "alive")
    assert claimed.claimed is not None
    assert outbox.orphan_claims_to_unknown(store, utcnow(), timedelta(seconds=60)) == []

    with store.write() as session:
        session.get(Message, message.id).claimed_by = "dead"
    assert outbox.orphan_claims_to_unknown(store, utcnow(), timedelta(seconds=60)) == [message.id]
    assert row(store, message.id).status == "unknown"
    assert "verify with the carrier" in row(store, message.id).error_reason


def _exited_pid() -> int:
    """Return the pid of a process that has exited and been reaped."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


async def test_stop_leaves_unclaimed_sends_scheduled(services, store, sandbox_directory):
    set_review_delay(store, 0)
    emails = [parse_recipient(f"client{n}@example.org", "US") for n in range(300)]
    services.queue(emails, "", "Hello")
    async with running_dispatcher(store, sandbox_directory, sweep_seconds=0.1) as (dispatcher, _):
        for _ in range(200):
            if received(sandbox_directory):
                break
            await asyncio.sleep(0.02)
    # The dispatcher has stopped: what it claimed is recorded, the rest waits for the next one.
    states = {message.status for message in rows(store)}
    assert "sending" not in states
    assert states <= {"sent", "scheduled"}
    assert "scheduled" in states
    sent = [message for message in rows(store) if message.status == "sent"]
    assert len(sent) == len(received(sandbox_directory))
