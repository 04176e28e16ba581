"""The preview: per recipient, exactly what will be stored and sent, and what blocks it.

``build_preview`` is the one place where a Subject and a Message become the text of each
message. The queue stores each entry's merged ``subject`` and ``body``; the dispatcher
sends them as they are, joined for a text or call by ``compose_text_body`` just as
``PreviewEntry.text`` is. So what a clerk previews is what goes out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, time

from sqlmodel import Session

from ecd_tui.domain import merge_tags, segments
from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.clock import agency_zone, format_local, to_local
from ecd_tui.domain.fanout import Delivery, SendTarget, expand
from ecd_tui.domain.messages import MAX_SUBJECT_LENGTH, MAX_TEXT_LENGTH, SkippedRecipient, compose_text_body
from ecd_tui.domain.models import AgencySettings


@dataclass(frozen=True)
class PreviewEntry:
    """One message as it will be stored and sent.

    ``text`` is the whole content: for a text or voice call the subject-led text, for an
    email the body (the subject goes in its own header).
    """

    name: str
    address: str
    channel: str  # "sms", "voice" or "email"
    client_pk: int | None
    contact_id: int | None
    subject: str  # merged, on one line
    body: str  # the merged Message, as stored
    text: str  # what the recipient gets
    encoding: str | None  # "GSM-7" or "UCS-2" for texts, None for voice and email
    ucs2_characters: tuple[str, ...]
    segments: int | None
    empty_tags: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def length(self) -> int:
        return len(self.text)


@dataclass(frozen=True)
class Preview:
    """Every message one Send would create, the skipped recipients, and what blocks sending."""

    entries: list[PreviewEntry]
    skipped: list[SkippedRecipient]
    problems: list[str]  # each blocks sending
    send_at: datetime
    smart_punctuation: tuple[str, ...] = ()  # characters "replace smart punctuation" would change
    tag_error: merge_tags.MergeTagError | None = None
    fingerprint: str = ""

    @property
    def can_send(self) -> bool:
        return bool(self.entries) and not self.problems


@dataclass(frozen=True)
class DraftProblem:
    """A problem found while composing, with where it sits for highlighting."""

    field: str  # "Subject" or "Message"
    message: str
    start: int | None = None
    end: int | None = None


def check_draft(subject: str, body: str) -> list[DraftProblem]:
    """Return what is wrong with a Subject and Message before any recipient is known.

    Unknown tags, an over-long subject, and a text that is over the limit before any tag
    is even filled. Per-recipient lengths after merging are checked by the preview.
    """
    problems: list[DraftProblem] = []
    for field_name, template in (("Subject", subject), ("Message", body)):
        try:
            merge_tags.check(template, field_name)
        except merge_tags.MergeTagError as error:
            problems.append(DraftProblem(field_name, str(error), error.start, error.end))
    if len(subject.strip()) > MAX_SUBJECT_LENGTH:
        problems.append(DraftProblem("Subject", subject_too_long(len(subject.strip()))))
    unmerged = len(compose_text_body(subject, body))
    if unmerged > MAX_TEXT_LENGTH and not merge_tags.tags_used(subject + body):
        problems.append(DraftProblem("Message", text_too_long(unmerged, "")))
    return problems


def build_preview(
    session: Session,
    targets: Sequence[SendTarget],
    subject: str,
    body: str,
    *,
    send_at: datetime,
    now: datetime,
    voice: bool = False,
) -> Preview:
    """Merge the tags for each recipient and check every limit; nothing is written."""
    settings = load_settings_row(session)
    zone = agency_zone(settings.time_zone)
    problems: list[str] = []
    tag_error = _first_tag_error(subject, body)
    if not targets:
        problems.append("Add at least one recipient: a client, a phone number or an email address.")
    if not body.strip():
        problems.append("The message is empty: write the message before sending.")
    if len(subject.strip()) > MAX_SUBJECT_LENGTH:
        problems.append(subject_too_long(len(subject.strip())))
    if tag_error is not None:
        problems.append(str(tag_error))

    deliveries, skipped = expand(session, targets, voice=voice, now=now, zone=zone)
    entries: list[PreviewEntry] = []
    if tag_error is None:
        agency = merge_tags.agency_values(settings.name, settings.phone, settings.email)
        quiet = quiet_hours_warning(settings, send_at)
        for delivery in deliveries:
            entry = _entry(delivery, subject, body, agency, quiet)
            entries.append(entry)
            problems.extend(_entry_problems(entry))
    if targets and not deliveries:
        reasons = ", ".join(f"{item.address or item.name} ({item.reason})" for item in skipped)
        problems.append(f"Nothing was queued: no recipient can receive it: {reasons}.")

    return Preview(
        entries=entries,
        skipped=skipped,
        problems=_distinct(problems),
        send_at=send_at,
        smart_punctuation=segments.smart_punctuation_in(subject + body),
        tag_error=tag_error,
        fingerprint=fingerprint(entries),
    )


def fingerprint(entries: Sequence[PreviewEntry]) -> str:
    """Return a digest of who gets what, so a send can check it still matches its preview."""
    digest = hashlib.sha256()
    for entry in entries:
        for part in (entry.address, entry.channel, entry.subject, entry.text):
            digest.update(part.encode("utf-8", "surrogatepass"))
            digest.update(b"\x00")
    return digest.hexdigest()


def quiet_hours_warning(settings: AgencySettings, send_at: datetime) -> str | None:
    """Describe why ``send_at`` falls in the agency's quiet hours, or None when it does not."""
    zone = agency_zone(settings.time_zone)
    local = to_local(send_at, zone)
    when = format_local(send_at, zone)
    if settings.quiet_on_weekends and local.weekday() >= 5:
        return f"sends at {when}, on a weekend, inside the agency's quiet hours"
    start, end = _parse_clock(settings.quiet_hours_start), _parse_clock(settings.quiet_hours_end)
    if start is None or end is None or start == end:
        return None
    moment = local.time()
    inside = (start <= moment < end) if start < end else (moment >= start or moment < end)
    if inside:
        return f"sends at {when}, inside the agency's quiet hours ({settings.quiet_hours_start} to {settings.quiet_hours_end})"
    return None


