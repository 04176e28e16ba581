"""Fixtures shared by every layer: isolated user dirs and a real SQLite store."""

from __future__ import annotations

from pathlib import Path

import pytest

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.sending_numbers import SANDBOX_NUMBER
from ecd_tui.domain.store import Store, open_store
from ecd_tui.services import Services


@pytest.fixture(autouse=True)
def isolated_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point the XDG dirs at the test's folder, so no test reads or writes the real ones."""
    home = tmp_path / "home"
    for variable, folder in (("XDG_DATA_HOME", "data"), ("XDG_CONFIG_HOME", "config"), ("XDG_STATE_HOME", "state")):
        path = home / folder
        path.mkdir(parents=True)
        monkeypatch.setenv(variable, str(path))
    for variable in ("ECD_TUI_CONFIG", "ECD_TUI_DATABASE", "ECD_TUI_TWILIO_ACCOUNT_SID", "ECD_TUI_TWILIO_AUTH_TOKEN", "ECD_TUI_SMTP_HOST"):
        monkeypatch.delenv(variable, raising=False)
    return home


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = open_store(tmp_path / "agency.sqlite3")
    yield store
    store.dispose()


@pytest.fixture
def services(store: Store) -> Services:
    """Services acting as the first user of the database, hence an administrator.

    Delivery is the sandbox's, so its test number sends texts and calls.
    """
    return Services.open(store, "admin1", fallback_number=SANDBOX_NUMBER)


def set_review_delay(store: Store, seconds: int) -> None:
    with store.write() as session:
        load_settings_row(session).review_delay_seconds = seconds
