"""triage: service levels, pauses, routing, canned answers, tags, cited resources, FAQ sources, satisfaction

Revision ID: f7708ef9a58a
Revises: 65c48906e67f
Create Date: 2026-11-28 08:31:08.878073

"""
from alembic import op
from helpdesk.models.sqlite_batch import REFLECT_ALONE
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7708ef9a58a'
down_revision = '65c48906e67f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('tag',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.CheckConstraint('length(name) > 0', name=op.f('ck_tag_name_not_blank')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_tag')),
    sa.UniqueConstraint('name', name=op.f('uq_tag_name'))
    )
    op.create_table('sla_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('priority', sa.SmallInteger(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('first_response_minutes', sa.Integer(), nullable=False),
    sa.Column('resolution_minutes', sa.Integer(), nullable=False),
    sa.CheckConstraint('first_response_minutes > 0', name=op.f('ck_sla_rule_first_response_positive')),
    sa.CheckConstraint('priority BETWEEN 0 AND 3', name=op.f('ck_sla_rule_priority_range')),
    sa.CheckConstraint('resolution_minutes >= first_response_minutes', name=op.f('ck_sla_rule_resolution_after_first_response')),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_sla_rule_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sla_rule'))
    )
    # Expression index: one rule per priority and theme, the general rule (no theme) counting as theme 0.
    op.create_index('uq_sla_rule_priority_theme', 'sla_rule', ['priority', sa.text('coalesce(theme_id, 0)')],
                    unique=True)
    op.create_table('canned_answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(trim(body)) > 0', name=op.f('ck_canned_answer_body_not_blank')),
    sa.CheckConstraint('length(trim(title)) > 0', name=op.f('ck_canned_answer_title_not_blank')),
    sa.ForeignKeyConstraint(['author_id'], ['user.id'], name=op.f('fk_canned_answer_author_id_user'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_canned_answer')),
    sa.UniqueConstraint('title', name=op.f('uq_canned_answer_title'))
    )
    with op.batch_alter_table('canned_answer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_canned_answer_author_id'), ['author_id'], unique=False)

    op.create_table('routing_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=True),
    sa.Column('region', sa.String(length=40), nullable=True),
    sa.Column('assignee_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("region IS NULL OR region IN ('auvergne-rhone-alpes', 'bourgogne-franche-comte', 'bretagne', 'centre-val-de-loire', 'corse', 'grand-est', 'hauts-de-france', 'ile-de-france', 'normandie', 'nouvelle-aquitaine', 'occitanie', 'pays-de-la-loire', 'provence-alpes-cote-d-azur', 'guadeloupe', 'martinique', 'guyane', 'la-reunion', 'mayotte')", name=op.f('ck_routing_rule_region')),
    sa.CheckConstraint('theme_id IS NOT NULL OR region IS NOT NULL', name=op.f('ck_routing_rule_has_condition')),
    sa.ForeignKeyConstraint(['assignee_id'], ['user.id'], name=op.f('fk_routing_rule_assignee_id_user'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['theme.id'], name=op.f('fk_routing_rule_theme_id_theme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_routing_rule'))
    )
    with op.batch_alter_table('routing_rule', schema=None) as batch_op:
        batch_op.create_index('ix_routing_rule_position', ['position'], unique=False)

    op.create_table('faq_source',
    sa.Column('article_slug', sa.String(length=200), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['article_slug'], ['article.slug'], name=op.f('fk_faq_source_article_slug_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['user.id'], name=op.f('fk_faq_source_proposed_by_id_user'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_faq_source_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('article_slug', name=op.f('pk_faq_source')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_faq_source_ticket_id'))
    )
    op.create_table('satisfaction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('rating', sa.SmallInteger(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('rating BETWEEN 1 AND 5', name=op.f('ck_satisfaction_rating_range')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_satisfaction_ticket_id_ticket'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user.id'], name=op.f('fk_satisfaction_user_id_user')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_satisfaction')),
    sa.UniqueConstraint('ticket_id', name=op.f('uq_satisfaction_ticket_id'))
    )
    with op.batch_alter_table('satisfaction', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_satisfaction_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_satisfaction_user_id'), ['user_id'], unique=False)

    op.create_table('ticket_pause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('ended_at IS NULL OR ended_at >= started_at', name=op.f('ck_ticket_pause_ends_after_start')),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_pause_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ticket_pause'))
    )
    with op.batch_alter_table('ticket_pause', schema=None) as batch_op:
        batch_op.create_index('ix_ticket_pause_ticket_started', ['ticket_id', 'started_at'], unique=False)

    op.create_table('ticket_tag',
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('tag_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['tag_id'], ['tag.id'], name=op.f('fk_ticket_tag_tag_id_tag'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], name=op.f('fk_ticket_tag_ticket_id_ticket'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ticket_id', 'tag_id', name=op.f('pk_ticket_tag'))
    )
    with op.batch_alter_table('ticket_tag', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ticket_tag_tag_id'), ['tag_id'], unique=False)

    op.create_table('message_resource',
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('article_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['article_id'], ['article.id'], name=op.f('fk_message_resource_article_id_article'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['message_id'], ['message.id'], name=op.f('fk_message_resource_message_id_message'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('message_id', 'article_id', name=op.f('pk_message_resource'))
    )
    with op.batch_alter_table('message_resource', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_message_resource_article_id'), ['article_id'], unique=False)

    with op.batch_alter_table('ticket', schema=None, reflect_kwargs=REFLECT_ALONE) as batch_op:
        batch_op.add_column(sa.Column('first_response_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('next_due_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('merged_into_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_ticket_merged_into_id'), ['merged_into_id'], unique=False)
        batch_op.create_index('ix_ticket_next_due', ['next_due_at'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_ticket_created_by_id_user'), 'user', ['created_by_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_ticket_merged_into_id_ticket'), 'ticket', ['merged_into_id'], ['id'])
        batch_op.create_check_constraint(batch_op.f('ck_ticket_not_merged_into_itself'),
                                         'merged_into_id IS NULL OR merged_into_id != id')



def downgrade():
    with op.batch_alter_table('ticket', schema=None, reflect_kwargs=REFLECT_ALONE) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_ticket_not_merged_into_itself'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_ticket_merged_into_id_ticket'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_ticket_created_by_id_user'), type_='foreignkey')
        batch_op.drop_index('ix_ticket_next_due')
        batch_op.drop_index(batch_op.f('ix_ticket_merged_into_id'))
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('merged_into_id')
        batch_op.drop_column('next_due_at')
        batch_op.drop_column('first_response_due_at')

    with op.batch_alter_table('message_resource', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_message_resource_article_id'))

    op.drop_table('message_resource')
    with op.batch_alter_table('ticket_tag', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ticket_tag_tag_id'))

    op.drop_table('ticket_tag')
    with op.batch_alter_table('ticket_pause', schema=None) as batch_op:
        batch_op.drop_index('ix_ticket_pause_ticket_started')

    op.drop_table('ticket_pause')
    with op.batch_alter_table('satisfaction', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_satisfaction_user_id'))
        batch_op.drop_index(batch_op.f('ix_satisfaction_created_at'))

    op.drop_table('satisfaction')
    op.drop_table('faq_source')
    with op.batch_alter_table('routing_rule', schema=None) as batch_op:
        batch_op.drop_index('ix_routing_rule_position')

    op.drop_table('routing_rule')
    with op.batch_alter_table('canned_answer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_canned_answer_author_id'))

    op.drop_table('canned_answer')
    op.drop_index('uq_sla_rule_priority_theme', table_name='sla_rule')
    op.drop_table('sla_rule')
    op.drop_table('tag')
