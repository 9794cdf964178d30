"""Reading and writing many rows at once, in ways every database accepts and at a cost that stays small per row."""
from sqlalchemy import func, select

from helpdesk.extensions import db

BATCH_SIZE = 500
# Below this many rows, a multi-row INSERT … RETURNING costs less than the query reserving their ids.
RESERVE_MIN_ROWS = 50


def in_batches(query, column, values: set) -> list:
    """The results of `query` for the rows whose `column` is one of `values`, asked BATCH_SIZE values at a time."""
    ordered = sorted(values)
    return [row for start in range(0, len(ordered), BATCH_SIZE)
            for row in db.session.scalars(query.where(column.in_(ordered[start:start + BATCH_SIZE])))]


def reserve_ids(connection, table, count: int) -> list[int] | None:
    """On PostgreSQL, `count` new ids of `table` taken from its sequence in one query; None elsewhere (SQLite numbers
    rows as it inserts them, at no such cost) and for fewer than RESERVE_MIN_ROWS rows.

    Rows inserted with their ids need no RETURNING, so thousands of them go in one executemany, which psycopg sends
    as a pipeline of one parsed statement; without ids they go in multi-row INSERT … RETURNING statements whose
    thousands of placeholders psycopg parses in Python (seconds for an import of thousands of accounts)."""
    if connection.dialect.name != "postgresql" or count < RESERVE_MIN_ROWS:
        return None
    sequence = func.pg_get_serial_sequence(connection.dialect.identifier_preparer.format_table(table), "id")
    return sorted(connection.scalars(select(func.nextval(sequence)).select_from(func.generate_series(1, count))))


def assign_ids(objects: list) -> None:
    """Give new objects of one model their ids before the flush where reserve_ids can (see there)."""
    if objects:
        ids = reserve_ids(db.session.connection(), type(objects[0]).__table__, len(objects))
        for instance, new_id in zip(objects, ids or ()):
            instance.id = new_id
