"""Merge tags: the rule, the conditional label, unknown and empty tags."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from ecd_tui.domain import merge_tags
from ecd_tui.domain.merge_tags import MergeTagError, merge

VALUES = {
    **merge_tags.client_values("Dana", "", "Whitfield", "CR-1001"),
    **merge_tags.event_values(datetime(2026, 12, 14, 14, 30, tzinfo=UTC), "Courtroom 3B", "2026-CR-4100", ZoneInfo("America/New_York")),
    **merge_tags.agency_values("Demo County Pretrial", "+12025550100", None),
}
NO_EVENT = {**VALUES, **merge_tags.event_values(None, "", "", ZoneInfo("UTC"))}
TYPED_IN = {**dict.fromkeys(["ClientFirstName", "ClientLastName", "ClientName", "ClientID", "EventDate", "EventTime", "EventLocation", "CaseNumber"]), **merge_tags.agency_values("Demo County Pretrial", "+12025550100", None)}


@pytest.mark.parametrize(
    ("template", "values", "text", "empty"),
    [
        ("Hello [ClientFirstName].", VALUES, "Hello Dana.", ()),
        ("[clientname] [CLIENTID]", VALUES, "Dana Whitfield CR-1001", ()),
        ("On [EventDate] at [EventTime], [EventLocation].", VALUES, "On Monday, December 14, 2026 at 9:30 AM, Courtroom 3B.", ()),
        ("Call [AgencyName] at [AgencyPhone].", VALUES, "Call Demo County Pretrial at +12025550100.", ()),
        ("Write to [AgencyEmail] today", VALUES, "Write to today", ("AgencyEmail",)),
        ("Bring this. [%Case number:% CaseNumber]", VALUES, "Bring this. Case number: 2026-CR-4100", ()),
        ("Bring this. [%Case number:% CaseNumber]", NO_EVENT, "Bring this.", ("CaseNumber",)),
        ("[%Case %CaseNumber]!", VALUES, "Case 2026-CR-4100!", ()),
        ("Hello [ClientFirstName], from [AgencyName].", TYPED_IN, "Hello, from Demo County Pretrial.", ("ClientFirstName",)),
        ("Hi [ClientFirstName] [ClientLastName]", TYPED_IN, "Hi", ("ClientFirstName", "ClientLastName")),
        ("See \\[sic] and [two words] and [3] and []", VALUES, "See [sic] and [two words] and [3] and []", ()),
        ("No tags at all.", VALUES, "No tags at all.", ()),
        ("Dana [ClientLastName]\nline two", VALUES, "Dana Whitfield\nline two", ()),
    ],
)
def test_merge_cases(template, values, text, empty):
    result = merge(template, values)
    assert result.text == text
    assert result.empty_tags == empty


@pytest.mark.parametrize(
    ("template", "tag", "start", "where"),
    [
        ("Hello [FirstName].", "[FirstName]", 6, "line 1, column 7"),
        ("ok\n  [sic] here", "[sic]", 5, "line 2, column 3"),
        ("[%Court:% Courtroom]", "[%Court:% Courtroom]", 0, "line 1, column 1"),
    ],
)
def test_unknown_tag_blocks_with_position(template, tag, start, where):
    with pytest.raises(MergeTagError) as raised:
        merge(template, VALUES, "Message")
    assert raised.value.tag == tag
    assert raised.value.start == start
    assert raised.value.end == start + len(tag)
    assert raised.value.field == "Message"
    assert f"unknown merge tag {tag} at {where}" in str(raised.value)


def test_incomplete_conditional_label_blocks():
    with pytest.raises(MergeTagError, match=r"conditional label at line 1, column 5 is incomplete"):
        merge("Bye [%Case number: CaseNumber]", VALUES, "Subject")


def test_control_characters_removed_from_values():
    values = {**VALUES, "ClientFirstName": "\x1b]0;x\x07Dana\x1b[2J"}
    assert merge("Hi [ClientFirstName]!", values).text == "Hi ]0;xDana[2J!"


def test_tags_used_in_order_once():
    assert merge_tags.tags_used("[AgencyName] [clientfirstname] [AgencyName] [Nope]") == ("AgencyName", "ClientFirstName")


def test_every_product_tag_listed():
    names = {tag.name for tag in merge_tags.TAGS}
    assert names == {
        "ClientFirstName", "ClientLastName", "ClientName", "ClientID",
        "EventDate", "EventTime", "EventLocation", "CaseNumber",
        "AgencyName", "AgencyPhone", "AgencyEmail",
    }