def subject_too_long(length: int) -> str:
    return f"The subject has {length} characters; shorten it to {MAX_SUBJECT_LENGTH} or fewer."


def text_too_long(length: int, name: str) -> str:
    whom = f" for {name}" if name else ""
    return (
        f"The text has {length} characters with its subject, after merging tags{whom}; "
        f"shorten it to {MAX_TEXT_LENGTH} or fewer."
    )


def _entry(delivery: Delivery, subject: str, body: str, agency: dict, quiet: str | None) -> PreviewEntry:
    values = {**delivery.values, **agency}
    merged_subject = merge_tags.merge(subject, values, "Subject")
    merged_body = merge_tags.merge(body, values, "Message")
    empty = tuple(dict.fromkeys(merged_subject.empty_tags + merged_body.empty_tags))
    subject_text = " ".join(merged_subject.text.split())
    if delivery.channel == "email":
        text = merged_body.text
    else:
        text = compose_text_body(subject_text, merged_body.text)

    warnings = [_empty_tag_warning(tag, delivery) for tag in empty]
    encoding, forcing, segment_count = None, (), None
    if delivery.channel == "sms":
        info = segments.analyze(text)
        encoding, forcing, segment_count = info.encoding, info.ucs2_characters, info.segments
        if forcing:
            shown = ", ".join(segments.describe_character(character) for character in forcing)
            warnings.append(f"UCS-2 because of {shown}: 70 characters per segment instead of 160")
        if segment_count > 1:
            warnings.append(f"{segment_count} segments, each billed as one text")
    if quiet:
        warnings.append(quiet)
    return PreviewEntry(
        name=delivery.name, address=delivery.address, channel=delivery.channel,
        client_pk=delivery.client_pk, contact_id=delivery.contact_id,
        subject=subject_text, body=merged_body.text, text=text, encoding=encoding, ucs2_characters=forcing,
        segments=segment_count, empty_tags=empty, warnings=tuple(warnings),
    )


def _entry_problems(entry: PreviewEntry) -> list[str]:
    problems = []
    if len(entry.subject) > MAX_SUBJECT_LENGTH:
        problems.append(f"The subject for {entry.name} has {len(entry.subject)} characters after merging tags; shorten it to {MAX_SUBJECT_LENGTH} or fewer.")
    if entry.channel != "email" and entry.length > MAX_TEXT_LENGTH:
        problems.append(text_too_long(entry.length, entry.name))
    return problems


def _empty_tag_warning(tag: str, delivery: Delivery) -> str:
    group = merge_tags.find_tag(tag).group
    if delivery.typed_in and group != "agency":
        return f"[{tag}] dropped: client and event tags do not fill for a typed-in number or address"
    if group == "event":
        return f"[{tag}] dropped: the client has no upcoming event with this value"
    return f"[{tag}] dropped: no value for this recipient"


def _first_tag_error(subject: str, body: str) -> merge_tags.MergeTagError | None:
    for field_name, template in (("Subject", subject), ("Message", body)):
        try:
            merge_tags.check(template, field_name)
        except merge_tags.MergeTagError as error:
            return error
    return None


def _parse_clock(value: str | None) -> time | None:
    if not value:
        return None
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except ValueError:
        return None


def _distinct(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))
