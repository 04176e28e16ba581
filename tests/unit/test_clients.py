"""Clients, contacts and events through the services, on a real SQLite file."""


import re

import pytest
from sqlmodel import select

from ecd_tui.domain.client_records import ClientDraft, EventDraft
from ecd_tui.domain.clients import NotFound
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import AuditEntry, User
from ecd_tui.domain.permissions import PermissionDenied
from ecd_tui.domain.record_fields import RecordError
from ecd_tui.domain.recipients import InvalidRecipient
from ecd_tui.services import Services


@pytest.fixture
def people(services):
    dana = services.create_client(ClientDraft(client_id="CR-1001", first_name="Dana", last_name="Whitfield"))
    services.add_contact(dana.id, "(202) 555-0142", "cell")
    services.add_contact(dana.id, "Dana.W@Example.org", "personal")
    services.create_event(dana.id, EventDraft(date="2030-01-15", time="9:30 AM", case_number="2026-CR-4100", location="Room 3B"))
    luis = services.create_client(ClientDraft(client_id="CR-1002", first_name="Luis", middle_name="Ángel", last_name="Moreno"))
    services.add_contact(luis.id, "+1 202 555 0155", "cell")
    percent = services.create_client(ClientDraft(client_id="X_100%", first_name="Pat", last_name="Dana"))
    return dana, luis, percent


@pytest.mark.parametrize(
    ("query", "client_ids", "matched"),
    [
        ("dana", ["X_100%", "CR-1001"], None),
        ("whit", ["CR-1001"], "name"),
        ("Dana Whit", ["CR-1001"], "name"),
        ("cr-1002", ["CR-1002"], "client id CR-1002"),
        ("2026-CR-4100", ["CR-1001"], "case 2026-CR-4100"),
        ("(202) 555-0142", ["CR-1001"], "phone +12025550142"),
        ("1-202-555-0142", ["CR-1001"], "phone +12025550142"),
        ("12025550142", ["CR-1001"], "phone +12025550142"),
        ("+1 202 555 0142", ["CR-1001"], "phone +12025550142"),
        ("555-0155", ["CR-1002"], "phone +12025550155"),
        ("dana.w@example", ["CR-1001"], "email Dana.W@example.org"),
        ("Ángel", ["CR-1002"], "name"),
        ("100%", ["X_100%"], "client id X_100%"),
        ("_", ["X_100%"], None),
        ("%", ["X_100%"], None),
        ("nobody", [], None),
        ("   ", [], None),
    ],
)
def test_search_cases(services, people, query, client_ids, matched):
    results = services.search_clients(query)
    assert [result.client.client_id for result in results] == client_ids
    if matched:
        assert results[0].matched == matched


def test_search_result_lists_contacts_and_next_event(services, people):
    (result,) = services.search_clients("CR-1001")
    assert [c.address for c in result.contacts] == ["+12025550142", "Dana.W@example.org"]
    assert result.next_event.case_number == "2026-CR-4100"


def test_client_id_in_use_rejected(services, people):
    with pytest.raises(RecordError, match="Client id CR-1001 is already used by Dana Whitfield"):
        services.create_client(ClientDraft(client_id="CR-1001", first_name="Other", last_name="Person"))
    luis = people[1]
    with pytest.raises(RecordError, match="already used by Dana Whitfield"):
        services.update_client(luis.id, ClientDraft(client_id="CR-1001", first_name="Luis", last_name="Moreno"))


@pytest.mark.parametrize(
    ("draft", "expected"),
    [
        (ClientDraft(client_id="", first_name="A", last_name="B"), "Client id is missing"),
        (ClientDraft(client_id="C9", first_name=" ", last_name="B"), "First name is missing"),
        (ClientDraft(client_id="C9", first_name="A", last_name="B" * 101), "Last name has 101 characters"),
        (ClientDraft(client_id="C9", first_name="A\x1b[2J", last_name="B"), "contains the control character U+001B"),
        (ClientDraft(client_id="C9", first_name="A", last_name="B", date_of_birth="31/12/1990"), "Date of birth '31/12/1990' is not a date"),
    ],
)
def test_client_fields_checked(services, draft, expected):
    with pytest.raises(RecordError, match=re.escape(expected)):
        services.create_client(draft)
    assert services.search_clients("C9") == []


def test_edit_client_keeps_markup_as_text(services, people):
    dana = people[0]
    edited = services.update_client(dana.id, ClientDraft(client_id="CR-1001", first_name="[bold red]Dana[/]", last_name="Whitfield", date_of_birth="03/04/1990"))
    assert edited.first_name == "[bold red]Dana[/]"
    assert str(edited.date_of_birth) == "1990-03-04"
    assert services.client(dana.id).first_name == "[bold red]Dana[/]"


