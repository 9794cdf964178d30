"""ticket follower: jurists following a question they need not be assigned to

Revision ID: 7bdd393699eb
Revises: a1b5c9d3e7f2
Create Date: 2026-11-29 20:18:19.936148

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7bdd393699eb'
down_revision = 'a1b5c9d3e7f2'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('ticket_follower',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_follower_ticket_id_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_ticket_follower_user_id_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'user_id', name=op.f('pk_ticket_follower'))
    )
    with op.batch_alter_table('ticket_follower', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_follower_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket_follower', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_follower_user_id'))
    op.drop_table('ticket_follower')
