"""user locale: the interface language chosen by each user (NULL = default, French)

Revision ID: 7909c860b56d
Revises: 575eca255a44
Create Date: 2026-11-28 09:11:09.441963

"""
from alembic import op
from helpdesk.models.sqlite_batch import email_index_set_aside
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7909c860b56d'
down_revision = '575eca255a44'
branch_labels = None
depends_on = None


def upgrade():
    with email_index_set_aside(), op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locale', sa.String(length=5), nullable=True))
        batch_op.create_check_constraint(op.f('ck_user_locale'), "locale IN ('fr', 'en')")


def downgrade():
    with email_index_set_aside(), op.batch_alter_table('user', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_user_locale'), type_='check')
        batch_op.drop_column('locale')
