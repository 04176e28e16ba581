"""agency delivery mode: sandbox or live, chosen once for every process on the database

Revision ID: 0004
Revises: 0001
Create Date: 2026-12-04
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agency_settings') as batch:
        batch.add_column(sa.Column('delivery_mode', sa.String(), nullable=False, server_default='sandbox'))
        batch.add_column(sa.Column('live_since', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('live_by', sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agency_settings') as batch:
        batch.drop_column('live_by')
        batch.drop_column('live_since')
        batch.drop_column('delivery_mode')
