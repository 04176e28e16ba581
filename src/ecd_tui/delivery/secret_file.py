"""An encrypted file of carrier secrets, for servers without a system keyring.

The file is JSON that contains a random salt, the scrypt parameters and one Fernet token
(AES-128-CBC with HMAC-SHA256, from the ``cryptography`` package). The key comes from
the passphrase through scrypt, so the file is useless without the passphrase, and a wrong
passphrase is detected by the token's HMAC. Nothing in the file is plaintext.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from pathlib import Path

FORMAT_VERSION = 1
# scrypt cost: n = 2**15 with r = 8 uses 32 MB (128 * r * n bytes) and took 0.14 s on the
# 2-core test machine. Each file stores its own parameters, so they can be raised later.
SCRYPT_N = 2**15
SCRYPT_R = 8
SCRYPT_P = 1
MIN_PASSPHRASE_LENGTH = 8


class SecretFileError(Exception):
    """The encrypted file cannot be read or written; the message explains why and what to do."""


class WrongPassphrase(SecretFileError):
    """The passphrase does not open the encrypted file."""


def read_secrets(path: Path, passphrase: str) -> dict[str, str]:
    """Decrypt the file and return its secrets by name.

    Raises:
        WrongPassphrase: the passphrase does not match the one the file was written with.
        SecretFileError: the file is missing, unreadable or not an ecd-tui secrets file.
    """
    from cryptography.fernet import Fernet, InvalidToken

    envelope = _read_envelope(path)
    try:
        salt = base64.b64decode(envelope["salt"])
        key = _derive_key(passphrase, salt, envelope["n"], envelope["r"], envelope["p"])
        plaintext = Fernet(key).decrypt(envelope["token"].encode("ascii"))
    except InvalidToken:
        raise WrongPassphrase(f"The passphrase does not open {path}: type it again, exactly as it was set.") from None
    except (KeyError, TypeError, ValueError) as error:
        raise SecretFileError(f"{path} is not an ecd-tui credentials file ({error}); run `ecd-tui setup` to write it again.") from None
    return json.loads(plaintext)


def write_secrets(path: Path, passphrase: str, values: dict[str, str], *, mode: int = 0o600) -> None:
    """Encrypt ``values`` under ``passphrase`` and replace the file atomically.

    Raises:
        SecretFileError: the passphrase is too short, or the file cannot be written.
    """
    from cryptography.fernet import Fernet

    if len(passphrase) < MIN_PASSPHRASE_LENGTH:
        raise SecretFileError(f"The passphrase has {len(passphrase)} characters: use at least {MIN_PASSPHRASE_LENGTH}.")
    salt = secrets.token_bytes(16)
    key = _derive_key(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    token = Fernet(key).encrypt(json.dumps(values).encode())
    envelope = {
        "format": "ecd-tui credentials",
        "version": FORMAT_VERSION,
        "kdf": "scrypt",
        "salt": base64.b64encode(salt).decode("ascii"),
        "n": SCRYPT_N,
        "r": SCRYPT_R,
        "p": SCRYPT_P,
        "token": token.decode("ascii"),
    }
    temporary = path.with_name(path.name + ".tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, mode)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(envelope, handle)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as error:
        raise SecretFileError(f"Credentials file {path} cannot be written: {error.strerror}. Check the folder's permissions.") from error


def _read_envelope(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SecretFileError(f"Credentials file {path} does not exist: run `ecd-tui setup` to write it.") from None
    except OSError as error:
        raise SecretFileError(f"Credentials file {path} cannot be read: {error.strerror}.") from error
    try:
        envelope = json.loads(text)
    except json.JSONDecodeError:
        raise SecretFileError(f"{path} is not an ecd-tui credentials file; run `ecd-tui setup` to write it again.") from None
    if not isinstance(envelope, dict) or envelope.get("kdf") != "scrypt":
        raise SecretFileError(f"{path} is not an ecd-tui credentials file; run `ecd-tui setup` to write it again.")
    return envelope


def _derive_key(passphrase: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    raw = Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode("utf-8"))
    return base64.urlsafe_b64encode(raw)
