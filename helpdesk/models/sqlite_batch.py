"""What the migrations share for SQLite, whose batch mode alters a table by rebuilding it from its reflection, and
SQLAlchemy cannot reflect an expression index there (it warns and skips it)."""
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

# For `op.batch_alter_table(..., reflect_kwargs=REFLECT_ALONE)`: following the rebuilt table's foreign keys would
# also reflect "user" and "ticket" and their expression indexes (a warning each), for tables left untouched.
REFLECT_ALONE = {"resolve_fks": False}


@contextmanager
def email_index_set_aside() -> Iterator[None]:
    """Around a batch rebuild of "user" on SQLite: drop the expression index on lower(email), which the rebuilt table
    would lack, and create it again after."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.drop_index("uq_user_email_lower", table_name="user")
    yield
    if sqlite:
        op.create_index("uq_user_email_lower", "user", [sa.text("lower(email)")], unique=True)
