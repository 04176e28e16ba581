"""Settings from a TOML file and ``ECD_TUI_*`` environment variables; paths from platformdirs.

Agency settings that clerks share (review delay, time zone, phones) live in the database,
not here. This module reads what belongs to one installation: where files go and how to
reach the carriers. It imports nothing heavy, because the command line reads it first.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

APP_NAME = "ecd-tui"
SYSTEM_CONFIG_PATH = Path("/etc/ecd-tui/config.toml")


class ConfigError(Exception):
    """A configuration file or variable has a value that cannot be used."""


@dataclass(frozen=True)
class Paths:
    """Folders of one installation; the XDG_* variables move them on Linux."""

    data_dir: Path
    config_dir: Path
    log_dir: Path

    @classmethod
    def from_platform(cls) -> Paths:
        return cls(
            data_dir=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
            config_dir=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
            log_dir=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        )

    @property
    def default_database(self) -> Path:
        return self.data_dir / "ecd-tui.sqlite3"

    @property
    def demo_database(self) -> Path:
        return self.data_dir / "demo.sqlite3"

    @property
    def log_file(self) -> Path:
        return self.log_dir / "ecd-tui.log"


@dataclass(frozen=True)
class TwilioSettings:
    """The Twilio account to send texts and calls through; the token is a secret.

    ``auth_token`` is the account's auth token, or the API key's secret when ``api_key``
    (an SK... key SID) is set. It is None until ``delivery.credentials`` resolves it.
    """

    account_sid: str
    auth_token: str | None = field(default=None, repr=False)
    api_key: str | None = None
    base_url: str | None = None  # None means https://api.twilio.com; tests use loopback


@dataclass(frozen=True)
class SmtpSettings:
    """The mail server to send email through; the password is a secret."""

    host: str
    port: int
    tls: str  # "implicit" (usually port 465), "starttls" (usually 587) or "none"
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    sender: str | None = None


SMTP_TLS_MODES = ("implicit", "starttls", "none")


@dataclass(frozen=True)
class Config:
    """One installation's settings, resolved from file, environment and command line."""

    paths: Paths
    database: Path
    twilio: TwilioSettings | None = None
    smtp: SmtpSettings | None = None
    source: Path | None = None
    credentials: CredentialSettings = field(default_factory=lambda: CredentialSettings())
    database_group: str | None = None

    @property
    def live(self) -> bool:
        """True when both carriers are configured with their secrets.

        Whether delivery is live is the agency's choice, stored in the database (see
        ``domain.delivery_mode`` and ``delivery.plan``). This property only tells whether
        this process could reach the carriers.
        """
        return (
            self.twilio is not None
            and self.twilio.auth_token is not None
            and self.smtp is not None
            and (self.smtp.username is None or self.smtp.password is not None)
        )

    @property
    def carriers_configured(self) -> bool:
        """True when the non-secret parts of both carriers are set."""
        return self.twilio is not None and self.smtp is not None


@dataclass(frozen=True)
class CredentialSettings:
    """Places for the carrier secrets: a keyring backend and an encrypted file.

    ``keyring`` is "auto" (the platform's own keyring, never a plugin that prompts),
    "none", or the dotted name of a keyring backend class.
    """

    keyring: str = "auto"
    file: Path | None = None


def load_config(config_file: Path | None = None, database: Path | None = None) -> Config:
    """Read the TOML file and the environment into a Config.

    The file is ``config_file`` when given, else ``$ECD_TUI_CONFIG``, else the user's
    config dir, else ``/etc/ecd-tui/config.toml``. Environment variables override it.

    Raises:
        ConfigError: a file cannot be parsed or a value is invalid.
    """
    paths = Paths.from_platform()
    source = _find_config_file(config_file, paths)
    values = _read_toml(source) if source else {}
    env = os.environ

    db_value = database or env.get("ECD_TUI_DATABASE") or values.get("database", {}).get("path")
    db_path = Path(db_value).expanduser() if db_value else paths.default_database

    return Config(
        paths=paths,
        database=db_path,
        twilio=_twilio_settings(values.get("twilio", {}), env),
        smtp=_smtp_settings(values.get("smtp", {}), env),
        source=source,
        credentials=_credential_settings(values.get("credentials", {}), env),
        database_group=env.get("ECD_TUI_DATABASE_GROUP") or values.get("database", {}).get("group") or None,
    )


def _find_config_file(explicit: Path | None, paths: Paths) -> Path | None:
    if explicit is not None:
        if not explicit.is_file():
            raise ConfigError(f"Config file {explicit} was not found: check the --config path.")
        return explicit
    from_env = os.environ.get("ECD_TUI_CONFIG")
    if from_env:
        return _find_config_file(Path(from_env), paths)
    for candidate in (paths.config_dir / "config.toml", SYSTEM_CONFIG_PATH):
        if candidate.is_file():
            return candidate
    return None


def _read_toml(path: Path) -> dict:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"Config file {path} is not valid TOML: {error}.") from error
    except OSError as error:
        raise ConfigError(f"Config file {path} cannot be read: {error.strerror}.") from error


def _twilio_settings(section: dict, env: os._Environ | dict) -> TwilioSettings | None:
    account_sid = env.get("ECD_TUI_TWILIO_ACCOUNT_SID") or section.get("account_sid")
    if not account_sid:
        return None
    # The token is a secret, so it never comes from the file: delivery.credentials
    # reads it from the keyring, the environment, systemd or the encrypted file.
    api_key = env.get("ECD_TUI_TWILIO_API_KEY") or section.get("api_key") or None
    base_url = env.get("ECD_TUI_TWILIO_BASE_URL") or section.get("base_url") or None
    return TwilioSettings(account_sid=account_sid, api_key=api_key, base_url=base_url)


def _credential_settings(section: dict, env: os._Environ | dict) -> CredentialSettings:
    backend = env.get("ECD_TUI_KEYRING") or section.get("keyring") or "auto"
    file_value = env.get("ECD_TUI_CREDENTIALS_FILE") or section.get("file")
    return CredentialSettings(keyring=backend, file=Path(file_value).expanduser() if file_value else None)


def _smtp_settings(section: dict, env: os._Environ | dict) -> SmtpSettings | None:
    host = env.get("ECD_TUI_SMTP_HOST") or section.get("host")
    if not host:
        return None
    port_value = env.get("ECD_TUI_SMTP_PORT") or section.get("port") or 587
    try:
        port = int(port_value)
    except (TypeError, ValueError):
        raise ConfigError(f"SMTP port {port_value!r} is not a number: use 465, 587 or 25.") from None
    default_tls = {465: "implicit", 587: "starttls"}.get(port, "none")
    tls = env.get("ECD_TUI_SMTP_TLS") or section.get("tls") or default_tls
    if tls not in SMTP_TLS_MODES:
        raise ConfigError(f"SMTP TLS mode {tls!r} is unknown: use one of {', '.join(SMTP_TLS_MODES)}.")
    return SmtpSettings(
        host=host,
        port=port,
        tls=tls,
        username=env.get("ECD_TUI_SMTP_USERNAME") or section.get("username"),
        password=None,  # a secret: resolved by delivery.credentials
        sender=env.get("ECD_TUI_SMTP_SENDER") or section.get("sender"),
    )
