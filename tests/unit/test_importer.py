"""CSV import: whole rows or rejected ones, idempotent re-runs, opt-outs kept."""

from pathlib import Path

import pytest
from sqlmodel import select

from ecd_tui.domain.importer import ImportFileError
from ecd_tui.domain.models import Client, Contact, Event, OptOutEvent

GOOD = """client_id,First Name,last_name,phone,phone_label,email,opted_out,case_number,event_date,event_time,event_location
CR-1,Dana,Whitfield,(202) 555-0142,cell,dana@example.org,no,2026-CR-1,2030-01-15,9:30 AM,Room 3B
CR-1,,,202-555-0143,home,,yes,,,,
CR-2,Luis,Moreno,,,luis@example.org,,2026-CR-2,2030-02-01,14:00,Room 4
CR-3,No,Contacts,555-555-5555,,,,,,,
CR-4,,NoFirstName,,,,,,,,
CR-5,Bad,Event,+12025550199,,,,2026-CR-5,2030-13-01,10:00,
CR-6,Bad,OptOut,+12025550198,,,maybe,,,,

CR-7,"Quoted, Name",Line,+12025550197,,,1,,,,
"""


def write(tmp_path: Path, text: str, name: str = "clients.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def counts(store):
    with store.read() as session:
        return tuple(len(session.exec(select(model)).all()) for model in (Client, Contact, Event, OptOutEvent))


def test_import_applies_good_rows_and_rejects_bad_ones(services, store, tmp_path):
    report = services.import_clients(write(tmp_path, GOOD))
    assert [(row.line, row.reason.split(":")[0]) for row in report.rejected] == [
        (5, "'555-555-5555' is not a valid phone number in region US"),
        (6, "First name is missing"),
        (7, "Event date '2030-13-01' is not a date"),
        (8, "opted_out 'maybe' is not yes or no"),
    ]
    assert (report.rows, report.applied, report.unchanged) == (8, 4, 0)
    assert (report.clients_added, report.contacts_added, report.events_added, report.opt_outs) == (3, 5, 2, 2)
    assert counts(store) == (3, 5, 2, 2)

    dana = services.search_clients("CR-1")[0]
    assert [(c.address, c.label, c.opted_out) for c in dana.contacts] == [
        ("+12025550142", "cell", False), ("+12025550143", "home", True), ("dana@example.org", "", False),
    ]
    assert dana.contacts[1].opted_out_reason == "opted out in the previous system (imported)"
    assert dana.next_event.case_number == "2026-CR-1"
    assert services.search_clients("CR-7")[0].client.first_name == "Quoted, Name"


def test_rejected_row_leaves_nothing_behind(services, store, tmp_path):
    text = "client_id,first_name,last_name,phone,event_date,event_time\nCR-9,Ann,Lee,+12025550142,2030-01-01,\n"
    report = services.import_clients(write(tmp_path, text))
    assert [row.reason for row in report.rejected] == ["Event time is missing: write it as HH:MM (24-hour) or 9:30 AM."]
    assert counts(store) == (0, 0, 0, 0)


def test_second_run_adds_nothing(services, store, tmp_path):
    path = write(tmp_path, GOOD)
    services.import_clients(path)
    before = counts(store)
    again = services.import_clients(path)
    assert counts(store) == before
    assert (again.applied, again.unchanged, len(again.rejected)) == (0, 4, 4)
    assert (again.clients_added, again.contacts_added, again.events_added, again.opt_outs) == (0, 0, 0, 0)


def test_opt_out_applied_to_existing_contact_never_reversed(services, store, tmp_path):
    header = "client_id,first_name,last_name,phone,opted_out\n"
    services.import_clients(write(tmp_path, header + "CR-1,Dana,W,+12025550142,no\n", "a.csv"))
    report = services.import_clients(write(tmp_path, header + "CR-1,Dana,W,+12025550142,yes\n", "b.csv"))
    assert report.opt_outs == 1
    services.import_clients(write(tmp_path, header + "CR-1,Dana,W,+12025550142,no\n", "c.csv"))
    (contact,) = services.search_clients("CR-1")[0].contacts
    assert contact.opted_out


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "is empty"),
        ("first_name,last_name\nA,B\n", "has no client_id column"),
        ("client_id,opted_out_flag\nC,1\n", "unknown columns: 'opted_out_flag'"),
        ("client_id,Client ID\nC,D\n", "names these columns twice: client_id"),
    ],
)
def test_bad_file_rejected_whole(services, store, tmp_path, text, expected):
    with pytest.raises(ImportFileError, match=expected):
        services.import_clients(write(tmp_path, text))
    assert counts(store) == (0, 0, 0, 0)


def test_non_utf8_and_missing_file(services, tmp_path):
    path = tmp_path / "latin1.csv"
    path.write_bytes("client_id,first_name,last_name\nC1,Jos\xe9,Ruiz\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match="is not UTF-8 text"):
        services.import_clients(path)
    with pytest.raises(ImportFileError, match="cannot be opened"):
        services.import_clients(tmp_path / "missing.csv")


def test_excel_bom_and_extra_fields(services, tmp_path):
    text = "\ufeffclient_id,first_name,last_name\nC1,Ann,Lee\nC2,Bo,Ek,extra\n"
    report = services.import_clients(write(tmp_path, text))
    assert report.clients_added == 1
    assert [(r.line, r.reason) for r in report.rejected] == [(3, "the row has 4 fields but the header names 3")]
