"""Fan-out and the preview: who gets a message, on which channel, with which text."""

from datetime import timedelta

import pytest
from sqlmodel import select

from ecd_tui.domain.client_records import ClientDraft, EventDraft
from ecd_tui.domain.clock import agency_zone, utcnow
from ecd_tui.domain.fanout import SendTarget
from ecd_tui.domain.messages import MessageError, compose_text_body
from ecd_tui.domain.models import AgencySettings, Message
from ecd_tui.domain.recipients import parse_recipient


@pytest.fixture
def dana(services):
    """A client with two phones, an email and a hearing next week."""
    client = services.create_client(ClientDraft(client_id="CR-1001", first_name="Dana", last_name="Whitfield"))
    services.add_contact(client.id, "(202) 555-0142", "cell", "mobile")
    services.add_contact(client.id, "202-555-0143", "home")
    services.add_contact(client.id, "dana@example.org", "personal")
    when = (utcnow() + timedelta(days=7)).astimezone(agency_zone(services.agency().time_zone))
    services.create_event(client.id, EventDraft(date=f"{when:%Y-%m-%d}", time="09:30", location="Courtroom 3B", case_number="2026-CR-4100"))
    return client


def contact_by_address(services, client, address):
    return next(contact for contact in services.contacts(client.id) if contact.address == address)


def test_client_with_two_phones_and_email_gets_three(services, dana):
    result = services.send([SendTarget.for_client(dana.id)], "Hearing", "Hello [ClientFirstName]")
    assert sorted((m.recipient, m.channel) for m in result.messages) == [
        ("+12025550142", "sms"), ("+12025550143", "sms"), ("dana@example.org", "email"),
    ]
    assert result.skipped == []


@pytest.mark.parametrize(
    ("change", "expected_channels", "skipped_reason"),
    [
        ("opt_out", [("+12025550142", "sms"), ("dana@example.org", "email")], "opted out"),
        ("invalid", [("+12025550142", "sms"), ("dana@example.org", "email")], "invalid"),
        ("landline", [("+12025550142", "sms"), ("+12025550143", "voice"), ("dana@example.org", "email")], None),
    ],
)
def test_fan_out_cases(services, dana, change, expected_channels, skipped_reason):
    home = contact_by_address(services, dana, "+12025550143")
    if change == "opt_out":
        services.set_opted_out(home.id, True, "asked by phone")
    elif change == "invalid":
        services.update_contact(home.id, label="home", line_type="unknown", valid=False)
    else:
        services.update_contact(home.id, label="home", line_type="landline", valid=True)

    preview = services.preview([SendTarget.for_client(dana.id)], "Hearing", "See you [EventDate].")
    result = services.send([SendTarget.for_client(dana.id)], "Hearing", "See you [EventDate].")

    assert sorted((m.recipient, m.channel) for m in result.messages) == expected_channels
    assert sorted((e.address, e.channel) for e in preview.entries) == expected_channels
    if skipped_reason:
        assert [s.address for s in preview.skipped] == ["+12025550143"]
        assert preview.skipped[0].reason.startswith(skipped_reason)
        assert "Dana Whitfield" in preview.skipped[0].name
    else:
        assert preview.skipped == []


def test_voice_choice_makes_every_phone_a_call(services, dana):
    result = services.send([SendTarget.for_client(dana.id)], "Hearing", "Hi", voice=True)
    assert sorted(m.channel for m in result.messages) == ["email", "voice", "voice"]


def test_client_without_contacts_creates_nothing_and_says_why(services, store):
    client = services.create_client(ClientDraft(client_id="CR-2", first_name="Lee", last_name="Park"))
    preview = services.preview([SendTarget.for_client(client.id)], "", "Hi")
    assert not preview.can_send
    assert "Lee Park (has no contacts" in preview.problems[-1]
    with pytest.raises(MessageError, match="Nothing was queued: no recipient can receive it"):
        services.send([SendTarget.for_client(client.id)], "", "Hi")
    with store.read() as session:
        assert session.exec(select(Message)).all() == []


def test_every_contact_opted_out_creates_nothing(services, dana):
    for contact in services.contacts(dana.id):
        services.set_opted_out(contact.id, True, "moved away")
    with pytest.raises(MessageError, match=r"\+12025550142 \(opted out"):
        services.send([SendTarget.for_client(dana.id)], "", "Hi")
    assert services.all_messages() == []


def test_stored_text_equals_preview_and_subject_leads_text(services, dana, store):
    subject, body = "Hearing [%for% ClientID]", "Hi [ClientFirstName], [EventDate] at [EventTime], [EventLocation]. [%Case:% CaseNumber]"
    preview = services.preview([SendTarget.for_client(dana.id)], subject, body)
    result = services.send([SendTarget.for_client(dana.id)], subject, body, expected_fingerprint=preview.fingerprint)

    by_address = {entry.address: entry for entry in preview.entries}
    with store.read() as session:
        rows = session.exec(select(Message)).all()
    assert len(rows) == 3
    for row in rows:
        entry = by_address[row.recipient]
        assert row.body == entry.body
        expected = compose_text_body(row.subject, row.body) if row.channel == "sms" else row.body
        assert expected == entry.text
        assert row.subject == entry.subject == "Hearing for CR-1001"
        assert row.client_pk == dana.id
        assert row.contact_id == entry.contact_id
    text = by_address["+12025550142"].text
    assert text.startswith("Hearing for CR-1001\nHi Dana, ")
    assert text.endswith("at 9:30 AM, Courtroom 3B. Case: 2026-CR-4100")
    assert by_address["dana@example.org"].text.startswith("Hi Dana, ")
    assert len({m.id for m in result.messages}) == 3


