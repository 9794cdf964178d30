"""queue running-deadline indexes

The late and due-soon views hold only questions whose deadline runs (new and
open ones): their filing-date, activity and priority sorts walk these partial
indexes, which carry the deadline, instead of sorting every late question or
walking the whole history for the few late ones.

Revision ID: 9e4b1c7a2d36
Revises: 7c3a9e1d5b20
Create Date: 2026-11-29 11:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9e4b1c7a2d36'
down_revision = '7c3a9e1d5b20'
branch_labels = None
depends_on = None

RUNNING = sa.text("next_due_at IS NOT NULL")
INDEXES = {
    "ix_ticket_running_created": ["created_at", "id", "next_due_at"],
    "ix_ticket_running_priority": [sa.text("(-priority)"), "created_at", "id", "next_due_at"],
    "ix_ticket_running_activity": ["last_activity_at", "id", "next_due_at"],
}


def upgrade():
    for name, columns in INDEXES.items():
        op.create_index(name, "ticket", columns, postgresql_where=RUNNING, sqlite_where=RUNNING)
    # Statistics for the new indexes, as SQLite plans from sqlite_stat1 (see b4e2c8a1f6d3).
    op.execute("ANALYZE ticket")


def downgrade():
    for name in INDEXES:
        op.drop_index(name, table_name="ticket")
