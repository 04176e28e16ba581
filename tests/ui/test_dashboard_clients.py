"""The Dashboard's To field finds clients; a client is one entry that expands to its contacts."""

from __future__ import annotations

import io

from rich.console import Console
from sqlmodel import select

from ecd_tui.app import EcdApp
from ecd_tui.config import load_config
from ecd_tui.domain.models import Message
from ecd_tui.screens.client_picker import ClientPickerScreen
from ecd_tui.screens.merge_tag_picker import MergeTagPicker
from ecd_tui.screens.preview import PreviewScreen
from tests.ui.helpers import screen_text, wait_until
from tests.ui.test_client_screens import SIZE, has_line


def build_app(services, tmp_path) -> EcdApp:
    return EcdApp(services, load_config(database=services.store.path), log_path=tmp_path / "ecd-tui.log")


def rendered(renderable) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def messages(services):
    with services.store.read() as session:
        return session.exec(select(Message)).all()


async def test_client_entry_lists_contacts_and_sends(client_agency, tmp_path):
    app = build_app(client_agency, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"whitfield", "enter")
        await wait_until(pilot, lambda: "Dana Whitfield (client CR-1001)" in screen_text(app), timeout=5, waiting_for="the client entry shows")
        text = screen_text(app)
        assert has_line(text, "→ +12025550142 cell", "(text)")
        assert has_line(text, "✗ +12025550143 home: skipped, opted out")
        assert has_line(text, "→ dana.whitfield@example.org personal", "(email)")
        assert app.screen.query_one("#recipient-input").value == ""

        await pilot.press(*"(202) 555-0199", "enter")
        listed = app.screen.query_one("#recipients")
        await wait_until(pilot, lambda: [r.address for r in listed.recipients] == ["+12025550199"], timeout=5, waiting_for="the typed phone is listed")
        assert len(listed.targets) == 2
        app.screen.query_one("#subject").value = "Hearing"
        app.screen.query_one("#body").text = "Hi [ClientFirstName], call [AgencyName]."
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: isinstance(app.screen, PreviewScreen), timeout=5, waiting_for="the preview opens")
        text = screen_text(app)
        assert "Preview: 3 messages, 1 skipped" in text
        assert "Hi Dana, call Test County Pretrial." in text
        assert "Hi, call Test County Pretrial." in text
        typed_in = next(entry for entry in app.screen.preview.entries if entry.address == "+12025550199")
        assert "do not fill for a typed-in number" in typed_in.warnings[0]
        assert messages(client_agency) == []

        await pilot.press("y")
        await wait_until(pilot, lambda: "Scheduled Messages: 3" in screen_text(app), timeout=5, waiting_for="three messages are scheduled")
    stored = sorted((m.recipient, m.channel, m.body) for m in messages(client_agency))
    assert stored == [
        ("+12025550142", "sms", "Hi Dana, call Test County Pretrial."),
        ("+12025550199", "sms", "Hi, call Test County Pretrial."),
        ("dana.whitfield@example.org", "email", "Hi Dana, call Test County Pretrial."),
    ]


async def test_several_matches_offer_a_choice(client_agency, tmp_path):
    app = build_app(client_agency, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"CR-100", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ClientPickerScreen), timeout=5, waiting_for="the choice opens")
        assert "2 clients match 'CR-100'" in screen_text(app)
        await pilot.press("down", "enter")
        await wait_until(pilot, lambda: "Dana Whitfield (client CR-1001)" in screen_text(app), timeout=5, waiting_for="the chosen client shows")
        assert "Luis Moreno (client" not in screen_text(app)


async def test_no_match_names_both_failures(client_agency, tmp_path):
    app = build_app(client_agency, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"nobody", "enter")
        await wait_until(pilot, lambda: "No client matches it either" in screen_text(app), timeout=5, waiting_for="the error shows")
        assert app.screen.query_one("#recipient-input").value == "nobody"


async def test_dashboard_offers_tags_and_blocks_unknown(client_agency, tmp_path):
    app = build_app(client_agency, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"moreno", "enter")
        await wait_until(pilot, lambda: "Luis Moreno (client CR-1002)" in screen_text(app), timeout=5, waiting_for="the client shows")
        app.screen.query_one("#body").focus()
        await pilot.press(*"Hi [Ev")
        await pilot.pause()
        assert "Tags: [EventDate] [EventTime] [EventLocation]  (F9: pick a tag)" in str(app.screen.query_one("#tag-hint").render())
        await pilot.press("f9")
        assert isinstance(app.screen, MergeTagPicker)
        await pilot.pause()
        assert "[ClientFirstName]" in screen_text(app)
        assert "[EventDate]" in screen_text(app)
        await pilot.press("down", "down", "down", "down", "enter")
        await pilot.pause()
        assert app.screen.query_one("#body").text == "Hi [EventDate]"

        app.screen.query_one("#body").text = "Hi [Nope]"
        await pilot.pause()
        assert "✗ Message: unknown merge tag [Nope]" in str(app.screen.query_one("#tag-hint").render())
        app.screen.query_one("#subject").value = "s" * 256
        await pilot.pause()
        assert "The subject has 256 characters" in str(app.screen.query_one("#tag-hint").render())
        app.screen.query_one("#subject").value = ""
        await pilot.press("ctrl+s")
        await wait_until(pilot, lambda: "unknown merge tag [Nope] at line 1, column 4" in screen_text(app), timeout=5, waiting_for="the unknown tag is named")
    assert messages(client_agency) == []


async def test_help_lists_client_keys_and_tags(client_agency, tmp_path):
    from ecd_tui.screens.help import HelpScreen

    app = build_app(client_agency, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen), timeout=5, waiting_for="help opens")
        keys = rendered(app.screen._keys_table())
        tags = rendered(app.screen.query_one("#help-merge-tags").visual)
    for expected in ("Find a client", "F7 / ctrl+o", "Create Contact", "Opt out / in", "Replace smart punctuation"):
        assert expected in keys
    for expected in ("[ClientFirstName]", "[CaseNumber]", "[AgencyEmail]", "[%Case number:% CaseNumber]"):
        assert expected in tags
