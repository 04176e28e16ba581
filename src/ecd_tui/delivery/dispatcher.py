"""The dispatcher: wakes at each message's send_at, claims it, hands it to a transport.

The messages table is the truth; APScheduler only wakes the dispatcher. On start it arms
a date job for each scheduled message in the coming window, and a sweep every few
seconds sends due messages that no job covers (queued by another process, or missed
while nothing was running) and arms jobs for the next window. Jobs carry only a message
id, and each job reads its row fresh when it claims it.

The dispatcher runs on the caller's running event loop (the Textual app's, or the
headless command's). Database calls go to a small thread pool, and transports are
asynchronous, so the loop never waits on SQLite or the network.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from ecd_tui.delivery import outbox
from ecd_tui.delivery.outbox import ClaimedMessage
from ecd_tui.delivery.transports.base import (
    OutgoingEmail,
    OutgoingText,
    PermanentError,
    SendResult,
    TransientError,
    TransportError,
    UnknownOutcomeError,
)
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.store import Store

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5.0
ARM_WINDOW = timedelta(minutes=15)
HEARTBEAT_STALE = timedelta(seconds=60)
MAX_CONCURRENT_SENDS = 8
SWEEP_BATCH = 500
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 15 * 60


@dataclass(frozen=True)
class MessageChange:
    """A message whose status the dispatcher changed."""

    message_id: int
    status: str
    reason: str | None = None


@dataclass
class Senders:
    """Sender addresses used when the agency has none configured (the sandbox's)."""

    sms_from: str | None = None
    email_from: str | None = None


class Dispatcher:
    """Sends due messages through the transports, once each, on the running loop.

    Args:
        store: the agency database.
        text_transport: has ``async send_text(OutgoingText) -> SendResult``.
        email_transport: has ``async send_email(OutgoingEmail) -> SendResult``.
        fallback_senders: sender addresses for when the agency has set none.
        on_change: called on the loop thread after each status change; must not block.
    """

    def __init__(
        self,
        store: Store,
        text_transport,
        email_transport,
        *,
        fallback_senders: Senders | None = None,
        on_change: Callable[[MessageChange], None] | None = None,
        sweep_seconds: float = SWEEP_SECONDS,
    ) -> None:
        self.store = store
        self.text_transport = text_transport
        self.email_transport = email_transport
        self.fallback_senders = fallback_senders or Senders()
        self.on_change = on_change
        self.sweep_seconds = sweep_seconds
        self.started_at = utcnow()
        self.id = f"{socket.gethostname()}:{os.getpid()}:{self.started_at.timestamp():.0f}"
        self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="ecd-dispatch-db")
        self._scheduler: AsyncIOScheduler | None = None
        self._in_flight: set[int] = set()
        self._tasks: set[asyncio.Task] = set()
        self._sweep_task: asyncio.Task | None = None
        self._send_slots = asyncio.Semaphore(MAX_CONCURRENT_SENDS)

    # Life cycle

    async def start(self) -> None:
        """Start the scheduler on the running loop, recover orphaned claims, arm jobs."""
        loop = asyncio.get_running_loop()
        await self._db(outbox.beat, self.store, self.id, socket.gethostname(), os.getpid(), self.started_at, utcnow())
        await self._db(outbox.orphan_claims_to_unknown, self.store, utcnow(), HEARTBEAT_STALE)

        self._scheduler = AsyncIOScheduler(event_loop=loop, timezone="UTC")
        self._scheduler.add_job(
            self._sweep_from_job, "interval", seconds=self.sweep_seconds, id="sweep",
            max_instances=1, coalesce=True, next_run_time=utcnow(),
        )
        self._scheduler.start()
        log.info("Dispatcher %s started", self.id)

    async def stop(self) -> None:
        """Stop waking, wait for sends in flight to be recorded, drop the heartbeat."""
        if self._scheduler is not None and self._scheduler.running:
            # Job coroutines only start tasks of ours and return. Pausing stops new wake-ups,
            # and two turns of the loop let jobs already submitted return, so shutting down
            # cancels none of them (APScheduler would log a cancelled job as an error).
            self._scheduler.pause()
            await asyncio.sleep(0)
            await asyncio.sleep(0)
            self._scheduler.shutdown(wait=False)
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
        try:
            await self._db(outbox.remove_heartbeat, self.store, self.id)
        finally:
            self._executor.shutdown(wait=True)
        log.info("Dispatcher %s stopped", self.id)

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    @property
    def scheduler(self) -> AsyncIOScheduler | None:
        return self._scheduler

    # Waking

    def arm(self, message_id: int, send_at: datetime) -> None:
        """Add a date job that wakes the dispatcher for this message at send_at."""
        if self._scheduler is None:
            return
        self._scheduler.add_job(
            self._send_from_job, "date", run_date=send_at, args=[message_id],
            id=f"message:{message_id}", replace_existing=True, misfire_grace_time=None,
        )

    async def sweep(self) -> None:
        """Beat, send what is due, and arm jobs for messages due in the coming window."""
        try:
            now = utcnow()
            await self._db(outbox.beat, self.store, self.id, socket.gethostname(), os.getpid(), self.started_at, now)
            due = await self._db(outbox.due_message_ids, self.store, now, SWEEP_BATCH)
            for message_id in due:
                self._start_send(message_id)
            upcoming = await self._db(outbox.upcoming_messages, self.store, now, now + ARM_WINDOW)
            for message_id, send_at in upcoming:
                self.arm(message_id, send_at)
        except Exception:
            log.exception("Dispatcher sweep failed; the next sweep tries again")

    async def run_until_idle(self, timeout: float) -> bool:
        """Send what is due until nothing is due or in flight; return False on timeout."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            due = await self._db(outbox.due_message_ids, self.store, utcnow(), SWEEP_BATCH)
            for message_id in due:
                self._start_send(message_id)
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=max(0.0, deadline - asyncio.get_running_loop().time()))
                continue
            if not due:
                return True
            await asyncio.sleep(0.05)
        return False

    # Sending

    async def _sweep_from_job(self) -> None:
        # A coroutine that returns at once: the sweep runs as a task of ours, so stopping
        # the scheduler never cancels it halfway through a database call.
        if self._sweep_task is None or self._sweep_task.done():
            self._sweep_task = self._track(self.sweep(), name="sweep")

    async def _send_from_job(self, message_id: int) -> None:
        # A coroutine, so that APScheduler runs it on the loop rather than in its thread pool.
        self._start_send(message_id)

    def _start_send(self, message_id: int) -> None:
        if message_id in self._in_flight:
            return
        self._in_flight.add(message_id)
        self._track(self.send_message(message_id), name=f"send-message-{message_id}")

    def _track(self, coroutine, *, name: str) -> asyncio.Task:
        task = asyncio.get_running_loop().create_task(coroutine, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def send_message(self, message_id: int) -> MessageChange | None:
        """Claim one message and send it; returns the change made, or None if not ours."""
        try:
            async with self._send_slots:
                return await self._claim_and_send(message_id)
        except Exception:
            log.exception("Message %s: unexpected error in the dispatcher", message_id)
            return None
        finally:
            self._in_flight.discard(message_id)

    async def _claim_and_send(self, message_id: int) -> MessageChange | None:
        outcome = await self._db(outbox.claim, self.store, message_id, utcnow(), self.id)
        if outcome.claimed is None:
            if outcome.reason:
                log.warning("Message %s %s", message_id, outcome.reason)
                return self._report(MessageChange(message_id, outcome.status, outcome.reason))
            log.debug("Message %s not claimed: it is %s", message_id, outcome.status)
            return None

        message = outcome.claimed
        log.info("Message %s claimed: %s to %s, attempt %s", message.id, message.channel, message.recipient, message.attempts)
        try:
            result, sender = await self._hand_to_transport(message)
        except PermanentError as error:
            return await self._record_failure(message, error)
        except UnknownOutcomeError as error:
            await self._db(outbox.mark_unknown, self.store, message.id, utcnow(), code=error.code, reason=error.reason)
            log.error("Message %s outcome unknown: %s", message.id, error.reason)
            return self._report(MessageChange(message.id, "unknown", error.reason))
        except TransientError as error:
            return await self._retry_later(message, error)

        await self._db(
            outbox.mark_sent, self.store, message.id, utcnow(),
            carrier_id=result.carrier_id, carrier_status=result.carrier_status, sender=sender,
        )
        log.info("Message %s sent: carrier id %s, status %s", message.id, result.carrier_id, result.carrier_status)
        return self._report(MessageChange(message.id, "sent"))

    async def _hand_to_transport(self, message: ClaimedMessage) -> tuple[SendResult, str]:
        if message.channel == "email":
            sender = message.email_from or self.fallback_senders.email_from
            if not sender:
                raise PermanentError("No email sender address is set: set one in the agency settings.")
            email = OutgoingEmail(message.id, message.recipient, sender, message.subject, message.body)
            return await self.email_transport.send_email(email), sender

        sender = message.sms_from or self.fallback_senders.sms_from
        if not sender:
            raise PermanentError("No active agency phone number can send texts: add one under Agency Phones.")
        text = OutgoingText(message.id, message.recipient, sender, message.text_body)
        return await self.text_transport.send_text(text), sender

    async def _record_failure(self, message: ClaimedMessage, error: TransportError) -> MessageChange:
        await self._db(outbox.mark_failed, self.store, message.id, utcnow(), code=error.code, reason=error.reason)
        log.error("Message %s failed (code %s): %s", message.id, error.code, error.reason)
        return self._report(MessageChange(message.id, "failed", error.reason))

    async def _retry_later(self, message: ClaimedMessage, error: TransientError) -> MessageChange:
        now = utcnow()
        delay = min(FIRST_RETRY_SECONDS * 2 ** (message.attempts - 1), MAX_RETRY_SECONDS)
        retry_at = now + timedelta(seconds=delay)
        if message.expires_at is not None and retry_at > message.expires_at:
            gave_up = TransportError(f"gave up after {message.attempts} attempts: {error.reason}", error.code)
            return await self._record_failure(message, gave_up)

        await self._db(outbox.reschedule, self.store, message.id, now, retry_at=retry_at, code=error.code, reason=error.reason)
        log.warning("Message %s retry %s in %ss: %s", message.id, message.attempts, delay, error.reason)
        self.arm(message.id, retry_at)
        return self._report(MessageChange(message.id, "scheduled", f"retrying: {error.reason}"))

    def _report(self, change: MessageChange) -> MessageChange:
        if self.on_change is not None:
            try:
                self.on_change(change)
            except Exception:
                log.exception("Message %s: reporting the change to %s failed", change.message_id, change.status)
        return change

    async def _db(self, function, *args, **kwargs):
        return await asyncio.get_running_loop().run_in_executor(self._executor, partial(function, *args, **kwargs))