def test_changed_recipients_since_preview_block_send(services, dana):
    preview = services.preview([SendTarget.for_client(dana.id)], "", "Hi")
    services.set_opted_out(contact_by_address(services, dana, "+12025550142").id, True, "asked")
    with pytest.raises(MessageError, match="changed since the preview"):
        services.send([SendTarget.for_client(dana.id)], "", "Hi", expected_fingerprint=preview.fingerprint)
    assert services.all_messages() == []


def test_event_tags_take_next_upcoming_event(services, dana):
    zone = agency_zone(services.agency().time_zone)
    past = (utcnow() - timedelta(days=2)).astimezone(zone)
    soon = (utcnow() + timedelta(days=2)).astimezone(zone)
    services.create_event(dana.id, EventDraft(date=f"{past:%Y-%m-%d}", time="10:00", case_number="OLD-1"))
    services.create_event(dana.id, EventDraft(date=f"{soon:%Y-%m-%d}", time="11:00", case_number="SOON-2"))
    preview = services.preview([SendTarget.for_client(dana.id)], "", "[CaseNumber]")
    assert {entry.text for entry in preview.entries} == {"SOON-2"}


def test_typed_in_recipient_gets_agency_tags_only(services, dana):
    recipient = parse_recipient("+12025550142", "US")
    preview = services.preview([SendTarget.typed(recipient)], "", "Hi [ClientFirstName], call [AgencyName].")
    (entry,) = preview.entries
    assert entry.text == "Hi, call Agency."
    assert entry.empty_tags == ("ClientFirstName",)
    assert "do not fill for a typed-in number" in entry.warnings[0]


def test_unknown_tag_blocks_preview_and_send(services, dana):
    preview = services.preview([SendTarget.for_client(dana.id)], "", "Hi [FirstName]")
    assert not preview.can_send
    assert preview.tag_error.tag == "[FirstName]"
    assert preview.entries == []
    with pytest.raises(MessageError, match=r"unknown merge tag \[FirstName\]"):
        services.send([SendTarget.for_client(dana.id)], "", "Hi [FirstName]")


def test_f14_curly_quote_preview(services, dana):
    body = "Hello [ClientFirstName], your hearing is Monday – bring the clerk’s form.".ljust(150, ".")
    preview = services.preview([SendTarget.for_contact(contact_by_address(services, dana, "+12025550142").id)], "", body)
    (entry,) = preview.entries
    assert entry.encoding == "UCS-2"
    assert entry.ucs2_characters == ("–", "’")
    assert entry.segments == 3
    assert any("UCS-2 because of – (U+2013), ’ (U+2019)" in warning for warning in entry.warnings)
    assert preview.smart_punctuation == ("–", "’")


def test_text_over_limit_after_merge_refused(services, dana):
    body = "x" * 1590 + " [ClientName]"
    preview = services.preview([SendTarget.for_client(dana.id)], "", body)
    assert any("The text has 1605 characters" in problem and "Dana Whitfield" in problem for problem in preview.problems)
    assert services.check_draft("", body) == []
    assert [p.field for p in services.check_draft("", "x" * 1601)] == ["Message"]
    assert [p.field for p in services.check_draft("s" * 256, "x")] == ["Subject"]


def test_email_only_client_allows_long_body(services):
    client = services.create_client(ClientDraft(client_id="CR-3", first_name="Tom", last_name="Okafor"))
    services.add_contact(client.id, "tom@example.net")
    result = services.send([SendTarget.for_client(client.id)], "", "x" * 3000)
    assert [m.channel for m in result.messages] == ["email"]


def test_quiet_hours_warned(services, dana, store):
    with store.write() as session:
        settings = session.get(AgencySettings, 1)
        settings.quiet_hours_start, settings.quiet_hours_end = "00:00", "23:59"
    preview = services.preview([SendTarget.for_client(dana.id)], "", "Hi")
    assert all(any("quiet hours (00:00 to 23:59)" in w for w in entry.warnings) for entry in preview.entries)


def test_viewer_cannot_send_to_client(services, dana, store):
    from ecd_tui.domain.models import User
    from ecd_tui.domain.permissions import PermissionDenied
    from ecd_tui.domain.sending_numbers import SANDBOX_NUMBER
    from ecd_tui.services import Services

    with store.write() as session:
        session.add(User(login="viewer1", role="viewer", created_at=utcnow()))
    viewer = Services.open(store, "viewer1", fallback_number=SANDBOX_NUMBER)
    assert viewer.preview([SendTarget.for_client(dana.id)], "", "Hi").can_send
    with pytest.raises(PermissionDenied, match='"Create Messages"'):
        viewer.send([SendTarget.for_client(dana.id)], "", "Hi")
