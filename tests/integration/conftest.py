"""Fixtures that start the sandbox on loopback for integration tests."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from ecd_tui.delivery.sandbox import Sandbox

# A short status step so tests can watch a text go from queued to delivered.
TEST_STATUS_STEP_SECONDS = 0.2


@pytest.fixture
def sandbox_directory(tmp_path: Path) -> Path:
    return tmp_path / "sandbox"


@pytest.fixture
async def sandbox(sandbox_directory: Path) -> AsyncIterator[Sandbox]:
    """A running sandbox whose texts reach "sent" after 0.2 s and "delivered" after 0.6 s."""
    running = Sandbox(sandbox_directory, status_step_seconds=TEST_STATUS_STEP_SECONDS)
    await running.start()
    try:
        yield running
    finally:
        await running.stop()
