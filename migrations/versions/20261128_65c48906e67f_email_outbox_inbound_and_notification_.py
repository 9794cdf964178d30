"""email outbox inbound and notification preferences

Revision ID: 65c48906e67f
Revises: d269032cf752
Create Date: 2026-11-28 08:29:06.081102

"""
from alembic import op
from helpdesk.models.sqlite_batch import email_index_set_aside
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '65c48906e67f'
down_revision = 'd269032cf752'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('outbox_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dedupe_key', sa.String(length=200), nullable=False),
    sa.Column('to_address', sa.String(length=254), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=True),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text_body', sa.Text(), nullable=False),
    sa.Column('html_body', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('attempts', sa.SmallInteger(), nullable=False),
    sa.Column('next_attempt_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('claimed_by', sa.String(length=80), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('pending', 'sending', 'sent', 'failed', 'held', 'digested')", name=op.f('ck_outbox_email_status')),
    sa.ForeignKeyConstraint(['recipient_id'], ['user.id'], name=op.f('fk_outbox_email_recipient_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_outbox_email_ticket_id_ticket'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_email')),
    sa.UniqueConstraint('dedupe_key', name=op.f('uq_outbox_email_dedupe_key'))
    )
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_email_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_outbox_email_recipient_status', ['recipient_id', 'status'], unique=False)
        batch_op.create_index('ix_outbox_email_status_next', ['status', 'next_attempt_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_email_ticket_id'), ['ticket_id'], unique=False)

    op.create_table('inbound_email',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.String(length=300), nullable=True),
    sa.Column('from_address', sa.String(length=254), nullable=False),
    sa.Column('from_name', sa.String(length=200), nullable=False),
    sa.Column('subject', sa.String(length=300), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=False),
    sa.Column('attachment_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('reason', sa.String(length=20), nullable=True),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=True),
    sa.Column('reply_id', sa.Integer(), nullable=True),
    sa.Column('handled_by_id', sa.Integer(), nullable=True),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reason IN ('no_reference', 'unknown_ticket', 'unknown_sender', 'not_allowed', 'closed', 'auto_reply', 'empty', 'rejected')", name=op.f('ck_inbound_email_reason')),
    sa.CheckConstraint("status IN ('placed', 'pending', 'attached', 'discarded')", name=op.f('ck_inbound_email_status')),
    sa.ForeignKeyConstraint(['handled_by_id'], ['user.id'], name=op.f('fk_inbound_email_handled_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['reply_id'], ['message.id'], name=op.f('fk_inbound_email_reply_id_message'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_inbound_email_ticket_id_ticket'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_inbound_email')),
    sa.UniqueConstraint('message_id', name=op.f('uq_inbound_email_message_id'))
    )
    with op.batch_alter_table('inbound_email', schema=None) as batch_op:
        batch_op.create_index('ix_inbound_email_status_received', ['status', 'received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_inbound_email_ticket_id'), ['ticket_id'], unique=False)

    with email_index_set_aside(), op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notify_mode', sa.String(length=10), server_default='immediate', nullable=False))
        batch_op.add_column(sa.Column('notify_optional', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_check_constraint(op.f('ck_user_notify_mode'), "notify_mode IN ('immediate', 'digest')")



def downgrade():
    with email_index_set_aside(), op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_notify_mode'), type_='check')
        batch_op.drop_column('notify_optional')
        batch_op.drop_column('notify_mode')

    with op.batch_alter_table('inbound_email', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_email_ticket_id'))
        batch_op.drop_index('ix_inbound_email_status_received')

    op.drop_table('inbound_email')
    with op.batch_alter_table('outbox_email', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_email_ticket_id'))
        batch_op.drop_index('ix_outbox_email_status_next')
        batch_op.drop_index('ix_outbox_email_recipient_status')
        batch_op.drop_index(batch_op.f('ix_outbox_email_created_at'))

    op.drop_table('outbox_email')
