"""queue filter and deadline indexes

The queue's counts filtered by region or structure type read (status |
assignee | deadline, structure) indexes only; the deadline sort (running
deadlines first) walks an expression index and the priority sort (most
urgent first, oldest first inside a priority) one on -priority instead of
sorting.

Revision ID: b4e2c8a1f6d3
Revises: 8d2e61c4f0a9
Create Date: 2026-11-28 12:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b4e2c8a1f6d3'
down_revision = '8d2e61c4f0a9'
branch_labels = None
depends_on = None

OPEN = sa.text("status <> 'closed'")
DUE_ORDER = [sa.text("(next_due_at IS NULL)"), "next_due_at", "id"]
INDEXES = {
    "ix_ticket_status_structure": ["status", "structure_id"],
    "ix_ticket_due_structure": ["next_due_at", "structure_id"],
    "ix_ticket_status_due": ["status", *DUE_ORDER],
}


PRIORITY_ORDER = [sa.text("(-priority)"), "created_at", "id"]


def upgrade():
    op.drop_index("ix_ticket_open_assignee", table_name="ticket")
    op.create_index("ix_ticket_open_assignee", "ticket", ["assignee_id", "structure_id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.drop_index("ix_ticket_open_priority", table_name="ticket")
    op.create_index("ix_ticket_open_priority", "ticket", PRIORITY_ORDER, postgresql_where=OPEN, sqlite_where=OPEN)
    op.drop_index("ix_ticket_status_priority", table_name="ticket")
    op.create_index("ix_ticket_status_priority", "ticket", ["status", *PRIORITY_ORDER])
    op.create_index("ix_ticket_open_due", "ticket", DUE_ORDER, postgresql_where=OPEN, sqlite_where=OPEN)
    for name, columns in INDEXES.items():
        op.create_index(name, "ticket", columns)
    # Statistics for the new indexes: SQLite plans from stale ones (sqlite_stat1 without these indexes) badly,
    # sorting all the closed questions instead of walking the sort's index.
    op.execute("ANALYZE ticket")


def downgrade():
    for name in ["ix_ticket_open_due", *INDEXES]:
        op.drop_index(name, table_name="ticket")
    op.drop_index("ix_ticket_open_assignee", table_name="ticket")
    op.create_index("ix_ticket_open_assignee", "ticket", ["assignee_id"], postgresql_where=OPEN, sqlite_where=OPEN)
    op.drop_index("ix_ticket_open_priority", table_name="ticket")
    op.create_index("ix_ticket_open_priority", "ticket", ["priority", "created_at", "id"],
                    postgresql_where=OPEN, sqlite_where=OPEN)
    op.drop_index("ix_ticket_status_priority", table_name="ticket")
    op.create_index("ix_ticket_status_priority", "ticket", ["status", "priority", "created_at"])
