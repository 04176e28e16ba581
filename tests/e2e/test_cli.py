"""The command line, run as a clerk would run it, on empty user dirs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def run_cli(*args: str, home: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    env = {
        key: value for key, value in os.environ.items()
        if not key.startswith("ECD_TUI_")
    }
    env.update(
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_STATE_HOME=str(home / "state"),
    )
    return subprocess.run([sys.executable, "-m", "ecd_tui", *args], env=env, capture_output=True, text=True, timeout=timeout)


def test_send_dispatch_messages_sandbox_log(isolated_dirs):
    home = isolated_dirs
    sent = run_cli(
        "send", "--to", "(202) 555-0142", "--to", "client@example.org",
        "--subject", "Hearing", "--message", "Your hearing moved.", "--now", home=home,
    )
    assert sent.returncode == 0, sent.stderr
    ids = [int(line) for line in sent.stdout.split()]
    assert len(ids) == 2

    dispatched = run_cli("dispatch", "--until-idle", "--timeout", "60", home=home)
    assert dispatched.returncode == 0, dispatched.stderr
    assert "sandbox" in dispatched.stderr

    listed = run_cli("messages", "--json", home=home)
    assert listed.returncode == 0, listed.stderr
    messages = json.loads(listed.stdout)
    # --until-idle waits for the text's final carrier status; email has none after "sent".
    assert [(m["id"], m["recipient"], m["channel"], m["status"]) for m in messages] == [
        (ids[0], "+12025550142", "sms", "delivered"),
        (ids[1], "client@example.org", "email", "sent"),
    ]
    assert all(m["carrier_id"] for m in messages)

    logged = run_cli("sandbox", "log", "--json", home=home)
    assert logged.returncode == 0, logged.stderr
    entries = json.loads(logged.stdout)
    texts = [entry for entry in entries if entry["kind"] == "sms"]
    emails = [entry for entry in entries if entry["kind"] == "email"]
    assert [entry["to"] for entry in texts] == ["+12025550142"]
    assert texts[0]["body"] == "Hearing\nYour hearing moved."
    assert [entry["to"] for entry in emails] == ["client@example.org"]

    log_file = home / "state" / "ecd-tui" / "log" / "ecd-tui.log"
    log_text = log_file.read_text()
    assert f"Message {ids[0]} sent" in log_text
    assert f"Message {ids[1]} sent" in log_text


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--to", "555-555-5555", "--message", "x"], "'555-555-5555' is not a valid phone number"),
        (["--to", "client@", "--message", "x"], "'client@' is not a valid email address"),
        (["--to", "+12025550142", "--message", "   "], "The message is empty"),
        (["--to", "+12025550142", "--message", "x", "--at", "tomorrow"], "--at 'tomorrow' is not a date and time"),
        (["--to", "+12025550142", "--message", "x", "--at", "2020-01-01 09:00"], "is in the past: pick a time after"),
    ],
)
def test_send_bad_input_exits_2_and_queues_nothing(isolated_dirs, args, expected):
    result = run_cli("send", *args, home=isolated_dirs)
    assert result.returncode == 2
    assert expected in result.stderr
    assert result.stdout == ""
    listed = run_cli("messages", "--json", home=isolated_dirs)
    assert json.loads(listed.stdout) == []


def test_messages_table_shows_control_characters_as_text(isolated_dirs):
    result = run_cli("send", "--to", "+12025550142", "--message", "x", home=isolated_dirs)
    assert result.returncode == 0, result.stderr
    table = run_cli("messages", home=isolated_dirs)
    assert "+12025550142" in table.stdout
    assert "scheduled" in table.stdout


def test_global_options_after_command(isolated_dirs, tmp_path):
    database = tmp_path / "elsewhere.sqlite3"
    queued = run_cli("send", "--to", "+12025550142", "--message", "x", "--db", str(database), home=isolated_dirs)
    assert queued.returncode == 0, queued.stderr
    after = run_cli("messages", "--json", "--db", str(database), home=isolated_dirs)
    before = run_cli("--db", str(database), "messages", "--json", home=isolated_dirs)
    assert after.returncode == 0, after.stderr
    assert [m["recipient"] for m in json.loads(after.stdout)] == ["+12025550142"]
    assert json.loads(before.stdout) == json.loads(after.stdout)


def test_read_commands_reject_missing_database(isolated_dirs, tmp_path):
    missing = tmp_path / "missing.sqlite3"
    for args in (["messages"], ["sandbox", "log"]):
        result = run_cli(*args, "--db", str(missing), home=isolated_dirs)
        assert result.returncode == 2
        assert f"Database {missing} does not exist" in result.stderr
    assert not missing.exists()
