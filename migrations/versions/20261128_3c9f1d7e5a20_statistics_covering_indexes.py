"""statistics covering indexes: every statistics pass reads an index only (PostgreSQL)

Revision ID: 3c9f1d7e5a20
Revises: 7909c860b56d
Create Date: 2026-11-28 11:40:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '3c9f1d7e5a20'
down_revision = '7909c860b56d'
branch_labels = None
depends_on = None

FILTERS = ['structure_id', 'theme_id', 'assignee_id', 'merged_into_id']
# (name, key columns, INCLUDE before, INCLUDE after); INCLUDE exists on PostgreSQL only, SQLite keeps its indexes.
INDEXES = [
    ('ix_ticket_created_at', ['created_at'],
     ['structure_id', 'theme_id', 'assignee_id', 'first_response_at', 'resolved_at', 'due_at', 'merged_into_id'],
     [*FILTERS, 'first_response_at', 'resolved_at', 'due_at', 'first_response_due_at']),
    ('ix_ticket_first_response_at', ['first_response_at'], [], FILTERS),
    ('ix_ticket_resolved_at', ['resolved_at'], [], ['created_at', *FILTERS]),
    ('ix_ticket_structure_created', ['structure_id', 'created_at'], [],
     ['theme_id', 'assignee_id', 'merged_into_id', 'first_response_at', 'resolved_at', 'due_at',
      'first_response_due_at']),
]


def _rebuild(include_position: int):
    """Recreate each index with its INCLUDE columns before (2) or after (3) this revision."""
    if op.get_bind().dialect.name != 'postgresql':
        return
    for index in INDEXES:
        op.drop_index(index[0], table_name='ticket')
        op.create_index(index[0], 'ticket', index[1], unique=False, postgresql_include=index[include_position])


def upgrade():
    _rebuild(3)


def downgrade():
    _rebuild(2)
