"""The benchmark scenarios; each takes a fresh folder and returns its figures."""

from __future__ import annotations

import asyncio
import statistics
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from ecd_tui.config import load_config
from ecd_tui.delivery.dispatcher import Dispatcher
from ecd_tui.delivery.setup import start_delivery
from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.messages import list_feed, list_pending
from ecd_tui.domain.models import Message
from ecd_tui.domain.recipients import parse_recipient
from ecd_tui.domain.sending import SANDBOX_NUMBER
from ecd_tui.domain.store import open_store
from ecd_tui.services import Services


def _services(folder: Path, review_delay: int = 0) -> Services:
    folder.mkdir(parents=True, exist_ok=True)
    store = open_store(folder / "bench.sqlite3")
    with store.write() as session:
        settings = load_settings_row(session)
        settings.review_delay_seconds = review_delay
        # Unpaced, so the figures measure the dispatcher rather than the per-number rate limit.
        settings.sms_per_second = 0
    return Services.open(store, "bench", fallback_number=SANDBOX_NUMBER)


def _phones(count: int) -> list:
    return [parse_recipient(f"+1202555{n % 10000:04d}", "US") if n < 10000 else parse_recipient(f"c{n}@example.org", "US") for n in range(count)]


async def queue_throughput(folder: Path) -> dict:
    """Queue 500 single-recipient sends one by one, then one send to 2,000 recipients."""
    services = _services(folder)
    recipients = _phones(500)
    start = time.perf_counter()
    for recipient in recipients:
        services.queue([recipient], "Hearing", "Your hearing moved.")
    singles = time.perf_counter() - start

    many = [parse_recipient(f"client{n}@example.org", "US") for n in range(2000)]
    start = time.perf_counter()
    services.queue(many, "Hearing", "Your hearing moved.")
    batch = time.perf_counter() - start
    services.store.dispose()
    return {
        "single_sends_per_second": round(500 / singles, 1),
        "batch_2000_recipients_seconds": round(batch, 3),
    }


async def dispatch_throughput(folder: Path) -> dict:
    """Send 1,000 texts and 200 emails through the sandbox with one dispatcher, then two."""
    figures = {}
    for dispatchers in (1, 2):
        services = _services(folder / f"d{dispatchers}")
        services.queue(_phones(1000), "Hearing", "Your hearing moved.")
        services.queue([parse_recipient(f"c{n}@example.org", "US") for n in range(200)], "Hearing", "Moved.")
        config = load_config(database=services.store.path)
        delivery = await start_delivery(config, force_sandbox=True)
        stores = [services.store] + [open_store(services.store.path) for _ in range(dispatchers - 1)]
        running = [Dispatcher(store, delivery.text_transport, delivery.email_transport, fallback_senders=delivery.senders) for store in stores]
        start = time.perf_counter()
        for dispatcher in running:
            await dispatcher.start()
        await asyncio.gather(*(dispatcher.run_until_idle(timeout=600, wait_for_status=False) for dispatcher in running))
        elapsed = time.perf_counter() - start
        for dispatcher in running:
            await dispatcher.stop()
        await delivery.aclose()
        sent = sum(1 for record in services.all_messages() if record.status in ("sent", "delivered"))
        figures[f"{dispatchers}_dispatcher_messages_per_second"] = round(sent / elapsed, 1)
        figures[f"{dispatchers}_dispatcher_sent"] = sent
        for store in stores:
            store.dispose()
    return figures


async def feed_queries(folder: Path) -> dict:
    """Read the first page of each list from 20,000 messages with 1,600-character bodies."""
    services = _services(folder)
    now = utcnow()
    body = "x" * 1600
    rows = [
        {
            "channel": "sms", "recipient": f"+1202555{n % 10000:04d}", "body": body, "subject": "s",
            "status": "sent" if n % 10 else "scheduled", "send_at": now + timedelta(seconds=n),
            "created_at": now, "created_by": "bench", "sent_at": now if n % 10 else None,
            "direction": "outbound", "attempts": 1,
        }
        for n in range(20000)
    ]
    with services.store.write() as session:
        session.execute(insert(Message), rows)

    def timed(function) -> float:
        samples = []
        for _ in range(20):
            start = time.perf_counter()
            function(services.store, limit=200)
            samples.append(time.perf_counter() - start)
        return round(statistics.median(samples) * 1000, 2)

    figures = {"feed_first_200_ms_median": timed(list_feed), "pending_first_200_ms_median": timed(list_pending)}
    services.store.dispose()
    return figures


from bench.client_scenarios import client_search  # noqa: E402

ALL = [
    ("queue", queue_throughput),
    ("dispatch", dispatch_throughput),
    ("feeds_20000_rows", feed_queries),
    ("client_search_10000", client_search),
]
