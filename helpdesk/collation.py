"""The order a French reader expects for names and titles (« aide », « Égalité », « zèbre »), alike on SQLite,
PostgreSQL and in Python: case and accents are ignored first, and only break ties."""
import unicodedata

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

SQLITE_COLLATION = "french"
# ICU's French collation, present in every PostgreSQL built with ICU (Debian's, the official images); the database's
# own collation is often C.UTF-8, which puts « aide » after « Zèbre » and « Égalité » after both.
POSTGRESQL_COLLATION = "fr-x-icu"


def french_key(text: str) -> tuple[str, str]:
    """Sort key of `text`: its letters without accents and case, then the text itself so that the order is total."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold(), text


class french_order(FunctionElement):
    """A name or title column to sort on in French order: `order_by(french_order(Theme.name))`."""

    type = String()
    inherit_cache = True
    name = "french_order"


@compiles(french_order)
def _postgresql_order(element, compiler, **kw) -> str:
    """The column under ICU's French collation."""
    return f'{compiler.process(element.clauses, **kw)} COLLATE "{POSTGRESQL_COLLATION}"'


@compiles(french_order, "sqlite")
def _sqlite_order(element, compiler, **kw) -> str:
    """The column under the collation registered by register_sqlite_collation."""
    return f"{compiler.process(element.clauses, **kw)} COLLATE {SQLITE_COLLATION}"


def _compare(left: str, right: str) -> int:
    """SQLite's collation callback: negative, zero or positive as `left` sorts before, with or after `right`."""
    left_key, right_key = french_key(left), french_key(right)
    return (left_key > right_key) - (left_key < right_key)


def register_sqlite_collation(dbapi_connection) -> None:
    """Give a new SQLite connection the French collation that french_order() names."""
    dbapi_connection.create_collation(SQLITE_COLLATION, _compare)
