"""The real ``ecd-tui demo`` command in tmux at 80x24, driven with keys alone."""

from __future__ import annotations

import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

PHONE_TYPED = "(202) 555-0142"
PHONE = "+12025550142"
SUBJECT = "Hearing moved"
BODY = "Your hearing moved to Tuesday 9:00."
# After a key that moves focus, tmux needs a moment before typing, or the text lands
# in the widget that had focus before.
FOCUS_PAUSE_SECONDS = 0.2


class Tmux:
    """One tmux server on its own socket, so the test stops only what it started."""

    def __init__(self, socket_name: str) -> None:
        self.socket_name = socket_name
        self.socket_path: Path | None = None

    def run(self, *args: str) -> str:
        result = subprocess.run(["tmux", "-L", self.socket_name, *args], capture_output=True, text=True, timeout=10)
        if result.returncode != 0:
            raise RuntimeError(f"tmux {' '.join(args)} failed: {result.stderr.strip()}")
        return result.stdout

    def keys(self, *keys: str, literal: bool = False) -> None:
        self.run("send-keys", "-t", "app", *(["-l"] if literal else []), *keys)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "app")

    def remember_socket_path(self) -> None:
        self.socket_path = Path(self.run("display-message", "-p", "#{socket_path}").strip())

    def kill_server(self) -> None:
        subprocess.run(["tmux", "-L", self.socket_name, "kill-server"], capture_output=True, timeout=10)
        # tmux 3.3 leaves the socket file behind after kill-server.
        if self.socket_path is not None:
            self.socket_path.unlink(missing_ok=True)


@pytest.fixture
def tmux() -> Iterator[Tmux]:
    session = Tmux(f"ecd-tui-test-{uuid.uuid4().hex[:12]}")
    try:
        yield session
    finally:
        session.kill_server()


def quit_app(tmux: Tmux, *, still_open: str) -> None:
    """Quit with ctrl+q, answering y when the app asks because messages are still waiting."""
    tmux.keys("C-q")
    screen = wait_for_screen(
        tmux, lambda screen: "Quit anyway?" in screen or still_open not in screen, timeout=10, waiting_for="the app quits or asks",
    )
    if "Quit anyway?" in screen:
        tmux.keys("y")
    wait_for_screen(tmux, lambda screen: still_open not in screen, timeout=10, waiting_for="the app quits")


def wait_for_screen(tmux: Tmux, condition: Callable[[str], bool], *, timeout: float, waiting_for: str) -> str:
    deadline = time.monotonic() + timeout
    screen = ""
    while time.monotonic() < deadline:
        screen = tmux.screen()
        if condition(screen):
            return screen
        time.sleep(0.2)
    pytest.fail(f"Timed out after {timeout:g} s waiting until {waiting_for}.\nScreen:\n{screen}")


