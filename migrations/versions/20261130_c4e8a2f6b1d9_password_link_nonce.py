"""password link nonce: a new invitation or reset link retires the links mailed before

Revision ID: c4e8a2f6b1d9
Revises: 7bdd393699eb
Create Date: 2026-11-30 00:15:00.000000

"""
import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c4e8a2f6b1d9'
down_revision = '7bdd393699eb'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('user', sa.Column('password_link_nonce', sa.String(length=16), nullable=True))


def downgrade():
    # Plain DROP COLUMN (SQLite 3.35+ and PostgreSQL): a batch rebuild of "user" on SQLite would lose its expression
    # index on lower(email).
    op.execute('ALTER TABLE "user" DROP COLUMN password_link_nonce')
