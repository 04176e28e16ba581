"""The Audit Log screen: who created, cancelled, opted out or changed settings, and when."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Footer, Static

from ecd_tui.domain.audit import AUDIT_FILTERS
from ecd_tui.domain.clock import format_local
from ecd_tui.screens.admin_base import AdminScreen, header, status_line
from ecd_tui.screens.admin_events import AuditLoaded
from ecd_tui.widgets.safe_text import one_line, safe_text

# NOTE: the screen shows the newest entries only; older ones are in `ecd-tui audit --limit N`.
AUDIT_LIMIT = 500


class AuditLogScreen(AdminScreen):
    """The newest audit entries, filtered by kind with f."""

    BINDINGS = [
        Binding("f", "next_filter", "Filter"),
        Binding("f5,ctrl+r", "reload", "Reload", priority=True),
        Binding("escape", "back", "Back"),
    ]

    def __init__(self, services) -> None:
        super().__init__(services)
        self.kind = "all"

    def compose(self) -> ComposeResult:
        yield header(self)
        yield Static("Audit Log", classes="screen-title")
        yield Static("", id="audit-filter", markup=False)
        yield DataTable(id="audit", cursor_type="row", zebra_stripes=False)
        yield status_line()
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("When", "Who", "What", "Target and detail")
        table.focus()
        self.load_entries(self.kind)

    def on_audit_loaded(self, event: AuditLoaded) -> None:
        table = self.query_one(DataTable)
        table.clear()
        for entry in event.entries:
            detail = f"{entry.target}: {entry.detail}" if entry.detail else entry.target
            table.add_row(format_local(entry.at, event.zone), safe_text(entry.login), entry.action, one_line(detail, limit=200))
        kinds = " ".join(f"[{name}]" if name == event.kind else name for name in AUDIT_FILTERS)
        self.query_one("#audit-filter", Static).update(f"Showing {len(event.entries)} entries, newest first. f filter: {kinds}")

    def action_next_filter(self) -> None:
        names = list(AUDIT_FILTERS)
        self.kind = names[(names.index(self.kind) + 1) % len(names)]
        self.load_entries(self.kind)

    def action_reload(self) -> None:
        self.load_entries(self.kind)

    @work(thread=True, exclusive=True, group="audit", name="load the audit log", exit_on_error=False)
    def load_entries(self, kind: str) -> None:
        entries = self.services.audit(kind, limit=AUDIT_LIMIT)
        self.post_message(AuditLoaded(entries, kind, self.services.zone()))
