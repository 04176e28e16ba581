"""Fixtures for Pilot tests: a real agency database and the app built as the command line does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ecd_tui.config import load_config
from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.client_records import ClientDraft, EventDraft
from ecd_tui.domain.sending_numbers import SANDBOX_NUMBER
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


@pytest.fixture
def client_agency(services):
    """Services on a database with Dana Whitfield (two phones, one opted out, an email) and Luis Moreno."""
    with services.store.write() as session:
        settings = load_settings_row(session)
        settings.time_zone = "America/New_York"
        settings.name = "Test County Pretrial"
    dana = services.create_client(ClientDraft(client_id="CR-1001", first_name="Dana", last_name="Whitfield", notes="Prefers texts."))
    services.add_contact(dana.id, "(202) 555-0142", "cell", "mobile")
    home = services.add_contact(dana.id, "202-555-0143", "home")
    services.add_contact(dana.id, "dana.whitfield@example.org", "personal")
    services.create_event(dana.id, EventDraft(date="2030-01-15", time="9:30 AM", location="Courtroom 3B", case_number="2026-CR-4100"))
    services.set_opted_out(home.id, True, "replied STOP on a call")
    luis = services.create_client(ClientDraft(client_id="CR-1002", first_name="Luis", last_name="Moreno"))
    services.add_contact(luis.id, "+12025550155", "cell", "mobile")
    return services


def client_pk(services, client_id: str) -> int:
    return services.client_by_client_id(client_id).id


def contact_id(services, client_id: str, address: str) -> int:
    contacts = services.contacts(client_pk(services, client_id))
    return next(contact.id for contact in contacts if contact.address == address)