def test_contact_duplicate_and_invalid_rejected(services, people):
    dana = people[0]
    with pytest.raises(RecordError, match=r"12025550142 is already a contact of Dana Whitfield: \+12025550142 \(cell\)"):
        services.add_contact(dana.id, "12025550142", "work")
    with pytest.raises(InvalidRecipient, match="'555-555-5555' is not a valid phone number"):
        services.add_contact(dana.id, "555-555-5555")
    with pytest.raises(RecordError, match="Line type 'cellular' is not one of"):
        services.add_contact(dana.id, "202-555-0177", "x", "cellular")
    assert len(services.contacts(dana.id)) == 2


def test_same_address_allowed_on_another_client(services, people):
    luis = people[1]
    contact = services.add_contact(luis.id, "(202) 555-0142", "sister")
    assert contact.address == "+12025550142"


def test_opt_out_by_hand_with_history(services, people, store):
    cell = services.contacts(people[0].id)[0]
    with pytest.raises(RecordError, match="Reason is missing"):
        services.set_opted_out(cell.id, True, "  ")
    out = services.set_opted_out(cell.id, True, "asked at the front desk")
    assert out.opted_out
    assert out.opted_out_by == "admin1"
    assert out.opted_out_reason == "asked at the front desk"
    with pytest.raises(RecordError, match="already opted out"):
        services.set_opted_out(cell.id, True, "again")
    back = services.set_opted_out(cell.id, False, "signed consent form")
    assert not back.opted_out
    assert back.opted_out_at is None
    history = services.opt_out_history(cell.id)
    assert [(h.action, h.reason, h.by) for h in history] == [
        ("opt_in", "signed consent form", "admin1"),
        ("opt_out", "asked at the front desk", "admin1"),
    ]
    with store.read() as session:
        actions = session.exec(select(AuditEntry.action).where(AuditEntry.action.like("contact opt%"))).all()
    assert actions == ["contact opt-out", "contact opt-in"]


def test_events_listed_soonest_first_and_edited(services, people):
    dana = people[0]
    later = services.events(dana.id)[0]
    earlier = services.create_event(dana.id, EventDraft(date="2029-06-01", time="14:00", event_type="Trial"))
    assert [e.id for e in services.events(dana.id)] == [earlier.id, later.id]
    edited = services.update_event(earlier.id, EventDraft(date="2031-06-01", time="14:00", event_type="trial", notes="[link=x]bring ID[/link]"))
    assert edited.notes == "[link=x]bring ID[/link]"
    assert [e.id for e in services.events(dana.id)] == [later.id, earlier.id]
    with pytest.raises(RecordError, match="Event time '25:00' is not a time"):
        services.create_event(dana.id, EventDraft(date="2031-06-01", time="25:00"))
    with pytest.raises(RecordError, match="Event type 'party' is not one of"):
        services.create_event(dana.id, EventDraft(date="2031-06-01", time="10:00", event_type="party"))


def test_missing_records_named(services):
    with pytest.raises(NotFound, match="Client 42 was not found"):
        services.client(42)
    with pytest.raises(NotFound, match="Contact 7 was not found"):
        services.contact(7)


def test_viewer_cannot_change_records(services, people, store):
    with store.write() as session:
        session.add(User(login="viewer1", role="viewer", created_at=utcnow()))
    viewer = Services.open(store, "viewer1")
    assert viewer.search_clients("dana")
    with pytest.raises(PermissionDenied, match='lacks the "Create Contacts" permission'):
        viewer.add_contact(people[0].id, "202-555-0177")
    with pytest.raises(PermissionDenied, match='"Create Contacts"'):
        viewer.create_client(ClientDraft(client_id="V1", first_name="A", last_name="B"))
    with pytest.raises(PermissionDenied, match='"Create Contacts"'):
        viewer.set_opted_out(services.contacts(people[0].id)[0].id, True, "x")
    assert len(services.contacts(people[0].id)) == 2


def test_client_messages_split_pending_and_sent(services, people, store):
    from ecd_tui.domain.fanout import SendTarget
    from ecd_tui.domain.models import Message

    dana = people[0]
    result = services.send([SendTarget.for_client(dana.id)], "", "Hi")
    first = result.messages[0]
    with store.write() as session:
        session.get(Message, first.id).status = "sent"
    assert [m.id for m in services.client_messages(dana.id, pending=False)] == [first.id]
    assert [m.id for m in services.client_messages(dana.id, pending=True)] == [result.messages[1].id]
    cell = services.contacts(dana.id)[0]
    assert [m.recipient for m in services.contact_messages(cell.id, pending=False)] == ["+12025550142"]
    assert services.client_messages(people[1].id, pending=True) == []
