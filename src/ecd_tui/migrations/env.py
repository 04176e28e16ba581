"""Alembic environment: runs on the connection that ``Store.migrate`` passes in."""

from alembic import context
from sqlmodel import SQLModel

import ecd_tui.domain.models  # noqa: F401  (registers the tables on SQLModel.metadata)

target_metadata = SQLModel.metadata
connection = context.config.attributes.get("connection")

if connection is None:
    raise RuntimeError("Run migrations through ecd_tui.domain.store.Store.migrate, which passes a connection.")

context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
