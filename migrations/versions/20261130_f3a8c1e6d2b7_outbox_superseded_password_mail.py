"""outbox superseded password mail: a failed invitation or reset mail whose account has since received a newer one,
or chosen its password, is cancelled (as a newer link or a chosen password has cancelled it since 30 November)

Revision ID: f3a8c1e6d2b7
Revises: e2b7d4a9c6f1
Create Date: 2026-11-30 09:00:00.000000

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'f3a8c1e6d2b7'
down_revision = 'e2b7d4a9c6f1'
branch_labels = None
depends_on = None


def upgrade():
    # Failed before a newer link or a chosen password cancelled such mail, these rows stayed « Échec » in the outbox,
    # offering « Renvoyer » for a link the account no longer needs (and a resent invitation would retire the working
    # one it received since).
    op.execute("""
        UPDATE outbox_email SET status = 'cancelled'
        WHERE status = 'failed' AND kind IN ('invitation', 'password_reset') AND recipient_id IS NOT NULL
          AND (EXISTS (SELECT 1 FROM outbox_email AS later
                       WHERE later.recipient_id = outbox_email.recipient_id AND later.id > outbox_email.id
                         AND later.kind IN ('invitation', 'password_reset') AND later.status = 'sent')
               OR EXISTS (SELECT 1 FROM "user" WHERE "user".id = outbox_email.recipient_id
                          AND "user".password_hash NOT LIKE '!%'))
    """)


def downgrade():
    # Nothing to undo: the cancelled rows cannot be told from those cancelled by the application.
    pass
