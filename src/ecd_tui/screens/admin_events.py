"""Textual messages that the administration screens' workers post back, in the past tense."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from textual.message import Message

from ecd_tui.delivery.connection_checks import CheckResult
from ecd_tui.domain.audit import AuditRecord
from ecd_tui.domain.phones import PhoneRecord
from ecd_tui.domain.user_admin import UserRecord


class SettingsLoaded(Message):
    """The agency settings were read as text, with whether this user may change them."""

    def __init__(self, values: dict[str, str], can_manage: bool) -> None:
        super().__init__()
        self.values = values
        self.can_manage = can_manage


class SettingsSaved(Message):
    """Changed settings were saved; ``values`` is every setting as stored now."""

    def __init__(self, values: dict[str, str], changed: list[str]) -> None:
        super().__init__()
        self.values = values
        self.changed = changed


class PhonesLoaded(Message):
    """The agency numbers were read, with warnings about what the active ones cannot do."""

    def __init__(self, phones: list[PhoneRecord], warnings: list[str], can_manage: bool) -> None:
        super().__init__()
        self.phones = phones
        self.warnings = warnings
        self.can_manage = can_manage


class PhoneChanged(Message):
    """An agency number was added or changed."""

    def __init__(self, phone: PhoneRecord, what: str) -> None:
        super().__init__()
        self.phone = phone
        self.what = what


class NumberChecked(Message):
    """An agency number was looked up in the Twilio account."""

    def __init__(self, result: CheckResult) -> None:
        super().__init__()
        self.result = result


class UsersLoaded(Message):
    """The users were read."""

    def __init__(self, users: list[UserRecord]) -> None:
        super().__init__()
        self.users = users


class UserChanged(Message):
    """A user was added, given a role, disabled or enabled."""

    def __init__(self, user: UserRecord, what: str) -> None:
        super().__init__()
        self.user = user
        self.what = what


class AuditLoaded(Message):
    """Audit entries of one kind were read, newest first."""

    def __init__(self, entries: list[AuditRecord], kind: str, zone: ZoneInfo) -> None:
        super().__init__()
        self.entries = entries
        self.kind = kind
        self.zone = zone


class CarriersLoaded(Message):
    """The carrier settings (no secrets), the agency's mode and this session's plan were read."""

    def __init__(self, form: dict[str, str], mode: str, status: str, scheduled: int, keyring_available: bool, file_exists: bool) -> None:
        super().__init__()
        self.form = form
        self.mode = mode
        self.status = status
        self.scheduled = scheduled
        self.keyring_available = keyring_available
        self.file_exists = file_exists


class CarriersStored(Message):
    """Carrier settings and secrets were stored; ``where`` names the secret store."""

    def __init__(self, where: str, warnings: list[str]) -> None:
        super().__init__()
        self.where = where
        self.warnings = warnings


class ConnectionsTested(Message):
    """The Twilio and SMTP connection tests finished."""

    def __init__(self, results: list[CheckResult]) -> None:
        super().__init__()
        self.results = results


class DeliveryModeChanged(Message):
    """The agency switched between sandbox and live; the app restarts its delivery."""

    def __init__(self, mode: str, results: list[CheckResult]) -> None:
        super().__init__()
        self.mode = mode
        self.results = results
