"""The carrier secrets: where they are read from and where ``ecd-tui setup`` keeps them.

Two secrets exist: the Twilio auth token (or API key secret) and the SMTP password. Each
is looked up in this order, and the first source that has it wins:

1. the system keyring (service ``ecd-tui``), when one works here;
2. environment variables ``ECD_TUI_TWILIO_AUTH_TOKEN`` (or ``ECD_TUI_TWILIO_API_SECRET``)
   and ``ECD_TUI_SMTP_PASSWORD``;
3. systemd credentials ``twilio-secret`` and ``smtp-password`` in
   ``$CREDENTIALS_DIRECTORY`` (``LoadCredential=`` or ``LoadCredentialEncrypted=``);
4. the encrypted file (``secret_file``), opened with a passphrase from
   ``ECD_TUI_CREDENTIALS_PASSPHRASE``, a prompt, or the app's passphrase dialog.

Secrets are never written in plaintext: ``save_secrets`` writes to the keyring or the
encrypted file only. No function here logs a secret's value.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from ecd_tui.config import Config
from ecd_tui.delivery.keyring_store import Keyring, KeyringUnavailable
from ecd_tui.delivery.secret_file import SecretFileError, WrongPassphrase, read_secrets, write_secrets

log = logging.getLogger(__name__)

TWILIO_SECRET = "twilio-secret"
SMTP_PASSWORD = "smtp-password"
SECRET_NAMES = (TWILIO_SECRET, SMTP_PASSWORD)

ENVIRONMENT_VARIABLES = {
    TWILIO_SECRET: ("ECD_TUI_TWILIO_AUTH_TOKEN", "ECD_TUI_TWILIO_API_SECRET"),
    SMTP_PASSWORD: ("ECD_TUI_SMTP_PASSWORD",),
}
PASSPHRASE_VARIABLE = "ECD_TUI_CREDENTIALS_PASSPHRASE"

HOW_TO_PROVIDE = (
    "Run `ecd-tui setup` to store them (in the keyring, or in an encrypted file where no "
    "keyring exists), or set ECD_TUI_TWILIO_AUTH_TOKEN and ECD_TUI_SMTP_PASSWORD, or give "
    "the dispatcher's systemd unit the credentials twilio-secret and smtp-password."
)


@dataclass
class Resolved:
    """The outcome of looking the secrets up.

    Attributes:
        config: the config with each secret that was found filled in.
        sources: secret name to where it came from ("keyring", "environment",
            "systemd credential", "encrypted file").
        missing: names of needed secrets that no source had.
        locked: True when the encrypted file exists but no passphrase was given.
        wrong_passphrase: True when the given passphrase does not open the file.
        problems: sentences about sources that failed (a wrong passphrase, a keyring
            timeout); never a secret.
    """

    config: Config
    sources: dict[str, str] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    locked: bool = False
    problems: list[str] = field(default_factory=list)
    wrong_passphrase: bool = False

    @property
    def complete(self) -> bool:
        return self.config.live

    def explain(self) -> str:
        """Return a sentence on what is missing and how to provide it; empty when complete."""
        if self.complete:
            return ""
        if not self.config.carriers_configured:
            return "The Twilio account and the mail server are not set up. " + HOW_TO_PROVIDE
        parts = []
        if self.locked:
            parts.append(f"The credentials file {credentials_file(self.config)} is locked: give its passphrase (set {PASSPHRASE_VARIABLE}, or type it when asked).")
        if self.missing and not self.locked:
            parts.append(f"No {' or '.join(self.missing)} was found. {HOW_TO_PROVIDE}")
        parts.extend(self.problems)
        return " ".join(parts)


def credentials_file(config: Config) -> Path:
    """Return the encrypted file's path: from the config, else the user config dir."""
    return config.credentials.file or config.paths.config_dir / "credentials.enc"


def needed_secrets(config: Config) -> list[str]:
    """Return the names of the secrets the configured carriers need."""
    names = []
    if config.twilio is not None:
        names.append(TWILIO_SECRET)
    if config.smtp is not None and config.smtp.username:
        names.append(SMTP_PASSWORD)
    return names


