"""The order a French reader expects for names and titles (« aide », « Égalité », « zèbre », « Structure 2 »,
« Structure 10 »), alike on SQLite, PostgreSQL and in Python: case and accents are ignored first, and only break ties;
numbers in a name sort by their value, not digit by digit."""
import re
import unicodedata

from sqlalchemy import String
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

SQLITE_COLLATION = "french"
# ICU's French collation with numeric ordering (locale fr-u-kn-true), created by a migration (9c4d2b7e1a53) in every
# PostgreSQL built with ICU (Debian's, the official images); the database's own collation is often C.UTF-8, which puts
# « aide » after « Zèbre », « Égalité » after both, and « Structure 10 » before « Structure 2 ».
POSTGRESQL_COLLATION = "fr-natural"
DIGITS = re.compile(r"(\d+)")


def french_key(text: str) -> tuple[tuple[str | int, ...], str]:
    """Sort key of `text`: its letters without accents and case, each run of digits as the number it writes (text
    and numbers alternate, text first, so that like always meets like), then the text itself so that the order is
    total."""
    decomposed = unicodedata.normalize("NFKD", text)
    folded = "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()
    parts = DIGITS.split(folded)
    return tuple(int(part) if index % 2 else part for index, part in enumerate(parts)), text


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
