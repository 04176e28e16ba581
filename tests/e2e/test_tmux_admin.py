"""The real ``ecd-tui`` command in tmux at 80x24: an agency set up with keys alone."""

from __future__ import annotations

import os
import shlex
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from tests.e2e.test_tmux_send import FOCUS_PAUSE_SECONDS, Tmux, tmux, wait_for_screen  # noqa: F401 (tmux is a fixture)

pytestmark = pytest.mark.e2e


def test_settings_and_phone_with_keys(isolated_dirs: Path, tmux: Tmux):
    home = isolated_dirs
    database = home / "agency.sqlite3"
    environment = {
        "TERM": "xterm",  # 16 colours
        "NO_COLOR": "1",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
        "XDG_DATA_HOME": str(home / "data"),
        "XDG_CONFIG_HOME": str(home / "config"),
        "XDG_STATE_HOME": str(home / "state"),
    }
    if os.environ.get("PYTHONPATH"):
        environment["PYTHONPATH"] = os.environ["PYTHONPATH"]
    command = shlex.join(["env", *(f"{key}={value}" for key, value in environment.items()), sys.executable, "-m", "ecd_tui", "--db", str(database)])
    tmux.run("new-session", "-d", "-s", "app", "-x", "80", "-y", "24", command, ";", "set-option", "-t", "app", "remain-on-exit", "on")
    tmux.remember_socket_path()
    wait_for_screen(tmux, lambda screen: "Scheduled Messages: " in screen and "loading" not in screen, timeout=20, waiting_for="the Dashboard shows")

    tmux.keys("F8")
    wait_for_screen(tmux, lambda screen: "Administration" in screen, timeout=5, waiting_for="the menu")
    tmux.keys("s")
    wait_for_screen(tmux, lambda screen: "Agency Settings" in screen and "UTC" in screen, timeout=10, waiting_for="the settings load")
    for _ in range(5):  # name, phone, email, time zone, region, then the review delay
        tmux.keys("Tab")
    wait_for_screen(tmux, lambda screen: "▶ Review delay" in screen, timeout=5, waiting_for="focus on the review delay")
    tmux.keys("End", "BSpace", "BSpace", "BSpace")
    wait_for_screen(tmux, lambda screen: "is not a number" in screen, timeout=5, waiting_for="the delay is cleared")
    tmux.keys("0", literal=True)
    wait_for_screen(tmux, lambda screen: any(line.rstrip() == "▶ Review delay (minutes) 0" for line in screen.splitlines()), timeout=5, waiting_for="the new delay is typed")
    tmux.keys("C-s")
    wait_for_screen(tmux, lambda screen: "Settings saved" in screen, timeout=10, waiting_for="the settings are saved")
    tmux.keys("Escape")
    time.sleep(FOCUS_PAUSE_SECONDS)

    tmux.keys("F8")
    wait_for_screen(tmux, lambda screen: "Administration" in screen, timeout=5, waiting_for="the menu")
    tmux.keys("p")
    wait_for_screen(tmux, lambda screen: "No agency number yet" in screen, timeout=10, waiting_for="the phones load")
    tmux.keys("a")
    wait_for_screen(tmux, lambda screen: "▶ Number" in screen, timeout=5, waiting_for="the add dialog")
    tmux.keys("(202) 555-0100", literal=True)
    tmux.keys("Tab")
    wait_for_screen(tmux, lambda screen: "▶ Label" in screen, timeout=5, waiting_for="focus on the label")
    tmux.keys("Main line", literal=True)
    wait_for_screen(tmux, lambda screen: "Main line" in screen, timeout=5, waiting_for="the label is typed")
    tmux.keys("C-s")
    screen = wait_for_screen(tmux, lambda screen: "+12025550100" in screen and "active" in screen, timeout=10, waiting_for="the number is listed")
    assert "Main line" in screen

    with closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True)) as connection:
        delay = connection.execute("SELECT review_delay_seconds FROM agency_settings").fetchone()[0]
        phones = connection.execute("SELECT e164, label, active FROM agency_phone").fetchall()
        actions = [row[0] for row in connection.execute("SELECT action FROM audit_log ORDER BY id")]
    assert delay == 0
    assert phones == [("+12025550100", "Main line", 1)]
    assert actions[-2:] == ["settings changed", "phone added"]

    tmux.keys("C-q")
    wait_for_screen(tmux, lambda screen: "Agency Phones" not in screen, timeout=10, waiting_for="the app quits")
