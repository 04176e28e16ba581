"""The Textual app: the Dashboard, plus the embedded dispatcher that sends on time.

The constructor only stores its arguments, so building the app starts nothing. On
mount, an async worker starts delivery (the sandbox or the real carriers) and the
dispatcher on Textual's running loop; on unmount both stop. The dispatcher reports
status changes through ``report_message_change``, which any thread may call.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import signal
import logging
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.signal import Signal

from ecd_tui.config import Config
from ecd_tui.domain.heartbeat import DispatcherStatus
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.screens.delivery_events import MessageReleased
from ecd_tui.domain.sending_numbers import SANDBOX_NUMBER
from ecd_tui.screens.dashboard import Dashboard
from ecd_tui.screens.admin_events import DeliveryModeChanged
from ecd_tui.screens.events import MessagesQueued, MessageStatusChanged
from ecd_tui.screens.help import HelpScreen
from ecd_tui.services import Services
from ecd_tui.widgets.safe_text import visible_controls

if TYPE_CHECKING:
    from ecd_tui.delivery.dispatcher import Dispatcher, MessageChange
    from ecd_tui.delivery.setup import Delivery

log = logging.getLogger(__name__)

# Statuses a clerk must act on or check; each change to one pops up a notification.
NEEDS_ATTENTION = ("failed", "unknown", "held")


class EcdApp(App[None]):
    """ecd-tui for one clerk: send one-off messages and watch them go out."""

    TITLE = "ecd-tui"
    CSS_PATH = [
        "styles/app.tcss",
        "styles/send_form.tcss",
        "styles/message_tables.tcss",
    ]
    ENABLE_COMMAND_PALETTE = False

    BINDINGS = [
        Binding("f1,ctrl+g", "help", "Help", priority=True),
        Binding("question_mark", "help", "Help", show=False),
        Binding("f8,ctrl+p", "administration", "Administration: settings, phones, users, audit log, carriers", show=False, priority=True),
        # ctrl+q (Textual's quit key) quits. A bare q would quit whenever a clerk types
        # into a focused button or list by mistake.
        Binding("f7,ctrl+o", "find_client", "Find a client", priority=True),
    ]

    def __init__(self, services: Services, config: Config, *, force_sandbox: bool = False, log_path: Path | None = None) -> None:
        super().__init__()
        self.services = services
        self.config = config
        self.force_sandbox = force_sandbox
        self.log_path = log_path
        # The agency's stored choice; a live agency whose secrets this session cannot
        # read becomes "unavailable" once delivery starts (see delivery.plan).
        self.mode = "sandbox" if force_sandbox else services.delivery_mode().mode
        self.credentials_passphrase: str | None = None
        if self.mode == "sandbox" and services.fallback_number is None:
            # In training the sandbox's test number sends texts and calls when the agency has none.
            services.fallback_number = SANDBOX_NUMBER
        self.delivery: Delivery | None = None
        self.dispatcher: Dispatcher | None = None
        self.message_changes: Signal[MessageStatusChanged] = Signal(self, "message-changes")
        self._delivery_startup: asyncio.Task[None] | None = None

    def get_default_screen(self) -> Screen:
        return Dashboard(self.services, self.mode, self.message_changes)

    def on_mount(self) -> None:
        log.info("App started for %s (%s), delivery mode %s", self.services.actor.login, self.services.actor.role, self.mode)
        # A dropped SSH connection sends SIGHUP: exit through unmount, so the dispatcher
        # stops cleanly and the log records the stop.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            asyncio.get_running_loop().add_signal_handler(signal.SIGHUP, self._hang_up)
        # The startup runs as its own task, shielded from the worker, so that quitting
        # while it runs still lets on_unmount wait for it and then stop what it started.
        self._delivery_startup = asyncio.get_running_loop().create_task(self._start_delivery(), name="start delivery")
        self.run_worker(self._report_delivery_startup(), name="start delivery", group="delivery", exit_on_error=False)
        self.run_worker(self._report_access, name="check access", thread=True, exit_on_error=False)

    async def on_unmount(self) -> None:
        await self._stop_delivery()
        log.info("App stopped for %s", self.services.actor.login)

    # Event handlers

    def on_message_status_changed(self, event: MessageStatusChanged) -> None:
        # Subscribers run inside publish, so an error in any of them is caught here. It is
        # logged with its traceback and shown, and the app keeps running.
        try:
            self.message_changes.publish(event)
        except Exception as error:
            log.exception("Message %s: showing the change to %s failed", event.message_id, event.status)
            self.notify(f"The lists may be out of date: {error}. Press F5 to refresh.", severity="error", markup=False)
        if event.status in NEEDS_ATTENTION:
            reason = visible_controls(event.reason or "no reason given")
            self.notify(
                f"Message {event.message_id} is {event.status}: {reason}",
                title="A message needs attention", severity="error", markup=False, timeout=30,
            )

    def _hang_up(self) -> None:
        log.info("The terminal hung up; stopping")
        self.exit()

    def on_messages_queued(self, event: MessagesQueued) -> None:
        """Arm the dispatcher, so that each new message goes out at its send_at, not at the next sweep."""
        if self.dispatcher is None or not self.dispatcher.running:
            # Not started yet: its first sweep arms every message due within its window.
            return
        for record in event.result.messages:
            self.dispatcher.arm(record.id, record.send_at)

    def on_message_released(self, event: MessageReleased) -> None:
        """Arm the dispatcher for a held or unknown message a clerk sent now."""
        if self.dispatcher is not None and self.dispatcher.running:
            self.dispatcher.arm(event.record.id, event.record.send_at)

    def report_message_change(self, change: MessageChange) -> None:
        """Forward a dispatcher status change to the screens. Any thread may call it.

        Errors propagate to the caller, and the dispatcher logs them.
        """
        posted = self.post_message(MessageStatusChanged(change.message_id, change.status, change.reason))
        if not posted:
            log.debug("Message %s: change to %s not shown, because the app is closing", change.message_id, change.status)

    # Actions

    def on_delivery_mode_changed(self, event: DeliveryModeChanged) -> None:
        self.mode = event.mode
        self.run_worker(self._restart_delivery(), name="restart delivery", group="delivery", exclusive=True, exit_on_error=False)

    def action_administration(self) -> None:
        from ecd_tui.screens.admin_menu import AdminMenu

        # Only from the Dashboard, so that administration screens never stack up.
        if len(self.screen_stack) > 1:
            return
        self.push_screen(AdminMenu(), self._open_admin_screen)

    def _open_admin_screen(self, name: str | None) -> None:
        from ecd_tui.screens.audit_log import AuditLogScreen
        from ecd_tui.screens.carriers import CarriersScreen
        from ecd_tui.screens.phones import PhonesScreen
        from ecd_tui.screens.settings import SettingsScreen
        from ecd_tui.screens.users import UsersScreen

        screens = {"settings": SettingsScreen, "phones": PhonesScreen, "users": UsersScreen, "audit": AuditLogScreen, "carriers": CarriersScreen}
        if name in screens:
            self.push_screen(screens[name](self.services))

    async def action_quit(self) -> None:
        """Quit, but first ask when messages wait and no other dispatcher would send them."""
        self.check_before_quit()

    @work(thread=True, exclusive=True, group="quit", name="check the dispatchers before quitting", exit_on_error=False)
    def check_before_quit(self) -> None:
        own = self.dispatcher.id if self.dispatcher is not None else None
        try:
            status = self.services.dispatcher_status(excluding=own)
        except Exception:
            log.exception("Could not check the dispatchers before quitting; quitting anyway")
            status = None
        self.call_from_thread(self._quit_or_ask, status)

    def _quit_or_ask(self, status: DispatcherStatus | None) -> None:
        if status is None or not status.waiting or status.running:
            self.exit()
            return
        count = "1 message is" if status.waiting == 1 else f"{status.waiting} messages are"
        question = Text(
            f"{count} still waiting to be sent, and no other ecd-tui or dispatcher is running.\n\n"
            "If you quit now, they wait until ecd-tui or 'ecd-tui dispatch' runs again. Any that are"
            " then later than the agency's late limit are held for a clerk.\n\nQuit anyway?"
        )

        def quit_if_confirmed(confirmed: bool | None) -> None:
            if confirmed:
                self.exit()

        if not isinstance(self.screen, ConfirmScreen):
            self.push_screen(ConfirmScreen(question, yes_label="Yes, quit (y)", no_label="No, stay (n)"), quit_if_confirmed)

    def action_help(self) -> None:
        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        else:
            self.push_screen(HelpScreen(self.BINDINGS, self.log_path))

    def action_find_client(self) -> None:
        """Jump to the client search from any screen."""
        from ecd_tui.screens.clients import ClientsScreen

        if isinstance(self.screen, ClientsScreen):
            self.screen.action_focus_search()
        else:
            self.push_screen(ClientsScreen(self.services))

    # Delivery

    async def _start_delivery(self) -> None:
        try:
            await self._start_delivery_and_dispatcher()
        except Exception:
            log.exception("Delivery did not start")
            raise

    async def _start_delivery_and_dispatcher(self) -> None:
        # Import the carriers' packages (twilio, aiohttp, APScheduler) in a thread, because
        # the import blocks for about 0.2 s (Python 3.11 on a 2-core VM), longer on a busy server.
        setup = await asyncio.to_thread(importlib.import_module, "ecd_tui.delivery.setup")
        dispatcher_module = await asyncio.to_thread(importlib.import_module, "ecd_tui.delivery.dispatcher")

        plan = await self._plan_delivery()
        self._show_delivery_mode(plan.mode, plan.header_label)
        if plan.mode == "unavailable":
            self.notify(plan.reason, severity="warning", timeout=60, markup=False)
            return
        self.delivery = await setup.start_delivery(self.config, force_sandbox=self.force_sandbox, plan=plan)
        self.dispatcher = dispatcher_module.Dispatcher(
            self.services.store,
            self.delivery.text_transport,
            self.delivery.email_transport,
            fallback_senders=self.delivery.senders,
            on_change=self.report_message_change,
        )
        await self.dispatcher.start()

    async def _plan_delivery(self):
        """Return this session's delivery plan, asking for the credentials file's passphrase when it is locked."""
        from ecd_tui.delivery.plan import plan_delivery

        agency_mode = await asyncio.to_thread(lambda: self.services.delivery_mode().mode)
        plan = await asyncio.to_thread(plan_delivery, self.config, agency_mode, force_sandbox=self.force_sandbox, passphrase=self.credentials_passphrase)
        explanation = "Delivery is live and the carrier secrets are in the encrypted credentials file. Type its passphrase, or press Escape to run without sending."
        while plan.locked or plan.wrong_passphrase:
            passphrase = await self._ask_passphrase(explanation)
            if passphrase is None:
                break
            plan = await asyncio.to_thread(plan_delivery, self.config, agency_mode, force_sandbox=self.force_sandbox, passphrase=passphrase)
            if plan.mode == "live":
                self.credentials_passphrase = passphrase
            explanation = "That passphrase does not open the credentials file. Type it again, or press Escape to run without sending."
        return plan

    async def _ask_passphrase(self, explanation: str) -> str | None:
        from ecd_tui.screens.passphrase import PassphraseScreen

        typed: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        self.push_screen(PassphraseScreen(explanation), typed.set_result)
        return await typed

    def _report_access(self) -> None:
        """Tell a login that is not a user (read-only here) whom to ask; runs in a thread."""
        access = self.services.access()
        if access.level != "full":
            self.call_from_thread(self.notify, access.message, severity="warning", timeout=60, markup=False)

    def _show_delivery_mode(self, mode: str, label: str) -> None:
        from ecd_tui.widgets.app_header import AppHeader

        self.mode = mode
        for screen in self.screen_stack:
            for header in screen.query(AppHeader):
                header.show_mode(mode, label)

    async def _restart_delivery(self) -> None:
        await self._stop_delivery()
        self.delivery = None
        self.dispatcher = None
        self._delivery_startup = asyncio.get_running_loop().create_task(self._start_delivery(), name="start delivery")
        await self._report_delivery_startup()

    async def _report_delivery_startup(self) -> None:
        try:
            await asyncio.shield(self._delivery_startup)
        except asyncio.CancelledError:
            raise
        except Exception as error:
            self.notify(
                f"Delivery did not start: {error}. Messages stay scheduled and go out once an "
                "ecd-tui dispatcher runs. Details are in the log file.",
                severity="error",
                timeout=30,
                markup=False,
            )

    async def _stop_delivery(self) -> None:
        if self._delivery_startup is not None:
            # Startup logs its own errors, so only its end matters here.
            await asyncio.gather(self._delivery_startup, return_exceptions=True)
        if self.dispatcher is not None:
            try:
                await self.dispatcher.stop()
            except Exception:
                log.exception("Dispatcher did not stop cleanly")
        if self.delivery is not None:
            try:
                await self.delivery.aclose()
            except Exception:
                log.exception("Delivery did not close cleanly")
