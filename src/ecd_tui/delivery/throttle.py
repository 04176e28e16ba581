"""Rate limits of one dispatcher: segments per second per sending number, and SMTP sessions.

A US long code carries about one text segment per second, so each agency number gets a
reservation clock: a text of N segments takes N / rate seconds of it, and the next text
from that number waits until the clock frees. Email goes through at most the agency's
number of concurrent SMTP sessions.

NOTE: the limits hold within one dispatcher process. Two dispatchers on one database each
keep their own, so together they may send up to twice the rate.
"""

from __future__ import annotations

import asyncio
import time


class SendThrottle:
    """Reservation clocks per sending number and a semaphore for SMTP sessions."""

    def __init__(self) -> None:
        self._free_at: dict[str, float] = {}
        self._smtp_slots: asyncio.Semaphore | None = None
        self._smtp_size = 0

    async def wait_for_number(self, number: str, units: int, per_second: float) -> float:
        """Wait until ``number`` may send ``units`` segments; return the seconds waited."""
        if per_second <= 0:
            return 0.0
        now = time.monotonic()
        start = max(now, self._free_at.get(number, now))
        self._free_at[number] = start + max(units, 1) / per_second
        delay = start - now
        if delay > 0:
            await asyncio.sleep(delay)
        return delay

    def smtp_slots(self, concurrency: int) -> asyncio.Semaphore:
        """Return the semaphore for SMTP sessions, resized when the setting changed."""
        size = max(concurrency, 1)
        if self._smtp_slots is None or size != self._smtp_size:
            # A resize lets sessions that hold the old semaphore finish on it.
            self._smtp_slots = asyncio.Semaphore(size)
            self._smtp_size = size
        return self._smtp_slots
