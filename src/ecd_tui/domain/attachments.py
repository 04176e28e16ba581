"""Files attached to a message: checked when added, copied beside the database when queued.

The copy is what the dispatcher sends, so a file the clerk edits or deletes after pressing
Send changes nothing. Copies live in ``<database name>.attachments/`` beside the database
rather than in one login's data dir, because several logins and a headless dispatcher may
share the database and must all read them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

MAX_ATTACHMENTS = 5
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_TOTAL_BYTES = 20 * 1024 * 1024
# Twilio accepts at most 5 MB of media per MMS, and carriers shrink or drop larger pictures.
MAX_MMS_TOTAL_BYTES = 5 * 1024 * 1024

# Types a court letter or a picture of a document comes in. Others (executables, archives,
# office files with macros) are refused, because the recipient's phone or mail filter would
# often drop them.
ALLOWED_TYPES: dict[str, str] = {
    ".pdf": "application/pdf",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".txt": "text/plain",
    ".rtf": "application/rtf",
    ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".odt": "application/vnd.oasis.opendocument.text",
}

# Types an MMS can carry that every US carrier shows (Twilio's "fully supported" list).
MMS_TYPES = frozenset({"image/jpeg", "image/png", "image/gif"})

# The first bytes of the binary types, so a renamed file is caught.
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/gif": (b"GIF87a", b"GIF89a"),
}


class AttachmentError(ValueError):
    """A file that cannot be attached; the text names the file and what to do."""


@dataclass(frozen=True)
class CheckedFile:
    """A file that passed the checks: where it is, its name, type and size in bytes."""

    path: Path
    filename: str
    content_type: str
    size: int


def check_file(value: str | Path) -> CheckedFile:
    """Check that a file exists, is readable, is not too large and is of an allowed type.

    Raises:
        AttachmentError: with a sentence naming the file and the fix.
    """
    path = Path(os.path.expanduser(str(value).strip()))
    if not str(value).strip():
        raise AttachmentError("Type the path of a file to attach.")
    if not path.exists():
        raise AttachmentError(f"File {str(path)!r} was not found: check the path.")
    if not path.is_file():
        raise AttachmentError(f"{str(path)!r} is not a file: attach a single file, not a folder.")

    suffix = path.suffix.lower()
    content_type = ALLOWED_TYPES.get(suffix)
    if content_type is None:
        allowed = ", ".join(sorted({key.lstrip(".") for key in ALLOWED_TYPES}))
        raise AttachmentError(f"File {path.name!r} has a type that cannot be sent: attach one of {allowed}.")

    size = path.stat().st_size
    if size == 0:
        raise AttachmentError(f"File {path.name!r} is empty: attach the file with its content.")
    if size > MAX_FILE_BYTES:
        raise AttachmentError(
            f"File {path.name!r} is {_megabytes(size)}; files can be at most {_megabytes(MAX_FILE_BYTES)}."
            " Attach a smaller copy."
        )

    try:
        with path.open("rb") as handle:
            head = handle.read(16)
    except OSError as error:
        raise AttachmentError(f"File {path.name!r} cannot be read: {error.strerror}. Check its permissions.") from None
    signatures = _SIGNATURES.get(content_type)
    if signatures and not head.startswith(signatures):
        raise AttachmentError(
            f"File {path.name!r} is named {suffix} but its content is not {content_type}: attach the real file."
        )
    return CheckedFile(path=path.resolve(), filename=path.name, content_type=content_type, size=size)


def check_files(files: Sequence[CheckedFile]) -> None:
    """Check a message's files together: how many, duplicates and the total size.

    Raises:
        AttachmentError: too many files, the same file twice, or too large in total.
    """
    if len(files) > MAX_ATTACHMENTS:
        raise AttachmentError(f"{len(files)} files are attached; a message can carry at most {MAX_ATTACHMENTS}. Remove some.")
    seen: set[Path] = set()
    for item in files:
        if item.path in seen:
            raise AttachmentError(f"File {item.filename!r} is attached twice: remove one.")
        seen.add(item.path)
    total = sum(item.size for item in files)
    if total > MAX_TOTAL_BYTES:
        raise AttachmentError(
            f"The files come to {_megabytes(total)}; a message can carry at most {_megabytes(MAX_TOTAL_BYTES)}."
            " Remove or shrink some."
        )


def mms_problem(files: Sequence[CheckedFile]) -> str | None:
    """Return why these files cannot go in a picture message (MMS), or None when they can."""
    for item in files:
        if item.content_type not in MMS_TYPES:
            return f"File {item.filename!r} ({item.content_type}) cannot go by text: only JPEG, PNG and GIF pictures can."
    total = sum(item.size for item in files)
    if total > MAX_MMS_TOTAL_BYTES:
        return f"The files come to {_megabytes(total)}, more than the {_megabytes(MAX_MMS_TOTAL_BYTES)} a picture message can carry."
    return None


def attachments_directory(database: Path) -> Path:
    """Return where the copies of a database's attachments are kept."""
    return database.with_name(database.stem + ".attachments")


def copy_files(files: Sequence[CheckedFile], directory: Path) -> list[CheckedFile]:
    """Copy the files into a new folder under ``directory`` and return the copies.

    The copies are readable by the owner only, like the database. Each file is checked
    again, because it may have changed since it was added.

    Raises:
        AttachmentError: a file is gone, changed into something not allowed, or unreadable.
    """
    directory.mkdir(parents=True, mode=0o700, exist_ok=True)
    folder = directory / uuid.uuid4().hex
    folder.mkdir(mode=0o700)
    copies = []
    try:
        for index, item in enumerate(files, start=1):
            fresh = check_file(item.path)
            target = folder / f"{index}-{fresh.filename}"
            try:
                shutil.copyfile(fresh.path, target)
            except OSError as error:
                raise AttachmentError(f"File {fresh.filename!r} cannot be copied: {error.strerror}.") from None
            os.chmod(target, 0o600)
            copies.append(CheckedFile(path=target, filename=fresh.filename, content_type=fresh.content_type, size=target.stat().st_size))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return copies


def media_url(base: str, copy_path: Path, directory: Path) -> str:
    """Return the URL under the agency's media URL base where the carrier fetches a copy.

    NOTE: the agency must publish ``directory`` at ``base`` (a web server or a synced
    bucket); ecd-tui does not serve files itself.
    """
    relative = copy_path.relative_to(directory).as_posix()
    return base.rstrip("/") + "/" + quote(relative)


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"
