"""The ``ecd-tui`` command: the app, and the same services without a screen.

Every subcommand goes through the same services as the screens, so a message queued
here is checked by the same rules as one queued from the Dashboard.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from datetime import datetime
from pathlib import Path

from ecd_tui import __version__
from ecd_tui.cli_admin import ADMIN_COMMANDS, AdminCommandError, add_admin_commands
from ecd_tui.config import Config, ConfigError, load_config

log = logging.getLogger("ecd_tui.cli")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_BAD_INPUT = 2


class CommandError(Exception):
    """A command that cannot go on; the text is printed as is and the exit status is 2."""


def _global_options(defaults: bool) -> argparse.ArgumentParser:
    """Return the options every command takes, before or after the command's name.

    The subcommands' copies default to SUPPRESS, so an option given before the command is
    not overwritten by the subcommand's default.
    """
    options = argparse.ArgumentParser(add_help=False)
    unset = {} if defaults else {"default": argparse.SUPPRESS}
    options.add_argument("--db", type=Path, help="database file to use (default: ecd-tui.sqlite3 in the user data dir)", **unset)
    options.add_argument("--config", type=Path, help="TOML config file (default: user config dir, then /etc/ecd-tui/config.toml)", **unset)
    options.add_argument("--demo", action="store_true", help="use the demo database with sandbox delivery", **unset)
    return options


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ecd-tui",
        description="Send one-off messages to clients from the terminal.",
        epilog="Run 'ecd-tui COMMAND --help' for the options of one command.",
        parents=[_global_options(defaults=True)],
    )
    parser.add_argument("--version", action="version", version=f"ecd-tui {__version__}")
    commands = _Commands(parser.add_subparsers(dest="command", metavar="COMMAND"), _global_options(defaults=False))

    commands.add_parser("run", help="open the app (the default)")
    commands.add_parser("demo", help="open the app on a demo database with a fictional agency; nothing leaves this machine")

    send = commands.add_parser("send", help="queue a message, as the Send a Message form does")
    send.add_argument("--to", action="append", default=[], metavar="VALUE", help="phone number or email address; repeat for several")
    send.add_argument("--client", action="append", default=[], metavar="CLIENT_ID", help="a client's id: one message to each valid, opted-in contact; repeat for several")
    send.add_argument("--voice", action="store_true", help="call phones instead of texting them (landlines are always called)")
    send.add_argument("--preview", action="store_true", help="print what each recipient would get and queue nothing")
    send.add_argument("--subject", default="", help="subject; leads the body of a text")
    send.add_argument("--message", required=True, help="the message text")
    when = send.add_mutually_exclusive_group()
    when.add_argument("--now", action="store_true", help="send at once, skipping the review delay (needs Send Without Delay)")
    when.add_argument("--at", metavar="TIME", help="send at this time in the agency's time zone, e.g. '2026-12-07 09:30'")
    send.add_argument("--attach", action="append", default=[], metavar="FILE", help="attach a file (up to 5; repeat for several)")
    send.add_argument("--in-quiet-hours", action="store_true", help="send even when the send time falls in the agency's quiet hours")

    import_command = commands.add_parser("import", help="add clients with their contacts and events from a CSV file")
    import_command.add_argument("file", type=Path, metavar="FILE.csv", help="UTF-8 CSV with a header row; see the README for the columns")

    messages = commands.add_parser("messages", help="list the messages")
    messages.add_argument("--json", action="store_true", help="print JSON instead of a table")

    dispatch = commands.add_parser("dispatch", help="run the dispatcher without the app")
    dispatch.add_argument("--until-idle", action="store_true", help="exit once nothing is due or in flight")
    dispatch.add_argument("--timeout", type=float, default=300.0, metavar="SECONDS", help="with --until-idle, give up after this many seconds (default 300)")

    sandbox = commands.add_parser("sandbox", help="the sandbox carrier and mail server")
    sandbox_commands = _Commands(
        sandbox.add_subparsers(dest="sandbox_command", metavar="SANDBOX_COMMAND", required=True), commands.options
    )
    sandbox_log = sandbox_commands.add_parser("log", help="what the sandbox received")
    sandbox_log.add_argument("--json", action="store_true", help="print JSON instead of a table")
    add_admin_commands(commands)
    sandbox_reply = sandbox_commands.add_parser("reply", help="inject a text from a client, as if they replied to the agency")
    sandbox_reply.add_argument("--from", dest="from_", required=True, metavar="NUMBER", help="the client's phone number")
    sandbox_reply.add_argument("--body", required=True, metavar="TEXT", help="what the client texts, such as STOP")
    sandbox_reply.add_argument("--to", metavar="NUMBER", help="the agency number it goes to (default: the first active agency number)")
    return parser


class _Commands:
    """Adds subcommands that also accept the global options after their name."""

    def __init__(self, subparsers, options: argparse.ArgumentParser) -> None:
        self.subparsers = subparsers
        self.options = options

    def add_parser(self, name: str, **kwargs) -> argparse.ArgumentParser:
        return self.subparsers.add_parser(name, parents=[self.options], **kwargs)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    demo = args.demo or command == "demo"
    try:
        config = _config(args, demo)
        from ecd_tui.logging_setup import setup_logging

        setup_logging(config.paths.log_file)
        handler = COMMANDS[command]
        return handler(args, config, demo)
    except (CommandError, ConfigError, AdminCommandError) as error:
        print(f"ecd-tui: {error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return EXIT_FAILED
    except BrokenPipeError:
        # The reader of our output (e.g. head) went away; nothing is left to tell it.
        sys.stderr.close()
        return EXIT_OK


def _config(args: argparse.Namespace, demo: bool) -> Config:
    from ecd_tui.config import Paths

    database = args.db
    if demo and database is None:
        database = Paths.from_platform().demo_database
    return load_config(args.config, database)


def _open_services(config: Config, demo: bool, *, must_exist: bool = False):
    from ecd_tui.domain.store import StoreError, open_store
    from ecd_tui.domain.users import current_login
    from ecd_tui.services import Services

    if must_exist and not config.database.exists():
        raise CommandError(
            f"Database {config.database} does not exist: check --db, or queue a message first to create it."
        )
    try:
        store = open_store(config.database, group=config.database_group)
    except StoreError as error:
        raise CommandError(str(error)) from None
    login = current_login()
    if demo:
        from ecd_tui.domain.demo import seed_demo

        seed_demo(store, login)
    services = Services.open(store, login)
    _check_access(services)
    if demo or services.delivery_mode().mode != "live":
        from ecd_tui.domain.sending_numbers import SANDBOX_NUMBER

        # In training the sandbox's test number sends texts and calls when the agency has none.
        services.fallback_number = SANDBOX_NUMBER
    return services


def _check_access(services) -> None:
    """Refuse a login with no access; tell a read-only one whom to ask, on stderr."""
    from ecd_tui.domain.access import AccessDenied

    try:
        access = services.require_access()
    except AccessDenied as error:
        services.store.dispose()
        raise CommandError(str(error)) from None
    if access.level == "read_only":
        print(f"ecd-tui: {access.message}", file=sys.stderr)


def run_app(args: argparse.Namespace, config: Config, demo: bool) -> int:
    from ecd_tui.app import EcdApp

    services = _open_services(config, demo)
    log.info("ecd-tui %s started by %s on %s", __version__, services.actor.login, config.database)
    try:
        EcdApp(services, config, force_sandbox=demo, log_path=config.paths.log_file).run()
    finally:
        log.info("ecd-tui stopped")
        services.store.dispose()
    return EXIT_OK


def send(args: argparse.Namespace, config: Config, demo: bool) -> int:
    from ecd_tui.domain.clock import format_local
    from ecd_tui.domain.messages import MessageError
    from ecd_tui.domain.permissions import PermissionDenied
    from ecd_tui.domain.recipients import InvalidRecipient

    from ecd_tui.domain.attachments import AttachmentError

    if not args.to and not args.client:
        raise CommandError("Name a recipient: --to with a phone number or email address, or --client with a client id.")
    services = _open_services(config, demo)
    try:
        targets = _send_targets(args, services)
        files = [services.check_attachment(path) for path in args.attach]
        timing = _timing(args, services)
        if args.preview:
            return _print_preview(services.preview(targets, args.subject, args.message, timing, voice=args.voice, files=files), services)
        _check_quiet_hours(args, services, timing)
        result = services.send(targets, args.subject, args.message, timing, voice=args.voice, files=files)
    except (InvalidRecipient, MessageError, PermissionDenied, AttachmentError) as error:
        log.info("ecd-tui send rejected: %s", error)
        raise CommandError(str(error)) from None

    zone = services.zone()
    for record in result.messages:
        print(record.id)
        print(f"message {record.id}: {record.channel} to {record.recipient}, sends at {format_local(record.send_at, zone)}", file=sys.stderr)
    for skipped in result.skipped:
        print(f"skipped {_printable(skipped.name or skipped.address)}: {skipped.reason}", file=sys.stderr)
    return EXIT_OK


def _check_quiet_hours(args: argparse.Namespace, services, timing) -> None:
    """Refuse a send into quiet hours unless the clerk chose the time or said to send anyway.

    A time given with --at was chosen on purpose, so it only warns. Otherwise the command
    stops with the next allowed time, since a script run late at night should not wake
    clients by default.
    """
    warning = services.quiet_hours_warning(timing)
    if warning is None:
        return
    if args.at or args.in_quiet_hours:
        print(f"warning: {warning.text}", file=sys.stderr)
        return
    from ecd_tui.domain.clock import to_local

    next_allowed = to_local(warning.next_allowed, services.zone()).strftime("%Y-%m-%d %H:%M")
    raise CommandError(
        f"{warning.text} Nothing was queued: add --at '{next_allowed}' to send then,"
        " or --in-quiet-hours to send anyway."
    )


def _timing(args: argparse.Namespace, services):
    from ecd_tui.domain.messages import SendTiming

    if args.now:
        return SendTiming(mode="now")
    if args.at:
        try:
            moment = datetime.fromisoformat(args.at)
        except ValueError:
            raise CommandError(f"--at {args.at!r} is not a date and time: write it as 'YYYY-MM-DD HH:MM' in the agency's time zone.") from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=services.zone())
        return SendTiming(mode="at", at=moment)
    return SendTiming()


def _send_targets(args: argparse.Namespace, services) -> list:
    from ecd_tui.domain.fanout import SendTarget

    targets = []
    for client_id in args.client:
        client = services.client_by_client_id(client_id)
        if client is None:
            raise CommandError(f"No client has the id {client_id!r}: check it with the Clients screen or the import file.")
        targets.append(SendTarget.for_client(client.id))
    targets.extend(SendTarget.typed(services.parse_recipient(value)) for value in args.to)
    return targets


def _print_preview(preview, services) -> int:
    from ecd_tui.domain.clock import format_local

    print(f"sends at {format_local(preview.send_at, services.zone())}")
    for entry in preview.entries:
        encoding = f", {entry.encoding}, {entry.segments} segment(s)" if entry.encoding else ""
        print(f"\n{entry.channel} to {_printable(entry.name)}{encoding}")
        print(_printable_block(entry.text))
        for warning in entry.warnings:
            print(f"  warning: {_printable(warning)}")
    for skipped in preview.skipped:
        print(f"\nskipped {_printable(skipped.name or skipped.address)}: {skipped.reason}")
    for problem in preview.problems:
        print(f"ecd-tui: {_printable(problem)}", file=sys.stderr)
    return EXIT_OK if preview.can_send else EXIT_BAD_INPUT


def import_clients(args: argparse.Namespace, config: Config, demo: bool) -> int:
    from ecd_tui.domain.importer import ImportFileError
    from ecd_tui.domain.permissions import PermissionDenied

    services = _open_services(config, demo)
    try:
        report = services.import_clients(args.file)
    except (ImportFileError, PermissionDenied) as error:
        raise CommandError(str(error)) from None
    print(report.summary())
    for row in report.rejected:
        print(f"{args.file}: line {row.line} rejected: {_printable(row.reason)}", file=sys.stderr)
    return EXIT_FAILED if report.rejected else EXIT_OK


def messages(args: argparse.Namespace, config: Config, demo: bool) -> int:
    services = _open_services(config, demo, must_exist=not demo)
    records = services.all_messages()
    if args.json:
        keys = ("id", "direction", "recipient", "channel", "status", "send_at", "sent_at", "carrier_id", "carrier_status", "error_code", "error_reason", "created_by")
        print(json.dumps([{key: record.to_json()[key] for key in keys} for record in records], indent=2))
        return EXIT_OK

    from ecd_tui.domain.clock import format_local

    zone = services.zone()
    print(f"{'ID':>6}  {'STATUS':<10} {'CHANNEL':<7} {'RECIPIENT':<28} {'SEND AT':<22} CARRIER ID / ERROR")
    for record in records:
        detail = record.error_reason or record.carrier_id or ""
        print(f"{record.id:>6}  {record.status:<10} {record.channel:<7} {_printable(record.recipient):<28} {format_local(record.send_at, zone):<22} {_printable(detail)}")
    return EXIT_OK


def dispatch(args: argparse.Namespace, config: Config, demo: bool) -> int:
    services = _open_services(config, demo)
    try:
        finished = asyncio.run(_dispatch(services, config, demo, until_idle=args.until_idle, timeout=args.timeout))
    finally:
        services.store.dispose()
    if not finished:
        print(f"ecd-tui: messages were still due or in flight after {args.timeout:g} seconds.", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


async def _dispatch(services, config: Config, demo: bool, *, until_idle: bool, timeout: float) -> bool:
    from ecd_tui.delivery.dispatcher import Dispatcher
    from ecd_tui.delivery.plan import plan_delivery
    from ecd_tui.delivery.setup import DeliveryUnavailable, start_delivery

    plan = await asyncio.to_thread(plan_delivery, config, services.delivery_mode().mode, force_sandbox=demo)
    try:
        delivery = await start_delivery(config, force_sandbox=demo, plan=plan)
    except DeliveryUnavailable as error:
        raise CommandError(str(error)) from None
    stop = _stop_on_signal()
    dispatcher = Dispatcher(services.store, delivery.text_transport, delivery.email_transport, fallback_senders=delivery.senders)
    print(f"ecd-tui dispatcher: delivery is {delivery.mode}" + (" (nothing leaves this machine)" if delivery.sandbox else ""), file=sys.stderr)
    try:
        await dispatcher.start()
        if until_idle:
            return await _until_idle_or_signal(dispatcher, timeout, stop)
        await stop.wait()
        log.info("Dispatcher received a stop signal")
        return True
    finally:
        await dispatcher.stop()
        await delivery.aclose()


def _stop_on_signal() -> asyncio.Event:
    """Return an event that SIGTERM or SIGINT sets, so the dispatcher stops cleanly."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    return stop


