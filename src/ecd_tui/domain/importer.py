"""Import clients with their contacts and events from a CSV file.

Columns are found by header name (case and spaces do not matter; ``First Name`` is
``first_name``). A file with a column not listed here is rejected as a whole, so a
misspelled ``opted_out`` cannot be ignored silently.

- ``client_id`` (required): the court case system's id. Rows with the same id add
  contacts and events to one client.
- ``first_name``, ``last_name`` (required for a new client), ``middle_name``,
  ``date_of_birth`` (YYYY-MM-DD or MM/DD/YYYY), ``preferred_language``, ``notes``.
  The details of a client that exists already are kept as they are.
- ``phone``, ``phone_label``, ``phone_line_type`` (mobile, landline or unknown);
  ``email``, ``email_label``.
- ``opted_out``: yes/no (also true/false, 1/0, y/n); applies to the phone and the email
  of its row. An opt-out is applied to a contact that exists already; a "no" never opts
  a contact back in.
- ``case_number``, ``event_date``, ``event_time`` (HH:MM or 9:30 AM, agency time zone),
  ``event_location``, ``event_type``, ``event_notes``. An event needs a date and a time.

Each row is applied whole in its own transaction, or rejected with its line number and
the reason. A contact (same client and address) or an event (same client, time, case
number and location) that exists already is not added again, so running a file twice
adds nothing the second time.
"""

from __future__ import annotations

import csv
import logging
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, select

from ecd_tui.domain import record_fields as fields
from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.client_records import ClientDraft, EventDraft
from ecd_tui.domain.clients import client_draft_values, client_name, event_values, new_contact, record_opt_change
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import AuditEntry, Client, Contact, Event
from ecd_tui.domain.permissions import Permission
from ecd_tui.domain.record_fields import RecordError
from ecd_tui.domain.recipients import InvalidRecipient, parse_recipient
from ecd_tui.domain.records import Actor
from ecd_tui.domain.store import Store
from ecd_tui.domain.users import require

log = logging.getLogger(__name__)

COLUMNS = (
    "client_id", "first_name", "middle_name", "last_name", "date_of_birth", "preferred_language", "notes",
    "phone", "phone_label", "phone_line_type", "email", "email_label", "opted_out",
    "case_number", "event_date", "event_time", "event_location", "event_type", "event_notes",
)
_EVENT_COLUMNS = ("case_number", "event_date", "event_time", "event_location", "event_type", "event_notes")
_YES = {"yes", "y", "true", "1", "x"}
_NO = {"no", "n", "false", "0", ""}
IMPORTED_OPT_OUT_REASON = "opted out in the previous system (imported)"


class ImportFileError(ValueError):
    """A file that cannot be imported at all: missing, not UTF-8, or with unknown columns."""


@dataclass(frozen=True)
class RejectedRow:
    line: int
    reason: str


@dataclass
class ImportReport:
    """The counts of one import; a row whose contents are all in the database already is unchanged."""

    rows: int = 0
    applied: int = 0
    unchanged: int = 0
    clients_added: int = 0
    contacts_added: int = 0
    events_added: int = 0
    opt_outs: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.rows} rows: {self.applied} applied, {self.unchanged} already present, {len(self.rejected)} rejected. "
            f"Added {self.clients_added} clients, {self.contacts_added} contacts, {self.events_added} events; "
            f"{self.opt_outs} opt-outs recorded."
        )


def import_csv(store: Store, actor: Actor, path: Path) -> ImportReport:
    """Apply every row of the CSV file at ``path``; see the module docstring for the columns.

    Raises:
        PermissionDenied: without Create Contacts.
        ImportFileError: the file cannot be read, or its header is wrong.
    """
    require(actor, Permission.CREATE_CONTACTS, "import clients")
    report = ImportReport()
    for line, row in _read_rows(path):
        report.rows += 1
        try:
            with store.write() as session:
                changes = _apply_row(session, actor, row)
        except (RecordError, InvalidRecipient) as error:
            report.rejected.append(RejectedRow(line, str(error)))
            log.warning("Import of %s: line %s rejected: %s", path.name, line, error)
            continue
        if any(changes.values()):
            report.applied += 1
        else:
            report.unchanged += 1
        report.clients_added += changes["clients"]
        report.contacts_added += changes["contacts"]
        report.events_added += changes["events"]
        report.opt_outs += changes["opt_outs"]
    log.info("Import of %s by %s: %s", path.name, actor.login, report.summary())
    return report


