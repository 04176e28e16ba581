"""The Clients screen: search as you type, Enter opens the Client Profile."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from ecd_tui.domain.client_records import ClientMatch, ClientRecord
from ecd_tui.domain.clock import format_local
from ecd_tui.screens.client_form import ClientFormScreen
from ecd_tui.widgets.safe_text import safe_text


# Fixed widths that fill 80 columns, so the columns stay put while the clerk types.
RESULT_COLUMNS = (("Client id", 9), ("Name", 18), ("Matched", 18), ("Reachable", 9), ("Next event", 16))


class ClientsScreen(Screen):
    """Find a client by name, client id, case number, phone or email."""

    CSS_PATH = "../styles/clients.tcss"
    BINDINGS = [
        Binding("ctrl+n", "new_client", "New client"),
        Binding("ctrl+r", "edit_client", "Edit client"),
        Binding("escape", "back", "Back"),
    ]

    class SearchFinished(Message):
        def __init__(self, query: str, matches: list[ClientMatch]) -> None:
            super().__init__()
            self.query = query
            self.matches = matches

    def __init__(self, services, query: str = "") -> None:
        super().__init__()
        self.services = services
        self.initial_query = query
        self.matches: list[ClientMatch] = []
        self.zone = None

    def compose(self) -> ComposeResult:
        yield Label("Clients", classes="screen-title")
        yield Input(self.initial_query, placeholder="Name, client id, case number, phone or email", id="client-search")
        yield Static("Type to search.", id="client-count")
        yield DataTable(id="client-results", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        _add_columns(self.query_one("#client-results", DataTable))
        self.query_one("#client-search", Input).focus()
        if self.initial_query:
            self._search(self.initial_query)

    # Handlers

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "client-search":
            self._search(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if len(self.matches) == 1:
            self._open(self.matches[0].client)
        elif self.matches:
            self.query_one("#client-results", DataTable).focus()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        match = next(m for m in self.matches if str(m.client.id) == event.row_key.value)
        self._open(match.client)

    def on_clients_screen_search_finished(self, message: SearchFinished) -> None:
        if message.query != self.query_one("#client-search", Input).value:
            return  # an older search finished after a newer one started
        self.matches = message.matches
        table = self.query_one("#client-results", DataTable)
        table.clear()
        for match in message.matches:
            contacts = f"{sum(1 for c in match.contacts if c.reachable)} of {len(match.contacts)}"
            event = match.next_event
            next_event = format_local(event.starts_at, self.zone) if event and self.zone else "none"
            table.add_row(safe_text(match.client.client_id), safe_text(match.client.full_name), safe_text(match.matched), contacts, next_event, key=str(match.client.id))
        count = len(message.matches)
        text = "Type to search." if not message.query.strip() else f"{count} client{'s' if count != 1 else ''} found. Enter opens the profile."
        self.query_one("#client-count", Static).update(text)

    # Actions

    def action_focus_search(self) -> None:
        self.query_one("#client-search", Input).focus()

    def action_new_client(self) -> None:
        self.app.push_screen(ClientFormScreen(self.services), self._client_saved)

    def action_edit_client(self) -> None:
        client = self._selected()
        if client is None:
            self.notify("Choose a client in the results first.", markup=False)
            return
        self.app.push_screen(ClientFormScreen(self.services, client), self._client_saved)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    # Helpers

    @work(thread=True, exclusive=True, group="client-search")
    def _search(self, query: str) -> None:
        if self.zone is None:
            self.zone = self.services.zone()
        self.post_message(self.SearchFinished(query, self.services.search_clients(query)))

    def _client_saved(self, client: ClientRecord | None) -> None:
        if client is not None:
            self.query_one("#client-search", Input).value = client.client_id
            self._open(client)

    def _selected(self) -> ClientRecord | None:
        table = self.query_one("#client-results", DataTable)
        if not self.matches or table.cursor_row is None or table.cursor_row >= len(self.matches):
            return None
        key = table.coordinate_to_cell_key((table.cursor_row, 0)).row_key.value
        return next(m.client for m in self.matches if str(m.client.id) == key)

    def _open(self, client: ClientRecord) -> None:
        from ecd_tui.screens.client_profile import ClientProfileScreen

        self.app.push_screen(ClientProfileScreen(self.services, client.id))


def _add_columns(table: DataTable) -> None:
    for label, width in RESULT_COLUMNS:
        table.add_column(label, width=width)
