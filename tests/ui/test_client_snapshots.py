"""Pictures at 80x24 of the Clients, Client Profile and Contact screens."""

from __future__ import annotations

from ecd_tui.screens.client_profile import ClientProfileScreen
from ecd_tui.screens.clients import ClientsScreen
from ecd_tui.screens.contact import ContactScreen
from tests.ui.conftest import client_pk, contact_id
from tests.ui.hosting import ScreenHost
from tests.ui.test_client_screens import SIZE, settle


async def settle_for_picture(pilot) -> None:
    """Settle, then give DataTable an idle turn to size its columns to the new rows."""
    await settle(pilot)
    await pilot.pause(0.2)


def test_clients_screen_snapshot(client_agency, snap_compare):
    app = ScreenHost(client_agency, lambda services: ClientsScreen(services, "CR-100"))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle_for_picture)


def test_client_profile_snapshot(client_agency, snap_compare):
    app = ScreenHost(client_agency, lambda services: ClientProfileScreen(services, client_pk(services, "CR-1001")))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle_for_picture)


def test_contact_screen_snapshot(client_agency, snap_compare):
    cell = contact_id(client_agency, "CR-1001", "+12025550142")
    app = ScreenHost(client_agency, lambda services: ContactScreen(services, cell))
    assert snap_compare(app, terminal_size=SIZE, run_before=settle_for_picture)
