"""The Carriers screen: the Twilio account and the mail server, tests, and going live.

Secrets typed here go to the keyring, or to the encrypted file (after a passphrase
dialog) where no keyring works; they are masked and never shown again. Empty secret
fields keep the stored secrets. Going live asks for confirmation and runs both
connection tests first.
"""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Static

from ecd_tui.delivery.connection_checks import CheckResult
from ecd_tui.screens.admin_base import AdminScreen, header, status_line
from ecd_tui.screens.admin_events import CarriersLoaded, CarriersStored, ConnectionsTested, DeliveryModeChanged
from ecd_tui.screens.confirm import ConfirmScreen
from ecd_tui.screens.passphrase import PassphraseScreen
from ecd_tui.widgets.labelled import Field

# (form key, label, placeholder, masked)
FORM_FIELDS = [
    ("account_sid", "Account SID", "AC followed by 32 hex digits", False),
    ("api_key", "API key SID", "SK...; empty to log in with the auth token", False),
    ("twilio_secret", "Token/secret", "auth token or API key secret; empty keeps the stored one", True),
    ("smtp_host", "SMTP host", "smtp.example.gov", False),
    ("smtp_port", "SMTP port", "465 implicit TLS, 587 STARTTLS, 25", False),
    ("smtp_tls", "TLS mode", "implicit, starttls or none (a local relay)", False),
    ("smtp_username", "SMTP user", "empty to send without logging in", False),
    ("smtp_password", "SMTP password", "empty keeps the stored one", True),
    ("smtp_sender", "Email sender", "reminders@example.gov", False),
]


