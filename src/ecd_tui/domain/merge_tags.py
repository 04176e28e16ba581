"""Merge tags: the square-bracket placeholders that personalise a Subject and a Message.

The rule, also shown on the help screen:

- A tag is a tag name in square brackets, one word with no spaces: ``[ClientFirstName]``.
  Case does not matter.
- ``[%label% TagName]`` shows the label and the value only when the tag has a value:
  ``[%Case number:% CaseNumber]`` gives ``Case number: 2026-CR-4100`` or nothing. The
  label is everything between the two percent signs, and the spaces after the second
  percent sign are kept.
- A bracketed word that is not a known tag is an error, and sending is blocked until it
  is fixed. ``\\[`` writes a literal ``[``, so ``\\[sic]`` sends ``[sic]``.
- Brackets around anything else (spaces, digits, punctuation) are plain text.
- A tag without a value for a recipient is dropped, and the preview names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class MergeTag:
    name: str
    group: str  # "client", "event" or "agency"
    description: str


TAGS: tuple[MergeTag, ...] = (
    MergeTag("ClientFirstName", "client", "the client's first name"),
    MergeTag("ClientLastName", "client", "the client's last name"),
    MergeTag("ClientName", "client", "first, middle and last name"),
    MergeTag("ClientID", "client", "the client id from the court's case system"),
    MergeTag("EventDate", "event", "date of the client's next event: Monday, December 14, 2026"),
    MergeTag("EventTime", "event", "time of the client's next event: 9:30 AM"),
    MergeTag("EventLocation", "event", "where the client's next event is"),
    MergeTag("CaseNumber", "event", "case number of the client's next event"),
    MergeTag("AgencyName", "agency", "the agency's name"),
    MergeTag("AgencyPhone", "agency", "the agency's phone number"),
    MergeTag("AgencyEmail", "agency", "the agency's email address"),
)
_BY_KEY = {tag.name.lower(): tag for tag in TAGS}

RULE_SUMMARY = (
    "Write a tag in square brackets, one word, any case: [ClientFirstName]. "
    "[%Case number:% CaseNumber] shows its label only when the value exists. "
    "An unknown bracketed word blocks sending; write \\[ for a literal bracket."
)

# A plain tag [Name], or a conditional label [%label% Name]; a backslash before the
# opening bracket makes it text.
_TAG = re.compile(r"(?<!\\)\[(?:%(?P<label>[^%\]\n]*)%(?P<gap>[ \t]*))?(?P<name>[A-Za-z]+)\]")
# The start of a conditional label that does not complete the form above.
_OPEN_CONDITIONAL = re.compile(r"(?<!\\)\[%")
_ESCAPED_BRACKET = "\\["
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


class MergeTagError(ValueError):
    """A Subject or Message with a tag that cannot be merged.

    Attributes:
        field: "Subject" or "Message".
        start, end: the offending text's position in the field, 0-based, end exclusive.
        tag: the offending text as written.
    """

    def __init__(self, message: str, *, field: str, start: int, end: int, tag: str) -> None:
        super().__init__(message)
        self.field = field
        self.start = start
        self.end = end
        self.tag = tag


@dataclass(frozen=True)
class MergeResult:
    """A merged text and the tags that had no value and were dropped."""

    text: str
    empty_tags: tuple[str, ...]


def find_tag(name: str) -> MergeTag | None:
    return _BY_KEY.get(name.lower())


def check(template: str, field: str = "Message") -> None:
    """Raise MergeTagError for the first unknown tag or malformed conditional label."""
    matched_spans = []
    for match in _TAG.finditer(template):
        matched_spans.append(match.span())
        if find_tag(match.group("name")) is None:
            line, column = _line_and_column(template, match.start())
            raise MergeTagError(
                f"{field}: unknown merge tag {match.group(0)} at line {line}, column {column}. "
                f"Use a tag from the list (press [ to choose one), or write \\[ for a literal bracket.",
                field=field, start=match.start(), end=match.end(), tag=match.group(0),
            )
    for opening in _OPEN_CONDITIONAL.finditer(template):
        if not any(start == opening.start() for start, _end in matched_spans):
            line, column = _line_and_column(template, opening.start())
            closing = template.find("]", opening.start())
            end = closing + 1 if closing != -1 else len(template)
            raise MergeTagError(
                f"{field}: the conditional label at line {line}, column {column} is incomplete. "
                "Write it as [%label% TagName], for example [%Case number:% CaseNumber].",
                field=field, start=opening.start(), end=end, tag=template[opening.start():end],
            )


def tags_used(template: str) -> tuple[str, ...]:
    """Return the canonical names of the known tags in ``template``, in order, once each."""
    names = (find_tag(match.group("name")) for match in _TAG.finditer(template))
    return tuple(dict.fromkeys(tag.name for tag in names if tag is not None))


def merge(template: str, values: dict[str, str | None], field: str = "Message") -> MergeResult:
    """Fill the tags of ``template`` from ``values`` (keyed by tag name).

    A tag whose value is missing or blank is dropped with its conditional label, and a
    space left doubled by the drop is removed. Control characters in a value (an escape
    sequence in an imported name) are removed, so they never reach a phone.

    Raises:
        MergeTagError: for an unknown tag or a malformed conditional label.
    """
    check(template, field)
    lowered = {name.lower(): value for name, value in values.items()}
    pieces: list[str] = []
    empty: list[str] = []
    position = 0
    for match in _TAG.finditer(template):
        pieces.append(_unescape(template[position:match.start()]))
        position = match.end()
        tag = find_tag(match.group("name"))
        value = _CONTROL.sub("", lowered.get(tag.name.lower()) or "").strip()
        if value:
            label = match.group("label")
            prefix = f"{label}{match.group('gap')}" if label is not None else ""
            pieces.append(prefix + value)
            continue
        empty.append(tag.name)
        _drop_doubled_space(pieces, template[position:position + 1])
    pieces.append(_unescape(template[position:]))
    return MergeResult("".join(pieces), tuple(dict.fromkeys(empty)))


def client_values(first: str, middle: str, last: str, client_id: str) -> dict[str, str | None]:
    full_name = " ".join(part for part in (first, middle, last) if part.strip())
    return {"ClientFirstName": first, "ClientLastName": last, "ClientName": full_name, "ClientID": client_id}


def event_values(starts_at: datetime | None, location: str, case_number: str, zone: ZoneInfo) -> dict[str, str | None]:
    if starts_at is None:
        return {"EventDate": None, "EventTime": None, "EventLocation": None, "CaseNumber": None}
    local = starts_at.astimezone(zone)
    return {
        "EventDate": f"{local:%A, %B} {local.day}, {local.year}",
        "EventTime": f"{local.hour % 12 or 12}:{local:%M %p}",
        "EventLocation": location,
        "CaseNumber": case_number,
    }


def agency_values(name: str, phone: str | None, email: str | None) -> dict[str, str | None]:
    return {"AgencyName": name, "AgencyPhone": phone, "AgencyEmail": email}


def _drop_doubled_space(pieces: list[str], next_character: str) -> None:
    if pieces and pieces[-1].endswith(" ") and (next_character == "" or next_character in " ,.;:!?)"):
        pieces[-1] = pieces[-1][:-1]


def _unescape(text: str) -> str:
    return text.replace(_ESCAPED_BRACKET, "[")


def _line_and_column(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column