def start_demo(home: Path, tmux: Tmux) -> None:
    """Run ``ecd-tui demo`` in a detached 80x24 tmux session and wait for the Dashboard."""
    environment = {
        "TERM": "xterm-256color",
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
    }
    if os.environ.get("PYTHONPATH"):
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    command = shlex.join(["env", *(f"{key}={value}" for key, value in environment.items()), sys.executable, "-m", "ecd_tui", "demo"])
    # Textual draws on stderr, so a crash shows in the pane, which stays after the exit.
    tmux.run("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command, ";", "set-option", "-t", "app", "remain-on-exit", "on")
    tmux.remember_socket_path()

    wait_for_screen(tmux, lambda screen: "Scheduled Messages: " in screen and "loading" not in screen, timeout=20, waiting_for="the Dashboard shows")


def test_demo_sends_typed_phone_with_keys(isolated_dirs: Path, tmux: Tmux):
    home = isolated_dirs
    start_demo(home, tmux)
    screen = tmux.screen()
    assert "SANDBOX: nothing leaves this machine" in screen

    tmux.keys(PHONE_TYPED, literal=True)
    tmux.keys("Enter")
    wait_for_screen(tmux, lambda screen: f"{PHONE}  (text)" in screen, timeout=5, waiting_for="the phone is listed")
    for _ in range(2):  # the Add button, then Subject
        tmux.keys("Tab")
        time.sleep(FOCUS_PAUSE_SECONDS)
    # On a busy machine the focus moves late, so wait until the form marks the field.
    wait_for_screen(tmux, lambda screen: "\u25b6 Subject" in screen, timeout=5, waiting_for="Subject has focus")
    tmux.keys(SUBJECT, literal=True)
    tmux.keys("Tab")
    wait_for_screen(tmux, lambda screen: "\u25b6 Message" in screen, timeout=5, waiting_for="Message has focus")
    time.sleep(FOCUS_PAUSE_SECONDS)
    wait_for_screen(tmux, lambda screen: "\u25b6 Message" in screen, timeout=5, waiting_for="Message has focus")
    tmux.keys(BODY, literal=True)
    wait_for_screen(tmux, lambda screen: BODY in screen, timeout=5, waiting_for="the message is typed")
    tmux.keys("C-s")
    wait_for_screen(tmux, lambda screen: "Preview: 1 message" in screen, timeout=10, waiting_for="the preview opens")
    tmux.keys("y")

    screen = wait_for_screen(tmux, lambda screen: "Scheduled Messages: 1" in screen, timeout=10, waiting_for="the message is scheduled")
    rows = [line for line in screen.splitlines() if PHONE in line and "scheduled" in line]
    assert len(rows) == 1, screen

    database = home / "data" / "ecd-tui" / "demo.sqlite3"
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        stored = connection.execute("SELECT recipient, channel, status, subject, body FROM message").fetchall()
    assert stored == [(PHONE, "sms", "scheduled", SUBJECT, BODY)]

    quit_app(tmux, still_open="Scheduled Messages")


def test_demo_finds_client_and_sends_to_contacts(isolated_dirs: Path, tmux: Tmux):
    home = isolated_dirs
    start_demo(home, tmux)

    tmux.keys("F7")
    wait_for_screen(tmux, lambda screen: "Name, client id, case number" in screen, timeout=5, waiting_for="the client search opens")
    time.sleep(FOCUS_PAUSE_SECONDS)
    tmux.keys("whitfield", literal=True)
    wait_for_screen(tmux, lambda screen: "1 client found" in screen, timeout=5, waiting_for="Dana Whitfield is found")
    tmux.keys("Enter")
    screen = wait_for_screen(tmux, lambda screen: "2 of 3 contacts reachable" in screen, timeout=5, waiting_for="the profile opens")
    assert "✗ opted out" in screen

    tmux.keys("F3")  # Subject of the Send a Message form
    wait_for_screen(tmux, lambda screen: "^t Merge tag" in screen, timeout=5, waiting_for="the form has focus")
    time.sleep(FOCUS_PAUSE_SECONDS)
    tmux.keys("Hearing", literal=True)
    wait_for_screen(tmux, lambda screen: "Subject Hearing" in screen, timeout=5, waiting_for="the subject is typed")
    tmux.keys("Tab")
    time.sleep(FOCUS_PAUSE_SECONDS)
    tmux.keys("Hi [ClientFirstName], see you [EventDate].", literal=True)
    wait_for_screen(tmux, lambda screen: "see you [EventDate]." in screen, timeout=5, waiting_for="the message is typed")
    tmux.keys("C-s")
    screen = wait_for_screen(tmux, lambda screen: "Preview: 2 messages, 1 skipped" in screen, timeout=10, waiting_for="the preview opens")
    assert "skipped Dana Whitfield (+12025550143, home): opted out" in screen
    assert "Hi Dana, see you " in screen, screen
    assert "[ClientFirstName]" not in screen
    tmux.keys("y")
    wait_for_screen(tmux, lambda screen: "2 messages queued" in screen, timeout=10, waiting_for="the messages are queued")

    database = home / "data" / "ecd-tui" / "demo.sqlite3"
    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        stored = connection.execute("SELECT recipient, channel, status, subject, substr(body, 1, 17) FROM message ORDER BY recipient").fetchall()
    assert stored == [
        ("+12025550142", "sms", "scheduled", "Hearing", "Hi Dana, see you "),
        ("dana.whitfield@example.org", "email", "scheduled", "Hearing", "Hi Dana, see you "),
    ]

    quit_app(tmux, still_open="Dana")