async def _until_idle_or_signal(dispatcher, timeout: float, stop: asyncio.Event) -> bool:
    idle = asyncio.ensure_future(dispatcher.run_until_idle(timeout))
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({idle, stopped}, return_when=asyncio.FIRST_COMPLETED)
    if idle.done():
        stopped.cancel()
        return idle.result()
    log.info("Dispatcher received a stop signal before it was idle")
    idle.cancel()
    await asyncio.gather(idle, return_exceptions=True)
    return False


def sandbox(args: argparse.Namespace, config: Config, demo: bool) -> int:
    from ecd_tui.delivery.sandbox import read_sandbox_log
    from ecd_tui.delivery.setup import sandbox_directory

    if not config.database.exists() and not demo:
        raise CommandError(f"Database {config.database} does not exist: check --db.")
    if args.sandbox_command == "reply":
        return sandbox_reply(args, config, demo)
    entries = read_sandbox_log(sandbox_directory(config.database))
    if args.json:
        print(json.dumps(entries, indent=2, default=str))
        return EXIT_OK
    print(f"{'RECEIVED AT':<27} {'KIND':<6} {'TO':<28} {'CARRIER ID':<36} BODY")
    for entry in entries:
        body = " ".join(str(entry.get("body", "")).split())
        print(f"{entry['received_at']:<27} {entry['kind']:<6} {_printable(entry['to']):<28} {entry['carrier_id']:<36} {_printable(body[:60])}")
    return EXIT_OK


