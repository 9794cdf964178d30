"""inbound mail: reasons for replies not sent to their signed reply address (sender not verified)

Revision ID: 504fa4b40b2e
Revises: b4e2c8a1f6d3
Create Date: 2026-11-28 19:50:00.000000

"""
from alembic import op
from helpdesk.models.sqlite_batch import REFLECT_ALONE


# revision identifiers, used by Alembic.
revision = '504fa4b40b2e'
down_revision = 'b4e2c8a1f6d3'
branch_labels = None
depends_on = None

OLD = ['no_reference', 'unknown_ticket', 'unknown_sender', 'not_allowed', 'closed', 'auto_reply', 'empty', 'rejected']
NEW = OLD[:5] + ['unverified', 'wrong_address'] + OLD[5:]


def _allow(reasons):
    """Replace the CHECK constraint on inbound_email.reason."""
    allowed = ", ".join(f"'{reason}'" for reason in reasons)
    with op.batch_alter_table('inbound_email', schema=None, reflect_kwargs=REFLECT_ALONE) as batch_op:
        batch_op.drop_constraint(op.f('ck_inbound_email_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_inbound_email_reason'), f"reason IN ({allowed})")


def upgrade():
    _allow(NEW)


def downgrade():
    # Kept mail of the new kinds had no reason before: they read as an unknown sender.
    op.execute("UPDATE inbound_email SET reason = 'unknown_sender' WHERE reason IN ('unverified', 'wrong_address')")
    _allow(OLD)
