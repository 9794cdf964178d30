"""French natural collation: lists of names sort numbers by their value (« Structure 2 » before « Structure 10 »)

On PostgreSQL, ICU's French collation with numeric ordering (`kn`), which french_order() names; SQLite's collation is
registered on each connection by the application (helpdesk/collation.py), so it needs nothing here.

Revision ID: 9c4d2b7e1a53
Revises: f3a8c1e6d2b7
Create Date: 2026-11-30 12:50:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '9c4d2b7e1a53'
down_revision = 'f3a8c1e6d2b7'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("""CREATE COLLATION IF NOT EXISTS "fr-natural" (provider = icu, locale = 'fr-u-kn-true')""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute('DROP COLLATION IF EXISTS "fr-natural"')
