"""Pilot tests of the Clients, Client Profile and Contact screens: the screen and the database."""

from __future__ import annotations

from sqlmodel import select

from ecd_tui.app import EcdApp
from ecd_tui.config import load_config
from ecd_tui.domain.models import Client, Contact, Message
from ecd_tui.screens.dashboard import Dashboard
from ecd_tui.screens.client_form import ClientFormScreen
from ecd_tui.screens.client_profile import ClientProfileScreen
from ecd_tui.screens.clients import ClientsScreen
from ecd_tui.screens.contact import ContactScreen
from ecd_tui.screens.preview import PreviewScreen
from ecd_tui.screens.confirm import ConfirmScreen
from tests.ui.conftest import client_pk, contact_id
from tests.ui.hosting import ScreenHost
from tests.ui.helpers import screen_text

SIZE = (80, 24)


async def settle(pilot) -> None:
    """Let workers finish and their messages be handled."""
    for _ in range(3):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def has_line(text: str, *parts: str) -> bool:
    """Return True when one line of the screen shows every part, in order."""
    for line in text.splitlines():
        position = 0
        for part in parts:
            position = line.find(part, position)
            if position == -1:
                break
            position += len(part)
        else:
            return True
    return False


def rows(store, model):
    with store.read() as session:
        return session.exec(select(model)).all()


async def test_clients_search_opens_profile(client_agency):
    app = ScreenHost(client_agency, ClientsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"555-0142")
        await settle(pilot)
        text = screen_text(app)
        assert "1 client found" in text
        assert "Dana Whitfield" in text
        assert "phone +12025550142" in text
        assert "Luis" not in text

        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientProfileScreen)
        text = screen_text(app)
        assert "Dana Whitfield  ·  client id CR-1001" in text
        assert has_line(text, "+12025550143", "home", "unknown", "✗ opted out")
        assert "2 of 3 contacts reachable" in text


async def test_find_key_from_every_screen(client_agency, tmp_path):
    app = EcdApp(client_agency, load_config(database=client_agency.store.path), log_path=tmp_path / "ecd-tui.log")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        assert isinstance(app.screen, ClientsScreen)
        assert app.focused.id == "client-search"
        await pilot.press(*"moreno", "enter")
        await settle(pilot)
        assert isinstance(app.screen, ClientProfileScreen)
        assert "Luis Moreno" in screen_text(app)

        app.screen.query_one("#composer-body").focus()
        await pilot.press("ctrl+o")
        assert isinstance(app.screen, ClientsScreen)
        assert app.focused.id == "client-search"
        await pilot.press("escape")
        assert isinstance(app.screen, ClientProfileScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, ClientsScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, Dashboard)


async def test_new_client_saved_and_opened(client_agency):
    app = ScreenHost(client_agency, ClientsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n")
        assert isinstance(app.screen, ClientFormScreen)
        await pilot.press(*"CR-2001", "tab", *"Ana", "tab", "tab")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Last name is missing: type the last name." in screen_text(app)
        assert len(rows(client_agency.store, Client)) == 2

        await pilot.press(*"Silva", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientProfileScreen)
        assert "Ana Silva  ·  client id CR-2001" in screen_text(app)
        assert [c.last_name for c in rows(client_agency.store, Client) if c.client_id == "CR-2001"] == ["Silva"]


async def test_escape_asks_before_discarding_form(client_agency):
    app = ScreenHost(client_agency, ClientsScreen)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+n", *"CR-3")
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, ClientFormScreen)
        await pilot.press("escape", "y")
        assert isinstance(app.screen, ClientsScreen)
        assert len(rows(client_agency.store, Client)) == 2


async def test_profile_sends_to_reachable_contacts(client_agency):
    app = ScreenHost(client_agency, lambda services: ClientProfileScreen(services, client_pk(services, "CR-1001")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#composer-subject").focus()
        await pilot.press(*"Hearing")
        app.screen.query_one("#composer-body").text = "Hi [ClientFirstName], [EventDate] at [EventTime]."
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, PreviewScreen)
        text = screen_text(app)
        assert "Preview: 2 messages, 1 skipped" in text
        assert "Hi Dana, Tuesday, January 15, 2030 at 9:30 AM." in text
        assert "✗ skipped Dana Whitfield (+12025550143, home): opted out" in text
        assert rows(client_agency.store, Message) == []

        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ClientProfileScreen)
        messages = rows(client_agency.store, Message)
        assert sorted((m.recipient, m.channel) for m in messages) == [("+12025550142", "sms"), ("dana.whitfield@example.org", "email")]
        sms = next(m for m in messages if m.channel == "sms")
        assert sms.subject == "Hearing"
        assert sms.body == "Hi Dana, Tuesday, January 15, 2030 at 9:30 AM."
        assert app.screen.query_one("#profile-scheduled").row_count == 2
        assert app.screen.query_one("#composer-body").text == ""