class CarriersScreen(AdminScreen):
    """Set up the carriers, test them, and switch between sandbox and live."""

    BINDINGS = [
        Binding("ctrl+s,f2", "save", "Save", priority=True),
        Binding("f5,ctrl+t", "test", "Test connections", priority=True),
        Binding("f6,ctrl+g", "go_live", "Go live", priority=True),
        Binding("f4,ctrl+b", "sandbox", "Back to sandbox", priority=True),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, services) -> None:
        super().__init__(services)
        self.mode = "sandbox"
        self.scheduled = 0
        self.keyring_available = False
        self.file_exists = False

    def compose(self) -> ComposeResult:
        yield header(self)
        yield Static("Carriers and Going Live", classes="screen-title")
        yield Static("loading", id="carrier-status", markup=False)
        with VerticalScroll(id="carrier-form"):
            for key, label, placeholder, masked in FORM_FIELDS:
                yield Field(label, Input(id=f"carrier-{key}", placeholder=placeholder, password=masked))
            yield Static("", id="carrier-results", markup=False)
        yield status_line()
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#carrier-account_sid", Input).focus()
        self.load_carriers()

    # Event handlers

    def on_carriers_loaded(self, event: CarriersLoaded) -> None:
        self.mode, self.scheduled = event.mode, event.scheduled
        self.keyring_available, self.file_exists = event.keyring_available, event.file_exists
        for key, value in event.form.items():
            self.query_one(f"#carrier-{key}", Input).value = value
        self.query_one("#carrier-status", Static).update(event.status)

    def on_carriers_stored(self, event: CarriersStored) -> None:
        lines = [f"✓ Saved. Secrets are in {event.where}.", *(f"! {warning}" for warning in event.warnings), "Next: F5 tests the connections."]
        self._show_results("\n".join(lines))
        for key in ("twilio_secret", "smtp_password"):
            self.query_one(f"#carrier-{key}", Input).value = ""
        self.load_carriers()

    def on_connections_tested(self, event: ConnectionsTested) -> None:
        self._show_results(_describe(event.results))

    def on_delivery_mode_changed(self, event: DeliveryModeChanged) -> None:
        # The event bubbles on to the app, which restarts delivery in the new mode.
        text = _describe(event.results) + "\n" if event.results else ""
        self._show_results(f"{text}Delivery is now {event.mode.upper()}.")
        self.load_carriers()

    def show_error(self, worker, error) -> None:
        if worker.group in ("carrier-test", "carrier-mode", "carrier-store"):
            self._show_results(f"✗ {error}")
        super().show_error(worker, error)

    # Actions

    def action_save(self) -> None:
        # Keys typed just before ctrl+s may still wait in the focused field's queue,
        # because priority bindings run first; read the fields after them.
        (self.focused or self).call_later(self._save_typed)

    def _save_typed(self) -> None:
        form = {key: self.query_one(f"#carrier-{key}", Input).value for key, *_ in FORM_FIELDS}
        needs_file = (form["twilio_secret"] or form["smtp_password"]) and not self.keyring_available
        if not needs_file:
            self.store_carriers(form, self._remembered_passphrase())
            return

        def store(passphrase: str | None) -> None:
            if passphrase:
                self._remember(passphrase)
                self.store_carriers(form, passphrase)

        explanation = "No keyring works in this session, so the secrets go to an encrypted file. "
        explanation += "Type its passphrase." if self.file_exists else "Choose a passphrase of 8 characters or more; it is needed to read them."
        self.app.push_screen(PassphraseScreen(explanation, new=not self.file_exists), store)

    def action_test(self) -> None:
        self._with_passphrase(self.test_connections)

    def action_go_live(self) -> None:
        if self.mode == "live":
            self.report("Delivery is live already.")
            return
        question = Text("Go live? From now on messages reach real clients through Twilio and the mail server.")
        if self.scheduled:
            question.append(f"\n\nThe {self.scheduled} scheduled message(s) will go out for real.")
        question.append("\n\nBoth connection tests run first; a failure keeps the sandbox.")

        def go(confirmed: bool | None) -> None:
            if confirmed:
                self._with_passphrase(self.go_live)

        self.app.push_screen(ConfirmScreen(question, yes_label="Yes, go live (y)", no_label="No, stay in sandbox (n)"), go)

    def action_sandbox(self) -> None:
        if self.mode != "live":
            self.report("Delivery is the sandbox already.")
            return

        def back(confirmed: bool | None) -> None:
            if confirmed:
                self.return_to_sandbox()

        question = Text("Switch back to the sandbox? Nothing reaches clients until you go live again.")
        self.app.push_screen(ConfirmScreen(question, yes_label="Yes, sandbox (y)", no_label="No, stay live (n)"), back)

    # Helpers

    def _with_passphrase(self, then) -> None:
        passphrase = self._remembered_passphrase()
        if passphrase is not None or not self.file_exists or self.keyring_available:
            then(passphrase)
            return

        def run(typed: str | None) -> None:
            if typed:
                self._remember(typed)
                then(typed)

        self.app.push_screen(PassphraseScreen("The secrets are in the encrypted file: type its passphrase."), run)

    def _remembered_passphrase(self) -> str | None:
        return getattr(self.app, "credentials_passphrase", None)

    def _remember(self, passphrase: str) -> None:
        self.app.credentials_passphrase = passphrase

    def _show_results(self, text: str) -> None:
        self.query_one("#carrier-results", Static).update(text)

    # Workers

    @work(thread=True, exclusive=True, group="carrier-load", name="read the carrier settings", exit_on_error=False)
    def load_carriers(self) -> None:
        overview = self.services.carrier_overview(self.app.config, self._remembered_passphrase())
        self.post_message(CarriersLoaded(**overview))

    @work(thread=True, exclusive=True, group="carrier-store", name="store the carrier settings", exit_on_error=False)
    def store_carriers(self, form: dict[str, str], passphrase: str | None) -> None:
        config, where, warnings = self.services.store_carriers(self.app.config, form, passphrase)
        self.app.call_from_thread(setattr, self.app, "config", config)
        self.post_message(CarriersStored(where, warnings))

    @work(thread=True, exclusive=True, group="carrier-test", name="test the connections", exit_on_error=False)
    def test_connections(self, passphrase: str | None) -> None:
        self.app.call_from_thread(self._show_results, "Testing Twilio and the mail server (up to 15 seconds)...")
        self.post_message(ConnectionsTested(self.services.test_connections(self.app.config, passphrase)))

    @work(thread=True, exclusive=True, group="carrier-mode", name="go live", exit_on_error=False)
    def go_live(self, passphrase: str | None) -> None:
        self.app.call_from_thread(self._show_results, "Testing Twilio and the mail server (up to 15 seconds)...")
        mode, results = self.services.go_live(self.app.config, passphrase)
        self.post_message(DeliveryModeChanged(mode.mode, results))

    @work(thread=True, exclusive=True, group="carrier-mode", name="switch back to the sandbox", exit_on_error=False)
    def return_to_sandbox(self) -> None:
        mode = self.services.set_delivery_mode("sandbox")
        self.post_message(DeliveryModeChanged(mode.mode, []))


def _describe(results: list[CheckResult]) -> str:
    return "\n".join(f"{'✓' if result.ok else '✗'} {result.carrier}: {result.message}" for result in results)
