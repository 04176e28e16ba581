import pytest

from ecd_tui.domain.recipients import InvalidRecipient, parse_recipient


@pytest.mark.parametrize("typed", ["(202) 555-0142", "1-202-555-0142", "12025550142", "+1 202 555 0142", " 202.555.0142 "])
def test_us_phone_forms_give_one_e164(typed):
    recipient = parse_recipient(typed, "US")
    assert recipient.kind == "phone"
    assert recipient.address == "+12025550142"
    assert recipient.channel == "sms"


@pytest.mark.parametrize("typed", ["000-000-0000", "555-555-5555", "911", "12345"])
def test_invalid_phone_rejected_with_value_and_fix(typed):
    with pytest.raises(InvalidRecipient) as raised:
        parse_recipient(typed, "US")
    message = str(raised.value)
    assert typed in message
    assert "area code" in message


def test_phone_extension_kept_apart():
    recipient = parse_recipient("202-555-0142 ext. 12", "US")
    assert recipient.address == "+12025550142"
    assert recipient.extension == "12"


def test_puerto_rico_number_parses_as_plus_one():
    assert parse_recipient("+1 787 555 0100", "US").address == "+17875550100"


def test_other_region_number_needs_country_code():
    assert parse_recipient("020 7946 0958", "GB").address == "+442079460958"
    with pytest.raises(InvalidRecipient):
        parse_recipient("020 7946 0958", "US")


def test_email_normalized_without_dns():
    recipient = parse_recipient("  Client@Example.ORG ", "US")
    assert recipient.kind == "email"
    assert recipient.address == "Client@example.org"
    assert recipient.channel == "email"


@pytest.mark.parametrize("typed", ["client@", "@example.org", "client@@example.org", "client@example"])
def test_invalid_email_rejected(typed):
    with pytest.raises(InvalidRecipient) as raised:
        parse_recipient(typed, "US")
    assert "not a valid email address" in str(raised.value)


def test_empty_input_rejected():
    with pytest.raises(InvalidRecipient, match="Type a phone number"):
        parse_recipient("   ", "US")


def test_words_rejected():
    with pytest.raises(InvalidRecipient, match="not a phone number or an email address"):
        parse_recipient("Dana Whitfield", "US")
