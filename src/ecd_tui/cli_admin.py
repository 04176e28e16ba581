"""Administration subcommands: users, settings, phones, audit, setup, backup, restore.

Each goes through ``Services`` (or ``delivery.carrier_admin`` for the carriers), so the
permissions are the same as on the screens. Secrets are read with getpass on a terminal,
or one per line from standard input otherwise. They are never taken from a command-line
argument, because ``ps`` shows those to every user.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from pathlib import Path

from ecd_tui.config import Config

EXIT_OK = 0
EXIT_FAILED = 1


def add_admin_commands(commands: argparse._SubParsersAction) -> None:
    """Add the administration subcommands to the ``ecd-tui`` parser."""
    users = commands.add_parser("users", help="list and manage users and roles (needs Manage Users)")
    user_commands = users.add_subparsers(dest="users_command", metavar="USERS_COMMAND", required=True)
    user_list = user_commands.add_parser("list", help="every user with role and state")
    user_list.add_argument("--json", action="store_true", help="print JSON instead of a table")
    user_add = user_commands.add_parser("add", help="add a user by operating-system login")
    user_add.add_argument("login")
    user_add.add_argument("--role", required=True, help="viewer, clerk, supervisor or administrator")
    user_add.add_argument("--name", default="", help="display name")
    set_role = user_commands.add_parser("set-role", help="give a user another role")
    set_role.add_argument("login")
    set_role.add_argument("role", help="viewer, clerk, supervisor or administrator")
    for name, text in (("disable", "disable a user: the login gets no access"), ("enable", "enable a disabled user")):
        command = user_commands.add_parser(name, help=text)
        command.add_argument("login")

    settings = commands.add_parser("settings", help="show or change the agency settings (changing needs Manage Settings)")
    settings_commands = settings.add_subparsers(dest="settings_command", metavar="SETTINGS_COMMAND", required=True)
    settings_show = settings_commands.add_parser("show", help="every setting with its value")
    settings_show.add_argument("--json", action="store_true", help="print JSON instead of a table")
    settings_set = settings_commands.add_parser("set", help="change settings, e.g. review_delay_minutes=0 time_zone=America/Chicago")
    settings_set.add_argument("assignments", nargs="+", metavar="KEY=VALUE")

    phones = commands.add_parser("phones", help="the agency's sending numbers (changing needs Manage Settings)")
    phone_commands = phones.add_subparsers(dest="phones_command", metavar="PHONES_COMMAND", required=True)
    phone_commands.add_parser("list", help="every agency number")
    phone_add = phone_commands.add_parser("add", help="add an active number")
    phone_add.add_argument("number")
    phone_add.add_argument("--label", default="")
    phone_add.add_argument("--capabilities", default="sms", help="comma-separated: sms, mms, voice (default sms)")
    for name in ("activate", "deactivate"):
        command = phone_commands.add_parser(name, help=f"{name} a number")
        command.add_argument("number", help="the number as listed, e.g. +12025550100")

    audit = commands.add_parser("audit", help="who created, cancelled, opted out or changed settings, and when")
    audit.add_argument("--kind", default="all", help="all, messages, opt-outs, settings or users")
    audit.add_argument("--limit", type=int, default=200)
    audit.add_argument("--json", action="store_true", help="print JSON instead of a table")

    setup = commands.add_parser("setup", help="set up the Twilio account and the mail server (needs Manage Settings)")
    setup.add_argument("action", nargs="?", default="store", choices=("store", "status", "test", "go-live", "sandbox"),
                       help="store (default): type settings and secrets; status; test: connection tests; go-live; sandbox: back to training mode")
    setup.add_argument("--account-sid", help="Twilio account SID (AC...)")
    setup.add_argument("--api-key", default=None, help="Twilio API key SID (SK...), to log in with a key instead of the auth token")
    setup.add_argument("--smtp-host")
    setup.add_argument("--smtp-port", help="465 (implicit TLS), 587 (STARTTLS) or 25")
    setup.add_argument("--smtp-tls", help="implicit, starttls or none (a local relay)")
    setup.add_argument("--smtp-username")
    setup.add_argument("--smtp-sender", help="the From address of email")
    setup.add_argument("--store", dest="secret_store", default="auto", choices=("auto", "keyring", "file"),
                       help="where secrets go: the keyring when one works (auto), or the encrypted file")
    setup.add_argument("--yes", action="store_true", help="with go-live or sandbox: do not ask to confirm")

    backup = commands.add_parser("backup", help="copy the database to FILE while in use (SQLite online backup)")
    backup.add_argument("file", type=Path)
    restore = commands.add_parser("restore", help="replace the database with FILE; refused while a dispatcher runs")
    restore.add_argument("file", type=Path)
    restore.add_argument("--yes", action="store_true", help="do not ask to confirm")


class AdminCommandError(Exception):
    """A refusal to print as is; ``cli.main`` exits with status 2."""


def _services(config: Config, demo: bool, *, must_exist: bool = False):
    """Open the services; ``must_exist`` refuses a missing database instead of creating one."""
    from ecd_tui.cli import _open_services

    return _open_services(config, demo, must_exist=must_exist)


def _refusals() -> tuple[type[Exception], ...]:
    from ecd_tui.config_file import ConfigWriteError
    from ecd_tui.delivery.carrier_admin import CarrierSetupError
    from ecd_tui.delivery.keyring_store import KeyringUnavailable
    from ecd_tui.delivery.secret_file import SecretFileError
    from ecd_tui.domain.access import AccessDenied
    from ecd_tui.domain.backup import BackupError
    from ecd_tui.domain.permissions import PermissionDenied
    from ecd_tui.domain.phones import PhoneError
    from ecd_tui.domain.settings import SettingsInvalid
    from ecd_tui.domain.user_admin import UserError

    return (PermissionDenied, AccessDenied, UserError, PhoneError, SettingsInvalid, CarrierSetupError,
            ConfigWriteError, SecretFileError, KeyringUnavailable, BackupError, ValueError)


def _guarded(handler):
    def run(args: argparse.Namespace, config: Config, demo: bool) -> int:
        try:
            return handler(args, config, demo)
        except _refusals() as error:
            raise AdminCommandError(str(error)) from None
    return run


@_guarded
def users(args: argparse.Namespace, config: Config, demo: bool) -> int:
    services = _services(config, demo, must_exist=args.users_command == "list")
    command = args.users_command
    if command == "list":
        records = services.users()
        if args.json:
            print(json.dumps([{"login": r.login, "name": r.display_name, "role": r.role, "active": r.active, "created_by": r.created_by} for r in records], indent=2))
            return EXIT_OK
        print(f"{'LOGIN':<20} {'ROLE':<14} {'STATE':<9} NAME")
        for record in records:
            print(f"{record.login:<20} {record.role:<14} {'active' if record.active else 'disabled':<9} {_printable(record.display_name)}")
        return EXIT_OK
    if command == "add":
        from ecd_tui.domain.user_admin import login_exists_here

        record = services.add_user(args.login, args.role, args.name)
        print(f"Added {record.login} as {record.role}.")
        if not login_exists_here(record.login):
            print(f"Note: this machine has no login {record.login} yet; it gets this role once the account exists.", file=sys.stderr)
        return EXIT_OK
    if command == "set-role":
        record = services.set_role(args.login, args.role)
        print(f"{record.login} is now {record.role}.")
        return EXIT_OK
    record = services.set_user_active(args.login, command == "enable")
    print(f"{record.login} is {'enabled' if record.active else 'disabled'}.")
    return EXIT_OK


@_guarded
def settings(args: argparse.Namespace, config: Config, demo: bool) -> int:
    from ecd_tui.domain.settings import FIELDS_BY_KEY

    services = _services(config, demo)
    if args.settings_command == "set":
        values = {}
        for assignment in args.assignments:
            key, separator, value = assignment.partition("=")
            if not separator:
                raise AdminCommandError(f"{assignment!r} is not KEY=VALUE: write it as review_delay_minutes=5.")
            values[key.strip()] = value
        shown = services.update_settings(values)
        for key in values:
            print(f"{key} = {shown.get(key, '')}")
        return EXIT_OK
    shown = services.settings_text()
    if args.json:
        print(json.dumps(shown, indent=2))
        return EXIT_OK
    for key, value in shown.items():
        print(f"{key:<22} {_printable(value):<32} {FIELDS_BY_KEY[key].help}")
    return EXIT_OK


@_guarded
def phones(args: argparse.Namespace, config: Config, demo: bool) -> int:
    from ecd_tui.domain.phones import parse_agency_number, phone_warnings

    services = _services(config, demo)
    command = args.phones_command
    if command == "add":
        chosen = {name.strip().lower() for name in args.capabilities.split(",") if name.strip()}
        unknown = chosen - {"sms", "mms", "voice"}
        if unknown:
            raise AdminCommandError(f"Capabilities {', '.join(sorted(unknown))} are unknown: use sms, mms and voice, separated by commas.")
        record = services.add_phone(args.number, args.label, sms="sms" in chosen, mms="mms" in chosen, voice="voice" in chosen)
        print(f"Added {record.e164} ({record.capabilities}).")
    elif command in ("activate", "deactivate"):
        e164 = parse_agency_number(args.number, services.agency().default_region)
        match = [phone for phone in services.phones() if phone.e164 == e164]
        if not match:
            raise AdminCommandError(f"{e164} is not an agency number: add it first with `ecd-tui phones add`.")
        record = services.update_phone(match[0].id, active=command == "activate")
        print(f"{record.e164} is {'active' if record.active else 'inactive'}.")
    records = services.phones()
    if command == "list":
        print(f"{'NUMBER':<16} {'STATE':<9} {'CAPABILITIES':<18} LABEL")
        for record in records:
            print(f"{record.e164:<16} {'active' if record.active else 'inactive':<9} {record.capabilities:<18} {_printable(record.label)}")
    for warning in phone_warnings(records):
        print(f"Warning: {warning}", file=sys.stderr)
    return EXIT_OK


@_guarded
def audit(args: argparse.Namespace, config: Config, demo: bool) -> int:
    from ecd_tui.domain.clock import format_local

    services = _services(config, demo, must_exist=True)
    records = services.audit(args.kind, limit=args.limit)
    if args.json:
        print(json.dumps([{"at": r.at.isoformat(), "login": r.login, "action": r.action, "target": r.target, "detail": r.detail} for r in records], indent=2))
        return EXIT_OK
    zone = services.zone()
    print(f"{'WHEN':<21} {'WHO':<14} {'WHAT':<20} TARGET / DETAIL")
    for record in records:
        print(f"{format_local(record.at, zone):<21} {_printable(record.login):<14} {record.action:<20} {_printable(record.target)} {_printable(record.detail)}")
    return EXIT_OK


@_guarded
def setup(args: argparse.Namespace, config: Config, demo: bool) -> int:
    from ecd_tui.delivery import carrier_admin
    from ecd_tui.domain.permissions import Permission
    from ecd_tui.domain.users import require

    services = _services(config, demo)
    require(services.actor, Permission.MANAGE_SETTINGS, "set up the carriers")
    if args.action == "status":
        return _setup_status(services, config)
    if args.action == "test":
        results = carrier_admin.run_connection_tests(services.store, services.actor, config, passphrase=_passphrase_if_file(config))
        for result in results:
            print(result)
        return EXIT_OK if all(result.ok for result in results) else EXIT_FAILED
    if args.action == "go-live":
        return _go_live(args, services, config)
    if args.action == "sandbox":
        if not args.yes and not _confirm("Switch delivery back to the sandbox? Nothing will reach clients until you go live again."):
            print("Nothing changed.")
            return EXIT_FAILED
        services.set_delivery_mode("sandbox")
        print("Delivery is the sandbox: nothing leaves this machine.")
        return EXIT_OK
    return _store(args, services, config)


def _setup_status(services, config: Config) -> int:
    from ecd_tui.delivery.credentials import credentials_file
    from ecd_tui.delivery.plan import plan_delivery

    mode = services.delivery_mode()
    plan = plan_delivery(config, mode.mode, passphrase=_passphrase_if_file(config, ask=False))
    print(f"Agency delivery mode: {mode.mode}" + (f" (since {mode.since:%Y-%m-%d %H:%M} UTC, by {mode.by})" if mode.since else ""))
    print(f"This session: {plan.header_label}")
    twilio, smtp = config.twilio, config.smtp
    print(f"Twilio: {twilio.account_sid if twilio else 'not set up'}" + (f" with API key {twilio.api_key}" if twilio and twilio.api_key else ""))
    print(f"SMTP: {f'{smtp.host}:{smtp.port} ({smtp.tls}), user {smtp.username}' if smtp else 'not set up'}")
    print(f"Config file: {config.source or 'none'}; credentials file: {credentials_file(config)}")
    if plan.reason:
        print(plan.reason)
    return EXIT_OK


def _store(args: argparse.Namespace, services, config: Config) -> int:
    from ecd_tui.delivery import carrier_admin
    from ecd_tui.delivery.credentials import credentials_file
    from ecd_tui.delivery.keyring_store import Keyring

    twilio, smtp = config.twilio, config.smtp
    form = carrier_admin.CarrierForm(
        account_sid=args.account_sid or _ask("Twilio account SID (AC...)", twilio.account_sid if twilio else ""),
        api_key=args.api_key if args.api_key is not None else _ask("Twilio API key SID (SK...; empty to use the auth token)", (twilio.api_key or "") if twilio else ""),
        smtp_host=args.smtp_host or _ask("SMTP host", smtp.host if smtp else ""),
        smtp_port=args.smtp_port or _ask("SMTP port (465 implicit TLS, 587 STARTTLS, 25)", str(smtp.port) if smtp else "587"),
        smtp_tls=args.smtp_tls or _ask("TLS mode (implicit, starttls, none; empty picks by port)", smtp.tls if smtp else ""),
        smtp_username=args.smtp_username if args.smtp_username is not None else _ask("SMTP user name (empty for none)", (smtp.username or "") if smtp else ""),
        smtp_sender=args.smtp_sender or _ask("Email sender address", (smtp.sender or "") if smtp else ""),
    )
    carrier_admin.check_form(form)  # report typing errors before asking for secrets
    secret_name = "API key secret" if form.api_key.strip() else "auth token"
    form.twilio_secret = _ask_secret(f"Twilio {secret_name} (empty keeps the stored one)")
    if form.smtp_username.strip():
        form.smtp_password = _ask_secret("SMTP password (empty keeps the stored one)")

    passphrase = None
    keyring = Keyring(config.credentials.keyring)
    if args.secret_store == "file" or (args.secret_store == "auto" and not keyring.available):
        if args.secret_store == "auto":
            print(f"No keyring works here ({keyring.reason}); the secrets go to the encrypted file {credentials_file(config)}.", file=sys.stderr)
        passphrase = _new_passphrase(credentials_file(config).exists())
    new_config, where, warnings = carrier_admin.store_carrier_settings(
        services.store, services.actor, config, form, target=args.secret_store, passphrase=passphrase,
    )
    print(f"Saved the settings in {new_config.source}; secrets in {where}.")
    for warning in warnings:
        print(f"Warning: {warning}", file=sys.stderr)
    print("Next: `ecd-tui setup test`, then `ecd-tui setup go-live`.")
    return EXIT_OK


def _go_live(args: argparse.Namespace, services, config: Config) -> int:
    from ecd_tui.delivery import carrier_admin

    pending = services.scheduled_count()
    question = "Go live? From now on messages reach real clients through Twilio and the mail server."
    if pending:
        question += f" The {pending} scheduled message(s) will go out for real."
    if not args.yes and not _confirm(question):
        print("Nothing changed: delivery stays in the sandbox.")
        return EXIT_FAILED
    mode, results = carrier_admin.go_live(services.store, services.actor, config, passphrase=_passphrase_if_file(config))
    for result in results:
        print(result)
    print(f"Delivery is {mode.mode.upper()}. Restart open ecd-tui apps and the dispatcher service to pick it up.")
    return EXIT_OK


def _passphrase_if_file(config: Config, *, ask: bool = True) -> str | None:
    from ecd_tui.delivery.credentials import PASSPHRASE_VARIABLE, credentials_file

    if os.environ.get(PASSPHRASE_VARIABLE):
        return os.environ[PASSPHRASE_VARIABLE]
    if ask and credentials_file(config).exists() and sys.stdin.isatty():
        return getpass.getpass(f"Passphrase of {credentials_file(config)}: ")
    return None


def _new_passphrase(existing: bool) -> str:
    from ecd_tui.delivery.credentials import PASSPHRASE_VARIABLE

    if os.environ.get(PASSPHRASE_VARIABLE):
        return os.environ[PASSPHRASE_VARIABLE]
    if existing:
        return _ask_secret("Passphrase of the existing credentials file")
    first = _ask_secret("New passphrase for the credentials file (8 characters or more)")
    if sys.stdin.isatty() and _ask_secret("The same passphrase again") != first:
        raise AdminCommandError("The two passphrases differ: run `ecd-tui setup` again.")
    return first


def _ask(prompt: str, default: str) -> str:
    suffix = f" [{default}]" if default else ""
    if sys.stdin.isatty():
        answer = input(f"{prompt}{suffix}: ")
    else:
        answer = sys.stdin.readline().rstrip("\n")
    return answer.strip() or default


def _ask_secret(prompt: str) -> str:
    if sys.stdin.isatty():
        return getpass.getpass(f"{prompt}: ")
    return sys.stdin.readline().rstrip("\n")


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        print(f"{question} Refused: add --yes to confirm without a terminal.", file=sys.stderr)
        return False
    return input(f"{question} Type yes to confirm: ").strip().lower() == "yes"


@_guarded
def backup(args: argparse.Namespace, config: Config, demo: bool) -> int:
    from ecd_tui.domain.backup import backup_database

    size = backup_database(config.database, args.file)
    print(f"Backed up {config.database} to {args.file} ({size:,} bytes).")
    return EXIT_OK


@_guarded
def restore(args: argparse.Namespace, config: Config, demo: bool) -> int:
    from ecd_tui.domain.backup import restore_database

    question = f"Replace {config.database} with {args.file}? Messages and changes made since that backup are lost (the current database is kept beside it)."
    if not args.yes and not _confirm(question):
        print("Nothing changed.")
        return EXIT_FAILED
    kept = restore_database(args.file, config.database)
    print(f"Restored {config.database} from {args.file}." + (f" The replaced database is kept as {kept}." if kept else ""))
    return EXIT_OK


def _printable(value: str) -> str:
    return "".join(character if character.isprintable() else "?" for character in value)


ADMIN_COMMANDS = {
    "users": users,
    "settings": settings,
    "phones": phones,
    "audit": audit,
    "setup": setup,
    "backup": backup,
    "restore": restore,
}
