"""statistics

Revision ID: 575eca255a44
Revises: 7ecb45b45982
Create Date: 2026-11-28 08:29:06.505136

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '575eca255a44'
down_revision = '7ecb45b45982'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('article_read',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.Column('reader', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("reader IN ('anonymous', 'member', 'jurist', 'admin')", name=op.f('ck_article_read_reader')),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_article_read_article_id_article'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_article_read'))
    )
    with op.batch_alter_table('article_read', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_article_read_article_id'), ['article_id'], unique=False)
        batch_op.create_index('ix_article_read_created_article', ['created_at', 'article_id'], unique=False)

    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_created_at', ['created_at'], unique=False, postgresql_include=[
            'structure_id', 'theme_id', 'assignee_id', 'first_response_at', 'resolved_at', 'due_at', 'merged_into_id'])
        batch_op.create_index('ix_ticket_author_created', ['author_id', 'created_at'], unique=False)
        batch_op.create_index('ix_ticket_first_response_at', ['first_response_at'], unique=False)
        batch_op.create_index('ix_ticket_resolved_at', ['resolved_at'], unique=False)


def downgrade():
    with op.batch_alter_table('ticket', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_resolved_at')
        batch_op.drop_index('ix_ticket_first_response_at')
        batch_op.drop_index('ix_ticket_author_created')
        batch_op.drop_index('ix_ticket_created_at')
    with op.batch_alter_table('article_read', schema=None) as batch_op:
        batch_op.drop_index('ix_article_read_created_article')
        batch_op.drop_index(batch_op.f('ix_article_read_article_id'))

    op.drop_table('article_read')
