"""canned answer status after: a canned answer may set the status after the reply it is inserted in

Revision ID: e2b7d4a9c6f1
Revises: 5d1e7a3c9b42
Create Date: 2026-11-30 07:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'e2b7d4a9c6f1'
down_revision = '5d1e7a3c9b42'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('canned_answer', sa.Column('status_after', sa.String(length=20), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL), as the other added columns are dropped.
    op.drop_column('canned_answer', 'status_after')
