"""The per-number reservation clock and the SMTP session semaphore."""

from __future__ import annotations

import pytest

from ecd_tui.delivery.throttle import SendThrottle


async def test_number_reservations_follow_rate():
    throttle = SendThrottle()
    waits = [await throttle.wait_for_number("+12025550100", 1, 20.0) for _ in range(3)]
    other = await throttle.wait_for_number("+12025550101", 1, 20.0)
    assert waits[0] == 0
    # Each reservation starts when the previous one ends (1/20 s), less the time already slept.
    assert 0 < waits[1] <= 0.05
    assert 0 < waits[2] <= 0.05
    assert other == 0


async def test_segments_take_longer():
    throttle = SendThrottle()
    await throttle.wait_for_number("+12025550100", 4, 100.0)
    wait = await throttle.wait_for_number("+12025550100", 1, 100.0)
    assert 0.02 < wait <= 0.04


@pytest.mark.parametrize("rate", [0.0, -1.0])
async def test_zero_rate_means_no_limit(rate):
    throttle = SendThrottle()
    assert [await throttle.wait_for_number("+1", 1, rate) for _ in range(3)] == [0.0, 0.0, 0.0]


async def test_smtp_slots_follow_setting():
    throttle = SendThrottle()
    slots = throttle.smtp_slots(2)
    assert throttle.smtp_slots(2) is slots
    async with slots:
        async with slots:
            assert slots.locked()
    resized = throttle.smtp_slots(3)
    assert resized is not slots
    assert throttle.smtp_slots(0)._value == 1
