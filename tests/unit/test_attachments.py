"""Attachment checks when a file is added, and the copies made at queue time."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.attachments import (
    MAX_FILE_BYTES,
    AttachmentError,
    check_file,
    check_files,
    copy_files,
    mms_problem,
)
from ecd_tui.domain.messages import MessageError
from ecd_tui.domain.clock import utcnow
from ecd_tui.domain.models import AgencyPhone, Attachment, Message
from ecd_tui.domain.recipients import parse_recipient
from ecd_tui.services import Services

PDF = b"%PDF-1.4\n% test\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def write(folder: Path, name: str, content: bytes) -> Path:
    path = folder / name
    path.write_bytes(content)
    return path


def test_good_pdf_passes(tmp_path):
    checked = check_file(write(tmp_path, "Order.PDF", PDF))
    assert (checked.filename, checked.content_type, checked.size) == ("Order.PDF", "application/pdf", len(PDF))


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("run.exe", b"MZ", "has a type that cannot be sent"),
        ("empty.pdf", b"", "is empty"),
        ("fake.pdf", b"hello", "its content is not application/pdf"),
        ("fake.png", PDF, "its content is not image/png"),
    ],
)
def test_bad_file_refused_with_reason(tmp_path, name, content, words):
    path = write(tmp_path, name, content)
    with pytest.raises(AttachmentError, match=words) as caught:
        check_file(path)
    assert name in str(caught.value)


def test_missing_file_and_folder_refused(tmp_path):
    with pytest.raises(AttachmentError, match="was not found: check the path"):
        check_file(tmp_path / "gone.pdf")
    with pytest.raises(AttachmentError, match="is not a file"):
        check_file(tmp_path)


def test_too_large_file_refused(tmp_path):
    path = write(tmp_path, "big.pdf", PDF)
    with path.open("r+b") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    with pytest.raises(AttachmentError, match="big.pdf' is 10.0 MB; files can be at most 10.0 MB"):
        check_file(path)


def test_more_than_five_and_duplicates_refused(tmp_path):
    files = [check_file(write(tmp_path, f"{n}.pdf", PDF)) for n in range(6)]
    with pytest.raises(AttachmentError, match="6 files are attached; a message can carry at most 5"):
        check_files(files)
    with pytest.raises(AttachmentError, match="attached twice"):
        check_files([files[0], files[0]])
    check_files(files[:5])


def test_mms_takes_pictures_only(tmp_path):
    picture = check_file(write(tmp_path, "photo.png", PNG))
    letter = check_file(write(tmp_path, "letter.pdf", PDF))
    assert mms_problem([picture]) is None
    assert "letter.pdf' (application/pdf) cannot go by text" in mms_problem([picture, letter])


def test_copies_are_private_and_survive_original_edit(tmp_path):
    original = write(tmp_path, "order.pdf", PDF)
    copies = copy_files([check_file(original)], tmp_path / "attachments")
    original.write_bytes(PDF + b"edited later")
    assert copies[0].path.read_bytes() == PDF
    assert stat.S_IMODE(os.stat(copies[0].path).st_mode) == 0o600
    assert copies[0].filename == "order.pdf"


def test_queue_copies_files_for_email_and_records_them(services, store, tmp_path):
    original = write(tmp_path, "order.pdf", PDF)
    email = parse_recipient("client@example.org", "US")
    queued = services.queue([email], "Forms", "See attached.", files=[services.check_attachment(str(original))])
    with store.read() as session:
        rows = session.exec(Attachment.__table__.select()).all()
        message = session.get(Message, queued.messages[0].id)
    assert message.channel == "email"
    assert [(row.message_id, row.filename) for row in rows] == [(message.id, "order.pdf")]
    assert Path(rows[0].path).read_bytes() == PDF
    assert Path(rows[0].path).parent.parent == store.path.with_name(store.path.stem + ".attachments")


def test_text_with_files_needs_media_url_base(services, store, tmp_path):
    picture = services.check_attachment(str(write(tmp_path, "photo.png", PNG)))
    phone = parse_recipient("(202) 555-0142", "US")
    with pytest.raises(MessageError, match="no media URL base is set"):
        services.queue([phone], "", "Photo", files=[picture])
    assert not store.path.with_name(store.path.stem + ".attachments").exists()

    with store.write() as session:
        load_settings_row(session).media_url_base = "https://media.example.gov/ecd"
    live = Services.open(store, "admin1")  # no sandbox number to fall back on
    with pytest.raises(MessageError, match="No active agency phone number can send picture messages"):
        live.queue([phone], "", "Photo", files=[picture])

    with store.write() as session:
        session.add(AgencyPhone(e164="+12025550100", can_sms=True, can_mms=True, created_at=utcnow()))
    queued = live.queue([phone], "", "Photo", files=[picture])
    assert [message.channel for message in queued.messages] == ["mms"]


def test_voice_call_cannot_carry_files(services, tmp_path):
    letter = services.check_attachment(str(write(tmp_path, "letter.pdf", PDF)))
    phone = parse_recipient("(202) 555-0142", "US")
    with pytest.raises(MessageError, match="A voice call cannot carry files"):
        services.queue([phone], "", "Call", voice=True, files=[letter])
