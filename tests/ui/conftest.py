"""Fixtures for Pilot tests: a real agency database and the app built as the command line does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecd_tui.config import load_config
from ecd_tui.domain.sending import SANDBOX_NUMBER
from ecd_tui.domain.store import open_store
from ecd_tui.services import Services

from .helpers import TEST_REVIEW_DELAY_SECONDS, Agency


@pytest.fixture
def agency(tmp_path: Path) -> Iterator[Agency]:
    """clerk1 is the first user, hence an administrator. The review delay is 2 s."""
    config = load_config(database=tmp_path / "t.sqlite3")
    store = open_store(config.database)
    # Delivery is the sandbox, so its test number sends texts, as the command line sets up.
    services = Services.open(store, "clerk1", fallback_number=SANDBOX_NUMBER)
    agency = Agency(config, store, services, tmp_path / "ecd-tui.log")
    agency.set_review_delay(TEST_REVIEW_DELAY_SECONDS)
    yield agency
    store.dispose()
