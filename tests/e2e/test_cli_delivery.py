"""The command line's delivery options, run as a clerk would run them, on empty user dirs."""

from __future__ import annotations

import json

from ecd_tui.domain.agency import load_settings_row
from ecd_tui.domain.store import open_store
from tests.e2e.test_cli import run_cli


def database(home):
    return home / "data" / "ecd-tui" / "ecd-tui.sqlite3"


def test_voice_attachments_reply_and_opt_out(isolated_dirs, tmp_path):
    home = isolated_dirs
    letter = tmp_path / "letter.pdf"
    letter.write_bytes(b"%PDF-1.4\n")
    picture = tmp_path / "map.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(16))

    call = run_cli("send", "--to", "(202) 555-0142", "--message", "Court is Monday.", "--voice", "--now", home=home)
    assert call.returncode == 0, call.stderr
    mail = run_cli(
        "send", "--to", "client@example.org", "--subject", "Forms", "--message", "Two files.",
        "--attach", str(letter), "--attach", str(picture), "--now", home=home,
    )
    assert mail.returncode == 0, mail.stderr
    assert run_cli("dispatch", "--until-idle", "--timeout", "60", home=home).returncode == 0

    reply = run_cli("sandbox", "reply", "--from", "(202) 555-0142", "--body", "stop", home=home)
    assert reply.returncode == 0, reply.stderr
    assert reply.stdout.startswith("SM")
    assert run_cli("dispatch", "--until-idle", "--timeout", "60", home=home).returncode == 0

    messages = json.loads(run_cli("messages", "--json", home=home).stdout)
    assert [(m["direction"], m["channel"], m["status"]) for m in messages] == [
        ("outbound", "voice", "delivered"),
        ("outbound", "email", "sent"),
        ("inbound", "sms", "received"),
    ]
    log = json.loads(run_cli("sandbox", "log", "--json", home=home).stdout)
    emails = [entry for entry in log if entry["kind"] == "email"]
    assert emails[0]["attachments"] == ["letter.pdf", "map.png"]
    assert [entry["kind"] for entry in log if entry["kind"] == "voice"] == ["voice"]

    refused = run_cli("send", "--to", "(202) 555-0142", "--message", "After STOP", "--now", home=home)
    assert refused.returncode == 2
    assert "+12025550142 (opted out)" in refused.stderr


def test_bad_attachment_and_quiet_hours_refused(isolated_dirs, tmp_path):
    home = isolated_dirs
    missing = run_cli("send", "--to", "client@example.org", "--message", "x", "--attach", str(tmp_path / "gone.pdf"), home=home)
    assert missing.returncode == 2
    assert "gone.pdf' was not found: check the path" in missing.stderr

    store = open_store(database(home))
    with store.write() as session:
        settings = load_settings_row(session)
        settings.time_zone = "UTC"
        settings.quiet_hours_start = "00:00"
        settings.quiet_hours_end = "23:59"
    store.dispose()

    quiet = run_cli("send", "--to", "client@example.org", "--message", "x", home=home)
    assert quiet.returncode == 2
    assert "is in the agency's quiet hours (00:00 to 23:59)" in quiet.stderr
    assert "--in-quiet-hours to send anyway" in quiet.stderr
    assert json.loads(run_cli("messages", "--json", home=home).stdout) == []

    anyway = run_cli("send", "--to", "client@example.org", "--message", "x", "--in-quiet-hours", home=home)
    assert anyway.returncode == 0, anyway.stderr
    assert "warning:" in anyway.stderr
