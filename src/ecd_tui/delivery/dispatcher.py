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

from ecd_tui.delivery import outbox, reply_poll, status_sync
from ecd_tui.delivery.outbox import ClaimedMessage
from ecd_tui.delivery.throttle import SendThrottle
from ecd_tui.delivery.transports.base import (
    OutgoingCall,
    OutgoingEmail,
    OutgoingText,
    PermanentError,
    SendResult,
    TransientError,
    TransportError,
    UnknownOutcomeError,
)
from ecd_tui.delivery.voice import build_twiml, voice_for
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.store import Store

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5.0
ARM_WINDOW = timedelta(minutes=15)
HEARTBEAT_STALE = timedelta(seconds=60)
MAX_CONCURRENT_SENDS = 8
SWEEP_BATCH = 500
UNSUBSCRIBED_CODE = "21610"  # Twilio: the recipient replied STOP
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 15 * 60
STATUS_SYNC_SECONDS = 10.0
REPLY_POLL_SECONDS = 15.0
# Sent texts and calls older than this are no longer asked about.
STATUS_SYNC_WINDOW = timedelta(hours=72)
# ``run_until_idle`` waits for the final carrier status of messages sent this recently.
IDLE_STATUS_WAIT = timedelta(minutes=15)
# How often ``run_until_idle`` fetches statuses and replies.
IDLE_POLL_SECONDS = 0.5


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
        status_seconds: how often the carrier status of sent texts and calls is fetched.
        reply_seconds: how often replies to the agency's numbers are fetched.
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
        status_seconds: float = STATUS_SYNC_SECONDS,
        reply_seconds: float = REPLY_POLL_SECONDS,
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
        self._status_task: asyncio.Task | None = None
        self._reply_task: asyncio.Task | None = None
        self._send_slots = asyncio.Semaphore(MAX_CONCURRENT_SENDS)
        self.status_seconds = status_seconds
        self.reply_seconds = reply_seconds
        self._throttle = SendThrottle()
        self._stopping = False

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
        if hasattr(self.text_transport, "fetch_message"):
            self._scheduler.add_job(
                self._status_sync_from_job, "interval", seconds=self.status_seconds, id="status-sync",
                max_instances=1, coalesce=True,
            )
        if hasattr(self.text_transport, "list_inbound"):
            self._scheduler.add_job(
                self._reply_poll_from_job, "interval", seconds=self.reply_seconds, id="reply-poll",
                max_instances=1, coalesce=True, next_run_time=utcnow(),
            )
        self._scheduler.start()
        log.info("Dispatcher %s started", self.id)

    async def stop(self) -> None:
        """Stop waking, wait for sends in flight to be recorded, drop the heartbeat.

        Sends started but not yet claimed return at once and stay scheduled, so a stop
        waits only for the claimed ones (at most MAX_CONCURRENT_SENDS).
        """
        self._stopping = True
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
            for message_id in await self._db(outbox.orphan_claims_to_unknown, self.store, now, HEARTBEAT_STALE):
                self._report(MessageChange(message_id, "unknown", "the dispatcher stopped while sending"))
            due = await self._db(outbox.due_message_ids, self.store, now, SWEEP_BATCH)
            for message_id in due:
                self._start_send(message_id)
            upcoming = await self._db(outbox.upcoming_messages, self.store, now, now + ARM_WINDOW)
            for message_id, send_at in upcoming:
                self.arm(message_id, send_at)
        except Exception:
            log.exception("Dispatcher sweep failed; the next sweep tries again")

    async def run_until_idle(self, timeout: float, *, wait_for_status: bool = True) -> bool:
        """Send what is due, fetch statuses and replies, until nothing is left to wait for.

        Nothing is left when no message is due or in flight and, with ``wait_for_status``,
        no text or call sent in the last 15 minutes waits for its final carrier status.
        Returns False when ``timeout`` seconds pass first.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        next_poll = loop.time()
        while loop.time() < deadline:
            due = await self._db(outbox.due_message_ids, self.store, utcnow(), SWEEP_BATCH)
            for message_id in due:
                self._start_send(message_id)
            if self._tasks:
                await asyncio.wait(set(self._tasks), timeout=max(0.0, deadline - loop.time()))
                continue
            if due:
                await asyncio.sleep(0.05)
                continue

            if loop.time() >= next_poll:
                await self.sync_statuses()
                await self.poll_replies()
                next_poll = loop.time() + IDLE_POLL_SECONDS
            awaiting = 0
            if wait_for_status and hasattr(self.text_transport, "fetch_message"):
                awaiting = await self._db(status_sync.count_awaiting_status, self.store, utcnow() - IDLE_STATUS_WAIT)
            if not awaiting:
                return True
            await asyncio.sleep(min(IDLE_POLL_SECONDS, max(0.0, deadline - loop.time())))
        return False

    # Carrier status and replies

    async def sync_statuses(self) -> None:
        """Fetch the carrier status of sent texts and calls, and report each change."""
        try:
            updates = await status_sync.sync_statuses(
                self.text_transport, self.store, self._db, utcnow, utcnow() - STATUS_SYNC_WINDOW
            )
            if hasattr(self.text_transport, "find_texts"):
                updates += await status_sync.settle_unknown_texts(self.text_transport, self.store, self._db, utcnow)
        except Exception:
            log.exception("Status sync failed; the next round tries again")
            return
        for update in updates:
            self._report(MessageChange(update.message_id, update.status, update.reason))

    async def poll_replies(self) -> None:
        """Fetch replies to the agency's numbers, record them and report each one."""
        try:
            recorded = await reply_poll.poll_replies(
                self.text_transport, self.store, self._db, utcnow(), self.fallback_senders.sms_from
            )
        except Exception:
            log.exception("Reply poll failed; the next poll tries again")
            return
        for reply in recorded:
            self._report(MessageChange(reply.message_id, "received", reply.action))

    # Sending

    async def _status_sync_from_job(self) -> None:
        # Like the sweep, a task of ours, so stopping the scheduler never cancels it midway.
        if not self._stopping and (self._status_task is None or self._status_task.done()):
            self._status_task = self._track(self.sync_statuses(), name="status-sync")

    async def _reply_poll_from_job(self) -> None:
        if not self._stopping and (self._reply_task is None or self._reply_task.done()):
            self._reply_task = self._track(self.poll_replies(), name="reply-poll")

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
        """Claim one message and send it; returns the change made, or None if not ours.

        The wait for the sending number's rate comes before the claim, so a message that
        waits is still scheduled, and a crash while it waits leaves nothing unknown.
        """
        try:
            if self._stopping:
                return None
            throttle = await self._db(outbox.throttle_for, self.store, message_id, utcnow(), self.fallback_senders.sms_from)
            if throttle is not None and throttle.sender is not None:
                await self._throttle.wait_for_number(throttle.sender, throttle.units, throttle.per_second)
            async with self._send_slots:
                if self._stopping:
                    log.debug("Message %s left scheduled: the dispatcher is stopping", message_id)
                    return None
                if throttle is not None and throttle.channel == "email":
                    async with self._throttle.smtp_slots(throttle.smtp_concurrency):
                        return await self._claim_and_send(message_id)
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
            email = OutgoingEmail(message.id, message.recipient, sender, message.subject, message.body, attachments=message.attachments)
            return await self.email_transport.send_email(email), sender

        sender = message.sms_from or self.fallback_senders.sms_from
        if not sender:
            what = {"voice": "voice calls", "mms": "picture messages"}.get(message.channel, "texts")
            raise PermanentError(f"No active agency phone number can send {what}: an administrator must add one under Admin, Agency Phones.")
        if message.channel == "voice":
            return await self._call(message, sender), sender
        if message.channel == "mms" and not message.media_urls:
            raise PermanentError(
                "The files cannot go by text because no media URL base is set: an administrator sets one under"
                " Admin, Settings; then send the message again."
            )
        text = OutgoingText(message.id, message.recipient, sender, message.text_body, media_urls=message.media_urls)
        return await self.text_transport.send_text(text), sender

    async def _call(self, message: ClaimedMessage, sender: str) -> SendResult:
        voice, speaks_language = voice_for(message.language)
        if not speaks_language:
            log.warning("Message %s: no Twilio voice for language %r; the call speaks %s", message.id, message.language, voice.language)
        try:
            twiml = build_twiml(message.subject, message.body, message.language)
        except ValueError as error:
            raise PermanentError(str(error)) from None
        return await self.text_transport.send_call(OutgoingCall(message.id, message.recipient, sender, twiml))

    async def _record_failure(self, message: ClaimedMessage, error: TransportError) -> MessageChange:
        await self._db(outbox.mark_failed, self.store, message.id, utcnow(), code=error.code, reason=error.reason)
        log.error("Message %s failed (code %s): %s", message.id, error.code, error.reason)
        if error.code == UNSUBSCRIBED_CODE:
            await self._db(
                outbox.opt_out_after_refusal, self.store, message.recipient, utcnow(),
                code=error.code, reason="the carrier reports the recipient replied STOP (Twilio error 21610)",
            )
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
