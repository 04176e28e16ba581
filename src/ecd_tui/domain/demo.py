"""A fictional agency with a few clients, for training and for trying the app."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clients import record_opt_change
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import AgencyPhone, Client, Contact, Event, User
from ecd_tui.domain.store import Store

# Every name, number and address is invented; 555-01xx numbers are reserved for fiction.
# Dana Whitfield's home phone replied STOP, so a send to her shows one skipped contact.
DEMO_OPTED_OUT = {"+12025550143"}
DEMO_CLIENTS = [
    ("CR-1001", "Dana", "Whitfield", [("phone", "+12025550142", "cell"), ("phone", "+12025550143", "home"), ("email", "dana.whitfield@example.org", "personal")]),
    ("CR-1002", "Luis", "Moreno", [("phone", "+12025550155", "cell"), ("email", "luis.moreno@example.org", "work")]),
    ("CR-1003", "Priya", "Raman", [("phone", "+12025550168", "cell")]),
    ("CR-1004", "Tom", "O'Keefe", [("email", "tom.okeefe@example.net", "personal")]),
]


def seed_demo(store: Store, login: str) -> bool:
    """Fill an empty database with the demo agency; return False when it has data already."""
    with store.write() as session:
        if session.exec(select(Client.id)).first() is not None:
            return False
        now = utcnow()
        settings = load_settings_row(session)
        settings.name = "Demo County Pretrial Services"
        settings.phone = "+12025550100"
        settings.email = "pretrial@example.gov"
        settings.email_sender = "reminders@example.gov"
        settings.updated_at = now
        settings.updated_by = login
        session.add(AgencyPhone(e164="+12025550100", label="Main line", can_sms=True, can_mms=True, can_voice=True, created_at=now))
        if session.exec(select(User).where(User.login == login)).first() is None:
            session.add(User(login=login, role="administrator", created_at=now, created_by="demo"))

        for index, (client_id, first, last, contacts) in enumerate(DEMO_CLIENTS):
            client = Client(client_id=client_id, first_name=first, last_name=last, created_at=now)
            session.add(client)
            session.flush()
            for channel, address, label in contacts:
                line_type = "mobile" if label == "cell" else "unknown"
                contact = Contact(client_pk=client.id, channel=channel, address=address, label=label, line_type=line_type, created_at=now)
                session.add(contact)
                if address in DEMO_OPTED_OUT:
                    session.flush()
                    record_opt_change(session, contact, True, reason="replied STOP", by_login=None, keyword="STOP")
            session.add(Event(
                client_pk=client.id,
                starts_at=now + timedelta(days=7 + index, hours=2),
                location="Courtroom 3B, 500 Main Street",
                case_number=f"2026-CR-{4100 + index}",
                event_type="hearing",
            ))
    return True