def sandbox_reply(args: argparse.Namespace, config: Config, demo: bool) -> int:
    from ecd_tui.delivery.sandbox.replies import inject_reply
    from ecd_tui.delivery.setup import sandbox_directory
    from ecd_tui.domain.messages import MessageError
    from ecd_tui.domain.recipients import InvalidRecipient

    if config.live and not demo:
        raise CommandError("Delivery is live, so there is no sandbox to reply in: use --demo, or a database without live carriers.")
    services = _open_services(config, demo)
    try:
        sender = services.parse_recipient(args.from_)
        agency_number = services.parse_recipient(args.to).address if args.to else services.default_sending_number()
    except (InvalidRecipient, MessageError) as error:
        raise CommandError(str(error)) from None
    if sender.kind != "phone":
        raise CommandError(f"--from {args.from_!r} is an email address: a reply comes from a phone number.")
    try:
        reply = inject_reply(sandbox_directory(config.database), from_=sender.address, to=agency_number, body=args.body)
    except ValueError as error:
        raise CommandError(str(error)) from None
    print(reply.sid)
    print(f"reply from {sender.address} to {agency_number} stored; a running dispatcher picks it up within 15 seconds", file=sys.stderr)
    return EXIT_OK


def _printable_block(value: str) -> str:
    """Like _printable, but keeps line breaks, indented for a preview."""
    return "\n".join("  " + _printable(line) for line in value.split("\n"))


def _printable(value: str) -> str:
    """Replace control characters so stored text cannot drive the terminal."""
    return "".join(character if character.isprintable() else "?" for character in value)


COMMANDS = {
    "run": run_app,
    "demo": run_app,
    "send": send,
    "messages": messages,
    "import": import_clients,
    "dispatch": dispatch,
    "sandbox": sandbox,
    **ADMIN_COMMANDS,
}
