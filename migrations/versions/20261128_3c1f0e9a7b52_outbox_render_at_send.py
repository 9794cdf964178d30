"""outbox: question notifications are rendered when sent (nullable bodies, the ids to render them from)

Revision ID: 3c1f0e9a7b52
Revises: 3c9f1d7e5a20
Create Date: 2026-11-28 11:40:00.000000

"""
from alembic import op
from helpdesk.models.sqlite_batch import REFLECT_ALONE
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3c1f0e9a7b52'
down_revision = '3c9f1d7e5a20'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('outbox_email', schema=None, reflect_kwargs=REFLECT_ALONE) as batch_op:
        batch_op.add_column(sa.Column('context', sa.JSON(), nullable=True))
        batch_op.alter_column('text_body', existing_type=sa.Text(), nullable=True)
        batch_op.alter_column('html_body', existing_type=sa.Text(), nullable=True)


def downgrade():
    # Rows still waiting to be rendered cannot keep NULL bodies: they get an empty body.
    op.execute("UPDATE outbox_email SET text_body = '', html_body = '' WHERE text_body IS NULL")
    with op.batch_alter_table('outbox_email', schema=None, reflect_kwargs=REFLECT_ALONE) as batch_op:
        batch_op.alter_column('html_body', existing_type=sa.Text(), nullable=False)
        batch_op.alter_column('text_body', existing_type=sa.Text(), nullable=False)
        batch_op.drop_column('context')
