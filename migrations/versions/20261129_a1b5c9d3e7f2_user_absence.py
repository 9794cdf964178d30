"""user absence: the last day a jurist or admin is away (routing and team mail pass them by)

Revision ID: a1b5c9d3e7f2
Revises: 9e4b1c7a2d36
Create Date: 2026-11-29 16:00:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'a1b5c9d3e7f2'
down_revision = '9e4b1c7a2d36'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user', sa.Column('absent_until', sa.Date(), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of "user" on SQLite would lose its expression
    # index on lower(email).
    op.execute('ALTER TABLE "user" DROP COLUMN absent_until')
