"""rules version: a token replaced by every change to the routing or service-level rules (workers cache them)

Revision ID: 8d2e61c4f0a9
Revises: 3c1f0e9a7b52
Create Date: 2026-11-28 11:55:00.000000

"""
import uuid

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8d2e61c4f0a9'
down_revision = '3c1f0e9a7b52'
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table('rules_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_rules_version'))
    )
    # Random, so that a worker never mistakes a recreated database's rules for those it cached.
    op.bulk_insert(table, [{'id': 1, 'token': uuid.uuid4().hex}])


def downgrade():
    op.drop_table('rules_version')
