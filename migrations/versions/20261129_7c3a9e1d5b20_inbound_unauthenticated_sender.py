"""inbound mail: a reason for replies whose sender's domain the receiving server did not authenticate

Revision ID: 7c3a9e1d5b20
Revises: 5b7e2d9c4a13
Create Date: 2026-11-29 08:00:00.000000

"""
from alembic import op
from helpdesk.models.sqlite_batch import REFLECT_ALONE


# revision identifiers, used by Alembic.
revision = '7c3a9e1d5b20'
down_revision = '5b7e2d9c4a13'
branch_labels = None
depends_on = None

OLD = ['no_reference', 'unknown_ticket', 'unknown_sender', 'not_allowed', 'closed', 'unverified', 'wrong_address',
       'auto_reply', 'empty', 'rejected']
NEW = OLD[:7] + ['unauthenticated'] + OLD[7:]


def _allow(reasons):
    """Replace the CHECK constraint on inbound_email.reason."""
    allowed = ", ".join(f"'{reason}'" for reason in reasons)
    with op.batch_alter_table('inbound_email', schema=None, reflect_kwargs=REFLECT_ALONE) as batch_op:
        batch_op.drop_constraint(op.f('ck_inbound_email_reason'), type_='check')
        batch_op.create_check_constraint(op.f('ck_inbound_email_reason'), f"reason IN ({allowed})")


def upgrade():
    _allow(NEW)


def downgrade():
    # Kept mail of the new kind had no reason before: it reads as an unverified sender.
    op.execute("UPDATE inbound_email SET reason = 'unverified' WHERE reason = 'unauthenticated'")
    _allow(OLD)
