"""The system keyring, with the backend chosen explicitly and every call bounded in time.

``keyring`` picks a backend by itself among every installed plugin, and some prompt for a
passphrase on the terminal (keyrings.cryptfile does), which fights the app for the screen.
So the backend is chosen here: the one named by ``PYTHON_KEYRING_BACKEND`` or the config,
else the platform's own keyring (Secret Service only when a D-Bus session exists). A call
that hangs, as Secret Service can over SSH, is abandoned after ``KEYRING_TIMEOUT``
seconds in a daemon thread.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

SERVICE = "ecd-tui"
KEYRING_TIMEOUT = 5.0


class KeyringUnavailable(Exception):
    """No keyring works here; the message explains why."""


class Keyring:
    """One keyring backend, or none; ``available`` is False when none works.

    Args:
        choice: "auto", "none" or a backend's dotted class name from the config.
        timeout: seconds each call may take.
    """

    def __init__(self, choice: str = "auto", *, timeout: float = KEYRING_TIMEOUT) -> None:
        self.choice = choice
        self.timeout = timeout
        self._backend: Any = None
        self.reason = ""
        try:
            self._backend = self._bounded(_load_backend, choice)
        except KeyringUnavailable as error:
            self.reason = str(error)
        if self._backend is not None:
            log.info("Keyring backend: %s", type(self._backend).__name__)
        else:
            log.info("No keyring: %s", self.reason)

    @property
    def available(self) -> bool:
        return self._backend is not None

    @property
    def name(self) -> str:
        return type(self._backend).__name__ if self._backend is not None else "none"

    def get(self, name: str) -> str | None:
        """Return the secret stored under ``name``, or None when there is none.

        Raises:
            KeyringUnavailable: no keyring, or it failed or timed out.
        """
        backend = self._require()
        return self._bounded(backend.get_password, SERVICE, name)

    def set(self, name: str, value: str) -> None:
        """Store ``value`` under ``name``; raises KeyringUnavailable as ``get`` does."""
        backend = self._require()
        self._bounded(backend.set_password, SERVICE, name, value)

    def delete(self, name: str) -> None:
        """Remove the secret stored under ``name``; a missing one is not an error."""
        from keyring.errors import PasswordDeleteError

        backend = self._require()
        try:
            self._bounded(backend.delete_password, SERVICE, name)
        except PasswordDeleteError:
            pass

    def _require(self) -> Any:
        if self._backend is None:
            raise KeyringUnavailable(self.reason or "no keyring is available")
        return self._backend

    def _bounded(self, function: Callable[..., Any], *args: Any) -> Any:
        """Run ``function`` in a daemon thread and give up after ``self.timeout`` seconds."""
        outcome: dict[str, Any] = {}

        def target() -> None:
            try:
                outcome["value"] = function(*args)
            except BaseException as error:  # reported to the caller below
                outcome["error"] = error

        thread = threading.Thread(target=target, name="ecd-keyring", daemon=True)
        thread.start()
        thread.join(self.timeout)
        if thread.is_alive():
            raise KeyringUnavailable(f"the keyring did not respond within {self.timeout:g} seconds")
        error = outcome.get("error")
        if isinstance(error, KeyringUnavailable):
            raise error
        if error is not None:
            if _is_keyring_error(error):
                raise KeyringUnavailable(f"the keyring failed: {error}") from error
            raise error
        return outcome.get("value")


def _load_backend(choice: str) -> Any:
    """Return a working backend for ``choice``, or raise KeyringUnavailable."""
    import keyring.core
    from keyring.backends import fail

    if choice == "none":
        raise KeyringUnavailable("the config turns the keyring off (keyring = \"none\")")

    backend = keyring.core.load_env()  # PYTHON_KEYRING_BACKEND, when set
    if backend is None and choice != "auto":
        try:
            backend = keyring.core.load_keyring(choice)
        except Exception as error:
            raise KeyringUnavailable(f"keyring backend {choice!r} cannot be loaded: {error}") from error
    if backend is None:
        backend = _platform_backend()
    if isinstance(backend, fail.Keyring):
        raise KeyringUnavailable("no keyring backend is available (the fail backend is chosen)")
    try:
        priority = backend.priority
    except Exception as error:
        raise KeyringUnavailable(f"keyring backend {type(backend).__name__} does not work here: {error}") from error
    if priority is not None and priority <= 0 and choice == "auto" and not os.environ.get("PYTHON_KEYRING_BACKEND"):
        raise KeyringUnavailable(f"keyring backend {type(backend).__name__} is not usable here")
    return backend


def _platform_backend() -> Any:
    if sys.platform == "darwin":
        from keyring.backends import macOS

        return macOS.Keyring()
    if sys.platform == "win32":
        from keyring.backends import Windows

        return Windows.WinVaultKeyring()
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        raise KeyringUnavailable("no D-Bus session, so no Secret Service keyring (usual over SSH)")
    from keyring.backends import SecretService

    return SecretService.Keyring()


def _is_keyring_error(error: BaseException) -> bool:
    from keyring.errors import KeyringError

    # The fail backend raises NoKeyringError, a RuntimeError; Secret Service raises
    # secretstorage and jeepney errors when the session bus refuses.
    if isinstance(error, (KeyringError, RuntimeError)):
        return True
    module = type(error).__module__ or ""
    return module.startswith(("secretstorage", "jeepney", "dbus"))
