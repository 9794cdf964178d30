"""outbox cancelled status: mail never to be sent, its recipient or question anonymised before it went

Revision ID: d81f4b6e2a90
Revises: c3a9e5d17f42
Create Date: 2026-11-28 20:30:00.000000

"""
from alembic import op
from helpdesk.models.sqlite_batch import REFLECT_ALONE


# revision identifiers, used by Alembic.
revision = 'd81f4b6e2a90'
down_revision = 'c3a9e5d17f42'
branch_labels = None
depends_on = None

BEFORE = "'pending', 'sending', 'sent', 'failed', 'held', 'digested'"


def upgrade():
    with op.batch_alter_table('outbox_email', schema=None, reflect_kwargs=REFLECT_ALONE) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_email_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_email_status'), f"status IN ({BEFORE}, 'cancelled')")


def downgrade():
    # A cancelled mail was never sent and never will be: "failed" is the nearest older status.
    op.execute("UPDATE outbox_email SET status = 'failed' WHERE status = 'cancelled'")
    with op.batch_alter_table('outbox_email', schema=None, reflect_kwargs=REFLECT_ALONE) as batch_op:
        batch_op.drop_constraint(op.f('ck_outbox_email_status'), type_='check')
        batch_op.create_check_constraint(op.f('ck_outbox_email_status'), f"status IN ({BEFORE})")