def _read_rows(path: Path):
    """Yield (line number, row dict with normalized keys) for each non-blank row."""
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as error:
        raise ImportFileError(f"{path} cannot be opened: {error.strerror}.") from None
    with handle:
        reader = csv.reader(handle)
        try:
            header = next(reader, None)
            if header is None:
                raise ImportFileError(f"{path} is empty: the first line must name the columns, starting with client_id.")
            keys = _check_header(path, header)
            previous_end = reader.line_num
            for values in reader:
                line = previous_end + 1
                previous_end = reader.line_num
                if not any(value.strip() for value in values):
                    continue
                if len(values) > len(keys):
                    yield line, {"__error__": f"the row has {len(values)} fields but the header names {len(keys)}"}
                    continue
                yield line, {key: value for key, value in zip(keys, values)}
        except UnicodeDecodeError:
            raise ImportFileError(f"{path} is not UTF-8 text: save it as \"CSV UTF-8\" and import again.") from None
        except csv.Error as error:
            raise ImportFileError(f"{path} line {reader.line_num} is not valid CSV: {error}.") from None


def _check_header(path: Path, header: list[str]) -> list[str]:
    keys = ["_".join(name.strip().lower().split()) for name in header]
    unknown = [name for name, key in zip(header, keys) if key not in COLUMNS]
    if unknown:
        raise ImportFileError(
            f"{path} has unknown columns: {', '.join(repr(name) for name in unknown)}. "
            f"Rename or remove them; the known columns are: {', '.join(COLUMNS)}."
        )
    repeated = sorted({key for key in keys if keys.count(key) > 1})
    if repeated:
        raise ImportFileError(f"{path} names these columns twice: {', '.join(repeated)}. Keep one of each.")
    if "client_id" not in keys:
        raise ImportFileError(f"{path} has no client_id column: every row needs the court's client id.")
    return keys


def _apply_row(session: Session, actor: Actor, row: dict[str, str]) -> dict[str, int]:
    if "__error__" in row:
        raise RecordError(row["__error__"])
    changes = {"clients": 0, "contacts": 0, "events": 0, "opt_outs": 0}
    value = lambda key: (row.get(key) or "").strip()  # noqa: E731
    opted_out = _yes_no(value("opted_out"))
    client_id = fields.single_line("Client id", value("client_id"), fields.MAX_CLIENT_ID_LENGTH, required=True)

    client = session.exec(select(Client).where(Client.client_id == client_id)).first()
    if client is None:
        draft = ClientDraft(
            client_id=client_id, first_name=value("first_name"), last_name=value("last_name"),
            middle_name=value("middle_name"), date_of_birth=value("date_of_birth"),
            preferred_language=value("preferred_language") or "en", notes=value("notes"),
        )
        client = Client(**client_draft_values(draft), created_at=utcnow())
        session.add(client)
        session.flush()
        changes["clients"] += 1

    region = load_settings_row(session).default_region
    for kind in ("phone", "email"):
        typed = value(kind)
        if not typed:
            continue
        recipient = parse_recipient(typed, region)
        if recipient.kind != kind:
            raise RecordError(f"{kind} {typed!r} is not a {'phone number' if kind == 'phone' else 'email address'}.")
        contact = session.exec(select(Contact).where(Contact.client_pk == client.id, Contact.address == recipient.address)).first()
        if contact is None:
            line_type = value("phone_line_type") if kind == "phone" else ""
            contact = new_contact(session, client, recipient, value(f"{kind}_label"), line_type, typed)
            changes["contacts"] += 1
        if opted_out and not contact.opted_out:
            record_opt_change(session, contact, True, reason=IMPORTED_OPT_OUT_REASON, by_login=actor.login, keyword=None)
            changes["opt_outs"] += 1

    if any(value(key) for key in _EVENT_COLUMNS):
        draft = EventDraft(
            date=value("event_date"), time=value("event_time"), location=value("event_location"),
            case_number=value("case_number"), event_type=value("event_type") or "hearing", notes=value("event_notes"),
        )
        values = event_values(session, draft)
        existing = session.exec(select(Event).where(
            Event.client_pk == client.id, Event.starts_at == values["starts_at"],
            Event.case_number == values["case_number"], Event.location == values["location"],
        )).first()
        if existing is None:
            session.add(Event(client_pk=client.id, **values))
            changes["events"] += 1

    if any(changes.values()):
        detail = ", ".join(f"{count} {name}" for name, count in changes.items() if count)
        session.add(AuditEntry(at=utcnow(), login=actor.login, action="client imported", target=f"client {client.client_id}", detail=f"{client_name(client)}: {detail}"))
    return changes


def _yes_no(text: str) -> bool:
    lowered = text.lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False
    raise RecordError(f"opted_out {text!r} is not yes or no: write yes, no, true, false, 1 or 0.")