async def test_unknown_tag_highlighted_and_blocks(client_agency):
    app = ScreenHost(client_agency, lambda services: ClientProfileScreen(services, client_pk(services, "CR-1001")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#composer-body").focus()
        await pilot.press(*"Hi [FirstName]")
        await pilot.pause()
        status = str(app.screen.query_one("#composer-status").render())
        assert "✗ Message: unknown merge tag [FirstName] at line 1, column 4" in status
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "✗ Message: unknown merge tag [FirstName]" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, PreviewScreen)
        assert rows(client_agency.store, Message) == []


async def test_bracket_offers_tags_and_ctrl_t_inserts(client_agency):
    app = ScreenHost(client_agency, lambda services: ClientProfileScreen(services, client_pk(services, "CR-1001")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#composer-body").focus()
        await pilot.press(*"Hello [Cli")
        await pilot.pause()
        hint = str(app.screen.query_one("#composer-hint").render())
        assert "[ClientFirstName] [ClientLastName] [ClientName] [ClientID]" in hint
        await pilot.press("ctrl+t")
        await pilot.press("down", "enter")
        await pilot.pause()
        assert app.screen.query_one("#composer-body").text == "Hello [ClientLastName]"


async def test_create_contact_and_duplicate(client_agency):
    app = ScreenHost(client_agency, lambda services: ClientProfileScreen(services, client_pk(services, "CR-1002")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+n", *"1-202-555-0155", "ctrl+s")
        await settle(pilot)
        assert "1-202-555-0155 is already a contact of Luis Moreno" in screen_text(app)
        app.screen.query_one("#typed").value = "(202) 555-0166"
        app.screen.query_one("#label").value = "attorney"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientProfileScreen)
        assert has_line(screen_text(app), "+12025550166", "attorney", "✓ reachable")
        addresses = [c.address for c in rows(client_agency.store, Contact) if c.client_pk == client_pk(client_agency, "CR-1002")]
        assert addresses == ["+12025550155", "+12025550166"]


async def test_contact_opt_out_with_reason_and_confirmation(client_agency):
    cell = contact_id(client_agency, "CR-1001", "+12025550142")
    app = ScreenHost(client_agency, lambda services: ContactScreen(services, cell))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "State: ✓ reachable" in screen_text(app)
        await pilot.press("ctrl+b", *"called to stop", "ctrl+s")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ContactScreen)
        text = screen_text(app)
        assert "State: ✗ opted out since" in text
        assert has_line(text, "✗ opted out", "admin1", "called to stop")
        with client_agency.store.read() as session:
            contact = session.get(Contact, cell)
        assert contact.opted_out
        assert contact.opted_out_reason == "called to stop"


async def test_contact_screen_sends_to_one_contact(client_agency):
    email = contact_id(client_agency, "CR-1001", "dana.whitfield@example.org")
    app = ScreenHost(client_agency, lambda services: ContactScreen(services, email))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#composer-body").text = "Reminder for [ClientName]"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Preview: 1 message, sending at" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert [(m.recipient, m.body, m.contact_id) for m in rows(client_agency.store, Message)] == [
            ("dana.whitfield@example.org", "Reminder for Dana Whitfield", email),
        ]
        assert app.screen.query_one("#contact-scheduled").row_count == 1


async def test_preview_replaces_smart_punctuation(client_agency):
    app = ScreenHost(client_agency, lambda services: ClientProfileScreen(services, client_pk(services, "CR-1001")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#composer-body").text = "Hello [ClientFirstName], your hearing is Monday – bring the clerk’s form."
        await pilot.press("ctrl+s")
        await settle(pilot)
        text = screen_text(app)
        assert "UCS-2 forced by – (U+2013) ’ (U+2019)" in text
        assert "Smart punctuation – (U+2013), ’ (U+2019) can be replaced" in text
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, PreviewScreen)
        text = screen_text(app)
        assert "GSM-7" in text
        assert "Monday - bring the clerk's form." in text
        await pilot.press("n")
        assert app.screen.query_one("#composer-body").text == "Hello [ClientFirstName], your hearing is Monday - bring the clerk's form."
        assert rows(client_agency.store, Message) == []


async def test_new_event_and_cancel_scheduled_message(client_agency):
    dana = client_pk(client_agency, "CR-1001")
    app = ScreenHost(client_agency, lambda services: ClientProfileScreen(services, dana))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+b", *"2030-03-02", "tab", *"2:15 PM", "tab", "tab", *"2026-CR-9", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ClientProfileScreen)
        assert has_line(screen_text(app), "2030-03-02 14:15 EST", "hearing", "2026-CR-9")
        assert [e.case_number for e in client_agency.events(dana)] == ["2026-CR-4100", "2026-CR-9"]

        app.screen.query_one("#composer-body").text = "Hi"
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        scheduled = app.screen.query_one("#profile-scheduled")
        scheduled.focus()
        await pilot.press("x")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        assert sorted(m.status for m in rows(client_agency.store, Message)) == ["cancelled", "scheduled"]
        assert app.screen.query_one("#profile-scheduled").row_count == 1
        assert app.screen.query_one("#profile-sent").row_count == 1


async def test_escape_with_unsent_message_asks(client_agency):
    app = ScreenHost(client_agency, ClientsScreen)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ClientProfileScreen(client_agency, client_pk(client_agency, "CR-1001")))
        await settle(pilot)
        app.screen.query_one("#composer-body").text = "draft"
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("n")
        assert isinstance(app.screen, ClientProfileScreen)
        assert app.screen.query_one("#composer-body").text == "draft"
        await pilot.press("escape", "y")
        assert isinstance(app.screen, ClientsScreen)
