"""``ecd-tui import`` and ``ecd-tui send --client``, run as a clerk would run them."""

from __future__ import annotations

import json

from tests.e2e.test_cli import run_cli

CSV = """client_id,first_name,last_name,phone,phone_label,email,opted_out,case_number,event_date,event_time,event_location
CR-1001,Dana,Whitfield,(202) 555-0142,cell,dana@example.org,no,2026-CR-4100,2030-01-15,9:30 AM,Courtroom 3B
CR-1001,,,202-555-0143,home,,yes,,,,
CR-1002,Luis,,+12025550155,,,,,,,
"""


def test_import_twice_then_send_to_client(isolated_dirs, tmp_path):
    home = isolated_dirs
    path = tmp_path / "clients.csv"
    path.write_text(CSV, encoding="utf-8")

    first = run_cli("import", str(path), home=home)
    assert first.returncode == 1
    assert "3 rows: 2 applied, 0 already present, 1 rejected" in first.stdout
    assert f"{path}: line 4 rejected: Last name is missing" in first.stderr
    second = run_cli("import", str(path), home=home)
    assert "3 rows: 0 applied, 2 already present, 1 rejected" in second.stdout
    assert "Added 0 clients, 0 contacts, 0 events; 0 opt-outs" in second.stdout

    sent = run_cli(
        "send", "--client", "CR-1001", "--subject", "Hearing",
        "--message", "Hi [ClientFirstName], [EventDate] at [EventTime]. [%Case:% CaseNumber]", "--now", home=home,
    )
    assert sent.returncode == 0, sent.stderr
    assert len(sent.stdout.split()) == 2
    assert "skipped Dana Whitfield (+12025550143, home): opted out" in sent.stderr

    dispatched = run_cli("dispatch", "--until-idle", "--timeout", "60", home=home)
    assert dispatched.returncode == 0, dispatched.stderr
    entries = json.loads(run_cli("sandbox", "log", "--json", home=home).stdout)
    texts = [entry for entry in entries if entry["kind"] == "sms"]
    assert [entry["to"] for entry in texts] == ["+12025550142"]
    assert texts[0]["body"] == "Hearing\nHi Dana, Tuesday, January 15, 2030 at 9:30 AM. Case: 2026-CR-4100"
    assert [entry["to"] for entry in entries if entry["kind"] == "email"] == ["dana@example.org"]


def test_send_to_unknown_client_exits_2(isolated_dirs):
    result = run_cli("send", "--client", "NOPE-1", "--message", "x", home=isolated_dirs)
    assert result.returncode == 2
    assert "No client has the id 'NOPE-1'" in result.stderr
    assert run_cli("send", "--message", "x", home=isolated_dirs).returncode == 2
