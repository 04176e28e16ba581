"""Names, labels and notes with markup or control sequences show literally and break nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import Client, Contact, Event
from ecd_tui.screens.client_profile import ClientProfileScreen
from ecd_tui.screens.clients import ClientsScreen
from ecd_tui.screens.contact import ContactScreen
from tests.ui.hosting import ScreenHost
from tests.ui.helpers import screen_text
from tests.ui.test_client_screens import SIZE, settle

FIRST = "[bold red]Eve[/]"
LAST = "\x1b]0;title\x07Doe\x1b[2J"
LABEL = "[link=x]cell[/link]"
NOTES = "bring [/] ID \x1b[31mnow"


def add_hostile_client(store) -> tuple[int, int]:
    """Store the client as an old system might have, past the forms' checks."""
    with store.write() as session:
        client = Client(client_id="CR-[b]9", first_name=FIRST, last_name=LAST, notes=NOTES, created_at=utcnow())
        session.add(client)
        session.flush()
        contact = Contact(client_pk=client.id, channel="phone", address="+12025550142", label=LABEL, created_at=utcnow())
        session.add(contact)
        session.add(Event(client_pk=client.id, starts_at=datetime(2030, 1, 15, 14, 30, tzinfo=UTC), notes=NOTES, case_number="[i]7"))
        session.flush()
        return client.id, contact.id


async def test_hostile_text_shown_literally(services):
    client_pk, contact_id = add_hostile_client(services.store)
    app = ScreenHost(services, ClientsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"eve")
        await settle(pilot)
        text = screen_text(app)
        assert "[bold red]Eve[/] ␛" in text  # the Name column is 18 wide
        assert "\x1b" not in text
        assert "CR-[b]9" in text

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientProfileScreen)
        text = screen_text(app)
        assert "[bold red]Eve[/] ␛]0;title␇Doe␛[2J  ·  client id CR-[b]9" in text
        assert "Notes: bring [/] ID ␛[31mnow" in text
        assert "[link=x]cell[/link]" in text
        assert "[i]7" in text
        assert "\x1b" not in text
        assert "\x07" not in text

        app.push_screen(ContactScreen(services, contact_id))
        await settle(pilot)
        text = screen_text(app)
        assert "[link=x]cell[/link]" in text
        assert "Client: [bold red]Eve[/] ␛]0;title␇Doe␛[2J (CR-[b]9)" in text


async def test_hostile_text_in_preview(services):
    client_pk, _ = add_hostile_client(services.store)
    app = ScreenHost(services, lambda s: ClientProfileScreen(s, client_pk))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#composer-body").text = "Hi [ClientName] [CaseNumber]"
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = screen_text(app)
        assert "Hi [bold red]Eve[/] ]0;titleDoe[2J [i]7" in text
        assert "\x1b" not in text
