"""auth throttle device scope: failures of a login attempt with a device cookie are counted per device

Revision ID: c3a9e5d17f42
Revises: 504fa4b40b2e
Create Date: 2026-11-28 20:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'c3a9e5d17f42'
down_revision = '504fa4b40b2e'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('auth_throttle', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_auth_throttle_scope'), type_='check')
        batch_op.create_check_constraint(op.f('ck_auth_throttle_scope'), "scope IN ('account', 'address', 'device')")


def downgrade():
    op.execute("DELETE FROM auth_throttle WHERE scope = 'device'")
    with op.batch_alter_table('auth_throttle', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_auth_throttle_scope'), type_='check')
        batch_op.create_check_constraint(op.f('ck_auth_throttle_scope'), "scope IN ('account', 'address')")
