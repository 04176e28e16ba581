"""Benchmarks of the client records: search as you type, and a preview of one client's send."""

from __future__ import annotations

import statistics
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert

from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.fanout import SendTarget
from ecd_tui.domain.models import Client, Contact, Event
from ecd_tui.domain.store import open_store
from ecd_tui.services import Services

CLIENTS = 10_000


def _fill(services: Services) -> None:
    now = utcnow()
    with services.store.write() as session:
        session.execute(insert(Client), [
            {"id": n + 1, "client_id": f"CR-{n:05d}", "first_name": f"First{n}", "last_name": f"Last{n % 997}",
             "middle_name": "", "preferred_language": "en", "notes": "", "created_at": now}
            for n in range(CLIENTS)
        ])
        session.execute(insert(Contact), [
            {"client_pk": n // 2 + 1, "channel": "phone" if n % 2 == 0 else "email",
             "address": f"+1202555{(n // 2) % 10000:04d}" if n % 2 == 0 else f"c{n}@example.org",
             "extension": "", "label": "cell", "line_type": "mobile", "valid": True, "opted_out": False, "created_at": now}
            for n in range(CLIENTS * 2)
        ])
        session.execute(insert(Event), [
            {"client_pk": n + 1, "starts_at": now + timedelta(days=n % 90 + 1), "location": "Room 3B",
             "case_number": f"2026-CR-{n:05d}", "event_type": "hearing", "notes": ""}
            for n in range(CLIENTS)
        ])


async def client_search(folder: Path) -> dict:
    """Search 10,000 clients (20,000 contacts, 10,000 events) as a clerk types, and preview one send."""
    folder.mkdir(parents=True, exist_ok=True)
    services = Services.open(open_store(folder / "bench.sqlite3"), "bench")
    _fill(services)

    def median_ms(function, *args) -> float:
        samples = []
        for _ in range(10):
            start = time.perf_counter()
            function(*args)
            samples.append(time.perf_counter() - start)
        return round(statistics.median(samples) * 1000, 2)

    figures = {
        f"search_{name}_ms_median": median_ms(services.search_clients, query)
        for name, query in (("name", "last99"), ("case_number", "2026-CR-0420"), ("phone", "(202) 555-0420"), ("email", "c841@example"))
    }
    figures["preview_one_client_ms_median"] = median_ms(services.preview, [SendTarget.for_client(42)], "Hearing", "Hi [ClientFirstName], [EventDate].")
    services.store.dispose()
    return figures