def resolve(config: Config, *, passphrase: str | None = None, keyring: Keyring | None = None) -> Resolved:
    """Look up each needed secret in the keyring, environment, systemd, then the file."""
    needed = needed_secrets(config)
    found: dict[str, str] = {}
    sources: dict[str, str] = {}
    problems: list[str] = []
    locked = False
    wrong_passphrase = False

    if needed:
        keyring = keyring if keyring is not None else Keyring(config.credentials.keyring)
        for name in needed:
            value, source = _from_keyring(keyring, name, problems)
            if value is None:
                value, source = _from_environment(name)
            if value is None:
                value, source = _from_systemd(name)
            if value is not None:
                found[name], sources[name] = value, source

    remaining = [name for name in needed if name not in found]
    path = credentials_file(config)
    if remaining and path.exists():
        passphrase = passphrase if passphrase is not None else os.environ.get(PASSPHRASE_VARIABLE)
        if passphrase is None:
            locked = True
        else:
            try:
                stored = read_secrets(path, passphrase)
            except SecretFileError as error:
                problems.append(str(error))
                wrong_passphrase = isinstance(error, WrongPassphrase)
            else:
                for name in remaining:
                    if stored.get(name):
                        found[name], sources[name] = stored[name], "encrypted file"

    missing = [name for name in needed if name not in found]
    resolved = Resolved(
        config=_with_secrets(config, found), sources=sources, missing=missing,
        locked=locked and bool(missing), problems=problems, wrong_passphrase=wrong_passphrase,
    )
    log.info("Credentials: found %s; missing %s", {name: sources[name] for name in sources} or "none", missing or "none")
    return resolved


def file_wrong_passphrase(config: Config, passphrase: str) -> bool:
    """True when the encrypted file exists and ``passphrase`` does not open it."""
    try:
        read_secrets(credentials_file(config), passphrase)
    except WrongPassphrase:
        return True
    except SecretFileError:
        return False
    return False


def save_secrets(
    config: Config,
    values: dict[str, str],
    *,
    target: str = "auto",
    passphrase: str | None = None,
    keyring: Keyring | None = None,
) -> str:
    """Store secrets in the keyring, or in the encrypted file where no keyring works.

    Args:
        values: secret name to value; empty values are skipped.
        target: "keyring", "file", or "auto" (the keyring when it works, else the file).
        passphrase: needed for the file; an existing file must open with it.

    Returns:
        Where the secrets went, in words, such as "the keyring (SecretService)".

    Raises:
        KeyringUnavailable: ``target`` is "keyring" and none works.
        SecretFileError: the passphrase is missing, too short or wrong for the existing
            file, or the file cannot be written.
    """
    values = {name: value for name, value in values.items() if value}
    unknown = set(values) - set(SECRET_NAMES)
    if unknown:
        raise ValueError(f"Unknown secret names {sorted(unknown)}: use {', '.join(SECRET_NAMES)}.")

    if target in ("auto", "keyring"):
        keyring = keyring if keyring is not None else Keyring(config.credentials.keyring)
        if keyring.available:
            for name, value in values.items():
                keyring.set(name, value)
            log.info("Stored %s in the keyring %s", sorted(values), keyring.name)
            return f"the keyring ({keyring.name})"
        if target == "keyring":
            raise KeyringUnavailable(keyring.reason)

    path = credentials_file(config)
    if not passphrase:
        raise SecretFileError(f"No keyring works here ({_keyring_reason(keyring)}), so the secrets go to the encrypted file {path}: give a passphrase for it.")
    existing: dict[str, str] = {}
    if path.exists():
        existing = read_secrets(path, passphrase)
    write_secrets(path, passphrase, {**existing, **values})
    log.info("Stored %s in the encrypted file %s", sorted(values), path)
    return f"the encrypted file {path}"


def _keyring_reason(keyring: Keyring | None) -> str:
    return keyring.reason if keyring is not None and keyring.reason else "none is set up"


def _from_keyring(keyring: Keyring, name: str, problems: list[str]) -> tuple[str | None, str]:
    if not keyring.available:
        return None, ""
    try:
        return keyring.get(name), "keyring"
    except KeyringUnavailable as error:
        problem = f"The keyring could not be read: {error}."
        if problem not in problems:
            problems.append(problem)
            log.warning("Keyring read of %s failed: %s", name, error)
        return None, ""


def _from_environment(name: str) -> tuple[str | None, str]:
    for variable in ENVIRONMENT_VARIABLES[name]:
        value = os.environ.get(variable)
        if value:
            return value, "environment"
    return None, ""


def _from_systemd(name: str) -> tuple[str | None, str]:
    directory = os.environ.get("CREDENTIALS_DIRECTORY")
    if not directory:
        return None, ""
    path = Path(directory) / name
    try:
        value = path.read_text(encoding="utf-8").strip()
    except OSError:
        return None, ""
    return (value or None), "systemd credential"


def _with_secrets(config: Config, found: dict[str, str]) -> Config:
    twilio, smtp = config.twilio, config.smtp
    if twilio is not None and TWILIO_SECRET in found:
        twilio = replace(twilio, auth_token=found[TWILIO_SECRET])
    if smtp is not None and SMTP_PASSWORD in found:
        smtp = replace(smtp, password=found[SMTP_PASSWORD])
    return replace(config, twilio=twilio, smtp=smtp)
