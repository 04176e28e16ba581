"""Keyring backends for tests: one that keeps secrets in memory, one that never answers."""

from __future__ import annotations

import threading

from keyring.backend import KeyringBackend


class MemoryKeyring(KeyringBackend):
    priority = 1
    values: dict[tuple[str, str], str] = {}

    def get_password(self, service, username):
        return self.values.get((service, username))

    def set_password(self, service, username, password):
        self.values[(service, username)] = password

    def delete_password(self, service, username):
        self.values.pop((service, username), None)


class HangingKeyring(KeyringBackend):
    """Blocks every call, as Secret Service can when no one unlocks the collection."""

    priority = 1
    release = threading.Event()

    def get_password(self, service, username):
        self.release.wait(30)
        return None

    def set_password(self, service, username, password):
        self.release.wait(30)

    def delete_password(self, service, username):
        self.release.wait(30)
