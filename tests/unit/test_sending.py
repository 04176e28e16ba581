"""Channel choice and the agency numbers that texts, picture messages and calls need."""

from __future__ import annotations

import pytest

from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.messages import MessageError
from ecd_tui.domain.models import AgencyPhone
from ecd_tui.domain.opt_outs import reply_keyword
from ecd_tui.domain.recipients import parse_recipient
from ecd_tui.domain.sending_numbers import choose_channel, sending_number
from ecd_tui.services import Services

PHONE = parse_recipient("(202) 555-0142", "US")
EMAIL = parse_recipient("client@example.org", "US")


@pytest.mark.parametrize(
    ("recipient_channel", "voice", "files", "expected"),
    [
        ("sms", False, False, "sms"),
        ("sms", False, True, "mms"),
        ("sms", True, False, "voice"),
        ("voice", False, False, "voice"),  # a known landline
        ("email", True, True, "email"),
    ],
)
def test_choose_channel(recipient_channel, voice, files, expected):
    assert choose_channel(recipient_channel, voice=voice, has_files=files) == expected


def test_live_send_without_number_refused_with_fix(store):
    live = Services.open(store, "admin1")
    with pytest.raises(MessageError, match="No active agency phone number can send texts: .* under Admin, Agency Phones"):
        live.queue([PHONE], "", "Hello")
    assert live.queue([EMAIL], "", "Hello").messages[0].channel == "email"


def test_number_needs_capability_and_active(store):
    live = Services.open(store, "admin1")
    with store.write() as session:
        session.add(AgencyPhone(e164="+12025550100", can_sms=True, can_voice=False, created_at=utcnow()))
        session.add(AgencyPhone(e164="+12025550101", can_sms=True, can_voice=True, active=False, created_at=utcnow()))
    assert live.queue([PHONE], "", "Hello").messages[0].channel == "sms"
    with pytest.raises(MessageError, match="can send voice calls"):
        live.queue([PHONE], "", "Hello", voice=True)

    with store.write() as session:
        session.get(AgencyPhone, 2).active = True
    assert live.queue([PHONE], "", "Hello", voice=True).messages[0].channel == "voice"
    with store.read() as session:
        assert sending_number(session, "voice") == "+12025550101"
        assert sending_number(session, "sms") == "+12025550100"


def test_sandbox_number_counts_in_training(services):
    queued = services.queue([PHONE], "", "Hello", voice=True)
    assert queued.messages[0].channel == "voice"


@pytest.mark.parametrize(
    ("body", "keyword"),
    [
        ("STOP", "STOP"), ("  stop \n", "STOP"), ("Unsubscribe", "UNSUBSCRIBE"), ("optout", "OPTOUT"),
        ("stopall", "STOPALL"), ("revoke", "REVOKE"), ("start", "START"), ("Yes", "YES"), ("help", "HELP"),
        ("please stop", None), ("STOP!", None), ("", None),
    ],
)
def test_reply_keyword(body, keyword):
    assert reply_keyword(body) == keyword
