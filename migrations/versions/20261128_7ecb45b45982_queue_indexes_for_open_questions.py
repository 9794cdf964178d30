"""queue indexes for open questions

The queue's open views (non assignées, mes dossiers, toutes ouvertes) count by
assignee and walk a partial index of the open questions in the order of the
chosen sort.

Revision ID: 7ecb45b45982
Revises: 940108b29ae3
Create Date: 2026-11-28 08:54:20.658885

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7ecb45b45982'
down_revision = '940108b29ae3'
branch_labels = None
depends_on = None

OPEN = sa.text("status <> 'closed'")
OPEN_INDEXES = {
    "ix_ticket_open_assignee": ["assignee_id"],
    "ix_ticket_open_created": ["created_at", "id"],
    "ix_ticket_open_priority": ["priority", "created_at", "id"],
    "ix_ticket_open_activity": ["last_activity_at", "id"],
}


def upgrade():
    for name, columns in OPEN_INDEXES.items():
        op.create_index(name, "ticket", columns, postgresql_where=OPEN, sqlite_where=OPEN)


def downgrade():
    for name in OPEN_INDEXES:
        op.drop_index(name, table_name="ticket")
