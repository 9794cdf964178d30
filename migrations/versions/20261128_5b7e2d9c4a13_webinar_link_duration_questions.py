"""webinars: connection link, duration, members' questions sent ahead

Revision ID: 5b7e2d9c4a13
Revises: d81f4b6e2a90
Create Date: 2026-11-28 23:15:00.000000

"""
from alembic import op
from helpdesk.models.sqlite_batch import REFLECT_ALONE
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5b7e2d9c4a13'
down_revision = 'd81f4b6e2a90'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('webinar', schema=None, reflect_kwargs=REFLECT_ALONE) as batch_op:
        batch_op.add_column(sa.Column('duration_minutes', sa.Integer(), nullable=False, server_default='60'))
        batch_op.add_column(sa.Column('join_url', sa.String(length=500), nullable=False, server_default=''))
        batch_op.create_check_constraint(batch_op.f('ck_webinar_duration_range'),
                                         'duration_minutes BETWEEN 15 AND 480')
    # The defaults only filled the existing rows: the application writes both columns.
    with op.batch_alter_table('webinar', schema=None, reflect_kwargs=REFLECT_ALONE) as batch_op:
        batch_op.alter_column('duration_minutes', existing_type=sa.Integer(), server_default=None)
        batch_op.alter_column('join_url', existing_type=sa.String(length=500), server_default=None)

    op.create_table('webinar_question',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('webinar_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(text)) > 0', name=op.f('ck_webinar_question_text_not_blank')),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_webinar_question_user_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['webinar_id'], ['webinar.id'], name=op.f('fk_webinar_question_webinar_id_webinar'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_webinar_question'))
    )
    with op.batch_alter_table('webinar_question', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_webinar_question_user_id'), ['user_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_webinar_question_webinar_id'), ['webinar_id'], unique=False)


def downgrade():
    with op.batch_alter_table('webinar_question', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_webinar_question_webinar_id'))
        batch_op.drop_index(batch_op.f('ix_webinar_question_user_id'))
    op.drop_table('webinar_question')
    with op.batch_alter_table('webinar', schema=None, reflect_kwargs=REFLECT_ALONE) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_webinar_duration_range'), type_='check')
        batch_op.drop_column('join_url')
        batch_op.drop_column('duration_minutes')
